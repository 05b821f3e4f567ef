"""The roles a request hands to a service, each of which the caller must be allowed to pass (iam:PassRole).

"To pass a role (and its permissions) to an AWS service, a user must have permissions to pass the role to the
service" (IAM user guide, "Grant a user permissions to pass a role to an AWS service"): AWS checks iam:PassRole on
the role's ARN, with iam:PassedToService naming the service, when a request configures a resource with a role.
moto checks nothing of it. These are the requests of the lab's and the class's services that pass one: a Firehose
stream's delivery, backup and processor roles, a schedule's target role, a stack's service role, an instance's
profile role.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from moto.iam.models import iam_backends

from .resources import ApiCall

# action -> the service principal the role is passed to
PASSING: dict[str, str] = {
    "firehose:CreateDeliveryStream": "firehose.amazonaws.com",
    "firehose:UpdateDestination": "firehose.amazonaws.com",
    "scheduler:CreateSchedule": "scheduler.amazonaws.com",
    "scheduler:UpdateSchedule": "scheduler.amazonaws.com",
    "cloudformation:CreateStack": "cloudformation.amazonaws.com",
    "cloudformation:UpdateStack": "cloudformation.amazonaws.com",
    "cloudformation:CreateChangeSet": "cloudformation.amazonaws.com",
    "ec2:RunInstances": "ec2.amazonaws.com",
    "ec2:AssociateIamInstanceProfile": "ec2.amazonaws.com",
    "ec2:ReplaceIamInstanceProfileAssociation": "ec2.amazonaws.com",
}
_ROLE_KEYS = ("RoleARN", "RoleArn", "roleArn")


def pass_role_calls(call: ApiCall) -> list[ApiCall]:
    """An iam:PassRole call for each role `call` passes (none for an action that passes none)."""
    service = PASSING.get(call.action)
    if service is None:
        return []
    roles = list(dict.fromkeys(_roles(call)))
    return [
        ApiCall(
            "iam:PassRole",
            {"RoleArn": role, "PassedToService": service},
            call.account,
            call.region,
            call.partition,
            call.caller_arn,
        )
        for role in roles
    ]


def _roles(call: ApiCall) -> Iterator[str]:
    if call.action.startswith("ec2:"):
        profile = call.params.get("IamInstanceProfile") or {}
        yield from _profile_roles(call, profile)
        return
    yield from (value for key, value in _walk(call.params) if key in _ROLE_KEYS and ":role/" in str(value))


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _profile_roles(call: ApiCall, profile: Mapping[str, str]) -> Iterator[str]:
    """The roles of an instance profile named by ARN or name (one that does not exist passes none: EC2 refuses it)."""
    name = profile.get("Name") or (profile.get("Arn") or "").rsplit("/", 1)[-1]
    if not name:
        return
    backend = iam_backends[call.account][call.partition]
    for found in backend.instance_profiles.values():
        if found.name == name:
            yield from (role.arn for role in found.roles)
