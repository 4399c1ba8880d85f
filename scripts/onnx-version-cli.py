#!/usr/bin/env python3
"""onnx.version_converter as a command line, the way a converter project's CLI looks:

    onnx-version-cli.py SOURCE.onnx OUTPUT.onnx OPSET

For convgate's command converter (docs/converters.md):
    convgate run --corpus onnx --convert-cmd "{python} scripts/onnx-version-cli.py {source} {onnx} {opset}"
Errors propagate as Python tracebacks on stderr with a non-zero exit status."""
import sys

import onnx
import onnx.version_converter


def main(argv):
    if len(argv) != 3:
        print("usage: onnx-version-cli.py SOURCE.onnx OUTPUT.onnx OPSET", file=sys.stderr)
        return 2
    source, output, opset = argv
    converted = onnx.version_converter.convert_version(onnx.load(source), int(opset))
    onnx.save(converted, output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
