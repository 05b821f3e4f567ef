"""End to end with moto: events land in the bucket byte for byte, newline-delimited.

moto's Firehose writes one S3 object per put call, at once (it ignores
buffering), so each object is exactly one call's records.
"""

from __future__ import annotations

import json
import threading
from collections import Counter

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from producer import cli
from producer.deadletter import DeadLetter
from producer.events import sample_events
from producer.results import STREAM_NOT_FOUND
from producer.sender import send_events
from support.producer.cli import aws_env, run_producer

REGION = "us-east-1"
BUCKET = "firehose-lab-test-bucket"


def create_stream(session_or_module, endpoint: str | None = None) -> tuple[object, object]:
    kwargs = {"region_name": REGION}
    if endpoint:
        kwargs.update(endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
    s3 = session_or_module.client("s3", **kwargs)
    s3.create_bucket(Bucket=BUCKET)
    firehose = session_or_module.client("firehose", **kwargs)
    firehose.create_delivery_stream(
        DeliveryStreamName="lab",
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose-lab",
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        },
    )
    return firehose, s3


def bucket_objects(s3) -> list[bytes]:
    bodies = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for entry in page.get("Contents", []):
            bodies.append(s3.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read())
    return bodies


def assert_tiles(objects: list[bytes], expected: bytes) -> None:
    """The objects, put back in order, are `expected` exactly: no gap, no overlap."""
    placed = sorted((expected.find(obj), obj) for obj in objects)
    position = 0
    for start, obj in placed:
        assert start == position, "an object is not the next run of input bytes"
        position += len(obj)
    assert position == len(expected)


@pytest.fixture
def moto():
    with mock_aws():
        yield create_stream(boto3)


def test_aggregated_events_land_byte_for_byte_in_order(moto):
    firehose, s3 = moto
    events = list(sample_events("moto-test", count=3000))
    events += ['{"note":"unicode ✓ and \\"quotes\\""}'.encode(), b'{"no":"newline"}']
    result = send_events(firehose, "lab", events, senders=1)
    expected = b"".join(e if e.endswith(b"\n") else e + b"\n" for e in events)
    assert result.ok and result.events_sent == len(events) == result.events_read
    assert result.bytes_sent == len(expected)
    objects = bucket_objects(s3)
    assert len(objects) == result.calls
    assert all(obj.endswith(b"\n") for obj in objects)
    assert_tiles(objects, expected)


def test_one_event_per_record_lands_the_same_bytes(moto):
    firehose, s3 = moto
    events = list(sample_events("moto-test", count=1200))
    result = send_events(firehose, "lab", events, aggregate=False, senders=2)
    assert result.ok and result.records_sent == 1200
    assert result.calls == 3  # 500 + 500 + 200
    objects = bucket_objects(s3)
    assert Counter(line for obj in objects for line in obj.splitlines(keepends=True)) == Counter(events)


def test_cli_sends_sample_events_with_the_producer_id(moto, tmp_path, capsys):
    _, s3 = moto
    stats = tmp_path / "stats.json"
    code = cli.main(
        [
            "--stream",
            "lab",
            "--region",
            REGION,
            "--count",
            "120",
            "--rate",
            "0",
            "--producer-id",
            "lab-host-7",
            "--dead-letter",
            str(tmp_path / "dead.jsonl"),
            "--stats-json",
            str(stats),
        ]
    )
    assert code == cli.EXIT_OK
    lines = [json.loads(line) for obj in bucket_objects(s3) for line in obj.splitlines()]
    assert sorted(line["seq"] for line in lines) == list(range(120))
    assert {line["producer_id"] for line in lines} == {"lab-host-7"}
    figures = json.loads(stats.read_text())
    assert figures["events_sent"] == 120 and figures["exit_code"] == 0 and figures["finished"]
    assert "sent 120 of 120 events" in capsys.readouterr().err
    assert not (tmp_path / "dead.jsonl").exists()


def test_cli_input_file_lands_byte_for_byte(moto, tmp_path):
    _, s3 = moto
    source = tmp_path / "events.jsonl"
    source.write_bytes(b'{"a":1}\n\n{"b":"x y"}\r\n   \n{"c":3}')  # blank lines, CRLF, no final newline
    code = cli.main(
        ["--stream", "lab", "--region", REGION, "--input", str(source), "--dead-letter", str(tmp_path / "dead.jsonl")]
    )
    assert code == cli.EXIT_OK
    assert b"".join(bucket_objects(s3)) == b'{"a":1}\n{"b":"x y"}\r\n{"c":3}\n'


def test_missing_stream_is_reported_at_once(moto, tmp_path):
    firehose, _ = moto
    dead = DeadLetter(tmp_path / "dead.jsonl")
    result = send_events(firehose, "no-such-stream", [b"a\n", b"b\n"], dead_letter=dead, max_retry_seconds=60)
    assert result.fatal is not None and result.fatal.kind == STREAM_NOT_FOUND
    assert result.calls == 1  # not retried
    assert (tmp_path / "dead.jsonl").read_bytes() == b"a\nb\n"


def test_python_m_producer_against_a_moto_server(tmp_path):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        firehose, s3 = create_stream(boto3, endpoint)
        done = run_producer(
            "--stream",
            "lab",
            "--count",
            "40",
            "--rate",
            "0",
            "--dead-letter",
            str(tmp_path / "dead.jsonl"),
            env=aws_env(None, AWS_ENDPOINT_URL=endpoint),
        )
        assert done.code == 0, done.stderr
        events = [json.loads(line) for obj in bucket_objects(s3) for line in obj.splitlines()]
        assert sorted(e["seq"] for e in events) == list(range(40))
    finally:
        server.stop()


def test_concurrent_senders_with_moto_lose_nothing(moto):
    firehose, s3 = moto
    stop = threading.Event()
    events = list(sample_events("moto-test", count=5000))
    result = send_events(firehose, "lab", iter(events), aggregate=False, senders=4, stop=stop)
    assert result.ok
    landed = [line for obj in bucket_objects(s3) for line in obj.splitlines(keepends=True)]
    assert Counter(landed) == Counter(events)
