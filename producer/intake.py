"""The reading half of a send: events in, packed calls out, events too large for a record dead-lettered.

Runs in the calling thread. It counts the events read, packs them (`Batcher`, lingering as
`Linger` says), hands each full call to `submit`, and tells the checkpoint how far the input
was read each time its events are all with the batcher.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from producer.batching import MAX_RECORD_BYTES, Batcher, Record
from producer.checkpoint import Checkpoint
from producer.deadletter import DeadLetter
from producer.events import Block, Oversized
from producer.i18n import _, number

log = logging.getLogger("producer")


def too_large() -> str:
    """Why an event was dead-lettered before it was sent, in the language of the run."""
    return _("event larger than Firehose's record limit of {limit} KiB").format(
        limit=number(MAX_RECORD_BYTES // 1024, ",")
    )


class Intake:
    def __init__(
        self,
        batcher: Batcher,
        dead_letter: DeadLetter,
        submit: Callable[[list[Record]], None],
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self._batcher = batcher
        self._dead = dead_letter
        self._submit = submit
        self._checkpoint = checkpoint
        self.events_read = 0
        self.batched = 0
        """Events handed to the batcher (the rest were blank or dead-lettered here)."""

    def run(
        self,
        events: Iterable[bytes | Block | Oversized | None],
        until: Callable[[], bool],
        tick: Callable[[float], None],
    ) -> None:
        """Read `events` until they end or `until()` is true, calling `tick(now)` after each
        item; then hand over what is held. An I/O error from `events` propagates (what was
        read is still handed over)."""
        batcher = self._batcher
        clock = time.monotonic
        try:
            for item in events:
                now = clock()
                if item is not None:
                    for records in self._take(item, now):
                        self._submit(records)
                    if self._checkpoint is not None:
                        self._checkpoint.mark(self.batched)
                if batcher.due(now):
                    for records in batcher.flush():
                        self._submit(records)
                tick(now)
                if until():
                    break
        finally:
            for records in batcher.flush():
                self._submit(records)

    def _take(self, item: bytes | Block | Oversized, now: float) -> list[list[Record]]:
        if isinstance(item, Block):
            self.events_read += item.events
            self.batched += item.events
            return self._batcher.add(item.data, item.events, now)
        if isinstance(item, bytes) and (not item or item.isspace()):
            return []
        self.events_read += 1
        if isinstance(item, Oversized):
            log.warning(
                _("line {line} is {size} bytes, over Firehose's record limit of {limit} bytes: dead-lettered").format(
                    line=item.line, size=number(item.size, ","), limit=number(MAX_RECORD_BYTES, ",")
                )
            )
            with item.spool:
                self._dead.add(item.spool, 1, too_large())
            return []
        if not item.endswith(b"\n"):
            item += b"\n"
        if len(item) > MAX_RECORD_BYTES:
            log.warning(
                _("an event of {size} bytes is over Firehose's record limit of {limit} bytes: dead-lettered").format(
                    size=number(len(item), ","), limit=number(MAX_RECORD_BYTES, ",")
                )
            )
            self._dead.add(item, 1, too_large())
            return []
        self.batched += 1
        return self._batcher.add(item, 1, now)
