"""A resource a stack update removes is gone from the stack, so a later update that adds the same logical id back
creates it again, as CloudFormation does. moto 5.2.5 deletes the removed resource but keeps it among the stack's
parsed resources: the later update found the deleted one and created nothing (a student removed from a class by
`class-down STUDENT=` and added back by `class-up` had no IAM user, and no password could be set).
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.parsing import ResourceMap

_original_update = ResourceMap.update


def _update(self: ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None = None) -> None:
    removed = set(self._resource_json_map) - set(template.get("Resources", {}))
    _original_update(self, template, parameters)
    for logical_id in removed:
        self._parsed_resources.pop(logical_id, None)


def install() -> None:
    ResourceMap.update = _update
