"""Bucket policy statements evaluated as IAM does, or refused when the emulator cannot evaluate them.

moto 5.2.5 consults a bucket's policy on object requests (GetObject, PutObject, DeleteObject[s]), but:
- it passes no request context and skips every condition operator but StringEquals, so a `Bool` condition counts as
  met: the lab's TLS-only statement (Deny s3:* when aws:SecureTransport is false) denies every object request;
- a statement whose condition is not met comes back DENIED (moto's trust-policy shortcut) instead of not applying;
- a statement naming a principal other than `*` is applied to every caller (moto does not know who is asking).
- a caller from another account is allowed whatever the bucket policy says, when its identity policy allows it; AWS
  needs both: "the bucket owner must grant permission ... in the bucket policy" for a cross-account request (S3 user
  guide, "How Amazon S3 authorizes a request for an object operation").
Here `FakeBucket.get_permission` evaluates each statement properly against the request context the emulator can
vouch for: `aws:SecureTransport` is "true", because the emulator stands in for AWS's HTTPS endpoints that every
client of the lab uses (its own socket is plain HTTP on 127.0.0.1, so a plain-HTTP request cannot be shown refused);
`aws:PrincipalAccount` is the account of the request's credentials and `aws:PrincipalOrgID` the organization moto's
Organizations has that account in (none: the key is absent). A request from another account than the bucket's is
refused unless a statement allows it. HeadObject is authorized as s3:GetObject, as S3 does ("you must have READ
access to the object", API reference, HeadObject).
What it cannot evaluate (another condition key or operator, a Deny naming specific principals) is refused when the
policy is stored, naming the statement, instead of being ignored. Allow statements for specific principals do not
apply here (moto authorizes callers by their identity policies), which can only refuse more, never less.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.organizations.models import organizations_backends
from moto.s3.exceptions import S3ClientError
from moto.s3.models import FakeBucket, S3Backend
from moto.s3.responses import S3Response

# What the emulator knows of every request: it stands in for AWS's HTTPS endpoints.
REQUEST_CONTEXT = {"aws:securetransport": "true"}
# ... and of who asks: keys request_context() fills in when the caller is known.
PRINCIPAL_KEYS = ("aws:principalaccount", "aws:principalorgid")
# Operators evaluated here, by key (IAM condition operators; "...IfExists" also matches a missing key).
_OPERATORS = {
    "aws:securetransport": {"bool", "boolifexists"},
    "aws:principalaccount": {"stringequals", "stringequalsifexists"},
    "aws:principalorgid": {"stringequals", "stringequalsifexists"},
}
_CASE_INSENSITIVE = {"bool", "boolifexists"}
# S3 authorizes these object requests as another action (S3 API reference: HeadObject needs s3:GetObject).
_AUTHORIZED_AS = {"s3:HeadObject": "s3:GetObject"}
_caller = threading.local()  # the account of the request being served (each request has its server thread)


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
                if operator.lower() not in _OPERATORS.get(key.lower(), ()):
                    raise UnevaluablePolicy(
                        f"{where}: the emulator evaluates only Bool on aws:SecureTransport and StringEquals on "
                        f"aws:PrincipalAccount and aws:PrincipalOrgID, not {operator} on {key}"
                    )


def organization_of(account_id: str) -> str | None:
    """The id of the organization moto's Organizations has the account in (its management account's or a member's)."""
    backend = organizations_backends[account_id]["aws"]
    if backend.org is not None:
        return backend.org.id
    management = organizations_backends.master_accounts.get(account_id)
    if management is None:
        return None
    return organizations_backends[management[0]][management[1]].org.id


def request_context(account_id: str | None) -> dict[str, str]:
    """What the emulator vouches for about a request made with `account_id`'s credentials (None: not known)."""
    context = dict(REQUEST_CONTEXT)
    if account_id:
        context["aws:principalaccount"] = account_id
        organization = organization_of(account_id)
        if organization:
            context["aws:principalorgid"] = organization
    return context


def _condition_met(statement: dict[str, Any], context: dict[str, str]) -> bool:
    """All conditions hold in `context` (check() has refused anything else)."""
    for operator, values in (statement.get("Condition") or {}).items():
        fold = str.lower if operator.lower() in _CASE_INSENSITIVE else str
        for key, expected in values.items():
            actual = context.get(key.lower())
            wanted = {fold(str(v)) for v in (expected if isinstance(expected, list) else [expected])}
            if actual is None:
                if not operator.lower().endswith("ifexists"):
                    return False
            elif fold(actual) not in wanted:
                return False
    return True


def evaluate(
    policy: dict[str, Any], action: str, resource: str, context: dict[str, str] = REQUEST_CONTEXT
) -> PermissionResult:
    """An explicit Deny wins, then any Allow for everyone; otherwise the policy says nothing (NEUTRAL)."""
    action = _AUTHORIZED_AS.get(action, action)
    permitted = False
    for raw in _statements(policy):
        if not _everyone(raw.get("Principal")) or not _condition_met(raw, context):
            continue  # not for this caller, or a condition not met: the statement does not apply
        unconditional = {key: value for key, value in raw.items() if key != "Condition"}
        result = IAMPolicyStatement(unconditional).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return result
        permitted = permitted or result == PermissionResult.PERMITTED
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


def _get_permission(self: FakeBucket, action: str, resource: str) -> PermissionResult:
    caller = getattr(_caller, "account", None)
    result = PermissionResult.NEUTRAL
    if self.policy is not None:
        result = evaluate(json.loads(self.policy), action, resource, request_context(caller))
    if caller and caller != self.account_id and result != PermissionResult.PERMITTED:
        return PermissionResult.DENIED  # another account's request needs the bucket policy's allow too
    return result


_original_setup_class = S3Response.setup_class


def _setup_class(self: S3Response, *args: Any, **kwargs: Any) -> None:
    """Note whose credentials the request being served carries, for get_permission."""
    _original_setup_class(self, *args, **kwargs)
    _caller.account = self.current_account


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
    S3Response.setup_class = _setup_class
