"""The emulator's EventBridge Scheduler: CloudFormation creates schedules, the emulator's clock fires one-time ones,
the universal target's call runs as the schedule's role, and a role that may not do it is refused as on AWS."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import ACCOUNT_ID, Emulator
from rehearsal.emulator.scheduler import at_time
from rehearsal.leftovers import find_leftovers
from support.emulator.scheduler import schedule_resources

DELETE_STACK = "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack"


@pytest.fixture
def emu():
    with Emulator() as emulator:
        yield emulator


def expiring_stack(*, expression, policy_resource=None, source_arn=None, target=DELETE_STACK):
    """A stack like the lab's expiry: a group, a role for Scheduler, and a schedule deleting the stack; plus a bucket
    standing for the lab."""
    resources = schedule_resources(
        target=target,
        statement={
            "Effect": "Allow",
            "Action": "cloudformation:DeleteStack",
            "Resource": policy_resource or {"Ref": "AWS::StackId"},
        },
        expression=expression,
        request={"Fn::Join": ["", ['{"StackName":"', {"Ref": "AWS::StackId"}, '"}']]},
        policy_name="delete-this-stack",
        group={"Name": "lab-expiry"},
        source_arn=source_arn,
    )
    return json.dumps(
        {
            "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}, **resources},
            "Outputs": {"Bucket": {"Value": {"Ref": "Bucket"}}},
        }
    )


def at(moment):
    return f"at({moment:%Y-%m-%dT%H:%M:%S})"


def stack_names(emu):
    return [s["StackName"] for s in emu.client("cloudformation").describe_stacks()["Stacks"]]


def wait_for(condition, timeout_s=20):
    """Poll; the deadline only bounds a hung test."""
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_an_hour_later_on_the_clock_the_schedule_deletes_its_stack_and_nothing_is_left(emu):
    expires = emu.clock.now() + timedelta(hours=1)
    emu.client("cloudformation").create_stack(StackName="Lab", TemplateBody=expiring_stack(expression=at(expires)))
    schedules = emu.client("scheduler").list_schedules(GroupName="lab-expiry")["Schedules"]
    assert [s["State"] for s in schedules] == ["ENABLED"]
    time.sleep(0.3)
    assert emu.scheduler_invocations() == [] and stack_names(emu) == ["Lab"]  # not before its time

    emu.clock.speed_up_until(expires, real_seconds=1.0)  # the hour passes in about a second
    assert wait_for(lambda: stack_names(emu) == [])
    [invocation] = emu.scheduler_invocations()
    assert (invocation.ok, invocation.outcome, invocation.target) == (True, "DeleteStack succeeded", DELETE_STACK)
    assert invocation.fired_at >= invocation.due == at_time(at(expires), "Etc/UTC")
    assert find_leftovers(emu.client) == {}


def test_a_role_that_may_delete_another_stack_only_is_refused_and_the_lab_stays(emu):
    other = f"arn:aws:cloudformation:us-east-1:{ACCOUNT_ID}:stack/OtherLab/*"
    expires = emu.clock.now() + timedelta(minutes=10)
    emu.client("cloudformation").create_stack(
        StackName="Lab", TemplateBody=expiring_stack(expression=at(expires), policy_resource=other)
    )
    emu.clock.speed_up_until(expires, real_seconds=0.5)
    assert wait_for(lambda: emu.scheduler_invocations())
    [invocation] = emu.scheduler_invocations()
    assert not invocation.ok
    assert invocation.outcome.startswith("AccessDenied: ")
    assert "may not cloudformation:DeleteStack on arn:aws:cloudformation:" in invocation.outcome
    assert invocation.outcome.endswith(": no statement allows it")
    assert stack_names(emu) == ["Lab"]


def test_a_trust_policy_for_another_schedule_group_is_refused(emu):
    expires = emu.clock.now() + timedelta(minutes=10)
    other_group = f"arn:aws:scheduler:us-east-1:{ACCOUNT_ID}:schedule-group/default"
    emu.client("cloudformation").create_stack(
        StackName="Lab", TemplateBody=expiring_stack(expression=at(expires), source_arn=other_group)
    )
    emu.clock.speed_up_until(expires, real_seconds=0.5)
    assert wait_for(lambda: emu.scheduler_invocations())
    [invocation] = emu.scheduler_invocations()
    assert not invocation.ok and invocation.outcome.startswith("Scheduler could not assume arn:aws:iam::")
    assert stack_names(emu) == ["Lab"]


def test_a_re_deploy_moves_the_expiry(emu):
    cloudformation = emu.client("cloudformation")
    first = emu.clock.now() + timedelta(hours=1)
    cloudformation.create_stack(StackName="Lab", TemplateBody=expiring_stack(expression=at(first)))
    later = first + timedelta(hours=5)
    cloudformation.update_stack(StackName="Lab", TemplateBody=expiring_stack(expression=at(later)))
    [schedule] = emu.client("scheduler").list_schedules(GroupName="lab-expiry")["Schedules"]
    name = schedule["Name"]
    assert emu.client("scheduler").get_schedule(GroupName="lab-expiry", Name=name)["ScheduleExpression"] == at(later)
    emu.clock.speed_up_until(first + timedelta(minutes=1), real_seconds=0.5)
    time.sleep(1.0)
    assert emu.scheduler_invocations() == [] and stack_names(emu) == ["Lab"]
    emu.clock.speed_up_until(later, real_seconds=0.5)
    assert wait_for(lambda: stack_names(emu) == [])


@pytest.mark.parametrize(
    "expression, target, refused",
    [
        ("rate(1 hour)", DELETE_STACK, "only one-time at(yyyy-mm-ddThh:mm:ss) schedules fire"),
        ("cron(0 12 * * ? *)", DELETE_STACK, "only one-time at("),
        (
            "at(2030-01-01T00:00:00)",
            "arn:aws:scheduler:::aws-sdk:ec2:terminateInstances",
            "the targets fired here are aws-sdk:cloudformation:deleteStack, ",
        ),
        ("at(2030-01-01T00:00:00)", "arn:aws:lambda:us-east-1:123456789012:function:f", "Target.Arn"),
    ],
)
def test_a_schedule_the_emulator_could_not_fire_is_refused_at_creation(emu, expression, target, refused):
    with pytest.raises(ClientError) as error:
        emu.client("scheduler").create_schedule(
            Name="s",
            ScheduleExpression=expression,
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": target, "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/r", "Input": "{}"},
        )
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "the rehearsal's emulator cannot fire this schedule" in str(error.value) and refused in str(error.value)


def test_a_stack_with_such_a_schedule_fails_naming_it(emu):
    cloudformation = emu.client("cloudformation")
    cloudformation.create_stack(StackName="Lab", TemplateBody=expiring_stack(expression="rate(5 minutes)"))
    assert cloudformation.describe_stacks(StackName="Lab")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [
        e.get("ResourceStatusReason") or ""
        for e in cloudformation.describe_stack_events(StackName="Lab")["StackEvents"]
        if e["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert any("only one-time at" in reason for reason in reasons), reasons


def test_a_disabled_schedule_does_not_fire(emu):
    now = emu.clock.now()
    emu.client("scheduler").create_schedule(
        Name="off",
        ScheduleExpression=at(now + timedelta(seconds=1)),
        FlexibleTimeWindow={"Mode": "OFF"},
        State="DISABLED",
        Target={"Arn": DELETE_STACK, "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/r", "Input": '{"StackName": "x"}'},
    )
    time.sleep(1.5)
    assert emu.scheduler_invocations() == []


def test_the_leftovers_check_sees_schedules_and_schedule_groups(emu):
    scheduler = emu.client("scheduler")
    scheduler.create_schedule_group(Name="forgotten")
    scheduler.create_schedule(
        Name="left",
        GroupName="forgotten",
        ScheduleExpression="at(2030-01-01T00:00:00)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": DELETE_STACK, "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/r", "Input": '{"StackName": "x"}'},
    )
    found = find_leftovers(emu.client)
    assert found["schedules"] == ["forgotten/left"]
    assert found["schedule groups"] == ["forgotten"]


def test_at_times_are_read_in_the_schedules_time_zone():
    assert at_time("at(2026-07-01T12:00:00)", "Europe/Madrid").utcoffset() == timedelta(hours=2)
    with pytest.raises(ValueError, match="is not a time zone"):
        at_time("at(2026-07-01T12:00:00)", "Mars/Olympus")
