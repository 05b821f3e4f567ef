"""What the senders send next: records to resend first, oldest input first, then fresh calls in order.

A record Firehose refused rejoins the outgoing stream (as the KPL and Kinesis Agent do), so
calls stay full while some records are retried, and no sender sleeps on one batch's
failures. Every record keeps its place in the input (a key: the fresh call it came in and its
index there), so resent records leave in input order, ahead of newer ones. A record is
settled once: accepted, or handed over to be dead-lettered; `settled_events` counts the
events of the fresh calls settled in order, from the first: what a checkpoint may cover.

No threads and no clock here: the sender pipeline holds the lock and passes `now`.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator, Sequence

from producer.batching import MAX_BATCH_BYTES, MAX_BATCH_RECORDS, Record

_STRIDE = 1 << 9
"""Keys: fresh call number × _STRIDE + index in it (a call holds at most 500 records)."""
assert _STRIDE >= MAX_BATCH_RECORDS


class Call:
    """One PutRecordBatch call: its records, each one's key, and since when each has been
    failing (None: sent for the first time). `done` is set once its outcome was taken.
    `reasons` (why each last failed) is kept for records taken out to be dead-lettered."""

    __slots__ = ("records", "keys", "since", "reasons", "size", "done")

    def __init__(
        self,
        records: list[Record],
        keys: Sequence[int],
        since: list[float | None] | None = None,
        reasons: list[str] | None = None,
    ) -> None:
        self.records = records
        self.keys = keys
        self.since = since
        self.reasons = reasons
        self.size = sum(len(data) for data, _ in records)
        self.done = False

    def failing_since(self, index: int, now: float) -> float:
        return now if self.since is None or self.since[index] is None else self.since[index]


class ResendQueue:
    """Records to send again, oldest input first, each with when it first failed and why."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, Record, float, str]] = []
        self._oldest: float | None = None  # a lower bound: refreshed by drain()

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, key: int, record: Record, since: float, reason: str) -> None:
        heapq.heappush(self._heap, (key, record, since, reason))
        if self._oldest is None or since < self._oldest:
            self._oldest = since

    def oldest(self) -> float | None:
        """No record here has been failing since before this (None: empty)."""
        return self._oldest if self._heap else None

    def peek_size(self) -> int:
        return len(self._heap[0][1][0])

    def pop(self) -> tuple[int, Record, float, str]:
        return heapq.heappop(self._heap)

    def drain(self) -> Iterator[tuple[int, Record, float, str]]:
        self._oldest = None
        while self._heap:
            yield self.pop()


class Outbox:
    """Fresh calls from the batcher and records to resend, handed out as calls."""

    def __init__(self, *, max_records: int = MAX_BATCH_RECORDS, max_bytes: int = MAX_BATCH_BYTES) -> None:
        self._max_records = max_records
        self._max_bytes = max_bytes
        self._fresh: deque[tuple[int, int, list[Record]]] = deque()  # (call number, first index, records)
        self._resend = ResendQueue()
        self._calls = 0
        self._unsettled: dict[int, int] = {}  # call number -> records not settled
        self._events: dict[int, int] = {}  # call number -> events it holds
        self._settled_calls = 0
        self.settled_events = 0
        """Events in the fresh calls settled so far, counted in order from the first call."""

    def __bool__(self) -> bool:
        return bool(self._fresh) or bool(self._resend)

    @property
    def fresh_calls(self) -> int:
        """Fresh calls waiting (a part-sent one counts)."""
        return len(self._fresh)

    def put(self, records: list[Record]) -> None:
        """A fresh call's records, in input order."""
        number = self._calls
        self._calls += 1
        self._fresh.append((number, 0, records))
        self._unsettled[number] = len(records)
        self._events[number] = sum(events for _, events in records)

    def take(self, budget: int | None = None) -> Call | None:
        """The next call: records to resend first, then fresh ones, within PutRecordBatch's
        limits and `budget` bytes (at least one record goes); None if nothing waits."""
        if not self._resend:
            if not self._fresh:
                return None
            number, first, records = self._fresh[0]
            size = None if budget is None else sum(len(data) for data, _ in records)
            if not first and (size is None or size <= budget):  # the common case: a whole fresh call as packed
                self._fresh.popleft()
                base = number * _STRIDE + first
                return Call(records, range(base, base + len(records)))
        limit = self._max_bytes if budget is None else min(budget, self._max_bytes)
        records: list[Record] = []
        keys: list[int] = []
        since: list[float | None] = []
        size = 0
        resend = self._resend
        while resend and len(records) < self._max_records:
            if records and size + resend.peek_size() > limit:
                break
            key, record, failed_at, _ = resend.pop()
            records.append(record)
            keys.append(key)
            since.append(failed_at)
            size += len(record[0])
        while self._fresh and len(records) < self._max_records:
            number, first, fresh = self._fresh[0]
            taken = 0
            for data, _ in fresh:
                if len(records) + taken >= self._max_records or (records or taken) and size + len(data) > limit:
                    break
                size += len(data)
                taken += 1
            if not taken:
                break
            base = number * _STRIDE + first
            records.extend(fresh[:taken])
            keys.extend(range(base, base + taken))
            since.extend([None] * taken)
            if taken == len(fresh):
                self._fresh.popleft()
            else:
                self._fresh[0] = (number, first + taken, fresh[taken:])
                break
        return Call(records, keys, since)

    def retry(self, call: Call, indices: Sequence[int], now: float, reasons: str | Sequence[str]) -> None:
        """These records of `call` failed (why: one reason for all, or one each): they rejoin
        the outgoing stream, keeping when they first failed."""
        for n, i in enumerate(indices):
            reason = reasons if isinstance(reasons, str) else reasons[n]
            self._resend.add(call.keys[i], call.records[i], call.failing_since(i, now), reason)

    def settle(self, keys: Sequence[int]) -> None:
        """The records with these keys were accepted, or written to the dead-letter file."""
        if isinstance(keys, range) and keys:
            self._settle_call(keys.start // _STRIDE, len(keys))
            return
        counts: dict[int, int] = {}
        for key in keys:
            number = key // _STRIDE
            counts[number] = counts.get(number, 0) + 1
        for number, count in counts.items():
            self._settle_call(number, count)

    def _settle_call(self, number: int, count: int) -> None:
        left = self._unsettled[number] - count
        self._unsettled[number] = left
        if left or number != self._settled_calls:
            return
        while self._unsettled.get(self._settled_calls, 1) == 0:
            del self._unsettled[self._settled_calls]
            self.settled_events += self._events.pop(self._settled_calls)
            self._settled_calls += 1

    def oldest_failure(self) -> float | None:
        """When the longest-failing record waiting to be resent first failed."""
        return self._resend.oldest()

    def expired(self, before: float) -> list[tuple[int, Record, str]]:
        """Take out the records to resend that have been failing since before `before`:
        (key, record, why it last failed), in input order; settle them once written."""
        keep, gone = [], []
        for key, record, since, reason in self._resend.drain():
            (gone if since < before else keep).append((key, record, since, reason))
        for item in keep:
            self._resend.add(*item)
        return [(key, record, reason) for key, record, _, reason in gone]

    def drain(self) -> tuple[list[int], list[Record]]:
        """Take out everything still waiting (at an abort), in input order: keys and records."""
        items = sorted(
            [(key, record) for key, record, _, _ in self._resend.drain()]
            + [
                (number * _STRIDE + first + i, record)
                for number, first, records in self._fresh
                for i, record in enumerate(records)
            ]
        )
        self._fresh.clear()
        return [key for key, _ in items], [record for _, record in items]
