"""What the producer tells people: progress lines, the final summary, stats JSON."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any

from producer.i18n import _, ngettext, number
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
        return _("sent {events} events ({rate}/s, {mib} MiB/s), {retries} retries, {failed} failed").format(
            events=number(now.events_sent, ","),
            rate=number(events / seconds, ",.0f"),
            mib=number(size / seconds / MIB, ".2f"),
            retries=number(now.retries, ","),
            failed=number(now.events_failed, ","),
        )


def fatal_line(result: SendResult, stream: str, region: str) -> str | None:
    """The one line that explains a stop no retry could fix."""
    fatal = result.fatal
    if fatal is None:
        return None
    if fatal.kind == STREAM_NOT_FOUND:
        return _(
            "Firehose stream '{stream}' not found in region {region} ({code}: {message}); check --stream and --region"
        ).format(stream=stream, region=region, code=fatal.code, message=fatal.message)
    return _(  # ACCESS
        "AWS refused the credentials or access ({code}: {message}); check the instance role "
        "or the AWS_PROFILE / AWS_ACCESS_KEY_ID in use, and that it may firehose:PutRecordBatch on this stream"
    ).format(code=fatal.code, message=fatal.message)


def summary_lines(result: SendResult, stopped_note: str | None = None) -> list[str]:
    """The closing summary: what was sent, and what was not and why."""
    cost = _(", billed {ratio}x the payload").format(ratio=number(result.billed_ratio, ".2f"))
    # English says "of 1 events" (the guides quote it as printed); Spanish agrees with the count.
    sent = ngettext(
        "sent {sent} of {read} events in {seconds} s ({rate} events/s, {mib} MiB/s)",
        "sent {sent} of {read} events in {seconds} s ({rate} events/s, {mib} MiB/s)",
        result.events_read,
    ).format(
        sent=number(result.events_sent, ","),
        read=number(result.events_read, ","),
        seconds=number(result.elapsed_seconds, ".1f"),
        rate=number(result.events_per_second, ",.0f"),
        mib=number(result.mib_per_second, ".2f"),
    )
    packed = _("{records} in {calls}").format(
        records=ngettext("{count} record", "{count} records", result.records_sent).format(
            count=number(result.records_sent, ",")
        ),
        calls=ngettext("{count} call", "{count} calls", result.calls).format(count=number(result.calls, ",")),
    )
    retries = ngettext("{count} retry", "{count} retries", result.retries).format(count=number(result.retries, ","))
    lines = [f"{sent}; {packed}{cost if result.bytes_sent else ''}; {retries}"]
    if stopped_note:
        lines.append(stopped_note)
    if result.events_failed:
        failed = result.events_failed  # Spanish agrees with it; English has one form for all
        if result.dead_letter and result.dead_lettered == failed:
            where = ngettext(
                "written to {path} (resend with --input {path})",
                "written to {path} (resend with --input {path})",
                failed,
            ).format(path=result.dead_letter)
        elif result.dead_letter:
            where = _("only {count} written to {path}, the rest are lost").format(
                count=number(result.dead_lettered, ","), path=result.dead_letter
            )
        else:
            where = ngettext("lost (no dead-letter file)", "lost (no dead-letter file)", failed)
        lines.append(
            # English says "1 events" here (the guides quote it as printed); Spanish agrees with the count.
            ngettext(
                "NOT DELIVERED: {count} events, {where}:",
                "NOT DELIVERED: {count} events, {where}:",
                result.events_failed,
            ).format(count=number(result.events_failed, ","), where=where)
        )
        for reason, count in sorted(result.failures.items(), key=lambda item: -item[1]):
            lines.append(f"  {number(count, ',')} x {reason}")
    return lines


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
