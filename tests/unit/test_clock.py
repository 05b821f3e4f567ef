"""The rehearsal's clock: faster than real time by a scale that can change without a jump, readable by other
processes (the sandbox's systemd) from a published file."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from rehearsal.emulator.clock import ScaledClock, read_published


def test_a_scale_of_a_tenth_runs_ten_times_as_fast():
    clock = ScaledClock()
    clock.reset(0.1)
    start, real = clock.monotonic(), time.monotonic()
    time.sleep(0.2)
    assert (clock.monotonic() - start) == pytest.approx((time.monotonic() - real) * 10, rel=0.05)


def test_changing_the_scale_keeps_the_time_reached():
    clock = ScaledClock()
    clock.reset(0.01)
    time.sleep(0.05)
    before = clock.monotonic()
    clock.set_scale(1.0)
    after = clock.monotonic()
    assert before <= after < before + 0.05
    assert before >= 4.0  # 50 ms at x100


def test_speeding_up_until_a_moment_makes_it_come_that_soon_then_the_old_pace_resumes():
    clock = ScaledClock()
    clock.reset(0.1)
    target = clock.now() + timedelta(hours=24)
    clock.speed_up_until(target, real_seconds=0.5)
    assert clock.scale == pytest.approx(0.5 / 86400, rel=0.01)
    time.sleep(0.8)
    assert clock.scale == 0.1
    # 0.3 s past the moment at x10 again: about 3 s later on the clock, not hours
    assert timedelta(0) < clock.now() - target < timedelta(seconds=5)


def test_speeding_up_never_slows_it_down():
    clock = ScaledClock()
    clock.reset(0.001)
    clock.speed_up_until(clock.now() + timedelta(seconds=10), real_seconds=60)
    assert clock.scale == 0.001


def test_another_process_reads_the_same_time_from_the_published_file(tmp_path):
    clock = ScaledClock()
    clock.reset(0.1)
    clock.publish(tmp_path / "clock.json")
    assert read_published(str(tmp_path / "clock.json")).monotonic() == pytest.approx(clock.monotonic(), abs=0.01)
    clock.set_scale(0.001)
    assert read_published(str(tmp_path / "clock.json")).scale == 0.001
    assert read_published(str(tmp_path / "clock.json")).monotonic() == pytest.approx(clock.monotonic(), abs=1)
    clock.speed_up_until(clock.now() + timedelta(hours=1), real_seconds=0.2)
    time.sleep(0.3)
    published = read_published(str(tmp_path / "clock.json"))
    assert (published.current_scale, clock.scale) == (0.001, 0.001)
    assert published.monotonic() == pytest.approx(clock.monotonic(), abs=1)


def test_without_a_published_file_it_is_real_time(tmp_path):
    assert read_published(str(tmp_path / "missing.json")).monotonic() == pytest.approx(time.monotonic(), abs=0.01)
    assert read_published(None).scale == 1.0


@pytest.mark.parametrize("scale", [0, -1])
def test_a_scale_must_be_positive(scale):
    with pytest.raises(ValueError, match="clock scale must be > 0"):
        ScaledClock().reset(scale)
