"""A change set named by name belongs to its stack: CloudFormation scopes change-set names per stack, so two stacks
may each have a change set of the same name, and DescribeChangeSet, ExecuteChangeSet and DeleteChangeSet take the
stack with the name (CloudFormation API reference: ChangeSetName "If you specify the name of a change set, specify the
stack name or ID (ARN) of the change set you want"). The CDK CLI names every change set `cdk-deploy-change-set`.
moto 5.2.5 looks a name up among every stack's change sets and takes the first: two stacks deployed at once (`cdk
deploy --concurrency`, a class's labs) executed one stack's change set for both, and the other stayed
REVIEW_IN_PROGRESS while the CLI reported it deployed. Here such a name is resolved to the change set of the stack
the request names (its ARN), before moto looks it up; a stack with no change set of that name is answered
ChangeSetNotFound, as CloudFormation answers it, never with another stack's: the CLI deletes a stack's old change
set before it makes a new one and waits until DescribeChangeSet says ChangeSetNotFound, and a stack deployed a second
time (a class stack, again at `class-down STUDENT=` or a second `class-up`) waited for ever on a lab's. A deleted
stack's change sets went with it (moto keeps them: a stack made again under the same name, a student added back to a
class, executed the deleted stack's and failed).
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import CloudFormationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse

SCOPED_ACTIONS = ("DescribeChangeSet", "ExecuteChangeSet", "DeleteChangeSet")

_original_get_param = CloudFormationResponse._get_param


class ChangeSetNotFound(CloudFormationError):
    """CloudFormation API reference, ChangeSetNotFoundException: error code ChangeSetNotFound, HTTP 404."""

    code = "ChangeSetNotFound"

    def __init__(self, name: str, stack: str) -> None:
        super().__init__(f"ChangeSet [{name}] does not exist for stack [{stack}]")
        self.status_code = 404


def change_set_arn(backend: CloudFormationBackend, name: str, stack: str) -> str | None:
    """The ARN of the stack's change set of that name (the stack by name or ARN, and not deleted), or None."""
    for arn, change_set in backend.change_sets.items():
        live = change_set.stack_id in backend.stacks
        if live and change_set.change_set_name == name and stack in (change_set.stack_name, change_set.stack_id):
            return arn
    return None


def _get_param(self: CloudFormationResponse, param_name: str, if_none: Any = None) -> Any:
    value = _original_get_param(self, param_name, if_none)
    if param_name != "ChangeSetName" or not isinstance(value, str) or value.startswith("arn:"):
        return value
    stack = _original_get_param(self, "StackName")
    if stack and self._get_action() in SCOPED_ACTIONS:
        arn = change_set_arn(self.cloudformation_backend, value, stack)
        if arn is None:
            raise ChangeSetNotFound(value, stack)
        return arn
    return value


def install() -> None:
    CloudFormationResponse._get_param = _get_param
