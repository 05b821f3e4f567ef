"""CloudFormation: the engine's own gaps in moto 5.2.5, and how every other package's models join it (models.py).

Gaps filled, in install order:
- change_set_scope: a change set named by name is the named stack's (moto takes any stack's of that name);
- outputs: a stack's Outputs after ExecuteChangeSet (moto leaves them empty);
- resource_list: ListStackResources names every resource of a stack, also those the emulator only records;
- generated_names: generated names fit their service's limit and keep their random suffix (moto breaks both);
- delete_order: stack deletes in reverse dependency order (moto deletes in set order and retries what fails);
- delete_failure: a failed stack delete leaves the stack DELETE_FAILED, and a later delete retries (moto loses it);
- deleted_stacks: reading a deleted stack back never re-creates its resources (moto re-creates them);
- removed_resources: what an update removes (a resource, a parameter) is gone from the stack (moto keeps both);
- create_failure: a resource that fails to create fails its stack, as in CloudFormation (moto raises out of the call);
- ssm_parameters: a template parameter of an SSM type whose SSM parameter is missing is CloudFormation's
  ValidationError (moto answers HTTP 500);
- stack_sets: a self-managed StackSet's ParameterOverrides override (moto replaces), its stacks are named and tagged
  as CloudFormation does, and its instances and operations report what became of their stacks; what it cannot do
  as AWS does is refused, and what it does not model is listed for the rehearsal to name (stack_sets.SKIPPED).
events.py is how CloudFormation words a resource's failure, shared by the last three; models.py what the services'
models share with moto's parsing. Nothing here runs: start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import (
    change_set_scope,
    create_failure,
    delete_failure,
    delete_order,
    deleted_stacks,
    generated_names,
    outputs,
    removed_resources,
    resource_list,
    ssm_parameters,
    stack_sets,
)
from .generated_names import shortened_name
from .models import BackendModel, register_models, replace
from .resource_list import RECORDED_ONLY
from .stack_sets import SKIPPED as STACKSET_SKIPPED

# create_failure wraps what outputs wrapped (so it comes after it); delete_failure wraps the stack delete whose
# resource loop delete_order replaces.
GAP_FIXES = (
    change_set_scope,
    outputs,
    resource_list,
    generated_names,
    delete_order,
    delete_failure,
    deleted_stacks,
    removed_resources,
    create_failure,
    ssm_parameters,
    stack_sets,
)

__all__ = [
    "RECORDED_ONLY",
    "STACKSET_SKIPPED",
    "BackendModel",
    "install",
    "register_models",
    "replace",
    "shortened_name",
    "start",
    "stop",
]


def install() -> None:
    """Patch moto's CloudFormation (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of CloudFormation runs on its own."""


def stop() -> None:
    """Nothing to stop."""
