"""Processes still alive after a test: what a clean stop must leave none of."""

from __future__ import annotations

import os


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
