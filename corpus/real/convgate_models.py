"""Custom models and thin wrappers used by corpus/real/cases.json.

Every class here is a small, CI-sized version of an architecture people ship, written the way
such code is usually written (so the exporter sees the operator patterns real models produce:
exact GELU, LayerNorm, `q @ k.transpose(-2, -1)`, non-swap permutes, int64 true division,
Conv(bias=True)+BatchNorm, Embedding(padding_idx=...), bilinear upsampling, masks built from
lengths, ...). Weights are random (the worker seeds torch before building); nothing is downloaded.

Constructors take JSON-able keyword arguments only, since cases.json passes `kwargs` as JSON.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

# --------------------------------------------------------------------------------------------
# Trained-looking statistics, and torchvision wrappers for what JSON kwargs cannot say
# --------------------------------------------------------------------------------------------


def _resolve(spec, field):
    """The callable a JSON kwarg names ("module:attr"), through the worker's one factory resolver:
    the same format and the same limits (the corpus' own modules and declared libraries)."""
    from convgate_worker import factories

    return factories.resolve(spec, field)


def calibrate_batchnorm(model, make_inputs, steps=2):
    """Give BatchNorm layers the statistics training would: random affine parameters
    (gamma in [0.6, 1.4], beta in [-0.2, 0.2]), then running mean/var accumulated from `steps`
    seeded forward passes (BN in train mode, everything else in eval mode).

    Why: with untrained weights and running statistics unrelated to the activations, deep CNNs
    such as MobileNet/EfficientNet/GoogLeNet lose the input within a few blocks (each BN scales
    by a random factor instead of renormalising), so their outputs are nearly constant and a
    converter bug anywhere but the last layers stays below tolerance. Calibrated statistics keep
    activations normalised like a trained network's, and running means are non-zero (incl. the
    conv bias where there is one), so a wrong Conv+BN fold still shows. Cases using this set
    `realisticNorms: false` so the worker keeps these statistics."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = []
    with torch.no_grad():
        for bn in norms:
            if bn.affine:
                bn.weight.uniform_(0.6, 1.4)
                bn.bias.uniform_(-0.2, 0.2)
            bn.reset_running_stats()
            momenta.append(bn.momentum)
            bn.momentum = None  # cumulative average over the calibration batches
        model.eval()
        for bn in norms:
            bn.train()
        for _ in range(steps):
            model(*make_inputs())
        for bn, momentum in zip(norms, momenta):
            bn.momentum = momentum
        model.eval()
    return model


def calibrated(net, calibration_shape, calibration_range=(-1.0, 1.0), calibration_steps=2, **kwargs):
    """Build `net` ("module:attr", called with **kwargs) and calibrate its
    BatchNorm statistics on seeded uniform inputs of `calibration_shape` (see calibrate_batchnorm).
    The batch in calibration_shape should be >= 2 (BN needs more than one value per channel)."""
    model = _resolve(net, "model.kwargs.net")(**kwargs)
    lo, hi = calibration_range

    def make_inputs():
        return (torch.rand(*calibration_shape) * (hi - lo) + lo,)

    return calibrate_batchnorm(model, make_inputs, calibration_steps)


def _resnet_fpn_detector(kind, backbone, num_classes, **kwargs):
    """RetinaNet / FCOS assembled as torchvision's *_resnet50_fpn builders do (ResNet FPN on
    layers 2-4 + P6/P7), on a lighter ResNet (e.g. resnet18) to keep CI exports small. RetinaNet
    gets the v2 head (GroupNorm after each head conv, as retinanet_resnet50_fpn_v2): the v1 head
    (4 plain convs initialised with std 0.01) leaves every random-weight score at the 0.01
    prior, below any sensible threshold."""
    from functools import partial

    from torchvision import models
    from torchvision.models.detection import FCOS, RetinaNet
    from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor
    from torchvision.models.detection.retinanet import RetinaNetHead, _default_anchorgen
    from torchvision.ops.feature_pyramid_network import LastLevelP6P7

    trunk = getattr(models, backbone)(weights=None)
    fpn = _resnet_fpn_extractor(trunk, 5, returned_layers=[2, 3, 4], extra_blocks=LastLevelP6P7(256, 256))
    if kind == "retinanet":
        anchors = _default_anchorgen()
        head = RetinaNetHead(fpn.out_channels, anchors.num_anchors_per_location()[0], num_classes,
                             norm_layer=partial(nn.GroupNorm, 32))
        return RetinaNet(fpn, num_classes, anchor_generator=anchors, head=head, **kwargs)
    if kind == "fcos":
        return FCOS(fpn, num_classes, **kwargs)
    raise ValueError("unknown detector kind %r" % kind)


class Detector(nn.Module):
    """A torchvision detection model behind a batched-tensor interface.

    torchvision detectors take a list of images and return a list of dicts; the exported graph
    takes a [1, 3, H, W] tensor and returns (boxes, scores, labels) of that image.

    Detection outputs are only reproducible across runtimes when the ranking is: an untrained
    detector gives nearly identical scores to every anchor (differences ~1e-7, so top-k/NMS
    order flips on rounding noise). Cases build it through `calibrated`, so the features depend
    on the image; `logit_gain` additionally scales the weights of the classification-logit (and
    RPN objectness) layers so scores spread out the way a trained detector's do; and the kwargs
    keep a fixed, small number of detections (score threshold, top-k, detections per image).

    `builder` is a torchvision builder ("module:attr") (called with weights=None, weights_backbone=None),
    or "retinanet"/"fcos" with `backbone` naming a torchvision ResNet."""

    def __init__(self, builder, backbone=None, logit_gain=1.0, **kwargs):
        super().__init__()
        if backbone is not None:
            self.model = _resnet_fpn_detector(builder, backbone, **kwargs)
        else:
            self.model = _resolve(builder, "model.kwargs.builder")(weights=None, weights_backbone=None, **kwargs)
        if logit_gain != 1.0:
            with torch.no_grad():
                for name, module in self.model.named_modules():
                    last = name.rsplit(".", 1)[-1]
                    is_logits = last in ("cls_logits", "cls_score") or (
                        ".classification_head.module_list." in "." + name and last == "1"
                    )
                    if is_logits and isinstance(module, (nn.Conv2d, nn.Linear)):
                        module.weight.mul_(logit_gain)

    def forward(self, x):
        out = self.model(list(x.unbind(0)))
        det = out[0]
        return det["boxes"], det["scores"], det["labels"]


class Segmenter(nn.Module):
    """A torchvision segmentation model returning its 'out' map only (aux heads off)."""

    def __init__(self, builder, **kwargs):
        super().__init__()
        self.model = _resolve(builder, "model.kwargs.builder")(weights=None, weights_backbone=None, **kwargs)

    def forward(self, x):
        return self.model(x)["out"]


def truncated(builder, keep, **kwargs):
    """A torchvision model (`builder`, "module:attr", called with **kwargs) with only the first
    `keep[path]` blocks of each named stage (an nn.Sequential of blocks, e.g. "trunk_output.block3"
    of a RegNet, "features.6" of an EfficientNet). CI size: the dynamo exporter's time grows with
    the graph. A stage's first block changes width or stride and the blocks after it repeat the
    same kind, so keeping the first block of every stage (two where the repeated kind must stay)
    keeps every block kind, stem and head exactly as torchvision builds them."""
    model = _resolve(builder, "model.kwargs.builder")(**kwargs)
    for path, n in keep.items():
        stage = model.get_submodule(path)
        if not isinstance(stage, nn.Sequential) or not isinstance(n, int) or not 1 <= n <= len(stage):
            raise ValueError("model.kwargs.keep[%r]: expected 1..%s blocks of an nn.Sequential stage, got %r"
                             % (path, len(stage) if isinstance(stage, nn.Sequential) else "?", n))
        del stage[n:]
    return model


def mobilenet_v3_large_blocks(blocks, dilated=False, **kwargs):
    """torchvision MobileNetV3 with mobilenet_v3_large's own bottleneck settings, keeping the
    bottlenecks at indices `blocks` of its 15 (CI size: the dynamo exporter's time grows with the
    graph). Skipping only blocks whose input and output widths are equal keeps every kept block's
    settings, stem and head exactly as torchvision builds them."""
    from torchvision.models import mobilenetv3

    setting, last_channel = mobilenetv3._mobilenet_v3_conf("mobilenet_v3_large", dilated=dilated)
    kept = [setting[i] for i in blocks]
    for before, after in zip(kept, kept[1:]):
        if before.out_channels != after.input_channels:
            raise ValueError("mobilenet_v3_large blocks %s: a block of width %d follows one of width %d"
                             % (list(blocks), after.input_channels, before.out_channels))
    return mobilenetv3.MobileNetV3(kept, last_channel, **kwargs)


def mobilenet_v3_large_segmenter(head, blocks, num_classes, aux_loss=False, weights=None, weights_backbone=None):
    """torchvision's deeplabv3_mobilenet_v3_large / lraspp_mobilenet_v3_large (`head`), built by
    torchvision's own head builders on a dilated mobilenet_v3_large backbone with only `blocks`
    of its bottlenecks (see mobilenet_v3_large_blocks). For Segmenter."""
    if weights is not None or weights_backbone is not None:
        raise ValueError("weights are never downloaded: pass weights=None")
    backbone = mobilenet_v3_large_blocks(blocks, dilated=True)
    if head == "deeplabv3":
        from torchvision.models.segmentation import deeplabv3

        return deeplabv3._deeplabv3_mobilenetv3(backbone, num_classes, aux_loss)
    if head == "lraspp":
        from torchvision.models.segmentation import lraspp

        return lraspp._lraspp_mobilenetv3(backbone, num_classes)
    raise ValueError("head must be 'deeplabv3' or 'lraspp', got %r" % (head,))


def vgg_features(cfg="A", batch_norm=True, num_classes=10):
    """torchvision's VGG trunk (vgg.make_layers: Conv2d(bias=True) -> BatchNorm2d -> ReLU, max
    pools; cfg "A" = vgg11) with a global-pool linear head. The stock VGG classifier
    (adaptive pool to 7x7, 25088x4096 linear layers) is far too big for CI."""
    from torchvision.models import vgg

    features = vgg.make_layers(vgg.cfgs[cfg], batch_norm=batch_norm)
    width = [v for v in vgg.cfgs[cfg] if v != "M"][-1]
    model = nn.Sequential()
    model.add_module("features", features)
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten(1))
    model.add_module("head", nn.Linear(width, num_classes))
    return model


def vit(**kwargs):
    """torchvision VisionTransformer. Its classification head is zero-initialised (all logits 0
    for every input, which would make every encoder bug invisible), so the head gets a small
    random init, as after fine-tuning."""
    from torchvision.models.vision_transformer import VisionTransformer

    model = VisionTransformer(**kwargs)
    with torch.no_grad():
        model.heads.head.weight.normal_(0.0, 0.2)
        model.heads.head.bias.normal_(0.0, 0.2)
    return model


def trained_like(model, bias_table_std=0.5):
    """Re-initialise Linear/Conv weights with variance-preserving N(0, 1/fan_in) (biases
    N(0, 0.05)) and relative-position bias tables with N(0, bias_table_std).

    Swin and MaxViT initialise linear layers with std 0.02 (and MaxViT its convs too): at CI
    widths (24-64 channels) every attention/MLP branch then adds ~1e-3 of the residual stream,
    so the blocks, and any converter bug inside them, are invisible at tolerance 1e-3.
    Trained weights are not like that; this keeps every branch contributing."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)):
                fan_in = module.weight[0].numel()
                module.weight.normal_(0.0, 1.0 / math.sqrt(fan_in))
                if module.bias is not None:
                    module.bias.normal_(0.0, 0.05)
        for name, p in model.named_parameters():
            if name.endswith("relative_position_bias_table"):
                p.normal_(0.0, bias_table_std)
    return model


def _lists(kwargs):
    for key in ("patch_size", "window_size", "input_size"):
        if key in kwargs:
            kwargs[key] = list(kwargs[key])
    return kwargs


def swin(**kwargs):
    """torchvision SwinTransformer (V1 blocks) at a custom size, trained-like weights."""
    from torchvision.models import swin_transformer as st

    return trained_like(st.SwinTransformer(**_lists(kwargs)))


def swin_v2(**kwargs):
    """torchvision SwinTransformer with the V2 block/merging (cosine attention, log-spaced
    continuous position bias MLP, post-norm), as swin_v2_t builds it, at a custom size."""
    from torchvision.models import swin_transformer as st

    model = st.SwinTransformer(block=st.SwinTransformerBlockV2, downsample_layer=st.PatchMergingV2, **_lists(kwargs))
    return trained_like(model)


def maxvit(**kwargs):
    """torchvision MaxVit at a custom size, trained-like weights (its own init is std 0.02 for
    every conv and linear layer). Use through `calibrated` for its BatchNorms."""
    from torchvision.models.maxvit import MaxVit

    return trained_like(MaxVit(**_lists(kwargs)))


# --------------------------------------------------------------------------------------------
# Convolutional building blocks
# --------------------------------------------------------------------------------------------


class ConvBNAct(nn.Sequential):
    """Conv2d *with bias* followed by BatchNorm: what Keras/Caffe ports and many hand-written
    models do. A Conv+BN fold that forgets the conv bias or the running mean is caught here."""

    def __init__(self, cin, cout, k=3, stride=1, groups=1, act="relu6"):
        layers = [
            nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=True),
            nn.BatchNorm2d(cout),
        ]
        if act == "relu6":
            layers.append(nn.ReLU6(inplace=True))
        elif act == "relu":
            layers.append(nn.ReLU(inplace=True))
        elif act == "silu":
            layers.append(nn.SiLU(inplace=True))
        super().__init__(*layers)


class MobileNetV1(nn.Module):
    """MobileNet v1: depthwise-separable blocks, every conv with bias + BatchNorm + ReLU6."""

    def __init__(self, num_classes=10, width=16, blocks=((1, 2), (2, 2), (2, 1), (2, 2))):
        super().__init__()
        layers = [ConvBNAct(3, width, 3, 2)]
        cin = width
        for stride, mult in blocks:
            cout = cin * mult
            layers.append(ConvBNAct(cin, cin, 3, stride, groups=cin))  # depthwise
            layers.append(ConvBNAct(cin, cout, 1))  # pointwise
            cin = cout
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(x)


class UNet(nn.Module):
    """A small UNet: Conv(bias)+BN+ReLU double convs, max-pool down, and two kinds of up path
    (ConvTranspose2d on the deepest level; 1x1 conv + F.interpolate bilinear, align_corners=False,
    on the others, as in the "bilinear=True" UNet variant), skip concatenation,
    and a channels-last (NCHW -> NHWC) output as segmentation heads often emit."""

    def __init__(self, in_channels=3, num_classes=4, base=8, depth=3):
        super().__init__()

        def double(cin, cout):
            return nn.Sequential(ConvBNAct(cin, cout, 3, act="relu"), ConvBNAct(cout, cout, 3, act="relu"))

        self.downs = nn.ModuleList()
        cin = in_channels
        chans = []
        for d in range(depth):
            cout = base * 2**d
            self.downs.append(double(cin, cout))
            chans.append(cout)
            cin = cout
        self.bottom = double(cin, cin * 2)
        cin = cin * 2
        self.ups = nn.ModuleList()
        self.up_convs = nn.ModuleList()
        for d in reversed(range(depth)):
            skip = chans[d]
            if d == depth - 1:
                self.ups.append(nn.ConvTranspose2d(cin, skip, 2, stride=2))
            else:
                self.ups.append(nn.Conv2d(cin, skip, 1))  # followed by bilinear upsampling
            self.up_convs.append(double(skip * 2, skip))
            cin = skip
        self.head = nn.Conv2d(cin, num_classes, 1)

    def forward(self, x):
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottom(x)
        for up, conv, skip in zip(self.ups, self.up_convs, reversed(skips)):
            if isinstance(up, nn.ConvTranspose2d):
                x = up(x)
            else:
                x = F.interpolate(up(x), size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = conv(torch.cat([x, skip], dim=1))
        return self.head(x).permute(0, 2, 3, 1)  # NHWC logits


class CRNN(nn.Module):
    """CRNN for text-line OCR: conv feature extractor -> collapse height -> (T, N, C) via a
    non-swap permute -> bidirectional GRU -> per-timestep class log-probabilities (CTC)."""

    def __init__(self, num_classes=37, in_channels=1, hidden=32, rnn="gru"):
        super().__init__()
        self.features = nn.Sequential(
            ConvBNAct(in_channels, 16, 3, act="relu"),
            nn.MaxPool2d(2, 2),
            ConvBNAct(16, 32, 3, act="relu"),
            nn.MaxPool2d(2, 2),
            ConvBNAct(32, 48, 3, act="relu"),
            nn.MaxPool2d((2, 1), (2, 1)),
        )
        cls = nn.GRU if rnn == "gru" else nn.LSTM
        self.rnn = cls(48, hidden, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, num_classes)

    def forward(self, x):
        f = self.features(x)  # N, C, H', W'
        f = f.mean(dim=2)  # N, C, W'
        f = f.permute(2, 0, 1)  # W' (time), N, C
        y, _ = self.rnn(f)
        return F.log_softmax(self.fc(y), dim=-1)  # T, N, classes


# --------------------------------------------------------------------------------------------
# Recurrent / embedding models
# --------------------------------------------------------------------------------------------


class RNNTagger(nn.Module):
    """Embedding(padding_idx) -> multi-layer (bi)LSTM/GRU -> per-token linear (a sequence tagger)."""

    def __init__(self, rnn="lstm", vocab=100, emb=32, hidden=32, num_layers=2, bidirectional=True,
                 num_tags=9, batch_first=True, padding_idx=0):
        super().__init__()
        self.embed = nn.Embedding(vocab, emb, padding_idx=padding_idx)
        cls = nn.LSTM if rnn == "lstm" else nn.GRU
        self.rnn = cls(emb, hidden, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
        self.out = nn.Linear(hidden * (2 if bidirectional else 1), num_tags)

    def forward(self, tokens):
        y, _ = self.rnn(self.embed(tokens))
        return self.out(y)


class RNNRegressor(nn.Module):
    """Sequence-first LSTM/GRU over float features returning the output sequence and the final
    hidden state (time-series forecasting / keyword spotting style)."""

    def __init__(self, rnn="lstm", features=8, hidden=24, num_layers=2, bidirectional=False):
        super().__init__()
        cls = nn.LSTM if rnn == "lstm" else nn.GRU
        self.rnn = cls(features, hidden, num_layers=num_layers, bidirectional=bidirectional)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), 1)

    def forward(self, x):
        y, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state
        return self.head(y), h


class EmbeddingBagClassifier(nn.Module):
    """fastText-style text classifier: EmbeddingBag(mode) -> linear. With `offsets=True` the
    [B, L] token matrix is flattened and bags are delimited by an offsets tensor (the 1-D form
    used with packed batches); otherwise the 2-D form (one bag per row) is used."""

    def __init__(self, vocab=200, dim=32, num_classes=4, mode="mean", offsets=False):
        super().__init__()
        self.use_offsets = offsets
        self.bag = nn.EmbeddingBag(vocab, dim, mode=mode)
        self.fc = nn.Linear(dim, num_classes)

    def forward(self, tokens):
        if self.use_offsets:
            b, length = tokens.shape
            flat = tokens.reshape(-1)
            offsets = torch.arange(0, b * length, length, dtype=torch.long)
            return self.fc(self.bag(flat, offsets))
        return self.fc(self.bag(tokens))


class PaddedEmbeddingPool(nn.Module):
    """Embedding(padding_idx) with a masked mean over non-padding tokens (sentence encoders,
    recommendation towers). The padding row is zero and must stay zero in the export."""

    def __init__(self, vocab=120, dim=24, padding_idx=0, num_classes=3):
        super().__init__()
        self.padding_idx = padding_idx
        self.embed = nn.Embedding(vocab, dim, padding_idx=padding_idx)
        self.fc = nn.Linear(dim, num_classes)

    def forward(self, tokens):
        e = self.embed(tokens)
        mask = (tokens != self.padding_idx).unsqueeze(-1).to(e.dtype)
        pooled = (e * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.fc(pooled), e


# --------------------------------------------------------------------------------------------
# Attention / transformer models
# --------------------------------------------------------------------------------------------


def lengths_to_padding_mask(lengths, max_len):
    """True where a position is padding: positions >= length (length >= 1 keeps rows non-empty)."""
    positions = torch.arange(max_len, device=lengths.device).unsqueeze(0)
    return positions >= lengths.unsqueeze(1)


class MHABlock(nn.Module):
    """nn.MultiheadAttention used for cross-attention with both an attn_mask (float, causal-style
    band) and a key_padding_mask built from per-example lengths, as decoders/retrievers do."""

    def __init__(self, dim=32, heads=4, batch_first=True):
        super().__init__()
        self.batch_first = batch_first
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=batch_first)
        self.proj = nn.Linear(dim, dim)

    def forward(self, query, memory, memory_lengths):
        lq = query.shape[1] if self.batch_first else query.shape[0]
        lk = memory.shape[1] if self.batch_first else memory.shape[0]
        kpm = lengths_to_padding_mask(memory_lengths, lk)
        # query i may attend to memory positions <= i + (lk - lq): a (relative) causal band
        qi = torch.arange(lq).unsqueeze(1)
        kj = torch.arange(lk).unsqueeze(0)
        attn_mask = (kj > qi + (lk - lq)).float() * -1e4
        y, w = self.attn(query, memory, memory, attn_mask=attn_mask, key_padding_mask=kpm, need_weights=True)
        return self.proj(y), w


class TransformerEncoderClassifier(nn.Module):
    """nn.TransformerEncoder (batch_first, exact GELU) over token embeddings + learned positions.

    mask="causal": a square subsequent mask (float -inf) is passed as `mask`;
    mask="padding": a key padding mask from per-example `lengths` is passed and the output is
    mean-pooled over real tokens only (so padded positions, which torch's nested-tensor fast
    path zeroes in eager mode, never reach the output).
    In torch 1.13, TransformerEncoderLayer/MultiheadAttention switch to fused kernels
    (aten::_transformer_encoder_layer_fwd / _native_multi_head_attention) in eval under no_grad
    when no attn mask is given and num_heads is even; those have no ONNX export. `heads` is a
    kwarg so a case can choose which path it exercises."""

    def __init__(self, vocab=100, dim=48, heads=3, layers=2, ff=96, max_len=64, num_classes=5,
                 mask="padding", norm_first=False):
        super().__init__()
        self.mask = mask
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(1, max_len, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, heads, ff, dropout=0.0, activation="gelu", batch_first=True,
                                           norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(dim) if norm_first else None,
                                             enable_nested_tensor=False)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, tokens, lengths=None):
        t = tokens.shape[1]
        x = self.embed(tokens) + self.pos[:, :t]
        if self.mask == "causal":
            causal = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
            y = self.encoder(x, mask=causal)
            return self.head(y)  # per-token logits (language-model style)
        kpm = lengths_to_padding_mask(lengths, t)
        y = self.encoder(x, src_key_padding_mask=kpm)
        keep = (~kpm).unsqueeze(-1).to(y.dtype)
        pooled = (y * keep).sum(1) / keep.sum(1)
        return self.head(pooled)


class Seq2SeqTransformer(nn.Module):
    """nn.Transformer encoder-decoder (translation / ASR style): source and target token ids,
    causal tgt_mask, source padding mask from lengths (used as memory_key_padding_mask too)."""

    def __init__(self, src_vocab=80, tgt_vocab=60, dim=32, heads=4, enc_layers=2, dec_layers=2, ff=64, max_len=64):
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, dim)
        self.tgt_embed = nn.Embedding(tgt_vocab, dim)
        self.pos = nn.Parameter(torch.randn(max_len, dim) * 0.02)
        self.transformer = nn.Transformer(dim, heads, enc_layers, dec_layers, ff, dropout=0.0, batch_first=True)
        self.generator = nn.Linear(dim, tgt_vocab)
        self.scale = math.sqrt(dim)

    def forward(self, src, tgt, src_lengths):
        s, t = src.shape[1], tgt.shape[1]
        src_x = self.src_embed(src) * self.scale + self.pos[:s]
        tgt_x = self.tgt_embed(tgt) * self.scale + self.pos[:t]
        tgt_mask = self.transformer.generate_square_subsequent_mask(t)
        kpm = lengths_to_padding_mask(src_lengths, s)
        y = self.transformer(src_x, tgt_x, tgt_mask=tgt_mask, src_key_padding_mask=kpm, memory_key_padding_mask=kpm)
        return self.generator(y)


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads, max_len):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.register_buffer("bias", torch.tril(torch.ones(max_len, max_len)).view(1, 1, max_len, max_len))

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(b, t, c)
        return self.proj(y)


class GPTBlock(nn.Module):
    def __init__(self, dim, heads, max_len):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads, max_len)
        self.ln_2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TinyGPT(nn.Module):
    """nanoGPT-style causal decoder: token + learned position embeddings, pre-LN blocks with
    masked attention (`q @ k.transpose(-2, -1)`, masked_fill -inf, softmax), exact-GELU MLP,
    final LayerNorm and an lm head tied to the token embedding."""

    def __init__(self, vocab=128, dim=48, heads=4, layers=2, max_len=32):
        super().__init__()
        self.wte = nn.Embedding(vocab, dim)
        self.wpe = nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList([GPTBlock(dim, heads, max_len) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("weight") and p.dim() == 2:
                    p.normal_(0.0, 0.05)

    def forward(self, idx):
        t = idx.shape[1]
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device).unsqueeze(0)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))


class BertSelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x, ext_mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = F.softmax(scores + ext_mask, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(x.shape[0], x.shape[1], -1)


class BertLayer(nn.Module):
    def __init__(self, dim, heads, ff):
        super().__init__()
        self.attn = BertSelfAttention(dim, heads)
        self.attn_out = nn.Linear(dim, dim)
        self.ln1 = nn.LayerNorm(dim, eps=1e-12)
        self.inter = nn.Linear(dim, ff)
        self.out = nn.Linear(ff, dim)
        self.ln2 = nn.LayerNorm(dim, eps=1e-12)

    def forward(self, x, ext_mask):
        x = self.ln1(x + self.attn_out(self.attn(x, ext_mask)))
        return self.ln2(x + self.out(F.gelu(self.inter(x))))


class TinyBert(nn.Module):
    """BERT-style encoder as in Hugging Face's modeling_bert: word + position + token-type
    embeddings, LayerNorm(eps=1e-12), an extended additive attention mask computed from an int64
    attention_mask input, post-LN layers with exact GELU, and a tanh pooler + classifier."""

    def __init__(self, vocab=200, dim=48, heads=4, layers=2, ff=96, max_len=64, type_vocab=2, num_labels=3):
        super().__init__()
        self.word = nn.Embedding(vocab, dim, padding_idx=0)
        self.position = nn.Embedding(max_len, dim)
        self.token_type = nn.Embedding(type_vocab, dim)
        self.ln = nn.LayerNorm(dim, eps=1e-12)
        self.register_buffer("position_ids", torch.arange(max_len).unsqueeze(0))
        self.layers = nn.ModuleList([BertLayer(dim, heads, ff) for _ in range(layers)])
        self.pooler = nn.Linear(dim, dim)
        self.classifier = nn.Linear(dim, num_labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        t = input_ids.shape[1]
        x = self.word(input_ids) + self.position(self.position_ids[:, :t]) + self.token_type(token_type_ids)
        x = self.ln(x)
        ext = attention_mask[:, None, None, :].to(x.dtype)
        ext = (1.0 - ext) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, ext)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.classifier(pooled), x


class RelativePositionBias(nn.Module):
    """T5-style bucketed relative position bias feeding a self-attention layer.

    Relative positions are int64; the log-spaced buckets use int64 *true* division
    (`torch.div(rel, max_exact)` -> float), and coarse buckets use floor division. An exporter
    that lowers int/int true division to integer Div silently changes which bucket is used.
    Defaults are T5's (32 buckets, max distance 128); note that with e.g. 16 buckets / distance 64
    floor(log(r/4)/log(16)*4) = floor(log2(r/4)) is the same for r/4 and r//4, and integer
    division would go unnoticed."""

    def __init__(self, dim=32, heads=4, num_buckets=32, max_distance=128, bidirectional=True):
        super().__init__()
        self.heads = heads
        self.num_buckets = num_buckets
        self.max_distance = max_distance
        self.bidirectional = bidirectional
        self.bias = nn.Embedding(num_buckets, heads)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        with torch.no_grad():
            self.bias.weight.normal_(0.0, 1.0)

    def bucket(self, rel):
        num_buckets = self.num_buckets
        ret = torch.zeros_like(rel)
        if self.bidirectional:
            num_buckets //= 2
            ret = ret + (rel > 0).to(torch.long) * num_buckets
            rel = torch.abs(rel)
        else:
            rel = -torch.clamp(rel, max=0)
        max_exact = num_buckets // 2
        is_small = rel < max_exact
        ratio = torch.div(rel, max_exact)  # int64 / int -> float (true division)
        large = max_exact + (
            torch.log(ratio.clamp(min=1.0)) / math.log(self.max_distance / max_exact) * (num_buckets - max_exact)
        ).to(torch.long)
        large = torch.clamp(large, max=num_buckets - 1)
        return ret + torch.where(is_small, rel, large)

    def forward(self, x, positions):
        # positions: int64 [B, T] absolute token positions (e.g. after packing / left padding)
        b, t, c = x.shape
        rel = positions[:, None, :] - positions[:, :, None]  # B, T, T  (int64)
        buckets = self.bucket(rel)
        bias = self.bias(buckets).permute(0, 3, 1, 2)  # B, H, T, T
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.reshape(b, t, self.heads, -1).transpose(1, 2)
        k = k.reshape(b, t, self.heads, -1).transpose(1, 2)
        v = v.reshape(b, t, self.heads, -1).transpose(1, 2)
        scores = q @ k.transpose(-2, -1) + bias
        y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, c)
        return self.out(y), buckets


class TimeFeatures(nn.Module):
    """Timestamp featurizer of a recommendation / forecasting model: int64 seconds and int64
    durations in, float features out. Uses int64 true division (`a / b` of two integer tensors,
    and int tensor / python int), floor division for calendar buckets, and an embedding lookup
    of the bucket."""

    def __init__(self, dim=16, num_days=7, num_hours=24):
        super().__init__()
        self.day = nn.Embedding(num_days, dim)
        self.hour = nn.Embedding(num_hours, dim)
        self.mlp = nn.Sequential(nn.Linear(2 * dim + 2, dim), nn.GELU(), nn.Linear(dim, dim))

    def forward(self, timestamps, durations):
        day = torch.div(timestamps, 86400, rounding_mode="floor") % 7
        hour = torch.div(timestamps % 86400, 3600, rounding_mode="floor")
        frac_of_day = (timestamps % 86400) / 86400  # int64 / int -> float
        rate = torch.div(timestamps % 1000, durations)  # int64 / int64 tensor -> float
        feats = torch.cat([self.day(day), self.hour(hour), frac_of_day.unsqueeze(-1), rate.unsqueeze(-1)], dim=-1)
        return self.mlp(feats), rate


class PatchMixerNHWC(nn.Module):
    """ConvNeXt/MetaFormer-style block stack written channels-last: depthwise conv in NCHW, then
    permute(0, 2, 3, 1) to NHWC for LayerNorm + exact-GELU MLP, and permute(0, 3, 1, 2) back.
    Non-swap permutes on every block; a converter that mixes up permutation order fails here."""

    def __init__(self, dim=32, depth=2, num_classes=10, patch=4):
        super().__init__()
        self.stem = nn.Conv2d(3, dim, patch, patch)
        self.blocks = nn.ModuleList()
        for _ in range(depth):
            self.blocks.append(
                nn.ModuleDict(
                    {
                        "dw": nn.Conv2d(dim, dim, 7, padding=3, groups=dim),
                        "norm": nn.LayerNorm(dim, eps=1e-6),
                        "fc1": nn.Linear(dim, 4 * dim),
                        "fc2": nn.Linear(4 * dim, dim),
                    }
                )
            )
        self.gamma = nn.Parameter(torch.full((depth, dim), 0.5))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.stem(x)
        for i, blk in enumerate(self.blocks):
            y = blk["dw"](x).permute(0, 2, 3, 1)  # N, H, W, C
            y = blk["fc2"](F.gelu(blk["fc1"](blk["norm"](y))))
            x = x + (self.gamma[i] * y).permute(0, 3, 1, 2)
        feat = x.permute(0, 2, 3, 1)
        return self.head(self.norm(feat.mean(dim=(1, 2)))), feat


def convnext(dims=(40, 80, 160, 320), depths=(2, 2, 6, 2), num_classes=10, layer_scale=0.5):
    """torchvision ConvNeXt at a custom width/depth (the defaults are timm's ConvNeXt-Atto):
    patchify stem, 7x7 depthwise convs, LayerNorm2d (permute to NHWC, LayerNorm, permute back),
    exact-GELU inverted MLP, layer scale, LayerNorm2d + strided-conv downsampling.
    layer_scale defaults to 0.5 (trained values are O(0.1-1)): torchvision's 1e-6 init makes every
    block's contribution invisible at tolerance 1e-3."""
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt

    setting = [CNBlockConfig(dims[i], dims[i + 1] if i + 1 < len(dims) else None, depths[i]) for i in range(len(dims))]
    model = ConvNeXt(setting, stochastic_depth_prob=0.0, layer_scale=layer_scale, num_classes=num_classes)
    return model


# --------------------------------------------------------------------------------------------
# Super-resolution, diffusion and speech building blocks
# --------------------------------------------------------------------------------------------


class ESPCN(nn.Module):
    """ESPCN super-resolution (Shi et al. 2016): tanh convs, then a conv to C*r^2 channels and
    nn.PixelShuffle(r) (DepthToSpace; its channel order, DCR vs CRD, is a classic converter
    bug), plus a bilinear-upsampled skip as modern SR nets use."""

    def __init__(self, channels=1, upscale=3, width=32):
        super().__init__()
        self.upscale = upscale
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 5, padding=2), nn.Tanh(),
            nn.Conv2d(width, width // 2, 3, padding=1), nn.Tanh(),
            nn.Conv2d(width // 2, channels * upscale**2, 3, padding=1),
        )
        self.shuffle = nn.PixelShuffle(upscale)

    def forward(self, x):
        skip = F.interpolate(x, scale_factor=self.upscale, mode="bilinear", align_corners=False)
        return self.shuffle(self.body(x)) + skip


def timestep_embedding(timesteps, dim, max_period=10000):
    """Sinusoidal embedding of int64 diffusion timesteps (as in DDPM / diffusers)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = timesteps[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class DiffusionResBlock(nn.Module):
    def __init__(self, cin, cout, temb, groups=8):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, t):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb(F.silu(t))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class DiffusionAttention(nn.Module):
    """Spatial self-attention of a diffusion UNet: GroupNorm, flatten HW to tokens with
    reshape + permute(0, 2, 1), single-head attention, and back."""

    def __init__(self, channels, groups=8):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)
        att = torch.softmax(q.permute(0, 2, 1) @ k / math.sqrt(c), dim=-1)  # b, hw, hw
        y = (att @ v.permute(0, 2, 1)).permute(0, 2, 1).reshape(b, c, h, w)
        return x + self.proj(y)


class TinyDiffusionUNet(nn.Module):
    """DDPM-style noise-prediction UNet: sinusoidal int64 timestep embedding + MLP, GroupNorm +
    SiLU residual blocks conditioned on the timestep, a mid attention block, strided-conv
    downsampling, nearest upsampling, skip concatenation."""

    def __init__(self, channels=3, base=16, temb=32):
        super().__init__()
        self.temb_dim = temb
        self.time_mlp = nn.Sequential(nn.Linear(temb, temb), nn.SiLU(), nn.Linear(temb, temb))
        self.inp = nn.Conv2d(channels, base, 3, padding=1)
        self.down1 = DiffusionResBlock(base, base, temb)
        self.downsample = nn.Conv2d(base, base, 3, stride=2, padding=1)
        self.down2 = DiffusionResBlock(base, 2 * base, temb)
        self.mid = DiffusionAttention(2 * base)
        self.mid2 = DiffusionResBlock(2 * base, 2 * base, temb)
        self.up1 = DiffusionResBlock(4 * base, base, temb)
        self.up2 = DiffusionResBlock(2 * base, base, temb)
        self.out = nn.Sequential(nn.GroupNorm(8, base), nn.SiLU(), nn.Conv2d(base, channels, 3, padding=1))

    def forward(self, x, timesteps):
        t = self.time_mlp(timestep_embedding(timesteps, self.temb_dim))
        h0 = self.inp(x)
        h1 = self.down1(h0, t)
        h2 = self.down2(self.downsample(h1), t)
        m = self.mid2(self.mid(h2), t)
        u = self.up1(torch.cat([m, h2], dim=1), t)
        u = F.interpolate(u, scale_factor=2, mode="nearest")
        u = self.up2(torch.cat([u, h1], dim=1), t)
        return self.out(u)


class Wav2Vec2Encoder(nn.Module):
    """wav2vec 2.0 / HuBERT front end: Conv1d feature extractor (GroupNorm on the first layer,
    exact GELU), transpose(1, 2), LayerNorm + feature projection, a weight-normalised grouped
    Conv1d positional embedding (torch.nn.utils.weight_norm, as in fairseq/transformers), and
    one post-LN transformer layer written out with q @ k.transpose(-2, -1)."""

    def __init__(self, conv_dim=32, dim=48, heads=4, ff=96, pos_kernel=16, pos_groups=4,
                 kernels=(10, 3, 3, 2), strides=(5, 2, 2, 2)):
        super().__init__()
        layers = []
        cin = 1
        for i, (k, s) in enumerate(zip(kernels, strides)):
            layers.append(nn.Conv1d(cin, conv_dim, k, s, bias=False))
            if i == 0:
                layers.append(nn.GroupNorm(conv_dim, conv_dim))
            layers.append(nn.GELU())
            cin = conv_dim
        self.feature_extractor = nn.Sequential(*layers)
        self.layer_norm = nn.LayerNorm(conv_dim)
        self.projection = nn.Linear(conv_dim, dim)
        conv = nn.Conv1d(dim, dim, pos_kernel, padding=pos_kernel // 2, groups=pos_groups)
        self.pos_conv = nn.utils.weight_norm(conv, name="weight", dim=2)
        self.pos_kernel = pos_kernel
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.ln1 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, ff), nn.GELU(), nn.Linear(ff, dim))
        self.ln2 = nn.LayerNorm(dim)

    def forward(self, waveform):
        f = self.feature_extractor(waveform.unsqueeze(1))  # B, C, T
        x = self.projection(self.layer_norm(f.transpose(1, 2)))  # B, T, D
        pos = self.pos_conv(x.transpose(1, 2))
        if self.pos_kernel % 2 == 0:
            pos = pos[:, :, :-1]
        x = x + F.gelu(pos).transpose(1, 2)
        b, t, d = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // self.heads), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = self.ln1(x + self.out(y))
        return self.ln2(x + self.ff(x))
