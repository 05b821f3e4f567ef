"""Firehose S3 delivery that honours BufferingHints and the destination's settings (moto 5.2.5 writes one object
per put, at once, and ignores the rest).

`FirehoseBackend.put_s3_records` is replaced: incoming records go through the destination's processors
(processing.py), then into buffers, delivered as objects (objects.py) when a buffer reaches SizeInMBs, or
IntervalInSeconds after its first record (0 = at once), whichever comes first, like the service. The size is checked
as each record joins its buffer, so one large PutRecordBatch makes objects of the hint's size and a little more (whole
records), not one object of the whole call ("Configure buffering hints": the buffer size is met, then delivered).
There is a buffer per dynamic partition ("a new buffer is created for each active partition", AWS "Dynamic
partitioning"), one per error type for failed records, and one for the S3 backup of source records (S3BackupMode
Enabled: every record as it arrived, before processing, with the backup configuration's own buffering, compression,
prefix and encryption; "Source record backup"). A delivery that fails (bucket gone, KMS key disabled...) is kept and
retried, as Firehose retries S3 for up to 24 hours ("Handle data delivery failures"), and logged; nothing is dropped
silently.
PutRecord(Batch) answers Encrypted=true when the stream has server-side encryption on.
Intervals are timed on the clock the buffers are started on, the emulator's scalable clock (clock.py: scale 0.05
makes 60 s pass in 3 s), so rehearsals need not wait.
"""

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.firehose.models import DeliveryStream, FirehoseBackend
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from ..clock import ScaledClock
from .logging import log_error
from .objects import BACKUP, DATA, ERRORS, FlushedBuffer, objects_for
from .prefix import PARTITION_KEY_FROM_QUERY, partition_key_names
from .processing import Record, process

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
# Service defaults when a destination gives no BufferingHints.
DEFAULT_SIZE_MB = 5
DEFAULT_INTERVAL_S = 300
# How often the flusher looks at deadlines, in real seconds.
POLL_S = 0.05
# A failed delivery is retried this often, and given up after Firehose's 24 hours (buffer-clock seconds).
RETRY_S = 5
GIVE_UP_S = 24 * 3600


@dataclass
class _Buffer:
    flushed: FlushedBuffer
    first_at: float  # buffer clock
    size: int = 0
    retry_at: float | None = None  # set once a delivery failed
    failing_since: float | None = None


@dataclass
class _Stream:
    """What a put needs to know of its stream."""

    account_id: str
    region: str
    name: str
    version_id: str
    arn: str
    destination: dict[str, Any]
    encrypted: bool = False
    partition_keys: list[str] = field(default_factory=list)


def backup_configuration(destination: dict[str, Any]) -> dict[str, Any] | None:
    """The S3 backup destination when S3BackupMode is Enabled (moto renames it S3BackupDescription)."""
    if destination.get("S3BackupMode") != "Enabled":
        return None
    return destination.get("S3BackupConfiguration") or destination.get("S3BackupDescription")


def dynamic_partitioning(destination: dict[str, Any]) -> bool:
    config = destination.get("DynamicPartitioningConfiguration") or {}
    return str(config.get("Enabled", False)).lower() == "true"


def stream_encrypted(stream: DeliveryStream) -> bool:
    config = stream.delivery_stream_encryption_configuration or {}
    return bool(config.get("KeyType")) and config.get("Status", "ENABLED") == "ENABLED"


class FirehoseBuffers:
    """Per-stream buffers plus the background flusher thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffers: dict[tuple, _Buffer] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._clock = ScaledClock()  # real time, until start() is given the emulator's clock

    @property
    def running(self) -> bool:
        return self._thread is not None

    def clock(self) -> float:
        """Buffer time in seconds, on the clock the buffers were started on."""
        return self._clock.monotonic()

    def start(self, clock: ScaledClock) -> None:
        self._clock = clock
        self.stop()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="firehose-flusher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the flusher and deliver whatever is still buffered (what cannot be delivered is logged)."""
        if self._thread:
            self._stop.set()
            self._thread.join()
            self._thread = None
        self.flush(everything=True)
        with self._lock:
            undelivered, self._buffers = self._buffers, {}
        for buffer in undelivered.values():
            flushed = buffer.flushed
            logger.error(
                "Firehose %s: %d records could not be delivered to s3://%s before the emulator stopped",
                flushed.stream_name,
                len(flushed.records),
                flushed.destination["BucketARN"].split(":")[-1],
            )

    def undelivered(self) -> int:
        """Records held for a delivery that failed and is being retried."""
        with self._lock:
            return sum(len(b.flushed.records) for b in self._buffers.values() if b.retry_at is not None)

    def put(self, stream: _Stream, records: list[dict[str, bytes]]) -> list[dict[str, str]]:
        arrival = datetime.now(UTC)
        destination = stream.destination
        processed, failures = process(
            destination,
            [Record(r["Data"], arrival) for r in records],
            stream_arn=stream.arn,
            account_id=stream.account_id,
            region=stream.region,
            partition_keys_needed=stream.partition_keys,
        )
        backup = backup_configuration(destination)
        with self._lock:
            for record in processed:
                keys = {k: record.partition_keys[k] for k in stream.partition_keys}
                self._add(stream, DATA, destination, record.data, arrival, partition_keys=keys)
            for failure in failures:
                self._add(
                    stream,
                    ERRORS,
                    destination,
                    failure.document(),
                    failure.arrival,
                    error_output_type=failure.error_output_type,
                )
            if backup:
                for record in records:
                    self._add(stream, BACKUP, backup, record["Data"], arrival)
        for code, message in {(f.error_code, f.error_message) for f in failures}:
            log_error(
                stream.account_id,
                stream.region,
                destination,
                stream_arn=stream.arn,
                version_id=stream.version_id,
                error_code=code,
                message=message,
            )
        self.flush()
        return [{"RecordId": str(uuid.uuid4())} for _ in records]

    def _add(
        self,
        stream: _Stream,
        kind: str,
        destination: dict[str, Any],
        data: bytes,
        arrival: datetime,
        partition_keys: dict[str, str] | None = None,
        error_output_type: str | None = None,
    ) -> None:
        """Append one record to its buffer (caller holds the lock)."""
        group = tuple(sorted((partition_keys or {}).items())) or error_output_type or ""
        key = (stream.account_id, stream.region, stream.name, stream.version_id, kind, group)
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = self._buffers[key] = _Buffer(
                FlushedBuffer(
                    kind,
                    stream.name,
                    stream.version_id,
                    destination,
                    arrival,
                    partition_keys=dict(partition_keys or {}),
                    error_output_type=error_output_type,
                ),
                self.clock(),
            )
        buffer.flushed.destination = destination
        buffer.flushed.records.append(data)
        buffer.size += len(data)
        if buffer.size >= _hints(destination)[0] * MIB:  # full: the flush delivers it, the next record starts anew
            self._buffers[(*key, "full", uuid.uuid4().hex)] = self._buffers.pop(key)

    def discard(self, account_id: str, region_name: str, stream_name: str) -> None:
        """Drop a deleted stream's buffers, as the service may lose undelivered data on delete."""
        with self._lock:
            for key in [k for k in self._buffers if k[:3] == (account_id, region_name, stream_name)]:
                del self._buffers[key]

    def flush(self, everything: bool = False) -> None:
        """Deliver every buffer that is full or due (or all of them)."""
        now = self.clock()
        with self._lock:
            due = {key: buffer for key, buffer in self._buffers.items() if everything or _is_due(buffer, now)}
            for key in due:
                del self._buffers[key]
        for key, buffer in due.items():
            try:
                _deliver(key[0], key[1], buffer.flushed)
            except Exception as error:  # the service retries, for up to 24 hours; keep the records and say why
                self._retry(key, buffer, now, error)

    def _retry(self, key: tuple, buffer: _Buffer, now: float, error: Exception) -> None:
        flushed = buffer.flushed
        if buffer.failing_since is None:
            buffer.failing_since = now
            log_error(
                key[0],
                key[1],
                flushed.destination,
                stream_arn=f"arn:{get_partition(key[1])}:firehose:{key[1]}:{key[0]}:deliverystream/"
                f"{flushed.stream_name}",
                version_id=flushed.version_id,
                error_code=f"S3.{type(error).__name__}",
                message=f"could not deliver {len(flushed.records)} records: {error}; retrying",
            )
        if now - buffer.failing_since >= GIVE_UP_S:
            logger.error(
                "Firehose %s: gave up delivering %d records after 24 hours", flushed.stream_name, len(flushed.records)
            )
            return
        buffer.retry_at = now + RETRY_S
        if "retry" not in key:  # a failing buffer keeps its records apart; new records fill a new buffer
            key = (*key, "retry", uuid.uuid4().hex)
        with self._lock:
            self._buffers[key] = buffer

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            self.flush()


def _hints(destination: dict[str, Any]) -> tuple[int, int]:
    hints = destination.get("BufferingHints") or {}
    return (int(hints.get("SizeInMBs", DEFAULT_SIZE_MB)), int(hints.get("IntervalInSeconds", DEFAULT_INTERVAL_S)))


def _is_due(buffer: _Buffer, now: float) -> bool:
    if buffer.retry_at is not None:
        return now >= buffer.retry_at
    size_mb, interval_s = _hints(buffer.flushed.destination)
    return buffer.size >= size_mb * MIB or now - buffer.first_at >= interval_s


def _deliver(account_id: str, region_name: str, flushed: FlushedBuffer) -> None:
    s3 = s3_backends[account_id][get_partition(region_name)]
    for obj in objects_for(flushed, account_id, region_name):
        if obj.kms_key_id:
            s3.put_object(obj.bucket, obj.key, obj.body, encryption="aws:kms", kms_key_id=obj.kms_key_id)
        else:
            s3.put_object(obj.bucket, obj.key, obj.body)


BUFFERS = FirehoseBuffers()
_original_put = FirehoseBackend.put_s3_records
_original_put_batch = FirehoseBackend.put_record_batch
_original_put_record = FirehoseBackend.put_record
_original_delete = FirehoseBackend.delete_delivery_stream


def active() -> bool:
    """True while an Emulator runs: its Firehose behaves as AWS documents; otherwise moto's own behaviour."""
    return BUFFERS.running


def _put_s3_records(
    self: FirehoseBackend,
    delivery_stream_name: str,
    version_id: str,
    s3_destination: dict[str, Any],
    records: list[dict[str, bytes]],
) -> list[dict[str, str]]:
    """Buffer while an Emulator runs; otherwise (e.g. later mock_aws tests in the process) moto's own."""
    if not active():
        return _original_put(self, delivery_stream_name, version_id, s3_destination, records)
    stream = self.delivery_streams[delivery_stream_name]
    # moto keeps both an ExtendedS3 and a plain S3 description for an extended stream: the extended one has it all.
    destination = stream.destinations[0].get("ExtendedS3") or s3_destination
    keys = (
        partition_key_names(destination.get("Prefix", ""), PARTITION_KEY_FROM_QUERY)
        if dynamic_partitioning(destination)
        else []
    )
    return BUFFERS.put(
        _Stream(
            self.account_id,
            self.region_name,
            delivery_stream_name,
            version_id,
            stream.delivery_stream_arn,
            destination,
            partition_keys=keys,
        ),
        records,
    )


def _put_record_batch(
    self: FirehoseBackend, delivery_stream_name: str, records: list[dict[str, bytes]]
) -> dict[str, Any]:
    result = _original_put_batch(self, delivery_stream_name, records)
    if active():
        result["Encrypted"] = stream_encrypted(self.delivery_streams[delivery_stream_name])
    return result


def _put_record(self: FirehoseBackend, delivery_stream_name: str, record: dict[str, bytes]) -> dict[str, Any]:
    result = _original_put_record(self, delivery_stream_name, record)
    if active():
        result["Encrypted"] = stream_encrypted(self.delivery_streams[delivery_stream_name])
    return result


def _delete_delivery_stream(self: FirehoseBackend, delivery_stream_name: str) -> None:
    _original_delete(self, delivery_stream_name)
    BUFFERS.discard(self.account_id, self.region_name, delivery_stream_name)


def install() -> None:
    """Route moto's S3 delivery through BUFFERS (idempotent)."""
    FirehoseBackend.put_s3_records = _put_s3_records
    FirehoseBackend.put_record_batch = _put_record_batch
    FirehoseBackend.put_record = _put_record
    FirehoseBackend.delete_delivery_stream = _delete_delivery_stream
