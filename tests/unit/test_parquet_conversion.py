"""Parquet content checked locally: the producer's events converted the way the Glue table says, then read back.

Firehose's conversion runs only on AWS; this is the same mapping (JSON document -> row of the table's types)
done with pyarrow, so a schema mistake (a type too narrow, a timestamp that does not parse, a field not carried)
shows up here and not as objects under errors/format-conversion-failed/ after a deploy.
"""

from __future__ import annotations

import json
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from producer.batching import Batcher
from producer.events import sample_events
from producer.schema import EVENT_FIELDS

# Glue/Hive column type -> the Arrow type of the Parquet column. Timestamps are instants in UTC.
ARROW_TYPES = {
    "string": pa.string(),
    "bigint": pa.int64(),
    "int": pa.int32(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("ms", tz="UTC"),
}
SCHEMA = pa.schema([pa.field(name, ARROW_TYPES[kind]) for name, kind in EVENT_FIELDS])
EVENTS = 400


def documents(record: bytes):
    """The JSON documents in one Firehose record, as OpenX JSON reads them: one after another, any whitespace
    between ({"a":1}{"a":2} and newline-separated lines alike)."""
    decoder = json.JSONDecoder()
    text = record.decode()
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return
        document, position = decoder.raw_decode(text, position)
        yield document


def value(kind: str, raw):
    """A JSON value as the column type wants it; a missing field is null."""
    if raw is None or kind != "timestamp":
        return raw
    return datetime.fromisoformat(raw)


def to_parquet(records, path) -> pa.Table:
    """Convert records like the stream does (OpenX JSON in, Snappy Parquet out) and read the file back."""
    rows = [document for record in records for document in documents(record)]
    columns = [
        pa.array([value(kind, row.get(name)) for row in rows], type=ARROW_TYPES[kind]) for name, kind in EVENT_FIELDS
    ]
    pq.write_table(pa.Table.from_arrays(columns, schema=SCHEMA), path, compression="snappy")
    return pq.read_table(path, use_threads=False)  # threaded reads can abort pytest at exit (apache/arrow#34314)


@pytest.fixture(scope="module")
def events():
    return list(sample_events("ip-10-0-0-12.ec2.internal", count=EVENTS))


@pytest.fixture(scope="module")
def one_per_record(events, tmp_path_factory):
    return to_parquet(events, tmp_path_factory.mktemp("parquet") / "single.parquet")


def test_every_event_becomes_one_row_of_the_tables_types_without_nulls(one_per_record):
    assert one_per_record.schema == SCHEMA
    assert one_per_record.num_rows == EVENTS
    assert [one_per_record.column(name).null_count for name, _ in EVENT_FIELDS] == [0] * len(EVENT_FIELDS)


def test_values_read_back_equal_what_the_producer_sent(events, one_per_record):
    sent = [json.loads(event) for event in events]
    read = one_per_record.to_pylist()
    for original, row in zip(sent, read):
        assert {k: v for k, v in row.items() if k != "event_time"} == {
            k: v for k, v in original.items() if k != "event_time"
        }
    assert [row["seq"] for row in read] == list(range(EVENTS))


def test_timestamps_keep_their_milliseconds_in_utc(events, one_per_record):
    first = json.loads(events[0])["event_time"]
    stored = one_per_record.column("event_time")[0].as_py()
    assert stored.tzinfo is not None and stored.utcoffset().total_seconds() == 0
    assert stored.isoformat(timespec="milliseconds").replace("+00:00", "Z") == first


def test_packed_records_convert_to_the_same_rows(events, one_per_record, tmp_path):
    """The producer packs many newline-terminated events into one record; conversion splits them again."""
    batcher = Batcher(aggregate=True)
    calls = [call for event in events for call in batcher.add(event, 1, 0.0)] + batcher.flush()
    records = [data for call in calls for data, _ in call]
    assert len(records) < EVENTS / 10, "the producer did not pack events"
    assert to_parquet(records, tmp_path / "packed.parquet").equals(one_per_record)


def test_concatenated_documents_without_newlines_split_too(tmp_path):
    """AWS's own example of valid input to conversion: {"a":1}{"a":2} in one record."""
    packed = b"".join(event.rstrip(b"\n") for event in sample_events("host", count=3))
    assert to_parquet([packed], tmp_path / "concatenated.parquet").num_rows == 3


def test_a_missing_field_becomes_null(events, tmp_path):
    event = json.loads(events[0])
    del event["quantity"]
    table = to_parquet([json.dumps(event).encode()], tmp_path / "missing.parquet")
    assert table.column("quantity").to_pylist() == [None]
    assert table.column("ticker").null_count == 0


# A number given as a string ("123.64") is not among them: the OpenX deserializer parses it (see
# rehearsal/emulator/firehose/openx_json.py); a string that is no number is.
@pytest.mark.parametrize("field, bad", [("price", "not-a-number"), ("quantity", 2**31), ("event_time", "yesterday")])
def test_a_value_the_column_type_cannot_hold_is_refused(events, field, bad, tmp_path):
    """What Firehose would send to errors/format-conversion-failed/ instead of writing a wrong row."""
    event = {**json.loads(events[0]), field: bad}
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError, ValueError)):
        to_parquet([json.dumps(event).encode()], tmp_path / "bad.parquet")


def test_the_local_conversion_uses_the_codec_the_stream_writes(parquet_template, events, tmp_path):
    (stream,) = parquet_template.find_resources("AWS::KinesisFirehose::DeliveryStream").values()
    conversion = stream["Properties"]["ExtendedS3DestinationConfiguration"]["DataFormatConversionConfiguration"]
    codec = conversion["OutputFormatConfiguration"]["Serializer"]["ParquetSerDe"]["Compression"]
    path = tmp_path / "codec.parquet"
    to_parquet(events, path)
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == codec
