"""Processes still alive after a test: what a clean stop, or the death of their parent, must leave none of."""

from __future__ import annotations

import os
import time
from pathlib import Path


def processes_mentioning(text: str) -> list:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if text.encode() in handle.read():
                    found.append(pid)
        except OSError:
            continue
    return found


def processes_with_environment(name: str, value: str) -> list:
    """Living processes whose environment holds name=value: every descendant of a process started with it (they
    inherit it), wherever they were reparented to. A zombie's environment is empty, so the dead are not listed."""
    entry = f"{name}={value}".encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                if entry in handle.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            continue
    return found


def describe(pid: str) -> str:
    """A process as `ps` would show it: pid, parent, process group, command line."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return f"{pid} (gone)"
    return f"{pid} state={stat[0]} ppid={stat[1]} pgid={stat[2]}: {cmdline[:300]}"


def survivors(name: str, value: str, timeout: float = 10.0) -> list:
    """The processes carrying name=value that are still alive once `timeout` seconds have passed, described; [] as
    soon as none is (the deadline bounds a test that would otherwise hang, it measures nothing)."""
    deadline = time.monotonic() + timeout
    while processes_with_environment(name, value) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [describe(pid) for pid in processes_with_environment(name, value)]
