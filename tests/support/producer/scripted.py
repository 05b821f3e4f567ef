"""Streams that answer by script, and a producer loop on a simulated clock, to test `RateControl` without threads or
HTTP.

`drive` plays `senders` senders against a stream: each takes a call as the pace allows, the
producer's CPU serializes calls at `producer_bytes_per_second`, the stream answers each
record after `latency` seconds. Every refused record is replaced by a fresh one (the supply
never runs dry unless `supply_bytes_per_second` says so), so the figures measure the pace.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field

from producer.pacing import RateControl


class QuotaStream:
    """A stream quota in bytes per second: a token bucket holding one second of it, full at the
    start; records beyond it are refused as throttling. `raise_at` changes the quota at that time."""

    def __init__(self, bytes_per_second: float, *, raise_at: tuple[float, float] | None = None) -> None:
        self.rate = bytes_per_second
        self.tokens = bytes_per_second
        self.last = 0.0
        self.raise_at = raise_at

    def answer(self, at: float, sizes: list[int], rng: random.Random) -> list[str | None]:
        if self.raise_at is not None and at >= self.raise_at[0]:
            self.rate, self.raise_at = self.raise_at[1], None
        self.tokens = min(self.rate, self.tokens + (at - self.last) * self.rate)
        self.last = at
        codes: list[str | None] = []
        for size in sizes:
            if self.tokens >= size:
                self.tokens -= size
                codes.append(None)
            else:
                codes.append("ServiceUnavailableException")
        return codes


@dataclass
class FaultyStream:
    """Refuses at random, whatever the pace: `throttled_calls` of the calls whole (throttling),
    `failed_calls` whole with a 500, `failed_records` of the other records (half as throttling,
    half InternalFailure). Optionally also over a `quota`."""

    throttled_calls: float = 0.0
    failed_calls: float = 0.0
    failed_records: float = 0.0
    quota: QuotaStream | None = None

    def answer(self, at: float, sizes: list[int], rng: random.Random) -> list[str | None]:
        roll = rng.random()
        if roll < self.throttled_calls:
            return ["ServiceUnavailableException"] * len(sizes)
        if roll < self.throttled_calls + self.failed_calls:
            return ["InternalFailure"] * len(sizes)
        codes = self.quota.answer(at, sizes, rng) if self.quota else [None] * len(sizes)
        for i in range(len(sizes)):
            if codes[i] is None and rng.random() < self.failed_records:
                codes[i] = "ServiceUnavailableException" if rng.random() < 0.5 else "InternalFailure"
        return codes


@dataclass
class Figures:
    accepted: list[tuple[float, int]] = field(default_factory=list)
    """(time, bytes accepted) per answer."""
    records_sent: int = 0
    records_refused: int = 0
    bytes_sent: int = 0
    paced: list[tuple[float, float | None]] = field(default_factory=list)
    """(time, pace in bytes/s or None) after each answer."""

    def accepted_rate(self, start: float, end: float) -> float:
        return sum(size for at, size in self.accepted if start <= at < end) / (end - start)

    @property
    def refused_share(self) -> float:
        return self.records_refused / max(self.records_sent, 1)


def drive(
    control: RateControl,
    stream: QuotaStream | FaultyStream,
    *,
    seconds: float,
    record_bytes: int,
    records_per_call: int,
    producer_bytes_per_second: float,
    senders: int = 4,
    latency: float = 0.02,
    supply_bytes_per_second: float | None = None,
    supply_from: float = 0.0,
    seed: int = 1,
) -> Figures:
    rng = random.Random(seed)
    figures = Figures()
    queue: list[tuple[float, int, str, object]] = []  # (time, order, what, data)
    order = 0

    def at(time: float, what: str, data: object = None) -> None:
        nonlocal order
        order += 1
        heapq.heappush(queue, (time, order, what, data))

    for sender in range(senders):
        at(0.0, "free", sender)
    cpu_free = 0.0
    supplied = 0.0
    in_flight = 0
    waiting: list[int] = []  # senders held back by slow start
    while queue:
        now, _, what, data = heapq.heappop(queue)
        if now > seconds:
            break
        if what == "free":
            limit = control.calls_in_flight()
            if limit is not None and in_flight >= limit:
                waiting.append(data)
                continue
            delay = control.delay(now)
            if delay:
                at(now + min(delay, 0.05), "free", data)
                continue
            budget = control.call_bytes()
            count = records_per_call if budget is None else max(1, min(records_per_call, budget // record_bytes))
            if supply_bytes_per_second is not None and now >= supply_from:
                ready = int((now - supply_from) * supply_bytes_per_second - supplied) // record_bytes
                if ready < 1:
                    at(now + 0.01, "free", data)
                    continue
                count = min(count, ready)
                supplied += count * record_bytes
            size = count * record_bytes
            call = control.sent(now, size)
            in_flight += 1
            leave = max(now, cpu_free) + size / producer_bytes_per_second
            cpu_free = leave
            at(leave + latency, "answer", (data, call, count, leave + latency / 2))
        else:
            sender, call, count, seen_at = data
            codes = stream.answer(seen_at, [record_bytes] * count, rng)
            refused = sum(code is not None for code in codes)
            throttled = sum(code == "ServiceUnavailableException" for code in codes) * record_bytes
            figures.records_sent += count
            figures.records_refused += refused
            figures.bytes_sent += count * record_bytes
            figures.accepted.append((now, (count - refused) * record_bytes))
            control.answered(call, now, throttled, record_bytes)
            in_flight -= 1
            figures.paced.append((now, control.rate))
            at(now, "free", sender)
            while waiting:
                at(now, "free", waiting.pop())
    return figures
