"""A stream-scoped Firehose allow is evaluated against the stream ARN, not `*`."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import ACCOUNT_ID, Emulator


def arn(stream):
    return f"arn:aws:firehose:us-east-1:{ACCOUNT_ID}:deliverystream/{stream}"


@pytest.fixture(scope="module")
def producer_firehose():
    """Firehose client holding AssumeRole credentials of a role allowed to put to stream-a only."""
    with Emulator() as emu:
        emu.client("s3").create_bucket(Bucket="iam-bucket")
        firehose = emu.client("firehose")
        for stream in ("stream-a", "stream-b"):
            firehose.create_delivery_stream(
                DeliveryStreamName=stream,
                S3DestinationConfiguration={
                    "RoleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/firehose",
                    "BucketARN": "arn:aws:s3:::iam-bucket",
                },
            )
        iam = emu.client("iam")
        role = iam.create_role(
            RoleName="producer",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}
                    ],
                }
            ),
        )["Role"]
        iam.put_role_policy(
            RoleName="producer",
            PolicyName="put",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
                            "Resource": arn("stream-a"),
                        }
                    ],
                }
            ),
        )
        # Assume before enforcing, as the sandbox does: the test keys are no IAM user.
        credentials = emu.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="instance")["Credentials"]
        emu.enforce_iam(True)
        yield boto3.client(
            "firehose",
            region_name=emu.region,
            endpoint_url=emu.endpoint_url,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )


def test_allowed_stream_accepts_put_record_and_batch(producer_firehose):
    producer_firehose.put_record(DeliveryStreamName="stream-a", Record={"Data": b"ok\n"})
    response = producer_firehose.put_record_batch(
        DeliveryStreamName="stream-a", Records=[{"Data": b"1\n"}, {"Data": b"2\n"}]
    )
    assert response["FailedPutCount"] == 0


@pytest.mark.parametrize("call", ["put_record", "put_record_batch"])
def test_other_stream_is_denied(producer_firehose, call):
    kwargs = {"Record": {"Data": b"x"}} if call == "put_record" else {"Records": [{"Data": b"x"}]}
    with pytest.raises(ClientError) as denied:
        getattr(producer_firehose, call)(DeliveryStreamName="stream-b", **kwargs)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert arn("stream-b") in denied.value.response["Error"]["Message"]


def test_actions_outside_the_policy_are_denied(producer_firehose):
    with pytest.raises(ClientError, match="AccessDeniedException"):
        producer_firehose.describe_delivery_stream(DeliveryStreamName="stream-a")
