"""Plain words for what the commands print."""

from __future__ import annotations


def counted(n: int, noun: str) -> str:
    """`1 event`, `2 events`, `1,000 events`: a count with its noun, singular when it is one."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
