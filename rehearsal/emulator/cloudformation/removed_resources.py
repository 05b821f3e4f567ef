"""What a stack update removes from the template is gone from the stack, as in CloudFormation:
- a resource: so a later update that adds the same logical id back creates it again. moto 5.2.5 deletes the removed
  resource but keeps it among the stack's parsed resources: the later update found the deleted one and created
  nothing (a student removed from a class by `class-down STUDENT=` and added back by `class-up` had no IAM user, and
  no password could be set);
- a parameter: moto kept listing it in DescribeStacks, so the CDK CLI passed UsePreviousValue for it on the next
  deploy (the class's budget stack, which reads one SSM parameter per lab, failed when the student came back).
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
    for key in set(self.resolved_parameters) - set(template.get("Parameters", {})):
        del self.resolved_parameters[key]


def install() -> None:
    ResourceMap.update = _update
