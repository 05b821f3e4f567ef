"""Permissions boundaries of IAM users (moto 5.2.5 has them for roles only).

moto ignores CreateUser's PermissionsBoundary and has no PutUserPermissionsBoundary or DeleteUserPermissionsBoundary,
so a user's boundary could never limit what the user does. Here a user keeps its boundary's ARN, set by CreateUser or
PutUserPermissionsBoundary, removed by DeleteUserPermissionsBoundary, shown by GetUser, and evaluated as AWS does
(principals.py: an action must be allowed by both the identity policies and the boundary).
"""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.iam.exceptions import NoSuchEntity
from moto.iam.models import User
from moto.iam.responses import IamResponse

ATTRIBUTE = "permissions_boundary_arn"


def boundary_of(user: User) -> str | None:
    return getattr(user, ATTRIBUTE, None)


def _permissions_boundary(self: User) -> dict[str, str] | None:
    arn = boundary_of(self)
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn} if arn else None


def _set(response: IamResponse, arn: str | None) -> None:
    user = response.backend.get_user(response._get_param("UserName"))
    if arn is not None and arn not in response.backend.managed_policies:
        raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
    setattr(user, ATTRIBUTE, arn)


_original_create_user = IamResponse.create_user


def _create_user(self: IamResponse) -> ActionResult:
    boundary = self._get_param("PermissionsBoundary")
    if boundary and boundary not in self.backend.managed_policies:
        raise NoSuchEntity(f"Policy {boundary} does not exist or is not attachable.")
    answer = _original_create_user(self)
    if boundary:
        setattr(answer.result["User"], ATTRIBUTE, boundary)  # type: ignore[index]
    return answer


def _put_user_permissions_boundary(self: IamResponse) -> ActionResult:
    _set(self, self._get_param("PermissionsBoundary"))
    return ActionResult({})


def _delete_user_permissions_boundary(self: IamResponse) -> ActionResult:
    _set(self, None)
    return ActionResult({})


def install() -> None:
    """Give users a boundary (idempotent)."""
    User.permissions_boundary = property(_permissions_boundary)  # type: ignore[attr-defined]
    IamResponse.create_user = _create_user
    IamResponse.put_user_permissions_boundary = _put_user_permissions_boundary  # type: ignore[attr-defined]
    IamResponse.delete_user_permissions_boundary = _delete_user_permissions_boundary  # type: ignore[attr-defined]
