"""The extended operator library of the synthetic interpreter (docs/synthetic-spec.md, "Extended
library"): operators that exist to reach translation functions of the converters that the core
library does not (docs/coverage.md). Registered with synthetic.op() on import, like the core
library: one registry entry per kind (run, and its parameters or module when it owns some).
"""
from typing import Any

import torch
import torch.nn.functional as F

from .synthetic import _scalar, _typed, _u, _unary, op

_TORCH_MAJOR = int(torch.__version__.split(".")[0])

_UNARY = {
    "acos": torch.acos,
    "asin": torch.asin,
    "tan": torch.tan,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "asinh": torch.asinh,
    "acosh": torch.acosh,
    "atanh": torch.atanh,
    "log1p": torch.log1p,
    "log2": torch.log2,
    "log10": torch.log10,
    "expm1": torch.expm1,
    "exp2": torch.exp2,
    "trunc": torch.trunc,
    "frac": torch.frac,
    "deg2rad": torch.deg2rad,
    "rad2deg": torch.rad2deg,
    "erfc": torch.erfc,
    "sinc": torch.sinc,
    "logit": torch.logit,
    "isnan": torch.isnan,
    "isinf": torch.isinf,
    "isfinite": torch.isfinite,
    "isneginf": torch.isneginf,
    "isposinf": torch.isposinf,
    "signbit": torch.signbit,
    "nan_to_num": torch.nan_to_num,
    "tanhshrink": F.tanhshrink,
}
for _kind, _fn in _UNARY.items():
    op(_kind)(_unary(_fn))


@op("bitwise_not")
def _bitwise_not(ctx, i, args, a):
    return torch.bitwise_not(args[0]) if a.get("spelling") == "fn" else ~args[0]


op("softshrink")(lambda ctx, i, args, a: F.softshrink(args[0], float(a["lambd"])))
op("hardshrink")(lambda ctx, i, args, a: F.hardshrink(args[0], float(a["lambd"])))
op("threshold")(lambda ctx, i, args, a: F.threshold(args[0], float(a["threshold"]), float(a["value"])))
op("rrelu_eval")(lambda ctx, i, args, a: F.rrelu(args[0], float(a["lower"]), float(a["upper"]), training=False))
op("softmin")(lambda ctx, i, args, a: F.softmin(args[0], dim=-1))
op("glu")(lambda ctx, i, args, a: F.glu(args[0], int(a["dim"])))


def _second(args, a):
    return _scalar(a) if "scalar" in a else args[1]


op("atan2")(lambda ctx, i, args, a: torch.atan2(args[0], args[1]))
op("fmod")(lambda ctx, i, args, a: torch.fmod(args[0], _second(args, a)))
op("xlogy")(lambda ctx, i, args, a: torch.xlogy(args[0], args[1]))
op("logaddexp")(lambda ctx, i, args, a: torch.logaddexp(args[0], args[1]))
op("logaddexp2")(lambda ctx, i, args, a: torch.logaddexp2(args[0], args[1]))
op("heaviside")(lambda ctx, i, args, a: torch.heaviside(args[0], args[1]))

_BITWISE = {
    "bitwise_and": (torch.bitwise_and, lambda x, y: x & y),
    "bitwise_or": (torch.bitwise_or, lambda x, y: x | y),
    "bitwise_xor": (torch.bitwise_xor, lambda x, y: x ^ y),
    "bitwise_left_shift": (torch.bitwise_left_shift, lambda x, y: x << y),
    "bitwise_right_shift": (torch.bitwise_right_shift, lambda x, y: x >> y),
}


def _bitwise(kind):
    fn, operator = _BITWISE[kind]

    def run(ctx, i, args, a):
        if "scalar" in a:
            s = _scalar(a)
            if a.get("scalarFirst"):
                # A Python scalar on the left: the reflected operator, or the Scalar_Tensor overload.
                return operator(s, args[0]) if a.get("spelling") == "operator" else fn(torch.tensor(s, dtype=args[0].dtype), args[0])
            return operator(args[0], s) if a.get("spelling") == "operator" else fn(args[0], s)
        return operator(args[0], args[1]) if a.get("spelling") == "operator" else fn(args[0], args[1])

    return run


for _kind in _BITWISE:
    op(_kind)(_bitwise(_kind))

_ALIASES = {
    "divide": torch.divide,
    "true_divide": torch.true_divide,
    "multiply": torch.multiply,
    "subtract": torch.subtract,
    "rsub": torch.rsub,
    "greater": torch.greater,
    "greater_equal": torch.greater_equal,
    "less": torch.less,
    "less_equal": torch.less_equal,
    "not_equal": torch.not_equal,
}
op("alias_binary")(lambda ctx, i, args, a: _ALIASES[a["fn"]](args[0], _second(args, a)))
op("special")(lambda ctx, i, args, a: getattr(torch.special, a["fn"])(args[0]))


@op("ternary")
def _ternary(ctx, i, args, a):
    fn = a["fn"]
    if fn == "lerp":
        return torch.lerp(args[0], args[1], float(a["weight"]) if "weight" in a else args[2])
    return getattr(torch, fn)(args[0], args[1], args[2], value=float(a["value"]))


@op("clamp_bound")
def _clamp_bound(ctx, i, args, a):
    if a["fn"] == "clip":
        return torch.clip(args[0], float(a["min"]), float(a["max"]))
    bound = args[1] if len(args) > 1 else float(a["bound"])
    return getattr(torch, a["fn"])(args[0], bound)


@op("int_arith")
def _int_arith(ctx, i, args, a):
    x, y = args
    return x + y if a["fn"] == "add" else x - y if a["fn"] == "sub" else x * y


# reductions -----------------------------------------------------------------------------------


def _dim_kw(a):
    return {} if a.get("dim") is None else {"dim": int(a["dim"]), "keepdim": bool(a.get("keepdim"))}


@op("all_any")
def _all_any(ctx, i, args, a):
    fn = getattr(torch, a["fn"])
    return fn(args[0]) if a.get("dim") is None else fn(args[0], int(a["dim"]), keepdim=bool(a.get("keepdim")))


@op("std_var")
def _std_var(ctx, i, args, a):
    fn = getattr(torch, a["fn"])
    if a.get("dim") is None:
        return fn(args[0], unbiased=bool(a["unbiased"]))
    return fn(args[0], int(a["dim"]), unbiased=bool(a["unbiased"]), keepdim=bool(a.get("keepdim")))


@op("norm")
def _norm(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    keepdim = bool(a.get("keepdim"))
    if fn == "linalg_matrix_norm":
        return torch.linalg.matrix_norm(x, ord=a["ord"], keepdim=keepdim)
    if fn == "frobenius_norm":
        return torch.norm(x, p="fro", dim=(-2, -1), keepdim=keepdim)
    dim = None if a.get("dim") is None else int(a["dim"])
    if fn == "linalg_norm":
        return torch.linalg.norm(x) if dim is None else torch.linalg.norm(x, dim=dim, keepdim=keepdim)
    if fn == "linalg_vector_norm":
        return torch.linalg.vector_norm(x, ord=a["p"], dim=dim, keepdim=keepdim)
    p = a["p"]
    return torch.norm(x, p=p) if dim is None else torch.norm(x, p=p, dim=dim, keepdim=keepdim)


@op("aminmax")
def _aminmax(ctx, i, args, a):
    out = torch.aminmax(args[0]) if a.get("dim") is None else torch.aminmax(args[0], dim=int(a["dim"]), keepdim=bool(a.get("keepdim")))
    return tuple(out)


op("cumulative")(lambda ctx, i, args, a: getattr(torch, a["fn"])(args[0], int(a["dim"])))


# linear algebra -------------------------------------------------------------------------------


@op("linalg_product")
def _linalg_product(ctx, i, args, a):
    fn = a["fn"]
    if fn in ("mm", "dot", "mv", "outer"):
        return getattr(torch, fn)(args[0], args[1])
    return getattr(torch, fn)(args[0], args[1], args[2], beta=float(a["beta"]), alpha=float(a["alpha"]))


op("einsum")(lambda ctx, i, args, a: torch.einsum(a["equation"], *args))
op("tensordot")(lambda ctx, i, args, a: torch.tensordot(args[0], args[1], dims=([args[0].dim() - 1], [0])))


@op("cross")
def _cross(ctx, i, args, a):
    if a["fn"] == "linalg_cross":
        return torch.linalg.cross(args[0], args[1], dim=int(a["dim"]))
    return torch.cross(args[0], args[1], dim=int(a["dim"]))


@op("distance")
def _distance(ctx, i, args, a):
    if a["fn"] == "cdist":
        return torch.cdist(args[0], args[1], p=float(a["p"]))
    return getattr(F, a["fn"])(args[0], args[1], **({"dim": -1} if a["fn"] == "cosine_similarity" else {}))


@op("determinant")
def _determinant(ctx, i, args, a):
    x = args[0]
    m = x * 0.2 + torch.eye(x.shape[-1], dtype=x.dtype)
    if a["fn"] == "linalg_det":
        return torch.linalg.det(m)
    return getattr(torch, a["fn"])(m)


def _bilinear_params(a, dt, u):
    return {
        "weight": _u(u, [int(a["out_features"]), int(a["in1_features"]), int(a["in2_features"])], -0.5, 0.5, dt),
        "bias": _u(u, [int(a["out_features"])], -0.5, 0.5, dt) if a.get("bias") else None,
    }


op("bilinear", params=_bilinear_params)(
    lambda ctx, i, args, a: F.bilinear(args[0], args[1], ctx.param(i, "weight"), ctx.param(i, "bias"))
)


# shape and data movement ----------------------------------------------------------------------


@op("like_shape")
def _like_shape(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn == "broadcast_to":
        return torch.broadcast_to(x, [int(s) for s in a["shape"]])
    if fn == "view_as":
        return x.contiguous().view_as(args[1])
    return getattr(x, fn)(args[1])


@op("move_axes")
def _move_axes(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn == "t":
        return x.t()
    if fn in ("T", "mT", "mH"):
        return getattr(x, fn)
    return getattr(torch, fn)(x, int(a["a"]), int(a["b"]))


op("unflatten")(lambda ctx, i, args, a: args[0].unflatten(int(a["dim"]), [int(s) for s in a["sizes"]]))
op("atleast")(lambda ctx, i, args, a: getattr(torch, "atleast_%dd" % int(a["n"]))(args[0]))

_COPY_LIKE = {
    "clone": lambda x: x.clone(),
    "detach": lambda x: x.detach(),
    "contiguous_t": lambda x: x.transpose(-1, -2).contiguous(),
    "channels_last": lambda x: x.contiguous(memory_format=torch.channels_last),
    "resolve_conj": lambda x: x.resolve_conj(),
    "resolve_neg": lambda x: x.resolve_neg(),
    "ravel": lambda x: x.ravel(),
    "fliplr": torch.fliplr,
    "flipud": torch.flipud,
    "rot90": lambda x: torch.rot90(x, 1, [0, 1]),
    "alias": lambda x: torch.ops.aten.alias(x),
}
op("copy_like")(lambda ctx, i, args, a: _COPY_LIKE[a["fn"]](args[0]))
op("as_strided")(lambda ctx, i, args, a: torch.as_strided(args[0].contiguous(), list(a["size"]), list(a["stride"])))


@op("repeat_interleave")
def _repeat_interleave(ctx, i, args, a):
    x, reps = args[0], a["repeats"]
    if a.get("dim") is None:
        return torch.repeat_interleave(x, int(reps))
    if isinstance(reps, list):
        return torch.repeat_interleave(x, torch.tensor(reps, dtype=torch.int64), dim=int(a["dim"]))
    return torch.repeat_interleave(x, int(reps), dim=int(a["dim"]))


@op("join_ext")
def _join_ext(ctx, i, args, a):
    fn = a["fn"]
    if fn in ("concat", "concatenate"):
        return getattr(torch, fn)(list(args), dim=int(a["dim"]))
    return getattr(torch, fn)(list(args))


@op("split_ext")
def _split_ext(ctx, i, args, a):
    x, fn, dim = args[0], a["fn"], int(a["dim"])
    if fn == "unbind":
        out = torch.unbind(x, dim)
    elif fn == "tensor_split":
        out = torch.tensor_split(x, int(a["sections"]), dim=dim)
    elif fn == "tensor_split_indices":
        out = torch.tensor_split(x, [int(v) for v in a["indices"]], dim=dim)
    elif fn in ("hsplit", "vsplit"):
        out = getattr(torch, fn)(x, int(a["sections"]))
    elif fn == "split_with_sizes":
        out = x.split_with_sizes([int(v) for v in a["sizes"]], dim)
    else:
        out = getattr(torch, fn)(x, int(a["sections"]), dim)
    return tuple(out)


op("meshgrid")(lambda ctx, i, args, a: tuple(torch.meshgrid(*args, indexing=a["indexing"])))
op("broadcast_tensors")(lambda ctx, i, args, a: tuple(torch.broadcast_tensors(*args)))


# indexing -------------------------------------------------------------------------------------


def _long(values, shape=None):
    t = torch.tensor(values, dtype=torch.int64)
    return t.reshape([int(s) for s in shape]) if shape is not None else t


@op("adv_index")
def _adv_index(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn == "first":
        return x[_long(a["idx"])]
    if fn == "second":
        return x[:, _long(a["idx"])]
    if fn == "pair":
        return x[_long(a["idx"]), _long(a["idx2"])]
    if fn == "mask":
        return x[torch.tensor(a["mask"], dtype=torch.bool).reshape(x.shape)]
    if fn == "ellipsis":
        return x[..., int(a["k"])]
    return x[None]


@op("index_write")
def _index_write(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    v = args[1] if len(args) > 1 else None
    rows = _long(a["rows"])
    if fn in ("index_put", "index_put_acc"):
        return x.index_put((rows,), v, accumulate=fn == "index_put_acc")
    if fn == "setitem":
        y = x.clone()
        y[int(a["start"]) : int(a["end"])] = v
        return y
    if fn in ("index_add", "index_copy"):
        return getattr(x, fn)(0, rows, v)
    if fn == "index_fill":
        return x.index_fill(0, rows, _typed(a["value"], "bool" if isinstance(a["value"], bool) else "float" if x.is_floating_point() else "int"))
    if fn == "select_scatter":
        return torch.select_scatter(x, v, 0, int(a["index"]))
    if fn == "slice_scatter":
        start, end = int(a["start"]), int(a["end"])
        if _TORCH_MAJOR < 2:  # torch 1.13's eager slice_scatter rejects every valid slice: emulate it
            return torch.cat([x[:start], v, x[end:]], 0)
        return torch.slice_scatter(x, v, dim=0, start=start, end=end)
    if fn == "diagonal_scatter":
        return torch.diagonal_scatter(x, v)
    return x.masked_scatter(torch.tensor(a["mask"], dtype=torch.bool).reshape(x.shape), v)


@op("scatter_ext")
def _scatter_ext(ctx, i, args, a):
    x, fn, dim = args[0], a["fn"], int(a["dim"])
    index = _long(a["index"], a["indexShape"])
    if fn == "scatter_value":
        return x.scatter(dim, index, float(a["value"]))
    if fn == "scatter_reduce":
        return x.scatter_reduce(dim, index, args[1], a["reduce"], include_self=bool(a["include_self"]))
    return getattr(x, fn)(dim, index, args[1])


@op("take")
def _take(ctx, i, args, a):
    if a["fn"] == "take":
        return torch.take(args[0], _long(a["index"]))
    return torch.take_along_dim(args[0], _long(a["index"], a["indexShape"]), int(a["dim"]))


@op("narrow_diag")
def _narrow_diag(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn == "narrow":
        return torch.narrow(x, int(a["dim"]), int(a["start"]), int(a["length"]))
    if fn == "diagonal":
        return torch.diagonal(x, int(a["offset"]), int(a["dim1"]), int(a["dim2"]))
    return getattr(torch, fn)(x)


@op("data_dependent")
def _data_dependent(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn == "masked_select":
        return torch.masked_select(x, torch.tensor(a["values"], dtype=torch.bool).reshape(x.shape))
    t = _long(a["values"], a["valuesShape"]) + (x.flatten()[0] * 0).to(torch.int64)
    if fn == "nonzero":
        return torch.nonzero(t)
    if fn == "nonzero_tuple":
        return tuple(torch.nonzero(t, as_tuple=True))
    if fn == "argwhere":
        return torch.argwhere(t)
    if fn == "where_cond":
        return tuple(torch.where(t))
    if fn == "unique":
        return torch.unique(t)
    if fn == "unique_inverse":
        return tuple(torch.unique(t, return_inverse=True, return_counts=True))
    if fn == "unique_dim":
        return torch.unique(t, dim=0)
    if fn == "unique_consecutive":
        return torch.unique_consecutive(t)
    return torch.bincount(t)


@op("sort_ext")
def _sort_ext(ctx, i, args, a):
    x, fn, dim = args[0], a["fn"], int(a["dim"])
    if fn == "argsort":
        return torch.argsort(x, dim=dim, descending=bool(a["descending"]))
    if fn == "sort_stable":
        return tuple(torch.sort(x, dim=dim, descending=bool(a["descending"]), stable=True))
    if fn == "msort":
        return torch.msort(x)
    if fn == "kthvalue":
        return tuple(torch.kthvalue(x, int(a["k"]), dim))
    return torch.topk(x, int(a["k"]), dim, largest=False).values


@op("bucketize")
def _bucketize(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn == "histc":
        return torch.histc(x, int(a["bins"]), float(a["min"]), float(a["max"]))
    b = torch.tensor(a["boundaries"], dtype=x.dtype)
    if fn == "bucketize":
        return torch.bucketize(x, b, right=bool(a["right"]))
    return torch.searchsorted(b, x.contiguous(), right=bool(a["right"]))


# neural-network ops ---------------------------------------------------------------------------


def _conv_ext_params(a, dt, u):
    import math

    fn = a["fn"]
    if fn not in ("conv_tbc", "convolution"):
        return {}
    cin, cout, k = int(a["in_channels"]), int(a["out_channels"]), int(a["kernel"])
    fan = cin * k * (k if fn == "convolution" else 1)
    b = 1.0 / math.sqrt(fan)
    shape = [k, cin, cout] if fn == "conv_tbc" else [cout, cin, k, k]
    return {"weight": _u(u, shape, -b, b, dt), "bias": _u(u, [cout], -b, b, dt)}


@op("conv_ext", params=_conv_ext_params)
def _conv_ext(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn == "conv_tbc":
        return torch.conv_tbc(x, ctx.param(i, "weight"), ctx.param(i, "bias"), int(a["pad"]))
    if fn == "im2col":
        return F.unfold(x, int(a["kernel"]), stride=int(a["stride"]))
    if fn == "col2im":
        return F.fold(x, [int(s) for s in a["output_size"]], int(a["kernel"]), stride=int(a["stride"]))
    if fn == "tensor_unfold":
        return x.unfold(int(a["dim"]), int(a["size"]), int(a["step"]))
    if fn in ("pixel_shuffle", "pixel_unshuffle"):
        return getattr(F, fn)(x, int(a["factor"]))
    return torch.convolution(x, ctx.param(i, "weight"), ctx.param(i, "bias"), [1, 1], [0, 0], [1, 1], False, [0, 0], 1)




@op("pool_ext")
def _pool_ext(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn.startswith("adaptive_max"):
        out = getattr(F, fn)(x, [int(s) for s in a["output_size"]], return_indices=bool(a.get("indices")))
    elif fn == "adaptive_avg_pool3d":
        out = F.adaptive_avg_pool3d(x, [int(s) for s in a["output_size"]])
    elif fn.startswith("lp_pool"):
        out = getattr(F, fn)(x, float(a["norm_type"]), int(a["kernel"]))
    else:
        out = getattr(F, fn)(x, int(a["kernel"]), return_indices=bool(a.get("indices")))
    return tuple(out) if isinstance(out, (tuple, list)) else out


def _norm_ext_params(a, dt, u):
    if a["fn"] != "weight_norm":
        return {}
    return {"v": _u(u, [int(a["cols"]), int(a["k"])], -1.0, 1.0, dt), "g": _u(u, [int(a["cols"]), 1], 0.8, 1.2, dt)}


@op("norm_ext", params=_norm_ext_params)
def _norm_ext(ctx, i, args, a):
    x, fn, eps = args[0], a["fn"], float(a.get("eps", 1e-5))
    if fn == "layer_norm_plain":
        return F.layer_norm(x, [x.shape[-1]], eps=eps)
    if fn == "native_layer_norm":
        return torch.native_layer_norm(x, [x.shape[-1]], None, None, eps)[0]
    if fn == "batch_norm_train":
        return F.batch_norm(x, None, None, training=True, eps=eps)
    if fn == "local_response_norm":
        return F.local_response_norm(x, int(a["size"]))
    if fn == "normalize":
        return F.normalize(x, p=float(a["p"]), dim=int(a["dim"]))
    w = torch._weight_norm(ctx.param(i, "v"), ctx.param(i, "g"), 0)
    return x @ w.t()


@op("dropout_eval")
def _dropout_eval(ctx, i, args, a):
    return getattr(F, a["fn"])(args[0], float(a["p"]), training=False)


def _embedding_ext_params(a, dt, u):
    return {} if a["fn"] == "one_hot" else {"weight": _u(u, [int(a["num"]), int(a["dim"])], -1.0, 1.0, torch.float32)}


@op("embedding_ext", params=_embedding_ext_params)
def _embedding_ext(ctx, i, args, a):
    ix, fn = args[0], a["fn"]
    if fn == "one_hot":
        return F.one_hot(ix, int(a["num"]))
    w = ctx.param(i, "weight")
    if fn == "embedding_bag":
        return F.embedding_bag(ix, w, torch.tensor(a["offsets"], dtype=torch.int64), mode=a["mode"])
    if fn == "embedding_padding":
        return F.embedding(ix, w, padding_idx=int(a["padding_idx"]))
    return F.embedding(ix, w, max_norm=float(a["max_norm"]))


@op("pad_direct")
def _pad_direct(ctx, i, args, a):
    x, fn, pad = args[0], a["fn"], [int(p) for p in a["pad"]]
    if fn == "constant_pad_nd":
        return torch.constant_pad_nd(x, pad, float(a["value"]))
    return getattr(torch.ops.aten, fn)(x, pad)


@op("upsample_direct")
def _upsample_direct(ctx, i, args, a):
    x, fn, size = args[0], a["fn"], [int(s) for s in a["size"]]
    if fn == "nearest-exact":
        return F.interpolate(x, size=size, mode="nearest-exact")
    if fn == "antialias":
        return F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)
    if fn.startswith("upsample_nearest"):
        return getattr(torch.ops.aten, fn)(x, size)
    return getattr(torch.ops.aten, fn)(x, size, bool(a["align_corners"]))


@op("grid_sample")
def _grid_sample(ctx, i, args, a):
    if a["fn"] == "affine_grid":
        theta = args[0]
        h, w = [int(s) for s in a["size"]]
        return F.affine_grid(theta, [theta.shape[0], 1, h, w], align_corners=bool(a["align_corners"]))
    return F.grid_sample(args[0], args[1], mode=a["mode"], padding_mode=a["padding_mode"], align_corners=bool(a["align_corners"]))


def _rnn_module(a):
    fn, n_in, hidden = a["fn"], int(a["input"]), int(a["hidden"])
    if fn == "lstm_cell":
        return torch.nn.LSTMCell(n_in, hidden)
    if fn == "gru_cell":
        return torch.nn.GRUCell(n_in, hidden)
    if fn == "rnn_cell":
        return torch.nn.RNNCell(n_in, hidden)
    layers, bidirectional = int(a["layers"]), bool(a.get("bidirectional"))
    if fn in ("lstm", "packed_lstm"):
        return torch.nn.LSTM(n_in, hidden, layers, bidirectional=bidirectional)
    if fn == "gru":
        return torch.nn.GRU(n_in, hidden, layers, bidirectional=bidirectional)
    return torch.nn.RNN(n_in, hidden, layers, nonlinearity="relu" if fn == "rnn_relu" else "tanh", bidirectional=bidirectional)


@op("rnn", module=_rnn_module)
def _rnn(ctx, i, args, a):
    m, x, fn = ctx.submodule(i), args[0], a["fn"]
    if fn == "lstm_cell":
        return m(x)[0]
    if fn.endswith("_cell"):
        return m(x)
    if fn == "packed_lstm":
        from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

        packed = pack_padded_sequence(x, torch.tensor(a["lengths"], dtype=torch.int64))
        return pad_packed_sequence(m(packed)[0], total_length=x.shape[0])[0]
    return m(x)[0]


def _mha_module(a):
    return torch.nn.MultiheadAttention(int(a["embed"]), int(a["heads"]), batch_first=True)


@op("mha", module=_mha_module)
def _mha(ctx, i, args, a):
    x = args[0]
    return ctx.submodule(i)(x, x, x, need_weights=bool(a["need_weights"]))[0]


@op("attention")
def _attention(ctx, i, args, a):
    fn = a["fn"]
    q, k, v = args
    if fn == "sdpa_causal":
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    if fn == "sdpa_mask":
        n = int(a["maskLen"])
        return F.scaled_dot_product_attention(q, k, v, attn_mask=torch.tensor(a["mask"], dtype=torch.bool).reshape(n, n))
    return F.scaled_dot_product_attention(q, k, v)


@op("loss")
def _loss(ctx, i, args, a):
    fn, x, reduction = a["fn"], args[0], a["reduction"]
    if fn in ("nll_loss", "cross_entropy"):
        target = torch.tensor(a["target"], dtype=torch.int64).reshape([int(s) for s in a["targetShape"]])
        return getattr(F, fn)(x, target, ignore_index=int(a["ignore_index"]), reduction=reduction)
    t = args[1]
    if fn == "cross_entropy_probs":
        return F.cross_entropy(x, t, reduction=reduction)
    if fn == "bce_logits":
        pos = torch.full([x.shape[-1]], 2.0, dtype=x.dtype) if a.get("pos_weight") else None
        return F.binary_cross_entropy_with_logits(x, t, pos_weight=pos, reduction=reduction)
    if fn == "kl_div":
        return F.kl_div(x, t, reduction=reduction, log_target=bool(a.get("log_target")))
    return getattr(F, fn)(x, t, reduction=reduction)


@op("roi")
def _roi(ctx, i, args, a):
    import torchvision

    boxes = torch.tensor(a["boxes"], dtype=args[0].dtype)
    size = [int(s) for s in a["output_size"]]
    if a["fn"] == "roi_align":
        return torchvision.ops.roi_align(args[0], boxes, size, 1.0, 2, bool(a["aligned"]))
    return torchvision.ops.roi_pool(args[0], boxes, size, 1.0)


# creation, random, quantization, complex, TorchScript-only, bfloat16 ------------------------------

_WINDOWS = ("hann_window", "hamming_window", "blackman_window", "bartlett_window")


@op("create")
def _create(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    dtype = synthetic_dtype(a.get("dtype"))
    kw = {"dtype": dtype} if dtype is not None else {}
    value = a.get("value")
    if fn in ("zeros_like", "ones_like"):
        return getattr(torch, fn)(x, **kw)
    if fn == "full_like":
        return torch.full_like(x, value, **kw)
    if fn == "empty_like_zero":
        return torch.empty_like(x, **kw).zero_()
    if fn in ("new_zeros", "new_ones"):
        return getattr(x, fn)(x.shape, **kw)
    if fn == "new_full":
        return x.new_full(x.shape, value, **kw)
    if fn == "new_empty_zero":
        return x.new_empty(x.shape, **kw).zero_()
    if fn == "fill":
        return x.clone().fill_(value)
    if fn == "zero":
        return x.clone().zero_()
    if fn in ("zeros", "ones"):
        return getattr(torch, fn)(list(x.shape), dtype=dtype or x.dtype)
    if fn == "full":
        return torch.full(list(x.shape), value, dtype=dtype or x.dtype)
    if fn == "empty_zero":
        return torch.empty(list(x.shape), dtype=dtype or x.dtype).zero_()
    if fn in ("tensor", "as_tensor"):
        return getattr(torch, fn)([float(v) for v in a["values"]], dtype=torch.float32)
    if fn == "scalar_tensor":
        return torch.scalar_tensor(float(a["values"][0]), dtype=torch.float32)
    n = x.shape[int(a["dim"])]
    if fn == "arange":
        return torch.arange(n)
    if fn == "arange_start":
        return torch.arange(1, n)
    if fn == "arange_step":
        return torch.arange(0, n, 2)
    if fn == "linspace":
        return torch.linspace(0.0, 1.0, n)
    if fn == "logspace":
        return torch.logspace(0.0, 1.0, n)
    if fn == "eye":
        return torch.eye(n)
    return getattr(torch, fn)(n)


def synthetic_dtype(name):
    from .synthetic import DTYPES

    return DTYPES[name] if name else None


@op("random_check")
def _random_check(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn == "rand_like":
        r = torch.rand_like(x)
        return (r >= 0) & (r < 1)
    if fn in ("randn_like", "normal", "normal_sized", "randn"):
        r = {
            "randn_like": lambda: torch.randn_like(x),
            "normal": lambda: torch.normal(x, 1.0),
            "normal_sized": lambda: torch.normal(0.0, 1.0, size=list(x.shape)),
            "randn": lambda: torch.randn(list(x.shape)),
        }[fn]()
        return torch.isfinite(r)
    if fn in ("randint_like", "randint"):
        lo, hi = int(a["low"]), int(a["high"])
        r = torch.randint_like(x, lo, hi) if fn == "randint_like" else torch.randint(lo, hi, list(x.shape))
        return (r >= lo) & (r < hi)
    if fn == "rand":
        r = torch.rand(list(x.shape))
        return (r >= 0) & (r < 1)
    if fn in ("bernoulli", "bernoulli_p"):
        b = torch.bernoulli(x) if fn == "bernoulli" else torch.bernoulli(x, 0.5)
        return (b == 0) | (b == 1)
    if fn == "multinomial":
        idx = torch.multinomial(x, int(a["samples"]), replacement=True)
        return (idx >= 0) & (idx < x.shape[-1])
    if fn == "dropout_train":
        y = F.dropout(x, 0.5, training=True)
        return (y == 0) | (y == x * 2)
    if fn == "native_dropout":
        y, mask = torch.native_dropout(x, 0.5, True)
        return y == x * mask * 2
    if fn == "rrelu_train":
        y = F.rrelu(x, 0.125, 0.25, training=True)
        return ((x >= 0) & (y == x)) | ((x < 0) & (y <= x * 0.125) & (y >= x * 0.25))
    r = torch.empty_like(x).uniform_(-1.0, 1.0)
    return (r >= -1) & (r <= 1)


@op("fake_quant")
def _fake_quant(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn == "per_tensor":
        return torch.fake_quantize_per_tensor_affine(x, float(a["scale"]), int(a["zero_point"]), -128, 127)
    if fn == "per_tensor_qparams":
        return torch.fake_quantize_per_tensor_affine(
            x, torch.tensor(float(a["scale"])), torch.tensor(int(a["zero_point"]), dtype=torch.int32), -128, 127
        )
    if fn == "per_channel":
        n = len(a["scales"])
        return torch.fake_quantize_per_channel_affine(
            x, torch.tensor(a["scales"], dtype=torch.float32), torch.zeros(n, dtype=torch.int32), int(a["axis"]), -128, 127
        )
    dtype = torch.quint8 if a["dtype"] == "quint8" else torch.qint8
    zp = int(a["zero_point"]) if dtype == torch.quint8 else 0
    # Quantization takes float32 only (the float64 shadow evaluation casts; the values are exact).
    return torch.dequantize(torch.quantize_per_tensor(x.float(), float(a["scale"]), zp, dtype)).to(x.dtype)


def _as_complex(x):
    return torch.view_as_complex(x.contiguous())


@op("complex_ops")
def _complex_ops(ctx, i, args, a):
    x, fn = args[0], a["fn"]
    if fn == "rotary":
        c = _as_complex(x)
        n = c.shape[-1]
        freqs = torch.polar(torch.ones(n, dtype=x.dtype), torch.arange(n, dtype=x.dtype) * 0.5)
        return torch.view_as_real(c * freqs)
    if fn == "conj_mul":
        c = _as_complex(x)
        return torch.view_as_real((c * c.conj()).resolve_conj())
    if fn == "fft":
        return torch.view_as_real(torch.fft.fft(_as_complex(x)))
    if fn == "abs":
        return _as_complex(x).abs()
    if fn == "complex":
        return torch.view_as_real(torch.complex(x, x * 0.5))
    if fn == "polar":
        return torch.view_as_real(torch.polar(x, x * 2.0))
    if fn == "angle":
        return torch.angle(x)
    if fn == "rfft":
        return torch.view_as_real(torch.fft.rfft(x))
    if fn == "irfft":
        return torch.fft.irfft(_as_complex(x))
    n_fft, hop = int(a["n_fft"]), int(a["hop"])
    window = torch.hann_window(n_fft, dtype=x.dtype)
    return torch.view_as_real(torch.stft(x, n_fft, hop_length=hop, window=window, return_complex=True))


# Scripted helpers: compiled once, on first use (scripting at import would slow every worker).
_SCRIPTED: dict[str, Any] = {}


def _scripted(name):
    fn = _SCRIPTED.get(name)
    if fn is None:
        from . import synthetic_script

        fn = _SCRIPTED[name] = torch.jit.script(getattr(synthetic_script, name))
    return fn


@op("script")
def _script(ctx, i, args, a):
    from . import synthetic_script

    x, program = args[0], a["program"]
    if torch.jit.is_tracing():
        return _scripted(program)(x)
    return getattr(synthetic_script, "eager_" + program)(x)


@op("bf16_roundtrip")
def _bf16_roundtrip(ctx, i, args, a):
    y = args[0].to(torch.bfloat16)
    if a["move"] == "transpose":
        y = y.transpose(0, 1)
    elif a["move"] == "flatten":
        y = y.flatten()
    return y.to(args[0].dtype)


# aten_direct: one overload called directly per `fn`, grouped by what it takes. `x` is a 2-D float
# input with values in [0.5, 1.5]; `_sized` hands a call its two sizes.
_A = torch.ops.aten


def _sized(call):
    return lambda x: call(x, *x.shape)


def _ints(x):
    return (x * 10).to(torch.int64)  # 5..15


def _shift_amounts(x):
    return (x * 2).to(torch.int64)  # 1..3


# Arithmetic overloads with a Python scalar (or a scalar tensor).
_SCALAR_OVERLOADS = {
    "mul.Scalar": lambda x: _A.mul.Scalar(x, 2.0),
    "div.Scalar": lambda x: _A.div.Scalar(x, 2.0),
    "div.Scalar_mode": lambda x: _A.div.Scalar_mode(x, 2.0, rounding_mode="floor"),
    "sub.Scalar": lambda x: _A.sub.Scalar(x, 2.0),
    "fmod.Scalar": lambda x: _A.fmod.Scalar(x, 0.75),
    "xlogy.Scalar_Other": lambda x: _A.xlogy.Scalar_Other(x, 2.0),
    "xlogy.Scalar_Self": lambda x: _A.xlogy.Scalar_Self(2.0, x),
    "remainder.Scalar_Tensor": lambda x: _A.remainder.Scalar_Tensor(2.0, x),
    "true_divide.Scalar": lambda x: _A.true_divide.Scalar(x, 2.0),
    "divide.Scalar": lambda x: _A.divide.Scalar(x, 2.0),
    "multiply.Scalar": lambda x: _A.multiply.Scalar(x, 2.0),
    "subtract.Scalar": lambda x: _A.subtract.Scalar(x, 2.0),
    "clamp_max": lambda x: _A.clamp_max(x, 1.0),
    "masked_fill.Tensor": lambda x: _A.masked_fill.Tensor(x, x > 1.0, torch.tensor(0.0, dtype=x.dtype)),
    "where.Scalar": lambda x: _A.where.Scalar(x > 1.0, 1.0, 0.0).to(x.dtype),
    "isclose": lambda x: _A.isclose(x, x * 1.0001),
    "round.decimals": lambda x: _A.round.decimals(x, decimals=2),
    "fill.Scalar": lambda x: _A.fill.Scalar(x, 2.0),
}

# Bitwise overloads and shifts, on ints made from x.
_INT_OVERLOADS = {
    "bitwise_and.Scalar": lambda x: _A.bitwise_and.Scalar(_ints(x), 3),
    "bitwise_and.Scalar_Tensor": lambda x: _A.bitwise_and.Scalar_Tensor(3, _ints(x)),
    "bitwise_or.Scalar": lambda x: _A.bitwise_or.Scalar(_ints(x), 3),
    "bitwise_or.Scalar_Tensor": lambda x: _A.bitwise_or.Scalar_Tensor(3, _ints(x)),
    "bitwise_xor.Scalar": lambda x: _A.bitwise_xor.Scalar(_ints(x), 3),
    "bitwise_xor.Scalar_Tensor": lambda x: _A.bitwise_xor.Scalar_Tensor(3, _ints(x)),
    "bitwise_left_shift.Tensor_Scalar": lambda x: _A.bitwise_left_shift.Tensor_Scalar(_ints(x), 1),
    "bitwise_left_shift.Scalar_Tensor": lambda x: _A.bitwise_left_shift.Scalar_Tensor(1, _shift_amounts(x)),
    "bitwise_right_shift.Tensor_Scalar": lambda x: _A.bitwise_right_shift.Tensor_Scalar(_ints(x), 1),
    "bitwise_right_shift.Scalar_Tensor": lambda x: _A.bitwise_right_shift.Scalar_Tensor(64, _shift_amounts(x)),
    "__lshift__.Scalar": lambda x: _A.__lshift__.Scalar(_ints(x), 1),
    "__rshift__.Scalar": lambda x: _A.__rshift__.Scalar(_ints(x), 1),
}

# Reductions, copies, scatters and the kernels decompositions lower to.
_KERNELS = {
    "all.dims": lambda x: _A.all.dims(x > 1.0, [0, 1]),
    "any.dims": lambda x: _A.any.dims(x > 1.0, [0, 1]),
    "min": lambda x: _A.min(x),
    "select_scatter": lambda x: _A.select_scatter(x, x[0] * 2.0, 0, 1),
    "_unsafe_index_put": lambda x: _A._unsafe_index_put(x, [torch.tensor([0, 1])], x[:2] * 2.0),
    "copy": lambda x: _A.copy(x, x * 2.0),
    "view_copy": _sized(lambda x, a, b: _A.view_copy(x, [a * b])),
    "_linalg_det": lambda x: _A._linalg_det(x[:2, :2] * 0.1 + torch.eye(2, dtype=x.dtype))[0],
    "_log_softmax": lambda x: _A._log_softmax(x, 1, False),
    "_softmax": lambda x: _A._softmax(x, 1, False),
    "special_log_softmax": lambda x: torch.special.log_softmax(x, 1),
    "special_softmax": lambda x: torch.special.softmax(x, 1),
    "_prelu_kernel": lambda x: _A._prelu_kernel(x, torch.tensor([0.25], dtype=x.dtype)),
    "native_group_norm": _sized(lambda x, a, b: _A.native_group_norm(x.reshape(1, a, b), None, None, 1, a, b, 1, 1e-5)[0]),
    "_native_batch_norm_legit": _sized(
        lambda x, a, b: _A._native_batch_norm_legit(
            x.reshape(1, a, b), None, None, torch.zeros(a, dtype=x.dtype), torch.ones(a, dtype=x.dtype), False, 0.1, 1e-5
        )[0]
    ),
    "_embedding_bag": lambda x: _A._embedding_bag(x, torch.tensor([0, 1]), torch.tensor([0]))[0],
    "embedding_bag": lambda x: _A.embedding_bag(x, torch.tensor([0, 1]), torch.tensor([0]))[0],
    "nll_loss_forward": _sized(lambda x, a, b: _A.nll_loss_forward(x, torch.arange(a) % b, None, 1, -100)[0]),
    "nll_loss": _sized(lambda x, a, b: _A.nll_loss(x, torch.arange(a) % b)),
    "empty_strided": _sized(lambda x, a, b: x + _A.empty_strided([a, b], [b, 1], dtype=x.dtype).zero_()),
    "new_empty_strided": _sized(lambda x, a, b: x + _A.new_empty_strided(x, [a, b], [b, 1]).zero_()),
    "grid_sampler_2d": _sized(lambda x, a, b: _A.grid_sampler_2d(x.reshape(1, 1, a, b), torch.zeros(1, 2, 2, 2, dtype=x.dtype), 0, 0, False)),
    "_scaled_dot_product_flash_attention_for_cpu": _sized(
        lambda x, a, b: _A._scaled_dot_product_flash_attention_for_cpu(x.reshape(1, 1, a, b), x.reshape(1, 1, a, b), x.reshape(1, 1, a, b))[0]
    ),
    "view_as_real_copy": lambda x: _A.view_as_real_copy(torch.view_as_complex(torch.stack([x, x * 0.5], -1))),
    "view_as_complex_copy": lambda x: torch.view_as_real(_A.view_as_complex_copy(torch.stack([x, x * 0.5], -1))),
}


def _in_range(r, lo, hi):
    return (r >= lo) & (r < hi)


def _while_loop(x):
    from torch._higher_order_ops.while_loop import while_loop

    _, y = while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 0.5), (torch.tensor(0), x))
    return y


# Random overloads (checked by a property of their samples) and control flow.
_RANDOM_AND_CONTROL_FLOW = {
    "normal.Tensor_Tensor": lambda x: torch.isfinite(_A.normal.Tensor_Tensor(x, x)),
    "normal.float_Tensor": lambda x: torch.isfinite(_A.normal.float_Tensor(0.0, x)),
    "normal_functional": lambda x: torch.isfinite(torch.empty_like(x).normal_()),
    "randint": _sized(lambda x, a, b: _in_range(_A.randint(5, [a, b]), 0, 5)),
    "randint_like": lambda x: _in_range(_A.randint_like(x, 5), 0, 5),
    "cond": lambda x: torch.cond(x.sum() > 0, lambda y: y * 2.0, lambda y: y - 1.0, (x,)),
    "while_loop": _while_loop,
}

# Every `fn` of aten_direct (the generator's DIRECT table names the same calls).
DIRECT_CALLS = {**_SCALAR_OVERLOADS, **_INT_OVERLOADS, **_KERNELS, **_RANDOM_AND_CONTROL_FLOW}
op("aten_direct")(lambda ctx, i, args, a: DIRECT_CALLS[a["fn"]](args[0]))


def _sym_k(n, program):
    """The int each program computes from a size n (Python ints, or 0-d int64 tensors when traced)."""
    traced = isinstance(n, torch.Tensor)
    if program == "mod":
        return n % 3 + 1
    if program == "neg_abs":
        return abs(-n + 2) if not traced else (-n + 2).abs()
    if program == "pow":
        return n**2
    if program in ("ceil_div", "floor_div", "trunc_div"):
        if traced:
            q = n.double() / (2 if program != "floor_div" else 3)
            return {"ceil_div": torch.ceil, "floor_div": torch.floor, "trunc_div": torch.trunc}[program](q).long() + 1
        import math

        q = n / (2 if program != "floor_div" else 3)
        rounding: Any = {"ceil_div": math.ceil, "floor_div": math.floor, "trunc_div": math.trunc}[program]
        return rounding(q) + 1
    if program == "max_min":
        if traced:
            return torch.clamp(n, min=3) + torch.clamp(n, max=2)
        return getattr(torch, "sym_max", max)(n, 3) + getattr(torch, "sym_min", min)(n, 2)
    if program == "shifts":
        return (n << 1) + (n >> 1)
    if program == "or":
        return n | 1
    if program == "ite":
        if traced:
            return torch.where(n < 4, n, torch.tensor(4))
        sym_ite = getattr(torch, "sym_ite", lambda c, p, q: p if c else q)
        return sym_ite(n < 4, n, 4)
    if program == "sum":
        return n + n + 1 if traced else getattr(torch, "sym_sum", sum)([n, n, 1])
    return n


@op("sym_shape")
def _sym_shape(ctx, i, args, a):
    x, program = args[0], a["program"]
    if torch.jit.is_tracing():
        n = torch._shape_as_tensor(x)[0]
        k = _sym_k(n, program)
        return x * (k.to(x.dtype) * (0.5 if program == "float" else 1.0))
    n = x.shape[0]
    k = _sym_k(n, program)
    if program == "float":
        return x * (getattr(torch, "sym_float", float)(k) * 0.5)
    return x * k
