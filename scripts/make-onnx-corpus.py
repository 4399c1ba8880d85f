#!/usr/bin/env python3
"""Writes corpus/onnx/cases.json: the onnx version converter's corpus.

- `derive`: torch cases of corpus/real exported once at a source opset and converted to a target
  opset (each pair is a case; the worker exports and caches the sources at run time);
- node tests: ONNX's own single-operator test models (Debian's libonnx-testdata, the data of
  onnx 1.12), chosen for operators whose schema changed between opsets 11 and 17 -- the ones
  the version converter has adapters for -- each converted down to 11 and up to 17 (and to 13
  when it is neither), with the test's own inputs.

Run by hand when the selection changes (needs /usr/bin/python3 with onnx and libonnx-testdata):
    /usr/bin/python3 scripts/make-onnx-corpus.py
"""
import json
import os
import sys

import onnx

NODE_DIR = os.environ.get("CONVGATE_ONNX_TESTDATA") or "/usr/share/libonnx-testdata/data/node"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "onnx", "cases.json")
DTYPES = {1: "float32", 11: "float64", 7: "int64", 6: "int32", 9: "bool", 10: "float16", 2: "uint8", 3: "int8", 5: "int16"}

REAL = [
    "resnet18", "mobilenet-v2", "mobilenet-v3-small", "mnasnet0-5", "efficientnet-b0", "convnext-atto",
    "regnet-y-400mf", "shufflenet-v2-x0-5", "squeezenet1-1", "googlenet", "vgg11-bn-features", "vit-tiny",
    "swin-tiny", "deeplabv3-mobilenet-v3-large", "lraspp-mobilenet-v3-large", "mobilenet-v1-conv-bias-bn",
    "unet-bilinear-convtranspose", "patch-mixer-nhwc", "crnn-gru-ocr", "crnn-lstm-ocr", "lstm-bidir-tagger",
    "gru-bidir-tagger", "lstm-forecaster", "embedding-padding-idx-pool", "embeddingbag-mean",
    "mha-cross-attn-masks", "transformer-encoder-padding-mask", "transformer-seq2seq", "tiny-gpt", "tiny-bert",
    "t5-relative-position-bias", "time-features-int-division", "espcn-pixel-shuffle", "diffusion-unet",
    "wav2vec2-encoder",
]
PAIRS = [[11, 13], [11, 17], [17, 11], [13, 11]]

NODE_TESTS = [
    "test_softmax_axis_0", "test_logsoftmax_axis_1", "test_hardmax_axis_1",
    "test_reduce_sum_keepdims_random", "test_reduce_mean_keepdims_random", "test_reduce_max_keepdims_random",
    "test_split_variable_parts_2d", "test_split_equal_parts_default_axis", "test_squeeze", "test_unsqueeze_axis_1",
    "test_clip", "test_clip_default_inbounds", "test_constant_pad", "test_reflect_pad",
    "test_slice", "test_slice_negative_axes", "test_top_k", "test_gather_1", "test_gather_elements_0",
    "test_scatter_elements_with_axis", "test_batchnorm_example", "test_dropout_default",
    "test_resize_upsample_scales_linear", "test_resize_downsample_scales_linear", "test_resize_upsample_sizes_nearest",
    "test_gru_defaults", "test_lstm_defaults", "test_simple_rnn_defaults",
    "test_reshape_negative_dim", "test_add_bcast", "test_relu", "test_cumsum_1d_reverse",
    "test_leakyrelu", "test_prelu_broadcast", "test_greater_equal", "test_hardswish", "test_celu",
    "test_einsum_batch_matmul", "test_maxpool_2d_ceil", "test_argmax_keepdims_random_select_last_index",
    "test_depthtospace_crd_mode", "test_pow_bcast_array", "test_layer_normalization_3d_axis1_epsilon",
    "test_cast_FLOAT_to_DOUBLE", "test_averagepool_2d_ceil",
]


def node_case(name):
    model = onnx.load(os.path.join(NODE_DIR, name, "model.onnx"))
    source = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    initializers = {i.name for i in model.graph.initializer}
    inputs = []
    for k, value in enumerate(i for i in model.graph.input if i.name not in initializers):
        tensor = onnx.TensorProto()
        with open(os.path.join(NODE_DIR, name, "test_data_set_0", "input_%d.pb" % k), "rb") as fh:
            tensor.ParseFromString(fh.read())
        inputs.append({"name": value.name, "dtype": DTYPES[tensor.data_type], "shape": list(tensor.dims)})
    op = model.graph.node[0].op_type
    targets = sorted({11, 17, 13} - {source}) if source not in (11, 17) else sorted({11, 13, 17} - {source})
    short = name[len("test_"):]
    return [
        {
            "frontend": "onnx",
            "id": "node.%s.o%d-o%d" % (short, source, target),
            "family": "node-%s" % op.lower(),
            "description": "ONNX node test %s (%s, opset %d) converted to opset %d, with its own inputs." % (name, op, source, target),
            "model": {"nodeTest": name},
            "inputs": inputs,
            "export": {"opset": target},
        }
        for target in targets
    ]


def main():
    cases = [c for name in NODE_TESTS for c in node_case(name)]
    doc = {
        "name": "onnx",
        "description": "The onnx version converter's corpus: real-corpus torch models exported once at a source opset "
        "(TorchScript exporter, cached) and ONNX's own node tests (libonnx-testdata), each converted up and down "
        "between opsets 11, 13 and 17; references from onnxruntime on the source model.",
        "derive": {"from": "../real/cases.json", "opsetPairs": PAIRS, "cases": REAL},
        "cases": cases,
    }
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
    print("%d node-test cases, %d derived (%d models x %d pairs)" % (len(cases), len(REAL) * len(PAIRS), len(REAL), len(PAIRS)), file=sys.stderr)


if __name__ == "__main__":
    main()
