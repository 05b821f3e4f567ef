"""Why each delivered object was flushed: the stream's buffering hints held against what landed (`make watch`).

Firehose delivers a buffer when it holds SizeInMBs or when IntervalInSeconds have passed, "the first buffer
condition that is satisfied triggers Firehose to deliver the data" (Amazon Data Firehose developer guide,
*Buffering hints*). Both hints apply to the data before compression, and a stream that scaled buffers in parallel
channels, each delivering smaller objects (AWS re:Post knowledge center, *Why does Firehose create multiple small
files in Amazon S3?*). So an object that holds the size hint was flushed by size; a smaller one that came at least
an interval after the one before was flushed by the interval; a smaller one that came sooner was neither: a
parallel channel, or a stream being stopped.

With dynamic partitioning "a new buffer is created for each active partition" and each is delivered "once the
buffering size or interval are met separately for each partition" (*Buffer data for dynamic partitioning*): an
object is then timed against the one before in its own partition, the prefix Firehose evaluated for it. A converted
object's size is its rows written back as the JSON lines Firehose received, an estimate: the hints count what came
in, not the Parquet that went out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from labctl.delivered import event_time, read_object
from labctl.i18n import N_, _, number
from producer.events import utc_timestamp

MIB = 1024 * 1024

# Why an object was flushed, as `make watch` names it (translated where it is shown: `_(reason)`).
SIZE = N_("size hint")
INTERVAL = N_("interval")
EARLY = N_("early")
# Each reason as `make watch` sums it up: (how it was flushed, what that means).
REASONS = {
    SIZE: (N_("flushed by the size hint"), N_("the buffer reached the size hint")),
    INTERVAL: (N_("flushed by the interval"), N_("the interval passed before the buffer filled")),
    EARLY: (N_("flushed early"), N_("neither: a parallel buffer of a scaled stream, or a stop")),
}

# Slack for measurement: S3's LastModified has one-second precision and the producer lingers before it sends,
# so an interval flush can look a little early (by a share of the interval, and by at least that second, which
# matters on an emulator's scaled clock); a size flush holds the hint or slightly less (records are whole).
INTERVAL_SHARE = 0.8
LAST_MODIFIED_RESOLUTION_SECONDS = 1.0
SIZE_SHARE = 0.9


@dataclass(frozen=True)
class BufferingHints:
    """A stream's S3 buffering hints; `interval` in real seconds (an emulator may run its buffer clock faster)."""

    size_bytes: int
    interval_seconds: float
    clock_scale: float = 1.0
    per_partition: bool = False  # dynamic partitioning: one buffer per evaluated prefix

    @classmethod
    def of_stream(cls, description: dict, clock_scale: float = 1.0) -> BufferingHints:
        """From DescribeDeliveryStream's DeliveryStreamDescription (service defaults: 5 MiB, 300 s)."""
        destination = description["Destinations"][0]
        s3 = destination.get("ExtendedS3DestinationDescription") or destination.get("S3DestinationDescription") or {}
        hints = s3.get("BufferingHints") or {}
        return cls(
            size_bytes=int(hints.get("SizeInMBs", 5)) * MIB,
            interval_seconds=int(hints.get("IntervalInSeconds", 300)) * clock_scale,
            clock_scale=clock_scale,
            per_partition=bool((s3.get("DynamicPartitioningConfiguration") or {}).get("Enabled")),
        )

    def buffer_of(self, key: str) -> str:
        """Which of the stream's buffers delivered the object `key`: its prefix when partitioned, else the one."""
        return key.rpartition("/")[0] if self.per_partition else ""


@dataclass
class Delivery:
    """One object Firehose delivered, as read back from the bucket."""

    key: str
    landed_at: float  # LastModified, epoch seconds
    stored_bytes: int
    data_bytes: int | None  # what Firehose buffered (before compression); None if unreadable
    events: int  # JSON objects, one per line (or Parquet rows)
    foreign_lines: int  # lines that are not a JSON object: a record sent without its newline, or not JSON at all
    first_event_at: float | None = None
    last_event_at: float | None = None
    waited: float | None = None  # seconds since the previous delivery (or since its oldest event)
    reason: str = INTERVAL
    data_bytes_estimated: bool = False  # converted (Parquet): data_bytes is its rows as JSON lines

    @property
    def arrival_rate(self) -> float | None:
        """Events a second into this object's buffer: its events over the time the buffer was open (`waited`). What
        Firehose received, not when the events were made: a packed record brings many events at once."""
        return self.events / self.waited if self.waited else None


def read_delivery(key: str, landed_at: float, body: bytes) -> Delivery:
    """Count the events and the lines that are not events of one delivered object, and their time span."""
    delivered = read_object(body)
    rows, foreign, data_bytes = delivered.rows, delivered.foreign_lines, delivered.data_bytes
    converted = data_bytes is None and bool(rows)
    if converted:
        data_bytes = sum(len(json.dumps(row, separators=(",", ":"), default=_as_json)) + 1 for row in rows)
    times = sorted(t.timestamp() for t in map(_time_of, rows) if t is not None)
    return Delivery(
        key=key,
        landed_at=landed_at,
        stored_bytes=len(body),
        data_bytes=data_bytes,
        events=len(rows),
        foreign_lines=foreign,
        first_event_at=times[0] if times else None,
        last_event_at=times[-1] if times else None,
        data_bytes_estimated=converted,
    )


def _as_json(value: object) -> str:
    """A Parquet value JSON has no type for, as the producer wrote it (a timestamp as its event_time text)."""
    if isinstance(value, datetime):
        return utc_timestamp(value if value.tzinfo else value.replace(tzinfo=UTC))
    return str(value)


def _time_of(row: dict) -> datetime | None:
    try:
        return event_time(row)
    except (KeyError, TypeError, ValueError):
        return None


def flush_reason(data_bytes: int | None, waited: float | None, hints: BufferingHints) -> str:
    """SIZE, INTERVAL or EARLY for an object of `data_bytes` (None: unknown) that came `waited` s after the last."""
    if data_bytes is not None and data_bytes >= hints.size_bytes:
        return SIZE
    slack = max((1 - INTERVAL_SHARE) * hints.interval_seconds, LAST_MODIFIED_RESOLUTION_SECONDS)
    if waited is None or waited >= hints.interval_seconds - slack:
        return INTERVAL
    if data_bytes is not None and data_bytes >= SIZE_SHARE * hints.size_bytes:
        return SIZE
    return EARLY  # of an unknown size, a size flush cannot be told either


def classify(delivery: Delivery, previous_landed_at: float | None, hints: BufferingHints) -> Delivery:
    """Set how long the buffer waited and why it was flushed. Without an earlier object, the buffer opened with
    the object's oldest event."""
    if previous_landed_at is not None:
        delivery.waited = max(0.0, delivery.landed_at - previous_landed_at)
    elif delivery.first_event_at is not None:
        delivery.waited = max(0.0, delivery.landed_at - delivery.first_event_at)
    delivery.reason = flush_reason(delivery.data_bytes, delivery.waited, hints)
    return delivery


def why(delivery: Delivery, hints: BufferingHints) -> str:
    """The numbers behind the reason: how full the buffer was, and after how long."""
    if delivery.data_bytes is None:
        size = "?"
    elif delivery.data_bytes_estimated:
        size = _("~{size} as JSON").format(size=human_bytes(delivery.data_bytes))
    else:
        size = human_bytes(delivery.data_bytes)
    waited = seconds(delivery.waited) if delivery.waited is not None else "?"
    return _("{size} of {hint} in {waited}").format(size=size, hint=human_bytes(hints.size_bytes), waited=waited)


@dataclass(frozen=True)
class NextFlush:
    """When the next object should land: `in_seconds` (<= 0: due now), and which hint will trigger it."""

    in_seconds: float
    reason: str
    bytes_per_second: float | None


def next_flush(last: Delivery, now: float, hints: BufferingHints) -> NextFlush:
    """From the data rate into the last object: the size hint fills at that rate, or the interval passes first."""
    rate = None
    if last.data_bytes and last.waited:
        rate = last.data_bytes / last.waited
    fill = hints.size_bytes / rate if rate else math.inf
    if fill < hints.interval_seconds:
        return NextFlush(last.landed_at + fill - now, SIZE, rate)
    return NextFlush(last.landed_at + hints.interval_seconds - now, INTERVAL, rate)


BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float], top: float | None = None) -> str:
    """One character per value, its height against `top` (default: the largest)."""
    if not values:
        return ""
    top = top or max(values) or 1.0
    return "".join(BARS[min(len(BARS) - 1, max(0, round((len(BARS) - 1) * value / top)))] for value in values)


def human_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{number(count, '.0f')} {unit}" if unit == "B" else f"{number(count, '.1f')} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def seconds(value: float) -> str:
    return f"{number(value, '.0f')} s" if value >= 100 else f"{number(value, '.1f')} s"
