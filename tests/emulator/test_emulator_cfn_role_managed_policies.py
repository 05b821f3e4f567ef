"""AWS::IAM::Role's ManagedPolicyArns are attached, count when IAM is enforced, and go with the stack."""

import json

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import Emulator

READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def role_template(*arns: str) -> str:
    return json.dumps(
        {
            "Resources": {
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "RoleName": "reader",
                        "AssumeRolePolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sts:AssumeRole",
                                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                }
                            ],
                        },
                        "ManagedPolicyArns": list(arns),
                    },
                }
            }
        }
    )


def test_a_managed_policy_is_attached_and_evaluated(emu):
    cfn, iam = emu.client("cloudformation"), emu.client("iam")
    emu.client("s3").create_bucket(Bucket="readable")
    cfn.create_stack(StackName="managed", TemplateBody=role_template(READ_ONLY))
    attached = iam.list_attached_role_policies(RoleName="reader")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [READ_ONLY]

    keys = emu.client("sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/reader", RoleSessionName="reader")[
        "Credentials"
    ]
    as_role = dict(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )
    emu.enforce_iam(True)
    try:
        assert emu.client("s3", **as_role).list_objects_v2(Bucket="readable")["KeyCount"] == 0
        with pytest.raises(ClientError, match="AccessDenied"):
            emu.client("s3", **as_role).put_object(Bucket="readable", Key="k", Body=b"x")
    finally:
        emu.enforce_iam(False)

    cfn.delete_stack(StackName="managed")
    assert iam.list_roles()["Roles"] == []


def test_a_policy_that_does_not_exist_fails_the_stack(emu):
    cfn = emu.client("cloudformation")
    cfn.create_stack(StackName="missing", TemplateBody=role_template("arn:aws:iam::aws:policy/NoSuchPolicy"))
    stack = cfn.describe_stacks(StackName="missing")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [
        e.get("ResourceStatusReason", "")
        for e in cfn.describe_stack_events(StackName="missing")["StackEvents"]
        if e["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert any("Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist" in reason for reason in reasons), reasons
    assert emu.client("iam").list_roles()["Roles"] == []
