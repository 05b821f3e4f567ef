"""Bucket policy statements evaluated as IAM does, or refused when the emulator cannot evaluate them.

moto 5.2.5 consults a bucket's policy on object requests (GetObject, PutObject, DeleteObject[s]), but:
- it passes no request context and skips every condition operator but StringEquals, so a `Bool` condition counts as
  met: the lab's TLS-only statement (Deny s3:* when aws:SecureTransport is false) denies every object request;
- a statement whose condition is not met comes back DENIED (moto's trust-policy shortcut) instead of not applying;
- a statement naming a principal other than `*` is applied to every caller (moto does not know who is asking).
Here `FakeBucket.get_permission` evaluates each statement properly against the request context the emulator can
vouch for: `aws:SecureTransport` is "true", because the emulator stands in for AWS's HTTPS endpoints that every
client of the lab uses (its own socket is plain HTTP on 127.0.0.1, so a plain-HTTP request cannot be shown refused).
What it cannot evaluate (another condition key or operator, a Deny naming specific principals) is refused when the
policy is stored, naming the statement, instead of being ignored. Allow statements for specific principals do not
apply here (moto authorizes callers by their identity policies), which can only refuse more, never less.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.s3.exceptions import S3ClientError
from moto.s3.models import FakeBucket, S3Backend

# What the emulator knows of every request: it stands in for AWS's HTTPS endpoints.
REQUEST_CONTEXT = {"aws:securetransport": "true"}
# Operators evaluated here (IAM condition operators; "...IfExists" also matches a missing key).
_BOOL_OPERATORS = {"bool", "boolifexists"}


class UnevaluablePolicy(ValueError):
    """A bucket policy the emulator cannot evaluate faithfully; str() names what and why."""


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _everyone(principal: Any) -> bool:
    return principal in ("*", {"AWS": "*"}) or principal == {"AWS": ["*"]}


def check(policy: dict[str, Any]) -> None:
    """Raise UnevaluablePolicy for a statement this module cannot evaluate as IAM would."""
    for number, statement in enumerate(_statements(policy), start=1):
        where = f"bucket policy statement {statement.get('Sid') or number}"
        if statement.get("Effect") == "Deny" and not _everyone(statement.get("Principal")):
            raise UnevaluablePolicy(
                f"{where}: the emulator does not know who is asking, so it cannot evaluate a Deny "
                f'for principal {json.dumps(statement.get("Principal"))}; use Principal "*"'
            )
        for operator, values in (statement.get("Condition") or {}).items():
            for key in values:
                if operator.lower() not in _BOOL_OPERATORS or key.lower() not in REQUEST_CONTEXT:
                    raise UnevaluablePolicy(
                        f"{where}: the emulator evaluates only Bool conditions on aws:SecureTransport, "
                        f"not {operator} on {key}"
                    )


def _condition_met(statement: dict[str, Any]) -> bool:
    """All conditions hold in REQUEST_CONTEXT (check() has refused anything else)."""
    for operator, values in (statement.get("Condition") or {}).items():
        for key, expected in values.items():
            actual = REQUEST_CONTEXT.get(key.lower())
            wanted = {str(v).lower() for v in (expected if isinstance(expected, list) else [expected])}
            if actual is None:
                if not operator.lower().endswith("ifexists"):
                    return False
            elif actual not in wanted:
                return False
    return True


def evaluate(policy: dict[str, Any], action: str, resource: str) -> PermissionResult:
    """An explicit Deny wins, then any Allow for everyone; otherwise the policy says nothing (NEUTRAL)."""
    permitted = False
    for raw in _statements(policy):
        if not _everyone(raw.get("Principal")) or not _condition_met(raw):
            continue  # not for this caller, or a condition not met: the statement does not apply
        unconditional = {key: value for key, value in raw.items() if key != "Condition"}
        result = IAMPolicyStatement(unconditional).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return result
        permitted = permitted or result == PermissionResult.PERMITTED
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


def _get_permission(self: FakeBucket, action: str, resource: str) -> PermissionResult:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    return evaluate(json.loads(self.policy), action, resource)


_original_put_bucket_policy = S3Backend.put_bucket_policy


def _put_bucket_policy(self: S3Backend, bucket_name: str, policy: bytes) -> None:
    """PutBucketPolicy (API or CloudFormation) refuses what get_permission could not evaluate."""
    try:
        check(json.loads(policy))
    except UnevaluablePolicy as error:
        raise S3ClientError("MalformedPolicy", str(error)) from None
    _original_put_bucket_policy(self, bucket_name, policy)


def install() -> None:
    """Evaluate bucket policies properly and refuse unevaluable ones (idempotent)."""
    FakeBucket.get_permission = _get_permission
    S3Backend.put_bucket_policy = _put_bucket_policy
