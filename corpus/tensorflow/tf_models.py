"""TensorFlow functions for corpus/tensorflow/cases.json: tf.Modules written with tf.nn / tf.math
ops and control flow, the graphs tf2onnx sees from SavedModels and concrete functions. Weights
are seeded by the frontend (tf.random.set_seed); nothing is downloaded.

Constructors take JSON-able keyword arguments only."""
import tensorflow as tf


def _w(shape, scale=None):
    fan_in = shape[0] if len(shape) == 2 else int(tf.reduce_prod(shape[:-1]))
    bound = scale if scale is not None else 1.0 / fan_in**0.5
    return tf.Variable(tf.random.uniform(shape, -bound, bound))


class Mlp(tf.Module):
    """matmul + bias + exact GELU, then a softmax head."""

    def __init__(self, features=8, hidden=16, classes=3):
        super().__init__()
        self.w1, self.b1 = _w([features, hidden]), _w([hidden], 0.1)
        self.w2, self.b2 = _w([hidden, classes]), _w([classes], 0.1)

    def __call__(self, x):
        h = tf.nn.gelu(tf.matmul(x, self.w1) + self.b1, approximate=False)
        return tf.nn.softmax(tf.matmul(h, self.w2) + self.b2)


class ConvBn(tf.Module):
    """NHWC conv2d, batch normalisation with trained-looking statistics, relu6, max pool, mean."""

    def __init__(self, channels=3, filters=8):
        super().__init__()
        self.k = _w([3, 3, channels, filters])
        self.mean = tf.Variable(tf.random.uniform([filters], -0.2, 0.2))
        self.var = tf.Variable(tf.random.uniform([filters], 0.6, 1.4))
        self.gamma = tf.Variable(tf.random.uniform([filters], 0.6, 1.4))
        self.beta = tf.Variable(tf.random.uniform([filters], -0.1, 0.1))

    def __call__(self, x):
        h = tf.nn.conv2d(x, self.k, strides=1, padding="SAME")
        h = tf.nn.batch_normalization(h, self.mean, self.var, self.beta, self.gamma, 1e-3)
        h = tf.nn.max_pool2d(tf.nn.relu6(h), 2, 2, "VALID")
        return tf.reduce_mean(h, axis=[1, 2])


class ScanRnn(tf.Module):
    """An Elman RNN written with tf.scan: a while loop in the graph (tf2onnx's Loop conversion)."""

    def __init__(self, features=4, hidden=8):
        super().__init__()
        self.wx, self.wh = _w([features, hidden]), _w([hidden, hidden])
        self.hidden = hidden

    def __call__(self, x):  # x: [time, batch, features]
        h0 = tf.zeros([tf.shape(x)[1], self.hidden])
        states = tf.scan(lambda h, xt: tf.tanh(tf.matmul(xt, self.wx) + tf.matmul(h, self.wh)), x, initializer=h0)
        return states[-1]


class GatherScatter(tf.Module):
    """Embedding lookup with tf.gather, then tensor_scatter_nd_add into a fixed table."""

    def __init__(self, vocab=20, dim=6):
        super().__init__()
        self.table = _w([vocab, dim], 1.0)

    def __call__(self, ids):
        rows = tf.gather(self.table, ids)  # [batch, length, dim]
        pooled = tf.reduce_sum(rows, axis=1)
        index = tf.constant([[0], [2]])
        return tf.tensor_scatter_nd_add(pooled, index, tf.ones([2, pooled.shape[-1]]))


class ResizeBilinear(tf.Module):
    """tf.image.resize (bilinear, half-pixel centres) up by 2 and down again."""

    def __call__(self, x):
        up = tf.image.resize(x, [x.shape[1] * 2, x.shape[2] * 2], method="bilinear")
        return tf.image.resize(up, [x.shape[1] // 2 + 1, x.shape[2] // 2 + 1], method="bilinear")


class DataDependentCond(tf.Module):
    """tf.cond on a value: both branches stay in the graph (If)."""

    def __call__(self, x):
        return tf.cond(tf.reduce_sum(x) > 0.0, lambda: x * 2.0 + 1.0, lambda: tf.abs(x) - 1.0)


class TopKArgmax(tf.Module):
    """top_k values and indices, argmax (int64 outputs), cumsum."""

    def __call__(self, x):
        values, indices = tf.math.top_k(x, k=3)
        return values, indices, tf.argmax(x, axis=-1), tf.math.cumsum(x, axis=-1)
