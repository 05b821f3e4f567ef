"""`make watch`: each object as it lands and why Firehose flushed it, the size hint or the interval.

The flush reasons are worked out from an object's size (before compression) and its spacing against the stream's
BufferingHints; the command is driven here without a terminal (and once with one) against the emulator's
Firehose, on a buffer clock twenty times faster than real time.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest

from labctl.buffering import EARLY, INTERVAL, MIB, SIZE, BufferingHints, classify, flush_reason, read_delivery, why
from labctl.lab import CLOCK_SCALE_ENV
from labctl.toolkit import ROOT
from rehearsal.emulator import ACCOUNT_ID, Emulator

HINTS = BufferingHints(size_bytes=MIB, interval_seconds=60.0)


@pytest.mark.parametrize(
    "data_bytes, waited, reason",
    [
        (MIB, 2.0, SIZE),  # full: the size hint, however soon
        (3 * MIB, 60.0, SIZE),
        (int(0.95 * MIB), 20.0, SIZE),  # nearly full well before the interval: records are whole, it was the size
        (140_000, 60.0, INTERVAL),  # small after the interval
        (140_000, 50.0, INTERVAL),  # a little early: S3's LastModified has one-second precision
        (140_000, None, INTERVAL),  # the first object: small, so only the interval can have flushed it
        (140_000, 10.0, EARLY),  # small and early: neither hint (a parallel buffer, or a stop)
    ],
)
def test_the_flush_reason_is_the_hint_that_explains_the_object(data_bytes, waited, reason):
    assert flush_reason(data_bytes, waited, HINTS) == reason


def test_a_scaled_clock_scales_the_interval_not_the_size():
    description = {
        "Destinations": [
            {"ExtendedS3DestinationDescription": {"BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300}}}
        ]
    }
    hints = BufferingHints.of_stream(description, clock_scale=0.1)
    assert (hints.size_bytes, hints.interval_seconds) == (5 * MIB, 30.0)
    assert flush_reason(1000, 30.0, hints) == INTERVAL


def event(seq: int, at: float, ticker: str = "AAPL") -> bytes:
    stamp = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"event_time": stamp, "seq": seq, "ticker": ticker, "pad": "x" * 200}).encode() + b"\n"


def test_the_size_hint_counts_the_data_before_compression():
    """AWS applies the hints before compression: a gzip'd object of the hint's worth of events is a size flush."""
    body = b"".join(event(seq, 1_000_000 + seq / 1000) for seq in range(5000))
    packed = read_delivery("k.gz", 1_000_010.0, gzip.compress(body))
    assert packed.stored_bytes < MIB <= packed.data_bytes
    assert classify(packed, 1_000_008.0, HINTS).reason == SIZE


def test_a_parquet_object_is_sized_as_the_json_firehose_buffered_before_converting_it():
    """The hints count the records Firehose received (JSON lines), not the Parquet it wrote: an object converted
    from a full buffer is a size flush though its file is far smaller than the hint."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from producer.events import sample_events

    lines = list(sample_events("lab", count=6000))  # the lab's own events, ~1.2 MiB of JSON lines
    rows = [json.loads(line) for line in lines]
    for row in rows:
        row["event_time"] = datetime.fromisoformat(row["event_time"].replace("Z", "+00:00"))
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink, compression="snappy")
    converted = read_delivery("k.parquet", 1_000_010.0, sink.getvalue())
    assert converted.stored_bytes < MIB
    assert converted.data_bytes == pytest.approx(sum(map(len, lines)), rel=0.02)
    assert converted.data_bytes_estimated and "as JSON" in why(converted, HINTS)
    assert classify(converted, 1_000_008.0, HINTS).reason == SIZE


def test_an_object_of_unknown_size_that_came_early_is_not_called_a_size_flush():
    assert flush_reason(None, 10.0, HINTS) == EARLY


def test_lines_that_are_not_events_are_counted_not_fatal():
    body = event(0, 1_000_000.0) + b"lab-broken-record" + event(1, 1_000_000.5) + event(2, 1_000_001.0)
    delivery = read_delivery("k", 1_000_060.0, body)
    assert (delivery.events, delivery.foreign_lines) == (2, 1)


def test_the_rate_is_what_the_buffer_received_over_the_time_it_was_open():
    """A packed record brings its events at once: the rate is the object's events over its buffer's time, not the
    spread of the events' own timestamps."""
    packed = b"".join(event(seq, 1_000_000.0 + seq / 1000) for seq in range(600))  # made within 0.6 s
    delivery = classify(read_delivery("k", 1_000_060.0, packed), 1_000_000.0, HINTS)  # the buffer was open 60 s
    assert delivery.arrival_rate == pytest.approx(10.0)


# --- against the emulator -----------------------------------------------------------------------------------------

CLOCK_SCALE = 0.05  # the stream's 60 s interval passes in 3 s
LAB = "WatchLab"
PARTITIONED_LAB = "WatchPartitionedLab"


def template(size_mb: int = 1, **destination) -> str:
    """A lab's bucket and stream (its outputs as the lab names them), delivering under data/."""
    return json.dumps(
        {
            "Resources": {
                "Bucket": {"Type": "AWS::S3::Bucket"},
                "Stream": {
                    "Type": "AWS::KinesisFirehose::DeliveryStream",
                    "Properties": {
                        "DeliveryStreamType": "DirectPut",
                        "ExtendedS3DestinationConfiguration": {
                            "BucketARN": {"Fn::GetAtt": ["Bucket", "Arn"]},
                            "RoleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/firehose",
                            "Prefix": "data/",
                            "BufferingHints": {"SizeInMBs": size_mb, "IntervalInSeconds": 60},
                            **destination,
                        },
                    },
                },
            },
            "Outputs": {
                "BucketName": {"Value": {"Ref": "Bucket"}},
                "DeliveryStreamName": {"Value": {"Ref": "Stream"}},
                "DataPrefix": {"Value": {"Fn::Sub": "s3://${Bucket}/data/"}},
            },
        }
    )


# One buffer per ticker: the second lab of the guide (partitionBy=ticker); 64 MiB is the least it allows.
PARTITIONED = dict(
    size_mb=64,
    Prefix="data/ticker=!{partitionKeyFromQuery:ticker}/",
    ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
    DynamicPartitioningConfiguration={"Enabled": True},
    ProcessingConfiguration={
        "Enabled": True,
        "Processors": [
            {
                "Type": "MetadataExtraction",
                "Parameters": [
                    {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{ticker: .ticker}"},
                    {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
                ],
            }
        ],
    },
)


class Producer:
    """A trickle of events into the stream from a thread (10 a second, taking turns at `tickers`), and bursts on
    demand."""

    def __init__(self, firehose, stream: str, tickers: tuple[str, ...] = ("AAPL",)) -> None:
        self.firehose, self.stream, self.tickers = firehose, stream, tickers
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seq = 0
        while not self._stop.is_set():
            data = event(seq, time.time(), self.tickers[seq % len(self.tickers)])
            self.firehose.put_record(DeliveryStreamName=self.stream, Record={"Data": data})
            seq += 1
            self._stop.wait(0.1)

    def burst(self, events: int) -> None:
        """`events` at once, packed into records of ~400 KiB as the lab's producer packs them: a rate no interval
        can keep up with, however loaded the machine."""
        now = time.time()
        lines = [event(seq, now + seq / 100_000) for seq in range(events)]
        records = [{"Data": b"".join(lines[i : i + 1800])} for i in range(0, events, 1800)]
        self.firehose.put_record_batch(DeliveryStreamName=self.stream, Records=records)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture(scope="module")
def emulator():
    with Emulator(clock_scale=CLOCK_SCALE) as running:
        yield running


def deploy(emulator, tmp_path_factory, name: str, body: str, tickers: tuple[str, ...] = ("AAPL",)):
    """The lab `name` deployed, a Producer into its stream, and the environment that points labctl at it."""
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=body)
    outputs = {
        o["OutputKey"]: o["OutputValue"] for o in cloudformation.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]
    }
    producer = Producer(emulator.client("firehose"), outputs["DeliveryStreamName"], tickers)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(emulator.cli_env(tmp_path_factory.mktemp("cdk-home")), **{CLOCK_SCALE_ENV: str(CLOCK_SCALE)})
    return producer, env


@pytest.fixture(scope="module")
def lab(emulator, tmp_path_factory):
    producer, env = deploy(emulator, tmp_path_factory, LAB, template())
    try:
        yield producer, env
    finally:
        producer.stop()


def watch(env, *args, lab_name: str = LAB, **popen):
    return subprocess.Popen(
        [sys.executable, "-m", "labctl", "watch", "-c", f"labName={lab_name}", "--poll-seconds", "0.2", *args],
        cwd=ROOT,
        env=env,
        text=True,
        **popen,
    )


def new_objects(output: str) -> list[tuple[float, str]]:
    """(size in KiB, flush reason) of each `new ...` line."""
    found = []
    for text in output.splitlines():
        match = re.match(r"new \S+\s+([\d.]+) (B|KiB|MiB)\s.*flush: (size hint|interval|early) ", text)
        if match:
            size = float(match.group(1)) * {"B": 1 / 1024, "KiB": 1, "MiB": 1024}[match.group(2)]
            found.append((size, match.group(3)))
    return found


def test_a_trickle_is_flushed_by_the_interval_then_a_faster_rate_by_the_size_hint(lab):
    producer, env = lab
    trickle = watch(env, "--objects", "2", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = trickle.communicate(timeout=60)
    assert trickle.returncode == 0, err
    assert [reason for _, reason in new_objects(out)] == [INTERVAL, INTERVAL], out
    assert "flushed by the interval: 2 objects" in out and "flushed by the size hint" not in out
    assert "the interval is 3.0 s here" in out  # the scaled clock is taken into account

    fast = watch(env, "--objects", "4", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for line in fast.stdout:  # the bursts come once it has seen what is already there
        if "waiting for new objects" in line:
            break
    for _ in range(3):
        producer.burst(5000)  # ~1.2 MiB in one call: the buffer is full at once
    out, err = fast.communicate(timeout=60)
    assert fast.returncode == 0, err
    sized = [size for size, reason in new_objects(out) if reason == SIZE]
    assert sized and all(size >= 1024 for size in sized), out
    assert "flushed by the size hint:" in out


def test_with_a_buffer_per_partition_each_object_is_timed_against_its_own_partition(emulator, tmp_path_factory):
    """With dynamic partitioning Firehose keeps one buffer per partition and delivers each on its own hints
    (Amazon Data Firehose developer guide, *Buffer data for dynamic partitioning*): three tickers' objects land
    together every interval, and none of them came early."""
    producer, env = deploy(
        emulator, tmp_path_factory, PARTITIONED_LAB, template(**PARTITIONED), tickers=("AAPL", "AMZN", "MSFT")
    )
    try:
        process = watch(env, "--objects", "6", lab_name=PARTITIONED_LAB, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = process.communicate(timeout=60)
    finally:
        producer.stop()
    assert process.returncode == 0, err
    assert [reason for _, reason in new_objects(out)] == [INTERVAL] * 6, out
    assert "one buffer per partition" in out
    # About 10 events/s in all, a third of them into each ticker's buffer: the summary adds the buffers up.
    arriving = re.search(r"arriving +([\d.]+) events/s into the stream \(all buffers added up\)", out)
    assert arriving and 5 <= float(arriving.group(1)) <= 12, out


def test_ctrl_c_ends_with_a_summary_and_no_traceback(lab):
    _, env = lab
    process = watch(env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for line in process.stdout:
        if "waiting for new objects" in line:
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert re.search(r"^watched [\d.]+ s: ", out, re.MULTILINE), out
    assert "arriving" in out and "Traceback" not in err


def test_on_a_terminal_the_view_is_redrawn_in_place_and_ends_with_the_summary(lab):
    _, env = lab
    controller, terminal = pty.openpty()
    process = watch(
        {**env, "COLUMNS": "160", "TERM": "xterm"}, "--objects", "1", stdin=terminal, stdout=terminal, stderr=terminal
    )
    os.close(terminal)
    screen = b""
    while process.poll() is None or select.select([controller], [], [], 0.1)[0]:
        if select.select([controller], [], [], 0.2)[0]:
            try:
                screen += os.read(controller, 65536)
            except OSError:
                break
    os.close(controller)
    process.wait(timeout=30)
    text = screen.decode(errors="replace")
    assert process.returncode == 0, text
    assert "\x1b[" in text  # cursor movement: the table is redrawn, not scrolled
    assert all(column in text for column in ("landed", "events", "flush", "why"))  # the table's columns
    assert "flushed by the interval: 1 object" in text  # the summary after the live view
    # What stays on the screen once the live view is gone: the header (the buffering hints) and the summary.
    last_screen = text[text.rfind("\x1b[") :]
    assert "buffering hints:" in last_screen and "flushed by the interval: 1 object" in last_screen, last_screen


def test_no_such_lab_is_one_line_and_exit_2(lab):
    _, env = lab
    run = subprocess.run(
        [sys.executable, "-m", "labctl", "watch", "-c", "labName=NoSuchLab"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [run.stderr.strip()]
    assert "no deployed lab named 'NoSuchLab'" in run.stderr


@pytest.mark.parametrize("args, scale", [(["--objects", "-1"], "0.1"), ([], "10"), ([], "fast")])
def test_bad_arguments_are_one_line_and_exit_2(args, scale):
    env = {**os.environ, CLOCK_SCALE_ENV: scale}
    run = subprocess.run(
        [sys.executable, "-m", "labctl", "watch", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [run.stderr.strip()]
    assert "--objects must be 0 or more" in run.stderr
