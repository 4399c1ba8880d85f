"""Turning exceptions into the error record of a case (stage, type, message, trimmed traceback)."""
from __future__ import annotations

import traceback
from typing import Any

MAX_MESSAGE = 2000
MAX_FRAMES = 12


class StageError(Exception):
    """An exception raised while a case was in a given stage."""

    def __init__(self, stage: str, exc: BaseException):
        super().__init__(str(exc))
        self.stage = stage
        self.exc = exc


def describe(stage: str, exc: BaseException) -> dict[str, Any]:
    record = getattr(exc, "record", None)
    if isinstance(record, dict):  # a command-line converter's own error, read from its stderr
        message = str(record.get("message", ""))
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + " …[truncated %d chars]" % (len(message) - MAX_MESSAGE)
        return {"stage": stage, "type": str(record.get("type")), "message": message, "traceback": list(record.get("traceback") or [])}
    tb = traceback.extract_tb(exc.__traceback__)
    frames = ["%s:%d in %s" % (f.filename, f.lineno or 0, f.name) for f in tb[-MAX_FRAMES:]]
    message = str(exc)
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + " …[truncated %d chars]" % (len(message) - MAX_MESSAGE)
    return {
        "stage": stage,
        "type": "%s.%s" % (type(exc).__module__, type(exc).__qualname__)
        if type(exc).__module__ not in ("builtins", "__main__")
        else type(exc).__qualname__,
        "message": message,
        "traceback": frames,
    }
