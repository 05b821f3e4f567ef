"""With IAM enforced, the emulator authorizes CloudWatch calls as cloudwatch:* (IAM's prefix, not the signing name
"monitoring") and checks the signature of body-less REST calls (Scheduler's GETs) as AWS does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import ACCOUNT_ID, Emulator


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        emulator.client("scheduler").create_schedule(
            Name="expiry",
            ScheduleExpression="at(2030-01-01T00:00:00)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={
                "Arn": "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack",
                "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/r",
                "Input": '{"StackName": "x"}',
            },
        )
        yield emulator
        emulator.enforce_iam(False)


def user(emu, name, actions):
    iam = emu.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name,
        PolicyName="p",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
        ),
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def metrics(emu, credentials):
    now = datetime.now(UTC)
    return emu.client("cloudwatch", **credentials).get_metric_statistics(
        Namespace="AWS/Firehose",
        MetricName="IncomingRecords",
        Statistics=["Sum"],
        Period=60,
        StartTime=now - timedelta(minutes=10),
        EndTime=now,
    )


def refusal(call):
    """Why a call was refused, from its 403: moto renders these refusals in XML, which the JSON-protocol clients of
    CloudWatch and Scheduler cannot parse into an error code, so the reason is read from the message."""
    with pytest.raises(ClientError) as error:
        call()
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return next(code for code in ("AccessDenied", "SignatureDoesNotMatch") if code in str(error.value))


def test_cloudwatch_calls_are_authorized_under_the_cloudwatch_prefix(emu):
    allowed = user(emu, "watcher", ["cloudwatch:GetMetricStatistics"])
    signing_name_only = user(emu, "monitor", ["monitoring:GetMetricStatistics"])
    emu.enforce_iam(True)
    try:
        assert metrics(emu, allowed)["Datapoints"] == []
        assert refusal(lambda: metrics(emu, signing_name_only)) == "AccessDenied"
    finally:
        emu.enforce_iam(False)


def test_a_get_without_a_body_passes_the_signature_check_and_meets_the_policy(emu):
    reader = user(emu, "reader", ["scheduler:GetSchedule"])
    emu.enforce_iam(True)
    try:
        scheduler = emu.client("scheduler", **reader)
        assert scheduler.get_schedule(Name="expiry")["State"] == "ENABLED"
        assert refusal(lambda: scheduler.list_schedules()) == "AccessDenied"
        forged = emu.client("scheduler", **{**reader, "aws_secret_access_key": "not-the-secret"})
        assert refusal(lambda: forged.get_schedule(Name="expiry")) == "SignatureDoesNotMatch"
    finally:
        emu.enforce_iam(False)
