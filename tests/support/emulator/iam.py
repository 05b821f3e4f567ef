"""Principals for IAM tests on the emulator: IAM users and role sessions made with the emulator's test credentials
(IAM not enforced), and what became of a call made with theirs (IAM enforced)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from rehearsal.emulator import ACCOUNT_ID

ALLOWED, DENIED, INVALID_KEY, UNEVALUATED = "allowed", "denied", "invalid key", "cannot evaluate"
# How each protocol's AWS error says a request was refused, and that a key is not accepted.
REFUSALS = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
INVALID_KEYS = ("InvalidClientTokenId", "InvalidAccessKeyId", "UnrecognizedClientException", "AuthFailure")

Credentials = dict[str, str]


def policy(*statements: Mapping) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: str | Sequence[str], resources: str | Sequence[str] = "*", **extra: Any) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def deny(actions: str | Sequence[str], resources: str | Sequence[str] = "*", **extra: Any) -> dict:
    return {"Effect": "Deny", "Action": actions, "Resource": resources, **extra}


def managed_policy(iam: Any, name: str, *statements: Mapping) -> str:
    return iam.create_policy(PolicyName=name, PolicyDocument=policy(*statements))["Policy"]["Arn"]


def user(
    iam: Any,
    name: str,
    *statements: Mapping,
    tags: Mapping[str, str] | None = None,
    boundary: Sequence[Mapping] | None = None,
    group: Sequence[Mapping] | None = None,
) -> Credentials:
    """An IAM user with these inline statements (and boundary, group statements, tags); its access key."""
    kwargs: dict[str, Any] = {"Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}
    if boundary is not None:
        kwargs["PermissionsBoundary"] = managed_policy(iam, f"{name}-boundary", *boundary)
    iam.create_user(UserName=name, **kwargs)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=policy(*statements))
    if group is not None:
        iam.create_group(GroupName=f"{name}-group")
        iam.put_group_policy(GroupName=f"{name}-group", PolicyName="inline", PolicyDocument=policy(*group))
        iam.add_user_to_group(GroupName=f"{name}-group", UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def account_trust(*principals: str) -> str:
    """A trust policy allowing this account's principals (by default the account itself) to assume the role."""
    names = list(principals) or [f"arn:aws:iam::{ACCOUNT_ID}:root"]
    return policy({"Effect": "Allow", "Principal": {"AWS": names}, "Action": ["sts:AssumeRole", "sts:TagSession"]})


def role(
    iam: Any,
    name: str,
    *statements: Mapping,
    trust: str | None = None,
    tags: Mapping[str, str] | None = None,
    boundary: Sequence[Mapping] | None = None,
) -> str:
    kwargs: dict[str, Any] = {"Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}
    if boundary is not None:
        kwargs["PermissionsBoundary"] = managed_policy(iam, f"{name}-boundary", *boundary)
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust or account_trust(), **kwargs)["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=policy(*statements))
    return arn


def session(sts: Any, role_arn: str, **assume_role: Any) -> Credentials:
    """AssumeRole credentials (session policy, tags and the rest passed as AssumeRole's own parameters)."""
    answer = sts.assume_role(RoleArn=role_arn, RoleSessionName="session", **assume_role)["Credentials"]
    return {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }


def outcome(call: Callable[[], Any]) -> tuple[str, str]:
    """(ALLOWED | DENIED | INVALID_KEY | UNEVALUATED, detail) of a call: a call IAM let through may still fail for
    another reason (moto not implementing it), and is ALLOWED; the emulator failing (500) is none of them."""
    try:
        call()
    except ClientError as error:
        code, message = error.response["Error"]["Code"], error.response["Error"].get("Message", "")
        if error.response["ResponseMetadata"]["HTTPStatusCode"] >= 500:
            return "emulator error", f"{code}: {message}"
        if code in INVALID_KEYS:
            return INVALID_KEY, f"{code}: {message}"
        if code in REFUSALS:
            return (UNEVALUATED if "cannot evaluate" in message else DENIED), f"{code}: {message}"
        return ALLOWED, f"{code}: {message}"
    return ALLOWED, "succeeded"
