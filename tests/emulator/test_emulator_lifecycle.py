"""Emulator: a free port on 127.0.0.1, a reset start, Firehose flushed on stop, the port freed."""

import socket
from pathlib import Path

import boto3
from moto import mock_aws
from moto.s3.models import s3_backends

from rehearsal.emulator import ACCOUNT_ID, Emulator

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/firehose"


def test_serves_on_a_free_loopback_port_and_frees_it_on_stop():
    with Emulator() as emu:
        assert emu.endpoint_url == f"http://127.0.0.1:{emu.port}"
        assert emu.port > 0
        emu.client("s3").create_bucket(Bucket="lifecycle-bucket")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", emu.port))


def test_start_resets_previous_state():
    with Emulator() as emu:
        emu.client("s3").create_bucket(Bucket="left-from-before")
    with Emulator() as emu:
        assert emu.client("s3").list_buckets()["Buckets"] == []


def test_stop_delivers_what_is_still_buffered():
    with Emulator() as emu:
        emu.client("s3").create_bucket(Bucket="flush-on-stop")
        firehose = emu.client("firehose")
        firehose.create_delivery_stream(
            DeliveryStreamName="slow",
            ExtendedS3DestinationConfiguration={
                "RoleARN": ROLE,
                "BucketARN": "arn:aws:s3:::flush-on-stop",
                "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 900},
            },
        )
        firehose.put_record(DeliveryStreamName="slow", Record={"Data": b"last words"})
        assert "Contents" not in emu.client("s3").list_objects_v2(Bucket="flush-on-stop")
    # The server is gone: read moto's S3 backend in process.
    keys = s3_backends[ACCOUNT_ID]["aws"].buckets["flush-on-stop"].keys
    assert [key.value for key in keys.values()] == [b"last words"]


def test_cli_env_points_every_client_at_the_emulator(tmp_path: Path):
    with Emulator() as emu:
        env = emu.cli_env(tmp_path)
    assert env["AWS_ENDPOINT_URL"] == emu.endpoint_url
    assert env["AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION"] == f"http://localhost:{emu.port}"
    assert env["CDK_HOME"] == str(tmp_path)
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"} <= env.keys()


def test_firehose_is_moto_s_own_again_once_no_emulator_runs():
    """Patches stay installed process-wide; later mock_aws tests must still see immediate delivery."""
    Emulator().start().stop()
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="plain-moto")
        firehose = boto3.client("firehose", region_name="us-east-1")
        firehose.create_delivery_stream(
            DeliveryStreamName="plain",
            ExtendedS3DestinationConfiguration={
                "RoleARN": ROLE,
                "BucketARN": "arn:aws:s3:::plain-moto",
                "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 900},
            },
        )
        firehose.put_record(DeliveryStreamName="plain", Record={"Data": b"now"})
        listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="plain-moto")
        assert listed["KeyCount"] == 1
