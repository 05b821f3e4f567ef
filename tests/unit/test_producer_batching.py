"""Firehose limits and packing: no call or record ever exceeds a limit, and
packing never splits, drops or reorders an event (property tests)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from producer.batching import (
    AGGREGATE_RECORD_BYTES,
    BILLING_UNIT_BYTES,
    MAX_BATCH_BYTES,
    MAX_BATCH_RECORDS,
    MAX_RECORD_BYTES,
    Batcher,
    Linger,
    billed_bytes,
)


def test_limits_are_firehoses():
    assert MAX_BATCH_RECORDS == 500
    assert MAX_BATCH_BYTES == 4 * 1024 * 1024
    assert MAX_RECORD_BYTES == 1000 * 1024
    # Four packed records fill a call under 4 MiB, and under 4,000,000 bytes too.
    assert 4 * AGGREGATE_RECORD_BYTES <= 4_000_000 < MAX_BATCH_BYTES
    assert AGGREGATE_RECORD_BYTES <= MAX_RECORD_BYTES


def test_billing_rounds_each_record_up_to_5_kb():
    assert BILLING_UNIT_BYTES == 5120
    assert billed_bytes([100]) == 5120
    assert billed_bytes([5120, 5121]) == 5120 + 10240
    assert billed_bytes([100] * 3) == 3 * 5120
    assert billed_bytes([]) == 0


def _event(n: int, seq: int) -> bytes:
    """A newline-terminated event of n bytes (n >= 1) that names its position."""
    body = f"{seq}:".encode().ljust(n - 1, b"x")[: n - 1]
    return body + b"\n"


# Small limits so that every limit is hit often; the real ones are checked above.
LIMITS = dict(record_bytes=60, batch_records=5, batch_bytes=200)
MAX_EVENT = 80  # larger than record_bytes: such events become records of their own


@st.composite
def event_streams(draw):
    sizes = draw(st.lists(st.integers(min_value=1, max_value=MAX_EVENT), max_size=120))
    # Some events arrive glued together in blocks (as the input reader hands them out).
    items, seq = [], 0
    i = 0
    while i < len(sizes):
        take = draw(st.integers(min_value=1, max_value=4))
        group = [_event(n, seq + j) for j, n in enumerate(sizes[i : i + take])]
        if sum(map(len, group)) > LIMITS["record_bytes"]:
            group = group[:1]
        items.append((b"".join(group), len(group)))
        seq += len(group)
        i += len(group)
    return items


def _check(items, batches, aggregate: bool):
    events_in = [line + b"\n" for data, _ in items for line in data.split(b"\n")[:-1]]
    records = [record for batch in batches for record in batch]
    for batch in batches:
        assert 1 <= len(batch) <= LIMITS["batch_records"]
        assert sum(len(data) for data, _ in batch) <= LIMITS["batch_bytes"]
    for data, events in records:
        assert data.endswith(b"\n")  # whole events only
        assert data.count(b"\n") == events
        if aggregate:
            assert len(data) <= max(LIMITS["record_bytes"], MAX_EVENT)
            if len(data) > LIMITS["record_bytes"]:
                assert events == 1  # only a single big event may exceed the packing size
        else:
            assert events == 1
    # Same events, same order, nothing split or lost.
    assert b"".join(data for data, _ in records) == b"".join(events_in)
    assert sum(events for _, events in records) == len(events_in)


@settings(max_examples=300, deadline=None)
@given(items=event_streams(), aggregate=st.booleans(), flush_every=st.integers(min_value=1, max_value=50))
def test_batches_respect_limits_and_keep_events_whole_and_in_order(items, aggregate, flush_every):
    batcher = Batcher(aggregate=aggregate, **LIMITS)
    batches = []
    for i, (data, events) in enumerate(items):
        batches += batcher.add(data, events, now=float(i))
        if i % flush_every == 0:  # a linger flush at any moment
            batches += batcher.flush()
    batches += batcher.flush()
    assert batcher.since is None
    _check(items, batches, aggregate)


@settings(max_examples=50, deadline=None)
@given(sizes=st.lists(st.integers(min_value=1, max_value=MAX_RECORD_BYTES), min_size=1, max_size=12))
def test_real_limits_with_events_up_to_the_record_limit(sizes):
    batcher = Batcher()
    events = [_event(n, i) for i, n in enumerate(sizes)]
    batches = []
    for event in events:
        batches += batcher.add(event, 1, now=0.0)
    batches += batcher.flush()
    for batch in batches:
        assert len(batch) <= MAX_BATCH_RECORDS
        assert sum(len(data) for data, _ in batch) <= MAX_BATCH_BYTES
        assert all(len(data) <= MAX_RECORD_BYTES for data, _ in batch)
    assert b"".join(data for batch in batches for data, _ in batch) == b"".join(events)


def test_aggregation_packs_small_events_and_cuts_the_bill():
    batcher = Batcher()
    events = [_event(100, i) for i in range(100_000)]
    batches = []
    for event in events:
        batches += batcher.add(event, 1, now=0.0)
    batches += batcher.flush()
    sizes = [len(data) for batch in batches for data, _ in batch]
    assert len(sizes) == 10  # 10 MB in records of up to 1 MB
    assert billed_bytes(sizes) / sum(sizes) < 1.01
    unpacked = Batcher(aggregate=False)
    singles = []
    for event in events[:1000]:
        singles += unpacked.add(event, 1, now=0.0)
    singles += unpacked.flush()
    assert [len(batch) for batch in singles] == [500, 500]
    assert billed_bytes([len(data) for batch in singles for data, _ in batch]) / 100_000 == 51.2


def test_since_tracks_the_oldest_held_event():
    batcher = Batcher(**LIMITS)
    assert batcher.since is None
    batcher.add(_event(10, 0), 1, now=1.0)
    batcher.add(_event(10, 1), 1, now=2.0)
    assert batcher.since == 1.0
    # Fill a record: the older events move into a record, still held.
    batcher.add(_event(50, 2), 1, now=3.0)
    assert batcher.since == 1.0
    assert batcher.flush()
    assert batcher.since is None
    batcher.add(_event(10, 3), 1, now=4.0)
    assert batcher.since == 4.0


def test_no_aggregate_splits_blocks_and_keeps_carriage_returns():
    batcher = Batcher(aggregate=False)
    block = b"a\r\n" + b"b\rc\n" + b"d\n"
    batches = batcher.add(block, 3, now=0.0) + batcher.flush()
    assert [data for batch in batches for data, _ in batch] == [b"a\r\n", b"b\rc\n", b"d\n"]


def trickle(batcher: Batcher, *, rate: float, size: int, seconds: float, tick: float = 0.2):
    """Feed one `size`-byte event every 1/rate s, looking at the linger every `tick` s as the
    sender does (its sources yield at least that often); return (record sizes sent, the longest
    any event waited)."""
    sent, waits, held = [], [], []
    seq = 0
    for step in range(int(seconds / tick) + 1):
        now = step * tick
        calls = []
        while seq / rate <= now:
            calls += batcher.add(_event(size, seq), 1, seq / rate)
            held.append(seq / rate)
            seq += 1
        if batcher.due(now):
            calls += batcher.flush()
        for call in calls:
            for data, events in call:
                sent.append(len(data))
                waits += [now - arrived for arrived in held[:events]]
                del held[:events]
    return sent, max(waits)


def test_at_the_labs_rate_records_fill_the_5_kb_billing_granule():
    # 10 events/s of ~230 bytes, the stream buffering 60 s: the producer lingers up to 3 s.
    sent, longest = trickle(Batcher(linger=Linger.for_stream(0.5, 60)), rate=10, size=230, seconds=120)
    assert billed_bytes(sent) / sum(sent) <= 1.05
    assert all(size <= BILLING_UNIT_BYTES for size in sent)
    assert longest <= 3.0 + 0.2 + 1e-9


def test_without_the_streams_interval_the_linger_stays_half_a_second():
    sent, longest = trickle(Batcher(linger=Linger.for_stream(0.5, None)), rate=10, size=230, seconds=60)
    assert longest <= 0.5 + 0.2 + 1e-9
    assert billed_bytes(sent) / sum(sent) > 3  # ~1.4 KB records billed as 5 KB: what lingering fixes


def test_a_slow_trickle_waits_no_longer_than_the_most():
    _, longest = trickle(Batcher(linger=Linger.for_stream(0.5, 900)), rate=0.5, size=230, seconds=60)
    assert 2.8 <= longest <= 3.0 + 0.2 + 1e-9


def test_linger_is_a_share_of_the_streams_interval_within_bounds():
    assert Linger.for_stream(0.5, None) == Linger(0.5, 0.5)
    assert Linger.for_stream(0.5, 0) == Linger(0.5, 0.5)
    assert Linger.for_stream(0.5, 20) == Linger(0.5, 1.0)
    assert Linger.for_stream(0.5, 60) == Linger(0.5, 3.0)
    assert Linger.for_stream(0.5, 900) == Linger(0.5, 3.0)
    assert Linger.for_stream(5.0, 60) == Linger(5.0, 5.0)  # never shorter than --linger


def test_lingering_does_not_cut_records_at_a_high_rate():
    batcher = Batcher(linger=Linger.for_stream(0.5, 60))
    calls = []
    for seq in range(20_000):  # 20,000 events of 230 bytes within 0.2 s: records fill to ~1 MB
        calls += batcher.add(_event(230, seq), 1, seq * 0.00001)
    calls += batcher.flush()
    sizes = [len(data) for call in calls for data, _ in call]
    assert max(sizes) > 900_000 and len(sizes) <= 5
