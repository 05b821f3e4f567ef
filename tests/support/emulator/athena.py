"""A one-table lab for the emulator's Athena: a bucket, the Glue database `lab` with a JSON table `events` over
the given lines, and the workgroup `lab`; a query started in it, waited for as a client waits for Athena (queries
run asynchronously: StartQueryExecution answers at once, the state says when the query ends), and its end."""

from __future__ import annotations

import time
from typing import Any

from rehearsal.emulator import Emulator

FINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")
# 10^12 rows to count: hours in DuckDB, so it runs until something stops it. Trino's sequence() allows 10,000 entries.
RUNAWAY = (
    "SELECT count(*) FROM UNNEST(sequence(1, 10000)) AS a(x) CROSS JOIN UNNEST(sequence(1, 10000)) AS b(y) "
    "CROSS JOIN UNNEST(sequence(1, 10000)) AS c(z) WHERE a.x + b.y + c.z = 0"
)
_PATIENCE_S = 120  # a bound on waiting, so a broken emulator fails a test instead of hanging it; never a measure


def one_table_lab(emulator: Emulator, bucket: str, columns: dict[str, str], lines: bytes) -> Any:
    """The lab's objects and catalog; its Athena client."""
    emulator.client("s3").create_bucket(Bucket=bucket)
    emulator.client("glue").create_database(DatabaseInput={"Name": "lab"})
    emulator.client("glue").create_table(
        DatabaseName="lab",
        TableInput={
            "Name": "events",
            "StorageDescriptor": {
                "Columns": [{"Name": name, "Type": kind} for name, kind in columns.items()],
                "Location": f"s3://{bucket}/events/",
                "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
            },
        },
    )
    emulator.client("s3").put_object(Bucket=bucket, Key="events/a.json", Body=lines)
    emulator.client("athena").create_work_group(
        Name="lab", Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{bucket}/results/"}}
    )
    return emulator.client("athena")


def start(athena: Any, sql: str) -> str:
    """The id of `sql` started in the lab's database and workgroup."""
    return athena.start_query_execution(QueryString=sql, QueryExecutionContext={"Database": "lab"}, WorkGroup="lab")[
        "QueryExecutionId"
    ]


def execution_when(athena: Any, query_id: str, states: tuple[str, ...] = FINAL_STATES) -> dict:
    """The query's execution once its state is one of `states` (polled, as a client waits for Athena)."""
    deadline = time.monotonic() + _PATIENCE_S
    while True:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] in states:
            return execution
        if time.monotonic() > deadline:
            raise AssertionError(f"query {query_id} still {execution['Status']['State']}, never {states}")
        time.sleep(0.02)


def outcome(athena: Any, sql: str) -> tuple[str, str, list]:
    """(state, reason, rows with the header row) of `sql` run in the lab's database and workgroup."""
    query_id = start(athena, sql)
    status = execution_when(athena, query_id)["Status"]
    rows = []
    if status["State"] == "SUCCEEDED":
        for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
            rows.extend([d.get("VarCharValue") for d in row["Data"]] for row in page["ResultSet"]["Rows"])
    return status["State"], status.get("StateChangeReason", ""), rows
