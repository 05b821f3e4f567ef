"""A class across accounts on the emulator: the StackSet calls make class-up/class-down/class-status make, against
moto's StackSets with the gap-fixes that make them behave as AWS documents (rehearsal/emulator/cloudformation/
stack_sets.py), and the cross-account reads of the class bucket as S3 authorizes them."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from lab_stack.names import class_stackset_name
from lab_stack.stackset_operations import CREATE_PREFERENCES, DELETE_PREFERENCES, MANAGED_EXECUTION
from labctl.classroom import down
from labctl.classroom.stackset import leftovers, wait_for_nothing_left
from labctl.classroom.up import Account
from rehearsal.emulator import ACCOUNT_ID, Emulator
from rehearsal.emulator.cloudformation import STACKSET_SKIPPED as SKIPPED
from support.emulator.scheduler import schedule_resources

CLASS = "acct"


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def account(emu) -> Account:
    return Account(client=emu.client, account_id=ACCOUNT_ID, region=emu.region)


def test_a_terminated_instance_is_no_leftover_though_the_tagging_api_lists_it(emu):
    """A terminated instance bills nothing and vanishes by itself; the Tagging API may list it meanwhile."""
    ec2 = emu.client("ec2")
    image = emu.client("ssm").get_parameter(Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64")[
        "Parameter"
    ]["Value"]
    [instance] = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "class", "Value": CLASS}]}],
    )["Instances"]
    assert down.leftovers(account(emu), CLASS) == [
        f"tagged: arn:aws:ec2:{emu.region}:{ACCOUNT_ID}:instance/{instance['InstanceId']}"
    ]
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    tagged = emu.client("resourcegroupstaggingapi").get_resources(TagFilters=[{"Key": "class", "Values": [CLASS]}])
    assert len(tagged["ResourceTagMappingList"]) == 1
    assert down.leftovers(account(emu), CLASS) == []


# --- moto's StackSets, as AWS documents them ---------------------------------------------------------------------

ECHO = {
    "Parameters": {"Student": {"Type": "String"}, "Course": {"Type": "String"}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Student"}}}},
    "Outputs": {"Said": {"Value": {"Fn::Join": ["/", [{"Ref": "Course"}, {"Ref": "Student"}]]}}},
}
TAKEN = "a-bucket-the-management-account-owns"
BAD_BUCKET = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": TAKEN}}}}
ONE_BUCKET = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}, "Outputs": {"Name": {"Value": {"Ref": "Bucket"}}}}


@pytest.fixture(scope="module")
def organization(emu):
    """An organization of this (the management) account and two members: {name: account id}."""
    organizations = emu.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    made = {}
    for name in ("ana", "bob"):
        status = organizations.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        made[name] = status["AccountId"]
    return made


def member(emu, account_id: str) -> dict:
    """Credentials in a member account (the emulator lets the test keys assume any role while IAM is off)."""
    answer = emu.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="test"
    )["Credentials"]
    return {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }


def stackset(emu, name: str, template: dict, parameters: dict | None = None, tags: dict | None = None) -> None:
    emu.client("cloudformation").create_stack_set(
        StackSetName=name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()],
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )


def create(emu, name: str, account_id: str, **overrides) -> str:
    return emu.client("cloudformation").create_stack_instances(
        StackSetName=name,
        Accounts=[account_id],
        Regions=[emu.region],
        ParameterOverrides=[{"ParameterKey": k, "ParameterValue": v} for k, v in overrides.items()],
    )["OperationId"]


def operation(emu, name: str, operation_id: str) -> str:
    answer = emu.client("cloudformation").describe_stack_set_operation(StackSetName=name, OperationId=operation_id)
    return answer["StackSetOperation"]["Status"]


def only_instance(emu, name: str) -> dict:
    [summary] = emu.client("cloudformation").list_stack_instances(StackSetName=name)["Summaries"]
    return summary


def test_parameter_overrides_override_only_what_they_name(emu, organization):
    """moto 5.2.5 replaced the StackSet's parameters with the overrides: "Missing parameter Course"."""
    stackset(emu, "echo", ECHO, {"Student": "nobody", "Course": "bda"}, tags={"class": "bda"})
    assert operation(emu, "echo", create(emu, "echo", organization["ana"], Student="ana")) == "SUCCEEDED"
    [stack] = emu.client("cloudformation", **member(emu, organization["ana"])).describe_stacks()["Stacks"]
    assert {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]} == {"Said": "bda/ana"}
    detail = emu.client("cloudformation").describe_stack_instance(
        StackSetName="echo", StackInstanceAccount=organization["ana"], StackInstanceRegion=emu.region
    )["StackInstance"]
    assert detail["ParameterOverrides"] == [{"ParameterKey": "Student", "ParameterValue": "ana"}]


def test_an_instances_stack_is_named_and_tagged_as_cloudformation_does(emu, organization):
    """moto named it `StackSet:<name>`, tagged it with nothing, and reported a StackId made up on each call."""
    [stack] = emu.client("cloudformation", **member(emu, organization["ana"])).describe_stacks()["Stacks"]
    assert stack["StackName"].startswith("StackSet-echo-")
    assert stack["Tags"] == [{"Key": "class", "Value": "bda"}]
    summary = only_instance(emu, "echo")
    assert summary["StackId"] == stack["StackId"]
    assert (summary["Status"], summary["StackInstanceStatus"]["DetailedStatus"]) == ("CURRENT", "SUCCEEDED")


def test_a_stack_that_fails_to_create_fails_its_instance_and_operation(emu, organization):
    """moto reported SUCCEEDED and CURRENT whatever became of the stack."""
    emu.client("s3").create_bucket(Bucket=TAKEN)
    stackset(emu, "broken", BAD_BUCKET)
    assert operation(emu, "broken", create(emu, "broken", organization["bob"])) == "FAILED"
    summary = only_instance(emu, "broken")
    assert (summary["Status"], summary["StackInstanceStatus"]["DetailedStatus"]) == ("OUTDATED", "FAILED")
    assert summary["StatusReason"].startswith("ResourceLogicalId:Bucket, ResourceType:AWS::S3::Bucket, ")
    assert "BucketAlreadyExists" in summary["StatusReason"]
    cloudformation = emu.client("cloudformation")
    cloudformation.delete_stack_instances(
        StackSetName="broken", Accounts=[organization["bob"]], Regions=[emu.region], RetainStacks=False
    )
    assert cloudformation.list_stack_instances(StackSetName="broken")["Summaries"] == []


def test_a_stack_that_fails_to_delete_stays_an_inoperable_instance(emu, organization):
    """moto forgot the instance while its stack stayed behind in the account."""
    stackset(emu, "kept", ONE_BUCKET)
    create(emu, "kept", organization["bob"])
    bob = emu.client("cloudformation", **member(emu, organization["bob"]))
    [stack] = [s for s in bob.describe_stacks()["Stacks"] if s["StackName"].startswith("StackSet-kept-")]
    bucket = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["Name"]
    emu.client("s3", **member(emu, organization["bob"])).put_object(Bucket=bucket, Key="k", Body=b"x")
    gone = emu.client("cloudformation").delete_stack_instances(
        StackSetName="kept", Accounts=[organization["bob"]], Regions=[emu.region], RetainStacks=False
    )["OperationId"]
    assert operation(emu, "kept", gone) == "FAILED"
    summary = only_instance(emu, "kept")
    assert summary["Status"] == "INOPERABLE" and summary["StackId"] == stack["StackId"]
    assert summary["StatusReason"].startswith("ResourceLogicalId:Bucket, ")
    assert bob.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_FAILED"


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (
            lambda cf: cf.create_stack_set(
                StackSetName="managed", TemplateBody=json.dumps(ONE_BUCKET), PermissionModel="SERVICE_MANAGED"
            ),
            "SELF_MANAGED StackSets only",
        ),
        (
            lambda cf: cf.delete_stack_instances(
                StackSetName="echo", Accounts=["111111111111"], Regions=["us-east-1"], RetainStacks=True
            ),
            "RetainStacks",
        ),
        (lambda cf: cf.update_stack_set(StackSetName="echo", TemplateBody=json.dumps(ECHO)), "never its stacks"),
    ],
)
def test_what_the_emulator_cannot_do_as_aws_does_is_refused(emu, organization, call, says):
    with pytest.raises(ClientError, match=says):
        call(emu.client("cloudformation"))


def test_every_stackset_setting_the_class_relies_on_and_moto_ignores_is_named_for_the_rehearsal_to_skip():
    """moto runs each operation within its call, alone, and assumes no role: the class's operation preferences and
    managed execution, auto-deployment and the administration and execution roles are named (SKIPPED), never passed."""
    named = " ".join(SKIPPED)
    assert CREATE_PREFERENCES and DELETE_PREFERENCES and MANAGED_EXECUTION  # what the class sets
    for setting in ("OperationPreferences", "ManagedExecution", "AutoDeployment"):
        assert f"StackSet {setting} " in named
    for what in ("concurrency", "failure tolerance", "administration and execution roles"):
        assert what in named


# --- the class bucket, read across accounts ----------------------------------------------------------------------

OUTSIDER = "999999999999"


def reader(emu, account_id: str) -> dict:
    """A role in `account_id` whose own policy allows s3:GetObject on everything; its credentials."""
    iam = emu.client("iam", **member(emu, account_id))
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(trust))
    read = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=json.dumps(read))
    answer = emu.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/reader", RoleSessionName="reader")
    keys = answer["Credentials"]
    return {
        "aws_access_key_id": keys["AccessKeyId"],
        "aws_secret_access_key": keys["SecretAccessKey"],
        "aws_session_token": keys["SessionToken"],
    }


def class_bucket_policy(bucket: str, organization_id: str) -> str:
    """The class bucket's policy as lab_stack/stackset_admin.py writes it."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/assets/*",
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}},
                },
            ],
        }
    )


def test_the_class_bucket_is_read_by_the_organizations_accounts_only(emu, organization):
    """moto refused the policy (it evaluated no aws:PrincipalOrgID), and let any account read another's bucket when
    its own policy allowed it; S3 needs the bucket policy's allow too for another account's request."""
    s3 = emu.client("s3")
    organization_id = emu.client("organizations").describe_organization()["Organization"]["Id"]
    s3.create_bucket(Bucket="class-files")
    s3.put_bucket_policy(Bucket="class-files", Policy=class_bucket_policy("class-files", organization_id))
    for key in ("assets/producer.zip", "templates/lab.json"):
        s3.put_object(Bucket="class-files", Key=key, Body=b"x")
    ana, outsider = reader(emu, organization["ana"]), reader(emu, OUTSIDER)
    emu.enforce_iam(True)
    try:
        assert (
            emu.client("s3", **ana).get_object(Bucket="class-files", Key="assets/producer.zip")["Body"].read() == b"x"
        )
        emu.client("s3", **ana).head_object(Bucket="class-files", Key="assets/producer.zip")  # authorized as GetObject
        for who, key in ((outsider, "assets/producer.zip"), (ana, "templates/lab.json")):
            with pytest.raises(ClientError, match="403|AccessDenied"):
                emu.client("s3", **who).get_object(Bucket="class-files", Key=key)
    finally:
        emu.enforce_iam(False)
    assert s3.get_object(Bucket="class-files", Key="templates/lab.json")["Body"].read() == b"x"  # its own account


# --- the class's end: the schedules of a StackSet class fire -----------------------------------------------------


def scheduled(target: str, action: str, resource, request: dict, when) -> str:
    """A group, a role Scheduler may assume for it, allowed `action` on `resource`, and a one-time schedule."""
    resources = schedule_resources(
        target=f"arn:aws:scheduler:::aws-sdk:{target}",
        statement={"Effect": "Allow", "Action": action, "Resource": resource},
        expression=f"at({when:%Y-%m-%dT%H:%M:%S})",
        request=json.dumps(request),
    )
    return json.dumps({"Resources": resources})


def wait_for(condition, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_the_class_end_deletes_the_stack_instances_as_its_role_may(emu, organization):
    """The class stack's schedule (lab_stack/stackset_admin.py): DeleteStackInstances on this class's StackSet only."""
    stackset(emu, "ending", ONE_BUCKET)
    create(emu, "ending", organization["ana"])
    when = emu.clock.now() + timedelta(hours=1)
    cloudformation = emu.client("cloudformation")
    request = {
        "StackSetName": "ending",
        "Accounts": [organization["ana"]],
        "Regions": [emu.region],
        "RetainStacks": False,
        "OperationPreferences": DELETE_PREFERENCES,
    }
    other = f"arn:aws:cloudformation:{emu.region}:{ACCOUNT_ID}:stackset/another-class-labs:*"
    cloudformation.create_stack(
        StackName="wrong-end",
        TemplateBody=scheduled(
            "cloudformation:deleteStackInstances", "cloudformation:DeleteStackInstances", other, request, when
        ),
        Capabilities=["CAPABILITY_IAM"],
    )
    mine = f"arn:aws:cloudformation:{emu.region}:{ACCOUNT_ID}:stackset/ending:*"
    cloudformation.create_stack(
        StackName="class-end",
        TemplateBody=scheduled(
            "cloudformation:deleteStackInstances", "cloudformation:DeleteStackInstances", mine, request, when
        ),
        Capabilities=["CAPABILITY_IAM"],
    )
    emu.clock.speed_up_until(when, real_seconds=0.5)
    assert wait_for(lambda: len(emu.scheduler_invocations()) == 2)
    outcomes = sorted((i.ok, i.outcome) for i in emu.scheduler_invocations())
    assert outcomes[0][0] is False and "may not cloudformation:DeleteStackInstances" in outcomes[0][1]
    assert outcomes[0][1].endswith("no statement allows it")
    assert outcomes[1] == (True, "DeleteStackInstances succeeded")
    assert cloudformation.list_stack_instances(StackSetName="ending")["Summaries"] == []
    for name in ("wrong-end", "class-end"):
        cloudformation.delete_stack(StackName=name)


def test_a_stacksets_lab_stops_its_instance_at_its_end(emu, organization):
    """The lab's own schedule under a StackSet (lab_stack/lifetime.py): StopInstances on its instance only."""
    ana = member(emu, organization["ana"])
    ec2 = emu.client("ec2", **ana)
    image = emu.client("ssm").get_parameter(Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64")[
        "Parameter"
    ]["Value"]
    [instance] = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"]
    arn = f"arn:aws:ec2:{emu.region}:{organization['ana']}:instance/{instance['InstanceId']}"
    when = emu.clock.now() + timedelta(hours=1)
    before = len(emu.scheduler_invocations())
    emu.client("cloudformation", **ana).create_stack(
        StackName="lab-end",
        TemplateBody=scheduled(
            "ec2:stopInstances", "ec2:StopInstances", arn, {"InstanceIds": [instance["InstanceId"]]}, when
        ),
        Capabilities=["CAPABILITY_IAM"],
    )
    emu.clock.speed_up_until(when, real_seconds=0.5)
    assert wait_for(lambda: len(emu.scheduler_invocations()) > before)
    [invocation] = emu.scheduler_invocations()[before:]
    assert (invocation.ok, invocation.outcome) == (True, "StopInstances succeeded")
    state = ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]["State"]
    assert state["Name"] in ("stopping", "stopped")


def test_a_students_password_ends_with_the_class(emu, organization):
    """The login's own schedule (lab_stack/student_login.py): DeleteLoginProfile of this student's user only, so that
    CloudFormation can then delete the user with the lab."""
    bob = member(emu, organization["bob"])
    iam = emu.client("iam", **bob)
    user = iam.create_user(UserName="bda-bob", Path="/firehose-lab/bda/")["User"]
    iam.create_login_profile(UserName="bda-bob", Password="Only-Once-2026!", PasswordResetRequired=True)
    when = emu.clock.now() + timedelta(hours=1)
    before = len(emu.scheduler_invocations())
    emu.client("cloudformation", **bob).create_stack(
        StackName="password-end",
        TemplateBody=scheduled(
            "iam:deleteLoginProfile", "iam:DeleteLoginProfile", user["Arn"], {"UserName": "bda-bob"}, when
        ),
        Capabilities=["CAPABILITY_IAM"],
    )
    emu.clock.speed_up_until(when, real_seconds=0.5)
    assert wait_for(lambda: len(emu.scheduler_invocations()) > before)
    [invocation] = emu.scheduler_invocations()[before:]
    assert (invocation.ok, invocation.outcome) == (True, "DeleteLoginProfile succeeded")
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_login_profile(UserName="bda-bob")


def test_a_schedules_role_with_inline_policies_in_its_template_is_evaluated(emu):
    """AWS::IAM::Role's own Policies property: the emulator read their documents as text and, failing, never made the
    call (a TypeError, or "Scheduler could not assume ...: no such role" before the IAM engine)."""
    when = emu.clock.now() + timedelta(hours=1)
    template = json.loads(scheduled("ec2:stopInstances", "ec2:StopInstances", "*", {"InstanceIds": ["i-0"]}, when))
    policy = template["Resources"].pop("Policy")["Properties"]
    template["Resources"]["Role"]["Properties"]["Policies"] = [
        {"PolicyName": policy["PolicyName"], "PolicyDocument": policy["PolicyDocument"]}
    ]
    del template["Resources"]["Schedule"]["DependsOn"]
    before = len(emu.scheduler_invocations())
    emu.client("cloudformation").create_stack(
        StackName="inline-role", TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"]
    )
    emu.clock.speed_up_until(when, real_seconds=0.5)
    assert wait_for(lambda: len(emu.scheduler_invocations()) > before)
    [invocation] = emu.scheduler_invocations()[before:]
    # Evaluated and allowed: the call itself fails, on a made-up instance.
    assert (invocation.ok, invocation.outcome.split(" (")[0]) == (False, "ClientError: An error occurred")
    assert "InvalidInstanceID.NotFound" in invocation.outcome


def test_what_is_left_of_one_student_is_looked_for_in_their_account_only(emu, organization):
    """`make class-down STUDENT=...` across accounts keeps the class (its StackSet and own stack stay here): what is
    left of the student is looked for in their account alone (the call passed `here`, which leftovers() lacked)."""
    stackset(emu, class_stackset_name("solo"), ECHO, {"Student": "nobody", "Course": "solo"})
    role = "OrganizationAccountAccessRole"
    assert leftovers(account(emu), "solo", [organization["bob"]], role) == ["StackSet: solo-labs"]
    assert wait_for_nothing_left(account(emu), "solo", [organization["bob"]], role, here=False, wait_seconds=0) == []
    emu.client("cloudformation").delete_stack_set(StackSetName=class_stackset_name("solo"))
