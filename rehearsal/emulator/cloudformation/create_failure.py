"""A resource that fails to create fails its stack, as in CloudFormation (moto 5.2.5 raises out of the API call).

moto creates a stack's resources inside the CreateStack or ExecuteChangeSet call: an error from one resource's create
propagates to the client as the call's own error, and the stack stays behind, half made, in CREATE_PENDING or
REVIEW_IN_PROGRESS, which no later delete clears. CloudFormation accepts the call, marks the resource CREATE_FAILED
with the service's message, rolls back (deletes what it made) and leaves the stack ROLLBACK_COMPLETE with the reason
"The following resource(s) failed to create: [X]. Rollback requested by user.", or CREATE_FAILED when rollback is
disabled (CreateStack DisableRollback=true / OnFailure=DO_NOTHING, ExecuteChangeSet DisableRollback=true); a later
DeleteStack removes the stack (CloudFormation User Guide, "Stack status codes", "Troubleshooting CloudFormation").
A failed update of an existing stack still raises as moto does: moto cannot restore the previous resources that an
UPDATE_ROLLBACK would.
"""

import threading
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.models import (
    CloudFormationBackend,
    Stack,
    cloudformation_backends,
)
from moto.cloudformation.responses import CloudFormationResponse

from .deleted_stacks import close
from .events import add_resource_event, handler_message, set_stack_status


class ResourceCreateFailed(Exception):
    """A resource's create failed; carries what CloudFormation reports for it."""

    def __init__(self, logical_id: str, resource_type: str, reason: str):
        super().__init__(reason)
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


_request = threading.local()  # the API call's DisableRollback / OnFailure, for the backend call it makes
_MARK = "_rehearsal_create_failure"


def _rollback_disabled(response: CloudFormationResponse) -> bool:
    return (
        str(response._get_param("DisableRollback", "false")).lower() == "true"
        or response._get_param("OnFailure") == "DO_NOTHING"
    )


def _fail_creation(backend: CloudFormationBackend, stack: Stack, failed: ResourceCreateFailed) -> None:
    add_resource_event(stack, failed.logical_id, failed.resource_type, "", "CREATE_FAILED", failed.reason)
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del backend.exports[name]
    reason = f"The following resource(s) failed to create: [{failed.logical_id}]. "
    close(stack, keep_outputs=False)  # a failed stack has no outputs; reading it back creates nothing
    if getattr(_request, "disable_rollback", False):
        set_stack_status(stack, "CREATE_FAILED", reason)
        return
    set_stack_status(stack, "ROLLBACK_IN_PROGRESS", reason + "Rollback requested by user.")
    try:
        stack.resource_map.delete()
    except Exception as error:  # what could not be deleted stays, and the stack says so
        set_stack_status(stack, "ROLLBACK_FAILED", f"Rollback could not delete everything: {error}")
        return
    set_stack_status(stack, "ROLLBACK_COMPLETE")


def _wrap_create_resource(original: Any) -> Any:
    def parse_and_create_resource(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original(logical_id, resource_json, *args, **kwargs)
        except ResourceCreateFailed:
            raise  # a resource this one references failed: that one is named
        except Exception as error:
            raise ResourceCreateFailed(logical_id, resource_json.get("Type", ""), handler_message(error)) from error

    return parse_and_create_resource


def _wrap_create_stack(original: Any) -> Any:
    def create_stack(self: CloudFormationBackend, name: str, *args: Any, **kwargs: Any) -> Stack:
        try:
            return original(self, name, *args, **kwargs)
        except ResourceCreateFailed as failed:  # raised while resolving exports, before create_resources
            stack = next(s for s in self.stacks.values() if s.name == name and s.status == "CREATE_PENDING")
            _fail_creation(self, stack, failed)
            return stack

    return create_stack


def _wrap_create_resources(original: Any) -> Any:
    def create_resources(self: Stack) -> None:
        try:
            original(self)
        except ResourceCreateFailed as failed:
            _fail_creation(cloudformation_backends[self.account_id][self.region_name], self, failed)

    return create_resources


def _wrap_execute_change_set(original: Any) -> Any:
    def execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        try:
            original(self, change_set_name, stack_name)
        except ResourceCreateFailed as failed:
            if change_set.change_set_type != "CREATE":
                raise
            change_set.execution_status = "EXECUTE_FAILED"
            _fail_creation(self, self.stacks[change_set.stack_id], failed)

    return execute_change_set


def _wrap_response(original: Any) -> Any:
    def action(self: CloudFormationResponse) -> Any:
        _request.disable_rollback = _rollback_disabled(self)
        try:
            return original(self)
        finally:
            _request.disable_rollback = False

    return action


def _wrap(owner: Any, name: str, wrapper: Any) -> None:
    """Wrap whatever is installed now (other gap-fixes may have wrapped it already), once."""
    current = getattr(owner, name)
    if getattr(current, _MARK, False):
        return
    wrapped = wrapper(current)
    setattr(wrapped, _MARK, True)
    setattr(owner, name, wrapped)


def install() -> None:
    """Turn resource create errors into CREATE_FAILED + rollback (idempotent; install after outputs)."""
    _wrap(parsing, "parse_and_create_resource", _wrap_create_resource)
    _wrap(CloudFormationBackend, "create_stack", _wrap_create_stack)
    _wrap(Stack, "create_resources", _wrap_create_resources)
    _wrap(CloudFormationBackend, "execute_change_set", _wrap_execute_change_set)
    _wrap(CloudFormationResponse, "create_stack", _wrap_response)
    _wrap(CloudFormationResponse, "execute_change_set", _wrap_response)
