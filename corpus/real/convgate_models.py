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
# torchvision wrappers (detection / segmentation / classification with options JSON can't say)
# --------------------------------------------------------------------------------------------


def _torchvision_builder(dotted):
    import importlib

    module_name, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


class Detector(nn.Module):
    """A torchvision detection model behind a batched-tensor interface.

    torchvision detectors take a list of images and return a list of dicts; the exported graph
    takes a [1, 3, H, W] tensor and returns (boxes, scores, labels) of that image. Detection
    outputs depend on thresholds (score threshold, NMS, top-k), so the builders are given
    `box_score_thresh`-style kwargs that keep a fixed, well separated number of detections."""

    def __init__(self, builder, **kwargs):
        super().__init__()
        self.model = _torchvision_builder(builder)(weights=None, weights_backbone=None, **kwargs)

    def forward(self, x):
        out = self.model(list(x.unbind(0)))
        det = out[0]
        return det["boxes"], det["scores"], det["labels"]


class Segmenter(nn.Module):
    """A torchvision segmentation model returning its 'out' map only (aux heads off)."""

    def __init__(self, builder, **kwargs):
        super().__init__()
        self.model = _torchvision_builder(builder)(weights=None, weights_backbone=None, **kwargs)

    def forward(self, x):
        return self.model(x)["out"]


class Backbone(nn.Module):
    """A torchvision classifier's convolutional trunk (`features`) with a small head, the way
    VGG/AlexNet-style backbones are reused (SSD, perceptual losses, fine-tuning). The stock VGG
    classifier (25088x4096 linear layers, adaptive pool to 7x7) is far too big for CI."""

    def __init__(self, builder, num_classes=10, trunk="features", **kwargs):
        super().__init__()
        model = _torchvision_builder(builder)(weights=None, **kwargs)
        self.features = getattr(model, trunk)
        width = [m.out_channels for m in self.features.modules() if isinstance(m, nn.Conv2d)][-1]
        self.head = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.head(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


def swin_v2(**kwargs):
    """torchvision SwinTransformer with the V2 block/merging (cosine attention, log-spaced
    continuous position bias MLP, post-norm), as swin_v2_t builds it, at a custom size."""
    from torchvision.models import swin_transformer as st

    for key in ("patch_size", "window_size"):
        if key in kwargs:
            kwargs[key] = list(kwargs[key])
    return st.SwinTransformer(block=st.SwinTransformerBlockV2, downsample_layer=st.PatchMergingV2, **kwargs)


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
    (F.interpolate bilinear, align_corners=False, and ConvTranspose2d), skip concatenation,
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
            if d % 2 == 0:
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
            b, l = tokens.shape
            flat = tokens.reshape(-1)
            offsets = torch.arange(0, b * l, l, dtype=torch.long)
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
    that lowers int/int true division to integer Div silently changes which bucket is used."""

    def __init__(self, dim=32, heads=4, num_buckets=16, max_distance=64, bidirectional=True):
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
