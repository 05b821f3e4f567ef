"""The events in one object Firehose delivered, whatever the lab's format: Parquet, gzip'd or plain JSON lines.

Anything can be written to a Direct PUT stream (a student's `aws firehose put-record`, a test): lines that are not
JSON objects are counted, never fatal.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class DeliveredObject:
    rows: list[dict] = field(default_factory=list)
    foreign_lines: int = 0
    """Lines that are not a JSON object (or a whole object that could not be read, counted as one)."""
    data_bytes: int | None = None
    """Size of the records Firehose concatenated, before any gzip (what its size hint counts); None for Parquet."""


def read_object(body: bytes) -> DeliveredObject:
    """The events of one delivered object, and how many of its lines are something else."""
    found = DeliveredObject()
    if body[:4] == PARQUET_MAGIC:
        import pyarrow  # only Parquet labs need it
        import pyarrow.parquet

        try:
            # No thread at all: Arrow's pools can abort the interpreter at exit (apache/arrow#34314), and read_table
            # starts its IO pool even with use_threads=False; a ParquetFile over the bytes, not pre-buffered, does not.
            parquet = pyarrow.parquet.ParquetFile(pyarrow.BufferReader(body), pre_buffer=False)
            found.rows = parquet.read(use_threads=False).to_pylist()
        except pyarrow.ArrowException:
            found.foreign_lines = 1
        return found
    if body[:2] == GZIP_MAGIC:
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError):
            found.foreign_lines = 1
            return found
    found.data_bytes = len(body)
    for line in body.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if isinstance(row, dict):
            found.rows.append(row)
        else:
            found.foreign_lines += 1
    return found


def event_time(event: dict) -> datetime:
    """An event's `event_time` as an aware UTC datetime: ISO-8601 text in JSON lines, a timestamp in Parquet."""
    value = event["event_time"]
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
