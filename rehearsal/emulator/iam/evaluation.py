"""IAM evaluation for calls the emulator makes on a role's behalf (Scheduler assuming its execution role).

moto 5.2.5 evaluates policies only for signed requests, matches trust-policy principals of type AWS only, and lets
any condition it cannot evaluate pass (an unknown operator, a key the request lacks). This evaluator follows the IAM
user guide's "Policy evaluation logic" for what these calls need: Allow/Deny, Action/NotAction,
Resource/NotResource with `*`/`?` wildcards, a Service principal, and the condition operators StringEquals,
StringLike, ArnEquals and ArnLike over the keys the caller puts in the request context. An explicit deny wins, an
allow is needed, nothing else allows. What it cannot evaluate (another operator, a key it was not given, an AWS
principal) raises Unevaluated naming it: the emulator refuses rather than guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from moto.iam.models import Policy, iam_backends

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitly denied", "not allowed (no statement allows it)"


class Unevaluated(Exception):
    """A policy element this evaluator does not evaluate; str() names it."""


def decide(
    documents: Iterable[Mapping[str, Any]],
    *,
    action: str,
    resource: str | None = None,
    service_principal: str | None = None,
    context: Mapping[str, str] = {},
) -> str:
    """ALLOWED, EXPLICIT_DENY or IMPLICIT_DENY for `action` on `resource` (None: a trust policy, no Resource),
    by `service_principal` (None: an identity policy, no Principal), with these condition keys."""
    allowed = False
    for document in documents:
        statements = document["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            if not _applies(statement, action, resource, service_principal, context):
                continue
            if statement["Effect"] == "Deny":
                return EXPLICIT_DENY
            allowed = True
    return ALLOWED if allowed else IMPLICIT_DENY


def role_documents(account_id: str, role_arn: str) -> tuple[dict, list[dict]]:
    """(trust policy, identity policies: inline and attached) of a role in the emulated account."""
    backend = iam_backends[account_id]["aws"]
    role = backend.get_role_by_arn(role_arn)
    # A role's inline policies are text when put through the API, and a dict when CloudFormation made the role with its
    # Policies property.
    identity = [_as_json(document) for document in role.policies.values()]
    for policy in role.managed_policies.values():
        identity.append(json.loads(_default_version(policy)))
    return _as_json(role.assume_role_policy_document), identity


def _default_version(policy: Policy) -> str:
    return next(version.document for version in policy.versions if version.is_default)


def _as_json(document: Any) -> dict:
    return json.loads(document) if isinstance(document, str) else document


def _applies(
    statement: Mapping[str, Any],
    action: str,
    resource: str | None,
    service_principal: str | None,
    context: Mapping[str, str],
) -> bool:
    if "NotAction" in statement:
        if _any_matches(statement["NotAction"], action, ignore_case=True):
            return False
    elif not _any_matches(statement.get("Action", []), action, ignore_case=True):
        return False
    if resource is not None:
        if "NotResource" in statement:
            if _any_matches(statement["NotResource"], resource):
                return False
        elif not _any_matches(statement.get("Resource", []), resource):
            return False
    if not _principal_matches(statement, service_principal):
        return False
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, keys in statement.get("Condition", {}).items()
        for key, expected in keys.items()
    )


def _principal_matches(statement: Mapping[str, Any], service_principal: str | None) -> bool:
    if "NotPrincipal" in statement:
        raise Unevaluated("NotPrincipal")
    principal = statement.get("Principal")
    if service_principal is None or principal is None:
        return principal is None and service_principal is None
    if principal == "*":
        return True
    unknown = set(principal) - {"Service"}
    if unknown:
        raise Unevaluated(f"Principal of type {', '.join(sorted(unknown))}")
    return service_principal in _as_list(principal["Service"])


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    """One operator on one key: true when the context value matches any expected value (single-valued keys)."""
    match = _OPERATORS.get(operator)
    if match is None:
        raise Unevaluated(f"condition operator {operator}")
    if key not in context:
        raise Unevaluated(f"condition key {key} (not in this request's context: {', '.join(sorted(context))})")
    return any(match(str(value), context[key]) for value in _as_list(expected))


def _wildcard(pattern: str, *, ignore_case: bool = False) -> re.Pattern:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def _any_matches(patterns: Any, value: str, *, ignore_case: bool = False) -> bool:
    return any(_wildcard(p, ignore_case=ignore_case).match(value) for p in _as_list(patterns))


def _arn_like(pattern: str, arn: str) -> bool:
    """ArnEquals/ArnLike: each of the six colon-separated parts is matched on its own, wildcards allowed."""
    expected, actual = pattern.split(":", 5), arn.split(":", 5)
    return len(expected) == len(actual) == 6 and all(_wildcard(e).match(a) for e, a in zip(expected, actual))


_OPERATORS = {
    "StringEquals": lambda expected, actual: expected == actual,
    "StringLike": lambda expected, actual: bool(_wildcard(expected).match(actual)),
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]
