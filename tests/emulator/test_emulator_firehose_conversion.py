"""The emulator's Firehose converts JSON to Parquet by the Glue table, and sends what does not fit to the error
prefix."""

import base64
import io
import json
import re
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError

from producer.events import sample_events
from producer.schema import EVENT_FIELDS
from rehearsal.emulator import ACCOUNT_ID, Emulator
from rehearsal.emulator.firehose import timestamp

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/firehose"
DATABASE = "conversion"
# Glue type -> the type the Parquet column reads back with (timestamps are INT96, as Hive writes them).
READ_BACK = {
    "string": pa.string(),
    "bigint": pa.int64(),
    "int": pa.int32(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("ns"),
}


@pytest.fixture(scope="module")
def emu():
    with Emulator(clock_scale=0.05) as emulator:
        glue = emulator.client("glue")
        glue.create_database(DatabaseInput={"Name": DATABASE})
        glue.create_table(
            DatabaseName=DATABASE,
            TableInput={
                "Name": "events",
                "StorageDescriptor": {"Columns": [{"Name": n, "Type": t} for n, t in EVENT_FIELDS]},
                "PartitionKeys": [{"Name": "year", "Type": "int"}],
            },
        )
        yield emulator


def conversion(serializer=None, deserializer=None, table="events"):
    return {
        "Enabled": True,
        "InputFormatConfiguration": {"Deserializer": deserializer or {"OpenXJsonSerDe": {}}},
        "OutputFormatConfiguration": {"Serializer": serializer or {"ParquetSerDe": {"Compression": "SNAPPY"}}},
        "SchemaConfiguration": {"DatabaseName": DATABASE, "TableName": table, "RoleARN": ROLE, "VersionId": "LATEST"},
    }


def make_stream(emu, name, **overrides):
    emu.client("s3").create_bucket(Bucket=name)
    destination = {
        "RoleARN": ROLE,
        "BucketARN": f"arn:aws:s3:::{name}",
        "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
        "Prefix": "data/",
        "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
        "DataFormatConversionConfiguration": conversion(),
        **overrides,
    }
    emu.client("firehose").create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination
    )


def deliver(emu, name, *records):
    emu.client("firehose").put_record_batch(DeliveryStreamName=name, Records=[{"Data": r} for r in records])
    emu.flush_firehose()
    s3 = emu.client("s3")
    listed = s3.list_objects_v2(Bucket=name).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=name, Key=o["Key"])["Body"].read() for o in listed}


def only(objects, prefix):
    found = {key: body for key, body in objects.items() if key.startswith(prefix)}
    assert len(found) == 1, list(objects)
    return next(iter(found.items()))


def event(**changes):
    base = json.loads(next(iter(sample_events("host", count=1))))
    return json.dumps({**base, **changes}).encode() + b"\n"


def test_valid_records_land_as_one_snappy_parquet_object_of_the_tables_types(emu):
    events = list(sample_events("host", count=30))
    packed = b"".join(events[:10])  # the producer packs newline-terminated events
    concatenated = b"".join(e.rstrip(b"\n") for e in events[10:20])  # {"a":1}{"a":2}, AWS's own example
    make_stream(emu, "conv-valid")
    objects = deliver(emu, "conv-valid", packed, concatenated, *events[20:])
    key, body = only(objects, "data/")
    assert re.fullmatch(r"data/\d{4}/\d{2}/\d{2}/\d{2}/conv-valid-1-[-0-9]+-[0-9a-f-]{36}\.parquet", key), key
    assert not [k for k in objects if k.startswith("errors/")]
    table = pq.read_table(io.BytesIO(body), use_threads=False)
    assert table.schema == pa.schema([pa.field(n, READ_BACK[t]) for n, t in EVENT_FIELDS])
    assert pq.ParquetFile(io.BytesIO(body)).metadata.row_group(0).column(0).compression == "SNAPPY"
    sent = [json.loads(e) for e in events]
    rows = table.to_pylist()
    assert [r["seq"] for r in rows] == [s["seq"] for s in sent]
    assert [r["price"] for r in rows] == [s["price"] for s in sent]
    first = datetime.fromisoformat(sent[0]["event_time"].replace("Z", "+00:00")).replace(tzinfo=None)
    assert rows[0]["event_time"] == first


def test_a_mistyped_record_goes_to_the_error_prefix_with_its_message_and_the_rest_converts(emu):
    good, bad = event(seq=1), event(seq=2, price="not-a-number")
    make_stream(emu, "conv-mistyped")
    objects = deliver(emu, "conv-mistyped", good, bad)
    _, data = only(objects, "data/")
    assert pq.read_table(io.BytesIO(data), use_threads=False).column("seq").to_pylist() == [1]
    key, errors = only(objects, "errors/format-conversion-failed/")
    assert re.fullmatch(r"errors/format-conversion-failed/\d{4}/\d{2}/\d{2}/\d{2}/conv-mistyped-1-[-0-9a-f]+", key)
    [document] = [json.loads(line) for line in errors.splitlines()]
    assert document["lastErrorCode"] == "DataFormatConversion.MalformedData"
    assert "price" in document["lastErrorMessage"] and "not-a-number" in document["lastErrorMessage"]
    assert base64.b64decode(document["rawData"]) == bad
    assert document["dataCatalogTable"]["databaseName"] == DATABASE
    assert document["dataCatalogTable"]["tableName"] == "events"
    assert document["attemptsMade"] == 1 and document["arrivalTimestamp"] <= document["attemptEndingTimestamp"]


def test_broken_json_fails_as_a_parse_error_and_nothing_else_lands(emu):
    broken = b'{"event_id": "x", "price": 1.0'
    make_stream(emu, "conv-broken")
    objects = deliver(emu, "conv-broken", broken, b"   \n", b'[{"seq": 1}]')
    assert not [k for k in objects if k.startswith("data/")]
    _, errors = only(objects, "errors/format-conversion-failed/")
    documents = [json.loads(line) for line in errors.splitlines()]
    assert [(d["lastErrorCode"], base64.b64decode(d["rawData"])) for d in documents] == [
        ("DataFormatConversion.ParseError", broken),
        ("DataFormatConversion.MalformedData", b"   \n"),
        ("DataFormatConversion.ParseError", b'[{"seq": 1}]'),
    ]


def test_one_bad_event_fails_its_whole_packed_record(emu):
    packed = event(seq=1) + event(seq=2, quantity=2**31) + event(seq=3)
    make_stream(emu, "conv-packed")
    objects = deliver(emu, "conv-packed", packed)
    assert not [k for k in objects if k.startswith("data/")]
    _, errors = only(objects, "errors/")
    [document] = [json.loads(line) for line in errors.splitlines()]
    assert base64.b64decode(document["rawData"]) == packed
    assert "quantity" in document["lastErrorMessage"] and "32 bits" in document["lastErrorMessage"]


def test_openx_reads_numbers_given_as_strings_missing_fields_and_epoch_timestamps(emu):
    seconds = event(seq=1, price="12.5", event_time=1764161415)
    millis = event(seq=2, event_time=1764161415123)
    missing = json.dumps({"SEQ": 3, "Ticker": "ABC"}).encode()  # keys are case-insensitive
    make_stream(emu, "conv-openx")
    objects = deliver(emu, "conv-openx", seconds, millis, missing)
    _, data = only(objects, "data/")
    rows = pq.read_table(io.BytesIO(data), use_threads=False).to_pylist()
    assert rows[0]["price"] == 12.5
    assert rows[0]["event_time"] == datetime(2025, 11, 26, 12, 50, 15)
    assert rows[1]["event_time"] == datetime(2025, 11, 26, 12, 50, 15, 123000)
    assert (rows[2]["seq"], rows[2]["ticker"], rows[2]["price"], rows[2]["event_time"]) == (3, "ABC", None, None)


def test_the_destinations_file_extension_and_serializer_settings_are_honoured(emu):
    make_stream(
        emu,
        "conv-extension",
        FileExtension=".snappy.parquet",
        DataFormatConversionConfiguration=conversion(serializer={"ParquetSerDe": {"Compression": "GZIP"}}),
    )
    objects = deliver(emu, "conv-extension", event(seq=1))
    key, body = only(objects, "data/")
    assert key.endswith(".snappy.parquet")
    assert pq.ParquetFile(io.BytesIO(body)).metadata.row_group(0).column(0).compression == "GZIP"


@pytest.mark.parametrize(
    "setting, destination, message",
    [
        ("ORC output", {"DataFormatConversionConfiguration": conversion(serializer={"OrcSerDe": {}})}, "OrcSerDe"),
        (
            "Hive JSON",
            {"DataFormatConversionConfiguration": conversion(deserializer={"HiveJsonSerDe": {}})},
            "OpenXJsonSerDe",
        ),
        ("no such table", {"DataFormatConversionConfiguration": conversion(table="nope")}, "nope"),
        ("gzip", {"CompressionFormat": "GZIP"}, "CompressionFormat must be UNCOMPRESSED"),
        ("small buffer", {"BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 60}}, "at least 64"),
    ],
)
def test_what_cannot_be_converted_is_refused_when_the_stream_is_created(emu, setting, destination, message):
    with pytest.raises(ClientError, match="InvalidArgumentException") as refused:
        make_stream(emu, f"conv-refused-{len(setting)}-{len(message)}", **destination)
    assert message in str(refused.value)


def test_a_stack_with_orc_output_fails_naming_the_setting(emu):
    template = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Stream": {
                "Type": "AWS::KinesisFirehose::DeliveryStream",
                "Properties": {
                    "DeliveryStreamType": "DirectPut",
                    "ExtendedS3DestinationConfiguration": {
                        "BucketARN": {"Fn::GetAtt": ["Bucket", "Arn"]},
                        "RoleARN": ROLE,
                        "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
                        "DataFormatConversionConfiguration": conversion(serializer={"OrcSerDe": {}}),
                    },
                },
            },
        }
    }
    cfn = emu.client("cloudformation")
    cfn.create_stack(StackName="conv-orc", TemplateBody=json.dumps(template))
    assert cfn.describe_stacks(StackName="conv-orc")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [
        e.get("ResourceStatusReason", "")
        for e in cfn.describe_stack_events(StackName="conv-orc")["StackEvents"]
        if e["LogicalResourceId"] == "Stream" and e["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert any("OrcSerDe" in reason for reason in reasons), reasons


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-26T12:50:15.293Z", datetime(2026, 11, 26, 12, 50, 15, 293000)),
        ("2017-02-07T15:13:01.39256Z", datetime(2017, 2, 7, 15, 13, 1, 392560)),
        ("2017-2-7 15:13:01.14", datetime(2017, 2, 7, 15, 13, 1, 140000)),
        ("1518033528", datetime(2018, 2, 7, 19, 58, 48)),
        ("1518033528123", datetime(2018, 2, 7, 19, 58, 48, 123000)),
        ("1518033528.123", datetime(2018, 2, 7, 19, 58, 48, 123000)),
    ],
)
def test_openx_timestamp_formats(text, expected):
    """The formats the Firehose developer guide lists for the OpenX JSON SerDe."""
    assert timestamp(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-11-26T12:50:15+02:00", "2026-11-26T12:50:15"])
def test_other_timestamps_do_not_fit(text):
    with pytest.raises(ValueError):
        timestamp(text)
