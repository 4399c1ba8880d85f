"""Converter surface coverage: which of the converter's own translation functions a case ran.

A converter may offer a recorder (`converter.coverage()`, docs/converters.md). The worker
installs it once and brackets every export with `start()` / `stop()`; `stop()` returns the
calls of that export as `[name, implementation, signature]` triples:

- name: the converter's dispatch key (a symbolic function name such as `aten::add`, or an
  ATen overload such as `aten::add.Tensor`) -- the unit coverage is counted in;
- implementation: what the dispatcher chose for it (the opset version of the symbolic
  function, the torchlib function name), or None when nothing was registered for the key;
- signature: the input kinds it was called with (`float32/2` = a float32 tensor of rank 2,
  `int64/0` a 0-d tensor, `float32/2e` an empty one, `int`, `list`, `none`, ...).

`registered()` returns every dispatch key the converter registers, with its implementations:
the denominator of coverage. Recording must not change what the converter produces (the
recorders only observe calls and return what the converter returned) -- `npm run bench:surface`
checks identical ONNX bytes with and without recording and measures the overhead.
"""

MAX_CALLS_PER_CASE = 2000

TORCH_DTYPES = {
    "Float": "float32",
    "Double": "float64",
    "Half": "float16",
    "BFloat16": "bfloat16",
    "Long": "int64",
    "Int": "int32",
    "Short": "int16",
    "Char": "int8",
    "Byte": "uint8",
    "Bool": "bool",
    "ComplexFloat": "complex64",
    "ComplexDouble": "complex128",
    "ComplexHalf": "complex32",
    "QInt8": "qint8",
    "QUInt8": "quint8",
    "QInt32": "qint32",
}


def tensor_token(dtype, shape):
    """`float32/2` (dtype/rank), `e` appended when a dimension is 0; `?` for unknown parts."""
    rank = "?" if shape is None else str(len(shape))
    empty = "e" if shape is not None and any(d == 0 for d in shape) else ""
    return "%s/%s%s" % (dtype or "?", rank, empty)


class CallLog:
    """The calls of one export, deduplicated, in first-seen order."""

    def __init__(self):
        self.seen = set()
        self.calls = []
        self.dropped = 0

    def add(self, name, impl, signature):
        key = (name, impl, signature)
        if key in self.seen:
            return
        if len(self.calls) >= MAX_CALLS_PER_CASE:
            self.dropped += 1
            return
        self.seen.add(key)
        self.calls.append([name, impl, signature])


def recorder_for(adapter):
    """The adapter's recorder, or None when it offers none ("not measured")."""
    make = getattr(adapter, "coverage", None)
    if make is None:
        return None
    return make()
