"""Who signed a request, and every policy IAM evaluates for them, read from the emulator's IAM and STS state.

An IAM user: its inline and attached policies and those of its groups, its permissions boundary, its tags. A role
session (AssumeRole): the role's inline and attached policies, the role's boundary, the session policies passed to
AssumeRole (inline and PolicyArns), the session tags, else the role's tags, as aws:PrincipalTag (IAM user guide,
"Passing session tags in AWS STS": session tags override role tags with the same key). A key that is no user's, no
live session's, or an Inactive user key is refused as AWS refuses it ("The security token included in the request is
invalid"); moto only refuses unknown keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.iam.models import IAMBackend, Policy, iam_backends
from moto.sts.models import sts_backends

from . import sessions, user_boundaries
from .roles import role_documents


class InvalidKey(Exception):
    """An access key AWS would not accept: unknown, or Inactive; str() says which."""


@dataclass(frozen=True)
class Caller:
    """The principal behind an access key, with what IAM needs to evaluate its requests."""

    kind: str  # "User" or "AssumedRole": aws:PrincipalType
    arn: str  # the user's ARN, or the session's (arn:aws:sts::<account>:assumed-role/<role>/<session>)
    principal_arn: str  # aws:PrincipalArn: the user's ARN, or the role's
    account: str
    userid: str  # aws:userid: the user's id, or <role id>:<session name>
    username: str | None  # aws:username: users only
    tags: Mapping[str, str]
    identity: Sequence[Mapping] = ()
    boundary: Mapping | None = None
    session: Sequence[Mapping] | None = None  # None: not a session (no session policy limits it)
    issued_at: datetime | None = None  # aws:TokenIssueTime
    mfa: bool | None = None  # aws:MultiFactorAuthPresent: None for long-term keys (the key is absent)
    source_identity: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def caller(account_id: str, partition: str, access_key_id: str) -> Caller:
    """The IAM user or role session owning `access_key_id`; InvalidKey if AWS would not accept the key."""
    backend = iam_backends[account_id][partition]
    for user in backend.users.values():
        for key in user.access_keys:
            if key.access_key_id == access_key_id:
                if key.status != "Active":
                    raise InvalidKey(f"access key {access_key_id} of user {user.name} is {key.status}")
                return _user(backend, user)
    for session in sts_backends[account_id][partition].assumed_roles:
        if session.access_key_id == access_key_id:
            return _session(backend, session)
    raise InvalidKey(f"access key {access_key_id} is no user's and no role session's")


def _user(backend: IAMBackend, user: Any) -> Caller:
    identity = [_document(document) for document in user.policies.values()]
    identity += [_document(policy) for policy in user.managed_policies.values()]
    for group in backend.get_groups_for_user(user.name):
        identity += [_document(document) for document in group.policies.values()]
        identity += [_document(policy) for policy in group.managed_policies.values()]
    boundary_arn = user_boundaries.boundary_of(user)
    return Caller(
        kind="User",
        arn=user.arn,
        principal_arn=user.arn,
        account=user.account_id,
        userid=user.id,
        username=user.name,
        tags={t["Key"]: t["Value"] for t in backend.tagger.list_tags_for_resource(user.arn)["Tags"]},
        identity=identity,
        boundary=_managed(backend, boundary_arn),
    )


def _session(backend: IAMBackend, session: Any) -> Caller:
    role = backend.get_role_by_arn(session.role_arn)
    policies = role_documents(session.account_id, session.role_arn)
    recorded = sessions.recorded(session)
    session_policies = [json.loads(session.policy)] if session.policy else []
    session_policies += [_managed(backend, arn) for arn in recorded.policy_arns]
    tags = {t["Key"]: t["Value"] for t in role.tags}
    tags.update(recorded.tags)
    return Caller(
        kind="AssumedRole",
        arn=session.arn,
        principal_arn=role.arn,
        account=session.account_id,
        userid=f"{role.id}:{session.session_name}",
        username=None,
        tags=tags,
        identity=policies.identity,
        boundary=policies.boundary,
        session=session_policies or None,
        issued_at=recorded.issued_at,
        mfa=recorded.mfa,
        source_identity=recorded.source_identity,
    )


def _managed(backend: IAMBackend, arn: str | None) -> dict | None:
    """A managed policy's default version, by ARN (customer or AWS managed)."""
    if not arn:
        return None
    return _document(backend.get_policy(arn))


def _document(policy: Any) -> dict:
    if isinstance(policy, Policy):
        policy = next(version.document for version in policy.versions if version.is_default)
    return json.loads(policy) if isinstance(policy, str) else dict(policy)
