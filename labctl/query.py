"""Query the lab's events with Athena: a saved query by name, or SQL of your own, printed as a table.

  make query                               lists the lab's saved queries
  make query QUERY="top tickers"           runs one (its name as in the Athena console)
  make query SQL="SELECT count(*) FROM events WHERE year = 2026"
                                           runs SQL in the lab's database, in the lab's workgroup

The query runs in the lab's workgroup (results in the lab bucket, cut off at 1 GiB scanned) with your own
credentials, against AWS or against the rehearsal's emulator (AWS_ENDPOINT_URL). Ctrl-C stops the query.

Exit codes: 0 the query succeeded (or the saved queries were listed), 1 it failed, was cancelled or timed out (the
reason is printed), 2 bad arguments, no such lab or saved query, AWS unreachable, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from labctl.i18n import N_, _, ngettext, number
from labctl.lab import find_lab
from labctl.session import student_session
from labctl.toolkit import add_settings_option, lab_config, positive_seconds

# What `make query` needs on AWS: Athena runs a query with the caller's permissions, so besides the workgroup's
# Athena actions it needs to read the table in Glue and its data in S3, and to write the results (Athena user guide,
# "Identity and access management in Athena"). The rehearsal's student gets exactly these.
QUERY_ACTIONS = (
    "cloudformation:DescribeStacks",
    "athena:ListNamedQueries",
    "athena:GetNamedQuery",
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:StopQueryExecution",
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetPartitions",
    "s3:GetBucketLocation",
    "s3:ListBucket",
    "s3:GetObject",
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
FINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")
TIMED_OUT = N_("TIMED OUT")  # not Athena's: the query outlived --timeout and was stopped (translated when shown)
NUMERIC_TYPES = ("tinyint", "smallint", "integer", "bigint", "real", "double", "decimal")
NULL = "NULL"


class QueryError(Exception):
    """One line for the user: the query could not be started, or a saved query does not exist."""


@dataclass
class QueryResult:
    query_id: str
    state: str
    reason: str = ""
    columns: list[tuple[str, str]] = field(default_factory=list)  # (name, Athena type)
    rows: list[list[str | None]] = field(default_factory=list)
    scanned_bytes: int = 0
    seconds: float = 0.0


def saved_queries(athena, workgroup: str) -> dict[str, dict]:
    """The workgroup's saved queries by name."""
    found = {}
    for page in athena.get_paginator("list_named_queries").paginate(WorkGroup=workgroup):
        for query_id in page.get("NamedQueryIds", []):
            query = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
            found[query["Name"]] = query
    return found


def run_query(
    athena,
    *,
    sql: str,
    database: str,
    workgroup: str,
    timeout: float = 120.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> QueryResult:
    """Start the query, wait until it ends (stopping it after `timeout` seconds), and read all its rows."""
    started = clock()
    query_id = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": database}, WorkGroup=workgroup
    )["QueryExecutionId"]
    pause = 0.2
    try:
        while True:
            execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
            state = execution["Status"]["State"]
            if state in FINAL_STATES:
                break
            left = timeout - (clock() - started)
            if left <= 0:
                athena.stop_query_execution(QueryExecutionId=query_id)
                reason = _("still {state} after {seconds}s; stopped").format(state=state, seconds=number(timeout, "g"))
                return QueryResult(query_id, TIMED_OUT, reason, seconds=clock() - started)
            sleep(min(pause, left))  # the last look comes at the timeout, not up to a pause after it
            pause = min(pause * 2, 2.0)
    except KeyboardInterrupt:
        athena.stop_query_execution(QueryExecutionId=query_id)
        raise
    result = QueryResult(
        query_id,
        state,
        execution["Status"].get("StateChangeReason", ""),
        scanned_bytes=execution.get("Statistics", {}).get("DataScannedInBytes", 0),
    )
    if state == "SUCCEEDED":
        for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
            result_set = page["ResultSet"]
            if not result.columns:
                result.columns = [(c["Name"], c["Type"]) for c in result_set["ResultSetMetadata"]["ColumnInfo"]]
            result.rows.extend([d.get("VarCharValue") for d in row["Data"]] for row in result_set["Rows"])
        if result.rows and result.rows[0] == [name for name, _ in result.columns]:
            result.rows = result.rows[1:]  # a SELECT's first row repeats the column names (SHOW, DESCRIBE: none)
    result.seconds = clock() - started
    return result


def table_lines(columns: list[tuple[str, str]], rows: list[list[str | None]]) -> list[str]:
    """An aligned text table: numbers to the right, NULL spelled out."""
    cells = [[NULL if value is None else value for value in row] for row in rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, (name, _) in enumerate(columns)]
    numeric = [kind.split("(")[0] in NUMERIC_TYPES for _, kind in columns]

    def line(values: list[str]) -> str:
        return " | ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    return [line([name for name, _ in columns]), "-+-".join("-" * w for w in widths)] + [line(r) for r in cells]


def summary(result: QueryResult) -> str:
    """One line: how the query ended and why, or its rows, bytes scanned and time. Athena's states (FAILED) and reasons
    are Athena's words, kept as Athena says them."""
    if result.state != "SUCCEEDED":
        state = _(TIMED_OUT) if result.state == TIMED_OUT else result.state
        return _("query {state}: {reason} (query id {id})").format(
            state=state, reason=result.reason or _("no reason given"), id=result.query_id
        )
    rows = ngettext("{count} row", "{count} rows", len(result.rows)).format(count=number(len(result.rows)))
    return _("{rows}, {scanned} bytes scanned, {seconds}s (query id {id})").format(
        rows=rows,
        scanned=number(result.scanned_bytes, ","),
        seconds=number(result.seconds, ".1f"),
        id=result.query_id,
    )


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name",
        nargs="?",
        help=_(
            "saved query to run, by its name (e.g. 'top tickers'); without it "
            "and without --sql the saved queries are listed"
        ),
    )
    parser.add_argument("--sql", help=_("SQL to run instead, in the lab's database (Athena's SQL: Trino)"))
    add_settings_option(parser, _("; labName says which lab to query"))
    parser.add_argument(
        "--timeout", type=positive_seconds, default=120.0, help=_("seconds to wait for the query (default 120)")
    )


def run(args: argparse.Namespace) -> int:
    if args.name and args.sql:
        print(_("query: give a saved query's name or --sql, not both"), file=sys.stderr)
        return 2
    stack_name = lab_config(args.context).lab_name  # a bad setting: one line, exit 2 (__main__)
    session = student_session()
    try:
        return _query(session, stack_name, args)
    except QueryError as error:
        print(f"query: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("query: interrupted; the query was stopped"), file=sys.stderr)
        return 130


def _query(session, stack_name: str, args: argparse.Namespace) -> int:
    lab = find_lab(session.client("cloudformation"), stack_name)
    if not lab.workgroup or not lab.events_table:
        raise QueryError(
            _(
                "stack {name} has no AthenaWorkgroup/EventsTable output: deploy this version of the lab first "
                "(`make deploy`)"
            ).format(name=repr(stack_name))
        )
    athena = session.client("athena")
    database = lab.events_table.split(".")[0]
    if args.sql:
        sql = args.sql
    else:
        queries = saved_queries(athena, lab.workgroup)
        if not args.name:
            print(
                _('saved queries in workgroup {workgroup} (run one: make query QUERY="<name>"):').format(
                    workgroup=lab.workgroup
                )
            )
            for name, query in sorted(queries.items()):
                print(f"  {name}: {query.get('Description', '')}")
            return 0
        chosen = {name.lower(): query for name, query in queries.items()}.get(args.name.strip().lower())
        if chosen is None:
            raise QueryError(
                _("no saved query {name} in workgroup {workgroup}; saved: {saved}").format(
                    name=repr(args.name), workgroup=lab.workgroup, saved=", ".join(sorted(queries)) or _("none")
                )
            )
        sql, database = chosen["QueryString"], chosen.get("Database") or database
        print(f"-- {chosen['Name']}: {chosen.get('Description', '')}\n{sql}\n", file=sys.stderr)
    result = run_query(athena, sql=sql, database=database, workgroup=lab.workgroup, timeout=args.timeout)
    if result.state != "SUCCEEDED":
        print(summary(result), file=sys.stderr)
        return 1
    for line in table_lines(result.columns, result.rows):
        print(line)
    print(summary(result), file=sys.stderr)
    return 0
