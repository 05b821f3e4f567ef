"""Firehose S3 delivery that honours BufferingHints (moto 5.2.5 writes one object per put, at once).

`FirehoseBackend.put_s3_records` is replaced: records are buffered per stream and delivered as
one object when the buffer reaches SizeInMBs, or IntervalInSeconds after its first record
(0 = at once), whichever comes first, like the service. Records are concatenated with no
delimiter; the key is `<prefix><stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>[.gz]`. Intervals are
timed on the emulator's scalable clock (rehearsal/clock.py: scale 0.05 makes 60 s pass in 3 s) so
rehearsals need not wait.
"""

import gzip
import logging
import re
import secrets
import string
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from moto.firehose.models import FirehoseBackend
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from rehearsal.clock import CLOCK

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
# Service defaults when a destination gives no BufferingHints.
DEFAULT_SIZE_MB = 5
DEFAULT_INTERVAL_S = 300
# How often the flusher looks at deadlines, in real seconds.
POLL_S = 0.05

_NAMESPACE = re.compile(r"!\{(\w+):([^}]*)\}")
# Java DateTimeFormatter letters that Firehose prefixes use, longest first.
_DATE_TOKENS = re.compile(r"yyyy|yy|MM|dd|HH|mm|ss")
_STRFTIME = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_RANDOM_ALPHABET = string.ascii_lowercase + string.digits


def render_prefix(template: str, arrival: datetime, error_output_type: str | None = None) -> str:
    """Evaluate Firehose namespace expressions; add the default YYYY/MM/DD/HH/ if none is a timestamp."""

    def evaluate(match: re.Match[str]) -> str:
        namespace, expression = match.group(1), match.group(2)
        if namespace == "timestamp":
            return _DATE_TOKENS.sub(lambda t: arrival.strftime(_STRFTIME[t.group(0)]), expression)
        if namespace == "firehose" and expression == "random-string":
            return "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(11))
        if namespace == "firehose" and expression == "error-output-type" and error_output_type:
            return error_output_type
        raise ValueError(f"unsupported Firehose prefix expression {match.group(0)}")

    rendered = _NAMESPACE.sub(evaluate, template)
    if "!{timestamp:" not in template:
        rendered += arrival.strftime("%Y/%m/%d/%H/")
    return rendered


def object_key(prefix: str, stream_name: str, version_id: str, arrival: datetime, gzipped: bool) -> str:
    """Firehose's S3 object name for one delivery."""
    stamp = arrival.strftime("%Y-%m-%d-%H-%M-%S")
    return f"{prefix}{stream_name}-{version_id}-{stamp}-{uuid.uuid4()}{'.gz' if gzipped else ''}"


@dataclass
class _Buffer:
    destination: dict[str, Any]
    first_at: float  # scaled clock
    arrival: datetime  # wall clock of the oldest record, used in the key
    records: list[bytes] = field(default_factory=list)
    size: int = 0


class FirehoseBuffers:
    """Per-stream buffers plus the background flusher thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffers: dict[tuple[str, str, str, str], _Buffer] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def clock(self) -> float:
        """Buffer time in seconds: the emulator's clock."""
        return CLOCK.monotonic()

    def start(self) -> None:
        self.stop()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="firehose-flusher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the flusher and deliver whatever is still buffered."""
        if self._thread:
            self._stop.set()
            self._thread.join()
            self._thread = None
        self.flush(everything=True)

    def put(self, backend: FirehoseBackend, stream_name: str, version_id: str,
            destination: dict[str, Any], records: list[dict[str, bytes]]) -> list[dict[str, str]]:
        key = (backend.account_id, backend.region_name, stream_name, version_id)
        with self._lock:
            buffer = self._buffers.get(key)
            if buffer is None:
                buffer = self._buffers[key] = _Buffer(
                    destination, self.clock(), datetime.now(timezone.utc)
                )
            buffer.destination = destination
            for record in records:
                buffer.records.append(record["Data"])
                buffer.size += len(record["Data"])
        self.flush()
        return [{"RecordId": str(uuid.uuid4())} for _ in records]

    def discard(self, account_id: str, region_name: str, stream_name: str) -> None:
        """Drop a deleted stream's buffer, as the service may lose undelivered data on delete."""
        with self._lock:
            for key in [k for k in self._buffers if k[:3] == (account_id, region_name, stream_name)]:
                del self._buffers[key]

    def flush(self, everything: bool = False) -> None:
        """Deliver every buffer that is full or due (or all of them)."""
        now = self.clock()
        with self._lock:
            due = {
                key: buffer for key, buffer in self._buffers.items()
                if everything or _is_due(buffer, now)
            }
            for key in due:
                del self._buffers[key]
        for (account_id, region_name, stream_name, version_id), buffer in due.items():
            _deliver(account_id, region_name, stream_name, version_id, buffer)

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            self.flush()


def _hints(destination: dict[str, Any]) -> tuple[int, int]:
    hints = destination.get("BufferingHints") or {}
    return (int(hints.get("SizeInMBs", DEFAULT_SIZE_MB)),
            int(hints.get("IntervalInSeconds", DEFAULT_INTERVAL_S)))


def _is_due(buffer: _Buffer, now: float) -> bool:
    size_mb, interval_s = _hints(buffer.destination)
    return buffer.size >= size_mb * MIB or now - buffer.first_at >= interval_s


def _deliver(account_id: str, region_name: str, stream_name: str, version_id: str, buffer: _Buffer) -> None:
    destination = buffer.destination
    bucket = destination["BucketARN"].split(":")[-1]
    gzipped = destination.get("CompressionFormat") == "GZIP"
    body = b"".join(buffer.records)
    try:
        prefix = render_prefix(destination.get("Prefix", ""), buffer.arrival)
        key = object_key(prefix, stream_name, version_id, buffer.arrival, gzipped)
        s3_backends[account_id][get_partition(region_name)].put_object(
            bucket, key, gzip.compress(body) if gzipped else body
        )
    except Exception:  # the service retries, then gives up; keep the flusher alive and say why
        logger.exception("Firehose %s could not deliver %d bytes to s3://%s", stream_name, len(body), bucket)


BUFFERS = FirehoseBuffers()
_original_put = FirehoseBackend.put_s3_records
_original_delete = FirehoseBackend.delete_delivery_stream


def _put_s3_records(self: FirehoseBackend, delivery_stream_name: str, version_id: str,
                    s3_destination: dict[str, Any], records: list[dict[str, bytes]]) -> list[dict[str, str]]:
    """Buffer while an Emulator runs; otherwise (e.g. later mock_aws tests in the process) moto's own."""
    if not BUFFERS.running:
        return _original_put(self, delivery_stream_name, version_id, s3_destination, records)
    return BUFFERS.put(self, delivery_stream_name, version_id, s3_destination, records)


def _delete_delivery_stream(self: FirehoseBackend, delivery_stream_name: str) -> None:
    _original_delete(self, delivery_stream_name)
    BUFFERS.discard(self.account_id, self.region_name, delivery_stream_name)


def install() -> None:
    """Route moto's S3 delivery through BUFFERS (idempotent)."""
    FirehoseBackend.put_s3_records = _put_s3_records
    FirehoseBackend.delete_delivery_stream = _delete_delivery_stream
