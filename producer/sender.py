"""Deliver events to Firehose: pack, pace, put, resend what failed, dead-letter what cannot go.

`send_events` is the library entry point (the CLI and other tools use it). The calling thread
reads and packs the events (`Intake`) into an `Outbox`; `senders` threads take calls from it,
paced by a `RateControl`, and put them. A record Firehose refuses rejoins the outbox ahead of
newer ones, so calls stay full; a call that fails whole puts all its records back, and the
sender that met it waits a backoff that grows with the calls failed in a row (an outage slows
everyone, one failed call no one). An event counts as sent only once Firehose accepted the
record that holds it; what is not accepted in the end goes to the dead-letter file, so nothing
is lost silently.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from producer.answers import THROTTLE_CODES, CallFailure, call_failure
from producer.batching import MAX_BATCH_BYTES, Batcher, Linger, Record
from producer.checkpoint import Checkpoint
from producer.deadletter import DeadLetter
from producer.events import Block, Oversized
from producer.firehose import put_record_batch
from producer.i18n import _, number
from producer.intake import Intake
from producer.outbox import Call, Outbox
from producer.pacing import RateControl, Sent
from producer.results import DEFAULT_BACKOFF, Backoff, SendResult

log = logging.getLogger("producer")


def _unreadable() -> CallFailure:
    return CallFailure(_("the answer did not say which records failed"), "UnreadableAnswer", True)


def send_events(
    client: Any,
    stream_name: str,
    events: Iterable[bytes | Block | Oversized | None],
    *,
    aggregate: bool = True,
    max_retry_seconds: float = 120.0,
    backoff: Backoff = DEFAULT_BACKOFF,
    dead_letter: DeadLetter | None = None,
    senders: int = 4,
    linger_seconds: float = 0.5,
    linger_max_seconds: float | None = None,
    stop: threading.Event | None = None,
    shutdown_seconds: float = 20.0,
    progress: Callable[[SendResult], None] | None = None,
    progress_seconds: float = 5.0,
    checkpoint: Checkpoint | None = None,
) -> SendResult:
    """Send every event to the Firehose stream `stream_name`; return what happened.

    `events` yields events as bytes (a newline is added if missing; empty ones are skipped),
    `Block`s and `Oversized` items from `InputReader`, or None while the source waits (so held
    events still leave on time). Held events leave after `linger_seconds`, or, packed, once
    their record fills its billing granule, `linger_max_seconds` at the latest (see `Linger`).
    A refused record is resent, for up to `max_retry_seconds` from its first failure; then it
    goes to `dead_letter`. After two or more calls failed in a row, a sender waits `backoff`.
    A missing stream or refused credentials stop everything at once (`SendResult.fatal`).
    Once `stop` is set, reading stops and what is held gets `shutdown_seconds` to be
    delivered. An I/O error from `events` ends reading the same way (`SendResult.source_error`).
    `progress` is called every `progress_seconds`; `checkpoint` is kept as events are settled.
    Use a client from `make_client` (botocore's own retries off).
    """
    linger = Linger(linger_seconds, max(linger_seconds, linger_max_seconds or linger_seconds))
    pipeline = _Pipeline(
        client,
        stream_name,
        max_retry_seconds=max_retry_seconds,
        backoff=backoff,
        dead_letter=dead_letter or DeadLetter(None),
        senders=senders,
        stop=stop or threading.Event(),
        shutdown_seconds=shutdown_seconds,
        checkpoint=checkpoint,
    )
    intake = Intake(Batcher(aggregate=aggregate, linger=linger), pipeline.dead, pipeline.submit, checkpoint)
    return pipeline.run(intake, events, progress, progress_seconds)


class _Pipeline:
    """The senders, and what they share under one lock (`_cond`): the outbox, the pace, the figures."""

    def __init__(
        self,
        client: Any,
        stream_name: str,
        *,
        max_retry_seconds: float,
        backoff: Backoff,
        dead_letter: DeadLetter,
        senders: int,
        stop: threading.Event,
        shutdown_seconds: float,
        checkpoint: Checkpoint | None,
    ) -> None:
        self._client = client
        self._stream = stream_name
        self._max_retry = max_retry_seconds
        self._backoff = backoff
        self.dead = dead_letter
        self._senders = senders
        self._stop = stop
        self._shutdown_seconds = shutdown_seconds
        self._checkpoint = checkpoint
        self._cond = threading.Condition()
        self._outbox = Outbox()
        self._rate = RateControl()
        self._in_flight: set[Call] = set()
        self._held = 0  # bytes handed to the outbox and not settled yet
        self._input_done = False
        self._failed_in_a_row = 0
        self._expiry_checked = 0.0
        self._result = SendResult(dead_letter=dead_letter.path)
        self._errors: Counter[str] = Counter()
        self._warned: set[str] = set()
        self._aborted = threading.Event()
        self._abort_reason = ""
        self._deadline: float | None = None
        self._intake: Intake | None = None
        self._start = time.monotonic()

    # Calling thread ----------------------------------------------------------

    def run(
        self,
        intake: Intake,
        events: Iterable[bytes | Block | Oversized | None],
        progress: Callable[[SendResult], None] | None,
        progress_seconds: float,
    ) -> SendResult:
        self._intake = intake
        workers = [
            threading.Thread(target=self._sender, name=f"firehose-sender-{i}", daemon=True)
            for i in range(self._senders)
        ]
        finished = threading.Event()
        if progress is not None:
            reporter = threading.Thread(target=self._report, args=(progress, progress_seconds, finished), daemon=True)
            workers.append(reporter)
        for worker in workers:
            worker.start()
        try:
            try:
                intake.run(events, lambda: self._stop.is_set() or self._aborted.is_set(), self._tick)
            except OSError as err:  # the source broke (an input read error): deliver what was read
                self._result.source_error = f"{type(err).__name__}: {err}"
            self._result.stopped = self._stop.is_set()
            self._finish(workers[: self._senders])
        finally:
            finished.set()
            if progress is not None:
                reporter.join(timeout=5)
            self.dead.close()
            self._save_checkpoint(time.monotonic(), force=True)
        return self.snapshot()

    def submit(self, records: list[Record]) -> None:
        """Hand a call to the senders, waiting while they hold enough (2 calls each, in bytes)."""
        size = sum(len(data) for data, _ in records)
        while True:
            with self._cond:
                if self._aborted.is_set():
                    break
                if not self._held or (
                    self._held + size <= 2 * self._senders * MAX_BATCH_BYTES
                    and self._outbox.fresh_calls <= self._senders  # one to spare: resends take part of a call
                ):
                    self._outbox.put(records)
                    self._held += size
                    self._cond.notify()
                    return
                self._cond.wait(0.05)
            now = time.monotonic()
            self._check_deadline(now)
            self._save_checkpoint(now, force=True)
        self._dead_letter((), records, self._abort_reason)

    def _tick(self, now: float) -> None:
        """After each piece of input: keep the checkpoint, and read on only while reading is
        less than the read-ahead past it (what a killed run would resend)."""
        self._save_checkpoint(now)
        while (checkpoint := self._checkpoint) is not None and checkpoint.behind() > checkpoint.read_ahead:
            with self._cond:
                if self._aborted.is_set() or self._stop.is_set():
                    return  # reading stops anyway
                self._cond.wait(0.05)
            now = time.monotonic()
            self._check_deadline(now)
            self._save_checkpoint(now, force=True)

    def _finish(self, senders: list[threading.Thread]) -> None:
        """Wait until every record is settled, or the time allowed after a stop is up."""
        with self._cond:
            self._input_done = True
            self._cond.notify_all()
        while True:
            with self._cond:
                if not self._held or self._aborted.is_set() and not self._in_flight:
                    break
                self._cond.wait(0.1)
            now = time.monotonic()
            if self._check_deadline(now):
                break
            self._save_checkpoint(now)
        for sender in senders:
            sender.join(timeout=0.2 if self._aborted.is_set() else None)

    def _check_deadline(self, now: float) -> bool:
        """After a stop, allow `shutdown_seconds`; then give up on what is left. True once given up."""
        if self._deadline is None and (self._stop.is_set() or self._aborted.is_set()):
            self._deadline = now + self._shutdown_seconds
        if self._deadline is None or now < self._deadline:
            return False
        allowed = number(self._shutdown_seconds, "g")
        self._begin_abort(_("not accepted within the {seconds} s allowed after a stop").format(seconds=allowed))
        # Calls about to be answered get a moment (what they refuse is dead-lettered as not
        # accepted); those still unanswered then have an unknown outcome: dead-letter them too
        # (should one succeed late, that is a duplicate, never a loss). Late answers are ignored.
        reason = _("no answer from Firehose within the {seconds} s allowed after a stop").format(seconds=allowed)
        with self._cond:
            self._cond.wait_for(lambda: not self._in_flight, timeout=0.2)
            calls = [call for call in self._in_flight if not call.done]
            for call in calls:
                call.done = True
            self._in_flight.clear()
        for call in calls:
            self._dead_letter(call.keys, call.records, reason)
        return True

    def _save_checkpoint(self, now: float, *, force: bool = False) -> None:
        checkpoint = self._checkpoint
        if checkpoint is None:
            return
        events, written, _reasons = self.dead.figures()
        if events != written:
            problem = _("the dead-letter file lost events (a rerun sends them again)")
        else:
            with self._cond:
                settled = self._outbox.settled_events
            checkpoint.advance(settled)
            checkpoint.save_if_due(now, force=force)
            if checkpoint.error is None:
                return
            problem = _("cannot write it: {problem}").format(problem=checkpoint.error)
        log.warning(
            _("--checkpoint {path} stays at byte {offset}: {problem}").format(
                path=checkpoint.path, offset=number(checkpoint.written, ","), problem=problem
            )
        )
        self._checkpoint = None

    def _report(self, progress: Callable[[SendResult], None], every: float, finished: threading.Event) -> None:
        while not finished.wait(every):
            progress(self.snapshot())

    def snapshot(self) -> SendResult:
        with self._cond:
            result = SendResult(**vars(self._result))
            result.errors = dict(self._errors)
        result.events_read = self._intake.events_read if self._intake else 0
        result.events_failed, result.dead_lettered, result.failures = self.dead.figures()
        result.elapsed_seconds = time.monotonic() - self._start
        return result

    # Sender threads -----------------------------------------------------------

    def _sender(self) -> None:
        rng = random.Random()
        while (taken := self._next_call()) is not None:
            call, sent = taken
            if sent is None:  # records failing for too long, taken out to be dead-lettered
                self._dead_letter_each(call)
                continue
            try:
                try:
                    refused = put_record_batch(self._client, self._stream, [data for data, _ in call.records])
                    failure = _unreadable() if refused is None else None
                except Exception as err:  # botocore's errors (call_failure re-raises anything else)
                    refused, failure = [], call_failure(err)
            except Exception as err:  # a bug must not lose the call
                log.exception(_("unexpected error while sending"))
                unexpected = _("unexpected error: {problem}").format(problem=f"{type(err).__name__}: {err}")
                refused, failure = [], CallFailure(unexpected, "Bug", False)
            self._answered(call, sent, refused or [], failure, rng)

    def _next_call(self) -> tuple[Call, Sent | None] | None:
        """Wait for a call to send and for the pace to allow it; None when there is nothing left."""
        with self._cond:
            while not self._aborted.is_set():
                now = time.monotonic()
                oldest = self._outbox.oldest_failure()
                if oldest is not None and oldest < now - self._max_retry and now - self._expiry_checked >= 0.05:
                    self._expiry_checked = now
                    expired = self._outbox.expired(now - self._max_retry)
                    if expired:
                        retried = _("(still failing after {seconds} s of retries)").format(
                            seconds=number(self._max_retry, "g")
                        )
                        reasons = [f"{reason} {retried}" for _, _, reason in expired]
                        call = Call(
                            [record for _, record, _ in expired], [key for key, _, _ in expired], reasons=reasons
                        )
                        return call, None
                limit = self._rate.calls_in_flight()
                if self._outbox and (limit is None or len(self._in_flight) < limit):
                    delay = self._rate.delay(now)
                    if not delay:
                        call = self._outbox.take(self._rate.call_bytes())
                        self._in_flight.add(call)
                        self._cond.notify_all()  # room for the reader
                        self._result.retries += sum(since is not None for since in call.since or ())
                        return call, self._rate.sent(now, call.size)
                    self._cond.wait(min(delay, 0.1))
                elif self._input_done and not self._held:
                    return None
                else:
                    self._cond.wait(0.1)  # nothing to send, or slow start: an answer notifies
        return None

    def _answered(
        self,
        call: Call,
        sent: Sent,
        refused: list[tuple[int, str, str]],
        failure: CallFailure | None,
        rng: random.Random,
    ) -> None:
        """Count what Firehose accepted; resend what it refused, or give it up."""
        records = call.records
        if failure is not None:  # the call failed whole
            failed = dict.fromkeys(range(len(records)), failure.reason)
            throttled = call.size if failure.throttled else 0
        else:
            failed = {index: f"{code}: {message}" if message else code for index, code, message in refused}
            throttled = sum(len(records[index][0]) for index, code, _ in refused if code in THROTTLE_CODES)
        now = time.monotonic()
        with self._cond:
            self._in_flight.discard(call)
            if failure is None or failure.answered:
                self._result.calls += 1
            self._errors.update([failure.code] if failure else [code for _, code, _ in refused])
            if call.done:  # given up at the shutdown deadline meanwhile
                return
            call.done = True
            kept = [i for i in range(len(records)) if i not in failed] if failed else range(len(records))
            if kept:
                self._result.count_sent([len(records[i][0]) for i in kept], sum(records[i][1] for i in kept))
                self._outbox.settle(call.keys if len(kept) == len(records) else [call.keys[i] for i in kept])
                self._held -= call.size if len(kept) == len(records) else sum(len(records[i][0]) for i in kept)
            fatal = failure.fatal if failure else None
            if fatal is not None and self._result.fatal is None:
                self._result.fatal = fatal
            give_up = (failure is not None and not failure.retry) or self._aborted.is_set()
            if failed and not give_up:
                self._outbox.retry(call, list(failed), now, list(failed.values()))
            self._pace(sent, now, throttled, max(len(data) for data, _ in records))
            self._failed_in_a_row = 0 if kept else self._failed_in_a_row + 1
            in_a_row = self._failed_in_a_row
            self._cond.notify_all()
        if fatal is not None:
            self._begin_abort(failure.reason)
        if failed and give_up:
            indices = sorted(failed)
            reason = self._abort_reason if self._aborted.is_set() else failure.reason
            self._dead_letter([call.keys[i] for i in indices], [records[i] for i in indices], reason)
        elif in_a_row >= 2:
            self._aborted.wait(self._backoff.delay(in_a_row - 2, rng))

    def _pace(self, sent: Sent, now: float, throttled: int, largest: int) -> None:
        """Tell the pace about an answer; a bug there must not stop delivery: it goes on unpaced."""
        try:
            self._rate.answered(sent, now, throttled, largest)
        except Exception:
            log.exception(_("unexpected error in the pace; sending goes on unpaced"))
            self._rate = RateControl()

    # Giving up ------------------------------------------------------------------

    def _begin_abort(self, reason: str) -> None:
        """Stop sending: what waits is dead-lettered now, calls in flight when they answer."""
        with self._cond:
            if self._aborted.is_set():
                return
            self._abort_reason = reason
            self._warned.add(reason)  # the summary (and a fatal error's line) explain it
            self._aborted.set()
            keys, records = self._outbox.drain()
            self._cond.notify_all()
        self._dead_letter(keys, records, reason)

    def _dead_letter_each(self, call: Call) -> None:
        """Dead-letter records that each carry their own reason."""
        by_reason: dict[str, list[int]] = {}
        for index, reason in enumerate(call.reasons or ()):
            by_reason.setdefault(reason, []).append(index)
        for reason, indices in by_reason.items():
            self._dead_letter([call.keys[i] for i in indices], [call.records[i] for i in indices], reason)

    def _dead_letter(self, keys: Sequence[int], records: Sequence[Record], reason: str) -> None:
        """Write records to the dead-letter file, then settle those from the outbox (`keys`):
        a checkpoint never passes an event that is neither accepted nor written."""
        if not records:
            return
        with self._cond:
            first = reason not in self._warned
            self._warned.add(reason)
        if first:
            log.warning(
                _("events not delivered (dead-lettered; counted in the summary): {reason}").format(reason=reason)
            )
        self.dead.add(b"".join(data for data, _ in records), sum(events for _, events in records), reason)
        if keys:
            with self._cond:
                self._outbox.settle(keys)
                self._held -= sum(len(data) for data, _ in records)
                self._cond.notify_all()
