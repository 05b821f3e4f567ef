"""Firehose's S3 object keys: prefix expressions, the default time prefix, the object name and its extension.

AWS, "Understand custom prefixes for Amazon S3 objects" and "Configure Amazon S3 object name format":
- a key is `<evaluated prefix><stream name>-<stream version>-yyyy-MM-dd-HH-mm-ss-<uuid><file extension>`;
- `!{timestamp:<Java DateTimeFormatter>}` uses the approximate arrival time of the oldest record in the object, in
  UTC or the destination's CustomTimeZone (which also applies to the time in the object name); text in single quotes
  is literal; every instance in one prefix is the same instant;
- a prefix with no timestamp expression gets `yyyy/MM/dd/HH/` appended (`!{timestamp:yyyy/MM/dd/HH/}`);
- `!{firehose:random-string}` is 11 random characters, new at each use; `!{firehose:error-output-type}` only in
  ErrorOutputPrefix;
- `!{partitionKeyFromQuery:key}` is the value the MetadataExtraction (JQ) query gave the record for `key`
  (dynamic partitioning); `!{partitionKeyFromLambda:key}` a Lambda's metadata.partitionKeys (refused at creation
  here, see settings.py);
- with compression or format conversion Firehose appends `.gz`, `.parquet`...; FileExtension replaces that default.
"""

import re
import secrets
import string
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

NAMESPACE = re.compile(r"!\{(\w+):([^}]*)\}")
PARTITION_KEY_FROM_QUERY = "partitionKeyFromQuery"
PARTITION_KEY_FROM_LAMBDA = "partitionKeyFromLambda"
# Java DateTimeFormatter letters that Firehose prefixes use, longest first; '...' is literal text.
_DATE_TOKENS = re.compile(r"'[^']*'|yyyy|yy|MM|dd|HH|mm|ss")
_STRFTIME = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_RANDOM_ALPHABET = string.ascii_lowercase + string.digits
DEFAULT_TIME_PREFIX = "!{timestamp:yyyy/MM/dd/HH/}"
# Default extension by compression (FileExtension overrides it).
COMPRESSION_EXTENSIONS = {"GZIP": ".gz", "ZIP": ".zip", "Snappy": ".snappy", "HADOOP_SNAPPY": ".hsnappy"}


class PartitionKeyMissing(ValueError):
    """A prefix names a partition key the record did not yield."""


def local_time(arrival: datetime, time_zone: str | None) -> datetime:
    """The arrival instant in the destination's CustomTimeZone (UTC when empty)."""
    return arrival.astimezone(ZoneInfo(time_zone) if time_zone else UTC)


def _format_timestamp(pattern: str, when: datetime) -> str:
    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        return text[1:-1] if text.startswith("'") else when.strftime(_STRFTIME[text])

    return _DATE_TOKENS.sub(token, pattern)


def render_prefix(
    template: str,
    arrival: datetime,
    *,
    time_zone: str | None = None,
    partition_keys: dict[str, str] | None = None,
    error_output_type: str | None = None,
) -> str:
    """Evaluate the prefix's expressions; add the default time prefix if none is a timestamp."""
    when = local_time(arrival, time_zone)
    if "!{timestamp:" not in template:
        template += DEFAULT_TIME_PREFIX

    def evaluate(match: re.Match[str]) -> str:
        namespace, expression = match.group(1), match.group(2)
        if namespace == "timestamp":
            return _format_timestamp(expression, when)
        if namespace == "firehose" and expression == "random-string":
            return "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(11))
        if namespace == "firehose" and expression == "error-output-type" and error_output_type:
            return error_output_type
        if namespace in (PARTITION_KEY_FROM_QUERY, PARTITION_KEY_FROM_LAMBDA):
            value = (partition_keys or {}).get(expression)
            if value is None:
                raise PartitionKeyMissing(f"no value for {match.group(0)}")
            return value
        raise ValueError(f"unsupported Firehose prefix expression {match.group(0)}")

    return NAMESPACE.sub(evaluate, template)


def partition_key_names(prefix: str, namespace: str = PARTITION_KEY_FROM_QUERY) -> list[str]:
    """The keys a prefix takes from `namespace`, in order."""
    return [m.group(2) for m in NAMESPACE.finditer(prefix) if m.group(1) == namespace]


def object_name(
    stream_name: str, version_id: str, arrival: datetime, extension: str, time_zone: str | None = None
) -> str:
    """The suffix Firehose gives every object it writes."""
    stamp = local_time(arrival, time_zone).strftime("%Y-%m-%d-%H-%M-%S")
    return f"{stream_name}-{version_id}-{stamp}-{uuid.uuid4()}{extension}"


def file_extension(destination: dict, converted_extension: str = "") -> str:
    """FileExtension if set, else the default for the output format (issue 11: conversion) or the compression."""
    custom = destination.get("FileExtension")
    if custom:
        return custom
    return converted_extension or COMPRESSION_EXTENSIONS.get(destination.get("CompressionFormat", ""), "")
