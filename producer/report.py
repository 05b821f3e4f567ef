"""What the producer tells people: progress lines, the final summary, stats JSON."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any

from producer.results import STREAM_NOT_FOUND, SendResult

MIB = 2**20


class Progress:
    """Formats a progress line with rates over the interval since the last one."""

    def __init__(self) -> None:
        self._last = SendResult()

    def line(self, now: SendResult) -> str:
        seconds = max(now.elapsed_seconds - self._last.elapsed_seconds, 1e-9)
        events = now.events_sent - self._last.events_sent
        size = now.bytes_sent - self._last.bytes_sent
        self._last = now
        return (
            f"sent {now.events_sent:,} events ({events / seconds:,.0f}/s, {size / seconds / MIB:.2f} MiB/s), "
            f"{now.retries:,} retries, {now.events_failed:,} failed"
        )


def fatal_line(result: SendResult, stream: str, region: str) -> str | None:
    """The one line that explains a stop no retry could fix."""
    fatal = result.fatal
    if fatal is None:
        return None
    if fatal.kind == STREAM_NOT_FOUND:
        return (
            f"Firehose stream '{stream}' not found in region {region} ({fatal.code}: {fatal.message}); "
            "check --stream and --region"
        )
    return (  # ACCESS
        f"AWS refused the credentials or access ({fatal.code}: {fatal.message}); check the instance role "
        "or the AWS_PROFILE / AWS_ACCESS_KEY_ID in use, and that it may firehose:PutRecordBatch on this stream"
    )


def summary_lines(result: SendResult, stopped_note: str | None = None) -> list[str]:
    """The closing summary: what was sent, and what was not and why."""
    cost = f", billed {result.billed_ratio:.2f}x the payload" if result.bytes_sent else ""
    lines = [
        f"sent {result.events_sent:,} of {result.events_read:,} events in {result.elapsed_seconds:.1f} s "
        f"({result.events_per_second:,.0f} events/s, {result.mib_per_second:.2f} MiB/s); "
        f"{_count(result.records_sent, 'record')} in {_count(result.calls, 'call')}{cost}; "
        f"{_count(result.retries, 'retry', 'retries')}"
    ]
    if stopped_note:
        lines.append(stopped_note)
    if result.events_failed:
        if result.dead_letter and result.dead_lettered == result.events_failed:
            where = f"written to {result.dead_letter} (resend with --input {result.dead_letter})"
        elif result.dead_letter:
            where = f"only {result.dead_lettered:,} written to {result.dead_letter}, the rest are lost"
        else:
            where = "lost (no dead-letter file)"
        lines.append(f"NOT DELIVERED: {result.events_failed:,} events, {where}:")
        for reason, count in sorted(result.failures.items(), key=lambda item: -item[1]):
            lines.append(f"  {count:,} x {reason}")
    return lines


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def write_stats(path: str, figures: dict[str, Any]) -> None:
    """Replace `path` atomically, so a reader never sees half a file; through a link, its target is replaced.

    A failed write (a full disk) removes its temporary file and raises OSError.
    """
    path = os.path.realpath(path)
    out = tempfile.NamedTemporaryFile("w", dir=os.path.dirname(path), prefix=".stats-", suffix=".json", delete=False)
    try:
        with out:
            json.dump(figures, out, indent=2, sort_keys=True)
            out.write("\n")
        os.chmod(out.name, 0o644)
        os.replace(out.name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out.name)
        raise
