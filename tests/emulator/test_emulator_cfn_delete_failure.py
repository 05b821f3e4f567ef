"""A stack whose delete fails stays listed as DELETE_FAILED, names the resource and why, and a later delete retries."""

import pytest

from rehearsal.emulator import Emulator
from support.emulator.stacks import bucket_names, create, events

TEMPLATE = {
    "Resources": {
        "LogsBucket": {"Type": "AWS::S3::Bucket"},
        "Topic": {"Type": "AWS::SNS::Topic"},
    },
    "Outputs": {"Bucket": {"Value": {"Ref": "LogsBucket"}, "Export": {"Name": "logs-bucket"}}},
}


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def test_a_bucket_that_is_not_empty_fails_the_delete_and_keeps_the_stack(emu):
    cfn, s3 = emu.client("cloudformation"), emu.client("s3")
    stack = create(cfn, "keeps-data", TEMPLATE)
    bucket = stack["Outputs"][0]["OutputValue"]
    s3.put_object(Bucket=bucket, Key="data.json", Body=b"{}")

    cfn.delete_stack(StackName="keeps-data")  # accepted, as CloudFormation does

    [described] = cfn.describe_stacks(StackName="keeps-data")["Stacks"]
    assert described["StackStatus"] == "DELETE_FAILED"
    assert described["StackStatusReason"] == "The following resource(s) failed to delete: [LogsBucket]. "
    assert ("keeps-data", "DELETE_FAILED") in [
        (s["StackName"], s["StackStatus"]) for s in cfn.list_stacks()["StackSummaries"]
    ]
    [failure] = [e for e in events(cfn, "keeps-data") if e[1] == "DELETE_FAILED" and e[0] == "LogsBucket"]
    assert "BucketNotEmpty" in failure[2] and "not empty" in failure[2]
    assert bucket in bucket_names(s3)
    assert emu.client("sns").list_topics()["Topics"] == []  # what could be deleted was
    assert [e["Name"] for e in cfn.list_exports()["Exports"]] == ["logs-bucket"]  # the stack still exists


def test_a_later_delete_retries_and_completes(emu):
    cfn, s3 = emu.client("cloudformation"), emu.client("s3")
    stack = create(cfn, "retried", TEMPLATE | {"Outputs": {}})
    bucket = next(
        r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName="retried")["StackResources"]
        if r["LogicalResourceId"] == "LogsBucket"
    )
    s3.put_object(Bucket=bucket, Key="data.json", Body=b"{}")
    cfn.delete_stack(StackName="retried")
    s3.delete_object(Bucket=bucket, Key="data.json")

    cfn.delete_stack(StackName="retried")

    assert cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert bucket not in bucket_names(s3)
    assert "retried" not in [s["StackName"] for s in cfn.describe_stacks()["Stacks"]]
