"""Keras 3 models for corpus/keras/cases.json: small versions of what Keras users build, written
with the functional API the way Keras code usually is. Weights come from the case seed (the
frontend calls keras.utils.set_random_seed first); nothing is downloaded.

Constructors take JSON-able keyword arguments only (cases.json passes `kwargs` as JSON)."""
import keras
from keras import layers


def mlp_gelu(features=8, hidden=32, classes=3):
    x = keras.Input(shape=(features,), name="x")
    h = layers.Dense(hidden, activation="gelu")(x)
    h = layers.LayerNormalization()(h)
    return keras.Model(x, layers.Dense(classes)(h), name="mlp_gelu")


def small_cnn(size=32, channels=3, classes=10):
    """Conv-BN-ReLU blocks, max pooling, global average pooling (NHWC, as Keras defaults)."""
    x = keras.Input(shape=(size, size, channels), name="image")
    h = x
    for filters in (8, 16, 32):
        h = layers.Conv2D(filters, 3, padding="same", use_bias=False)(h)
        h = layers.BatchNormalization()(h)
        h = layers.ReLU()(h)
        h = layers.MaxPooling2D()(h)
    h = layers.GlobalAveragePooling2D()(h)
    return keras.Model(x, layers.Dense(classes, activation="softmax")(h), name="small_cnn")


def separable_cnn(size=32, classes=5):
    """Depthwise and separable convolutions with strides, ReLU6 and a residual add."""
    x = keras.Input(shape=(size, size, 3), name="image")
    h = layers.Conv2D(16, 3, strides=2, padding="same")(x)
    h = layers.ReLU(max_value=6.0)(h)
    r = layers.DepthwiseConv2D(3, padding="same")(h)
    r = layers.BatchNormalization()(r)
    r = layers.ReLU(max_value=6.0)(r)
    r = layers.Conv2D(16, 1)(r)
    h = layers.Add()([h, r])
    h = layers.SeparableConv2D(32, 3, strides=2, padding="same", activation="swish")(h)
    h = layers.GlobalMaxPooling2D()(h)
    return keras.Model(x, layers.Dense(classes)(h), name="separable_cnn")


def resnet_block(size=16, filters=16, classes=4):
    x = keras.Input(shape=(size, size, 3), name="image")
    h = layers.Conv2D(filters, 3, padding="same")(x)
    for _ in range(2):
        r = layers.Conv2D(filters, 3, padding="same")(h)
        r = layers.BatchNormalization()(r)
        r = layers.Activation("relu")(r)
        r = layers.Conv2D(filters, 3, padding="same")(r)
        r = layers.BatchNormalization()(r)
        h = layers.Activation("relu")(layers.Add()([h, r]))
    h = layers.AveragePooling2D(2)(h)
    h = layers.Flatten()(h)
    return keras.Model(x, layers.Dense(classes)(h), name="resnet_block")


def lstm_classifier(vocab=50, length=12, embed=16, units=24, classes=3):
    x = keras.Input(shape=(length,), dtype="int64", name="tokens")
    h = layers.Embedding(vocab, embed)(x)
    h = layers.LSTM(units)(h)
    return keras.Model(x, layers.Dense(classes)(h), name="lstm_classifier")


def bidir_gru_tagger(vocab=40, length=10, embed=12, units=16, tags=5):
    x = keras.Input(shape=(length,), dtype="int64", name="tokens")
    h = layers.Embedding(vocab, embed)(x)
    h = layers.Bidirectional(layers.GRU(units, return_sequences=True))(h)
    return keras.Model(x, layers.Dense(tags)(h), name="bidir_gru_tagger")


def transformer_block(length=8, dim=16, heads=2, ff=32, classes=3):
    """Self-attention (MultiHeadAttention), residual adds, LayerNormalization, feed-forward."""
    x = keras.Input(shape=(length, dim), name="x")
    a = layers.MultiHeadAttention(num_heads=heads, key_dim=dim // heads)(x, x)
    h = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, a]))
    f = layers.Dense(ff, activation="relu")(h)
    f = layers.Dense(dim)(f)
    h = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([h, f]))
    h = layers.GlobalAveragePooling1D()(h)
    return keras.Model(x, layers.Dense(classes)(h), name="transformer_block")


def conv1d_text(vocab=64, length=20, embed=16, classes=2):
    x = keras.Input(shape=(length,), dtype="int64", name="tokens")
    h = layers.Embedding(vocab, embed)(x)
    h = layers.Conv1D(24, 5, activation="relu", padding="valid")(h)
    h = layers.MaxPooling1D(2)(h)
    h = layers.Conv1D(24, 3, activation="relu")(h)
    h = layers.GlobalMaxPooling1D()(h)
    h = layers.Dropout(0.5)(h)
    return keras.Model(x, layers.Dense(classes)(h), name="conv1d_text")


def tiny_unet(size=16, classes=3):
    """Down with strided conv, up with Conv2DTranspose and UpSampling2D, skip Concatenate."""
    x = keras.Input(shape=(size, size, 3), name="image")
    d1 = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    d2 = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(d1)
    b = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(d2)
    u2 = layers.Conv2DTranspose(16, 2, strides=2, padding="same")(b)
    u2 = layers.Concatenate()([u2, d2])
    u1 = layers.UpSampling2D(2, interpolation="bilinear")(u2)
    u1 = layers.Concatenate()([u1, d1])
    return keras.Model(x, layers.Conv2D(classes, 1)(u1), name="tiny_unet")


def two_inputs_two_outputs(features=6, length=5, dim=4):
    """Multiple inputs (a vector and a sequence) and outputs: how converters order and name them."""
    a = keras.Input(shape=(features,), name="a")
    s = keras.Input(shape=(length, dim), name="s")
    pooled = layers.GlobalAveragePooling1D()(s)
    h = layers.Concatenate()([layers.Dense(8, activation="tanh")(a), pooled])
    main = layers.Dense(1, name="score")(h)
    aux = layers.Reshape((length * dim,))(layers.Permute((2, 1))(s))
    aux = layers.Dense(3, activation="sigmoid", name="aux")(aux)
    return keras.Model([a, s], [main, aux], name="two_inputs_two_outputs")


def preprocessing_head(size=16, classes=4):
    """Rescaling and Normalization layers in the graph, then a pooled Conv2D classifier."""
    x = keras.Input(shape=(size, size, 3), name="image")
    h = layers.Rescaling(1.0 / 255.0)(x)
    h = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.052, 0.050, 0.051])(h)
    h = layers.Conv2D(8, 3, activation="elu")(h)
    h = layers.GlobalAveragePooling2D()(h)
    return keras.Model(x, layers.Dense(classes)(h), name="preprocessing_head")


def attention_pooling(length=12, dim=8, classes=3):
    """Softmax attention weights over time computed by hand with keras.ops (Dot, Softmax, Multiply)."""
    x = keras.Input(shape=(length, dim), name="x")
    scores = layers.Dense(1)(x)
    weights = layers.Softmax(axis=1)(scores)
    pooled = layers.Lambda(lambda t: keras.ops.sum(t[0] * t[1], axis=1))([x, weights])
    return keras.Model(x, layers.Dense(classes)(pooled), name="attention_pooling")
