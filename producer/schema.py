"""The lab's event, field by field: the one definition its writers and its table share.

The producer's sample events (producer/events.py) and `labctl verify`'s tagged events are written with
`event_line`, and the lab's Glue table (lab_stack/analytics.py) has one column per field, typed as here, so
Firehose can convert every event to a Parquet row and Athena can read both formats through the same table.
"""

from __future__ import annotations

import json
from typing import Any

# (name, Glue/Hive column type). Firehose's OpenX JSON deserializer parses ISO-8601 text such as
# "2026-11-26T12:50:15.293Z" into a timestamp.
EVENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("event_time", "timestamp"),
    ("event_id", "string"),
    ("producer_id", "string"),
    ("seq", "bigint"),
    ("ticker", "string"),
    ("exchange", "string"),
    ("side", "string"),
    ("price", "double"),
    ("quantity", "int"),
)
FIELD_NAMES: tuple[str, ...] = tuple(name for name, _ in EVENT_FIELDS)

# Every ticker the producer's sample events trade: the Glue table projects its ticker partition from these.
TICKER_SYMBOLS: tuple[str, ...] = ("AMZN", "AAPL", "MSFT", "GOOG", "INTC", "NVDA", "TSLA", "ORCL")
# The ticker of `labctl verify`'s tagged events: no sample event has it, so they are easy to tell apart in a query.
VERIFY_TICKER = "VERIFY"
_FIELD_SET = frozenset(FIELD_NAMES)


def event_line(**values: Any) -> bytes:
    """One event as a compact, newline-terminated JSON object with exactly the schema's fields, in its order."""
    if values.keys() != _FIELD_SET:
        missing = sorted(_FIELD_SET - values.keys())
        unknown = sorted(values.keys() - _FIELD_SET)
        raise TypeError(f"an event needs exactly the fields {FIELD_NAMES}: missing {missing}, unknown {unknown}")
    return json.dumps({name: values[name] for name in FIELD_NAMES}, separators=(",", ":")).encode() + b"\n"
