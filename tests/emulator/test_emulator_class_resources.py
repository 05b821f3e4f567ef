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


def test_a_stack_without_a_change_set_of_that_name_is_told_so_whatever_other_stacks_hold(emu):
    """The CDK CLI deletes a stack's old `cdk-deploy-change-set` before making a new one, then waits until
    DescribeChangeSet says ChangeSetNotFound: another stack's change set of that name must not answer for it (a class
    stack deployed again, as class-down STUDENT= and a second class-up do, waited for ever)."""
    cloudformation = emu.client("cloudformation")
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t-Other"}}}}
    cloudformation.create_change_set(
        StackName="Other",
        ChangeSetName="cdk-deploy-change-set",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(template),
    )
    deploy(emu, "Redeployed", {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t-Redeployed"}}})
    for call in (cloudformation.describe_change_set, cloudformation.delete_change_set):
        with pytest.raises(ClientError) as missing:
            call(StackName="Redeployed", ChangeSetName="cdk-deploy-change-set")
        assert missing.value.response["Error"]["Code"] == "ChangeSetNotFound"
    assert cloudformation.describe_change_set(StackName="Other", ChangeSetName="cdk-deploy-change-set")[
        "StackName"
    ] == ("Other")


def test_an_ssm_typed_parameter_kept_by_use_previous_value_is_read_again_by_its_name(emu):
    """CloudFormation keeps an SSM-typed parameter's value as the SSM parameter's name and resolves it at each stack
    operation (user guide, "SSM parameter types"); the CDK CLI passes UsePreviousValue for the bootstrap version on
    every later deploy. A stack deployed a second time must read the parameter again, not look up its last value."""
    ssm = emu.client("ssm")
    ssm.put_parameter(Name="/c/topic-name", Type="String", Value="first")
    cloudformation = emu.client("cloudformation")
    parameters = {"TopicName": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/c/topic-name"}}

    def template(tag: str) -> str:
        topic = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "TopicName"}}}
        return json.dumps({"Parameters": parameters, "Resources": {"Topic": topic}, "Outputs": {tag: {"Value": tag}}})

    cloudformation.create_stack(StackName="SsmAgain", TemplateBody=template("First"))
    ssm.put_parameter(Name="/c/topic-name", Type="String", Value="second", Overwrite=True)
    cloudformation.create_change_set(
        StackName="SsmAgain",
        ChangeSetName="again",
        ChangeSetType="UPDATE",
        TemplateBody=template("Second"),
        Parameters=[{"ParameterKey": "TopicName", "UsePreviousValue": True}],
    )
    cloudformation.execute_change_set(StackName="SsmAgain", ChangeSetName="again")
    assert status(emu, "SsmAgain") == "UPDATE_COMPLETE"
    topics = {t["TopicArn"].rsplit(":", 1)[-1] for t in emu.client("sns").list_topics()["Topics"]}
    assert "second" in topics


def test_a_stack_made_again_after_its_deletion_executes_its_own_new_change_set(emu):
    """A student removed from a class and added back: their lab stack is made again under the same name, by a change
    set of the same name as the deleted stack's. The deleted stack's change sets go with it, as CloudFormation's do."""
    cloudformation = emu.client("cloudformation")
    for topic in ("t-again-1", "t-again-2"):
        template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": topic}}}}
        cloudformation.create_change_set(
            StackName="Again",
            ChangeSetName="cdk-deploy-change-set",
            ChangeSetType="CREATE",
            TemplateBody=json.dumps(template),
        )
        cloudformation.execute_change_set(StackName="Again", ChangeSetName="cdk-deploy-change-set")
        assert status(emu, "Again") == "CREATE_COMPLETE"
        if topic.endswith("1"):
            cloudformation.delete_stack(StackName="Again")
    topics = {t["TopicArn"].rsplit(":", 1)[-1] for t in emu.client("sns").list_topics()["Topics"]}
    assert "t-again-2" in topics and "t-again-1" not in topics


def test_a_user_removed_by_an_update_and_added_back_by_another_exists_again(emu):
    """class-down STUDENT= deploys the class stack without the student's user, a later class-up with them again."""
    cloudformation = emu.client("cloudformation")
    iam = emu.client("iam")

    def template(*users: str) -> str:
        resources = class_like(group="back", user="c-first")
        for user in users:
            resources[f"User{user}"] = json.loads(json.dumps(resources["User"]))
            resources[f"User{user}"]["Properties"]["UserName"] = f"c-{user}"
        return json.dumps({"Resources": resources})

    def names() -> list:
        return sorted(u["UserName"] for u in iam.list_users(PathPrefix="/lab/c/")["Users"] if u["UserName"] != "c-ana")

    cloudformation.create_stack(StackName="Back", TemplateBody=template("bob"))
    seen = [names()]
    for step, users in enumerate([(), ("bob",)]):
        cloudformation.create_change_set(
            StackName="Back", ChangeSetName=f"step{step}", ChangeSetType="UPDATE", TemplateBody=template(*users)
        )
        cloudformation.execute_change_set(StackName="Back", ChangeSetName=f"step{step}")
        seen.append(names())
    assert seen == [["c-bob", "c-first"], ["c-first"], ["c-bob", "c-first"]]


def test_a_parameter_an_update_removes_is_no_longer_the_stacks(emu):
    """The class's budget stack reads one SSM parameter per lab: a student removed, then added back. The CDK CLI passes
    UsePreviousValue for every parameter DescribeStacks still lists, so a removed one listed there broke the next
    deploy."""
    ssm = emu.client("ssm")
    for name in ("a", "b"):
        ssm.put_parameter(Name=f"/c/removed-{name}", Type="String", Value=f"value-{name}")
    cloudformation = emu.client("cloudformation")

    def template(*names: str) -> str:
        parameters = {
            f"P{n}": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": f"/c/removed-{n}"} for n in names
        }
        name = {"Fn::Join": ["-", [{"Ref": f"P{n}"} for n in names]]}
        topic = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}
        return json.dumps({"Parameters": parameters, "Resources": {"Topic": topic}})

    def listed() -> list:
        return sorted(
            p["ParameterKey"] for p in cloudformation.describe_stacks(StackName="Params")["Stacks"][0]["Parameters"]
        )

    cloudformation.create_stack(StackName="Params", TemplateBody=template("a", "b"))
    seen = [listed()]
    for step, names in enumerate([("a",), ("a", "b")]):
        kept = [{"ParameterKey": key, "UsePreviousValue": True} for key in listed() if key in {f"P{n}" for n in names}]
        cloudformation.create_change_set(
            StackName="Params",
            ChangeSetName=f"p{step}",
            ChangeSetType="UPDATE",
            TemplateBody=template(*names),
            Parameters=kept,
        )
        cloudformation.execute_change_set(StackName="Params", ChangeSetName=f"p{step}")
        seen.append(listed())
    assert seen == [["Pa", "Pb"], ["Pa"], ["Pa", "Pb"]]
    assert status(emu, "Params") == "UPDATE_COMPLETE"
