"""The resources IAM evaluates a request against: the Service Authorization Reference's ARN formats, filled from the
request (and the emulator's state where the request names a resource through another), never `*` for an action that
acts on a resource; and the one function other emulator services authorize their calls on a caller's behalf with."""

from __future__ import annotations

import json

import pytest

from rehearsal.emulator import ACCOUNT_ID, Emulator
from rehearsal.emulator.iam import authorize
from rehearsal.emulator.iam.resources import ANY, ApiCall, Unbuildable, resources
from support.emulator.iam import allow, role, session, user

REGION = "us-east-1"


def arns(action: str, params: dict | None = None, **extra) -> list[str]:
    call = ApiCall(action, params or {}, ACCOUNT_ID, REGION, extra=extra.pop("extra", {}), **extra)
    return [r.arn for r in resources(call)]


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


@pytest.mark.parametrize(
    "action, params, expected",
    [
        ("firehose:PutRecordBatch", {"DeliveryStreamName": "s"}, ["deliverystream/s"]),
        ("ec2:StopInstances", {"InstanceIds": ["i-1", "i-2"]}, ["instance/i-1", "instance/i-2"]),
        ("ec2:CreateTags", {"Resources": ["i-1", "vol-2"]}, ["instance/i-1", "volume/vol-2"]),
        ("athena:StartQueryExecution", {"QueryString": "SELECT 1"}, ["workgroup/primary"]),
        ("athena:StartQueryExecution", {"WorkGroup": "lab"}, ["workgroup/lab"]),
        ("glue:GetTable", {"DatabaseName": "db", "Name": "t"}, ["database/db", "catalog", "table/db/t"]),
        ("glue:GetTables", {"DatabaseName": "db"}, ["database/db", "catalog", "table/db/*"]),
        ("scheduler:GetSchedule", {"Name": "x"}, ["schedule/default/x"]),
        ("scheduler:GetSchedule", {"Name": "x", "GroupName": "g"}, ["schedule/g/x"]),
        ("scheduler:GetScheduleGroup", {"Name": "g"}, ["schedule-group/g"]),
        ("logs:FilterLogEvents", {"logGroupName": "/lab"}, ["log-group:/lab:*"]),
        ("logs:GetLogEvents", {"logGroupName": "/lab", "logStreamName": "s"}, ["log-group:/lab:log-stream:s"]),
        ("logs:TagResource", {"resourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/lab"}, ["log-group:/lab"]),
        ("ssm:StartSession", {"Target": "i-1"}, ["document/SSM-SessionManagerRunShell", "instance/i-1"]),
        ("ssm:GetParameter", {"Name": "/lab/x"}, ["parameter/lab/x"]),
        ("sts:AssumeRole", {"RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/path/r"}, ["role/path/r"]),
        ("cloudformation:DeleteStack", {"StackName": "Missing"}, ["stack/Missing/*"]),
        ("iam:CreatePolicy", {"PolicyName": "p", "PolicyDocument": "{}"}, ["policy/p"]),
        ("iam:CreatePolicy", {"PolicyName": "p", "Path": "/team/", "PolicyDocument": "{}"}, ["policy/team/p"]),
    ],
)
def test_an_action_is_evaluated_against_the_arn_its_request_names(emu, action, params, expected):
    assert [arn.split(":", 5)[5] for arn in arns(action, params)] == expected


def test_an_s3_request_names_its_bucket_or_object():
    assert arns("s3:ListBucket", extra={"bucket": "b"}) == ["arn:aws:s3:::b"]
    assert arns("s3:GetObject", extra={"bucket": "b", "key": "a/b.json"}) == ["arn:aws:s3:::b/a/b.json"]


@pytest.mark.parametrize("action", ["firehose:ListDeliveryStreams", "ec2:DescribeInstances", "s3:ListAllMyBuckets"])
def test_an_action_the_reference_lists_without_a_resource_is_evaluated_against_star(action):
    assert arns(action) == [ANY]


def test_a_stack_and_a_role_are_named_as_the_emulator_holds_them(emu):
    stack_id = emu.client("cloudformation").create_stack(
        StackName="Lab",
        TemplateBody=json.dumps({"Resources": {"G": {"Type": "AWS::Logs::LogGroup"}}}),
    )["StackId"]
    assert arns("cloudformation:DescribeStacks", {"StackName": "Lab"}) == [stack_id]
    emu.client("iam").create_role(RoleName="pathed", Path="/lab/", AssumeRolePolicyDocument="{}")
    assert arns("iam:GetRole", {"RoleName": "pathed"}) == [f"arn:aws:iam::{ACCOUNT_ID}:role/lab/pathed"]
    me = f"arn:aws:iam::{ACCOUNT_ID}:user/me"
    assert arns("iam:ListAccessKeys", caller_arn=me) == [me]  # no UserName: the caller's own


def test_a_query_is_authorized_in_the_workgroup_it_ran_in(emu):
    athena = emu.client("athena")
    athena.create_work_group(
        Name="wg", Configuration={"ResultConfiguration": {"OutputLocation": "s3://query-results/"}}
    )
    emu.client("s3").create_bucket(Bucket="query-results")
    query = athena.start_query_execution(QueryString="SELECT 1", WorkGroup="wg")["QueryExecutionId"]
    assert arns("athena:GetQueryResults", {"QueryExecutionId": query}) == [
        f"arn:aws:athena:{REGION}:{ACCOUNT_ID}:workgroup/wg"
    ]
    with pytest.raises(Unbuildable, match="no query execution nope"):
        arns("athena:GetQueryResults", {"QueryExecutionId": "nope"})


@pytest.mark.parametrize(
    "action, params, named",
    [
        ("glue:GetCrawler", {"Name": "c"}, r"glue:GetCrawler: .* crawler resource .*\$\{CrawlerName\}"),
        ("ec2:RunInstances", {"ImageId": "ami-1"}, "ec2:RunInstances: the request names no security-group"),
        (
            "ec2:RunInstances",
            {"LaunchTemplate": {"LaunchTemplateId": "lt-1"}},
            "cannot name the resources of LaunchTemplate",
        ),
        ("firehose:PutRecord", {}, "firehose:PutRecord: the request names no deliverystream"),
    ],
)
def test_a_resource_the_emulator_cannot_name_is_an_error_naming_the_action_never_star(action, params, named):
    with pytest.raises(Unbuildable, match=named):
        arns(action, params)


def test_authorize_decides_a_call_made_on_a_callers_behalf(emu):
    """What offline Athena would ask before reading a table's objects for its caller: s3:GetObject on each, as
    that caller, through Athena (aws:CalledVia)."""
    iam = emu.client("iam")
    through_athena = {"ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}}
    emu.client("s3").create_bucket(Bucket="lab-data")
    student = user(iam, "analyst", allow("s3:GetObject", "arn:aws:s3:::lab-data/data/*", Condition=through_athena))
    key = student["aws_access_key_id"]
    via_athena = {"aws:CalledVia": ["athena.amazonaws.com"], "aws:ViaAWSService": "true"}
    assert authorize(key, "s3:GetObject", "arn:aws:s3:::lab-data/data/x.json", via_athena).allowed
    assert not authorize(key, "s3:GetObject", "arn:aws:s3:::lab-data/data/x.json").allowed  # not through Athena
    assert not authorize(key, "s3:GetObject", "arn:aws:s3:::lab-data/secret.json", via_athena).allowed
    refused = authorize(key, "glue:GetCrawler", f"arn:aws:glue:{REGION}:{ACCOUNT_ID}:crawler/c")
    assert (refused.allowed, refused.reason) == (False, "no statement allows it")


def test_authorize_knows_a_role_session_by_its_key(emu):
    iam = emu.client("iam")
    arn = role(iam, "reader", allow("glue:GetDatabase", [f"arn:aws:glue:{REGION}:{ACCOUNT_ID}:*"]))
    reader = session(emu.client("sts"), arn)
    database = f"arn:aws:glue:{REGION}:{ACCOUNT_ID}:database/lab"
    assert authorize(reader["aws_access_key_id"], "glue:GetDatabase", database).allowed
    assert not authorize(reader["aws_access_key_id"], "glue:DeleteDatabase", database).allowed
    unknown = authorize("ASIANOSUCHKEY0000000", "glue:GetDatabase", database)
    assert not unknown.allowed and "no user's and no role session's" in unknown.reason
