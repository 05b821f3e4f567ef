"""Firehose's size limits, and packing events into records and records into calls.

Firehose bills ingestion per record rounded up to 5 KB, so a 100-byte event
sent alone costs 50 times its size. Packing whole newline-terminated events into
one record changes nothing in S3 (Firehose concatenates records with no
delimiter) and makes the rounding negligible.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BATCH_RECORDS = 500
"""PutRecordBatch: at most 500 records per call."""

MAX_BATCH_BYTES = 4 * 1024 * 1024
"""PutRecordBatch: at most 4 MiB of record data per call."""

MAX_RECORD_BYTES = 1000 * 1024
"""At most 1,000 KiB per record (before base64)."""

AGGREGATE_RECORD_BYTES = 1_000_000
"""Packed record size: 200 billing units wide, and four of them fill a call
while staying under 4 MB even if "4 MB" were read as decimal megabytes."""

BILLING_UNIT_BYTES = 5 * 1024
"""Firehose rounds each record up to a multiple of 5 KB for billing."""


Record = tuple[bytes, int]
"""One Firehose record: (whole newline-terminated events, how many). A plain
tuple: with one event per record there are 100,000s of them a second."""

LINGER_SHARE = 1 / 20
"""Held events may wait up to this share of the stream's buffer interval..."""

LINGER_CAP_SECONDS = 3.0
"""...and never longer than this."""


@dataclass(frozen=True)
class Linger:
    """How long held events wait before they are sent: at least `least` seconds (to pack
    them), then, packed, until their record fills its last 5 KB billing granule, but never
    more than `most` seconds. At a low rate the record grows to 5 KB instead of being billed
    as 5 KB while holding 1 KB; the stream itself holds data for its whole buffer interval,
    so a few seconds here change little in when it lands."""

    least: float = 0.5
    most: float = 0.5

    @classmethod
    def for_stream(cls, least: float, buffer_seconds: float | None) -> Linger:
        """`least`, stretched up to a twentieth of the stream's buffer interval (3 s at most)."""
        if buffer_seconds is None:
            return cls(least, least)
        return cls(least, max(least, min(buffer_seconds * LINGER_SHARE, LINGER_CAP_SECONDS)))


def billed_bytes(sizes: list[int]) -> int:
    """Bytes Firehose bills for records of these sizes (none empty)."""
    unit = BILLING_UNIT_BYTES
    if max(sizes, default=0) <= unit:
        return unit * len(sizes)
    return sum(-(-size // unit) * unit for size in sizes)


class Batcher:
    """Packs whole events into records and records into PutRecordBatch calls.

    Every input is one or more whole newline-terminated events that fit one
    record. Events keep their order; an event is never split. With
    `aggregate=False` each event becomes its own record.
    """

    def __init__(
        self,
        *,
        aggregate: bool = True,
        record_bytes: int = AGGREGATE_RECORD_BYTES,
        batch_records: int = MAX_BATCH_RECORDS,
        batch_bytes: int = MAX_BATCH_BYTES,
        linger: Linger = Linger(),
    ) -> None:
        self._aggregate = aggregate
        self._linger = linger
        self._record_bytes = record_bytes
        self._batch_records = batch_records
        self._batch_bytes = batch_bytes
        self._parts: list[bytes] = []
        self._parts_size = 0
        self._parts_events = 0
        self._parts_since = 0.0
        self._records: list[Record] = []
        self._records_size = 0
        self._records_since = 0.0

    @property
    def since(self) -> float | None:
        """When the oldest event held here arrived (caller's clock), or None."""
        if self._records:
            return self._records_since
        return self._parts_since if self._parts else None

    def due(self, now: float) -> bool:
        """Whether what is held has lingered long enough to be sent now (see `Linger`)."""
        since = self.since
        if since is None:
            return False
        waited = now - since
        if waited >= self._linger.most:
            return True
        # Past `least`, only a record still filling its billing granule keeps waiting.
        return waited >= self._linger.least and not (self._aggregate and self._parts and not self._records)

    def add(self, data: bytes, events: int, now: float) -> list[list[Record]]:
        """Take `events` whole events that arrived at `now`; return the calls this filled."""
        done: list[list[Record]] = []
        if (
            self._parts
            and now - self._parts_since >= self._linger.least
            and -(-(self._parts_size + len(data)) // BILLING_UNIT_BYTES) > -(-self._parts_size // BILLING_UNIT_BYTES)
        ):
            # The held record has lingered and fills its last billing granule: it goes now.
            self._close_record(done)
            if self._records:
                self._emit(done)
        if not self._aggregate:
            if events == 1:
                self._add_record((data, 1), now, done)
            elif b"\r" in data:  # splitlines() would also split at a bare \r
                self._add_singles([line + b"\n" for line in data.split(b"\n")[:-1]], now, done)
            else:
                self._add_singles(data.splitlines(keepends=True), now, done)
        else:
            if self._parts_size + len(data) > self._record_bytes:
                self._close_record(done)
            if len(data) >= self._record_bytes:
                self._add_record((data, events), now, done)
            else:
                if not self._parts:
                    self._parts_since = now
                self._parts.append(data)
                self._parts_size += len(data)
                self._parts_events += events
        return done

    def flush(self) -> list[list[Record]]:
        """Return everything held, as calls, however little."""
        done: list[list[Record]] = []
        self._close_record(done)
        if self._records:
            self._emit(done)
        return done

    def _close_record(self, done: list[list[Record]]) -> None:
        if self._parts:
            parts = self._parts
            record = (parts[0] if len(parts) == 1 else b"".join(parts), self._parts_events)
            self._parts = []
            self._parts_size = 0
            self._parts_events = 0
            self._add_record(record, self._parts_since, done)

    def _add_record(self, record: Record, since: float, done: list[list[Record]]) -> None:
        size = len(record[0])
        if self._records and self._records_size + size > self._batch_bytes:
            self._emit(done)
        if not self._records:
            self._records_since = since
        self._records.append(record)
        self._records_size += size
        # A call that cannot take one more full record goes now, not later.
        if len(self._records) >= self._batch_records or (
            self._aggregate and self._records_size + self._record_bytes > self._batch_bytes
        ):
            self._emit(done)

    def _add_singles(self, lines: list[bytes], now: float, done: list[list[Record]]) -> None:
        """`_add_record` for many one-event records, inlined: the hot loop of
        --no-aggregate."""
        records, size = self._records, self._records_size
        if not records:
            self._records_since = now
        max_records, max_bytes = self._batch_records, self._batch_bytes
        for line in lines:
            n = len(line)
            if records and size + n > max_bytes:
                done.append(records)
                records, size = [], 0
            records.append((line, 1))
            size += n
            if len(records) >= max_records:
                done.append(records)
                records, size = [], 0
        if records is not self._records:
            self._records_since = now
        self._records, self._records_size = records, size

    def _emit(self, done: list[list[Record]]) -> None:
        done.append(self._records)
        self._records = []
        self._records_size = 0
