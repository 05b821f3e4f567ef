"""What a send did, and the failures it can meet: the figures the sender fills and the report shows.

Kept apart from sender.py, so that reporting and the command line need no threads, HTTP or botocore.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from producer.batching import billed_bytes

STREAM_NOT_FOUND = "stream-not-found"
ACCESS = "credentials"


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits up to base·2ⁿ, at most cap."""

    base: float = 0.1
    cap: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap, self.base * 2**attempt))


DEFAULT_BACKOFF = Backoff()


@dataclass(frozen=True)
class Fatal:
    """A failure no retry can fix: the stream is missing or access is refused."""

    kind: str  # STREAM_NOT_FOUND or ACCESS
    code: str
    message: str


@dataclass
class SendResult:
    """What happened to the events, in the figures the progress line shows."""

    events_read: int = 0
    events_sent: int = 0
    events_failed: int = 0
    bytes_sent: int = 0
    records_sent: int = 0
    billed_bytes: int = 0
    calls: int = 0
    retries: int = 0
    """Records sent again after a failure (a record resent twice counts 2)."""
    elapsed_seconds: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)
    """Undelivered events per reason."""
    errors: dict[str, int] = field(default_factory=dict)
    """Errors met on the way (retried or not): calls or records, per error code."""
    dead_letter: str | None = None
    dead_lettered: int = 0
    """Undelivered events written to the dead-letter file (the rest are lost)."""
    fatal: Fatal | None = None
    stopped: bool = False
    """A stop was requested (signal) before the source ran out."""
    source_error: str | None = None
    """Reading the events failed with this I/O error; what was read was still sent."""

    def count_sent(self, sizes: list[int], events: int) -> None:
        """Records of these sizes, holding `events` events, were accepted."""
        self.events_sent += events
        self.bytes_sent += sum(sizes)
        self.records_sent += len(sizes)
        self.billed_bytes += billed_bytes(sizes)

    @property
    def ok(self) -> bool:
        return self.events_failed == 0 and self.fatal is None and self.source_error is None

    @property
    def events_in_flight(self) -> int:
        """Read but neither accepted nor given up yet: queued, being packed, or in a call whose answer is awaited.
        Firehose may already hold some of them, so a run killed now has delivered between events_sent and
        events_sent + events_in_flight."""
        return self.events_read - self.events_sent - self.events_failed

    @property
    def events_per_second(self) -> float:
        return self.events_sent / self.elapsed_seconds if self.elapsed_seconds else 0.0

    @property
    def mib_per_second(self) -> float:
        return self.bytes_sent / self.elapsed_seconds / 2**20 if self.elapsed_seconds else 0.0

    @property
    def billed_ratio(self) -> float:
        return self.billed_bytes / self.bytes_sent if self.bytes_sent else 0.0

    def as_dict(self) -> dict[str, Any]:
        figures = {k: v for k, v in vars(self).items() if k != "fatal"}
        figures["fatal"] = None if self.fatal is None else vars(self.fatal)
        figures.update(
            ok=self.ok,
            events_in_flight=self.events_in_flight,
            events_per_second=round(self.events_per_second, 1),
            mib_per_second=round(self.mib_per_second, 3),
            billed_ratio=round(self.billed_ratio, 4),
            elapsed_seconds=round(self.elapsed_seconds, 3),
        )
        return figures
