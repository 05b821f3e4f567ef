"""Stack Outputs after ExecuteChangeSet (moto 5.2.5 leaves them empty).

A change-set stack is created with an empty template, and `execute_change_set` updates its
resources but neither re-parses `template_dict` nor rebuilds `output_map`, so DescribeStacks
has no Outputs and `cdk deploy --outputs-file` writes `{}`. The wrapper rebuilds both after
the original ran, and (re)registers the stack's exports as CreateStack does.
"""

from typing import Any

from moto.cloudformation.models import CloudFormationBackend

_original_execute = CloudFormationBackend.execute_change_set


def _execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> Any:
    result = _original_execute(self, change_set_name, stack_name)
    stack = self.stacks[self.describe_change_set(change_set_name).stack_id]
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.output_map = stack._create_output_map()
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        del self.exports[name]
    self._validate_export_uniqueness(stack)
    for export in stack.exports:
        self.exports[export.name] = export
    return result


def install() -> None:
    """Wrap CloudFormationBackend.execute_change_set (idempotent)."""
    CloudFormationBackend.execute_change_set = _execute_change_set
