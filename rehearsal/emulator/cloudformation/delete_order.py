"""Stack deletes in reverse dependency order (moto 5.2.5 deletes in set order and retries what fails).

CloudFormation deletes a resource only after every resource that depends on it (DependsOn, Ref, Fn::GetAtt,
Fn::Sub): a custom resource is deleted while its provider function and role still exist, and the lab's stream goes
before its bucket is emptied. moto walks a set and retries failures until nothing moves, so a custom resource can
find its function already gone. The replacement keeps moto's loop (skip Retain, retry while anything is deleted)
but each pass takes only resources nothing remaining depends on, in logical-id order; what cannot be deleted in the
end is raised as ResourceDeleteFailed, naming each resource and why (delete_failure turns it into the stack's
DELETE_FAILED).
"""

from typing import Any

from moto.cloudformation.parsing import ResourceMap

from .events import handler_message


class ResourceDeleteFailed(Exception):
    """Some resources could not be deleted: {logical id: reason}."""

    def __init__(self, failures: dict[str, str]):
        super().__init__(f"could not delete {', '.join(sorted(failures))}")
        self.failures = failures


def dependencies(resource_json: dict[str, Any], resource_ids: set[str]) -> set[str]:
    """The resources of the stack this one refers to or DependsOn."""
    found: set[str] = set()
    depends_on = resource_json.get("DependsOn", [])
    found.update([depends_on] if isinstance(depends_on, str) else depends_on)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Ref" and isinstance(value, str):
                    found.add(value)
                elif key == "Fn::GetAtt":
                    target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                    found.add(target)
                elif key == "Fn::Sub":
                    text = value[0] if isinstance(value, list) else value
                    found.update(part.split("}")[0].split(".")[0] for part in str(text).split("${")[1:])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(resource_json.get("Properties", {}))
    return found & resource_ids - {None}


def _delete(self: ResourceMap) -> None:
    resource_ids = set(self._resource_json_map)
    depends = {key: dependencies(value, resource_ids) for key, value in self._resource_json_map.items()}
    remaining = {key for key, value in self._resource_json_map.items() if value.get("DeletionPolicy") != "Retain"}
    failures: dict[str, str] = {}
    progress = True
    while remaining and progress:
        progress, failures = False, {}
        needed = {dependency for key in remaining for dependency in depends[key]}
        ready = sorted(remaining - needed) or sorted(remaining)  # a cycle (none in a valid template): try all
        for logical_id in ready:
            resource = self._parsed_resources.get(logical_id)
            try:
                if resource is not None and not isinstance(resource, str):
                    self._delete_resource(resource, self._resource_json_map[logical_id])
                    self._parsed_resources.pop(logical_id)
            except Exception as error:  # a dependency not yet deleted, or a real failure: retried, then reported
                failures[logical_id] = handler_message(error)
            else:
                remaining.discard(logical_id)
                progress = True
    if remaining:
        raise ResourceDeleteFailed(failures or {key: "not deleted" for key in remaining})


def install() -> None:
    """Replace ResourceMap.delete (idempotent)."""
    ResourceMap.delete = _delete
