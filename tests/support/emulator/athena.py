"""A one-table lab for the emulator's Athena: a bucket, the Glue database `lab` with a JSON table `events` over
the given lines, and the workgroup `lab`; and a query's end as Athena reports it."""

from __future__ import annotations

from typing import Any

from rehearsal.emulator import Emulator


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


def outcome(athena: Any, sql: str) -> tuple[str, str, list]:
    """(state, reason, rows with the header row) of `sql` run in the lab's database and workgroup."""
    query_id = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": "lab"}, WorkGroup="lab"
    )["QueryExecutionId"]
    status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
    rows = []
    if status["State"] == "SUCCEEDED":
        for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
            rows.extend([d.get("VarCharValue") for d in row["Data"]] for row in page["ResultSet"]["Rows"])
    return status["State"], status.get("StateChangeReason", ""), rows
