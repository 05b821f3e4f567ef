"""verify: finds the lab from its outputs, and exits 0 only when every tagged event is in the bucket."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import boto3
import pytest
from moto import mock_aws

from labctl.delivered import read_object
from labctl.lab import LabNotFound, find_lab
from labctl.toolkit import ROOT
from labctl.verify import Findings, report, tagged_events, verify
from producer.firehose import make_client

REGION = "us-east-1"


def deploy_fake_lab(delivery_prefix: str, client=None, interval: int | None = None) -> None:
    """A stack with the lab's outputs, and a stream delivering to `delivery_prefix` of its bucket (after
    `interval` seconds where Firehose buffers: the rehearsal's emulator)."""
    client = client or (lambda service: boto3.client(service, region_name=REGION))
    s3 = client("s3")
    s3.create_bucket(Bucket="lab-bucket")
    hints = {} if interval is None else {"BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": interval}}
    client("firehose").create_delivery_stream(
        DeliveryStreamName="lab-stream",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::lab-bucket",
            "Prefix": delivery_prefix,
            **hints,
        },
    )
    outputs = {"BucketName": "lab-bucket", "DeliveryStreamName": "lab-stream", "DataPrefix": "s3://lab-bucket/data/"}
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    client("cloudformation").create_stack(StackName="FirehoseLab", TemplateBody=json.dumps(template))


@pytest.fixture
def aws(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
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
    assert [row["seq"] for row in read_object(sink.getvalue()).rows] == [0, 1, 2]


def test_reading_a_parquet_object_starts_no_thread(tmp_path):
    """pyarrow's threads can abort the interpreter at exit ("terminate called without an active exception", exit
    134; apache/arrow#34314): `make watch` died so in a third of its runs, and `read_table(use_threads=False)` still
    starts Arrow's IO pool, which aborted a command 1 run in 40 on a busy machine. Reading starts no thread at all, so
    none is left at exit; counted in a fresh interpreter once pyarrow is imported, where nothing else has
    started Arrow's pools."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet_object = tmp_path / "object.parquet"
    pq.write_table(pa.Table.from_pylist([json.loads(line) for line in tagged_events("run", 3)]), parquet_object)
    script = (
        "import os, sys, pyarrow.parquet\n"
        "from labctl.delivered import read_object\n"
        "threads = lambda: len(os.listdir('/proc/self/task'))\n"
        "before = threads()\n"
        "assert len(read_object(open(sys.argv[1], 'rb').read()).rows) == 3\n"
        "print(threads() - before)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(parquet_object)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["0"], "threads started by reading one Parquet object"


# --- hardening: what a student may find in the bucket or type on the command line ----------------------------------


def labctl_verify(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "labctl", "verify", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_lines_that_are_not_json_events_are_skipped_and_counted(tmp_path):
    """Something else wrote to the stream (a student's `aws firehose put-record`, say): its lines share the
    object with verify's events, which must all still be found."""
    from rehearsal.emulator import Emulator

    with Emulator(clock_scale=0.05) as emulator:  # the 60 s interval passes in 3 s: one object holds both
        deploy_fake_lab("data/", client=emulator.client, interval=60)
        emulator.client("firehose").put_record_batch(
            DeliveryStreamName="lab-stream",
            Records=[{"Data": b"hello from the CLI\n"}, {"Data": b"[1, 2, 3]\n"}, {"Data": b'{"unfinished": \n'}],
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=emulator.endpoint_url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION=REGION,
        )
        run = labctl_verify("--count", "40", "--timeout", "30", "--poll-seconds", "0.2", env=env)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "sent 40, found 40, lost 0, duplicated 0" in run.stderr
    assert "skipped 3 lines that are not JSON events (something else wrote them to the stream)" in run.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-5", "0", "soon"])
def test_a_timeout_that_is_not_a_positive_finite_number_is_refused(value):
    run = labctl_verify(f"--timeout={value}", env=dict(os.environ))
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"python -m labctl verify: error: argument --timeout: must be a positive number of seconds, got {value!r} "
        "(see --help)"
    ]
