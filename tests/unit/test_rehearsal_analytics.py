"""The rehearsal's checks of the Parquet and SQL half can fail: counts that disagree, objects of another schema."""

from __future__ import annotations

import base64
import io
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq

from labctl.query import QueryResult
from rehearsal.analytics import (
    EVENTS_PER_MINUTE,
    TOP_TICKERS,
    Tally,
    bad_record,
    find_failed_record,
    parquet_schema_problems,
    partition_values,
    saved_query_problems,
)

TALLY = Tally(events=13, trades=Counter(VERIFY=10, AAA=3), shares=Counter(VERIFY=10, AAA=7))


def results(per_minute, top):
    return {
        EVENTS_PER_MINUTE: QueryResult("q1", "SUCCEEDED", rows=per_minute),
        TOP_TICKERS: QueryResult("q2", "SUCCEEDED", rows=top),
    }


def test_answers_that_match_the_objects_and_verify_raise_nothing():
    answers = results([["12:01", "9"], ["12:00", "4"]], [["VERIFY", "10", "10", "0.0"], ["AAA", "3", "7", "1.5"]])
    assert saved_query_problems(answers, TALLY, "VERIFY", 10) == []


def test_every_disagreement_is_named():
    answers = results([["12:01", "9"]], [["VERIFY", "9", "9", "0.0"], ["AAA", "3", "8", "1.5"]])
    assert saved_query_problems(answers, TALLY, "VERIFY", 10) == [
        "'events per minute' counts 9 events today, the objects hold 13",
        "'top tickers' gives VERIFY 9 trades / 9 shares, the objects 10 / 10",
        "'top tickers' gives AAA 3 trades / 8 shares, the objects 3 / 7",
        "'top tickers' gives VERIFY 9 trades, verify found 10",
    ]


def test_a_parquet_object_must_have_the_tables_columns_in_order_and_types():
    columns = [("event_time", "timestamp"), ("quantity", "int")]
    right = pa.table({"event_time": pa.array([0], pa.timestamp("ns")), "quantity": pa.array([1], pa.int32())})
    wrong = pa.table({"quantity": pa.array([1], pa.int64())})
    assert parquet_schema_problems(parquet(right), "a.parquet", columns) == []
    assert parquet_schema_problems(parquet(wrong), "b.parquet", columns)[0].startswith("b.parquet has columns")
    assert "not readable Parquet" in parquet_schema_problems(b'{"a": 1}', "c.parquet", columns)[0]


def test_the_bad_record_is_found_by_its_raw_data():
    record = bad_record("r1")
    errors = [
        ("k1", {"rawData": base64.b64encode(b"other").decode()}),
        ("k2", {"rawData": base64.b64encode(record).decode()}),
    ]
    assert find_failed_record(errors, record)[0] == "k2"
    assert find_failed_record(errors[:1], record) is None


def parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, use_deprecated_int96_timestamps=True)
    return sink.getvalue()


def test_a_partitioned_streams_failed_record_is_found_without_its_newline():
    """Deaggregation hands Firehose each JSON object alone: the error document holds it without the newline."""
    record = bad_record("p1")
    document = {"rawData": base64.b64encode(record.rstrip(b"\n")).decode()}
    assert find_failed_record([("errors/x", document)], record) == ("errors/x", document)


def test_a_partitioned_tables_rows_take_the_partition_from_the_key():
    assert partition_values("data/ticker=AAPL/year=2026/month=11/day=26/hour=22/obj.parquet") == {
        "ticker": "AAPL",
        "year": "2026",
        "month": "11",
        "day": "26",
        "hour": "22",
    }
