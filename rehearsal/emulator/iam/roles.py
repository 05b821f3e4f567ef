"""A role's policies as the emulated account holds them, for calls the emulator makes on the role's behalf."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from moto.iam.models import Policy, iam_backends


@dataclass(frozen=True)
class RolePolicies:
    trust: dict  # the role's trust policy: a resource-based policy on the role
    identity: list[dict]  # inline and attached
    boundary: dict | None  # its permissions boundary, None when none is set


def role_documents(account_id: str, role_arn: str) -> RolePolicies:
    """The policies of a role in the emulated account (KeyError-like moto errors for an unknown role)."""
    backend = iam_backends[account_id]["aws"]
    role = backend.get_role_by_arn(role_arn)
    # A role's inline policies are text when put through the API, and a dict when CloudFormation made the role with its
    # Policies property.
    identity = [_as_json(document) for document in role.policies.values()]
    for policy in role.managed_policies.values():
        identity.append(json.loads(_default_version(policy)))
    boundary = None
    if role.permissions_boundary_arn:
        boundary = json.loads(_default_version(backend.get_policy(role.permissions_boundary_arn)))
    return RolePolicies(_as_json(role.assume_role_policy_document), identity, boundary)


def _default_version(policy: Policy) -> str:
    return next(version.document for version in policy.versions if version.is_default)


def _as_json(document: Any) -> dict:
    return json.loads(document) if isinstance(document, str) else document
