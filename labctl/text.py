"""Plain words for what the commands print."""

from __future__ import annotations

from labctl.i18n import ngettext, number


def counted(n: int, singular: str, plural: str) -> str:
    """`1 event`, `2 events`, `1,000 events`: a count with its noun, singular when it is one, in the student's
    language. `singular` and `plural` are the English messages with a `{count}` field (`make i18n` extracts them as
    ngettext's)."""
    return ngettext(singular, plural, n).format(count=number(n, ","))
