"""One flushed Firehose buffer → the S3 objects to write: key, body, compression, server-side encryption.

The single place where a buffer's records become objects: record format conversion (conversion.py) too,
whose records that do not fit the table become an error object under `format-conversion-failed`.
AWS, "Configure Amazon S3 object name format", "Understand custom prefixes", "Data protection in Amazon Data
Firehose" / ExtendedS3DestinationConfiguration:
- records are concatenated as they are (no delimiter unless a processor added one);
- CompressionFormat GZIP compresses the whole object (`.gz`); UNCOMPRESSED leaves it; the others are refused at
  creation (settings.py);
- EncryptionConfiguration.KMSEncryptionConfig.AWSKMSKeyARN: Firehose writes the object with SSE-KMS under that key
  (the object's ServerSideEncryption is aws:kms, SSEKMSKeyId the key); NoEncryption leaves the bucket's default;
- data objects go under Prefix, failed records under ErrorOutputPrefix with `!{firehose:error-output-type}`
  (unset: `<Prefix><error-output-type>/` and the time prefix), source-record backups under the backup
  configuration's own Prefix (its ErrorOutputPrefix is ignored: "Semantic rules");
- FileExtension replaces the default extension of data objects.
"""

import gzip
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import conversion
from .prefix import (
    COMPRESSION_EXTENSIONS,
    file_extension,
    object_name,
    render_prefix,
)

DATA, ERRORS, BACKUP = "data", "errors", "backup"


@dataclass
class FlushedBuffer:
    """What one buffer held when it was flushed."""

    kind: str  # DATA, ERRORS or BACKUP
    stream_name: str
    version_id: str
    destination: dict[str, Any]  # the S3 configuration this buffer is written with
    arrival: datetime  # approximate arrival of its oldest record
    records: list[bytes] = field(default_factory=list)
    partition_keys: dict[str, str] = field(default_factory=dict)
    error_output_type: str | None = None


@dataclass
class S3Object:
    bucket: str
    key: str
    body: bytes
    kms_key_id: str | None = None


def kms_key(destination: dict[str, Any]) -> str | None:
    """The destination's SSE-KMS key ARN, if it has one."""
    encryption = destination.get("EncryptionConfiguration") or {}
    return (encryption.get("KMSEncryptionConfig") or {}).get("AWSKMSKeyARN")


def prefix_of(flushed: FlushedBuffer) -> str:
    destination, time_zone = flushed.destination, flushed.destination.get("CustomTimeZone")
    if flushed.kind == ERRORS:
        template = destination.get("ErrorOutputPrefix") or (
            destination.get("Prefix", "") + "!{firehose:error-output-type}/"
        )
        return render_prefix(
            template, flushed.arrival, time_zone=time_zone, error_output_type=flushed.error_output_type
        )
    return render_prefix(
        destination.get("Prefix", ""), flushed.arrival, time_zone=time_zone, partition_keys=flushed.partition_keys
    )


def objects_for(flushed: FlushedBuffer, account_id: str, region_name: str) -> list[S3Object]:
    """The objects one flushed buffer becomes."""
    destination = flushed.destination
    if flushed.kind == DATA and conversion.enabled(destination):
        return _converted_objects(flushed, account_id, region_name)
    compression = destination.get("CompressionFormat", "UNCOMPRESSED")
    body = b"".join(flushed.records)
    if flushed.kind == DATA:
        extension = file_extension(destination)
    else:
        extension = COMPRESSION_EXTENSIONS.get(compression, "")
    if compression == "GZIP":
        body = gzip.compress(body)
    return [_object(flushed, body, extension)]


def _converted_objects(flushed: FlushedBuffer, account_id: str, region_name: str) -> list[S3Object]:
    """One Parquet object of the records that fit the Glue table (none if no record did), and one error object of
    those that did not (conversion compresses inside the file: CompressionFormat is UNCOMPRESSED, settings.py)."""
    converted = conversion.convert(
        flushed.records, flushed.destination, account_id=account_id, region_name=region_name, arrival=flushed.arrival
    )
    objects = []
    if converted.errors:
        errors = FlushedBuffer(
            ERRORS,
            flushed.stream_name,
            flushed.version_id,
            flushed.destination,
            flushed.arrival,
            error_output_type=conversion.ERROR_OUTPUT_TYPE,
        )
        objects.append(_object(errors, converted.errors, ""))
    if converted.data is not None:
        objects.append(_object(flushed, converted.data, file_extension(flushed.destination, converted.extension)))
    return objects


def _object(flushed: FlushedBuffer, body: bytes, extension: str) -> S3Object:
    destination = flushed.destination
    key = prefix_of(flushed) + object_name(
        flushed.stream_name, flushed.version_id, flushed.arrival, extension, destination.get("CustomTimeZone")
    )
    return S3Object(destination["BucketARN"].split(":")[-1], key, body, kms_key(destination))
