"""Deliver events to Firehose: batch, put, resend only what failed, dead-letter.

`send_events` is the library entry point (the CLI and other tools use it).
One thread packs events into calls; `senders` threads make the calls, so
packing overlaps the network and each call's answer. An event counts as sent
only once Firehose accepted the record that holds it; whatever is not accepted
in the end goes to the dead-letter file, so nothing is lost silently.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from producer.batching import MAX_RECORD_BYTES, Batcher, Record, billed_bytes
from producer.deadletter import DeadLetter
from producer.events import Block, Oversized
from producer.firehose import put_record_batch
from producer.results import (
    ACCESS,
    DEFAULT_BACKOFF,
    STREAM_NOT_FOUND,
    Backoff,
    Fatal,
    SendResult,
)

log = logging.getLogger("producer")

_RETRY_CODES = frozenset(
    {
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "ThrottlingException",
        "Throttling",
        "SlowDown",
        "InternalFailure",
        "InternalServerError",
        "InternalError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
_ACCESS_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "IncompleteSignature",
        "SignatureDoesNotMatch",
        "MissingAuthenticationToken",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "AccessDenied",
        "AccessDeniedException",
        "NotAuthorized",
        "KMSAccessDeniedException",
    }
)
TOO_LARGE = f"event larger than Firehose's record limit of {MAX_RECORD_BYTES // 1024:,} KiB"


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
    stop: threading.Event | None = None,
    shutdown_seconds: float = 20.0,
    progress: Callable[[SendResult], None] | None = None,
    progress_seconds: float = 5.0,
) -> SendResult:
    """Send every event to the Firehose stream `stream_name`; return what happened.

    `events` yields events as bytes (a newline is added if missing; empty ones
    are skipped), `Block`s and `Oversized` items from `InputReader`, or None
    while the source waits (so held events still leave within
    `linger_seconds`). Failed records are resent alone, with `backoff`, for up
    to `max_retry_seconds` per call; then they go to `dead_letter`. A missing
    stream or refused credentials stop everything at once (`SendResult.fatal`).
    Once `stop` is set, reading stops and what is held gets `shutdown_seconds`
    to be delivered. An I/O error from `events` ends reading the same way
    (`SendResult.source_error`). `progress` is called every `progress_seconds`.
    Use a client from `make_client` (botocore's own retries off).
    """
    pipeline = _Pipeline(
        client,
        stream_name,
        aggregate=aggregate,
        max_retry_seconds=max_retry_seconds,
        backoff=backoff,
        dead_letter=dead_letter or DeadLetter(None),
        senders=senders,
        linger_seconds=linger_seconds,
        stop=stop or threading.Event(),
        shutdown_seconds=shutdown_seconds,
    )
    return pipeline.run(events, progress, progress_seconds)


class _Batch:
    """One call's records; `pending` are those not accepted yet."""

    __slots__ = ("pending", "done")

    def __init__(self, records: list[Record]) -> None:
        self.pending = records
        self.done = False


_END = None  # tells a sender thread to finish


class _Pipeline:
    def __init__(
        self,
        client: Any,
        stream_name: str,
        *,
        aggregate: bool,
        max_retry_seconds: float,
        backoff: Backoff,
        dead_letter: DeadLetter,
        senders: int,
        linger_seconds: float,
        stop: threading.Event,
        shutdown_seconds: float,
    ) -> None:
        self._client = client
        self._stream = stream_name
        self._batcher = Batcher(aggregate=aggregate)
        self._max_retry = max_retry_seconds
        self._backoff = backoff
        self._dead = dead_letter
        self._senders = senders
        self._linger = linger_seconds
        self._stop = stop
        self._shutdown_seconds = shutdown_seconds
        self._queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=senders)
        self._lock = threading.Lock()
        self._inflight: set[_Batch] = set()
        self._abort = threading.Event()
        self._abort_reason = ""
        self._deadline: float | None = None
        self._result = SendResult(dead_letter=dead_letter.path)
        self._errors: Counter[str] = Counter()
        self._warned: set[str] = set()
        self._start = time.monotonic()

    # Main thread --------------------------------------------------------

    def run(
        self,
        events: Iterable[bytes | Block | Oversized | None],
        progress: Callable[[SendResult], None] | None,
        progress_seconds: float,
    ) -> SendResult:
        workers = [
            threading.Thread(target=self._sender, name=f"firehose-sender-{i}", daemon=True)
            for i in range(self._senders)
        ]
        for worker in workers:
            worker.start()
        finished = threading.Event()
        reporter = None
        if progress is not None:
            reporter = threading.Thread(
                target=self._report, args=(progress, progress_seconds, finished), name="progress", daemon=True
            )
            reporter.start()
        try:
            try:
                self._ingest(events)
            except OSError as err:  # the source broke (an input read error): deliver what was read
                self._result.source_error = f"{type(err).__name__}: {err}"
            for batch in self._batcher.flush():
                self._submit(batch)
            self._finish(workers)
        finally:
            finished.set()
            if reporter is not None:
                reporter.join(timeout=5)
            self._dead.close()
        return self.snapshot()

    def _ingest(self, events: Iterable[bytes | Block | Oversized | None]) -> None:
        batcher = self._batcher
        clock = time.monotonic
        for item in events:
            now = clock()
            if item is not None:
                for batch in self._take(item, now):
                    self._submit(batch)
            since = batcher.since
            if since is not None and now - since >= self._linger:
                for batch in batcher.flush():
                    self._submit(batch)
            if self._stop.is_set() or self._abort.is_set():
                break
        self._result.stopped = self._stop.is_set()

    def _take(self, item: bytes | Block | Oversized, now: float) -> list[list[Record]]:
        # events_read has one writer (this thread), so it needs no lock.
        if isinstance(item, Block):
            self._result.events_read += item.events
            return self._batcher.add(item.data, item.events, now)
        if isinstance(item, bytes) and (not item or item.isspace()):
            return []
        self._result.events_read += 1
        if isinstance(item, Oversized):
            log.warning(
                "line %d is %s bytes, over Firehose's record limit of %s bytes: dead-lettered",
                item.line,
                f"{item.size:,}",
                f"{MAX_RECORD_BYTES:,}",
            )
            with item.spool:
                self._dead.add(item.spool, 1, TOO_LARGE)
            return []
        if not item.endswith(b"\n"):
            item += b"\n"
        if len(item) > MAX_RECORD_BYTES:
            log.warning(
                "an event of %s bytes is over Firehose's record limit of %s bytes: dead-lettered",
                f"{len(item):,}",
                f"{MAX_RECORD_BYTES:,}",
            )
            self._dead.add(item, 1, TOO_LARGE)
            return []
        return self._batcher.add(item, 1, now)

    def _submit(self, records: list[Record]) -> None:
        """Queue a call for the senders, waiting while they are all busy."""
        batch = _Batch(records)
        while not self._abort.is_set():
            try:
                self._queue.put(batch, timeout=0.1)
                return
            except queue.Full:
                self._check_deadline()
        self._give_up(batch, self._abort_reason)

    def _finish(self, workers: list[threading.Thread]) -> None:
        for _ in workers:
            while not self._abort.is_set():
                try:
                    self._queue.put(_END, timeout=0.1)
                    break
                except queue.Full:
                    self._check_deadline()
        while any(worker.is_alive() for worker in workers):
            if self._deadline is not None and time.monotonic() >= self._deadline:
                self._abandon_inflight(workers)
                break
            self._check_deadline()
            for worker in workers:
                worker.join(timeout=0.1)
        # A call queued just as the senders quit on an abort is still here.
        self._drain_queue(self._abort_reason)

    def _check_deadline(self) -> None:
        """After a stop, allow `shutdown_seconds`; then dead-letter what is left."""
        if self._deadline is None and (self._stop.is_set() or self._abort.is_set()):
            self._deadline = time.monotonic() + self._shutdown_seconds
        if self._deadline is not None and time.monotonic() >= self._deadline:
            self._begin_abort(f"not accepted within the {self._shutdown_seconds:g} s allowed after a stop")

    def _begin_abort(self, reason: str) -> None:
        """Stop sending: queued calls are dead-lettered now, calls being
        retried at their next turn."""
        with self._lock:
            if self._abort.is_set():
                return
            self._abort_reason = reason
            self._warned.add(reason)  # the summary (and a fatal error's line) explain it
            self._abort.set()
        self._drain_queue(reason)

    def _drain_queue(self, reason: str) -> None:
        while True:
            try:
                batch = self._queue.get_nowait()
            except queue.Empty:
                return
            if batch is not None:
                self._give_up(batch, reason)

    def _abandon_inflight(self, workers: list[threading.Thread]) -> None:
        """At the shutdown deadline: senders waiting to retry give up at once;
        calls still unanswered have an unknown outcome, so their records are
        dead-lettered too (should one succeed late, that is a duplicate)."""
        self._begin_abort(f"not accepted within the {self._shutdown_seconds:g} s allowed after a stop")
        end = time.monotonic() + 0.2
        for worker in workers:
            worker.join(timeout=max(0.0, end - time.monotonic()))
        reason = f"no answer from Firehose within the {self._shutdown_seconds:g} s allowed after a stop"
        with self._lock:
            self._warned.add(reason)
            batches = list(self._inflight)
        for batch in batches:
            self._give_up(batch, reason)

    def _report(self, progress: Callable[[SendResult], None], every: float, finished: threading.Event) -> None:
        while not finished.wait(every):
            progress(self.snapshot())

    def snapshot(self) -> SendResult:
        with self._lock:
            result = SendResult(**vars(self._result))
            result.errors = dict(self._errors)
        result.events_failed, result.dead_lettered, result.failures = self._dead.figures()
        result.elapsed_seconds = time.monotonic() - self._start
        return result

    # Sender threads -----------------------------------------------------

    def _sender(self) -> None:
        rng = random.Random()
        while True:
            try:
                batch = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._abort.is_set():
                    return
                continue
            if batch is _END:
                return
            with self._lock:
                self._inflight.add(batch)
            try:
                self._deliver(batch, rng)
            except Exception as err:  # a bug must not lose the batch
                log.exception("unexpected error while sending")
                self._give_up(batch, f"unexpected error: {type(err).__name__}: {err}")
            finally:
                with self._lock:
                    self._inflight.discard(batch)

    def _deliver(self, batch: _Batch, rng: random.Random) -> None:
        deadline = time.monotonic() + self._max_retry
        attempt = 0
        while True:
            if self._abort.is_set():
                self._give_up(batch, self._abort_reason)
                return
            if attempt:
                with self._lock:
                    self._result.retries += len(batch.pending)
            failure = self._put(batch)
            if failure is None:
                return
            reason, retry = failure
            if not retry:
                self._give_up(batch, reason)
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._give_up(batch, f"{reason} (still failing after {self._max_retry:g} s of retries)")
                return
            self._abort.wait(min(self._backoff.delay(attempt, rng), remaining))
            attempt += 1

    def _put(self, batch: _Batch) -> tuple[str, bool] | None:
        """Make one call for what is pending. Returns None once all of it was
        accepted, else why not and whether a retry may help."""
        pending = batch.pending
        try:
            refused = put_record_batch(self._client, self._stream, [data for data, _ in pending])
        except ClientError as err:
            return self._call_failed(err)
        except (HTTPClientError, BotoConnectionError) as err:
            self._count_error(type(err).__name__)
            return f"{type(err).__name__}: {err}", True
        except (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError) as err:
            self._fatal(Fatal(ACCESS, type(err).__name__, str(err)))
            return f"{type(err).__name__}: {err}", False
        except BotoCoreError as err:
            self._count_error(type(err).__name__)
            return f"{type(err).__name__}: {err}", False
        with self._lock:
            self._result.calls += 1
            if batch.done:
                return None  # abandoned at the shutdown deadline meanwhile
            if refused is None:
                self._errors["UnreadableAnswer"] += 1
                return "the answer did not say which records failed", True
            failed = {index for index, _, _ in refused}
            self._count_sent([r for i, r in enumerate(pending) if i not in failed] if failed else pending)
            if not refused:
                batch.pending = []
                batch.done = True
                return None
            batch.pending = [pending[i] for i in sorted(failed)]
            self._errors.update(code for _, code, _ in refused)
            _, code, message = refused[0]
        return (f"{code}: {message}" if message else code), True

    def _count_sent(self, records: list[Record]) -> None:
        sizes = [len(data) for data, _ in records]
        result = self._result
        result.events_sent += sum(events for _, events in records)
        result.bytes_sent += sum(sizes)
        result.records_sent += len(records)
        result.billed_bytes += billed_bytes(sizes)

    def _call_failed(self, err: ClientError) -> tuple[str, bool]:
        error = err.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        reason = f"{code}: {error.get('Message') or err}"
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        with self._lock:
            self._result.calls += 1
        self._count_error(code)
        if code == "ResourceNotFoundException":
            self._fatal(Fatal(STREAM_NOT_FOUND, code, str(error.get("Message") or err)))
            return reason, False
        if code in _ACCESS_CODES:
            self._fatal(Fatal(ACCESS, code, str(error.get("Message") or err)))
            return reason, False
        return reason, code in _RETRY_CODES or status >= 500

    def _count_error(self, code: str) -> None:
        with self._lock:
            self._errors[code] += 1

    def _fatal(self, fatal: Fatal) -> None:
        with self._lock:
            if self._result.fatal is None:
                self._result.fatal = fatal
        self._begin_abort(f"{fatal.code}: {fatal.message}")

    def _give_up(self, batch: _Batch, reason: str) -> None:
        """Dead-letter what is still pending, once."""
        with self._lock:
            if batch.done:
                return
            batch.done = True
            pending, batch.pending = batch.pending, []
            first = reason not in self._warned
            self._warned.add(reason)
        if not pending:
            return
        if first:
            log.warning("events not delivered (dead-lettered; counted in the summary): %s", reason)
        events = sum(events for _, events in pending)
        self._dead.add(b"".join(data for data, _ in pending), events, reason)
