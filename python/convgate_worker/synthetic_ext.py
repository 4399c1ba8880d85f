"""The extended operator library of the synthetic interpreter (docs/synthetic-spec.md, "Extended
library"): operators that exist to reach translation functions of the converters that the core
library does not (docs/coverage.md). Registered into synthetic.OPS / synthetic.PARAMS on import;
same conventions: fn(ctx, i, args, attrs), parameters seeded per node.
"""
import torch
import torch.nn.functional as F

from .synthetic import OPS, PARAMS, _scalar, _typed, _u

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
    OPS[_kind] = (lambda fn: lambda ctx, i, args, a: fn(args[0]))(_fn)


def op(*kinds):
    def register(fn):
        for k in kinds:
            OPS[k] = fn
        return fn

    return register


@op("bitwise_not")
def _bitwise_not(ctx, i, args, a):
    return torch.bitwise_not(args[0]) if a.get("spelling") == "fn" else ~args[0]


OPS["softshrink"] = lambda ctx, i, args, a: F.softshrink(args[0], float(a["lambd"]))
OPS["hardshrink"] = lambda ctx, i, args, a: F.hardshrink(args[0], float(a["lambd"]))
OPS["threshold"] = lambda ctx, i, args, a: F.threshold(args[0], float(a["threshold"]), float(a["value"]))
OPS["rrelu_eval"] = lambda ctx, i, args, a: F.rrelu(args[0], float(a["lower"]), float(a["upper"]), training=False)
OPS["softmin"] = lambda ctx, i, args, a: F.softmin(args[0], dim=-1)
OPS["glu"] = lambda ctx, i, args, a: F.glu(args[0], int(a["dim"]))


def _second(args, a):
    return _scalar(a) if "scalar" in a else args[1]


OPS["atan2"] = lambda ctx, i, args, a: torch.atan2(args[0], args[1])
OPS["fmod"] = lambda ctx, i, args, a: torch.fmod(args[0], _second(args, a))
OPS["xlogy"] = lambda ctx, i, args, a: torch.xlogy(args[0], args[1])
OPS["logaddexp"] = lambda ctx, i, args, a: torch.logaddexp(args[0], args[1])
OPS["logaddexp2"] = lambda ctx, i, args, a: torch.logaddexp2(args[0], args[1])
OPS["heaviside"] = lambda ctx, i, args, a: torch.heaviside(args[0], args[1])

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
    OPS[_kind] = _bitwise(_kind)

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
OPS["alias_binary"] = lambda ctx, i, args, a: _ALIASES[a["fn"]](args[0], _second(args, a))
OPS["special"] = lambda ctx, i, args, a: getattr(torch.special, a["fn"])(args[0])


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


OPS["cumulative"] = lambda ctx, i, args, a: getattr(torch, a["fn"])(args[0], int(a["dim"]))


# linear algebra -------------------------------------------------------------------------------


@op("linalg_product")
def _linalg_product(ctx, i, args, a):
    fn = a["fn"]
    if fn in ("mm", "dot", "mv", "outer"):
        return getattr(torch, fn)(args[0], args[1])
    return getattr(torch, fn)(args[0], args[1], args[2], beta=float(a["beta"]), alpha=float(a["alpha"]))


OPS["einsum"] = lambda ctx, i, args, a: torch.einsum(a["equation"], *args)
OPS["tensordot"] = lambda ctx, i, args, a: torch.tensordot(args[0], args[1], dims=([args[0].dim() - 1], [0]))


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


OPS["bilinear"] = lambda ctx, i, args, a: F.bilinear(args[0], args[1], ctx.param(i, "weight"), ctx.param(i, "bias"))
PARAMS["bilinear"] = lambda a, dt, u: {
    "weight": _u(u, [int(a["out_features"]), int(a["in1_features"]), int(a["in2_features"])], -0.5, 0.5, dt),
    "bias": _u(u, [int(a["out_features"])], -0.5, 0.5, dt) if a.get("bias") else None,
}


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


OPS["unflatten"] = lambda ctx, i, args, a: args[0].unflatten(int(a["dim"]), [int(s) for s in a["sizes"]])
OPS["atleast"] = lambda ctx, i, args, a: getattr(torch, "atleast_%dd" % int(a["n"]))(args[0])

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
OPS["copy_like"] = lambda ctx, i, args, a: _COPY_LIKE[a["fn"]](args[0])
OPS["as_strided"] = lambda ctx, i, args, a: torch.as_strided(args[0].contiguous(), list(a["size"]), list(a["stride"]))


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


OPS["meshgrid"] = lambda ctx, i, args, a: tuple(torch.meshgrid(*args, indexing=a["indexing"]))
OPS["broadcast_tensors"] = lambda ctx, i, args, a: tuple(torch.broadcast_tensors(*args))


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
