"""A failed stack delete leaves the stack DELETE_FAILED, listed with the failed resource, and a later delete retries
(moto 5.2.5 loses the stack).

moto's delete_stack pops the stack from its live stacks before deleting the resources; when one of them cannot be
deleted (a bucket that is not empty, a VPC with dependencies) the error propagates out of the DeleteStack call and the
stack is gone from DescribeStacks and ListStacks while its remaining resources are orphaned. CloudFormation accepts
the call, deletes what it can, marks the resource DELETE_FAILED with the service's message and the stack
DELETE_FAILED ("The following resource(s) failed to delete: [X]."); the stack stays listed, and DeleteStack may be
called again to retry (CloudFormation User Guide, "Stack status codes": DELETE_FAILED; API reference, DeleteStack).
The resource loop (delete_order) names each resource it could not delete and why.
"""

from moto.cloudformation.models import CloudFormationBackend, Stack

from .delete_order import ResourceDeleteFailed
from .events import add_resource_event, set_stack_status

_original_delete_stack = CloudFormationBackend.delete_stack


def _delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    stack = self.stacks.get(name_or_stack_id) or next(
        (s for s in self.stacks.values() if s.name == name_or_stack_id), None
    )
    if stack is None:  # unknown or already deleted: CloudFormation answers success
        return _original_delete_stack(self, name_or_stack_id)
    try:
        _original_delete_stack(self, stack.stack_id)
    except ResourceDeleteFailed as failed:
        self.stacks[stack.stack_id] = stack  # moto popped it before deleting the resources
        self.deleted_stacks.pop(stack.stack_id, None)
        _mark_failed(stack, failed.failures)


def _mark_failed(stack: Stack, failures: dict[str, str]) -> None:
    resources = stack.resource_map._parsed_resources
    for logical_id, reason in sorted(failures.items()):
        resource = resources.get(logical_id)
        add_resource_event(
            stack,
            logical_id,
            stack.resource_map._resource_json_map[logical_id]["Type"],
            getattr(resource, "physical_resource_id", ""),
            "DELETE_FAILED",
            reason,
        )
    set_stack_status(
        stack, "DELETE_FAILED", f"The following resource(s) failed to delete: [{', '.join(sorted(failures))}]. "
    )


def install() -> None:
    """Wrap CloudFormationBackend.delete_stack (idempotent)."""
    CloudFormationBackend.delete_stack = _delete_stack
