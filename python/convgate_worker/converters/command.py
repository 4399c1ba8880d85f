"""Any converter that is a command line (--convert-cmd): the frontend saves the source model in
its own format, the command converts it, and its exit status and stderr become the case's result
in the same form as a native converter's.

The template is split like a shell would (shlex, no shell runs it) and each word may contain
placeholders: {source} (the saved source: a .pt2/.pt, .onnx, .keras file or a SavedModel
directory), {onnx} (the file to write), {opset}, {inputs} / {outputs} (comma-separated names),
{case} (the case's folder) and {python} (the worker's own interpreter, so `{python} -m
tf2onnx.convert` runs the stack's Python). The command runs in the worker's process group and
dies with it (timeout, memory limit, convgate itself killed).

Failures: a Python traceback on stderr gives the error's type, message and frames, classified
into the converter's own step by the same rules the native converters use (converters.*.steps:
`convert_version` in the frames → version-conversion, tf2onnx's op handlers → op-conversion,
...); otherwise the step is `command` and the message the last stderr lines. Killed by a signal:
CommandCrash. Exit 0 without an ONNX file: CommandFailed."""
from __future__ import annotations

import hashlib
import os
import re
import shlex
import signal
import subprocess
import sys
from typing import Any

from . import Failure

NAME = "command"
EXPORTER = "command"
WANTS_SOURCE_FILE = True
PLACEHOLDERS = ("source", "onnx", "opset", "inputs", "outputs", "case", "python")
TAIL_LINES = 40
MAX_WARNINGS = 8

_template: str | None = None


class CommandError(Exception):
    """A failed converter command, described as the error record of a case (errors.describe)."""

    def __init__(self, record: dict[str, Any], failure: Failure):
        super().__init__(record["message"])
        self.record = record
        self.failure = failure


def configure(template: str) -> None:
    """The --convert-cmd template: checked once at start-up (unknown placeholders, no {onnx})."""
    global _template
    words = shlex.split(template)
    if not words:
        raise ValueError("--convert-cmd is empty")
    names = set(re.findall(r"\{(\w+)\}", template))
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise ValueError(
            "--convert-cmd: unknown placeholder(s) %s (known: %s)"
            % (", ".join("{%s}" % u for u in unknown), ", ".join("{%s}" % p for p in PLACEHOLDERS))
        )
    if "onnx" not in names:
        raise ValueError("--convert-cmd must name the output file with {onnx}")
    _template = template


def template() -> str:
    if _template is None:
        raise RuntimeError("the command converter needs --convert-cmd")
    return _template


def describe() -> dict[str, Any]:
    text = template()
    return {
        "name": NAME,
        # The command is the converter: another command is another converter (and baseline).
        "version": "cmd-" + hashlib.sha256(text.encode()).hexdigest()[:12],
        "exporter": EXPORTER,
        "command": text,
    }


def supported_opsets() -> tuple[int, int]:
    try:
        import onnx

        return (1, int(onnx.defs.onnx_opset_version()))
    except ImportError:
        return (1, 99)


def argv(values: dict[str, str]) -> list[str]:
    """The command's words with every placeholder replaced (no shell: spaces in paths are safe)."""
    return [re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], word) for word in shlex.split(template())]


def _die_with_worker() -> None:
    """Linux: the command gets SIGKILL when the worker dies (also when convgate kills it)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run(words: list[str]) -> subprocess.CompletedProcess[str]:
    """Runs in convgate's working directory, so relative paths mean what they meant where the user
    typed the command."""
    return subprocess.run(
        words,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        preexec_fn=_die_with_worker if sys.platform.startswith("linux") else None,
    )


def export(model: Any, args: Any, path: str, settings: dict[str, Any]) -> dict[str, Any]:
    case_dir = os.path.dirname(os.path.abspath(path))
    source = settings.get("sourcePath") or ""
    values = {
        "source": source,
        "onnx": path,
        "opset": "" if settings.get("opset") is None else str(settings["opset"]),
        "inputs": ",".join(settings.get("inputNames") or []),
        "outputs": ",".join(settings.get("outputNames") or []),
        "case": case_dir,
        "python": sys.executable,
    }
    done = run(argv(values))
    for line in warning_lines(done.stderr):
        import warnings

        warnings.warn(line, RuntimeWarning, stacklevel=2)
    if done.returncode != 0:
        raise failure(done.returncode, done.stderr, done.stdout)
    if not os.path.isfile(path):
        raise CommandError(
            {"type": "CommandFailed", "message": "the command exited 0 but wrote no ONNX file ({onnx})", "traceback": []},
            Failure("CommandFailed", "", ()),
        )
    return {"opsetBuilt": source_opset(source)}


def source_opset(source: str) -> int | None:
    """The opset of an ONNX source (the onnx frontend), as the native version converter reports."""
    if not source.endswith(".onnx"):
        return None
    try:
        import onnx

        proto = onnx.load(source, load_external_data=False)
        return next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), None)
    except Exception:  # noqa: BLE001 -- only informative
        return None


# -- reading stderr -----------------------------------------------------------------------------

_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (\S+)')
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*)(?:: ?(.*))?$")
_WARNING = re.compile(r"(\w*Warning): (.*)$")


def parse_traceback(stderr: str) -> tuple[str, str, list[tuple[str, int, str]]] | None:
    """The last Python traceback in stderr: (exception type as Python prints it, message,
    [(file, line, function)]). The exception line is the first unindented line after the frames."""
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    if not starts:
        return None
    body = lines[starts[-1] + 1 :]
    frames = [(m.group(1), int(m.group(2)), m.group(3)) for m in (_FRAME.match(line) for line in body) if m]
    for k, line in enumerate(body):
        if not line or line[0].isspace():
            continue
        m = _EXCEPTION.match(line)
        if m is None:
            return None
        rest = [x for x in body[k + 1 :] if x.strip()][:20]
        return m.group(1), "\n".join([m.group(2) or ""] + rest).strip(), frames
    return None


def warning_lines(stderr: str) -> list[str]:
    seen: list[str] = []
    for line in stderr.splitlines():
        m = _WARNING.search(line)
        if m and not line.lstrip().startswith("File "):
            text = "%s: %s" % (m.group(1), m.group(2).strip())
            if text not in seen:
                seen.append(text)
    return seen[:MAX_WARNINGS]


def tail(text: str, n: int = TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def failure(returncode: int, stderr: str, stdout: str) -> CommandError:
    """The error record of a command that failed: its own exception when it printed a traceback,
    else its exit status and last output lines; killed by a signal → CommandCrash."""
    if returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.Signals._value2member_map_ else str(-returncode)
        message = "the converter command died (signal %s)" % name
        text = tail(stderr or stdout, 12)
        record = {"type": "CommandCrash", "message": message + (":\n" + text if text else ""), "traceback": []}
        return CommandError(record, Failure("CommandCrash", message, ()))
    parsed = parse_traceback(stderr)
    if parsed is None:
        text = tail(stderr or stdout, 12) or "(no output)"
        record = {"type": "CommandFailed", "message": "the converter command exited with %d:\n%s" % (returncode, text), "traceback": []}
        return CommandError(record, Failure("CommandFailed", text, ()))
    type_name, message, frames = parsed
    record = {
        "type": type_name,
        "message": message,
        "traceback": ["%s:%d in %s" % f for f in frames[-12:]],
    }
    return CommandError(record, Failure(type_name.split(".")[-1], message, tuple((f, fn) for f, _, fn in frames)))


def steps(f: Failure) -> str | None:
    """The step by the rules of the converters convgate knows, else `command`."""
    from . import onnx_version_converter, tf2onnx, torch_onnx, torch_onnx_dynamo

    for known in (onnx_version_converter, tf2onnx, torch_onnx_dynamo, torch_onnx):
        step = known.steps(f)
        if step:
            return step
    return "command"


def failure_step(exc: BaseException) -> str | None:
    if isinstance(exc, CommandError):
        return steps(exc.failure)
    return None
