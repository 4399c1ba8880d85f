"""The zygote: one process that prepares a worker once (imports torch, the exporter, the model
libraries; warm-up export) and then forks converter workers on request, so that every worker
shares the zygote's pages copy-on-write instead of loading its own copy (docs/performance.md).

Control channel with convgate (src/convert/zygote.ts): requests as JSON lines on stdin, replies
as JSON lines on fd 3, read and written with raw os calls (no Python file object the forked
child could inherit half-read). Requests: `{"type": "fork", "token": T, "socket": PATH}`.
Replies: `zygote-ready`, `forked` {token, pid}, `exited` {pid, code, signal}, `fatal`.

A forked worker:
- leaves the zygote's session (setsid): its own process group and session, so convgate's kills
  take its whole tree, as for a spawned worker;
- connects twice to convgate's unix socket PATH, sending `{"token": T, "role": ...}` first:
  `protocol` becomes its stdin (requests) and fd 3 (replies), `output` its stdout and stderr --
  the same channel as a spawned worker (protocol.py), so main.serve runs unchanged;
- dies with convgate: fd 4 is the read end of a "lifeline" pipe whose write end only convgate
  holds; a thread blocks reading it and kills the worker's group on end-of-file. It does not
  depend on the zygote: if the zygote dies, running workers finish their cases.
The zygote itself runs no compute after its warm-up, which ran single-threaded (main.warm_up).
"""
from __future__ import annotations

import argparse
import json
import os
import select
import signal
import socket
import sys
import threading
import traceback
from typing import Any

from . import main

CONTROL_IN = 0
CONTROL_OUT = 3
LIFELINE = 4


def send(message: dict[str, Any]) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(CONTROL_OUT, data):]


def serve(args: argparse.Namespace) -> int:
    try:
        prepared = main.prepare(args, zygote=True)
    except BaseException as exc:  # noqa: BLE001
        send(main.fatal_message(exc))
        return 3
    import gc

    gc.collect()
    gc.freeze()  # nothing of the zygote's is ever collected in a worker: its pages stay shared
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    send({"type": "zygote-ready", "pid": os.getpid(), "threads": len(os.listdir("/proc/self/task"))})
    pending = b""
    while True:
        try:
            readable, _, _ = select.select([CONTROL_IN, wake_r], [], [])
        except InterruptedError:
            continue
        if wake_r in readable:
            os.read(wake_r, 4096)
            reap()
        if CONTROL_IN in readable:
            chunk = os.read(CONTROL_IN, 65536)
            if not chunk:
                return 0
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if line.strip() and handle(json.loads(line), args, prepared, (wake_r, wake_w)):
                    return 0


def handle(request: dict[str, Any], args: argparse.Namespace, prepared: main.Prepared, wake: tuple[int, int]) -> bool:
    """True when the zygote should stop."""
    kind = request.get("type")
    if kind == "shutdown":
        return True
    if kind != "fork":
        send({"type": "protocol-error", "message": "unknown request type %r" % kind})
        return False
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            code = child(request, args, prepared, wake)
        except BaseException:  # noqa: BLE001 -- whatever happens, never return into the zygote's loop
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:  # noqa: BLE001
                    pass
            os._exit(code)
    send({"type": "forked", "token": request.get("token"), "pid": pid})
    return False


def reap() -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        send({
            "type": "exited",
            "pid": pid,
            "code": code if code >= 0 else None,
            "signal": signal.Signals(-code).name if code < 0 else None,
        })


def _connect(path: str, token: str, role: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall((json.dumps({"token": token, "role": role}) + "\n").encode())
    return s


def _lifeline() -> None:
    """Blocks until convgate is gone (end-of-file on the lifeline), then kills this worker's group."""
    try:
        while os.read(LIFELINE, 1):
            pass
    except OSError:
        pass
    os.killpg(os.getpid(), signal.SIGKILL)


def child(request: dict[str, Any], args: argparse.Namespace, prepared: main.Prepared, wake: tuple[int, int]) -> int:
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in wake:
        os.close(fd)
    os.setsid()
    token, path = str(request["token"]), str(request["socket"])
    protocol = _connect(path, token, "protocol")
    output = _connect(path, token, "output")
    os.dup2(output.fileno(), 1)
    os.dup2(output.fileno(), 2)
    os.dup2(protocol.fileno(), 0)
    os.dup2(protocol.fileno(), 3)
    protocol.close()
    output.close()
    sys.stdin = open(0, "r", encoding="utf-8", closefd=False)  # noqa: SIM115 -- lives as long as the worker
    threading.Thread(target=_lifeline, name="convgate-lifeline", daemon=True).start()
    converter, entry, recorder, ready = prepared
    channel = main.Channel()
    ready = dict(ready, pid=os.getpid())
    ready["environment"] = dict(ready["environment"], workerStart="zygote")
    channel.send(ready)
    return main.serve(channel, args, converter, entry, recorder)
