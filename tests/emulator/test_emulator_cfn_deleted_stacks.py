"""Reading a deleted stack back by its id (as the CDK CLI does after destroy) shows it deleted and creates nothing."""

import pytest

from rehearsal.emulator import Emulator
from support.emulator.stacks import bucket_names, create

TEMPLATE = {
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "firehose.amazonaws.com"},
                        }
                    ],
                }
            },
        },
    },
    "Outputs": {
        "BucketName": {"Value": {"Ref": "Bucket"}, "Export": {"Name": "deleted-bucket"}},
        "RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}},
    },
}


@pytest.fixture(scope="module")
def deleted(request):
    with Emulator() as emulator:
        cfn = emulator.client("cloudformation")
        stack = create(cfn, "gone", TEMPLATE)
        cfn.delete_stack(StackName="gone")
        yield emulator, stack


def test_describe_stack_resources_lists_them_deleted_and_creates_none(deleted):
    emu, stack = deleted
    resources = emu.client("cloudformation").describe_stack_resources(StackName=stack["StackId"])["StackResources"]
    assert {(r["LogicalResourceId"], r["ResourceType"], r["ResourceStatus"]) for r in resources} == {
        ("Bucket", "AWS::S3::Bucket", "DELETE_COMPLETE"),
        ("Role", "AWS::IAM::Role", "DELETE_COMPLETE"),
    }
    assert bucket_names(emu.client("s3")) == set()
    assert emu.client("iam").list_roles()["Roles"] == []


def test_describe_stacks_by_id_creates_nothing_and_lists_no_exports(deleted):
    emu, stack = deleted
    cfn = emu.client("cloudformation")
    for _ in range(2):
        [described] = cfn.describe_stacks(StackName=stack["StackId"])["Stacks"]
        assert described["StackStatus"] == "DELETE_COMPLETE"
    assert {o["OutputKey"] for o in described.get("Outputs", [])} <= {"BucketName", "RoleArn"}
    assert all("ExportName" not in o for o in described.get("Outputs", []))
    assert cfn.list_exports()["Exports"] == []
    assert bucket_names(emu.client("s3")) == set()
    assert emu.client("iam").list_roles()["Roles"] == []
