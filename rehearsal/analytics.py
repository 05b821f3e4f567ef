"""What the rehearsal checks of the lab's Parquet and SQL half, as plain functions over boto3 clients (the driver,
rehearse.py, decides what a finding means):
- with format=parquet, the delivered objects are Parquet with the Glue table's columns and types, and a record that
  does not fit the table lands, with its error, under the stream's conversion-error prefix instead of as data;
- the lab's saved queries answer over what landed: their counts are recounted here from the objects themselves.
"""

from __future__ import annotations

import base64
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow.parquet as pq

from lab_stack.names import EVENTS_PER_MINUTE, TOP_TICKERS
from labctl.delivered import read_object
from producer.schema import event_line
from rehearsal.emulator.firehose import ERROR_OUTPUT_TYPE, arrow_type

BAD_TICKER = "REHEARSAL-BAD"


def objects(s3: Any, bucket: str, prefix: str, within: str = "") -> Iterator[tuple[str, bytes]]:
    """(key, body) of the objects under `prefix` whose key contains `within`."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if within in item["Key"]:
                yield item["Key"], s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()


# --- Parquet --------------------------------------------------------------------------------------------------------


def bad_record(run_id: str) -> bytes:
    """An event with every field of the table, but a price that is not a number: it cannot become a row."""
    return event_line(
        event_time="2026-01-01T00:00:00.000Z",
        event_id=f"bad-{run_id}",
        producer_id=f"rehearsal-{run_id}",
        seq=0,
        ticker=BAD_TICKER,
        exchange="NONE",
        side="buy",
        price="not-a-number",
        quantity=1,
    )


def conversion_errors(s3: Any, bucket: str, errors_root: str) -> list[tuple[str, dict]]:
    """(key, error document) of every record Firehose could not convert, under the stream's error prefix."""
    found = []
    for key, body in objects(s3, bucket, errors_root):
        if f"/{ERROR_OUTPUT_TYPE}/" in f"/{key}":
            found.extend((key, json.loads(line)) for line in body.splitlines() if line.strip())
    return found


def find_failed_record(errors: list[tuple[str, dict]], record: bytes) -> tuple[str, dict] | None:
    """The error document holding `record`. A partitioned stream deaggregates records into their JSON objects
    first, so the one that failed may have lost its trailing newline."""
    wanted = record.rstrip(b"\n")
    return next(
        ((key, doc) for key, doc in errors if base64.b64decode(doc.get("rawData", "")).rstrip(b"\n") == wanted), None
    )


def parquet_schema_problems(body: bytes, key: str, columns: list[tuple[str, str]]) -> list[str]:
    """How one delivered object differs from Parquet with the table's columns, in order, of the table's types."""
    try:
        schema = pq.read_schema(io.BytesIO(body))
    except Exception as error:  # noqa: BLE001 - any unreadable object is the finding
        return [f"{key} is not readable Parquet: {error}"]
    expected = [(name, str(arrow_type(kind))) for name, kind in columns]
    found = [(f.name, str(f.type)) for f in schema]
    return [] if found == expected else [f"{key} has columns {found}, the table says {expected}"]


# --- the saved queries ------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Today's delivered events (UTC, as the data prefix's date partitions), counted from the objects."""

    events: int = 0
    trades: Counter = field(default_factory=Counter)
    shares: Counter = field(default_factory=Counter)


def delivered_on(s3: Any, bucket: str, data_prefix: str, day: date) -> Tally:
    """The events in that day's date partitions, wherever they sit among other partitions (ticker=..., say)."""
    tally = Tally()
    partition = f"year={day:%Y}/month={day:%m}/day={day:%d}/"
    for key, body in objects(s3, bucket, data_prefix, within=partition):
        from_key = partition_values(key)
        for event in read_object(body).rows:
            ticker = event.get("ticker") or from_key["ticker"]
            tally.events += 1
            tally.trades[ticker] += 1
            tally.shares[ticker] += event["quantity"]
    return tally


def partition_values(key: str) -> dict[str, str]:
    """The name=value segments of a Hive-style key (data/ticker=AAPL/year=2026/...). A partitioned Parquet table's
    rows take these from the key, not from the file (Firehose converts only the table's columns)."""
    return dict(segment.split("=", 1) for segment in key.split("/") if "=" in segment)


def saved_query_problems(results: dict[str, Any], tally: Tally, verify_ticker: str, verified: int) -> list[str]:
    """Where the saved queries' answers disagree with the events counted in the objects and with what verify found."""
    problems = []
    per_minute = results[EVENTS_PER_MINUTE]
    counted = sum(int(row[1]) for row in per_minute.rows)
    if counted != tally.events:
        problems.append(f"'{EVENTS_PER_MINUTE}' counts {counted} events today, the objects hold {tally.events}")
    top = {row[0]: (int(row[1]), int(row[2])) for row in results[TOP_TICKERS].rows}
    for ticker, (trades, shares) in top.items():
        if (trades, shares) != (tally.trades[ticker], tally.shares[ticker]):
            problems.append(
                f"'{TOP_TICKERS}' gives {ticker} {trades} trades / {shares} shares, the objects "
                f"{tally.trades[ticker]} / {tally.shares[ticker]}"
            )
    if top.get(verify_ticker, (None,))[0] != verified:
        problems.append(
            f"'{TOP_TICKERS}' gives {verify_ticker} {top.get(verify_ticker, (0,))[0]} trades, verify found {verified}"
        )
    return problems
