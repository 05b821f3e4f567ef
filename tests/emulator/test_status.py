"""`make status`: whether the lab is deployed, its instance and producer running, and when it deletes itself; against
the emulator, through the command's own entry point."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta

import pytest

from labctl import status
from labctl.__main__ import main as labctl_main
from rehearsal.emulator import ACCOUNT_ID, Emulator


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with Emulator() as emulator:
        emulator.client("s3").create_bucket(Bucket="lab-bucket")
        yield emulator


@pytest.fixture
def emu(emulator, monkeypatch, tmp_path):
    """The emulator, with this process's AWS settings pointing at it (as the rehearsal's CLI environment)."""
    for key, value in emulator.cli_env(tmp_path / "cdk-home").items():
        monkeypatch.setenv(key, value)
    return emulator


def deploy(emu, name, *, expires_at="never", schedule=None, stop_when_done="true"):
    """A stack with the outputs status reads, an instance, and a stream named after it."""
    stream = f"{name}-stream"
    emu.client("firehose").create_delivery_stream(
        DeliveryStreamName=stream,
        ExtendedS3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/firehose",
            "BucketARN": "arn:aws:s3:::lab-bucket",
        },
    )
    ami = emu.client("ec2").describe_images()["Images"][0]["ImageId"]
    outputs = {
        "InstanceId": {"Value": {"Ref": "Instance"}},
        "DeliveryStreamName": {"Value": stream},
        "StopWhenDone": {"Value": stop_when_done},
        "ExpiresAt": {"Value": expires_at},
    }
    if schedule:
        outputs["ExpirySchedule"] = {"Value": schedule}
    emu.client("cloudformation").create_stack(
        StackName=name,
        TemplateBody=json.dumps(
            {
                "Resources": {
                    "Instance": {
                        "Type": "AWS::EC2::Instance",
                        "Properties": {"ImageId": ami, "InstanceType": "t3.micro"},
                    }
                },
                "Outputs": outputs,
            }
        ),
    )
    stack = emu.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def make_status(capsys, name):
    code = status.run(argparse.Namespace(context=[f"labName={name}"]))
    return code, capsys.readouterr().out.splitlines()


def at(moment):
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def test_a_producing_lab_says_so_and_when_it_expires(emu, capsys):
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2, minutes=30)
    emu.client("scheduler").create_schedule(
        Name="expiry",
        ScheduleExpression=f"at({expires:%Y-%m-%dT%H:%M:%S})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack",
            "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/r",
            "Input": '{"StackName": "FirehoseLab"}',
        },
    )
    outputs = deploy(emu, "Producing", expires_at=at(expires), schedule="default/expiry")
    emu.client("firehose").put_record_batch(DeliveryStreamName="Producing-stream", Records=[{"Data": b"{}\n"}] * 7)
    code, lines = make_status(capsys, "Producing")
    assert code == 0
    assert lines[0] == "lab Producing (us-east-1): stack CREATE_COMPLETE"
    assert lines[1].startswith(f"  instance {outputs['InstanceId']}: running (since ")
    assert lines[2] == "  producer: sending: 7 records reached the stream in the last 10 min"
    assert lines[3] == "  when the producer is done: the instance stops itself (stopWhenDone)"
    assert lines[4] in (
        f"  expires: {expires:%Y-%m-%d %H:%M} UTC (in 2 h {m} min), the stack deletes itself" for m in (29, 30)
    )


def test_a_stopped_instance_means_a_stopped_producer(emu, capsys):
    outputs = deploy(emu, "Stopped")
    emu.power_off(outputs["InstanceId"])
    code, lines = make_status(capsys, "Stopped")
    assert code == 0
    assert lines[1] == (
        f"  instance {outputs['InstanceId']}: stopped (t3.micro, no public IP, "
        "Client.InstanceInitiatedShutdown: Instance initiated shutdown)"
    )
    assert lines[2] == "  producer: stopped (its instance is stopped)"
    assert lines[4] == "  expires: never (expiresAfterHours=0): the lab lives until `make destroy`"


def test_a_running_instance_whose_producer_sends_nothing_is_not_called_sending(emu, capsys):
    deploy(emu, "Idle", stop_when_done="false")
    _, lines = make_status(capsys, "Idle")
    assert lines[2].startswith("  producer: not sending: no records in the last 10 min")
    assert lines[3] == (
        "  when the producer is done: the instance keeps running (stopWhenDone=false): `make destroy` when you are done"
    )


def test_a_missing_expiry_schedule_is_shouted(emu, capsys):
    deploy(emu, "Unscheduled", expires_at=at(datetime.now(UTC) + timedelta(hours=3)), schedule="default/gone")
    _, lines = make_status(capsys, "Unscheduled")
    assert lines[4].endswith("the stack deletes itself; its schedule is missing!")


def test_an_expired_or_destroyed_lab_is_gone_and_exits_1(emu, capsys):
    deploy(emu, "Expired")
    emu.client("cloudformation").delete_stack(StackName="Expired")
    gone = "lab Expired (us-east-1): gone (stack deleted: expired or destroyed)"
    assert make_status(capsys, "Expired") == (1, [gone])


def test_a_lab_never_deployed_exits_1(emu, capsys):
    assert make_status(capsys, "Other") == (
        1,
        ["lab Other (us-east-1): not deployed (never, or deleted over 90 days ago)"],
    )


def test_a_bad_setting_is_one_line_and_exit_2(capsys):
    assert labctl_main(["status", "-c", "labName=1lab"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("firehose-lab: invalid labName='1lab'") and len(err.strip().splitlines()) == 1
