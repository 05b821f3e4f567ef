"""ListStackResources names every resource of a stack, also those the emulator only records.

moto 5.2.5 keeps no object for a resource type it has no model for (AWS::S3::BucketPolicy, AWS::Glue::Table,
AWS::CDK::Metadata ...), and its ListStackResources builds each row from that object, so such a resource comes back
as a row with an empty logical id, type and physical id: `aws cloudformation list-stack-resources` shows blank
lines. Each row now carries the logical id and type from the stack's template. A recorded-only resource keeps an
empty physical id and says why in ResourceStatusReason: nothing exists behind it (the rehearsal names these types
as skipped).
"""

from typing import Any

from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

RECORDED_ONLY = "recorded only: the emulator has no model for this type, nothing exists behind it"


def _list_stack_resources(self: CloudFormationResponse) -> ActionResult:
    stack, _ = self.cloudformation_backend.list_stack_resources(self._get_param("StackName"))
    types = {name: body.get("Type", "") for name, body in stack.template_dict.get("Resources", {}).items()}
    rows: list[dict[str, Any]] = []
    for logical_id, resource in stack.resource_map.items():
        if logical_id not in types:
            continue  # the map also holds parameters, mappings and pseudo parameters
        row = {
            "LogicalResourceId": logical_id,
            "ResourceType": types[logical_id],
            "PhysicalResourceId": getattr(resource, "physical_resource_id", "") if resource is not None else "",
            "ResourceStatus": "CREATE_COMPLETE",  # moto's own answer for every resource of a live stack
            "LastUpdatedTimestamp": stack.creation_time,
        }
        if resource is None:
            row["ResourceStatusReason"] = RECORDED_ONLY
        rows.append(row)
    return ActionResult({"StackResourceSummaries": rows})


def install() -> None:
    """Replace CloudFormationResponse.list_stack_resources (idempotent)."""
    CloudFormationResponse.list_stack_resources = _list_stack_resources
