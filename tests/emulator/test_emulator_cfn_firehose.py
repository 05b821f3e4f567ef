"""AWS::KinesisFirehose::DeliveryStream as a CloudFormation resource, visible to the Firehose API."""

import json
import re

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import ACCOUNT_ID, Emulator


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def template(destination_key="ExtendedS3DestinationConfiguration", size_mb=1, name=None):
    """Bucket + role + stream shaped like CDK's S3Bucket destination output."""
    stream = {
        "Type": "AWS::KinesisFirehose::DeliveryStream",
        "Properties": {
            "DeliveryStreamType": "DirectPut",
            "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "AWS_OWNED_CMK"},
            destination_key: {
                "BucketARN": {"Fn::GetAtt": ["Bucket", "Arn"]},
                "RoleARN": {"Fn::GetAtt": ["Role", "Arn"]},
                "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": size_mb},
                "CompressionFormat": "GZIP",
                "Prefix": "data/!{timestamp:yyyy/MM/dd}/",
                "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
                "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
                "CloudWatchLoggingOptions": {
                    "Enabled": True,
                    "LogGroupName": "lg",
                    "LogStreamName": "ls",
                },
            },
        },
    }
    if name:
        stream["Properties"]["DeliveryStreamName"] = name
    return json.dumps(
        {
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
                "Stream": stream,
            },
            "Outputs": {
                "StreamName": {"Value": {"Ref": "Stream"}},
                "StreamArn": {"Value": {"Fn::GetAtt": ["Stream", "Arn"]}},
            },
        }
    )


def outputs(cfn, stack):
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}


def test_generated_name_ref_and_arn_reach_the_firehose_api(emu):
    cfn, firehose = emu.client("cloudformation"), emu.client("firehose")
    cfn.create_stack(StackName="fh-generated", TemplateBody=template())
    out = outputs(cfn, "fh-generated")
    assert re.fullmatch(r"fh-generated-Stream-[A-Z0-9]{12}", out["StreamName"])
    assert out["StreamArn"] == (f"arn:aws:firehose:us-east-1:{ACCOUNT_ID}:deliverystream/{out['StreamName']}")
    description = firehose.describe_delivery_stream(DeliveryStreamName=out["StreamName"])["DeliveryStreamDescription"]
    assert description["DeliveryStreamARN"] == out["StreamArn"]
    assert description["DeliveryStreamStatus"] == "ACTIVE"
    destination = description["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert destination["BufferingHints"] == {"IntervalInSeconds": 60, "SizeInMBs": 1}
    assert destination["CompressionFormat"] == "GZIP"
    assert destination["Prefix"] == "data/!{timestamp:yyyy/MM/dd}/"
    assert destination["ErrorOutputPrefix"] == "errors/!{firehose:error-output-type}/"
    assert destination["CloudWatchLoggingOptions"]["Enabled"] is True
    assert destination["BucketARN"].startswith("arn:aws:s3:::fh-generated-bucket-")
    assert destination["RoleARN"].startswith(f"arn:aws:iam::{ACCOUNT_ID}:role/")
    resources = cfn.list_stack_resources(StackName="fh-generated")["StackResourceSummaries"]
    assert {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}["Stream"] == out["StreamName"]


def test_explicit_name_and_plain_s3_destination(emu):
    cfn, firehose = emu.client("cloudformation"), emu.client("firehose")
    cfn.create_stack(StackName="fh-named", TemplateBody=template("S3DestinationConfiguration", name="lab-stream"))
    assert outputs(cfn, "fh-named")["StreamName"] == "lab-stream"
    description = firehose.describe_delivery_stream(DeliveryStreamName="lab-stream")
    destination = description["DeliveryStreamDescription"]["Destinations"][0]
    assert destination["S3DestinationDescription"]["BufferingHints"]["SizeInMBs"] == 1


def test_update_keeps_the_stream_and_changes_its_destination(emu):
    cfn, firehose = emu.client("cloudformation"), emu.client("firehose")
    cfn.create_stack(StackName="fh-update", TemplateBody=template())
    name = outputs(cfn, "fh-update")["StreamName"]
    cfn.update_stack(StackName="fh-update", TemplateBody=template(size_mb=5))
    assert outputs(cfn, "fh-update")["StreamName"] == name
    description = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert description["VersionId"] == "2"
    destination = description["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert destination["BufferingHints"]["SizeInMBs"] == 5


def test_stack_delete_deletes_the_stream(emu):
    cfn, firehose = emu.client("cloudformation"), emu.client("firehose")
    cfn.create_stack(StackName="fh-delete", TemplateBody=template())
    name = outputs(cfn, "fh-delete")["StreamName"]
    cfn.delete_stack(StackName="fh-delete")
    assert name not in firehose.list_delivery_streams()["DeliveryStreamNames"]
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        firehose.describe_delivery_stream(DeliveryStreamName=name)
