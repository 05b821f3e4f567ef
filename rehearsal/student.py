"""Who acts in the rehearsal once IAM is enforced: the student, and the instance role whose limits are probed.

The CDK CLI's test keys are no IAM user in the emulator, so with IAM enforced they would be refused: the student
is an IAM user allowed only what `make verify` needs, and the producer runs with the instance role's own
AssumeRole credentials. Plain functions over boto3 clients; the drivers (offline_lab.py, rehearse.py) decide what a
result means.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import ClientError

from labctl.query import QUERY_ACTIONS

STUDENT = "rehearsal-student"
STUDENT_POLICY = "lab-student"
# What `make verify` calls: the stack's outputs, PutRecordBatch, and reading the bucket.
VERIFY_ACTIONS = ["cloudformation:DescribeStacks", "firehose:PutRecordBatch", "s3:ListBucket", "s3:GetObject"]
# What `make status` calls besides DescribeStacks (labctl/status.py's docstring).
STATUS_ACTIONS = [
    "cloudformation:ListStacks",
    "ec2:DescribeInstances",
    "cloudwatch:GetMetricStatistics",
    "scheduler:GetSchedule",
]
# What the guide's commands call against the offline lab (`make lab-local`, docs/guide-en.md): verify's, status's,
# query's, plus the stack's outputs and resources (aws cloudformation), the stream's buffering hints (make watch,
# aws firehose describe-delivery-stream), one record by hand (aws firehose put-record) and the bucket list (aws s3 ls).
# A guide command that calls anything else is refused there, and tests/e2e/test_guide.py fails: add it here.
GUIDE_ACTIONS = [
    *VERIFY_ACTIONS,
    *STATUS_ACTIONS,
    *QUERY_ACTIONS,
    "cloudformation:ListStackResources",
    "firehose:DescribeDeliveryStream",
    "firehose:PutRecord",
    "s3:ListAllMyBuckets",
]
ACCESS_DENIED = ("AccessDenied", "AccessDeniedException")

Credentials = dict  # boto3 client keyword arguments: aws_access_key_id, aws_secret_access_key[, aws_session_token]
ClientFactory = Callable[..., Any]  # (service, **credentials) -> boto3 client on the emulator


def create_student(iam: Any, actions: Sequence[str] = VERIFY_ACTIONS, name: str = STUDENT) -> Credentials:
    """An IAM user standing for the student's own credentials, allowed only `actions` (default: what `make verify`
    needs)."""
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name,
        PolicyName=STUDENT_POLICY,
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def delete_student(iam: Any, name: str = STUDENT) -> None:
    for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName=name, PolicyName=STUDENT_POLICY)
    iam.delete_user(UserName=name)


def instance_role(client: ClientFactory, instance_id: str) -> tuple[str, Credentials]:
    """(role ARN, AssumeRole credentials) of the instance's profile: what the producer runs with on EC2."""
    reservation = client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]
    profile_arn = reservation["Instances"][0]["IamInstanceProfile"]["Arn"]
    profile = client("iam").get_instance_profile(InstanceProfileName=profile_arn.split("/")[-1])
    role_arn = profile["InstanceProfile"]["Roles"][0]["Arn"]
    answer = client("sts").assume_role(RoleArn=role_arn, RoleSessionName=instance_id)["Credentials"]
    return role_arn, {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }


def probe_instance_role(client: ClientFactory, role: Credentials, *, bucket: str, stream: str) -> dict[str, str]:
    """{action: outcome} for what the instance role must not do; outcome is "refused", "allowed" or the error code."""
    attempts = {
        f"s3:ListBucket on {bucket}": lambda: client("s3", **role).list_objects_v2(Bucket=bucket),
        f"firehose:DeleteDeliveryStream on {stream}": lambda: client("firehose", **role).delete_delivery_stream(
            DeliveryStreamName=stream
        ),
        "iam:ListRoles": lambda: client("iam", **role).list_roles(),
    }
    outcomes = {}
    for action, attempt in attempts.items():
        try:
            attempt()
        except ClientError as error:
            code = error.response["Error"]["Code"]
            outcomes[action] = "refused" if code in ACCESS_DENIED else code
        else:
            outcomes[action] = "allowed"
    return outcomes
