"""verify: finds the lab from its outputs, and exits 0 only when every tagged event is in the bucket."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from moto import mock_aws

from producer.firehose import make_client
from labctl.delivered import rows_of
from labctl.lab import LabNotFound, find_lab
from labctl.verify import Findings, report, tagged_events, verify

REGION = "us-east-1"


def deploy_fake_lab(delivery_prefix: str) -> None:
    """A stack with the lab's outputs, and a stream delivering to `delivery_prefix` of its bucket."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="lab-bucket")
    boto3.client("firehose", region_name=REGION).create_delivery_stream(
        DeliveryStreamName="lab-stream",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::lab-bucket",
            "Prefix": delivery_prefix,
        },
    )
    outputs = {"BucketName": "lab-bucket", "DeliveryStreamName": "lab-stream", "DataPrefix": "s3://lab-bucket/data/"}
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="FirehoseLab", TemplateBody=json.dumps(template)
    )


@pytest.fixture
def aws(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield


def run_verify(count: int, timeout: float = 2.0):
    out = io.StringIO()
    code = verify(
        cloudformation=boto3.client("cloudformation", region_name=REGION),
        s3=boto3.client("s3", region_name=REGION),
        firehose=make_client(region=REGION),
        stack_name="FirehoseLab",
        count=count,
        timeout=timeout,
        poll_seconds=0.1,
        out=out,
    )
    return code, out.getvalue()


def test_every_event_found_exits_0(aws):
    deploy_fake_lab("data/")
    code, text = run_verify(300)
    assert code == 0, text
    assert "sent 300, found 300, lost 0, duplicated 0" in text
    assert "delivery latency: p50" in text


def test_events_that_never_arrive_are_reported_lost_and_exit_1(aws):
    deploy_fake_lab("elsewhere/")
    code, text = run_verify(50, timeout=0.5)
    assert code == 1
    assert "sent 50, found 0, lost 50" in text


def test_a_missing_lab_is_one_clear_error(aws):
    with pytest.raises(LabNotFound, match="no deployed lab named 'FirehoseLab'"):
        find_lab(boto3.client("cloudformation", region_name=REGION), "FirehoseLab")


def test_duplicates_are_counted_but_are_not_losses():
    findings = Findings("run")
    findings.arrivals.update({0: 1, 1: 2, 2: 1})
    findings.latencies.extend([1.0, 2.0, 2.5, 60.0])
    lines, lost = report(3, findings)
    assert lost == 0
    assert lines[0].startswith("verify run: sent 3, found 3, lost 0, duplicated 1")
    assert "max 60.0s" in lines[1]
    assert len(lines) == 2 + 8  # one histogram line per bin


def test_verify_events_have_exactly_the_lab_tables_columns():
    """So they convert to Parquet by the lab's Glue table like the producer's own events."""
    from producer.schema import EVENT_FIELDS

    event = json.loads(next(tagged_events("run", 1)))
    assert list(event) == [name for name, _ in EVENT_FIELDS]


def test_parquet_objects_are_read_too(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in tagged_events("run", 3)]
    table = pa.Table.from_pylist(rows)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    assert [row["seq"] for row in rows_of(sink.getvalue())] == [0, 1, 2]
