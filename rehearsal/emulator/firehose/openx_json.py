"""How the OpenX JSON SerDe reads JSON into typed columns: shared by Firehose's format conversion and the emulator's
Athena over JSON tables, so both read an event the same way (not a gap-fix: no install()).

The rules are those of rcongiu/Hive-JSON-Serde, which Firehose and Athena document as "OpenX JSON SerDe":
- keys match column names case-insensitively unless told otherwise, optionally with dots in keys read as
  underscores, or through explicit column -> key mappings; a missing key or a JSON null is NULL; other keys are
  ignored;
- numbers given as JSON strings are parsed (OpenX coerces, where the Hive JSON SerDe refuses); a string column
  takes any scalar as its text, and an object or array as its JSON;
- timestamps in the formats the Firehose developer guide lists for OpenX ("Convert input data format in Amazon
  Data Firehose"): `yyyy-MM-dd'T'HH:mm:ss[.S]'Z'` and `yyyy-[M]M-[d]d HH:mm:ss[.S]` (up to 9 fraction digits),
  epoch seconds, epoch milliseconds (told apart by length: 13 digits or more is milliseconds, as OpenX's
  ParsePrimitiveUtils.parseTimestamp does) and fractional epoch seconds; all in UTC.
Where the SerDe would silently wrap or truncate (an int column given 2**31 or 1.5) the value is refused instead:
the emulator never turns a value into a different one.
Only primitive column types are read (array, map, struct and binary are refused by `arrow_type`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

_EPOCH = datetime(1970, 1, 1)
_TIMESTAMP = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})([T ])(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z?)")
_SIMPLE_TYPES = {
    "string": pa.string(),
    "boolean": pa.bool_(),
    "tinyint": pa.int8(),
    "smallint": pa.int16(),
    "int": pa.int32(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("ns"),
}
_SIZED = re.compile(r"(varchar|char)\(\d+\)|decimal(?:\((\d+),\s*(\d+)\))?")


class DocumentError(ValueError):
    """The text is not a sequence of JSON objects."""


class FieldError(ValueError):
    """A value that does not fit its column's type; str() names the column."""


def arrow_type(glue_type: str) -> pa.DataType:
    """The Arrow type of a primitive Glue/Hive column type; ValueError for the others (array, map, struct...)."""
    kind = glue_type.strip().lower()
    if kind in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[kind]
    sized = _SIZED.fullmatch(kind)
    if sized and sized.group(1):
        return pa.string()
    if sized:
        return pa.decimal128(int(sized.group(2) or 10), int(sized.group(3) or 0))
    raise ValueError(f"column type {glue_type!r} is not emulated (primitive types only)")


def documents(text: str) -> list[dict[str, Any]]:
    """The JSON objects in `text`, one after another, newline-separated or not ({"a":1}{"a":2} is two)."""
    decoder, position, found = json.JSONDecoder(), 0, []
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return found
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise DocumentError(f"Encountered malformed JSON: {error}") from None
        if not isinstance(document, dict):
            raise DocumentError(
                f"Encountered malformed JSON: expected a JSON object, found "
                f"{type(document).__name__} (an array of documents is not valid input)"
            )
        found.append(document)


def timestamp(value: Any) -> datetime:
    """A timestamp as OpenX reads it, as a naive UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{type(value).__name__} is not a timestamp")
    text = value.strip() if isinstance(value, str) else json.dumps(value)
    if ":" in text:
        match = _TIMESTAMP.fullmatch(text)
        if not match or (match.group(4) == "T") != (match.group(9) == "Z"):
            raise ValueError(f"{text!r} is not yyyy-MM-dd'T'HH:mm:ss[.S]'Z' nor yyyy-[M]M-[d]d HH:mm:ss[.S]")
        year, month, day, hour, minute, second = (int(g) for g in match.group(1, 2, 3, 5, 6, 7))
        nanos = int((match.group(8) or "0").ljust(9, "0"))
        return datetime(year, month, day, hour, minute, second, nanos // 1000)
    if "." in text:
        return _EPOCH + timedelta(milliseconds=int(float(text) * 1000))
    digits = text.lstrip("-")
    if not digits.isdigit():
        raise ValueError(f"{text!r} is not a timestamp")
    return _EPOCH + (timedelta(milliseconds=int(text)) if len(digits) >= 13 else timedelta(seconds=int(text)))


def _integer(value: Any, bits: int) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text, 16) if text.lower().lstrip("-").startswith("0x") else int(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        value = int(value)
    elif not isinstance(value, int):
        raise ValueError(f"{type(value).__name__} is not a number")
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise ValueError(f"{value} does not fit in {bits} bits")
    return value


def _floating(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{type(value).__name__} is not a number")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"{value!r} is not a boolean")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date (yyyy-MM-dd)")
    return date.fromisoformat(value.strip())


def _decimal(value: Any, arrow: pa.Decimal128Type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{type(value).__name__} is not a number")
    try:
        number = Decimal(str(value).strip()).quantize(Decimal(1).scaleb(-arrow.scale), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if len(number.as_tuple().digits) > arrow.precision:
        raise ValueError(f"{value} does not fit decimal({arrow.precision},{arrow.scale})")
    return number


def _coercer(arrow: pa.DataType) -> Callable[[Any], Any]:
    if pa.types.is_string(arrow):
        return _text
    if pa.types.is_boolean(arrow):
        return _boolean
    if pa.types.is_integer(arrow):
        return lambda value: _integer(value, arrow.bit_width)
    if pa.types.is_floating(arrow):
        return _floating
    if pa.types.is_decimal(arrow):
        return lambda value: _decimal(value, arrow)
    if pa.types.is_date(arrow):
        return _date
    return timestamp


@dataclass
class Reader:
    """Turns JSON objects into rows of the columns' types, with the SerDe's key options."""

    columns: list[tuple[str, pa.DataType]]
    case_insensitive: bool = True
    dots_to_underscores: bool = False
    mappings: dict[str, str] = field(default_factory=dict)  # column -> JSON key

    def __post_init__(self) -> None:
        self._plan = []
        for name, arrow in self.columns:
            key = self.mappings.get(name, name)
            self._plan.append((name, arrow, key.lower() if self.case_insensitive else key, _coercer(arrow)))

    def row(self, document: dict[str, Any]) -> list[Any]:
        keyed = {}
        for key, value in document.items():
            key = key.replace(".", "_") if self.dots_to_underscores else key
            keyed[key.lower() if self.case_insensitive else key] = value
        row = []
        for name, arrow, key, coerce in self._plan:
            value = keyed.get(key)
            try:
                row.append(None if value is None else coerce(value))
            except (ValueError, OverflowError) as error:
                raise FieldError(f"column {name} ({arrow}): {error}") from None
        return row

    def table(self, rows: list[list[Any]]) -> pa.Table:
        arrays = [pa.array([row[i] for row in rows], type=arrow) for i, (_, arrow) in enumerate(self.columns)]
        return pa.Table.from_arrays(arrays, schema=pa.schema([pa.field(n, a) for n, a in self.columns]))
