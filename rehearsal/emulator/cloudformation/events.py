"""How CloudFormation words a resource's failure, and the resource-level stack events moto never records.

Shared by the gap-fixes that make failed creates and deletes visible as stack states (create_failure,
delete_failure); no moto patch here.
"""

from moto.cloudformation.models import Event, Stack


def handler_message(error: BaseException) -> str:
    """The service's error as CloudFormation reports it for a resource (its ResourceStatusReason)."""
    code = getattr(error, "error_type", None) or getattr(error, "code", None)
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    code = code if isinstance(code, str) else type(error).__name__
    return f'Resource handler returned message: "{message}" (HandlerErrorCode: {code})'


def add_resource_event(
    stack: Stack, logical_id: str, resource_type: str, physical_id: str, status: str, reason: str
) -> None:
    """One DescribeStackEvents entry for a resource (moto only records the stack's own events)."""
    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id,
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def set_stack_status(stack: Stack, status: str, reason: str | None = None) -> None:
    """The stack's status, its StackStatusReason and the stack event that says so."""
    stack.status = status
    stack.stack_status_reason = reason
    stack._add_stack_event(status, resource_status_reason=reason)
