"""Self-managed CloudFormation StackSets as AWS documents them, where moto 5.2.5 differs.

moto makes a self-managed StackSet's stack instances real stacks in the target accounts' backends (through
CreateStack, so every gap-fix of this package and every service's models apply to them), but:
- it replaces the StackSet's parameters with a call's ParameterOverrides, so an instance lacks every parameter not
  overridden ("Missing parameter ..."); CloudFormation overrides only those (API reference, CreateStackInstances:
  "A list of stack set parameters whose values you want to override in the selected stack instances");
- it names each stack `StackSet:<name>` (not a valid stack name) and tags it with nothing; CloudFormation names it
  `StackSet-<name>-<id>` and gives it the StackSet's tags (API reference, CreateStackSet Tags: "associate with this
  stack set and the stacks created from it");
- its stack instances report a StackId made up anew on every call, and CURRENT/SUCCEEDED whatever became of their
  stack; the operation SUCCEEDED even when a stack failed to create; and a DeleteStackInstances whose stack fails to
  delete forgets the instance while its stack stays. Here an instance reports its stack's id and, from its stack,
  CURRENT/SUCCEEDED, or OUTDATED/FAILED with the stack's reason, or INOPERABLE after a failed delete (API reference,
  StackInstance: "INOPERABLE: A DeleteStackInstances operation has failed and left the stack in an unstable state"),
  and an operation with a failed instance is FAILED.
Refused at the call, naming why: a SERVICE_MANAGED StackSet (moto hides its stacks from their accounts), OU deployment
targets, RetainStacks true, UpdateStackSet and UpdateStackInstances (moto changes parameters, never the stacks).
Not modelled, and so named as skipped by a rehearsal that uses a StackSet (SKIPPED): every operation runs to its end
within the call, in order.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import StackInstance, StackSet, cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.moto_api._internal import mock_random

from producer.i18n import N_

# What a rehearsal on a StackSet must name as not modelled: the emulator runs each operation at once, alone (marked
# for the rehearsal's catalog, which says them in the reader's language, with the marker every catalog shares: the
# emulator imports nothing of the rehearsal around it).
SKIPPED = (
    N_("StackSet OperationPreferences (concurrency, failure tolerance, Region order)"),
    N_("StackSet ManagedExecution (queued and concurrent operations)"),
    N_("StackSet AutoDeployment and CallAs (service-managed StackSets are refused)"),
    N_("StackSet administration and execution roles (never assumed: their trust and permissions are not checked)"),
)
_DONE = ("CREATE_COMPLETE", "UPDATE_COMPLETE")


def instance_stack_name(stackset_name: str) -> str:
    """CloudFormation's name for a stack instance's stack."""
    return f"StackSet-{stackset_name}-{mock_random.uuid4()}"


def _new_instance(stackset: StackSet, account: str, region: str, overrides: list[dict[str, Any]]) -> StackInstance:
    instance = StackInstance.__new__(StackInstance)
    instance.account_id, instance.region_name = account, region
    instance.stackset_id, instance.name = stackset.id, stackset.name
    instance.stack_name = instance_stack_name(stackset.name)
    instance.template = stackset.template
    instance.parameters = overrides  # what DescribeStackInstance reports as its ParameterOverrides
    instance.permission_model = stackset.permission_model
    instance.stack, instance.reason, instance.inoperable = None, None, False
    parameters = {**stackset.parameters, **{p["ParameterKey"]: p["ParameterValue"] for p in overrides}}
    try:
        instance.stack = cloudformation_backends[account][region].create_stack(
            name=instance.stack_name, template=stackset.template, parameters=parameters, tags=dict(stackset.tags or {})
        )
    except Exception as error:  # CloudFormation refused the stack (a parameter, the template): the instance says why
        instance.reason = getattr(error, "message", None) or str(error)
    return instance


def _stack_reason(stack: Any) -> str:
    """Why a stack failed, as a stack instance's StatusReason says it: its first failed resource, or its status."""
    for event in stack.events:
        if event.resource_status.endswith("_FAILED") and event.logical_resource_id != stack.name:
            return (
                f"ResourceLogicalId:{event.logical_resource_id}, ResourceType:{event.resource_type}, "
                f"ResourceStatusReason:{event.resource_status_reason}."
            )
    return getattr(stack, "stack_status_reason", None) or stack.status


def _status(instance: StackInstance) -> tuple[str, str, str | None]:
    """(Status, DetailedStatus, StatusReason) of an instance, from its stack."""
    if getattr(instance, "inoperable", False):
        return "INOPERABLE", "INOPERABLE", instance.reason
    stack = instance.stack
    if stack is None:
        return "OUTDATED", "FAILED", instance.reason
    if stack.status in _DONE:
        return "CURRENT", "SUCCEEDED", None
    return "OUTDATED", "FAILED", _stack_reason(stack)


def _to_dict(self: StackInstance) -> dict[str, Any]:
    status, detailed, reason = _status(self)
    found = {
        "StackSetId": self.stackset_id,
        "Region": self.region_name,
        "Account": self.account_id,
        "Status": status,
        "StackInstanceStatus": {"DetailedStatus": detailed},
        "ParameterOverrides": self.parameters,
    }
    if self.stack is not None:
        found["StackId"] = self.stack.stack_id
    if reason:
        found["StatusReason"] = reason
    return found


def _create_stack_instances(
    self: StackSet,
    accounts: list[str],
    regions: list[str],
    deployment_targets: dict[str, Any] | None,
    parameters: list[dict[str, Any]],
) -> str:
    if deployment_targets and deployment_targets.get("OrganizationalUnitIds"):
        raise ValidationError(message="the rehearsal's emulator deploys StackSets to account lists only, not to OUs")
    operation_id = str(mock_random.uuid4())
    failed = False
    for region in regions:
        for account in accounts:
            if self.instances.get_instance(account, region) is not None:
                continue  # CreateStackInstances of an existing instance changes nothing (moto's own rule)
            instance = _new_instance(self, account, region, list(parameters or []))
            self.instances.stack_instances.append(instance)
            failed = failed or _status(instance)[1] != "SUCCEEDED"
    self._create_operation(operation_id, "CREATE", "FAILED" if failed else "SUCCEEDED", accounts, regions)
    return operation_id


def _delete_stack_instances(self: StackSet, accounts: list[str], regions: list[str]) -> None:
    failed = False
    for instance in [
        i for i in self.instances.stack_instances if i.account_id in accounts and i.region_name in regions
    ]:
        if instance.stack is not None:
            cloudformation_backends[instance.account_id][instance.region_name].delete_stack(instance.stack.stack_id)
            if instance.stack.status != "DELETE_COMPLETE":
                instance.inoperable = True
                instance.reason = _stack_reason(instance.stack)
                failed = True
                continue
        self.instances.stack_instances.remove(instance)
    self._create_operation(str(mock_random.uuid4()), "DELETE", "FAILED" if failed else "SUCCEEDED", accounts, regions)


def _refuse(why: str) -> Any:
    def action(self: CloudFormationResponse) -> Any:
        raise ValidationError(message=f"the rehearsal's emulator {why}")

    return action


_original_create_stack_set = CloudFormationResponse.create_stack_set
_original_delete_stack_instances = CloudFormationResponse.delete_stack_instances


def _create_stack_set(self: CloudFormationResponse) -> Any:
    if (self._get_param("PermissionModel") or "SELF_MANAGED") != "SELF_MANAGED":
        raise ValidationError(
            message="the rehearsal's emulator makes SELF_MANAGED StackSets only: moto 5.2.5 hides a SERVICE_MANAGED "
            "StackSet's stacks from their accounts"
        )
    return _original_create_stack_set(self)


def _delete_stack_instances_call(self: CloudFormationResponse) -> Any:
    if str(self._get_param("RetainStacks", "false")).lower() == "true":
        raise ValidationError(message="the rehearsal's emulator does not model RetainStacks=true")
    return _original_delete_stack_instances(self)


def install() -> None:
    """Patch moto's StackSets (idempotent)."""
    StackInstance.to_dict = _to_dict
    StackSet.create_stack_instances = _create_stack_instances
    StackSet.delete_stack_instances = _delete_stack_instances
    if CloudFormationResponse.create_stack_set is _original_create_stack_set:
        CloudFormationResponse.create_stack_set = _create_stack_set
        CloudFormationResponse.delete_stack_instances = _delete_stack_instances_call
        CloudFormationResponse.update_stack_set = _refuse(
            "does not update a StackSet: moto 5.2.5 changes its parameters, never its stacks"
        )
        CloudFormationResponse.update_stack_instances = _refuse(
            "does not update stack instances: moto 5.2.5 changes their parameters, never their stacks"
        )
