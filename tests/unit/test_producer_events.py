"""Event sources: sample events, and input files or pipes read with bounded memory."""

from __future__ import annotations

import io
import json
import os
import threading
import uuid
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from producer.events import Block, InputReader, Oversized, open_input, sample_events


class Trickle(io.RawIOBase):
    """A raw stream that returns at most `step` bytes per read, like a pipe
    that delivers data in small pieces."""

    def __init__(self, data: bytes, steps: list[int]) -> None:
        self._data = memoryview(data)
        self._steps = steps or [1]
        self._i = 0
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        step = self._steps[self._i % len(self._steps)]
        self._i += 1
        n = min(len(buffer), step, len(self._data) - self._pos)
        buffer[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n


def expected_events(data: bytes) -> list[bytes]:
    """The rule, stated plainly: every line that is not blank is an event,
    newline-terminated (one added to a last line without)."""
    lines = data.split(b"\n")
    events = [line + b"\n" for line in lines[:-1]]
    if lines[-1]:
        events.append(lines[-1] + b"\n")
    return [event for event in events if event.strip()]


def read_all(reader: InputReader) -> tuple[list[bytes], list[bytes]]:
    events, oversized = [], []
    for item in reader:
        if isinstance(item, Block):
            lines = [line + b"\n" for line in item.data.split(b"\n")[:-1]]
            assert len(lines) == item.events
            assert all(line.strip() for line in lines)
            events += lines
        elif isinstance(item, Oversized):
            with item.spool:
                data = item.spool.read()
            assert len(data) == item.size
            oversized.append(data)
            events.append(data)
    return events, oversized


lines = st.one_of(
    st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")),
    st.sampled_from([b"", b" ", b"\t", b"\r", b" \r", b"{}", b"\rx"]),
    st.integers(min_value=14, max_value=30).map(lambda n: b"x" * n),  # around block and record sizes
)


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(lines, max_size=40),
    trailing_newline=st.booleans(),
    steps=st.lists(st.integers(min_value=1, max_value=80), max_size=5),
)
def test_reader_hands_out_every_non_blank_line_byte_for_byte(parts, trailing_newline, steps):
    data = b"\n".join(parts) + (b"\n" if trailing_newline and parts else b"")
    block, limit = 16, 24
    reader = InputReader(Trickle(data, steps), block_bytes=block, max_record_bytes=limit)
    events, oversized = read_all(reader)
    assert events == expected_events(data)
    assert oversized == [e for e in expected_events(data) if len(e) > limit]
    assert reader.finished
    assert reader.offset == len(data)


def test_reader_blocks_fit_a_record_and_oversized_lines_are_spooled(tmp_path):
    path = tmp_path / "in.jsonl"
    big = b"y" * (1000 * 1024) + b"\n"  # one byte over the record limit with its newline
    exact = b"z" * (1000 * 1024 - 1) + b"\n"  # exactly the limit
    small = [f'{{"n":{i}}}\n'.encode() for i in range(200_000)]
    path.write_bytes(b"".join(small[:100_000]) + big + exact + b"".join(small[100_000:]))
    with open_input(str(path)) as raw:
        reader = InputReader(raw)
        blocks = []
        for item in reader:
            if isinstance(item, Oversized):
                with item.spool:
                    assert item.spool.read() == big
                assert item.line == 100_001
            else:
                blocks.append(item)
    assert all(len(b.data) <= 1_000_000 or b.events == 1 for b in blocks)
    assert b"".join(b.data for b in blocks) == b"".join(small[:100_000]) + exact + b"".join(small[100_000:])
    assert reader.line == 200_003


def test_reader_on_a_pipe_ticks_while_waiting_and_stops_on_request():
    read_fd, write_fd = os.pipe()
    stop = threading.Event()
    with open(read_fd, "rb", buffering=0) as raw, open(write_fd, "wb", buffering=0) as writer:
        reader = iter(InputReader(raw, stop=stop))
        writer.write(b"first\npartial")
        assert next(reader) == Block(b"first\n", 1)
        # No complete line: the reader yields ticks instead of blocking.
        assert next(reader) is None
        writer.write(b" line\n")
        item = next(reader)
        while item is None:
            item = next(reader)
        assert item == Block(b"partial line\n", 1)
        writer.write(b"unfinished")
        stop.set()
        assert list(reader) == []


def test_sample_events_are_json_with_the_fields_a_query_needs():
    events = list(sample_events("host-1", count=50, rate=0))
    assert len(events) == 50
    parsed = [json.loads(e) for e in events]
    assert all(e.endswith(b"\n") and e.count(b"\n") == 1 for e in events)
    assert [p["seq"] for p in parsed] == list(range(50))
    assert len({p["event_id"] for p in parsed}) == 50
    for p in parsed:
        uuid.UUID(p["event_id"])
        assert p["producer_id"] == "host-1"
        assert datetime.fromisoformat(p["event_time"].replace("Z", "+00:00")).tzinfo is not None
        assert {"ticker", "exchange", "side", "price", "quantity"} <= p.keys()


def test_sample_events_escape_the_producer_id():
    (event,) = sample_events('a "quoted" \\ id', count=1)
    assert json.loads(event)["producer_id"] == 'a "quoted" \\ id'


def test_sample_events_pace_themselves_on_the_given_clock():
    now = [0.0]
    stop = threading.Event()
    source = sample_events("p", rate=10, stop=stop, clock=lambda: now[0])
    got = [next(source)]  # the first event is due at once
    assert got[0] is not None
    assert next(source) is None  # the next is due at 0.1 s: a tick meanwhile
    now[0] = 0.35
    burst = [next(source) for _ in range(3)]
    assert all(e is not None for e in burst)  # 0.1, 0.2, 0.3 are due
    assert next(source) is None


def test_sample_events_stop_after_duration_or_on_request():
    now = [0.0]
    source = sample_events("p", rate=0, duration=5, clock=lambda: now[0])
    assert next(source) is not None
    now[0] = 5.0
    assert list(source) == []
    stop = threading.Event()
    source = sample_events("p", rate=0, stop=stop)
    assert next(source) is not None
    stop.set()
    assert list(source) == []


def test_sample_events_at_full_speed_never_wait():
    events = list(sample_events("p", count=5_000, rate=0))
    assert len(events) == 5_000 and None not in events
