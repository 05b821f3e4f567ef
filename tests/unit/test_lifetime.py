"""A lab that is safe to forget: the instance stops itself when the producer is done, the stack deletes itself
`expiresAfterHours` after deploy, and both can be switched off. Read off the synthesized templates."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from producer import service
from support.synth import SYNTH_TIME
from support.template import only, render_user_data, rendered_unit, resources_of


def lifetime_outputs(template):
    outputs = template.to_json()["Outputs"]
    return {key: outputs[key]["Value"] for key in ("StopWhenDone", "ExpiresAt", "ExpirySchedule") if key in outputs}


# --- the instance stops itself -----------------------------------------------------------------------------------


def test_a_power_off_inside_the_instance_stops_it_rather_than_terminating_it(template):
    _, instance = only(template, "AWS::EC2::Instance")
    assert instance["Properties"]["InstanceInitiatedShutdownBehavior"] == "stop"


def test_the_service_ends_by_running_the_stop_when_done_script_as_root(template):
    unit = rendered_unit(template)["Service"]
    assert unit["ExecStopPost"] == f"+{service.STOP_WHEN_DONE_PATH}"
    assert unit["Restart"] == "no"  # an ended run stays ended: nothing restarts it before the power-off


def test_the_user_data_writes_the_script_before_it_starts_the_service(template):
    script = render_user_data(template)
    written = script.index(f"cat > {service.STOP_WHEN_DONE_PATH} <<'SCRIPT'\n")
    body = script[script.index("\n", written) + 1 : script.index("\nSCRIPT\n", written)]
    assert body == service.stop_when_done_script()
    assert f"chmod 755 {service.STOP_WHEN_DONE_PATH}" in script
    assert written < script.index(f"systemctl enable --now {service.UNIT_NAME}")


def test_the_script_powers_off_only_when_no_stop_was_asked_for():
    script = service.stop_when_done_script()
    assert subprocess.run(["sh", "-n"], input=script, text=True).returncode == 0
    check, power_off = script.index("systemctl show --property=Job --value"), script.index("systemctl poweroff")
    assert check < script.index("exit 0") < power_off
    assert "--no-block" in script[power_off:]  # the power-off job stops this very unit: never wait for it


def test_stop_when_done_can_be_switched_off(custom_lab):
    _, template = custom_lab
    assert "ExecStopPost" not in rendered_unit(template)["Service"]
    assert service.STOP_WHEN_DONE_PATH not in render_user_data(template)
    assert lifetime_outputs(template)["StopWhenDone"] == "false"


# --- the lab deletes itself --------------------------------------------------------------------------------------


def test_the_lab_expires_24_hours_after_it_was_synthesized_for_deploy(template):
    _, schedule = only(template, "AWS::Scheduler::Schedule")
    props = schedule["Properties"]
    expires = SYNTH_TIME + timedelta(hours=24)
    assert props["ScheduleExpression"] == f"at({expires:%Y-%m-%dT%H:%M:%S})"
    assert props["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert props["State"] == "ENABLED"
    assert lifetime_outputs(template)["ExpiresAt"] == f"{expires:%Y-%m-%dT%H:%M:%S}Z"


def test_a_later_deploy_moves_the_expiry():
    """Each synth counts from its own clock: what `cdk deploy` does every time it runs."""
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Template

    from lab_stack.lifetime import LabExpiry, expiry_time

    def expression(now):
        stack = Stack(App(), "Lab")
        LabExpiry(stack, "Expiry", expires_at=expiry_time(now, 2), why="2 h after deploy")
        schedule = next(iter(Template.from_stack(stack).find_resources("AWS::Scheduler::Schedule").values()))
        return schedule["Properties"]["ScheduleExpression"]

    first = datetime(2026, 3, 1, 23, 15, 30, 999_000, tzinfo=UTC)
    assert expression(first) == "at(2026-03-02T01:15:30)"
    assert expression(first + timedelta(hours=5)) == "at(2026-03-02T06:15:30)"


def test_the_schedule_calls_delete_stack_on_this_very_stack(template):
    _, schedule = only(template, "AWS::Scheduler::Schedule")
    target = schedule["Properties"]["Target"]
    assert json.dumps(target["Arn"]).endswith(':scheduler:::aws-sdk:cloudformation:deleteStack"]]}')
    assert target["Input"] == {"Fn::Join": ["", ['{"StackName":"', {"Ref": "AWS::StackId"}, '"}']]}


def test_the_schedules_role_may_only_delete_this_stack(template):
    _, schedule = only(template, "AWS::Scheduler::Schedule")
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = template.to_json()["Resources"][role_id]["Properties"]
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    policies = [
        p for p in resources_of(template, "AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    assert [p["Properties"]["PolicyDocument"]["Statement"] for p in policies] == [
        [{"Action": "cloudformation:DeleteStack", "Effect": "Allow", "Resource": {"Ref": "AWS::StackId"}}]
    ]


def test_only_scheduler_may_assume_that_role_for_this_account_and_this_labs_schedule_group(template):
    _, schedule = only(template, "AWS::Scheduler::Schedule")
    group_id, _ = only(template, "AWS::Scheduler::ScheduleGroup")
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    trust = template.to_json()["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": {"Ref": "AWS::AccountId"},
                    "aws:SourceArn": {"Fn::GetAtt": [group_id, "Arn"]},
                }
            },
        }
    ]
    group = only(template, "AWS::Scheduler::ScheduleGroup")[1]["Properties"]
    assert schedule["Properties"]["GroupName"] == group["Name"]


def test_the_outputs_name_the_schedule_for_make_status(template):
    group = only(template, "AWS::Scheduler::ScheduleGroup")[1]["Properties"]["Name"]
    schedule = only(template, "AWS::Scheduler::Schedule")[0]
    assert lifetime_outputs(template)["ExpirySchedule"] == {"Fn::Join": ["", [f"{group}/", {"Ref": schedule}]]}
    assert lifetime_outputs(template)["StopWhenDone"] == "true"


def test_expires_after_hours_0_makes_no_schedule_and_says_never(custom_lab):
    _, template = custom_lab
    assert [t for t in (r["Type"] for r in template.to_json()["Resources"].values()) if "Scheduler" in t] == []
    assert lifetime_outputs(template) == {"StopWhenDone": "false", "ExpiresAt": "never"}


@pytest.mark.parametrize("hours", [1, 24, 168])
def test_expiry_time_is_whole_seconds_after_the_synth(hours):
    from lab_stack.lifetime import expiry_time

    now = datetime(2026, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC)
    assert expiry_time(now, hours) == datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC) + timedelta(hours=hours)
