"""An instance whose OS powers off: EC2's instance-initiated shutdown behaviour (moto 5.2.5 has none).

moto never boots an instance, so nothing inside one can shut it down, and its CloudFormation model drops the
InstanceInitiatedShutdownBehavior property (every instance gets "stop"). The property is kept here, and
`power_off` is what EC2 does when the instance's OS halts: with "stop" the instance is stopped (its EBS volume kept,
an auto-assigned public IPv4 released), with "terminate" it is terminated; the state reason is EC2's
"Client.InstanceInitiatedShutdown" (EC2 user guide, "Change the instance initiated shutdown behavior"). The rehearsal
calls it when the sandboxed instance runs its power-off command.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models import ec2_backends
from moto.ec2.models.instances import Instance, StateReason

PROPERTY = "InstanceInitiatedShutdownBehavior"
INSTANCE_INITIATED = (
    "Client.InstanceInitiatedShutdown: Instance initiated shutdown",
    "Client.InstanceInitiatedShutdown",
)

_original_create = Instance.create_from_cloudformation_json.__func__


def _create_from_cloudformation_json(
    cls: type, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
) -> Instance:
    instance = _original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    instance.instance_initiated_shutdown_behavior = cloudformation_json["Properties"].get(PROPERTY, "stop")
    return instance


def power_off(account_id: str, region_name: str, instance_id: str) -> str:
    """The instance's OS halted: stop or terminate it as its shutdown behaviour says; returns the new state."""
    backend = ec2_backends[account_id][region_name]
    instance = backend.get_instance(instance_id)
    if instance.instance_initiated_shutdown_behavior == "terminate":
        backend.terminate_instances([instance_id])
    else:
        instance.stop()
    instance.state_reason = StateReason(*INSTANCE_INITIATED)
    return instance.state


def install() -> None:
    """Keep the property on instances CloudFormation creates (idempotent)."""
    Instance.create_from_cloudformation_json = classmethod(_create_from_cloudformation_json)
