"""`make lab-local` as a test runs it: its own process, its lines read as they come, never waited on for ever."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading

from labctl.toolkit import ROOT


def lab_local(*args: str, cwd, **env: str) -> subprocess.Popen:
    """`make lab-local` run from `cwd` (where it writes its env file), without the caller's AWS settings."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))},
        "PYTHONPATH": str(ROOT),
        **env,
    }
    run = subprocess.Popen(
        [sys.executable, "-m", "rehearsal.lab_local", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,  # it prints to stderr
        stderr=subprocess.PIPE,
        text=True,
    )
    run.lines = _lines(run.stderr)
    return run


def _lines(stream) -> queue.Queue:
    """The stream's lines as they come, then None: a reader thread, so a test can wait for one with a deadline."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def read_until(run: subprocess.Popen, text: str, timeout: float = 600.0) -> str:
    """Its stderr up to the first line holding `text`; AssertionError if it ends first or `timeout` passes (a guard
    against a hang, not a measurement)."""
    seen = []
    while True:
        try:
            line = run.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {text!r} within {timeout:g}s:\n{''.join(seen)}") from None
        if line is None:
            raise AssertionError(f"lab-local ended before printing {text!r}:\n{''.join(seen)}")
        seen.append(line)
        if text in line:
            return "".join(seen)


def rest(run: subprocess.Popen, timeout: float = 120.0) -> str:
    """Its remaining stderr once it has ended (waited for up to `timeout`)."""
    run.wait(timeout=timeout)
    seen = []
    while (line := run.lines.get(timeout=timeout)) is not None:
        seen.append(line)
    return "".join(seen)
