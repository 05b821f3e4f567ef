"""Athena's queries run asynchronously: a queue and a few workers, owned by the athena package's start() and stop().

A query's life, as Athena's API reference describes it (QueryExecutionStatus):

    QUEUED --a worker takes it--> RUNNING --> SUCCEEDED    it ended, its result published
       |                            |     --> FAILED       an error, or past the time limit
       |                            |     --> CANCELLED    StopQueryExecution, or past the workgroup's scan cutoff
       +---- StopQueryExecution ----+-------> CANCELLED

The three last states are final: StopQueryExecution on a finished query changes nothing. Each change happens under
the query's lock, so a query stopped, timed out or abandoned at stop() never turns SUCCEEDED and its result is never
written; a query that ends as it is stopped is one or the other, whole.
WORKERS threads run queries (limits.py); a watchdog thread fails a query past its time limit and repeats the
interrupt of every query that should have stopped until its worker lets go (DuckDB forgets an interrupt sent just
before its statement starts). stop() cancels what is queued, interrupts what runs and joins every thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from moto.core.exceptions import ServiceException

from .engine import SYSTEM_ERROR, USER_ERROR, Control, Interrupted
from .limits import ACTIVE_QUERIES, TIMEOUT_ENV, WORKERS, Limits

logger = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"
FINAL = (SUCCEEDED, FAILED, CANCELLED)
WATCH_S = 0.05  # how often the watchdog looks at the running queries
JOIN_S = 30.0  # at stop(), how long the workers get to let go of their queries before they are left behind
# Athena's answer when the active (running and queued) queries are at the quota (Service Quotas, Amazon Athena: the
# query past it "will result in a TooManyRequestsException error").
TOO_MANY = (
    "You have exceeded the limit for the number of queries you can run concurrently. Please reduce the number of "
    f"concurrent queries submitted by this account. (The emulator runs {WORKERS} at once and holds {ACTIVE_QUERIES} "
    "running and queued.)"
)


class TooManyRequests(ServiceException):
    code = "TooManyRequestsException"


@dataclass
class Outcome:
    """How a query ended, as the job that ran it says; `publish` writes its result and is called only if it stands."""

    state: str
    columns: list[tuple[str, str]] = field(default_factory=list)
    scanned_bytes: int = 0
    failure: str = ""
    category: int = USER_ERROR
    publish: Callable[[], None] | None = None


Job = Callable[[Control, Limits], Outcome]


def trino_duration(seconds: float) -> str:
    """A time limit as Trino prints one in EXCEEDED_TIME_LIMIT: its largest whole unit, two decimals (30.00m)."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            return f"{seconds / size:.2f}{unit}"
    return f"{seconds * 1000:.2f}ms"


class QueryRun:
    """One execution's state, times and outcome, beside moto's Execution (which holds the query and its settings).
    Every change of state takes its lock, and a final state is never left."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.lock = threading.Lock()
        self.control = Control()
        self.state = QUEUED
        self.submitted = time.time()  # epoch seconds, as the API's dates
        self.completed: float | None = None
        self.outcome = Outcome(QUEUED)
        self.executing = False  # a worker holds it
        self._submitted = time.monotonic()
        self._started: float | None = None
        self._engine_ended: float | None = None
        self._ended: float | None = None
        self._deadline = float("inf")

    def begin(self, timeout_seconds: float) -> None:
        """A worker takes it: RUNNING, for `timeout_seconds` at most."""
        with self.lock:
            self.state = RUNNING
            self._started = time.monotonic()
            self._deadline = self._started + timeout_seconds
            self.executing = True

    def complete(self, outcome: Outcome | None) -> None:
        """Its worker is done: the outcome stands (its result published) unless the query ended meanwhile; None when
        it was interrupted."""
        with self.lock:
            if self.state == RUNNING:
                self._engine_ended = time.monotonic()
                if outcome is not None and outcome.publish is not None:
                    outcome.publish()
                self._finish(outcome or Outcome(CANCELLED))
            self.executing = False

    def cancel(self) -> None:
        """StopQueryExecution: CANCELLED now if it is queued or running."""
        with self.lock:
            if self.state not in FINAL:
                self._finish(Outcome(CANCELLED, scanned_bytes=self.control.scanned_bytes))
        self.control.interrupt()

    def expire(self, failure: str) -> None:
        """FAILED with `failure` if it has been running past its time limit."""
        with self.lock:
            if self.state == RUNNING and time.monotonic() > self._deadline:
                self._finish(
                    Outcome(FAILED, scanned_bytes=self.control.scanned_bytes, failure=failure, category=SYSTEM_ERROR)
                )

    def _finish(self, outcome: Outcome) -> None:
        now = time.monotonic()
        if self._started is not None and self._engine_ended is None:
            self._engine_ended = now
        self._ended = now
        self.completed = time.time()
        self.outcome = outcome
        self.state = outcome.state

    def statistics(self) -> dict[str, int]:
        """QueryExecutionStatistics so far (API reference): time in the queue, in the engine and publishing the
        result, whose sum is the total, in ms; the bytes read."""
        with self.lock:
            now = time.monotonic()
            ended = self._ended or now
            started = self._started if self._started is not None else ended
            engine_ended = self._engine_ended or ended
            scanned = self.outcome.scanned_bytes if self.state in FINAL else self.control.scanned_bytes

        def since_submitted(moment: float) -> int:  # ms, rounded once, so the parts add up to the total
            return round((moment - self._submitted) * 1000)

        marks = [since_submitted(moment) for moment in (started, engine_ended, ended)]
        return {
            "QueryQueueTimeInMillis": marks[0],
            "EngineExecutionTimeInMillis": marks[1] - marks[0],
            "ServiceProcessingTimeInMillis": marks[2] - marks[1],
            "QueryPlanningTimeInMillis": 0,
            "ServicePreProcessingTimeInMillis": 0,
            "TotalExecutionTimeInMillis": marks[2],
            "DataScannedInBytes": scanned,
        }


class Runner:
    """The queue, its workers and the watchdog; start() and stop() belong to the athena package's own."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._queue: deque[QueryRun] = deque()
        self._active: set[QueryRun] = set()  # queued or running, or final while a worker still lets go of it
        self._threads: list[threading.Thread] = []
        self._accepting = False
        self._limits = Limits()

    def start(self, limits: Limits) -> None:
        with self._condition:
            self._limits = limits
            self._accepting = True
        self._threads = [
            threading.Thread(target=self._work, name=f"athena-worker-{n}", daemon=True) for n in range(WORKERS)
        ] + [threading.Thread(target=self._watch, name="athena-watchdog", daemon=True)]
        for thread in self._threads:
            thread.start()

    def submit(self, run: QueryRun) -> None:
        """Queue a query, or refuse it as Athena does past the active queries quota."""
        with self._condition:
            if not self._accepting:
                raise RuntimeError("the emulator's Athena is not started")
            if sum(1 for active in self._active if active.state not in FINAL) >= ACTIVE_QUERIES:
                raise TooManyRequests(TOO_MANY)
            self._active.add(run)
            self._queue.append(run)
            self._condition.notify()

    def cancel(self, run: QueryRun) -> None:
        """StopQueryExecution: a queued or running query ends CANCELLED now; a finished one stays as it is."""
        with self._condition:
            if run in self._queue:
                self._queue.remove(run)
                self._active.discard(run)
        run.cancel()

    def stop(self) -> None:
        """Cancel every queued and running query, interrupt them, and join the workers and the watchdog."""
        with self._condition:
            self._accepting = False
            active = list(self._active)
            self._queue.clear()
            self._active.clear()
            self._condition.notify_all()
        for run in active:
            run.cancel()
        deadline = time.monotonic() + JOIN_S
        for thread in self._threads:
            while thread.is_alive() and time.monotonic() < deadline:
                for run in active:
                    run.control.interrupt()
                thread.join(WATCH_S)
            if thread.is_alive():
                logger.error("the emulator's Athena %s did not let go of its query in %.0fs", thread.name, JOIN_S)
        self._threads = []

    def _next(self) -> QueryRun | None:
        """The next queued query, now RUNNING; None once stop() began."""
        with self._condition:
            while self._accepting:
                if self._queue:
                    run = self._queue.popleft()
                    run.begin(self._limits.timeout_seconds)
                    return run
                self._condition.wait()
            return None

    def _work(self) -> None:
        while (run := self._next()) is not None:
            try:
                outcome = run.job(run.control, self._limits)
            except Interrupted:
                outcome = None  # whoever interrupted it has set its final state
            except Exception as error:  # an engine bug still ends the query, named, and keeps the worker
                logger.exception("the emulator's Athena engine failed")
                outcome = Outcome(FAILED, failure=f"INTERNAL_ERROR_QUERY_ENGINE: {error}", category=SYSTEM_ERROR)
            run.complete(outcome)
            with self._condition:
                self._active.discard(run)

    def _watch(self) -> None:
        """Fail a query past its time limit; interrupt again every query that should have stopped and still runs."""
        failure = (
            f"EXCEEDED_TIME_LIMIT: Query exceeded maximum time limit of {trino_duration(self._limits.timeout_seconds)} "
            f"(the emulator's DML query timeout, {TIMEOUT_ENV}; Athena's default quota is 30 minutes)"
        )
        while True:
            with self._condition:
                if not self._accepting:
                    return  # stop() interrupts what still runs
                executing = [run for run in self._active if run.executing]
            for run in executing:
                run.expire(failure)
                if run.state in FINAL:
                    run.control.interrupt()
            time.sleep(WATCH_S)


RUNNER = Runner()
