"""The emulator's Athena on tables other than the lab's: partition projection types, catalog partitions, formats,
result pages, NULLs, limits, and Trino semantics that a naive translation to DuckDB would get wrong."""

from __future__ import annotations

import io
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError

from labctl.toolkit import ROOT
from rehearsal.emulator import Emulator
from rehearsal.emulator.athena import java_double, parse_result_csv, result_csv
from support.emulator.athena import execution_when

BUCKET = "engine-bucket"
LIMIT = 10_000_000  # the smallest BytesScannedCutoffPerQuery Athena accepts
JSON_SERDE = {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"}


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        emulator.client("s3").create_bucket(Bucket=BUCKET)
        emulator.client("glue").create_database(DatabaseInput={"Name": "engine"})
        for name, cutoff in (("engine", {}), ("limited", {"BytesScannedCutoffPerQuery": LIMIT})):
            emulator.client("athena").create_work_group(
                Name=name,
                Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{BUCKET}/results/"}, **cutoff},
            )
        yield emulator


def table(emu, name, partition_keys=(), parameters=None, serde=JSON_SERDE, columns=(("n", "int"), ("s", "string"))):
    emu.client("glue").create_table(
        DatabaseName="engine",
        TableInput={
            "Name": name,
            "Parameters": parameters or {},
            "PartitionKeys": [{"Name": k, "Type": t} for k, t in partition_keys],
            "StorageDescriptor": {
                "Columns": [{"Name": c, "Type": t} for c, t in columns],
                "Location": f"s3://{BUCKET}/{name}/",
                "SerdeInfo": serde,
            },
        },
    )


def put(emu, key, *lines):
    emu.client("s3").put_object(Bucket=BUCKET, Key=key, Body="".join(line + "\n" for line in lines).encode())


def query(emu, sql, workgroup="engine", **kwargs):
    athena = emu.client("athena")
    query_id = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": "engine"}, WorkGroup=workgroup, **kwargs
    )["QueryExecutionId"]
    execution = execution_when(athena, query_id)
    if execution["Status"]["State"] != "SUCCEEDED":
        return execution, None
    rows = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
        rows.extend([d.get("VarCharValue") for d in row["Data"]] for row in page["ResultSet"]["Rows"])
    return execution, rows[1:]


def test_integer_projection_keeps_only_values_it_would_produce(emu):
    """range, interval and digits: month=3 is not month=03, 13 is out of range, 02 is off the interval of 2."""
    table(
        emu,
        "monthly",
        [("month", "int")],
        {
            "projection.enabled": "true",
            "projection.month.type": "integer",
            "projection.month.range": "1,12",
            "projection.month.interval": "2",
            "projection.month.digits": "2",
        },
    )
    for month in ("01", "03", "3", "13", "02"):
        put(emu, f"monthly/month={month}/data", f'{{"n": 1, "s": "{month}"}}')
    _, rows = query(emu, "SELECT month, s FROM monthly ORDER BY s")
    assert rows == [["1", "01"], ["3", "03"]]


def test_enum_projection_and_a_custom_location_template(emu):
    table(
        emu,
        "regions",
        [("region", "string")],
        {
            "projection.enabled": "true",
            "projection.region.type": "enum",
            "projection.region.values": "eu,us",
            "storage.location.template": f"s3://{BUCKET}/regions/by-region/${{region}}/",
        },
    )
    for region in ("eu", "us", "ap"):
        put(emu, f"regions/by-region/{region}/part-0", '{"n": 1, "s": "x"}', '{"n": 2, "s": "y"}')
    _, rows = query(emu, "SELECT region, sum(n) AS total FROM regions GROUP BY region ORDER BY region")
    assert rows == [["eu", "3"], ["us", "3"]]


def test_injected_projection_needs_an_equality_and_reads_only_its_values(emu):
    table(
        emu,
        "devices",
        [("device", "string")],
        {
            "projection.enabled": "true",
            "projection.device.type": "injected",
            "storage.location.template": f"s3://{BUCKET}/devices/${{device}}/",
        },
    )
    for device in ("a", "b", "c"):
        put(emu, f"devices/{device}/events", f'{{"n": 1, "s": "{device}"}}')
    failed, _ = query(emu, "SELECT count(*) FROM devices")
    assert failed["Status"]["State"] == "FAILED"
    assert failed["Status"]["StateChangeReason"].startswith(
        "CONSTRAINT_VIOLATION: For the injected projected partition column device, the WHERE clause must contain "
        "only static equality conditions"
    )
    execution, rows = query(
        emu, "SELECT device, count(*) FROM devices WHERE device IN ('a', 'c') GROUP BY 1 ORDER BY 1"
    )
    assert rows == [["a", "1"], ["c", "1"]]
    assert execution["Statistics"]["DataScannedInBytes"] == 2 * len(b'{"n": 1, "s": "a"}\n')


def test_date_projection_is_refused_not_guessed(emu):
    table(
        emu,
        "daily",
        [("dt", "string")],
        {
            "projection.enabled": "true",
            "projection.dt.type": "date",
            "projection.dt.format": "yyyy-MM-dd",
            "projection.dt.range": "2024-01-01,NOW",
        },
    )
    execution, _ = query(emu, "SELECT count(*) FROM daily")
    assert "partition projection type 'date'" in execution["Status"]["StateChangeReason"]


def test_without_projection_the_catalogs_partitions_are_read(emu):
    table(emu, "registered", [("day", "string")])
    glue = emu.client("glue")
    glue.create_partition(
        DatabaseName="engine",
        TableName="registered",
        PartitionInput={"Values": ["2026-01-01"], "StorageDescriptor": {"Location": f"s3://{BUCKET}/registered/jan/"}},
    )
    put(emu, "registered/jan/a", '{"n": 5, "s": "in"}')
    put(emu, "registered/feb/a", '{"n": 7, "s": "not registered"}')
    _, rows = query(emu, "SELECT day, n, s FROM registered")
    assert rows == [["2026-01-01", "5", "in"]]


def test_hidden_files_are_skipped_and_a_malformed_line_fails_the_query(emu):
    table(emu, "plain")
    put(emu, "plain/data", '{"n": 1, "s": "x"}')
    put(emu, "plain/_SUCCESS", "not json")
    put(emu, "plain/.inprogress", "not json")
    _, rows = query(emu, "SELECT n FROM plain")
    assert rows == [["1"]]
    put(emu, "plain/broken", '{"n": 2, "s": ')
    execution, _ = query(emu, "SELECT n FROM plain")
    assert execution["Status"]["StateChangeReason"].startswith("HIVE_CURSOR_ERROR: Row is not a valid JSON Object")


def test_nulls_empty_strings_and_quotes_survive_the_result_file(emu):
    table(emu, "texts")
    put(emu, "texts/a", '{"n": 1, "s": ""}', '{"n": 2}', '{"n": 3, "s": "say \\"hi\\", twice"}')
    _, rows = query(emu, "SELECT n, s FROM texts ORDER BY n")
    assert rows == [["1", ""], ["2", None], ["3", 'say "hi", twice']]
    assert parse_result_csv(
        result_csv([("a", "varchar"), ("b", "varchar")], [["", None], [None, 'x"\ny']]).decode()
    ) == [["a", "b"], ["", None], [None, 'x"\ny']]


def test_results_come_in_pages(emu):
    athena = emu.client("athena")
    query_id = athena.start_query_execution(
        QueryString="SELECT x FROM UNNEST(sequence(1, 5)) AS t(x) ORDER BY x", WorkGroup="engine"
    )["QueryExecutionId"]
    execution_when(athena, query_id)
    first = athena.get_query_results(QueryExecutionId=query_id, MaxResults=4)
    assert [r["Data"][0]["VarCharValue"] for r in first["ResultSet"]["Rows"]] == ["x", "1", "2", "3"]
    second = athena.get_query_results(QueryExecutionId=query_id, MaxResults=4, NextToken=first["NextToken"])
    assert [r["Data"][0]["VarCharValue"] for r in second["ResultSet"]["Rows"]] == ["4", "5"]
    assert "NextToken" not in second


def test_trino_semantics_hold_after_translation(emu):
    """Integer division truncates in Trino (DuckDB's / would give 2.5); doubles print as Java prints them."""
    _, rows = query(emu, "SELECT 5 / 2, -7 / 2, 5.0 / 2, 1e7, CAST(0.1 AS double) * 3, 'a' || 'b'")
    assert rows == [["2", "-3", "2.5", "1.0E7", "0.30000000000000004", "ab"]]
    assert [java_double(v) for v in (123.45, 1e-4, 2.0, 12345678.9)] == ["123.45", "1.0E-4", "2.0", "1.23456789E7"]


def test_a_query_over_the_scan_limit_is_cancelled_as_athena_cancels_it(emu):
    """ "If any query that runs in the workgroup exceeds the limit, it is canceled" (Athena user guide, "Configure
    per-query and per-workgroup data usage controls"), with the reason Athena gives, having scanned up to the limit."""
    table(emu, "big")
    put(emu, "big/a", "x" * LIMIT)  # not even JSON: the query stops before reading it
    execution, _ = query(emu, "SELECT count(*) FROM big", workgroup="limited")
    assert execution["Status"]["State"] == "CANCELLED"
    assert execution["Status"]["StateChangeReason"] == "Bytes scanned limit was exceeded"
    assert execution["Statistics"]["DataScannedInBytes"] == LIMIT


def test_a_table_in_another_format_is_refused(emu):
    table(emu, "csv", serde={"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"})
    execution, _ = query(emu, "SELECT * FROM csv")
    assert (
        "the emulator reads JSON (OpenX JSON SerDe) and Parquet tables only"
        in (execution["Status"]["StateChangeReason"])
    )


def test_no_output_location_is_refused_as_athena_refuses_it(emu):
    with pytest.raises(ClientError, match="No output location provided"):
        emu.client("athena").start_query_execution(QueryString="SELECT 1")


def test_parquet_is_read_by_column_name_and_a_mistyped_column_is_bad_data(emu):
    table(
        emu,
        "pq",
        serde={"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        columns=(("n", "bigint"), ("s", "string"), ("missing", "double")),
    )

    def put_parquet(key, data):
        sink = io.BytesIO()
        pq.write_table(data, sink)
        emu.client("s3").put_object(Bucket=BUCKET, Key=key, Body=sink.getvalue())

    put_parquet("pq/a.parquet", pa.table({"s": ["x"], "N": pa.array([7], pa.int32())}))  # int widens to bigint
    _, rows = query(emu, "SELECT n, s, missing FROM pq")
    assert rows == [["7", "x", None]]
    put_parquet("pq/b.parquet", pa.table({"n": ["8"], "s": ["y"]}))  # a string is not read as a number
    execution, _ = query(emu, "SELECT n FROM pq")
    assert execution["Status"]["StateChangeReason"].startswith("HIVE_BAD_DATA: Field n's type string")


def test_reading_a_parquet_object_starts_no_thread(tmp_path):
    """Arrow's pools can abort the emulator's process at exit (apache/arrow#34314: lab-local exiting with SIGABRT):
    reading a Parquet object for a query starts no thread, counted in a fresh interpreter once pyarrow is imported."""
    parquet_object = tmp_path / "object.parquet"
    pq.write_table(pa.table({"seq": [0, 1, 2]}), parquet_object)
    script = (
        "import os, sys, pyarrow as pa\n"
        "from rehearsal.emulator.athena import engine\n"
        "threads = lambda: len(os.listdir('/proc/self/task'))\n"
        "before = threads()\n"
        "body = open(sys.argv[1], 'rb').read()\n"
        "assert engine._read_parquet(None, body, 'object.parquet', [('seq', pa.int64())]).num_rows == 3\n"
        "print(threads() - before)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(parquet_object)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["0"], "threads started by reading one Parquet object"
