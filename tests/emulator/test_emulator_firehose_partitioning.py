"""Dynamic partitioning with inline parsing: JQ keys → one object per partition; what cannot be partitioned goes to
the error prefix (never dropped while the client was told it succeeded)."""

import base64
import re

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import Emulator
from support.emulator.firehose import error_documents, make_stream, objects, processors, put, wait_for

# 60 s of buffer time pass in 0.6 s.
CLOCK_SCALE = 0.01
PREFIX = "data/ticker=!{partitionKeyFromQuery:ticker}/year=!{timestamp:yyyy}/"
PARTITIONED = dict(
    size_mb=64,
    interval_s=60,
    Prefix=PREFIX,
    ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
    DynamicPartitioningConfiguration={"Enabled": True},
    ProcessingConfiguration=processors(
        ("RecordDeAggregation", {"SubRecordType": "JSON"}),
        ("MetadataExtraction", {"MetadataExtractionQuery": "{ticker: .ticker}", "JsonParsingEngine": "JQ-1.6"}),
        ("AppendDelimiterToRecord", {}),
    ),
)


@pytest.fixture(scope="module")
def emu():
    with Emulator(clock_scale=CLOCK_SCALE) as emulator:
        yield emulator


def test_records_land_under_their_partition_and_failures_under_the_error_prefix(emu):
    make_stream(emu, "by-ticker", **PARTITIONED)
    packed = b'{"ticker":"AAPL","n":1}\n{"ticker":"MSFT","n":2}{"ticker":"AAPL","n":3}\n'
    answer = put(emu, "by-ticker", packed, b'{"n":4}\n', b"not json\n")
    assert answer["FailedPutCount"] == 0

    landed = wait_for(emu, "by-ticker-bucket", count=3)

    by_prefix = {re.sub(r"by-ticker-1-.*$", "", key): body for key, body in landed.items()}
    year = next(k for k in by_prefix if k.startswith("data/ticker=AAPL/")).split("year=")[1][:4]
    assert by_prefix[f"data/ticker=AAPL/year={year}/"] == b'{"ticker":"AAPL","n":1}\n{"ticker":"AAPL","n":3}\n'
    assert by_prefix[f"data/ticker=MSFT/year={year}/"] == b'{"ticker":"MSFT","n":2}\n'
    [failed] = [body for key, body in by_prefix.items() if key.startswith("errors/partitioning-failed/")]
    documents = error_documents(failed)
    assert {base64.b64decode(d["rawData"]): d["errorCode"] for d in documents} == {
        b'{"n":4}': "DynamicPartitioning.MetadataExtractionFailed",
        b"not json\n": "DynamicPartitioning.DeAggregationFailed",
    }


def test_each_partition_flushes_on_its_own(emu):
    make_stream(emu, "per-partition", **PARTITIONED)
    put(emu, "per-partition", b'{"ticker":"NVDA"}')
    put(emu, "per-partition", b'{"ticker":"TSLA"}')
    landed = wait_for(emu, "per-partition-bucket", count=2)
    assert sorted(key.split("/")[1] for key in landed) == ["ticker=NVDA", "ticker=TSLA"]
    assert all(len(body.splitlines()) == 1 for body in landed.values())


@pytest.mark.parametrize(
    "change,named",
    [
        (dict(size_mb=1), "SizeInMBs: must be at least 64"),
        (dict(interval_s=30), "IntervalInSeconds: must be at least 60"),
        (dict(Prefix="data/!{partitionKeyFromLambda:ticker}/"), "partitionKeyFromLambda"),
        (dict(ErrorOutputPrefix=None), "ErrorOutputPrefix: can't be null"),
        (dict(ProcessingConfiguration=processors(("AppendDelimiterToRecord", {}))), "MetadataExtraction processor"),
        (dict(DynamicPartitioningConfiguration={"Enabled": False}), "needs DynamicPartitioningConfiguration Enabled"),
    ],
)
def test_a_stream_the_emulator_cannot_partition_as_aws_does_is_refused(emu, change, named):
    settings = {**PARTITIONED, **change}
    settings = {k: v for k, v in settings.items() if v is not None}
    with pytest.raises(ClientError, match="InvalidArgumentException") as refused:
        make_stream(emu, "refused", **settings)
    assert named in str(refused.value)
    assert "refused" not in emu.client("firehose").list_delivery_streams()["DeliveryStreamNames"]
    assert objects(emu, "refused-bucket") == {}
