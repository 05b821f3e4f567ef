"""An instance whose OS powers off is stopped, or terminated, as its InstanceInitiatedShutdownBehavior says."""

from __future__ import annotations

import json

import pytest

from rehearsal.emulator import Emulator


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def instance_stack(emu, name, behaviour=None):
    ami = emu.client("ec2").describe_images()["Images"][0]["ImageId"]
    properties = {"ImageId": ami, "InstanceType": "t3.micro"}
    if behaviour:
        properties["InstanceInitiatedShutdownBehavior"] = behaviour
    cloudformation = emu.client("cloudformation")
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=json.dumps(
            {
                "Resources": {"Instance": {"Type": "AWS::EC2::Instance", "Properties": properties}},
            }
        ),
    )
    resource = cloudformation.describe_stack_resource(StackName=name, LogicalResourceId="Instance")
    return resource["StackResourceDetail"]["PhysicalResourceId"]


def described(emu, instance_id):
    return emu.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


@pytest.mark.parametrize("behaviour, state", [("stop", "stopped"), (None, "stopped"), ("terminate", "terminated")])
def test_a_power_off_inside_the_instance_applies_its_shutdown_behaviour(emu, behaviour, state):
    instance_id = instance_stack(emu, f"Lab-{behaviour}", behaviour)
    attribute = emu.client("ec2").describe_instance_attribute(
        InstanceId=instance_id, Attribute="instanceInitiatedShutdownBehavior"
    )
    assert attribute["InstanceInitiatedShutdownBehavior"]["Value"] == (behaviour or "stop")
    assert described(emu, instance_id)["State"]["Name"] == "running"

    assert emu.power_off(instance_id) == state
    instance = described(emu, instance_id)
    assert instance["State"]["Name"] == state
    assert instance["StateReason"]["Code"] == "Client.InstanceInitiatedShutdown"
    assert "PublicIpAddress" not in instance


def test_a_stopped_instance_keeps_its_volume_and_can_be_started_again(emu):
    instance_id = instance_stack(emu, "Lab-restart", "stop")
    emu.power_off(instance_id)
    volumes = described(emu, instance_id)["BlockDeviceMappings"]
    emu.client("ec2").start_instances(InstanceIds=[instance_id])
    assert described(emu, instance_id)["State"]["Name"] == "running"
    assert described(emu, instance_id)["BlockDeviceMappings"] == volumes
