"""The emulator's Athena runs the lab's saved queries over known events in both formats, and fails what it cannot run.

The catalog, workgroup and saved queries are the lab's own, taken from the synthesized template and created
through CloudFormation; the events are written where Firehose writes them (JSON lines, or Parquet made by the
emulator's Firehose conversion with the stream's own settings).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import ACCOUNT_ID, REGION, Emulator, firehose
from support.emulator.athena import execution_when
from support.queryable_lab import stack_template

BUCKET = "lab-query-bucket"
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
# (time of day, ticker, price, quantity): AAA 4 trades, CCC 2, BBB 1; minutes 01:05 x3, 01:06 x2, 02:00 x2.
EVENTS = [
    (timedelta(hours=1, minutes=5, seconds=10), "AAA", 10.0, 5),
    (timedelta(hours=1, minutes=5, seconds=40), "AAA", 12.0, 1),
    (timedelta(hours=1, minutes=5, seconds=50), "AAA", 11.0, 1),
    (timedelta(hours=1, minutes=6), "BBB", 7.5, 2),
    (timedelta(hours=1, minutes=6, seconds=30), "CCC", 1.35, 6),
    (timedelta(hours=2, seconds=30), "AAA", 11.0, 3),
    (timedelta(hours=2, seconds=59), "CCC", 1.25, 4),
]
YESTERDAY = (TODAY - timedelta(seconds=1), "AAA", 99.0, 100)  # in yesterday's partition: the saved queries skip it


def event(at: datetime, ticker: str, price: float, quantity: int, seq: int) -> dict:
    return {
        "event_time": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "event_id": f"e{seq}",
        "producer_id": "test",
        "seq": seq,
        "ticker": ticker,
        "exchange": "XNYS",
        "side": "buy",
        "price": price,
        "quantity": quantity,
    }


def partition(at: datetime) -> str:
    return at.strftime("data/year=%Y/month=%m/day=%d/hour=%H/")


def stream_conversion(template) -> dict:
    """The stream's destination as Firehose sees it, its Glue table named as CloudFormation resolves the Ref."""
    (stream,) = template.find_resources("AWS::KinesisFirehose::DeliveryStream").values()
    destination = stream["Properties"]["ExtendedS3DestinationConfiguration"]
    conversion = destination["DataFormatConversionConfiguration"]
    conversion["SchemaConfiguration"] = {
        "DatabaseName": conversion["SchemaConfiguration"]["DatabaseName"],
        "TableName": "events",
        "VersionId": "LATEST",
    }
    return {"DataFormatConversionConfiguration": conversion, "FileExtension": destination.get("FileExtension")}


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module", params=["json", "parquet"])
def lab(request, emu):
    """The lab's catalog and queries in one format, with the known events delivered in that format."""
    template = request.getfixturevalue("template" if request.param == "json" else "parquet_template")
    cfn, s3 = emu.client("cloudformation"), emu.client("s3")
    cfn.create_stack(StackName=f"queries-{request.param}", TemplateBody=stack_template(template, BUCKET))
    by_partition: dict[str, list[bytes]] = {}
    for seq, (offset, ticker, price, quantity) in enumerate(EVENTS):
        line = json.dumps(event(TODAY + offset, ticker, price, quantity, seq)).encode() + b"\n"
        by_partition.setdefault(partition(TODAY + offset), []).append(line)
    by_partition[partition(YESTERDAY[0])] = [json.dumps(event(*YESTERDAY, seq=99)).encode() + b"\n"]
    for prefix, lines in by_partition.items():
        if request.param == "json":
            s3.put_object(Bucket=BUCKET, Key=prefix + "stream-1-delivery", Body=b"".join(lines))
        else:
            converted = firehose.convert(
                [b"".join(lines)],
                stream_conversion(template),
                account_id=ACCOUNT_ID,
                region_name=REGION,
                arrival=TODAY,
            )
            assert converted.failed == 0
            s3.put_object(Bucket=BUCKET, Key=prefix + "stream-1-delivery" + converted.extension, Body=converted.data)
    s3.put_object(Bucket=BUCKET, Key=partition(TODAY) + "_SUCCESS", Body=b"not data: a hidden file")
    yield emu
    s3.delete_objects(
        Bucket=BUCKET, Delete={"Objects": [{"Key": o["Key"]} for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]}
    )
    cfn.delete_stack(StackName=f"queries-{request.param}")


def run(emu, sql, database="firehoselab", workgroup="FirehoseLab", **kwargs):
    """(execution, rows incl. the header row) of one query."""
    athena = emu.client("athena")
    query_id = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": database}, WorkGroup=workgroup, **kwargs
    )["QueryExecutionId"]
    execution = execution_when(athena, query_id)
    if execution["Status"]["State"] != "SUCCEEDED":
        return execution, None
    rows = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
        rows.extend([d.get("VarCharValue") for d in row["Data"]] for row in page["ResultSet"]["Rows"])
    return execution, rows


def saved_query(emu, name):
    athena = emu.client("athena")
    for query_id in athena.list_named_queries(WorkGroup="FirehoseLab")["NamedQueryIds"]:
        query = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
        if query["Name"] == name:
            return query["QueryString"]
    raise AssertionError(f"no saved query {name!r}")


def test_events_per_minute_counts_todays_events_newest_minute_first(lab):
    execution, rows = run(lab, saved_query(lab, "events per minute"))
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    day = TODAY.strftime("%Y-%m-%d")
    assert rows == [
        ["minute", "events"],
        [f"{day} 02:00:00.000", "2"],
        [f"{day} 01:06:00.000", "2"],
        [f"{day} 01:05:00.000", "3"],
    ]


def test_top_tickers_gives_trades_shares_and_average_price(lab):
    execution, rows = run(lab, saved_query(lab, "top tickers"))
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    assert rows == [
        ["ticker", "trades", "shares", "avg_price"],
        ["AAA", "4", "10", "11.0"],
        ["CCC", "2", "10", "1.3"],
        ["BBB", "1", "2", "7.5"],
    ]


def test_the_saved_queries_read_only_todays_partitions(lab):
    """Yesterday's object is neither counted nor scanned: the partition filter prunes it."""
    s3 = lab.client("s3")
    sizes = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="data/")["Contents"]}
    today = sum(
        size
        for key, size in sizes.items()
        if key.startswith(partition(TODAY)[: -len("hour=00/")]) and not key.endswith("_SUCCESS")
    )
    execution, _ = run(lab, saved_query(lab, "top tickers"))
    assert execution["Statistics"]["DataScannedInBytes"] == today
    _, everything = run(lab, "SELECT count(*) AS events, max(price) AS top FROM events")
    assert everything[1] == [str(len(EVENTS) + 1), "99.0"]


def test_the_result_file_is_where_the_workgroup_puts_it_and_matches_the_api(lab):
    execution, rows = run(lab, saved_query(lab, "top tickers"))
    location = execution["ResultConfiguration"]["OutputLocation"]
    assert location == f"s3://{BUCKET}/athena-results/{execution['QueryExecutionId']}.csv"
    body = lab.client("s3").get_object(Bucket=BUCKET, Key=location.split("/", 3)[3])
    assert body["ServerSideEncryption"] == "AES256"
    assert body["Body"].read().decode().splitlines() == [",".join(f'"{v}"' for v in row) for row in rows]


def test_column_types_follow_the_table(lab):
    athena = lab.client("athena")
    query_id = athena.start_query_execution(
        QueryString="SELECT event_time, seq, quantity, price, ticker, year FROM events LIMIT 1",
        QueryExecutionContext={"Database": "firehoselab"},
        WorkGroup="FirehoseLab",
    )["QueryExecutionId"]
    execution_when(athena, query_id)
    columns = athena.get_query_results(QueryExecutionId=query_id)["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    assert [(c["Name"], c["Type"]) for c in columns] == [
        ("event_time", "timestamp"),
        ("seq", "bigint"),
        ("quantity", "integer"),
        ("price", "double"),
        ("ticker", "varchar"),
        ("year", "integer"),
    ]


@pytest.mark.parametrize(
    "sql, reason",
    [
        ("SELEC ticker FROM events", "SYNTAX_ERROR: line 1:"),
        (
            "SELECT ticker FROM no_such_table",
            "TABLE_NOT_FOUND: line 1:20: Table 'awsdatacatalog.firehoselab.no_such_table'",
        ),
        ("SELECT tickr FROM events", "COLUMN_NOT_FOUND: Column 'tickr' could not be resolved"),
        ("SELECT format_datetime(event_time, 'yyyy') FROM events", "format_datetime"),
        ("CREATE TABLE copy AS SELECT * FROM events", "NOT_SUPPORTED: the emulator runs queries (SELECT) only"),
        ("SELECT 1; SELECT 2", "Only one sql statement is allowed"),
    ],
)
def test_a_query_that_cannot_run_ends_failed_with_its_reason(lab, sql, reason):
    execution, _ = run(lab, sql)
    status = execution["Status"]
    assert status["State"] == "FAILED"
    assert reason.lower() in status["StateChangeReason"].lower(), status["StateChangeReason"]
    assert status["AthenaError"]["ErrorMessage"] == status["StateChangeReason"]
    with pytest.raises(ClientError, match="Final query state: FAILED"):
        lab.client("athena").get_query_results(QueryExecutionId=execution["QueryExecutionId"])
