"""Generated names fit the service's limit and keep CloudFormation's random suffix (the logical id is shortened)."""

import re

import pytest

from rehearsal.emulator import ACCOUNT_ID, Emulator
from rehearsal.emulator.cloudformation import shortened_name
from support.emulator.stacks import create

STACK = "aws-cdk-firehose-s3-all-properties"
LONG_ID = "FirehoseDeliveryStreamS3AllPropertiesBackupBucketFirehoseDeliveryStream0A1B2C3D"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/firehose"


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def test_a_long_logical_id_gives_a_valid_bucket_name(emu):
    stack = create(emu.client("cloudformation"), STACK, {"Resources": {LONG_ID: {"Type": "AWS::S3::Bucket"}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    [bucket] = [b["Name"] for b in emu.client("s3").list_buckets()["Buckets"]]
    assert len(bucket) <= 63
    assert re.fullmatch(rf"{STACK}-{LONG_ID[:4].lower()}[a-z0-9]*-[a-z0-9]{{12}}", bucket), bucket


def test_long_stream_names_keep_their_suffix_and_do_not_collide(emu):
    def stream(logical_id):
        return {
            "Type": "AWS::KinesisFirehose::DeliveryStream",
            "Properties": {
                "DeliveryStreamType": "DirectPut",
                "ExtendedS3DestinationConfiguration": {"BucketARN": "arn:aws:s3:::some-bucket", "RoleARN": ROLE},
            },
        }

    template = {"Resources": {f"{LONG_ID}One": stream("one"), f"{LONG_ID}Two": stream("two")}}
    stack = create(emu.client("cloudformation"), "long-streams", template)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    names = emu.client("firehose").list_delivery_streams()["DeliveryStreamNames"]
    assert len(set(names)) == 2
    for name in names:
        assert len(name) <= 64
        assert re.fullmatch(r"long-streams-FirehoseDelivery\w*-[0-9A-Z]{12}", name), name


@pytest.mark.parametrize(
    "stack,logical_id", [("s", "b"), ("Lab", "x" * 80), ("s" * 80, "Bucket"), ("s" * 80, "b" * 80)]
)
def test_shortened_name_fits_and_keeps_the_suffix(stack, logical_id):
    name = shortened_name(stack, logical_id, "SUFFIX123456", 63)
    assert len(name) <= 63 and name.endswith("-SUFFIX123456")
    if len(stack) + len(logical_id) + 14 <= 63:
        assert name == f"{stack}-{logical_id}-SUFFIX123456"
    if len(stack) < 40:
        assert name.startswith(f"{stack}-")  # the logical id gives way first
