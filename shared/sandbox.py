"""Run a parse of untrusted input where it cannot starve the service: a child process with
hard limits on CPU time, address space and wall-clock time, at a lower scheduling priority.

Why a process and not a thread: a parser stuck in C code (pypdf's content-stream loop,
ElementTree on millions of elements) cannot be interrupted from Python, holds the GIL for long
stretches and keeps the memory it took. A child process is killed at its budget and gives its
memory back to the system when it ends.

The child is a fresh interpreter (subprocess, no fork of the threaded service, no re-import of
the service's main module as multiprocessing would do). It gets the call as a pickle on stdin
(we wrote it) and answers in JSON on stdout (it parsed hostile input, so its answer is read as
data only, never unpickled). Only the exception classes the caller names cross back.

At most `MAX_CONCURRENT` children run at once; further callers wait for a slot, so six
hostile uploads at once occupy at most that many cores (each for at most its budget).
"""
from __future__ import annotations

import importlib
import json
import math
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["LimitExceeded", "MAX_CONCURRENT", "run_limited"]

T = TypeVar("T")
MAX_CONCURRENT = 2

_slots = threading.BoundedSemaphore(MAX_CONCURRENT)
#: This thread's last run: {"peak_rss_bytes": the child's own peak (VmHWM), or None}.
last_run = threading.local()
_BOOTSTRAP = ("import pickle, sys; call = pickle.load(sys.stdin.buffer); sys.path[:0] = call['path']; "
              "from shared.sandbox import _child_main; _child_main(call)")


class LimitExceeded(Exception):
    """The child used up its CPU, memory or time budget (`what`: "cpu", "memory", "time"),
    ended without an answer ("crashed"), or no slot came free in time ("busy")."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def _address_space() -> int:
    """This process's current virtual size in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _peak_rss() -> int | None:
    """This process's peak resident size since exec (ru_maxrss would include the forked parent's)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _child_main(call: dict) -> None:
    """In the child: limits first, then the call; one JSON line on stdout."""
    import resource

    try:
        os.nice(10)  # the service's own processes come first
    except OSError:
        pass
    cpu = max(1, math.ceil(call["cpu_seconds"]))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU, then SIGKILL a second later
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing the call prints can be taken for the answer
    try:
        module = importlib.import_module(call["module"])
        for name in call.get("preload", ()):
            importlib.import_module(name)
        if call["memory_bytes"]:
            # On top of what the interpreter and the imported modules already map.
            limit = _address_space() + call["memory_bytes"]
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        answer = {"status": "ok", "value": getattr(module, call["function"])(*call["args"])}
    except MemoryError:
        answer = {"status": "memory"}
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        names = call.get("errors", ())
        qualified = f"{type(exc).__module__}.{type(exc).__qualname__}"
        if qualified in names:
            answer = {"status": "raised", "type": qualified, "args": [str(a) for a in exc.args]}
        else:
            answer = {"status": "crashed", "type": type(exc).__name__}
    answer["peak_rss_bytes"] = _peak_rss()
    try:
        text = json.dumps(answer)
    except (TypeError, ValueError, MemoryError):
        text = json.dumps({"status": "crashed", "type": "unserialisable result"})
    out.write(text)
    out.flush()


def run_limited(fn: Callable[..., T], *args: Any, cpu_seconds: float, wall_seconds: float,
                memory_bytes: int | None = None, errors: tuple[type[Exception], ...] = (),
                preload: tuple[str, ...] = ()) -> T:
    """``fn(*args)`` in a child process; its (JSON-able) result, or one of `errors` re-raised
    here with the same (string) arguments.

    `fn` must be a module-level function and `args` must pickle. Raises LimitExceeded when the
    child runs out of CPU time (RLIMIT_CPU), address space (RLIMIT_AS: `memory_bytes` more than
    it has after importing `fn`'s module and `preload`), `wall_seconds` (then it is killed) or
    fails otherwise.
    """
    deadline = time.monotonic() + wall_seconds
    last_run.peak_rss_bytes = None
    if not _slots.acquire(timeout=wall_seconds):
        raise LimitExceeded("busy")  # every slot taken for a whole budget: the server is overloaded
    try:
        classes = {f"{c.__module__}.{c.__qualname__}": c for c in errors}
        call = pickle.dumps({"path": [p or os.getcwd() for p in sys.path],
                             "module": fn.__module__, "function": fn.__name__,
                             "args": args, "cpu_seconds": cpu_seconds, "memory_bytes": memory_bytes,
                             "errors": list(classes), "preload": list(preload)})
        process = subprocess.Popen([sys.executable, "-c", _BOOTSTRAP], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
        try:
            stdout, _ = process.communicate(call, timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise LimitExceeded("time") from None
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    finally:
        _slots.release()
    if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise LimitExceeded("cpu")
    try:
        answer = json.loads(stdout)
    except ValueError:
        raise LimitExceeded("crashed") from None
    last_run.peak_rss_bytes = answer.get("peak_rss_bytes")
    status = answer.get("status")
    if status == "ok":
        return answer["value"]
    if status == "memory":
        raise LimitExceeded("memory")
    if status == "raised" and answer.get("type") in classes:
        raise classes[answer["type"]](*answer.get("args", []))
    raise LimitExceeded("crashed")
