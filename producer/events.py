"""Where events come from: generated sample events, or lines of an input file.

Both sources yield `None` while they wait for data, so the sender can still
deliver what it holds (a slow source must not hold events back), and both
stop when the `stop` event is set.
"""

from __future__ import annotations

import os
import random
import re
import select
import stat
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import BinaryIO, NamedTuple

from producer.batching import AGGREGATE_RECORD_BYTES, MAX_RECORD_BYTES
from producer.schema import TICKER_SYMBOLS, event_line

TICK_SECONDS = 0.2
"""Longest a source waits before yielding control (a tick) to the sender."""

READ_SPOOL_BYTES = 1 << 20
"""Read size while spooling an oversized event to disk."""

# Each ticker of the event contract (schema.TICKER_SYMBOLS) with the price its sample trades start from.
_BASE_PRICES = {
    "AMZN": 185.0,
    "AAPL": 225.0,
    "MSFT": 420.0,
    "GOOG": 165.0,
    "INTC": 22.0,
    "NVDA": 120.0,
    "TSLA": 250.0,
    "ORCL": 140.0,
}
_TICKERS = tuple((symbol, _BASE_PRICES[symbol]) for symbol in TICKER_SYMBOLS)
_EXCHANGES = ("NASDAQ", "NYSE")


class Block(NamedTuple):
    """Whole newline-terminated, non-blank events, together at most one record."""

    data: bytes
    events: int


class Oversized(NamedTuple):
    """An input line too large for a Firehose record, spooled to disk so it
    costs no memory; `spool` holds it byte for byte, newline-terminated."""

    spool: BinaryIO
    size: int
    line: int


def sample_events(
    producer_id: str,
    *,
    rate: float = 0.0,
    count: int | None = None,
    duration: float | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
    seed: int | None = None,
) -> Iterator[bytes | None]:
    """Yield realistic JSON trade events, one per line, `rate` per second
    (0 = as fast as possible), until `count` events or `duration` seconds.

    Each event carries its time, a unique id, the producer id and a per-run
    sequence number (so gaps are visible downstream), plus fields worth a query.
    A `seed` draws the same tickers, prices and quantities (so the same sizes) every run.
    """
    stop = stop or threading.Event()
    rng = random.Random(seed)
    start = clock()
    end = None if duration is None else start + duration
    seq = 0
    while not stop.is_set() and (count is None or seq < count):
        now = clock()
        if end is not None and now >= end:
            return
        if rate and now < start + seq / rate:
            stop.wait(min(start + seq / rate - now, TICK_SECONDS))
            yield None
            continue
        symbol, base = _TICKERS[rng.randrange(len(_TICKERS))]
        yield event_line(
            event_time=utc_timestamp(),
            event_id=str(uuid.uuid4()),
            producer_id=producer_id,
            seq=seq,
            ticker=symbol,
            exchange=_EXCHANGES[rng.randrange(2)],
            side="buy" if rng.random() < 0.5 else "sell",
            price=round(base * (0.9 + rng.random() * 0.2), 2),
            quantity=rng.randrange(1, 1000),
        )
        seq += 1


def utc_timestamp(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with milliseconds and a Z, the event_time format the table's timestamp column reads."""
    return (moment or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class InputReader:
    """Stream an input file or pipe as events, with bounded memory.

    Every non-blank line is one event, kept byte for byte with its newline (one
    is added to a last line that has none). Whole lines are handed out in
    blocks of at most `block_bytes`; a line too large for a Firehose record
    comes out as `Oversized`. `offset` and `line` say where reading got to:
    every line before was handed out (or skipped as blank), none after.
    """

    def __init__(
        self,
        raw: BinaryIO,
        *,
        stop: threading.Event | None = None,
        block_bytes: int = AGGREGATE_RECORD_BYTES,
        max_record_bytes: int = MAX_RECORD_BYTES,
        offset: int = 0,
        line: int = 1,
    ) -> None:
        self._raw = raw
        self._stop = stop or threading.Event()
        self._block = block_bytes
        self._max = max_record_bytes
        self._fd = _pollable_fd(raw)
        self.offset = offset
        """Input bytes handed out as events or skipped as blank lines (`raw` starts at `offset`)."""
        self.line = line
        """Number of the first line not handed out yet."""
        self.finished = False
        """True once the input was read to its end."""

    def __iter__(self) -> Iterator[Block | Oversized | None]:
        buf = b""
        spool: BinaryIO | None = None
        while not self._stop.is_set():
            if self._fd is not None and not select.select([self._fd], [], [], TICK_SECONDS)[0]:
                yield None
                continue
            if spool is not None:
                want = READ_SPOOL_BYTES
            elif len(buf) < self._block:
                want = self._block - len(buf)
            else:
                want = self._max - len(buf)
            data = self._raw.read(want)
            if not data:
                if spool is not None:
                    yield self._oversized(spool, b"", b"\n")
                elif buf:
                    yield from self._take(buf + b"\n", len(buf))
                self.finished = True
                return
            if spool is not None:
                end = data.find(b"\n")
                if end < 0:
                    spool.write(data)
                    continue
                yield self._oversized(spool, data[: end + 1], b"")
                spool = None
                buf = data[end + 1 :]
            else:
                buf += data
            while True:
                cut = buf.rfind(b"\n", 0, self._block)
                if cut < 0:
                    # The first line is longer than a block; take it alone.
                    cut = buf.find(b"\n")
                    if cut < 0:
                        break
                    if cut >= self._max:
                        yield self._oversized(tempfile.TemporaryFile(), buf[: cut + 1], b"")
                        buf = buf[cut + 1 :]
                        continue
                yield from self._take(buf[: cut + 1], cut + 1)
                buf = buf[cut + 1 :]
            if len(buf) >= self._max:
                spool = tempfile.TemporaryFile()
                spool.write(buf)
                buf = b""

    def _take(self, lines: bytes, consumed: int) -> Iterator[Block]:
        """Hand out whole lines (at most one record's worth), minus blank ones."""
        events = lines
        count = lines.count(b"\n")
        self.offset += consumed
        self.line += count
        if lines[:1].isspace() or _BLANK_LINE_HINT.search(lines):
            events = b"".join(line + b"\n" for line in lines.split(b"\n")[:-1] if line.strip())
            count = events.count(b"\n")
        if count:
            yield Block(events, count)

    def _oversized(self, spool: BinaryIO, tail: bytes, newline: bytes) -> Oversized:
        spool.write(tail + newline)
        size = spool.tell()
        spool.seek(0)
        item = Oversized(spool, size, self.line)
        self.offset += size - len(newline)
        self.line += 1
        return item


_BLANK_LINE_HINT = re.compile(rb"\n[\n\r \t\x0b\x0c]")
"""Found in any block with a blank line after its first (or a false alarm: an
indented line), so the common case costs one fast scan."""


def _pollable_fd(raw: BinaryIO) -> int | None:
    """The descriptor to wait on, for inputs whose reads can block (pipes,
    terminals); None for regular files and objects without one."""
    try:
        fd = raw.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return None if stat.S_ISREG(os.fstat(fd).st_mode) else fd


def open_input(path: str) -> BinaryIO:
    """Open `path` ("-" = standard input) unbuffered: reads go straight to the
    OS, so waiting on the descriptor never misses data held in a buffer."""
    if path == "-":
        return open(os.dup(0), "rb", buffering=0)
    return open(path, "rb", buffering=0)
