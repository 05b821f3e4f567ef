"""`make query`: a saved query by name or SQL of one's own, run in the lab's workgroup and printed as a table.

Run in-process against the emulator holding the lab's own catalog and saved queries (from the synthesized
template), exactly as a student's shell would run it against AWS: credentials and endpoint from the environment.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime

import pytest

from labctl.__main__ import main
from labctl.query import table_lines
from rehearsal.emulator import Emulator
from rehearsal.emulator.athena import WORKERS
from support.emulator.athena import RUNAWAY, execution_when
from support.queryable_lab import stack_template

BUCKET = "labctl-query-bucket"
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def lab(template, tmp_path_factory):
    with Emulator() as emu:
        emu.client("cloudformation").create_stack(
            StackName="FirehoseLab", TemplateBody=stack_template(template, BUCKET)
        )
        lines = [
            {
                "event_time": NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "event_id": str(i),
                "producer_id": "p",
                "seq": i,
                "ticker": ticker,
                "exchange": "XNAS",
                "side": "buy",
                "price": 10.0,
                "quantity": 2,
            }
            for i, ticker in enumerate(["MSFT", "MSFT", "AAPL"])
        ]
        emu.client("s3").put_object(
            Bucket=BUCKET,
            Key=NOW.strftime("data/year=%Y/month=%m/day=%d/hour=%H/delivery"),
            Body="".join(json.dumps(line) + "\n" for line in lines).encode(),
        )
        yield emu, emu.cli_env(tmp_path_factory.mktemp("cdk-home"))


@pytest.fixture
def as_student(lab, monkeypatch):
    _, env = lab
    for key in [k for k in list(os.environ) if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_a_saved_query_by_name_prints_its_result_table(as_student, capsys):
    assert main(["query", "top tickers"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "ticker | trades | shares | avg_price",
        "-------+--------+--------+----------",
        "MSFT   |      2 |      4 |      10.0",
        "AAPL   |      1 |      2 |      10.0",
    ]
    assert "-- top tickers:" in err and "2 rows" in err


def test_sql_on_the_command_line_runs_in_the_labs_database(as_student, capsys):
    assert main(["query", "--sql", "SELECT count(*) AS events, count(DISTINCT ticker) FROM events"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[0] == "events | _col1"
    assert out.splitlines()[2].split() == ["3", "|", "2"]


def test_without_a_name_the_saved_queries_are_listed(as_student, capsys):
    assert main(["query"]) == 0
    out, _ = capsys.readouterr()
    assert "  events per minute: " in out and "  top tickers: " in out


def test_a_query_that_fails_prints_athenas_reason_and_exits_1(as_student, capsys):
    assert main(["query", "--sql", "SELECT nope FROM events"]) == 1
    _, err = capsys.readouterr()
    assert err.startswith("query FAILED: COLUMN_NOT_FOUND")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["query", "top stocks"],
            "query: no saved query 'top stocks' in workgroup FirehoseLab; saved: events per minute, top tickers",
        ),
        (["query", "top tickers", "--sql", "SELECT 1"], "query: give a saved query's name or --sql, not both"),
        (["query", "-c", "labName=Other", "top tickers"], "query: no deployed lab named 'Other'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(as_student, capsys, args, message):
    assert main(args) == 2
    _, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1 and err.startswith(message)


def the_query_of(err: str) -> str:
    return err.rsplit("(query id ", 1)[1].split(")")[0]


def test_a_query_still_running_at_the_timeout_is_stopped_in_one_line(lab, as_student, capsys):
    assert main(["query", "--sql", RUNAWAY, "--timeout", "2"]) == 1
    _, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("query TIMED OUT: still RUNNING after 2s; stopped (query id ")
    emu, _ = lab
    assert execution_when(emu.client("athena"), the_query_of(err))["Status"]["State"] == "CANCELLED"


def test_a_query_still_queued_at_the_timeout_is_stopped_too(lab, as_student, capsys):
    emu, _ = lab
    athena = emu.client("athena")
    busy = [
        athena.start_query_execution(
            QueryString=RUNAWAY, QueryExecutionContext={"Database": "firehoselab"}, WorkGroup="FirehoseLab"
        )["QueryExecutionId"]
        for _ in range(WORKERS)
    ]
    try:
        for query_id in busy:
            execution_when(athena, query_id, ("RUNNING",))
        assert main(["query", "--sql", "SELECT 1", "--timeout", "0.5"]) == 1
        _, err = capsys.readouterr()
        assert err.startswith("query TIMED OUT: still QUEUED after 0.5s; stopped (query id ")
        assert execution_when(athena, the_query_of(err))["Status"]["State"] == "CANCELLED"
    finally:
        for query_id in busy:
            athena.stop_query_execution(QueryExecutionId=query_id)


def test_a_query_cancelled_by_someone_else_ends_the_wait_with_exit_1(lab, as_student, capsys):
    """The console, another terminal or a colleague's StopQueryExecution: the wait ends, named, exit 1."""
    emu, _ = lab
    athena = emu.client("athena")

    def stop_the_running_one() -> None:
        while True:
            for query_id in athena.list_query_executions(WorkGroup="FirehoseLab")["QueryExecutionIds"]:
                execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
                if execution["Query"] == RUNAWAY and execution["Status"]["State"] == "RUNNING":
                    athena.stop_query_execution(QueryExecutionId=query_id)
                    return
            time.sleep(0.05)

    stopper = threading.Thread(target=stop_the_running_one, daemon=True)
    stopper.start()
    assert main(["query", "--sql", RUNAWAY, "--timeout", "120"]) == 1
    stopper.join()
    _, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1 and err.startswith("query CANCELLED: ")


def test_the_table_aligns_numbers_right_and_shows_null():
    lines = table_lines([("name", "varchar"), ("n", "bigint")], [["a", "1"], [None, "100"]])
    assert lines == ["name |   n", "-----+----", "a    |   1", "NULL | 100"]
