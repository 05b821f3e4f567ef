"""ManagedPolicyArns of AWS::IAM::Role (moto 5.2.5 drops them).

moto's CloudFormation role creates the role and its inline `Policies`, but never attaches `ManagedPolicyArns`, and
its update ignores them too: with IAM enforced, a role that relies on a managed policy is evaluated without it, and
anything that asks what a role may do (the auto-delete handler's logging in s3/auto_delete.py) gets a wrong answer.
The wrappers attach the listed policies on create and update, AWS-managed ones from moto's bundled copy of their
documents (loaded on first use, whatever MOTO_IAM_LOAD_MANAGED_POLICIES says); an ARN that names no policy fails
the resource as CloudFormation does. Before delete they are detached, as CloudFormation does (moto's delete would
otherwise refuse a role with policies attached).
"""

import json
from functools import lru_cache
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import (
    AWSManagedPolicy,
    IAMBackend,
    ManagedPolicy,
    Role,
    iam_backends,
)
from moto.utilities.utils import get_partition

AWS_MANAGED_ARN_PART = ":iam::aws:policy/"

_original_create = Role.create_from_cloudformation_json.__func__
_original_update = Role.update_from_cloudformation_json.__func__
_original_delete = Role.delete_from_cloudformation_json.__func__


@lru_cache(maxsize=1)
def _aws_managed_documents() -> dict[str, Any]:
    return json.loads(aws_managed_policies_data)


def _policy(backend: IAMBackend, arn: str, region_name: str) -> ManagedPolicy:
    if arn in backend.managed_policies:
        return backend.managed_policies[arn]
    name = arn.rsplit("/", 1)[-1]
    data = _aws_managed_documents().get(name) if AWS_MANAGED_ARN_PART in arn else None
    if data is None:
        # A CloudFormation error, so the API call fails with its message (an IAM one would be a 500 here).
        raise ValidationError(message=f"Policy {arn} does not exist or is not attachable.")
    policy = AWSManagedPolicy.from_data(name, backend.account_id, region_name, data)
    backend.managed_policies[policy.arn] = policy
    return policy


def _attach(role: Role, cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> None:
    backend = iam_backends[account_id][get_partition(region_name)]
    wanted = {
        arn: _policy(backend, arn, region_name)
        for arn in cloudformation_json.get("Properties", {}).get("ManagedPolicyArns", [])
    }
    for arn, policy in list(role.managed_policies.items()):
        if arn not in wanted:
            policy.detach_from(role)
    for arn, policy in wanted.items():
        if arn not in role.managed_policies:
            policy.attach_to(role)


def _create(
    cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
) -> Role:
    role = _original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    try:
        _attach(role, cloudformation_json, account_id, region_name)
    except ValidationError:  # a failed create leaves nothing, as CloudFormation's handler does
        _delete(cls, role.name, cloudformation_json, account_id, region_name)
        raise
    return role


def _update(
    cls: type,
    original_resource: Role,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Role:
    role = _original_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    _attach(role, cloudformation_json, account_id, region_name)
    return role


def _delete(
    cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
) -> None:
    backend = iam_backends[account_id][get_partition(region_name)]
    for role in list(backend.roles.values()):
        if role.name == resource_name:
            for policy in list(role.managed_policies.values()):
                policy.detach_from(role)
    _original_delete(cls, resource_name, cloudformation_json, account_id, region_name)


def install() -> None:
    """Wrap Role's CloudFormation create, update and delete (idempotent)."""
    Role.create_from_cloudformation_json = classmethod(_create)
    Role.update_from_cloudformation_json = classmethod(_update)
    Role.delete_from_cloudformation_json = classmethod(_delete)
