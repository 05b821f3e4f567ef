"""The Glue table's columns and the producer's events agree: a field gained, lost or retyped on either side fails."""

from __future__ import annotations

import json
import re

import pytest

from producer.events import sample_events
from producer.schema import EVENT_FIELDS, TICKER_SYMBOLS

# What Firehose's OpenX JSON deserializer turns into a timestamp: yyyy-MM-dd'T'HH:mm:ss[.fraction]'Z' (UTC).
ISO_8601_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")


def fits(glue_type, value):
    """Whether a JSON value can become a value of this Glue/Hive column type without loss."""
    if glue_type == "string":
        return isinstance(value, str)
    if glue_type == "timestamp":
        return isinstance(value, str) and ISO_8601_UTC.fullmatch(value) is not None
    if glue_type in ("int", "bigint"):
        bits = 32 if glue_type == "int" else 64
        return isinstance(value, int) and not isinstance(value, bool) and -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)
    if glue_type == "double":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    raise AssertionError(f"no check for Glue type {glue_type!r}: add one before using it in EVENT_FIELDS")


def disagreements(event):
    """Each way this event and the table's columns differ, in words."""
    columns = dict(EVENT_FIELDS)
    found = [f"field {name!r} has no column" for name in event if name not in columns]
    found += [f"column {name!r} has no field" for name in columns if name not in event]
    found += [
        f"{name}={event[name]!r} does not fit {kind}"
        for name, kind in columns.items()
        if name in event and not fits(kind, event[name])
    ]
    return found


@pytest.fixture(scope="module")
def events():
    return [json.loads(line) for line in sample_events("ip-10-0-0-12.ec2.internal", count=500)]


def test_every_sample_event_has_exactly_the_tables_columns_with_fitting_types(events):
    assert len(events) == 500
    assert {problem for event in events for problem in disagreements(event)} == set()


def test_column_names_are_what_athena_accepts_unquoted():
    """Lowercase, no dots or hyphens: the OpenX deserializer lowercases keys, Hive forbids dots in names."""
    for name, _ in EVENT_FIELDS:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda e: {**e, "venue": "XNYS"}, "field 'venue' has no column"),
        (lambda e: {k: v for k, v in e.items() if k != "quantity"}, "column 'quantity' has no field"),
        (lambda e: {**e, "price": "123.64"}, "price='123.64' does not fit double"),
        (lambda e: {**e, "seq": 2**63}, f"seq={2**63} does not fit bigint"),
        (lambda e: {**e, "event_time": "2026-11-26 12:50"}, "event_time='2026-11-26 12:50' does not fit timestamp"),
    ],
)
def test_a_changed_event_is_caught(events, change, problem):
    """Guards the agreement test: a field added, dropped or retyped by the producer is reported."""
    assert disagreements(change(events[0])) == [problem]


def test_the_sample_events_trade_exactly_the_contracts_tickers(events):
    assert {event["ticker"] for event in events} == set(TICKER_SYMBOLS)
