"""The rehearsal's time: real time run faster by a scale that may change while it runs, without a jump.

The emulator's Firehose buffers and its Scheduler run on CLOCK, and the sandbox's systemd reads the copy published to
a file for RuntimeMaxSec: scale 0.1 makes a 60 s buffer interval pass in 6 s, and `speed_up_until` lets the hours
until a producer's end or a lab's expiry pass in seconds. Built on time.monotonic (CLOCK_MONOTONIC, one clock for
every process of the machine), so another process computes the same time from a published reading.
No moto or boto3 import here, nor in the package's __init__: the sandbox's systemctl stand-in imports this on
every call.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Reading:
    """At real monotonic time `real`, `elapsed` clock seconds had passed since the start; from then on the clock
    runs 1/`scale` times as fast as real time, until `until` clock seconds (if set), then 1/`then_scale` times.
    `origin` is the wall time (epoch seconds) at the start."""

    real: float
    elapsed: float
    scale: float
    origin: float
    until: float | None = None
    then_scale: float | None = None

    def monotonic(self, real_now: float | None = None) -> float:
        real_now = time.monotonic() if real_now is None else real_now
        clock = self.elapsed + (real_now - self.real) / self.scale
        if self.until is None or clock <= self.until:
            return clock
        reached_at = self.real + (self.until - self.elapsed) * self.scale  # real time the speed-up ended
        return self.until + (real_now - reached_at) / self.then_scale

    @property
    def current_scale(self) -> float:
        return self.scale if self.until is None or self.monotonic() <= self.until else self.then_scale


class ScaledClock:
    """Clock seconds since `reset`, and the wall time they make; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._published: list[Path] = []
        self.reset()

    def reset(self, scale: float = 1.0) -> None:
        """Start again at the real wall time, running 1/scale as fast; forget where it was published."""
        _check(scale)
        with self._lock:
            self._reading = Reading(real=time.monotonic(), elapsed=0.0, scale=scale, origin=time.time())
            self._published = []

    @property
    def scale(self) -> float:
        return self._reading.current_scale

    def monotonic(self) -> float:
        """Clock seconds since the start (like time.monotonic, for intervals)."""
        return self._reading.monotonic()

    def time(self) -> float:
        """Clock wall time, epoch seconds."""
        reading = self._reading
        return reading.origin + reading.monotonic()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def set_scale(self, scale: float, *, until: datetime | None = None) -> None:
        """Run 1/scale as fast from now on (until the wall time `until`, then as fast as before); the time reached
        so far is kept."""
        _check(scale)
        with self._lock:
            real = time.monotonic()
            reading = self._reading
            elapsed = reading.monotonic(real)
            usual = reading.scale if reading.until is None else reading.then_scale  # the pace outside speed-ups
            self._reading = Reading(
                real=real,
                elapsed=elapsed,
                scale=scale,
                origin=reading.origin,
                until=None if until is None else until.timestamp() - reading.origin,
                then_scale=None if until is None else usual,
            )
            self._write_all()

    def speed_up_until(self, moment: datetime, real_seconds: float) -> None:
        """Make `moment` come `real_seconds` from now (never slower than now), then run at today's pace again."""
        ahead = (moment - self.now()).total_seconds()
        if ahead > 0 and real_seconds / ahead < self.scale:
            self.set_scale(real_seconds / ahead, until=moment)

    def publish(self, path: Path) -> None:
        """Keep `path` holding the current reading (see `read_published`), rewritten at every change of scale."""
        with self._lock:
            self._published.append(Path(path))
            self._write_all()

    def _write_all(self) -> None:
        for path in self._published:
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_text(json.dumps(asdict(self._reading)))
            os.replace(temporary, path)  # readers never see half a reading


def read_published(path: str | None) -> Reading:
    """The reading at `path`; plain time.monotonic (scale 1) when there is none. Publish before the reader starts:
    a reading appearing later would make its clock jump."""
    if path:
        try:
            return Reading(**json.loads(Path(path).read_text()))
        except FileNotFoundError:
            pass
    return Reading(real=0.0, elapsed=0.0, scale=1.0, origin=time.time() - time.monotonic())


def _check(scale: float) -> None:
    if not scale > 0:
        raise ValueError(f"clock scale must be > 0, not {scale}")


# The emulator's one clock (moto's backends are process-wide, and so is the time they run on).
CLOCK = ScaledClock()
