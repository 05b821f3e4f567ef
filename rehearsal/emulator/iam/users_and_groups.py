"""AWS::IAM::User, AWS::IAM::Group and AWS::IAM::ManagedPolicy as CloudFormation makes and deletes them.

moto 5.2.5 has no CloudFormation model for a group (it was only recorded: its users joined nothing, its policies
reached nobody), creates a user with its name and path only (no Tags, Groups, PermissionsBoundary, ManagedPolicyArns
or Policies), never deletes a managed policy with its stack, and lets DeleteUser delete a user that still has a
password or access keys. Here, as the CloudFormation resource reference and the IAM API reference document them:
- a group is created with its name and path, its ManagedPolicyArns attached and inline Policies put; updated in
  place; deleted once its policies are detached (DeleteGroup: "the group must not contain any users or have any
  attached policies"; its users, which depend on it, are deleted first);
- a user gets its Tags, Groups, PermissionsBoundary (kept as `permissions_boundary_arn`, as moto keeps a role's),
  ManagedPolicyArns and inline Policies, on create and on update; a LoginProfile in a template is refused at create,
  naming it (the emulator does not model one; the class makes its passwords outside any template). Deleting it removes
  what the template gave it, then deletes it as DeleteUser does: what the template did not give (a login profile or
  access keys made by API) fails the delete, DELETE_FAILED, since DeleteUser requires them gone first ("you must
  delete the items attached to the user manually, or the deletion fails") and CloudFormation documents no removal of
  what it did not make;
- DeleteUser itself refuses a user with a login profile, access keys or group memberships (DeleteConflict);
- a managed policy is deleted with its stack, detached from every role, group and user first (DeletePolicy requires
  it), and an update of its document makes a new default version.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel
from moto.iam.exceptions import DeleteConflictException
from moto.iam.models import Group, IAMBackend, ManagedPolicy, User, iam_backends
from moto.utilities.utils import get_partition

from ..cloudformation import BackendModel, register_models

_original_user_create = User.create_from_cloudformation_json.__func__
_original_delete_user = IAMBackend.delete_user


def _backend(account_id: str, region_name: str) -> IAMBackend:
    return iam_backends[account_id][get_partition(region_name)]


def _policy_arn(backend: IAMBackend, reference: str) -> str:
    """A ManagedPolicyArns entry: an ARN (CloudFormation's Ref of a managed policy is its ARN)."""
    if reference not in backend.managed_policies:
        raise ValidationError(message=f"Policy {reference} does not exist or is not attachable.")
    return reference


def _inline(properties: dict[str, Any]) -> dict[str, str]:
    return {p["PolicyName"]: json.dumps(p["PolicyDocument"]) for p in properties.get("Policies", [])}


def _reconcile_policies(backend: Any, kind: str, entity: Any, properties: dict[str, Any]) -> None:
    """A user's or group's (`kind`) managed and inline policies made exactly the template's: moto's
    attach/detach/put/delete_<kind>_policy calls, the same for both."""
    wanted = {_policy_arn(backend, arn) for arn in properties.get("ManagedPolicyArns", [])}
    for arn in set(entity.managed_policies) - wanted:
        getattr(backend, f"detach_{kind}_policy")(arn, entity.name)
    for arn in wanted - set(entity.managed_policies):
        getattr(backend, f"attach_{kind}_policy")(arn, entity.name)
    inline = _inline(properties)
    for name in set(entity.policies) - set(inline):
        getattr(backend, f"delete_{kind}_policy")(entity.name, name)
    for name, document in inline.items():
        getattr(backend, f"put_{kind}_policy")(entity.name, name, document)


class IamGroup(BackendModel, CloudFormationModel):
    """Handle on a group in moto's IAM backend; Ref is its name, Fn::GetAtt Arn its ARN."""

    CFN_TYPE = "AWS::IAM::Group"
    CFN_NAME_PROPERTY = "GroupName"
    CFN_ATTRIBUTES = {"Arn": "arn"}

    def __init__(self, account_id: str, region_name: str, name: str) -> None:
        self.account_id, self.region_name, self.name = account_id, region_name, name

    @property
    def arn(self) -> str:
        return _backend(self.account_id, self.region_name).get_group(self.name).arn

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> IamGroup:
        properties = cloudformation_json.get("Properties", {})
        backend = _backend(account_id, region_name)
        backend.create_group(resource_name, properties.get("Path", "/"))
        handle = cls(account_id, region_name, resource_name)
        handle._apply(properties)
        return handle

    def _apply(self, properties: dict[str, Any]) -> None:
        backend = _backend(self.account_id, self.region_name)
        _reconcile_policies(backend, "group", backend.get_group(self.name), properties)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: IamGroup,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> IamGroup:
        original_resource._apply(cloudformation_json.get("Properties", {}))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        cls(account_id, region_name, resource_name).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if self.name not in backend.groups:
            return
        group: Group = backend.get_group(self.name)
        if group.users:
            names = ", ".join(user.name for user in group.users)
            raise DeleteConflictException(f"Cannot delete entity, must remove users from group first: {names}.")
        for arn in list(group.managed_policies):
            backend.detach_group_policy(arn, self.name)
        for name in list(group.policies):
            backend.delete_group_policy(self.name, name)
        backend.delete_group(self.name)


def _user_create(
    cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
) -> User:
    properties = cloudformation_json.get("Properties", {})
    if "LoginProfile" in properties:
        raise ValidationError(
            message="AWS::IAM::User LoginProfile: the emulator does not model a template's password (refused)"
        )
    user = _original_user_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    _apply_to_user(user, properties, account_id, region_name, previous={})
    return user


def _apply_to_user(
    user: User, properties: dict[str, Any], account_id: str, region_name: str, previous: dict[str, Any]
) -> None:
    backend = _backend(account_id, region_name)
    if properties.get("Tags"):
        backend.tag_user(user.name, properties["Tags"])
    for group in set(previous.get("Groups", [])) - set(properties.get("Groups", [])):
        backend.remove_user_from_group(group, user.name)
    for group in properties.get("Groups", []):
        backend.add_user_to_group(group, user.name)
    boundary = properties.get("PermissionsBoundary")
    user.permissions_boundary_arn = _policy_arn(backend, boundary) if boundary else None
    _reconcile_policies(backend, "user", user, properties)


def _user_update(
    cls: type,
    original_resource: User,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> User:
    properties = cloudformation_json.get("Properties", {})
    name = properties.get("UserName", original_resource.name)
    if name != original_resource.name:  # a new name is a new user (CloudFormation replaces it)
        replacement = _user_create(cls, name, cloudformation_json, account_id, region_name)
        _user_delete(cls, original_resource.name, {}, account_id, region_name)
        return replacement
    if "Path" in properties:
        original_resource.path = properties["Path"]
    previous = {
        "Groups": [g.name for g in _backend(account_id, region_name).get_groups_for_user(original_resource.name)]
    }
    _apply_to_user(original_resource, properties, account_id, region_name, previous)
    return original_resource


def _user_delete(
    cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
) -> None:
    """What the template gave the user goes; then DeleteUser, which refuses what the template did not give."""
    backend = _backend(account_id, region_name)
    if resource_name not in backend.users:
        return
    user = backend.get_user(resource_name)
    for group in backend.get_groups_for_user(resource_name):
        backend.remove_user_from_group(group.name, resource_name)
    for arn in list(user.managed_policies):
        backend.detach_user_policy(arn, resource_name)
    for name in list(user.policies):
        backend.delete_user_policy(resource_name, name)
    user.permissions_boundary_arn = None
    backend.delete_user(resource_name)


def _delete_user(self: IAMBackend, user_name: str) -> None:
    """DeleteUser refuses what is still attached (IAM API reference, DeleteUser)."""
    user = self.get_user(user_name)
    if user.password:
        raise DeleteConflictException("Cannot delete entity, must delete login profile first.")
    if user.access_keys:
        raise DeleteConflictException("Cannot delete entity, must delete access keys first.")
    if self.get_groups_for_user(user_name):
        raise DeleteConflictException("Cannot delete entity, must remove users from group first.")
    _original_delete_user(self, user_name)


def _policy_update(
    cls: type,
    original_resource: ManagedPolicy,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> ManagedPolicy:
    """A new document is a new default version; attachments follow Groups/Users/Roles."""
    properties = cloudformation_json.get("Properties", {})
    backend = _backend(account_id, region_name)
    document = json.dumps(properties.get("PolicyDocument"))
    current = next(version.document for version in original_resource.versions if version.is_default)
    if json.loads(document) != json.loads(current):
        backend.create_policy_version(original_resource.arn, document, set_as_default=True)
        for version in list(original_resource.versions):
            if not version.is_default:
                backend.delete_policy_version(original_resource.arn, version.version_id)
    for kind in ("Groups", "Users", "Roles"):
        for name in properties.get(kind, []):
            _attach(backend, kind, name, original_resource.arn)
    return original_resource


def _attach(backend: IAMBackend, kind: str, name: str, arn: str) -> None:
    attach = {"Groups": backend.attach_group_policy, "Users": backend.attach_user_policy}
    if kind in attach:
        attach[kind](arn, name)
    else:
        backend.attach_role_policy(arn, name)


def _policy_delete(
    cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
) -> None:
    """Detached from everything, then deleted (DeletePolicy requires it)."""
    backend = _backend(account_id, region_name)
    policy = next((p for p in backend.managed_policies.values() if resource_name in (p.arn, p.name)), None)
    if policy is None:
        return
    for group in backend.groups.values():
        group.managed_policies.pop(policy.arn, None)
    for user in backend.users.values():
        user.managed_policies.pop(policy.arn, None)
        if getattr(user, "permissions_boundary_arn", None) == policy.arn:
            raise DeleteConflictException(f"Cannot delete a policy attached to entities: it is {user.name}'s boundary.")
    for role in backend.roles.values():
        role.managed_policies.pop(policy.arn, None)
    policy.attachment_count = 0
    backend.delete_policy(policy.arn)


def install() -> None:
    User.create_from_cloudformation_json = classmethod(_user_create)
    User.update_from_cloudformation_json = classmethod(_user_update)
    User.delete_from_cloudformation_json = classmethod(_user_delete)
    IAMBackend.delete_user = _delete_user
    ManagedPolicy.update_from_cloudformation_json = classmethod(_policy_update)
    ManagedPolicy.delete_from_cloudformation_json = classmethod(_policy_delete)
    register_models()
