"""Benchmark baseline: the naive way to do convgate's job -- one Python process that builds,
references and exports every case one after the other (torch with its default threads).
Same conversion code as the worker (CaseRunner.convert), so only the orchestration differs.

usage: bench_naive.py REQUESTS.jsonl [--adapter NAME] [--corpus-path DIR ...] [--model-library M ...]
(prints one JSON line per case)
"""
import argparse
import json
import sys

from convgate_worker import compat, converters, factories, plugins
from convgate_worker.runner import CaseRunner


class _Silent:
    def send(self, message):
        pass


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("requests")
    parser.add_argument("--corpus-path", action="append", default=[])
    parser.add_argument("--model-library", action="append", default=[])
    parser.add_argument("--adapter", default=plugins.default_converter())
    args = parser.parse_args(argv)
    compat.prepare_torchvision()  # the same documented workaround as the worker (compat.py)
    sys.path.extend(args.corpus_path)
    factories.configure(factories.Scope.from_paths(args.corpus_path, args.model_library))
    accepts = plugins.converter(args.adapter)["frontends"]
    runner = CaseRunner(_Silent(), converters.load(args.adapter), args.adapter, accepts)
    with open(args.requests) as fh:
        for line in fh:
            reply = runner.convert(json.loads(line))
            print(json.dumps({"id": reply["id"], "ok": reply["ok"], "model": reply.get("model"), "tensors": reply.get("tensors")}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
