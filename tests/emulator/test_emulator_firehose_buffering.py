"""Firehose S3 delivery honours BufferingHints, Firehose's key layout, prefixes and GZIP."""

import gzip
import re
import time
from datetime import UTC, datetime

import pytest

from rehearsal.emulator import Emulator
from rehearsal.emulator.firehose import render_prefix
from support.emulator.firehose import make_stream, put

KIB = 1024
# 60 s of buffer time pass in 3 s of real time.
CLOCK_SCALE = 0.05


@pytest.fixture(scope="module")
def emu():
    with Emulator(clock_scale=CLOCK_SCALE) as emulator:
        yield emulator


def objects(emu, name):
    """{key: body} as stored (gzip'd bodies too: the GZIP test reads them so)."""
    s3 = emu.client("s3")
    listed = s3.list_objects_v2(Bucket=f"{name}-bucket").get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=f"{name}-bucket", Key=o["Key"])["Body"].read() for o in listed}


def wait_for_objects(emu, name, timeout_s=60):
    """Poll the bucket; the deadline only bounds a hung test, nothing is asserted about it."""
    deadline = time.monotonic() + timeout_s
    while not (found := objects(emu, name)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_size_hint_delivers_once_the_buffer_is_full(emu):
    make_stream(emu, "by-size", size_mb=1, interval_s=900)
    first, second = b"a" * (600 * KIB), b"b" * (500 * KIB)
    put(emu, "by-size", first)
    assert objects(emu, "by-size") == {}
    put(emu, "by-size", second)
    assert list(objects(emu, "by-size").values()) == [first + second]


def test_one_large_batch_fills_one_buffer_after_another(emu):
    """The size hint is checked record by record, as the buffer grows: a 3 MiB PutRecordBatch into a 1 MiB buffer
    makes objects of 1 MiB and a little more (whole records), and the rest waits, not one 3 MiB object."""
    make_stream(emu, "by-record", size_mb=1, interval_s=900)
    records = [bytes([ord("a") + n]) * (600 * KIB) for n in range(5)]
    put(emu, "by-record", *records)
    delivered = sorted(objects(emu, "by-record").values())
    assert [(body[:1], len(body)) for body in delivered] == [(b"a", 1200 * KIB), (b"c", 1200 * KIB)]
    assert delivered == [records[0] + records[1], records[2] + records[3]]


def test_interval_hint_delivers_after_the_scaled_interval(emu):
    make_stream(emu, "by-time", size_mb=128, interval_s=60)
    put(emu, "by-time", b'{"n":1}\n', b'{"n":2}\n')
    put(emu, "by-time", b'{"n":3}\n')
    assert objects(emu, "by-time") == {}
    assert list(wait_for_objects(emu, "by-time").values()) == [b'{"n":1}\n{"n":2}\n{"n":3}\n']


def test_zero_interval_delivers_every_put_at_once(emu):
    make_stream(emu, "no-wait", interval_s=0)
    put(emu, "no-wait", b"one")
    put(emu, "no-wait", b"two", b"three")
    assert sorted(objects(emu, "no-wait").values()) == [b"one", b"twothree"]


def test_default_prefix_and_object_name(emu):
    make_stream(emu, "plain", interval_s=0)
    before = datetime.now(UTC)
    put(emu, "plain", b"x")
    after = datetime.now(UTC)
    [key] = objects(emu, "plain")
    match = re.fullmatch(
        r"(\d{4})/(\d{2})/(\d{2})/(\d{2})/plain-1-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-"
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        key,
    )
    assert match, key
    assert match.group(1, 2, 3, 4) == match.group(5, 6, 7, 8)
    stamp = datetime(*map(int, match.group(5, 6, 7, 8, 9, 10)), tzinfo=UTC)
    assert before.replace(microsecond=0) <= stamp <= after


def test_prefix_expressions_and_gzip(emu):
    make_stream(
        emu,
        "zipped",
        interval_s=0,
        CompressionFormat="GZIP",
        Prefix="data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/!{firehose:random-string}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
    )
    put(emu, "zipped", b'{"a":1}\n', b'{"b":2}\n')
    [(key, body)] = objects(emu, "zipped").items()
    assert re.fullmatch(r"data/year=\d{4}/month=\d{2}/[a-z0-9]{11}/zipped-1-[-0-9a-f]+\.gz", key), key
    assert gzip.decompress(body) == b'{"a":1}\n{"b":2}\n'


def test_render_prefix_namespaces():
    arrival = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert render_prefix("", arrival) == "2026/03/04/05/"
    assert render_prefix("app/", arrival) == "app/2026/03/04/05/"
    assert render_prefix("d/!{timestamp:yyyy-MM-dd HH:mm:ss}/", arrival) == "d/2026-03-04 05:06:07/"
    assert (
        render_prefix(
            "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/",
            arrival,
            error_output_type="format-conversion-failed",
        )
        == "errors/format-conversion-failed/2026/"
    )
    with pytest.raises(ValueError, match="partitionKeyFromQuery"):
        render_prefix("!{partitionKeyFromQuery:id}/", arrival)
