"""Authorization for calls the emulator makes on someone's behalf (see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from moto.iam.models import get_account_id_from
from moto.utilities.utils import get_partition

from . import context as request_context
from . import principals
from .authorization import principal_of, resource_policies, run
from .evaluation import Decision, Policies, Principal
from .resources import ANY, ApiCall, resource_of
from .service_reference import UnknownAction

DEFAULT_REGION = "us-east-1"


def authorize(
    access_key_id: str,
    action: str,
    resource: str,
    context: Mapping[str, str | Sequence[str]] | None = None,
) -> Decision:
    """May the IAM user or role session owning `access_key_id` do `action` on `resource` (an ARN, or `*`)?"""
    account = get_account_id_from(access_key_id)
    region = _region(resource)
    partition = get_partition(region)
    try:
        caller = principals.caller(account, partition, access_key_id)
    except principals.InvalidKey as error:
        return Decision(False, str(error))
    try:
        target = resource_of(action, resource)
    except UnknownAction as error:
        return Decision(False, f"the emulator cannot evaluate this request: {error}")
    call = ApiCall(action, {}, account, region, partition, caller.arn, extra=_s3_parts(action, resource))
    built = request_context.for_request(call, target, caller)
    built.values.update({k: tuple(v) if isinstance(v, list | tuple) else v for k, v in (context or {}).items()})
    policies = Policies(
        identity=tuple(caller.identity),
        resource=tuple(resource_policies(call, target)),
        boundary=caller.boundary,
        session=tuple(caller.session) if caller.session is not None else None,
    )
    return run(action, target, principal_of(caller), built, policies)


def assume_role_as_service(service: str, role_arn: str, source_arn: str, source_account: str) -> Decision:
    """May `service` (e.g. scheduler.amazonaws.com) assume `role_arn`, acting for `source_arn` of `source_account`?"""
    account = role_arn.split(":")[4]
    region = _region(source_arn)
    call = ApiCall("sts:AssumeRole", {}, account, region, get_partition(region))
    target = resource_of("sts:AssumeRole", role_arn)
    caller = request_context.ServiceCaller(service, source_arn, source_account)
    built = request_context.for_request(call, target, caller)
    trust = resource_policies(call, target)
    if not trust:
        return Decision(False, f"there is no role {role_arn}")
    principal = Principal(arn=service, account=None, kind="Service")
    return run("sts:AssumeRole", target, principal, built, Policies(resource=tuple(trust)))


def authorize_root(account: str, action: str, resource: str) -> Decision:
    """May the account's root user do `action` on `resource`? No identity policy limits it; the resource's own
    policy's explicit Deny does (a bucket policy's)."""
    region = _region(resource)
    partition = get_partition(region)
    call = ApiCall(action, {}, account, region, partition, extra=_s3_parts(action, resource))
    target = resource_of(action, resource)
    root = request_context.Root(account, f"arn:{partition}:iam::{account}:root")
    built = request_context.for_request(call, target, root)
    policies = Policies(identity=(ROOT_POLICY,), resource=tuple(resource_policies(call, target)))
    return run(action, target, Principal(arn=root.arn, account=account, kind="AWS"), built, policies)


# The root user: "has complete access to all AWS services and resources in the account" (IAM user guide).
ROOT_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else DEFAULT_REGION


def _s3_parts(action: str, resource: str) -> dict:
    if not action.startswith("s3:") or resource == ANY:
        return {}
    bucket, _, key = resource.split(":::", 1)[1].partition("/")
    return {"bucket": bucket, "key": key, "query": {}}
