"""Line-delimited JSON over stdin (requests) and fd 3 (replies)."""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Iterator, TextIO


class Channel:
    def __init__(self, reply_fd: int = 3):
        self._out: TextIO
        try:
            self._out = os.fdopen(reply_fd, "w", buffering=1, encoding="utf-8")
        except OSError:
            # Run by hand without fd 3: fall back to stdout (useful for debugging only).
            self._out = sys.stdout

    def send(self, message: dict[str, Any]) -> None:
        self._out.write(json.dumps(message, allow_nan=False, default=str) + "\n")
        self._out.flush()

    def requests(self) -> Iterator[dict[str, Any]]:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                self.send({"type": "protocol-error", "message": "request is not JSON: %s" % exc})
