"""The producer's pace: it matches a stream's throughput quota, and it is not fooled by
throttling that slowing down does not cure. `RateControl` against scripted streams on a
simulated clock (tests/support/producer/scripted.py): no threads, no HTTP."""

from __future__ import annotations

import pytest

from producer.pacing import TICK_SECONDS, RateControl
from support.producer.scripted import FaultyStream, QuotaStream, drive

MIB = 2**20
UNAGGREGATED = dict(record_bytes=120, records_per_call=500, producer_bytes_per_second=8 * MIB)
AGGREGATED = dict(record_bytes=1_000_000, records_per_call=4, producer_bytes_per_second=60 * MIB, latency=0.05)


def test_unpaced_while_the_stream_takes_everything():
    control = RateControl()
    figures = drive(control, QuotaStream(1000 * MIB), seconds=10, **UNAGGREGATED)
    assert figures.records_refused == 0
    assert all(pace is None for _, pace in figures.paced)
    assert figures.accepted_rate(1, 10) > 7 * MIB  # the producer's own speed


@pytest.mark.parametrize(
    "quota, mode",
    [(1 * MIB, UNAGGREGATED), (5 * MIB, UNAGGREGATED), (5 * MIB, AGGREGATED), (20 * MIB, AGGREGATED)],
    ids=["1MiB-unaggregated", "5MiB-unaggregated", "5MiB-aggregated", "20MiB-aggregated"],
)
def test_a_quota_is_matched_with_few_refusals(quota, mode):
    control = RateControl()
    figures = drive(control, QuotaStream(quota), seconds=60, **mode)
    # The stream's quota is used in full once the pace is found...
    assert figures.accepted_rate(10, 60) >= 0.95 * quota
    # ...and the records it refuses, the first burst included, stay few.
    assert figures.refused_share <= 0.10
    assert quota <= control.rate <= 1.1 * quota


def test_throttling_that_slowing_down_does_not_cure_is_not_taken_for_a_quota():
    # The fault mix: 10 % of calls throttled, 5 % failing with a 500, 30 % of records refused.
    stream = FaultyStream(throttled_calls=0.10, failed_calls=0.05, failed_records=0.30)
    control = RateControl()
    figures = drive(control, stream, seconds=20, **UNAGGREGATED)
    # Pacing is tried, does not halve the refusals, and is dropped: the producer sends at its own speed.
    assert figures.bytes_sent / 20 >= 0.8 * UNAGGREGATED["producer_bytes_per_second"]
    assert control.rate is None


def test_occasional_throttling_does_not_slow_the_producer():
    control = RateControl()
    figures = drive(control, FaultyStream(throttled_calls=0.05), seconds=20, **UNAGGREGATED)
    assert figures.bytes_sent / 20 >= 0.9 * UNAGGREGATED["producer_bytes_per_second"]


def test_a_quota_is_still_found_when_other_failures_come_too():
    stream = FaultyStream(failed_calls=0.01, failed_records=0.03, quota=QuotaStream(1 * MIB))
    control = RateControl()
    figures = drive(control, stream, seconds=60, **UNAGGREGATED)
    assert figures.accepted_rate(10, 60) >= 0.9 * MIB
    assert figures.refused_share <= 0.15  # 4 % failing anyway, the rest the quota's
    assert control.rate is not None and control.rate <= 1.15 * MIB


def test_a_stream_that_takes_nothing_is_down_not_over_a_quota():
    control = RateControl()
    drive(control, FaultyStream(throttled_calls=1.0), seconds=10, **UNAGGREGATED)
    assert control.rate is None  # the sender pipeline's backoff on failed calls waits an outage out


def test_the_pace_rises_when_the_quota_is_raised():
    control = RateControl()
    figures = drive(control, QuotaStream(1 * MIB, raise_at=(30, 3 * MIB)), seconds=90, **UNAGGREGATED)
    assert figures.accepted_rate(20, 30) <= 1.05 * MIB
    assert figures.accepted_rate(80, 90) >= 2.5 * MIB


def test_pacing_ends_once_the_producer_sends_far_less_than_the_pace():
    control = RateControl()
    drive(control, QuotaStream(1 * MIB), seconds=40, supply_bytes_per_second=10_000, supply_from=20, **UNAGGREGATED)
    assert control.rate is None


def test_paced_calls_are_small_and_evenly_spread():
    control = RateControl()
    figures = drive(control, QuotaStream(1 * MIB), seconds=20, **UNAGGREGATED)
    rate = control.rate
    assert rate is not None
    assert control.call_bytes() == int(rate * TICK_SECONDS)
    now = figures.paced[-1][0] + 1.0
    assert control.delay(now) == 0
    control.sent(now, 50_000)
    assert control.delay(now) == pytest.approx(50_000 / rate)
    assert control.delay(now + 50_000 / rate) == 0


def test_at_the_start_one_call_goes_out_then_twice_as_many_after_each_clean_answer():
    control = RateControl()
    assert control.calls_in_flight() == 1
    call = control.sent(0.0, 4_000_000)
    control.answered(call, 0.1, throttled=0, largest_record=1_000_000)
    assert control.calls_in_flight() == 2
    for n in range(2):
        control.answered(control.sent(0.1, 4_000_000), 0.2, throttled=0, largest_record=1_000_000)
    assert control.calls_in_flight() == 8
    # A throttle holds the window where it is: the pace, if the stream turns out to be over a quota, takes over.
    control.answered(control.sent(0.2, 4_000_000), 0.3, throttled=3_000_000, largest_record=1_000_000)
    control.answered(control.sent(0.3, 4_000_000), 0.4, throttled=0, largest_record=1_000_000)
    assert control.calls_in_flight() == 8
    control.answered(control.sent(0.4, 4_000_000), 0.9, throttled=0, largest_record=1_000_000)
    assert control.calls_in_flight() is None  # half a second on, throttled yet not paced: no limit


def test_a_trial_that_sees_no_more_refusals_ends_and_the_pace_can_rise_again():
    control = RateControl()
    # Unpaced, the stream refuses 4/5 of two calls: pace at what it took in the last second.
    for n in range(2):
        control.answered(control.sent(n * 0.1, 500_000), n * 0.1 + 0.05, throttled=400_000, largest_record=1000)
    assert control.rate == pytest.approx(200_000 * 1.02)
    # Then nothing more is refused (the quota was raised): no estimate comes to judge the trial by...
    now = 0.3
    while now < 30:
        now += control.delay(now)
        control.answered(control.sent(now, 10_000), now + 0.01, throttled=0, largest_record=1000)
    # ...yet the pace rose, instead of waiting for a verdict that never comes.
    assert control.rate is None or control.rate > 1_000_000
