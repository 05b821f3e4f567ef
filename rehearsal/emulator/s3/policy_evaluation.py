"""Bucket policies evaluated as IAM does, for every caller; refused when stored if they condition on a key the
emulator can never know.

moto 5.2.5 consults a bucket's policy on object requests only (GetObject, PutObject, DeleteObject[s]), with no
request context and every condition but StringEquals taken as met (the lab's TLS-only Deny would refuse every object
request), a condition not met counted as a Deny, and every statement applied to every caller whatever its Principal.
Here:
- with IAM enforced, the iam package's authorization evaluates a bucket's policy together with the caller's own
  policies on every bucket and object request (ListBucket included), so `FakeBucket.get_permission` adds nothing
  but the keys of a DeleteObjects batch that it refused, which S3 answers one by one as errors of the batch;
- with IAM not enforced, the caller is the emulator's test credentials, which stand for the account's root user:
  no identity policy limits it, but a bucket policy's explicit Deny does, evaluated by the iam package with the
  request context it fills (`aws:SecureTransport` is "true": the emulator stands in for AWS's HTTPS endpoints that
  every client of the lab uses; its own socket is plain HTTP on 127.0.0.1, so a plain-HTTP request cannot be shown
  refused);
- PutBucketPolicy (API or CloudFormation) refuses a statement with a condition on a key AWS carries and the emulator
  cannot know (aws:SourceIp, aws:SourceVpce, the organization keys but aws:PrincipalOrgID, which the iam package
  fills for accounts in an organization moto's Organizations holds), naming it, instead of storing a policy every
  request would then be refused under;
- a request from another account is decided by the iam package as cross-account, with the policy of the bucket's
  owner: both it and the caller's own policies must allow.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.access_control import PermissionResult
from moto.s3.exceptions import S3ClientError
from moto.s3.models import FakeBucket, S3Backend

from .. import iam

# moto names the object request it consults the policy for by its method; IAM by the action (S3 API reference:
# HeadObject needs s3:GetObject, a POST upload s3:PutObject).
_IAM_ACTION = {"s3:HeadObject": "s3:GetObject", "s3:PostObject": "s3:PutObject"}


class UnevaluablePolicy(ValueError):
    """A bucket policy the emulator cannot evaluate faithfully; str() names what and why."""


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def check(policy: dict[str, Any]) -> None:
    """Raise UnevaluablePolicy for a statement conditioned on a key the emulator can never know."""
    for number, statement in enumerate(_statements(policy), start=1):
        for operator, values in (statement.get("Condition") or {}).items():
            for key in values:
                if iam.never_known(key):
                    raise UnevaluablePolicy(
                        f"bucket policy statement {statement.get('Sid') or number}: {operator} on {key}: AWS "
                        "carries this key on every request, and the emulator cannot know its value"
                    )


def _get_permission(self: FakeBucket, action: str, resource: str) -> PermissionResult:
    if iam.enforced():  # decided by the iam package, but for DeleteObjects' keys one by one
        key = resource.split(":::", 1)[-1].partition("/")[2]
        refused = action == "s3:DeleteObject" and iam.deletion_refused(key)
        return PermissionResult.DENIED if refused else PermissionResult.NEUTRAL
    if self.policy is None:
        return PermissionResult.NEUTRAL
    decision = iam.authorize_root(self.account_id, _IAM_ACTION.get(action, action), resource)
    return PermissionResult.NEUTRAL if decision.allowed else PermissionResult.DENIED


_original_put_bucket_policy = S3Backend.put_bucket_policy


def _put_bucket_policy(self: S3Backend, bucket_name: str, policy: bytes) -> None:
    """PutBucketPolicy (API or CloudFormation) refuses what could never be evaluated."""
    try:
        check(json.loads(policy))
    except UnevaluablePolicy as error:
        raise S3ClientError("MalformedPolicy", str(error)) from None
    _original_put_bucket_policy(self, bucket_name, policy)


def install() -> None:
    """Evaluate bucket policies as IAM does and refuse unevaluable ones (idempotent)."""
    FakeBucket.get_permission = _get_permission
    S3Backend.put_bucket_policy = _put_bucket_policy
