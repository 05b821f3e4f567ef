"""The dead-letter file: every event Firehose did not accept, byte for byte.

The file is a valid `--input` for a later run (one event per line, appended,
never truncated), so a failed run can be re-sent as it is. It is only created
when there is something to put in it.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections import Counter
from typing import BinaryIO

from producer.i18n import _

log = logging.getLogger("producer")


class DeadLetter:
    """Thread-safe sink for undelivered events that also counts them by reason.

    With `path=None` the events are only counted: they are lost, and the
    summary says so.
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else os.fspath(path)
        self.events = 0
        """Events handed in (written or, without a path or on a write error, lost)."""
        self.written = 0
        """Events actually written to the file."""
        self.reasons: Counter[str] = Counter()
        """Events per reason."""
        self._file: BinaryIO | None = None
        self._broken: OSError | None = None
        self._lock = threading.Lock()

    def add(self, data: bytes | BinaryIO, events: int, reason: str) -> None:
        """Keep `events` newline-terminated events (bytes, or a file to copy)."""
        with self._lock:
            self.events += events
            self.reasons[reason] += events
            if self.path is None or self._broken is not None:
                return
            try:
                if self._file is None:
                    self._file = open(self.path, "ab")
                if isinstance(data, bytes):
                    self._file.write(data)
                else:
                    shutil.copyfileobj(data, self._file)
                self._file.flush()
            except OSError as err:
                self._fail(err)
                return
            self.written += events

    def figures(self) -> tuple[int, int, dict[str, int]]:
        """(events handed in, events written, events per reason), consistently."""
        with self._lock:
            return self.events, self.written, dict(self.reasons)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                try:
                    self._file.close()  # flushes what a failed write left in the buffer, and fails again
                except OSError as err:
                    self._fail(err)
                self._file = None

    def _fail(self, err: OSError) -> None:
        """Say once that events cannot be kept (a full disk, a device that refuses writes); count them as lost."""
        if self._broken is None:
            log.error(
                _("cannot keep undelivered events in {path}: {problem}; they are lost").format(
                    path=self.path, problem=err
                )
            )
        self._broken = err
