"""Fault injection against a real HTTP endpoint: partial batch failures,
throttled calls, 5xx, dropped connections, unreadable answers. Every event is
delivered, and none is duplicated beyond what a lost answer forces."""

from __future__ import annotations

import itertools
import threading
from collections import Counter

import boto3
import pytest

from producer.batching import MAX_RECORD_BYTES
from producer.deadletter import DeadLetter
from producer.events import sample_events
from producer.firehose import make_client
from producer.pacing import RateControl
from producer.results import ACCESS, STREAM_NOT_FOUND, Backoff
from producer.sender import send_events
from support.producer.local_firehose import FaultPlan, LocalFirehose, Quota

FAST = dict(backoff=Backoff(base=0.002, cap=0.01))


def client_for(server: LocalFirehose, key: str = "testing"):
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key="testing")
    return make_client("us-east-1", session=session, endpoint_url=server.url)


def events(n: int) -> list[bytes]:
    return list(sample_events("faults", count=n))


def assert_exactly_once_except_lost_answers(server: LocalFirehose, sent: list[bytes]) -> None:
    """Stored = sent + what was stored by calls whose answer was lost (and so
    had to be resent). Nothing missing; no other duplicate."""
    assert Counter(server.events()) == Counter(sent) + Counter(server.lost_answer_events())


@pytest.mark.parametrize("aggregate", [True, False])
@pytest.mark.parametrize(
    "script",
    [
        ("partial", "partial", "partial"),
        ("throttle", "throttle", "throttle"),
        ("error500", "error503"),
        ("drop", "drop"),
        ("drop_after",),
        ("garbage",),
    ],
    ids=["partial", "throttle", "5xx", "drop", "drop-after-store", "garbage-answer"],
)
def test_each_fault_is_survived(script, aggregate):
    sent = events(1200)
    with LocalFirehose(faults=FaultPlan(script=script)) as server:
        result = send_events(client_for(server), "lab", sent, aggregate=aggregate, senders=2, **FAST)
    assert result.ok, result.failures
    assert result.events_sent == len(sent) == result.events_read
    assert result.retries > 0
    assert_exactly_once_except_lost_answers(server, sent)
    assert server.limit_violations == []


def test_only_the_failed_records_are_resent():
    sent = events(1000)
    with LocalFirehose(faults=FaultPlan(script=("partial",) * 4, partial_share=0.3)) as server:
        result = send_events(client_for(server), "lab", sent, aggregate=False, senders=1, **FAST)
    assert result.ok
    records_put = sum(request.records for request in server.requests)
    # Every record went once, plus exactly the resends the producer counted.
    assert records_put == len(sent) + result.retries
    assert 0 < result.retries < len(sent)
    assert Counter(server.events()) == Counter(sent)
    assert set(result.errors) == {"ServiceUnavailableException", "InternalFailure"}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("aggregate", [True, False])
def test_chaos_loses_nothing(seed, aggregate):
    sent = events(3000)
    with LocalFirehose(faults=FaultPlan(chaos=0.5, seed=seed)) as server:
        result = send_events(client_for(server), "lab", sent, aggregate=aggregate, senders=3, **FAST)
    assert result.ok, result.failures
    assert result.events_sent == len(sent)
    assert_exactly_once_except_lost_answers(server, sent)
    assert server.limit_violations == []


def test_giving_up_dead_letters_exactly_what_was_not_accepted(tmp_path):
    sent = events(700)
    dead = DeadLetter(tmp_path / "dead.jsonl")
    # The first call goes through; every call after it is throttled, for good.
    plan = FaultPlan(script=("ok",), chaos=1.0, kinds=("throttle",))
    with LocalFirehose(faults=plan) as server:
        result = send_events(
            client_for(server),
            "lab",
            sent,
            aggregate=False,
            senders=1,
            max_retry_seconds=0.05,
            dead_letter=dead,
            **FAST,
        )
    assert not result.ok and result.fatal is None
    assert server.events() == sent[:500]
    assert (tmp_path / "dead.jsonl").read_bytes() == b"".join(sent[500:])
    assert result.events_sent == 500 and result.events_failed == result.dead_lettered == 200
    assert len(server.requests) > 2  # the second call was retried before giving up
    (reason,) = result.failures
    assert reason.startswith("ServiceUnavailableException: Slow down.") and "0.05 s of retries" in reason


def test_a_call_no_retry_can_fix_is_dead_lettered_and_the_rest_still_sent(tmp_path):
    sent = events(1500)
    dead = DeadLetter(tmp_path / "dead.jsonl")
    with LocalFirehose(faults=FaultPlan(script=("ok", "invalid"))) as server:
        result = send_events(client_for(server), "lab", sent, aggregate=False, senders=1, dead_letter=dead, **FAST)
    assert result.events_failed == 500 and result.events_sent == 1000
    assert result.calls == 3  # the invalid call was not retried
    dead_lines = (tmp_path / "dead.jsonl").read_bytes().splitlines(keepends=True)
    assert dead_lines == sent[500:1000]
    assert list(result.failures) == ["InvalidArgumentException: Records size exceeds the limit."]


def test_missing_stream_stops_at_once_without_retries(tmp_path):
    dead = DeadLetter(tmp_path / "dead.jsonl")
    sent = events(50)
    with LocalFirehose(streams=("other",)) as server:
        result = send_events(client_for(server), "lab", sent, dead_letter=dead, max_retry_seconds=300)
    assert result.fatal.kind == STREAM_NOT_FOUND and result.fatal.code == "ResourceNotFoundException"
    assert server.posts == 1
    assert (tmp_path / "dead.jsonl").read_bytes() == b"".join(sent)


def test_rejected_credentials_stop_at_once_without_retries():
    with LocalFirehose(access_keys=("the-right-key",)) as server:
        result = send_events(client_for(server, key="a-wrong-key"), "lab", events(10), max_retry_seconds=300)
    assert result.fatal.kind == ACCESS and result.fatal.code == "UnrecognizedClientException"
    assert server.posts == 1
    assert result.events_failed == 10 and result.events_sent == 0


def test_records_at_the_size_limits_pass_the_endpoints_checks():
    big = b"b" * (MAX_RECORD_BYTES - 1) + b"\n"  # exactly the record limit
    near = b"n" * 999_999 + b"\n"  # exactly the packing size
    sent = [big, near, big] + [f'{{"i":{i}}}\n'.encode() for i in range(50_000)] + [near, big]
    with LocalFirehose() as server:
        result = send_events(client_for(server), "lab", sent, senders=2)
    assert result.ok
    assert server.limit_violations == []
    assert Counter(server.events()) == Counter(sent)


def test_an_event_over_the_record_limit_is_dead_lettered_and_the_rest_sent(tmp_path):
    too_big = b"t" * MAX_RECORD_BYTES  # a newline makes it one byte too many
    dead = DeadLetter(tmp_path / "dead.jsonl")
    with LocalFirehose() as server:
        result = send_events(client_for(server), "lab", [b"a\n", too_big, b"c\n"], dead_letter=dead)
    assert result.events_sent == 2 and result.events_failed == 1
    assert server.events() == [b"a\n", b"c\n"]
    assert (tmp_path / "dead.jsonl").read_bytes() == too_big + b"\n"


def test_refused_records_rejoin_the_outgoing_stream_so_calls_stay_full():
    """30 % of the records refused in every call: they go out again at the head of the next
    calls, in input order, and the calls stay full instead of shrinking to each call's tail."""
    sent = events(20_000)
    with LocalFirehose(faults=FaultPlan(record_failure=0.3, seed=5)) as server:
        result = send_events(client_for(server), "lab", sent, aggregate=False, senders=1, **FAST)
    assert result.ok, result.failures
    assert Counter(server.events()) == Counter(sent)  # nothing lost, nothing twice
    sizes = [request.records for request in server.requests]
    # Each batch retrying its own tail would give calls of 500, 150, 45, 13, 4... (a sixth full);
    # here only the last calls are short, once the input ran out (the refused tail, resent).
    assert sum(size == 500 for size in sizes) >= 0.8 * len(sizes), sizes
    position = {event: n for n, event in enumerate(sent)}
    for request in server.requests:  # each call: resent records first, then fresh ones, each run in input order
        order = [position[line + b"\n"] for record in request.stored for line in record.split(b"\n")[:-1]]
        assert sum(later < earlier for earlier, later in itertools.pairwise(order)) <= 1


def test_throttling_paces_the_whole_producer_to_the_streams_quota():
    sent = events(20_000)  # ~4.4 MB, unaggregated
    with LocalFirehose(quota=Quota(1 * 2**20)) as server:
        result = send_events(client_for(server), "lab", sent, aggregate=False, **FAST)
        stats = server.stats["lab"]
    assert result.ok and Counter(server.events()) == Counter(sent)
    # Unpaced, a producer sends several times the quota and sees most records refused, again and
    # again (the producer before pacing: 180,900 refusals for these 20,000 records). Paced, the
    # refusals are the first second's, until the pace is found.
    assert stats.over_quota <= 0.25 * len(sent)


def test_a_bug_in_the_pace_does_not_stall_delivery(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(RateControl, "answered", broken)
    sent = events(3000)
    outcome = {}
    with LocalFirehose() as server:
        worker = threading.Thread(
            target=lambda: outcome.update(result=send_events(client_for(server), "lab", sent, senders=2)), daemon=True
        )
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive(), "the send never finished"
    assert outcome["result"].ok and Counter(server.events()) == Counter(sent)
