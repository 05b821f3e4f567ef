"""Reading a deleted stack back never re-creates its resources (moto 5.2.5 re-creates them under new names).

moto keeps a deleted stack (DescribeStacks and DescribeStackResources accept its stack id, as CloudFormation does for
90 days), but its ResourceMap and OutputMap are lazy: a resource not in the map is created when first looked up. Once
a delete has emptied the map, DescribeStackResources looks every resource up again and so creates all of them anew,
and DescribeStacks does the same for whatever its Export-ed outputs reference. The CDK CLI reads a stack back by id
after `cdk destroy`, so phantom buckets, roles and keys appeared, and a leftovers check failed.
Here a stack's resource map is *closed* when its delete (or a rollback) begins: a lookup finds a live resource, or the
record of a deleted one (its physical id and type; DescribeStackResources reports it DELETE_COMPLETE, as CloudFormation
does), and never creates one. Outputs are kept as they were when the delete began; a deleted stack has no exports
(CloudFormation removes them with the stack).
"""

from typing import Any

from moto.cloudformation.models import Stack
from moto.cloudformation.parsing import ResourceMap


class DeletedResource:
    """What is left to show of a deleted resource."""

    def __init__(self, resource: Any):
        self.logical_resource_id = resource.logical_resource_id
        self.physical_resource_id = getattr(resource, "physical_resource_id", "")
        self.cf_resource_type = getattr(resource, "cf_resource_type", "")


class FrozenOutputs(dict):
    """The stack's outputs as they were when its delete began; `exports` as they are now."""

    def __init__(self, outputs: dict[str, Any], exports: list[Any]):
        super().__init__(outputs)
        self.exports = exports


def close(stack: Stack, keep_outputs: bool = True) -> None:
    """From now on the stack's resource map never creates a resource; its outputs stop being evaluated."""
    resource_map = stack.resource_map
    if getattr(resource_map, "deleted_resources", None) is not None:
        return
    outputs: dict[str, Any] = {}
    exports: list[Any] = []
    if keep_outputs:  # every resource still exists: evaluating the outputs creates nothing
        outputs = {key: output for key, output in stack.output_map.items() if output}
        exports = list(stack.output_map.exports)
    resource_map.deleted_resources = {
        key: DeletedResource(resource)
        for key, resource in resource_map._parsed_resources.items()
        if hasattr(resource, "logical_resource_id")
    }
    stack.output_map = FrozenOutputs(outputs, exports)


_original_getitem = ResourceMap.__getitem__
_original_delete = Stack.delete


def _getitem(self: ResourceMap, key: str) -> Any:
    deleted = getattr(self, "deleted_resources", None)
    if deleted is None or key in self._parsed_resources:
        return _original_getitem(self, key)
    if key in deleted:
        return deleted[key]
    if key in self._resource_json_map:
        return None  # never created (or failed to): not created now
    raise KeyError(key)


def _delete(self: Stack) -> None:
    close(self)
    _original_delete(self)  # raises if a resource could not be deleted: the stack stays live, exports too
    self.output_map.exports = []


def install() -> None:
    """Close a stack's resource map when its delete begins (idempotent)."""
    ResourceMap.__getitem__ = _getitem
    Stack.delete = _delete
