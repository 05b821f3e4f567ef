"""`--checkpoint`: how far into `--input` every event was accepted (or written to the dead-letter file).

Like Kinesis Agent's checkpoints: the producer records the byte offset up to which every event
is settled, replacing the file atomically as it goes, and a rerun with the same checkpoint
starts reading there. A run killed outright (SIGKILL, the OOM killer, an instance stopped
past its timeout) loses nothing: what it had read past the checkpoint is sent again, so the
only cost is duplicates, at most what was read past the last written checkpoint
(`read_ahead_bytes`). The file survives the process being killed; a power cut may leave the
previous checkpoint (the file is replaced, not synced to disk): more duplicates, never a loss.

The file also keeps a fingerprint of the input (its first bytes and those just before the
offset), so a checkpoint is not applied to a file whose contents changed (a rotated or
rewritten log); a file that only grew resumes where it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections import deque
from collections.abc import Callable
from typing import BinaryIO

from producer.batching import MAX_BATCH_BYTES, MAX_RECORD_BYTES
from producer.i18n import _, number

VERSION = 1
_FINGERPRINT_BYTES = 256
# A checkpoint is four short figures: anything much larger was not written by `save`.
_MAX_CHECKPOINT_BYTES = 64 * 1024
SAVE_SECONDS = 0.1
"""At most this often, unless reading waits for it."""


def read_ahead_bytes(senders: int) -> int:
    """How far reading may have run past the written checkpoint before it reads on: two calls per
    sender (one in flight, one ready)."""
    return 2 * senders * MAX_BATCH_BYTES


def resend_bound(senders: int) -> int:
    """The most a killed run can have read past its written checkpoint, so the most a rerun
    resends: the read-ahead, plus one more piece of input (a block, or a line up to the record
    limit). 33 MiB with 4 senders."""
    return read_ahead_bytes(senders) + MAX_RECORD_BYTES


class CheckpointError(Exception):
    """The checkpoint file cannot be used for this input: one line, exit 2."""


def _read_checkpoint(path: str) -> dict:
    """The saved figures, as `save` writes them, or ValueError saying what this file is not. Opened without blocking
    (a FIFO would wait for a writer) and read only if it is a regular file no larger than a checkpoint can be."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(_("not a regular file"))
        raw = handle.read(_MAX_CHECKPOINT_BYTES + 1)
    if len(raw) > _MAX_CHECKPOINT_BYTES:
        raise ValueError(_("larger than {limit} bytes").format(limit=number(_MAX_CHECKPOINT_BYTES, ",")))
    try:
        saved = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError(_("nested deeper than any checkpoint")) from None
    if not isinstance(saved, dict) or saved.get("version") != VERSION:
        raise ValueError(_("unknown version"))
    offset, line, fingerprint, input_path = (saved.get(key) for key in ("offset", "line", "fingerprint", "input"))
    whole = all(isinstance(n, int) and not isinstance(n, bool) for n in (offset, line))
    if not whole or offset < 0 or line < 1 or not isinstance(fingerprint, str) or not isinstance(input_path, str):
        raise ValueError(_("values it never writes"))
    return saved


def resume_point(path: str, source: BinaryIO, input_path: str) -> tuple[int, int]:
    """(byte offset, line number) to resume `source` at: (0, 1) without a checkpoint file."""
    try:
        saved = _read_checkpoint(path)
    except FileNotFoundError:
        return 0, 1
    except (OSError, ValueError) as err:
        raise CheckpointError(
            _(
                "--checkpoint {path} is not a checkpoint this producer wrote ({problem}); "
                "delete it to send --input from the beginning"
            ).format(path=path, problem=err)
        ) from None
    offset, line, fingerprint = saved["offset"], saved["line"], saved["fingerprint"]
    opened = os.path.abspath(getattr(source, "name", "") or input_path)  # as `save` records it
    if os.path.realpath(saved["input"]) != os.path.realpath(opened):
        raise CheckpointError(
            _(
                "--checkpoint {path} was written for --input {written_for}, not {opened}; "
                "give that file, or delete the checkpoint to send this one from the beginning"
            ).format(path=path, written_for=saved["input"], opened=opened)
        )
    size = os.fstat(source.fileno()).st_size
    if offset > size or _fingerprint(source, offset) != fingerprint:
        raise CheckpointError(
            _(
                "--checkpoint {path} was written for other contents of --input {input} "
                "(up to byte {offset}); delete it to send the file from the beginning"
            ).format(path=path, input=input_path, offset=number(offset, ","))
        )
    return offset, line


def _fingerprint(source: BinaryIO, offset: int) -> str:
    """The file's first and last bytes before `offset`: a rotated or rewritten file differs in one of them."""
    fd = source.fileno()
    head = os.pread(fd, min(offset, _FINGERPRINT_BYTES), 0)
    start = max(0, offset - _FINGERPRINT_BYTES)
    tail = os.pread(fd, offset - start, start)
    return hashlib.sha256(head + b"\0" + tail).hexdigest()


class Checkpoint:
    """Keeps the checkpoint file as the run goes.

    The pipeline calls `mark(batched)` after each piece of input it has handed to the batcher
    (`batched` = events handed over so far; `position()` then gives the input's offset and
    line), and `advance(settled)` with the events settled, in input order, so far.
    """

    def __init__(self, path: str, source: BinaryIO, position: Callable[[], tuple[int, int]], senders: int) -> None:
        self.path = path
        self._source = source
        self._position = position
        self.offset, self.line = position()
        """Everything before this offset (this line) is settled."""
        self.written = self.offset
        """The offset in the file as last written."""
        self.read_ahead = read_ahead_bytes(senders)
        self._marks: deque[tuple[int, int, int]] = deque()  # (events batched, offset, line)
        self._saved_at = float("-inf")
        self.error: OSError | None = None

    def mark(self, batched: int) -> None:
        offset, line = self._position()
        if self._marks and self._marks[-1][0] == batched:
            self._marks[-1] = (batched, offset, line)  # blank lines, an oversized line: same events
        else:
            self._marks.append((batched, offset, line))

    def advance(self, settled: int) -> None:
        while self._marks and self._marks[0][0] <= settled:
            _, self.offset, self.line = self._marks.popleft()

    def behind(self) -> int:
        """Bytes read past the written checkpoint."""
        return self._position()[0] - self.written

    def save_if_due(self, now: float, *, force: bool = False) -> None:
        if self.offset == self.written or not (force or now - self._saved_at >= SAVE_SECONDS):
            return
        self._saved_at = now
        self.save()

    def save(self) -> None:
        """Replace the file atomically: a reader, or a rerun after a kill, sees the old or the new one.
        A write error is kept in `error` (the caller stops checkpointing and says so)."""
        figures = {
            "version": VERSION,
            "input": os.path.abspath(getattr(self._source, "name", "") or ""),
            "offset": self.offset,
            "line": self.line,
            "fingerprint": _fingerprint(self._source, self.offset),
        }
        directory = os.path.dirname(os.path.abspath(self.path))
        temporary = None
        try:
            with tempfile.NamedTemporaryFile(
                "w", dir=directory, prefix=".checkpoint-", suffix=".json", delete=False
            ) as out:
                temporary = out.name
                json.dump(figures, out)
                out.write("\n")
            os.replace(temporary, self.path)
        except OSError as err:
            self.error = err
            if temporary is not None:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass
            return
        self.written = self.offset
