"""Stack deletes in reverse dependency order (moto 5.2.5 deletes in set order and retries what fails).

CloudFormation deletes a resource only after every resource that depends on it (DependsOn, Ref, Fn::GetAtt,
Fn::Sub): a custom resource is deleted while its provider function and role still exist, and the lab's stream goes
before its bucket is emptied. moto walks a set and retries failures until nothing moves, so a custom resource can
find its function already gone. The replacement keeps moto's loop (skip Retain, retry while anything is deleted,
raise the last error) but each pass takes only resources nothing remaining depends on, in logical-id order.
"""

from typing import Any

from moto.cloudformation.parsing import ResourceMap


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
    last_error: Exception | None = None
    progress = True
    while remaining and progress:
        progress = False
        needed = {dependency for key in remaining for dependency in depends[key]}
        ready = sorted(remaining - needed) or sorted(remaining)  # a cycle (none in a valid template): try all
        for logical_id in ready:
            resource = self._parsed_resources.get(logical_id)
            try:
                if resource is not None and not isinstance(resource, str):
                    self._delete_resource(resource, self._resource_json_map[logical_id])
                    self._parsed_resources.pop(logical_id)
            except Exception as error:  # retried in a later pass, as moto does
                last_error = error
            else:
                remaining.discard(logical_id)
                progress = True
    if remaining and last_error is not None:
        raise last_error


def install() -> None:
    """Replace ResourceMap.delete (idempotent)."""
    ResourceMap.delete = _delete
