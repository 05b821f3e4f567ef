"""The outbox: refused records rejoin the outgoing stream ahead of newer ones, in input order,
within PutRecordBatch's limits, and each record is settled exactly once. Scripted answers, no threads."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from producer.outbox import Outbox


def call_of(first: int, count: int, size: int = 10) -> list[tuple[bytes, int]]:
    """`count` one-event records numbered from `first`, each `size` bytes."""
    return [(f"{n:0{size - 1}d}\n".encode(), 1) for n in range(first, first + count)]


def numbers(call) -> list[int]:
    return [int(data) for data, _ in call.records]


def test_fresh_calls_go_out_whole_and_in_order():
    outbox = Outbox()
    outbox.put(call_of(0, 3))
    outbox.put(call_of(3, 2))
    assert numbers(outbox.take()) == [0, 1, 2]
    assert numbers(outbox.take()) == [3, 4]
    assert outbox.take() is None


def test_refused_records_go_first_in_input_order_and_calls_stay_full():
    outbox = Outbox(max_records=4)
    for first in (0, 4, 8):
        outbox.put(call_of(first, 4))
    one, two = outbox.take(), outbox.take()
    # Answers come back out of order: the later call first.
    outbox.retry(two, [1, 3], now=1.0, reasons="ServiceUnavailableException: Slow down.")
    outbox.retry(one, [2], now=2.0, reasons="InternalFailure")
    nxt = outbox.take()
    assert numbers(nxt) == [2, 5, 7, 8]  # resends, oldest input first, then fresh ones fill the call
    assert numbers(outbox.take()) == [9, 10, 11]


def test_a_call_keeps_to_the_pace_budget_but_carries_at_least_one_record():
    outbox = Outbox(max_records=500, max_bytes=100)
    outbox.put(call_of(0, 10, size=10))  # packed within the limits, as the batcher does
    assert numbers(outbox.take(budget=25)) == [0, 1]
    assert numbers(outbox.take(budget=1)) == [2]
    assert numbers(outbox.take()) == [3, 4, 5, 6, 7, 8, 9]


def test_resends_and_fresh_records_together_keep_to_putrecordbatchs_limits():
    outbox = Outbox(max_records=4, max_bytes=30)
    outbox.put(call_of(0, 3))
    outbox.put(call_of(3, 3))
    first = outbox.take()
    outbox.retry(first, [0, 1], now=0.0, reasons="InternalFailure")
    assert numbers(outbox.take()) == [0, 1, 3]  # 30 bytes: a fourth record would pass the byte limit
    assert numbers(outbox.take()) == [4, 5]


def test_settled_events_count_from_the_first_call_in_order():
    outbox = Outbox()
    outbox.put(call_of(0, 3))
    outbox.put(call_of(3, 2))
    first, second = outbox.take(), outbox.take()
    outbox.settle(second.keys)
    assert outbox.settled_events == 0  # the first call is still out
    outbox.settle([first.keys[0], first.keys[2]])
    assert outbox.settled_events == 0
    outbox.settle([first.keys[1]])
    assert outbox.settled_events == 5


def test_records_failing_too_long_are_taken_out_with_why_they_last_failed():
    outbox = Outbox()
    outbox.put(call_of(0, 3))
    call = outbox.take()
    outbox.retry(call, [0, 2], now=10.0, reasons=["InternalFailure", "ServiceUnavailableException: Slow down."])
    again = outbox.take()
    outbox.retry(again, [0, 1], now=50.0, reasons="InternalFailure")  # still failing since 10.0
    assert outbox.expired(before=5.0) == []
    expired = outbox.expired(before=15.0)
    assert [(int(record[0]), reason) for _, record, reason in expired] == [
        (0, "InternalFailure"),
        (2, "InternalFailure"),
    ]
    assert not outbox


def test_drain_takes_out_everything_waiting_in_input_order():
    outbox = Outbox(max_records=2)
    outbox.put(call_of(0, 2))
    outbox.put(call_of(2, 2))
    call = outbox.take()
    outbox.retry(call, [1], now=1.0, reasons="InternalFailure")
    keys, records = outbox.drain()
    assert [int(data) for data, _ in records] == [1, 2, 3]
    outbox.settle(keys)
    outbox.settle([call.keys[0]])
    assert outbox.settled_events == 4 and not outbox


@settings(max_examples=100, deadline=None)
@given(
    calls=st.lists(st.integers(1, 5), min_size=1, max_size=8),
    answers=st.lists(st.tuples(st.booleans(), st.integers(0, 2**16)), max_size=60),
    budget=st.one_of(st.none(), st.integers(1, 40)),
)
def test_every_record_is_sent_until_settled_once_and_resends_keep_input_order(calls, answers, budget):
    """Whatever Firehose refuses, in whatever order answers come back: every record is settled
    exactly once (accepted or dropped), and each call's records are in input order."""
    outbox = Outbox(max_records=5, max_bytes=50)
    total = 0
    for count in calls:
        outbox.put(call_of(total, count))
        total += count
    out: list = []
    accepted: list[int] = []
    script = iter(answers)
    while outbox or out:
        call = outbox.take(budget)
        if call is not None:
            assert numbers(call) == sorted(numbers(call))
            assert len(call.records) <= 5 and (len(call.records) == 1 or call.size <= min(50, budget or 50))
            out.append(call)
        reverse, mask = next(script, (False, 0))  # once the script runs out, all accepted
        answered = out.pop(-1 if reverse else 0)
        refused = [i for i in range(len(answered.records)) if mask >> i & 1]
        kept = [i for i in range(len(answered.records)) if i not in refused]
        accepted += [numbers(answered)[i] for i in kept]
        outbox.settle([answered.keys[i] for i in kept])
        outbox.retry(answered, refused, now=0.0, reasons="InternalFailure")
    assert sorted(accepted) == list(range(total))
    assert outbox.settled_events == total
