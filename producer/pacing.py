"""How fast the producer sends: the stream's throughput quota, learned from Firehose's answers.

Firehose refuses the records beyond a stream's quota (Direct PUT: 5 MiB/s, 2,000 calls/s,
500,000 records/s in us-east-1, us-west-2 and eu-west-1; 1 MiB/s, 1,000 calls/s, 100,000
records/s elsewhere; raised on request) with ServiceUnavailableException, per record inside a
PutRecordBatch answer ("Back off and retry ... throughput limits for the Firehose stream may
have been exceeded": Firehose API reference). The same code also comes back now and then
for reasons the producer's pace cannot help, so a throttle alone does not prove the quota:

- The producer runs unpaced until the stream refuses most of what it sends (3/4 of the
  latest calls), or a fifth of it for half a second. Then it paces itself at what the stream
  took over the last second, plus a small headroom. (A stream that takes nothing at all is
  down, not over a quota: the sender pipeline's backoff on failed calls waits that out.)
- While paced, the quota is measured: right after a record is refused for throughput the
  stream has no allowance left, so the bytes it took between two such refusals are what its
  quota refilled in between. The pace follows that estimate down (never up: see the next two).
- Pacing must earn its keep: if the share of refused bytes does not at least halve once
  the pace follows the estimate (or later stays above 15 %), the throttles were not the
  quota's; the producer runs unpaced again and waits before trying again (2 s, doubling
  up to a minute).
- With no throttle for a while the pace rises 10 % a second (the quota may have been
  raised); once far above what the producer sends, pacing stops.
- At the start, before anything is known, one call goes out at a time, then twice as many
  after each answer with nothing refused (TCP's slow start): four senders' first calls at
  once would overshoot a stream's first second of quota by several MB.

Bytes are paced (the quota that meets large records first); a stream held back by its
record or call quota is paced the same way, in bytes. No threads, no clock of its own:
callers pass `now`, so the rules are tested against a scripted stream.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

HEADROOM = 0.02
"""Pace this much above the estimate: the quota's own refusals keep it measured."""

SATURATED_SHARE = 0.75
"""Unpaced, the latest calls had this share of their bytes refused for throughput: pace now."""

STEADY_SHARE = 0.20
"""Unpaced, this share refused for STEADY_SECONDS (at least STEADY_CALLS calls): pace, on trial."""
STEADY_SECONDS = 0.5
STEADY_CALLS = 4

PACED_SHARE_LIMIT = 0.15
"""Paced at the estimate, more than this refused means the pace is not what refuses them."""

TICK_SECONDS = 0.05
"""While paced, one call carries at most this long's worth of the pace: small calls, evenly spread."""

QUIET_SECONDS = 2.0
"""No throttle for this long (and for 100 records' worth): the pace rises."""

GROWTH = 1.10
"""Rise per second once quiet."""

FIRST_HOLD_OFF = 2.0
MAX_HOLD_OFF = 60.0

_WINDOW = 1.0
"""The quota is per second: measurements look back this far."""

_SETTLE_SECONDS = 0.5
"""An estimate needs at least this much time between two refusals (plus answer latency)."""

_SLOW_START_END = 64
"""Calls in flight past which slow start stops counting."""


@dataclass(eq=False)
class Sent:
    """A call on its way: when it left and how many bytes it carried."""

    at: float
    size: int
    paced_at_estimate: bool


class RateControl:
    """Paces the bytes sent to the stream's throughput quota (see the module docstring)."""

    def __init__(self) -> None:
        self.rate: float | None = None
        """Bytes per second allowed, or None: unpaced."""
        self._next = 0.0  # when the next call may leave
        self._in_flight: set[Sent] = set()
        self._largest = 1
        # Unpaced answers of the last second: (answered at, sent at, size, throttled).
        self._unpaced: deque[tuple[float, float, int, int]] = deque()
        # Bytes the stream took (did not refuse for throughput) in the last second: (answered at, bytes).
        self._took: deque[tuple[float, int]] = deque()
        self._sent_lately: deque[tuple[float, int]] = deque()
        self._hold_until = float("-inf")
        self._hold_off = FIRST_HOLD_OFF
        # The quota estimate: since the call `_since` (refused for throughput), the bytes calls sent after it took.
        self._since: float | None = None
        self._since_latency = 0.0  # how long that call took to be answered
        self._taken = 0
        self._window: int | None = 1  # calls allowed in flight during slow start (None: no limit)
        self._window_frozen_at: float | None = None
        self._at_estimate = False
        self._trial: float | None = None  # refused share before pacing, while on trial
        self._judged = [0, 0, 0, 0.0]  # bytes, refused, calls, first sent at: calls paced at the estimate
        self._last_throttle = float("-inf")
        self._since_throttle = 0
        self._last_rise = float("-inf")
        self._paced_at = float("-inf")

    # Sending ----------------------------------------------------------------

    def calls_in_flight(self) -> int | None:
        """How many calls may be in flight (slow start), or None: as many as there are senders."""
        return self._window

    def call_bytes(self) -> int | None:
        """Most bytes one call should carry now (at least one record), or None: no limit."""
        if self.rate is None:
            return None
        return max(int(self.rate * TICK_SECONDS), self._largest)

    def delay(self, now: float) -> float:
        """Seconds to wait before the next call may leave (0: now)."""
        if self.rate is None or now >= self._next:
            return 0.0
        return self._next - now

    def sent(self, now: float, size: int) -> Sent:
        """A call of `size` bytes leaves now (after `delay` said 0)."""
        if self.rate is not None:
            self._pace_check(now)
        if self.rate is not None:
            self._next = max(now, self._next) + size / self.rate
        call = Sent(now, size, self.rate is not None and self._at_estimate)
        self._in_flight.add(call)
        self._sent_lately.append((now, size))
        _trim(self._sent_lately, now)
        return call

    def _pace_check(self, now: float) -> None:
        """Before a paced call: the estimate stays valid only while the producer keeps up with the
        pace; the pace rises after a quiet spell, and stops once far above what is sent."""
        _trim(self._sent_lately, now)
        sent = sum(size for _, size in self._sent_lately)
        if self._trial is not None and now - self._last_throttle >= QUIET_SECONDS:
            self._trial = None  # no refusal at all since: pacing helped
        if now - self._paced_at >= _WINDOW and sent < self.rate * _WINDOW / 2:
            # The producer had less to send than the pace allowed: the stream's allowance may have refilled.
            self._since = None
            if self._trial is None and now - self._last_throttle > QUIET_SECONDS and self.rate > 4 * max(sent, 1):
                self._unpace(now, hold=0.0)
                return
        if (
            self._trial is None
            and now - self._last_throttle >= QUIET_SECONDS
            and self._since_throttle >= 100 * self._largest
            and now - self._last_rise >= _WINDOW
        ):
            self.rate *= GROWTH
            self._last_rise = now
            self._at_estimate = False

    # Answers ------------------------------------------------------------------

    def answered(self, call: Sent, now: float, throttled: int, largest_record: int) -> None:
        """The answer to `call`: `throttled` of its bytes were refused for throughput (all of
        them for a throttled call); `largest_record` is its largest record's size."""
        self._in_flight.discard(call)
        self._largest = max(self._largest, largest_record)
        self._took.append((now, call.size - throttled))
        _trim(self._took, now)
        self._since_throttle += call.size
        if throttled:
            self._last_throttle = now
            self._since_throttle = 0
        self._slow_start(now, throttled)
        if self.rate is None:
            self._unpaced.append((now, call.at, call.size, throttled))
            _trim(self._unpaced, now)
            if throttled and now >= self._hold_until:
                self._maybe_pace(now, call)
            return
        if self._since is not None and call.at > self._since:
            self._taken += call.size - throttled
        if call.paced_at_estimate and self._judge(call, now, throttled):
            return
        if throttled:
            self._estimate(call, now, largest_record)

    def _slow_start(self, now: float, throttled: int) -> None:
        if self._window is None:
            return
        if self.rate is not None or self._window >= _SLOW_START_END:
            self._window = None
        elif throttled and self._window_frozen_at is None:
            self._window_frozen_at = now  # hold the window: the pace, if any, takes over
        elif self._window_frozen_at is None:
            self._window *= 2
        elif now - self._window_frozen_at >= _SETTLE_SECONDS:
            self._window = None  # throttled, yet not paced: the refusals are not the quota's

    def _maybe_pace(self, now: float, call: Sent) -> None:
        latest, size, refused = 0, 0, 0
        for _, _, call_size, call_refused in reversed(self._unpaced):
            latest, size, refused = latest + 1, size + call_size, refused + call_refused
            if latest >= 3 and size >= 8 * self._largest:
                break
        if latest >= 2 and size >= 8 * self._largest and refused >= SATURATED_SHARE * size:
            before = refused / size
        else:
            calls = list(self._unpaced)
            size = sum(entry[2] for entry in calls)
            if len(calls) < STEADY_CALLS or size < 8 * self._largest or now - calls[0][0] < STEADY_SECONDS:
                return
            if sum(entry[3] for entry in calls) < STEADY_SHARE * size:
                return
            first = min(sent_at for _, sent_at, _, refused in calls if refused)
            after = [entry for entry in calls if entry[1] >= first]
            before = sum(entry[3] for entry in after) / sum(entry[2] for entry in after)
        took = sum(size for _, size in self._took)
        if not took:
            return  # the stream takes (almost) nothing: an outage, not a quota; the failed-call backoff waits it out
        self.rate = took * (1 + HEADROOM)
        self._next = now
        self._since, self._since_latency, self._taken = call.at, now - call.at, 0
        self._at_estimate = False
        self._trial = before
        self._judged = [0, 0, 0, 0.0]
        self._paced_at = now
        self._unpaced.clear()

    def _estimate(self, call: Sent, now: float, largest_record: int) -> None:
        """A refusal for throughput: tighten the quota estimate."""
        if self._since is None:
            self._since, self._since_latency, self._taken = call.at, now - call.at, 0
            return
        # The stream saw the first refused call at most its latency after it left, and this one
        # no earlier than it left: the shortest time that can have passed between the two.
        elapsed = call.at - (self._since + self._since_latency)
        if elapsed < _SETTLE_SECONDS:
            return
        if not self._taken:
            return  # nothing taken since: an outage says nothing about the quota
        unanswered = sum(other.size for other in self._in_flight if self._since < other.at < call.at)
        quota = (self._taken + unanswered + largest_record) / elapsed
        self.rate = max(min(self.rate, quota * (1 + HEADROOM)), self._largest)
        self._at_estimate = True

    def _judge(self, call: Sent, now: float, throttled: int) -> bool:
        """Count a call paced at the estimate; once there are enough, keep pacing or stop. True if stopped."""
        judged = self._judged
        if not judged[2]:
            judged[3] = call.at
        judged[0] += call.size
        judged[1] += throttled
        judged[2] += 1
        if judged[2] < 20 or judged[0] < 40 * self._largest or call.at - judged[3] < _SETTLE_SECONDS:
            return False
        share = judged[1] / judged[0]
        self._judged = [0, 0, 0, 0.0]
        if self._trial is not None:
            helped = share <= self._trial / 2
            self._trial = None
            if helped:
                self._hold_off = FIRST_HOLD_OFF
                return False
        elif share <= PACED_SHARE_LIMIT:
            return False
        self._unpace(now, hold=self._hold_off)
        self._hold_off = min(MAX_HOLD_OFF, 2 * self._hold_off)
        return True

    def _unpace(self, now: float, hold: float) -> None:
        self.rate = None
        self._since = None
        self._trial = None
        self._at_estimate = False
        self._unpaced.clear()
        self._hold_until = now + hold


def _trim(window: deque, now: float) -> None:
    while window and window[0][0] < now - _WINDOW:
        window.popleft()
