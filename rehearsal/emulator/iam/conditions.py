"""Condition operators, as the IAM User Guide documents them ("IAM JSON policy elements: Condition operators",
"Single-valued vs. multivalued context keys", "IAM policy elements: Variables and tags").

- Every operator: String{Equals,NotEquals,EqualsIgnoreCase,NotEqualsIgnoreCase,Like,NotLike},
  Numeric{Equals,NotEquals,LessThan,LessThanEquals,GreaterThan,GreaterThanEquals}, Date{the same six}, Bool,
  BinaryEquals, IpAddress, NotIpAddress, Arn{Equals,Like,NotEquals,NotLike}, Null; `...IfExists` on all but Null;
  the set qualifiers ForAllValues: and ForAnyValue:.
- Several values for a key: any one of them (OR); a negated operator holds when the request value matches none
  ("StringNotEquals" with two values: neither). Several keys and operators in a block: all (AND, in evaluation.py).
- A key the request does not carry: "the values do not match and the condition is false"; a negated operator is
  then true; `...IfExists` is true; Null tests exactly this; ForAllValues is true ("It also returns true if there
  are no context keys in the request"), ForAnyValue false. An empty multivalued key is such a missing key ("If the
  key values in the request resolve to an empty data set ... ForAllValues returns true, ForAnyValue false").
- A multivalued key (a list in the request context) compared without a set qualifier: AWS documents only that
  "Multivalued context keys require a condition set operator", not what happens without one: Unknown.
- Key names are case-insensitive; values case-sensitive except the IgnoreCase operators and Bool.
- Policy variables only in the values of the String and ARN operators ("You can use a policy variable for
  Condition values in any condition that involves the string operators or the ARN operators"); Numeric, Date,
  Binary, IpAddress and Null take their values literally. For Bool the Guide contradicts itself ("You can use a
  policy variable with the Boolean condition operator" on the operators page, "You can't use a policy variable
  with ... Boolean" on the variables page): a Bool value with a variable is refused.
- Dates: W3C ISO 8601 (a date, a date and time with a zone; a time without zone is taken as UTC) or epoch seconds.
What the operators page does not define (an operator name not in that list, a value that is not a number where a
number is needed, a qualifier on Null) raises Unevaluated: AWS refuses such a policy when it is stored.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .policy_text import (
    Match,
    Template,
    Unevaluated,
    Unknown,
    all_of,
    any_of,
    negate,
    resolve,
    template,
    wildcard_match,
)

Context = Mapping[str, str | tuple[str, ...]]
_QUALIFIERS = ("ForAllValues", "ForAnyValue")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_EPOCH = re.compile(r"^[+-]?\d+(\.\d+)?$")
_YEAR_MONTH = re.compile(r"^(\d{4})(-(\d{2}))?$")
_COMPARISONS = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "LessThanEquals": operator.le,
    "GreaterThan": operator.gt,
    "GreaterThanEquals": operator.ge,
}


@dataclass(frozen=True)
class _Family:
    """How one operator compares: `parse` turns a policy value into what `test(request value, parsed)` takes."""

    name: str
    parse: Callable[[str, bool], Any]
    test: Callable[[str, Any], Match]
    variables: bool = False


@dataclass(frozen=True)
class Condition:
    """One key under one operator, compiled once; `holds` decides it for a request."""

    written: str  # "StringLike s3:prefix", for messages
    key: str  # lower case
    family: _Family
    negated: bool
    qualifier: str | None
    if_exists: bool
    values: tuple  # parsed policy values (templates for the String and ARN operators)

    def holds(self, context: Context, unknowable: Callable[[str], bool]) -> Match:
        value = context.get(self.key)
        if value is None and unknowable(self.key):
            return Unknown(f"condition {self.written}: AWS carries this key, the emulator cannot know its value")
        if self.family is _NULL:
            return any(expected is (value is None) for expected in self.values)
        if self.qualifier is not None:
            if value is None:
                return self.if_exists or self.qualifier == "ForAllValues"
            values = self._resolved(context, unknowable)
            each = (self._one(item, values) for item in ((value,) if isinstance(value, str) else value))
            return all_of(each) if self.qualifier == "ForAllValues" else any_of(each)
        if value is None:
            return self.if_exists or self.negated
        if isinstance(value, tuple):
            return Unknown(
                f"condition {self.written}: the key is multivalued here and AWS documents only that multivalued "
                "keys require ForAllValues or ForAnyValue (Single-valued vs. multivalued context keys)"
            )
        return self._one(value, self._resolved(context, unknowable))

    def _resolved(self, context: Context, unknowable: Callable[[str], bool]) -> list:
        if not self.family.variables:
            return list(self.values)
        resolved = []
        for value in self.values:
            pieces = _resolve_value(value, context, unknowable)
            if pieces is not None:  # a variable without value matches nothing: drop it
                resolved.append(pieces)
        return resolved

    def _one(self, actual: str, expected: list) -> Match:
        """Whether one request value matches any policy value; negated: none."""
        found = any_of(item if isinstance(item, Unknown) else self.family.test(actual, item) for item in expected)
        if isinstance(found, Unknown):
            found = Unknown(f"condition {self.written}: {found.why}")
        return negate(found) if self.negated else found


def compile_condition(operator_name: str, key: str, raw: Any, variables: bool) -> Condition:
    """Parse one `"Operator": {"key": value(s)}` entry; Unevaluated for anything the operators page does not
    define."""
    qualifier, base, if_exists = _operator(operator_name)
    family, negated = _BASES[base]
    written = f"{operator_name} {key}"
    if "${" in key:
        raise Unevaluated(f"condition {written}: policy variables are not allowed in condition keys")
    if family is _NULL and (qualifier or if_exists):
        raise Unevaluated(f"condition operator {operator_name}: Null takes no qualifier and no IfExists")
    texts = _policy_values(raw, written)
    if family is _BOOL and variables and any("${" in text for text in texts):
        raise Unevaluated(
            f"condition {written}: a policy variable in a Bool value (the IAM User Guide both allows and forbids it)"
        )
    parsed = tuple(family.parse(text, variables) for text in texts)
    if family is _NULL:
        parsed = tuple(value == "true" for value in parsed)
    return Condition(written, key.lower(), family, negated, qualifier, if_exists, parsed)


@lru_cache(maxsize=1024)
def _operator(name: str) -> tuple[str | None, str, bool]:
    qualifier, _, base = name.rpartition(":")
    if qualifier and qualifier not in _QUALIFIERS:
        raise Unevaluated(f"condition operator {name}: unknown set qualifier {qualifier} (ForAllValues, ForAnyValue)")
    if_exists = base.endswith("IfExists") and base != "IfExists"
    base = base.removesuffix("IfExists") if if_exists else base
    if base not in _BASES:
        raise Unevaluated(f"condition operator {name}: not an IAM condition operator")
    return qualifier or None, base, if_exists


def _policy_values(raw: Any, written: str) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise Unevaluated(f"condition {written}: no value")
    texts = []
    for item in items:
        if isinstance(item, bool):
            texts.append("true" if item else "false")
        elif isinstance(item, (int, float, str)):
            texts.append(str(item))
        else:
            raise Unevaluated(f"condition {written}: value {item!r} is not a string, number or boolean")
    return texts


# --- families ----------------------------------------------------------------------------------------------------
def _template(text: str, variables: bool) -> Template:
    return template(text, variables)


def _resolve_value(value, context: Context, unknowable: Callable[[str], bool]):
    if isinstance(value, _ArnPattern):
        parts = [resolve(part, context, unknowable) for part in value.parts]
        if any(part is None for part in parts):
            return None
        unknown = [part for part in parts if isinstance(part, Unknown)]
        return unknown[0] if unknown else tuple(parts)
    return resolve(value, context, unknowable)


def _text(pieces) -> str:
    return "".join(piece for piece, _ in pieces)


def _string_family(name: str, test: Callable[[str, Any], bool]) -> _Family:
    return _Family(name, _template, test, variables=True)


_STRING_EQUALS = _string_family("string", lambda actual, pieces: actual == _text(pieces))
_STRING_EQUALS_IGNORE_CASE = _string_family("string", lambda actual, pieces: actual.lower() == _text(pieces).lower())
_STRING_LIKE = _string_family("string", lambda actual, pieces: wildcard_match(pieces, actual))


@dataclass(frozen=True)
class _ArnPattern:
    """An ArnLike value: six parts, each matched on its own ("Each of the six colon-delimited components of the ARN
    is checked separately and each can include ... wildcards")."""

    parts: tuple[Template, ...]


def _arn_pattern(text: str, variables: bool) -> _ArnPattern:
    parts = template(text, variables)
    split: list[list] = [[]]
    for part in parts:
        if not isinstance(part, str):
            split[-1].append(part)
            continue
        pieces = part.split(":", 5 - (len(split) - 1)) if len(split) < 6 else [part]
        split[-1].append(pieces[0])
        for piece in pieces[1:]:
            split.append([piece])
    if len(split) != 6 or split[0] != ["arn"]:
        raise Unevaluated(f"ARN condition value {text!r}: not an ARN (arn:partition:service:region:account:resource)")
    return _ArnPattern(tuple(tuple(item for item in part if item != "") for part in split))


def _arn_test(actual: str, pieces_by_part) -> bool:
    parts = actual.split(":", 5)
    if len(parts) != 6:
        return False
    return all(wildcard_match(pieces, part) for pieces, part in zip(pieces_by_part, parts))


_ARN = _Family("arn", _arn_pattern, _arn_test, variables=True)


def _number(text: str, _variables: bool = False) -> Decimal:
    if not _NUMBER.match(text):
        raise Unevaluated(f"numeric condition value {text!r}: not a number")
    return Decimal(text)


def _numeric(compare: Callable[[Decimal, Decimal], bool]) -> _Family:
    def test(actual: str, expected: Decimal) -> Match:
        if not _NUMBER.match(actual):
            return Unknown(f"request value {actual!r} is not a number")
        return compare(Decimal(actual), expected)

    return _Family("numeric", _number, test)


def parse_date(text: str) -> float | None:
    """Seconds since the epoch of a W3C ISO 8601 date or an epoch time; None if it is neither."""
    if _EPOCH.match(text):
        return float(text)
    year_month = _YEAR_MONTH.match(text)
    if year_month:
        return datetime(int(year_month[1]), int(year_month[3] or 1), 1, tzinfo=UTC).timestamp()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _date_value(text: str, _variables: bool = False) -> float:
    moment = parse_date(text)
    if moment is None:
        raise Unevaluated(f"date condition value {text!r}: neither ISO 8601 nor epoch time")
    return moment


def _date(compare: Callable[[float, float], bool]) -> _Family:
    def test(actual: str, expected: float) -> Match:
        moment = parse_date(actual)
        if moment is None:
            return Unknown(f"request value {actual!r} is not a date")
        return compare(moment, expected)

    return _Family("date", _date_value, test)


def _boolean(text: str, _variables: bool = False) -> bool:
    if text.lower() not in ("true", "false"):
        raise Unevaluated(f"Bool condition value {text!r}: neither true nor false")
    return text.lower() == "true"


def _bool_test(actual: str, expected: bool) -> Match:
    if actual.lower() not in ("true", "false"):
        return Unknown(f"request value {actual!r} is neither true nor false")
    return (actual.lower() == "true") is expected


def _binary(text: str, _variables: bool = False) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Unevaluated(f"BinaryEquals value {text!r}: not base-64") from None


def _binary_test(actual: str, expected: bytes) -> Match:
    try:
        return base64.b64decode(actual, validate=True) == expected
    except (binascii.Error, ValueError):
        return Unknown(f"request value {actual!r} is not base-64")


def _network(text: str, _variables: bool = False):
    try:
        return ipaddress.ip_network(text, strict=False)  # a bare address is its /32 (/128)
    except ValueError:
        raise Unevaluated(f"IP address condition value {text!r}: not an address or CIDR range") from None


def _ip_test(actual: str, expected) -> Match:
    try:
        address = ipaddress.ip_address(actual)
    except ValueError:
        return Unknown(f"request value {actual!r} is not an IP address")
    return address.version == expected.version and address in expected


def _null_value(text: str, _variables: bool = False) -> str:
    if text.lower() not in ("true", "false"):
        raise Unevaluated(f"Null condition value {text!r}: neither true nor false")
    return text.lower()


_BOOL = _Family("bool", _boolean, _bool_test)
_NULL = _Family("null", _null_value, lambda actual, expected: False)
_BASES: dict[str, tuple[_Family, bool]] = {
    "StringEquals": (_STRING_EQUALS, False),
    "StringNotEquals": (_STRING_EQUALS, True),
    "StringEqualsIgnoreCase": (_STRING_EQUALS_IGNORE_CASE, False),
    "StringNotEqualsIgnoreCase": (_STRING_EQUALS_IGNORE_CASE, True),
    "StringLike": (_STRING_LIKE, False),
    "StringNotLike": (_STRING_LIKE, True),
    "Bool": (_BOOL, False),
    "BinaryEquals": (_Family("binary", _binary, _binary_test), False),
    "IpAddress": (_Family("ip", _network, _ip_test), False),
    "NotIpAddress": (_Family("ip", _network, _ip_test), True),
    "ArnEquals": (_ARN, False),
    "ArnLike": (_ARN, False),
    "ArnNotEquals": (_ARN, True),
    "ArnNotLike": (_ARN, True),
    "Null": (_NULL, False),
}
for _suffix, _compare in _COMPARISONS.items():
    _BASES[f"Numeric{_suffix}"] = (_numeric(_compare), False)
    _BASES[f"Date{_suffix}"] = (_date(_compare), False)
_BASES["NumericNotEquals"] = (_BASES["NumericEquals"][0], True)
_BASES["DateNotEquals"] = (_BASES["DateEquals"][0], True)
OPERATORS = tuple(sorted(_BASES))
