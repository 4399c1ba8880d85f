"""The worker: start-up (plugins, environment, ready message), then one case per request."""
from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
from types import ModuleType
from typing import Any

from . import PROTOCOL_VERSION, plugins
from .protocol import Channel


class MissingDependency(Exception):
    """A package a frontend or the converter needs is not importable in this interpreter."""

    def __init__(self, package: str, needed_by: str):
        super().__init__("%s needs %s, which is not installed in %s" % (needed_by, package, sys.executable))
        self.package = package
        self.needed_by = needed_by


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="convgate-worker")
    parser.add_argument("--converter", "--adapter", dest="converter", default=plugins.default_converter())
    parser.add_argument("--convert-cmd", default=None, help="the command line of the `command` converter")
    parser.add_argument("--frontend", action="append", default=[], help="frontends of the run's cases (default: torch)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--surface", choices=("on", "off"), default="on", help="record converter surface coverage")
    parser.add_argument("--corpus-path", action="append", default=[], help="appended to sys.path")
    parser.add_argument("--model-library", action="append", default=[], help="a library corpus factories may call")
    parser.add_argument("--list", action="store_true", help="print what this interpreter has of each plugin (JSON) and exit")
    parser.add_argument("--zygote", action="store_true", help="prepare once, then fork workers on request (zygote.py)")
    return parser.parse_args(argv)


def require(packages: list[str], needed_by: str) -> None:
    for package in packages:
        if importlib.util.find_spec(package) is None:
            raise MissingDependency(package, needed_by)


def load_plugins(args: argparse.Namespace) -> tuple[ModuleType, dict[str, Any], dict[str, ModuleType]]:
    """The converter and the run's frontends, after checking everything they need imports."""
    from . import converters, frontends

    entry = plugins.converter(args.converter)
    names = args.frontend or ["torch"]
    # Settings the converter needs before anything is imported (KERAS_BACKEND); the user's win.
    for key, value in entry.get("env", {}).items():
        os.environ.setdefault(key, value)
    for name in names:
        require(plugins.frontend(name)["needs"], "the %s frontend" % name)
    require(entry["needs"], "the %s converter" % args.converter)
    # The onnx frontend makes sources from torch cases: it may build torch models too.
    builds_torch = "torch" in names or "onnx" in names or "torch" in entry["needs"]
    if builds_torch and importlib.util.find_spec("torch") is not None:
        from . import compat

        # Before anything (corpus modules, transformers, timm) imports torchvision.
        compat.prepare_torchvision()
    converter = converters.load(args.converter)
    configure = getattr(converter, "configure", None)
    if configure is not None:
        if args.convert_cmd is None:
            raise ValueError("the %s converter needs --convert-cmd" % args.converter)
        configure(args.convert_cmd)
    # What the converter needs can depend on the set-up (Keras' export: on its backend).
    extra = getattr(converter, "requires", None)
    if extra is not None:
        require(extra(), "the %s converter (%s)" % (args.converter, describe_setup(converter)))
    loaded = {name: frontends.load(name) for name in names}
    for frontend in loaded.values():
        frontend.prepare(args.threads)
    return converter, entry, loaded


def describe_setup(converter: ModuleType) -> str:
    backend = getattr(converter, "backend", None)
    return "Keras backend %s" % backend() if backend is not None else "this set-up"


def ready_message(
    args: argparse.Namespace, converter: ModuleType, loaded: dict[str, ModuleType], recorder: Any
) -> dict[str, Any]:
    from . import compat, environment

    described = converter.describe()
    packages = environment.packages()
    packages["torchvision-ops"] = packages.get("torchvision") if compat.torchvision_ops_loaded() else None
    note = compat.torchvision_note()
    return {
        "type": "ready",
        "protocol": PROTOCOL_VERSION,
        "pid": os.getpid(),
        "python": {"executable": sys.executable, "version": platform.python_version()},
        "torch": packages.get("torch"),
        "onnx": packages.get("onnx"),
        "converter": described,
        "opsets": list(converter.supported_opsets()),
        "surface": {"exporter": recorder.exporter, "unit": recorder.unit} if recorder is not None else None,
        "frontends": {name: f.describe() for name, f in loaded.items()},
        "environment": {
            "packages": packages,
            "exporter": described.get("exporter"),
            "workarounds": [note] if note else [],
            "paths": environment.path_placeholders(),
        },
    }


def warm_up(converter: ModuleType, threads: int | None = None) -> None:
    """The converter's first-call imports and caches (torch.export, torchlib: ~2.5 s on the modern
    stack) are paid before ready, then everything imported so far is frozen: it lives as long as
    the worker, and keeping it out of the cyclic collector's generations keeps automatic
    collections during exports cheap."""
    import gc

    hook = getattr(converter, "warm_up", None)
    if hook is not None:
        with _single_threaded(threads):
            try:
                hook()
            except Exception:  # noqa: BLE001 -- a failing warm-up shows again in the first case
                pass
    gc.collect()
    gc.freeze()


class _single_threaded:
    """With `threads` set (the zygote): torch runs the warm-up on the calling thread only, so no
    OpenMP team exists before a fork (a team does not survive fork), then gets the worker's
    thread count back -- set before fork, the pool itself starts in each forked worker."""

    def __init__(self, threads: int | None):
        self.threads = threads

    def __enter__(self) -> None:
        if self.threads is not None and "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)

    def __exit__(self, *exc: Any) -> None:
        if self.threads is not None and "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(max(1, self.threads))


Prepared = tuple[ModuleType, dict[str, Any], Any, dict[str, Any]]


def prepare(args: argparse.Namespace, zygote: bool = False) -> Prepared:
    """Everything before the first request: plugins, surface recorder, corpus paths, warm-up.
    Returns the converter, its plugin entry, the recorder and the ready message."""
    from . import factories
    from .surface import recorder_for

    converter, entry, loaded = load_plugins(args)
    # Surface coverage (docs/coverage.md): which translation functions each export runs.
    recorder = recorder_for(converter) if args.surface == "on" else None
    if recorder is not None:
        recorder.install()
    # Appended, never prepended: the converter build under test (PYTHONPATH) must win.
    for p in args.corpus_path:
        if p not in sys.path:
            sys.path.append(p)
    factories.configure(factories.Scope.from_paths(args.corpus_path, args.model_library))
    warm_up(converter, args.threads if zygote else None)
    return converter, entry, recorder, ready_message(args, converter, loaded, recorder)


def start(channel: Channel, args: argparse.Namespace) -> tuple[ModuleType, dict[str, Any], Any]:
    converter, entry, recorder, ready = prepare(args)
    channel.send(ready)
    return converter, entry, recorder


def fatal(channel: Channel, exc: BaseException) -> None:
    channel.send(fatal_message(exc))


def fatal_message(exc: BaseException) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "fatal", "error": "%s: %s" % (type(exc).__name__, exc), "python": sys.executable}
    if isinstance(exc, ModuleNotFoundError) and exc.name:  # a package a plugin imports without declaring it
        exc = MissingDependency(exc.name.split(".")[0], "the worker (converter %s)" % _converter_name)
    if isinstance(exc, MissingDependency):
        message["missing"] = {"package": exc.package, "neededBy": exc.needed_by, "install": plugins.install_hint(exc.package)}
    return message


def die_with_parent() -> None:
    """Linux: when convgate itself dies (even by SIGKILL), the worker gets SIGKILL too instead of
    converting on as an orphan. (convgate kills the worker's whole process group otherwise.)"""
    parent = os.getppid()
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


_converter_name = "?"

_LIBC: Any = None
# Resident memory (MiB) a worker may gain over its size after its last clean-up (at first: its
# start-up size) before it cleans up after a case (MemoryCleanup).
CLEANUP_GROWTH_MB = 128


def resident_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _malloc_trim() -> None:
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)


class MemoryCleanup:
    """After a case, when the worker has grown CLEANUP_GROWTH_MB past its size after the last
    clean-up (at first: its start-up size): collects the cycles finished cases left (exported
    programs and FX graphs are cyclic, so only the collector frees them, and its oldest
    generation runs rarely) and hands the freed pages back to the system (glibc malloc_trim;
    nothing on another libc). Without it a worker's memory holds the garbage of earlier cases on
    top of the next case's peak (docs/performance.md).

    The threshold moves up to the size a clean-up leaves: what a collection does not free is
    live (modules the cases imported, the exporter's caches), and a full collection walks all of
    it -- 0.25-0.5 s of CPU per case once the worker holds everything. Measured from the
    start-up size only, a worker that had run a few real models stayed above the threshold and
    collected after every later case (~10 MiB freed each time): 180 s of the 608 s of CPU of a
    default run. (Freezing what survives a clean-up, as the start-up objects are, halved the
    collector's later full collections but let workers grow past --recycle: a frozen object that
    later becomes cyclic garbage is never collected. Not done.) A worker that keeps growing is
    still replaced by convgate (--recycle)."""

    def __init__(self, start_mb: float):
        self.floor_mb = start_mb

    def after_case(self) -> bool:
        if resident_mb() - self.floor_mb <= CLEANUP_GROWTH_MB:
            return False
        import gc

        gc.collect()
        _malloc_trim()
        self.floor_mb = resident_mb()
        return True


# The collector's first threshold in a worker (CPython's default: 700 allocations).
GC_THRESHOLD0 = 10_000


def collect_less_often() -> None:
    """An export allocates millions of objects (FX nodes, fake tensors, sympy expressions); with
    CPython's default threshold the collector ran ~80 young and ~0.7 full collections per case
    during them, walking objects that are nearly all alive. A first threshold of 10 000 runs it
    ~15x less often (84 cases: collector CPU 5.3 -> 2.6 s, gen-2 collections 58 -> 4;
    docs/performance.md). Cyclic garbage then waits a little longer: MemoryCleanup still collects
    whenever the worker grew CLEANUP_GROWTH_MB."""
    import gc

    _, threshold1, threshold2 = gc.get_threshold()
    gc.set_threshold(max(GC_THRESHOLD0, gc.get_threshold()[0]), threshold1, threshold2)


def main(argv: list[str]) -> int:
    global _converter_name
    args = parse_args(argv)
    _converter_name = args.converter
    if args.list:
        import json

        from .listing import listing

        print(json.dumps(listing()))
        return 0
    die_with_parent()
    if args.zygote:
        from . import zygote

        return zygote.serve(args)
    channel = Channel()
    try:
        converter, entry, recorder = start(channel, args)
    except BaseException as exc:  # noqa: BLE001
        fatal(channel, exc)
        return 3
    return serve(channel, args, converter, entry, recorder)


def serve(channel: Channel, args: argparse.Namespace, converter: ModuleType, entry: dict[str, Any], recorder: Any) -> int:
    """One request after the other until shutdown (or the end of the request stream)."""
    from .runner import CaseRunner

    runner = CaseRunner(channel, converter, args.converter, entry["frontends"], recorder)
    collect_less_often()
    cleanup = MemoryCleanup(resident_mb())
    for request in channel.requests():
        kind = request.get("type")
        if kind == "convert":
            reply = runner.convert(request)
            cleanup.after_case()
            channel.send(reply)
        elif kind == "probe":
            channel.send(runner.probe(request))
        elif kind == "shutdown":
            break
        else:
            channel.send({"type": "protocol-error", "message": "unknown request type %r" % kind})
    return 0
