"""Generated IAM cases for the differential test against the oracle: seeded random combinations of condition
operators (each with and without IfExists, the set qualifiers), values with wildcards and policy variables, missing
keys, Deny and Allow, NotAction and NotResource, resource-based policies, boundaries, session policies, SCPs and
cross-account requests. Deterministic: the same seed gives the same cases.

They stay inside what both sides define, so that a disagreement is a bug on one side: keys valid for every action
(global keys), aws:SourceIp always present (the engine cannot know it otherwise), no empty multivalued key, no
multivalued key without a set qualifier, and none of the oracle's documented quirks (tests/support/iam_cases.py
names them): no variable without a value under a negated operator or in a NotResource, no 2008-10-17 policy with
variables, no ${$}, no mix of epoch and ISO dates, no ForAnyValue with IfExists, no bare IP address (a /32 instead), no
variable in the first five parts of an ARN value, no resource-based policy naming the
session or everyone next to a session policy, no root user."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from rehearsal.emulator.iam import Policies, Principal, Request

from .iam_cases import ACCOUNT, ALICE, OTHER, ROLE_ARN, SESSION, SESSION_ARN, allow, policy

_TEAMS = ["blue", "red", "green", "Blue"]
_ARNS = [
    "arn:aws:sns:us-east-1:111122223333:topic1",
    "arn:aws:sns:eu-west-1:444455556666:topic2",
    "arn:aws:s3:::lab-bucket",
    "arn:aws:s3:::lab-alice",
]


@dataclass(frozen=True)
class _Key:
    name: str
    family: str  # string, arn, numeric, date, bool, ip, binary, multi
    request_values: tuple
    policy_values: tuple


_KEYS = (
    _Key(
        "aws:PrincipalTag/team",
        "string",
        tuple(_TEAMS),
        (
            "blue",
            "red",
            "b*",
            "*e*",
            "r?d",
            "Blue",
            "${s3:ExistingObjectTag/team}",
            "${aws:PrincipalTag/project, 'red'}",
        ),
    ),
    _Key(
        "s3:ExistingObjectTag/team",
        "string",
        tuple(_TEAMS),
        ("blue", "green", "?lue", "${aws:PrincipalTag/team}", "${aws:PrincipalTag/team, 'blue'}"),
    ),
    _Key("aws:PrincipalTag/project", "string", ("pegasus", "unicorn", "red"), ("pegasus", "uni*", "${aws:username}")),
    _Key("aws:username", "string", ("alice", "bob"), ("alice", "a*", "${aws:PrincipalTag/team}", "B?B")),
    _Key("aws:RequestedRegion", "string", ("us-east-1", "eu-west-1"), ("us-east-1", "eu-*", "*-east-?")),
    _Key(
        "aws:SourceArn",
        "arn",
        tuple(_ARNS),
        (
            "arn:aws:sns:*:111122223333:*",
            "arn:aws:sns:us-east-1:111122223333:topic1",
            "arn:aws:s3:::lab-*",
            "arn:aws:sns:*:*:topic?",
            "arn:aws:s3:::lab-${aws:username}",
        ),
    ),
    _Key("aws:MultiFactorAuthAge", "numeric", ("30", "3600", "86400"), ("3600", "300", "86400.0")),
    _Key(
        "aws:CurrentTime",
        "date",
        ("2024-01-01T00:00:00Z", "2024-06-15T12:00:00Z"),
        ("2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-06-15T12:00:00Z"),
    ),
    _Key("aws:EpochTime", "date", ("1704067200", "1718452800"), ("1709251200", "1704067200")),
    _Key("aws:SecureTransport", "bool", ("true", "false"), ("true", "false")),
    _Key("aws:MultiFactorAuthPresent", "bool", ("true", "false"), ("true", "false")),
    _Key(
        "aws:SourceIp",
        "ip",
        ("203.0.113.7", "198.51.100.1", "2001:db8::1"),
        ("203.0.113.0/24", "198.51.100.1/32", "2001:db8::/32", "10.0.0.0/8"),
    ),
    _Key("aws:PrincipalTag/blob", "binary", ("QmluYXJ5", "YWJj"), ("QmluYXJ5", "YWJj")),
    _Key("aws:TagKeys", "multi", (("env",), ("env", "team"), ("owner", "team")), ("env", "team", "t*", "o?ner")),
)
_COMPARISONS = ("Equals", "NotEquals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")
_OPERATORS = {
    "string": (
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
    ),
    "arn": ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "StringLike", "StringNotLike"),
    "numeric": tuple(
        f"Numeric{name}"
        for name in ("Equals", "NotEquals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")
    ),
    "date": tuple(
        f"Date{name}"
        for name in ("Equals", "NotEquals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")
    ),
    "bool": ("Bool",),
    "ip": ("IpAddress", "NotIpAddress"),
    "binary": ("BinaryEquals",),
}
_OPERATORS["multi"] = _OPERATORS["string"]
_VARIABLE = re.compile(r"\$\{([^},]+)(, '[^']*')?\}")
_OBJECTS = ("arn:aws:s3:::lab-bucket/data/file1.csv", "arn:aws:s3:::lab-blue/x.csv", "arn:aws:s3:::other/y.csv")
_RESOURCES = (
    "*",
    "arn:aws:s3:::lab-bucket/*",
    "arn:aws:s3:::lab-*/*",
    "arn:aws:s3:::lab-bucket/data/file?.csv",
    "arn:aws:s3:::lab-${aws:PrincipalTag/team}/*",
    "arn:aws:s3:::lab-${aws:PrincipalTag/team, 'bucket'}/*",
)
_NOT_RESOURCES = ("arn:aws:s3:::other/*", "arn:aws:s3:::lab-bucket/*")
_ACTIONS = ("s3:GetObject", "s3:*", "s3:Get*", "S3:getobject", "*", "ec2:*", ["s3:PutObject", "s3:GetObject"])


@dataclass(frozen=True)
class Generated:
    request: Request
    policies: Policies
    operators: frozenset[str]  # the condition operators the case uses


def generated_cases(seed: int, count: int) -> list[Generated]:
    rng = random.Random(seed)
    return [_case(rng) for _ in range(count)]


def _case(rng: random.Random) -> Generated:
    principal = rng.choice([ALICE, SESSION])
    context = _context(rng, principal)
    cross = rng.random() < 0.15
    used: set[str] = set()
    identity = [_policy(rng, context, used) for _ in range(rng.choice([1, 1, 2]))]
    session = None
    if principal is SESSION and rng.random() < 0.3:
        session = [_policy(rng, context, used)]
    resource = []
    if cross or rng.random() < 0.35:
        resource = [_bucket_policy(rng, context, used, named_directly=session is None)]
    boundary = _policy(rng, context, used) if rng.random() < 0.25 else None
    scps = [[policy(allow("*"))], [_policy(rng, context, used)]] if rng.random() < 0.2 else None
    request = Request(
        "s3:GetObject",
        rng.choice(_OBJECTS),
        principal,
        context,
        resource_account=OTHER if cross else None,
    )
    policies = Policies(identity=identity, resource=resource, boundary=boundary, session=session, scps=scps)
    return Generated(request, policies, frozenset(used))


def _context(rng: random.Random, principal: Principal) -> dict:
    source_ip = next(key for key in _KEYS if key.name == "aws:SourceIp")
    context: dict = {"aws:PrincipalAccount": ACCOUNT, "aws:SourceIp": rng.choice(source_ip.request_values)}
    if principal is ALICE:
        context["aws:username"] = "alice"
    for key in _KEYS:
        if key.name in context or rng.random() < 0.35:  # often missing
            continue
        value = rng.choice(key.request_values)
        context[key.name] = list(value) if key.family == "multi" else value
    return context


def _policy(rng: random.Random, context: dict, used: set[str]) -> dict:
    statements = [_statement(rng, context, used) for _ in range(rng.choice([1, 2, 2, 3]))]
    if rng.random() < 0.05 and not any("${" in repr(statement) for statement in statements):
        return policy(*statements, version="2008-10-17")
    return policy(*statements)


def _statement(rng: random.Random, context: dict, used: set[str]) -> dict:
    statement: dict = {"Effect": "Allow" if rng.random() < 0.75 else "Deny"}
    if rng.random() < 0.15:
        statement["NotAction"] = rng.choice(["s3:Put*", "ec2:*", "s3:Get*"])
    else:
        statement["Action"] = rng.choice(_ACTIONS)
    if rng.random() < 0.15:
        statement["NotResource"] = rng.choice(_NOT_RESOURCES)
    else:
        statement["Resource"] = rng.choice(_RESOURCES)
    conditions = _conditions(rng, context, used)
    if conditions:
        statement["Condition"] = conditions
    return statement


def _conditions(rng: random.Random, context: dict, used: set[str]) -> dict:
    block: dict = {}
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        key = rng.choice(_KEYS)
        name = key.name if rng.random() < 0.85 else _recase(rng, key.name)
        if rng.random() < 0.1:
            operator, values = "Null", [rng.choice(["true", "false"])]
        else:
            operator = rng.choice(_OPERATORS[key.family])
            if key.family == "multi" or (key.family == "string" and rng.random() < 0.08):
                operator = f"{rng.choice(['ForAllValues', 'ForAnyValue'])}:{operator}"
            if rng.random() < 0.25 and not operator.startswith("ForAnyValue:"):
                operator += "IfExists"
            values = _values(rng, key, operator, context)
        keys = block.setdefault(operator, {})
        if key.name.lower() in (written.lower() for written in keys):
            continue  # one key once per operator (names are case-insensitive)
        used.add(operator)
        keys[name] = values if len(values) > 1 or rng.random() < 0.5 else values[0]
    return block


def _values(rng: random.Random, key: _Key, operator: str, context: dict) -> list[str]:
    negated = "Not" in operator
    candidates = [value for value in key.policy_values if not (negated and _unresolved(value, context))]
    return rng.sample(candidates, k=min(len(candidates), rng.choice([1, 1, 2])))


def _unresolved(value: str, context: dict) -> bool:
    """Whether a value has a variable without a value and without a default (an oracle quirk under Not...)."""
    keys = {key.lower() for key in context}
    return any(not default and name.lower() not in keys for name, default in _VARIABLE.findall(value))


def _recase(rng: random.Random, name: str) -> str:
    return "".join(char.upper() if rng.random() < 0.5 else char.lower() for char in name)


def _bucket_policy(rng: random.Random, context: dict, used: set[str], named_directly: bool) -> dict:
    choices = [{"AWS": ACCOUNT}, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, {"AWS": ROLE_ARN}, {"AWS": OTHER}]
    if named_directly:
        choices += ["*", {"AWS": ALICE.arn}, {"AWS": SESSION_ARN}]
    statements = []
    for _ in range(rng.choice([1, 2])):
        statement = _statement(rng, context, used)
        statement["Principal"] = rng.choice(choices)
        statements.append(statement)
    return policy(*statements)
