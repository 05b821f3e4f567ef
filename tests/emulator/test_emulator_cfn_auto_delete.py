"""Custom::S3AutoDeleteObjects empties its bucket on stack delete, with no Lambda invocation."""

import io
import json
import zipfile

import pytest

from rehearsal.emulator import Emulator

ASSETS = "lab-assets"


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        s3 = emulator.client("s3")
        s3.create_bucket(Bucket=ASSETS)
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("index.js", "exports.handler = async () => { throw new Error('not here'); };")
        s3.put_object(Bucket=ASSETS, Key="handler.zip", Body=code.getvalue())
        yield emulator


def template(tagged=True):
    """What CDK emits for Bucket(auto_delete_objects=True, removal_policy=DESTROY)."""
    bucket = {"Type": "AWS::S3::Bucket", "UpdateReplacePolicy": "Delete", "DeletionPolicy": "Delete", "Properties": {}}
    if tagged:
        bucket["Properties"]["Tags"] = [{"Key": "aws-cdk:auto-delete-objects", "Value": "true"}]
    return json.dumps(
        {
            "Resources": {
                "Bucket": bucket,
                "ProviderRole": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "AssumeRolePolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "sts:AssumeRole",
                                    "Principal": {"Service": "lambda.amazonaws.com"},
                                }
                            ],
                        }
                    },
                },
                "ProviderHandler": {
                    "Type": "AWS::Lambda::Function",
                    "DependsOn": ["ProviderRole"],
                    "Properties": {
                        "Code": {"S3Bucket": ASSETS, "S3Key": "handler.zip"},
                        "Handler": "index.handler",
                        "Runtime": "nodejs24.x",
                        "Timeout": 900,
                        "Role": {"Fn::GetAtt": ["ProviderRole", "Arn"]},
                    },
                },
                "AutoDelete": {
                    "Type": "Custom::S3AutoDeleteObjects",
                    "Properties": {
                        "ServiceToken": {"Fn::GetAtt": ["ProviderHandler", "Arn"]},
                        "BucketName": {"Ref": "Bucket"},
                    },
                },
            },
            "Outputs": {"BucketName": {"Value": {"Ref": "Bucket"}}},
        }
    )


def deploy(cfn, stack, body):
    change_set = cfn.create_change_set(StackName=stack, ChangeSetName="cs", ChangeSetType="CREATE", TemplateBody=body)
    cfn.execute_change_set(ChangeSetName=change_set["Id"])
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    return described["Outputs"][0]["OutputValue"]


def fill(s3, bucket, versioned=True):
    """Versioned: two versions of one key plus a deleted key (delete marker over a version).

    Versioning is switched on by API: moto's CloudFormation bucket ignores VersioningConfiguration.
    """
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="a.json", Body=b"1")
    s3.put_object(Bucket=bucket, Key="a.json", Body=b"2")
    s3.put_object(Bucket=bucket, Key="gone.json", Body=b"3")
    s3.delete_object(Bucket=bucket, Key="gone.json")
    s3.put_object(Bucket=bucket, Key="b.json", Body=b"4")
    versions = s3.list_object_versions(Bucket=bucket)
    assert len(versions["Versions"]) == (4 if versioned else 2)
    assert len(versions.get("DeleteMarkers", [])) == (1 if versioned else 0)


@pytest.mark.parametrize("versioned", [True, False])
def test_delete_empties_the_bucket_so_it_and_the_provider_go(emu, versioned):
    cfn, s3, lam = emu.client("cloudformation"), emu.client("s3"), emu.client("lambda")
    bucket = deploy(cfn, "auto-delete", template())
    [function] = lam.list_functions()["Functions"]
    assert function["Runtime"] == "nodejs24.x"
    fill(s3, bucket, versioned)

    cfn.delete_stack(StackName="auto-delete")

    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert lam.list_functions()["Functions"] == []
    assert [r["RoleName"] for r in emu.client("iam").list_roles()["Roles"]] == []


def test_untagged_bucket_is_not_emptied_and_its_delete_fails(emu):
    """As the CDK handler: no tag, no emptying; a non-empty bucket fails the delete (DELETE_FAILED), not vanishes."""
    cfn, s3 = emu.client("cloudformation"), emu.client("s3")
    bucket = deploy(cfn, "keep-objects", template(tagged=False))
    fill(s3, bucket)

    cfn.delete_stack(StackName="keep-objects")

    assert cfn.describe_stacks(StackName="keep-objects")["Stacks"][0]["StackStatus"] == "DELETE_FAILED"
    assert len(s3.list_object_versions(Bucket=bucket)["Versions"]) == 4


def with_logging(body: str, *, declared_group: bool) -> str:
    """The template as CDK makes it (the handler's role has AWSLambdaBasicExecutionRole), or as the lab makes it
    (the handler's log group declared, and the role may only write to it)."""
    resources = json.loads(body)
    role = resources["Resources"]["ProviderRole"]["Properties"]
    if declared_group:
        resources["Resources"]["HandlerLogs"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Join": ["", ["/aws/lambda/", {"Ref": "ProviderHandler"}]]},
                "RetentionInDays": 7,
            },
        }
        resources["Resources"]["HandlerLogsPolicy"] = {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "logs",
                "Roles": [{"Ref": "ProviderRole"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": {"Fn::GetAtt": ["HandlerLogs", "Arn"]},
                        }
                    ],
                },
            },
        }
        resources["Resources"]["AutoDelete"]["DependsOn"] = ["HandlerLogs", "HandlerLogsPolicy"]
    else:
        role["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    return json.dumps(resources)


def test_the_handler_leaves_its_own_log_group_behind_as_on_aws(emu):
    """CDK's default: the handler's first run creates /aws/lambda/<function>, which nothing deletes (aws-cdk #26553)."""
    cfn, lam, logs = emu.client("cloudformation"), emu.client("lambda"), emu.client("logs")
    deploy(cfn, "default-logging", with_logging(template(), declared_group=False))
    [function] = lam.list_functions()["Functions"]
    assert logs.describe_log_groups()["logGroups"] == []

    cfn.delete_stack(StackName="default-logging")

    groups = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    assert groups == [f"/aws/lambda/{function['FunctionName']}"]
    events = logs.filter_log_events(logGroupName=groups[0])["events"]
    assert [e["message"] for e in events] and "emptying bucket" in events[0]["message"]
    logs.delete_log_group(logGroupName=groups[0])


def test_a_declared_log_group_and_no_create_permission_leave_nothing(emu):
    cfn, logs = emu.client("cloudformation"), emu.client("logs")
    deploy(cfn, "declared-logging", with_logging(template(), declared_group=True))
    assert len(logs.describe_log_groups()["logGroups"]) == 1

    cfn.delete_stack(StackName="declared-logging")

    assert logs.describe_log_groups()["logGroups"] == []
    assert [r["RoleName"] for r in emu.client("iam").list_roles()["Roles"]] == []
