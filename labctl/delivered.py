"""The events in one object Firehose delivered, whatever the lab's format: Parquet, gzip'd or plain JSON lines."""

from __future__ import annotations

import gzip
import io
import json
from datetime import datetime, timezone
from typing import Iterator

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"


def rows_of(body: bytes) -> Iterator[dict]:
    """Each event of one delivered object, as a dict."""
    if body[:4] == PARQUET_MAGIC:
        import pyarrow.parquet  # only Parquet labs need it

        yield from pyarrow.parquet.read_table(io.BytesIO(body)).to_pylist()
        return
    if body[:2] == GZIP_MAGIC:
        body = gzip.decompress(body)
    for line in body.splitlines():
        if line.strip():
            yield json.loads(line)


def event_time(event: dict) -> datetime:
    """An event's `event_time` as an aware UTC datetime: ISO-8601 text in JSON lines, a timestamp in Parquet."""
    value = event["event_time"]
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
