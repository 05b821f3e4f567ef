"""What a class of labs needs of the emulator's CloudFormation, IAM and SSM, as AWS documents it: groups, users and
managed policies made and deleted with their stack, SSM parameters with tags, a lab deployed before its class stack
refused with CloudFormation's error, and change sets of the same name in two stacks kept apart."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import Emulator

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def deploy(emu, name, resources, parameters=None):
    template = {"Resources": resources, **({"Parameters": parameters} if parameters else {})}
    emu.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))
    return emu.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]


def status(emu, name):
    return emu.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]


def class_like(group="students", user="c-ana"):
    return {
        "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": POLICY}},
        "Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": POLICY}},
        "Group": {
            "Type": "AWS::IAM::Group",
            "Properties": {"GroupName": group, "Path": "/lab/", "ManagedPolicyArns": [{"Ref": "Policy"}]},
        },
        "User": {
            "Type": "AWS::IAM::User",
            "Properties": {
                "UserName": user,
                "Path": "/lab/c/",
                "Groups": [{"Ref": "Group"}],
                "PermissionsBoundary": {"Ref": "Boundary"},
                "Tags": [{"Key": "student", "Value": "ana"}],
            },
        },
    }


def test_a_group_gets_its_policy_and_a_user_its_group_tags_and_boundary(emu):
    deploy(emu, "IamClass", class_like())
    iam = emu.client("iam")
    [attached] = iam.list_attached_group_policies(GroupName="students")["AttachedPolicies"]
    assert iam.get_group(GroupName="students")["Group"]["Path"] == "/lab/"
    assert [u["UserName"] for u in iam.get_group(GroupName="students")["Users"]] == ["c-ana"]
    assert iam.list_user_tags(UserName="c-ana")["Tags"] == [{"Key": "student", "Value": "ana"}]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/lab/c/")["Users"]] == ["c-ana"]
    assert attached["PolicyArn"].endswith(attached["PolicyName"])


def test_deleting_the_stack_leaves_no_user_group_or_policy(emu):
    deploy(emu, "IamGone", class_like(group="gone", user="c-gone"))
    emu.client("cloudformation").delete_stack(StackName="IamGone")
    iam = emu.client("iam")
    assert "c-gone" not in [u["UserName"] for u in iam.list_users()["Users"]]
    assert "gone" not in [g["GroupName"] for g in iam.list_groups()["Groups"]]
    assert not [p for p in iam.list_policies(Scope="Local")["Policies"] if p["PolicyName"].startswith("IamGone")]


def test_a_user_given_a_password_outside_the_stack_keeps_the_stack_from_deleting(emu):
    """IAM's DeleteUser refuses a user with a login profile; CloudFormation documents no removal of one it did not
    make: the stack ends DELETE_FAILED, and deletes once the password is gone."""
    deploy(emu, "IamPassword", class_like(group="pw", user="c-pw"))
    iam = emu.client("iam")
    iam.create_login_profile(UserName="c-pw", Password="Str0ng!Passw0rd", PasswordResetRequired=True)
    emu.client("cloudformation").delete_stack(StackName="IamPassword")
    assert status(emu, "IamPassword") == "DELETE_FAILED"
    iam.delete_login_profile(UserName="c-pw")
    emu.client("cloudformation").delete_stack(StackName="IamPassword")
    assert "c-pw" not in [u["UserName"] for u in iam.list_users()["Users"]]


def test_delete_user_refuses_what_is_still_attached(emu):
    iam = emu.client("iam")
    iam.create_user(UserName="keyed")
    iam.create_access_key(UserName="keyed")
    with pytest.raises(ClientError) as refused:
        iam.delete_user(UserName="keyed")
    assert refused.value.response["Error"]["Code"] == "DeleteConflict"


def test_a_template_password_is_refused_not_ignored(emu):
    resources = {
        "User": {
            "Type": "AWS::IAM::User",
            "Properties": {"LoginProfile": {"Password": "in-a-template", "PasswordResetRequired": True}},
        }
    }
    deploy(emu, "IamLoginProfile", resources)
    assert status(emu, "IamLoginProfile") == "ROLLBACK_COMPLETE"


def test_an_ssm_parameter_keeps_its_tags_given_as_cloudformation_gives_them(emu):
    resources = {
        "Parameter": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": "/c/vpc-id", "Type": "String", "Value": "vpc-1", "Tags": {"class": "c"}},
        }
    }
    deploy(emu, "SsmTags", resources)
    ssm = emu.client("ssm")
    assert ssm.get_parameter(Name="/c/vpc-id")["Parameter"]["Value"] == "vpc-1"
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/c/vpc-id")["TagList"] == [
        {"Key": "class", "Value": "c"}
    ]


def test_a_stack_reading_a_missing_ssm_parameter_is_refused_by_name(emu):
    parameters = {"VpcId": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/nowhere/vpc-id"}}
    resources = {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "VpcId"}}}}
    with pytest.raises(ClientError) as refused:
        deploy(emu, "SsmMissing", resources, parameters)
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    assert "Unable to fetch parameters [/nowhere/vpc-id] from parameter store" in str(refused.value)


def test_two_stacks_change_sets_of_one_name_stay_their_own(emu):
    """As `cdk deploy --concurrency` makes them: both created, then each executed by the stack's name."""
    cloudformation = emu.client("cloudformation")
    for name in ("First", "Second"):
        template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"t-{name}"}}}}
        cloudformation.create_change_set(
            StackName=name,
            ChangeSetName="cdk-deploy-change-set",
            ChangeSetType="CREATE",
            TemplateBody=json.dumps(template),
        )
    for name in ("Second", "First"):
        described = cloudformation.describe_change_set(StackName=name, ChangeSetName="cdk-deploy-change-set")
        assert described["StackName"] == name
        cloudformation.execute_change_set(StackName=name, ChangeSetName="cdk-deploy-change-set")
    assert status(emu, "First") == status(emu, "Second") == "CREATE_COMPLETE"
    topics = {t["TopicArn"].rsplit(":", 1)[-1] for t in emu.client("sns").list_topics()["Topics"]}
    assert {"t-First", "t-Second"} <= topics
