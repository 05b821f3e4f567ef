"""The emulator's Athena runs queries asynchronously, as Athena does (API reference: StartQueryExecution,
QueryExecutionStatus, QueryExecutionStatistics, StopQueryExecution, GetQueryResults): StartQueryExecution answers at
once; the query is QUEUED, RUNNING on one of a few workers, then SUCCEEDED, FAILED or CANCELLED. StopQueryExecution
ends a running query and no result of it appears; on a finished query it changes nothing. A query is limited in time
(Athena's DML query timeout) and in memory, and more active queries than the quota are refused."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.s3.models import s3_backends

from labctl.toolkit import ROOT
from rehearsal.emulator import ACCOUNT_ID, Emulator
from rehearsal.emulator.athena import ACTIVE_QUERIES, MEMORY_ENV, TIMEOUT_ENV, WORKERS
from support.emulator.athena import RUNAWAY, execution_when, one_table_lab, start

BUCKET = "async-bucket"
LINES = b'{"n": 1}\n{"n": 2}\n'
# No call may hang a test: an API call answers in seconds, whatever the query it starts.
QUICK_ANSWERS = Config(read_timeout=15, retries={"max_attempts": 1})


def lab_athena(emulator: Emulator):
    one_table_lab(emulator, BUCKET, {"n": "int"}, LINES)
    return emulator.client("athena", config=QUICK_ANSWERS)


@pytest.fixture
def athena():
    """An emulator of its own for each test (moto's backends are process-wide: one emulator at a time)."""
    with Emulator() as emulator:
        yield lab_athena(emulator)


def state(athena, query_id: str) -> str:
    return athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"]


def stop_all(athena, query_ids) -> None:
    for query_id in query_ids:
        athena.stop_query_execution(QueryExecutionId=query_id)
    for query_id in query_ids:
        execution_when(athena, query_id)


def test_start_answers_at_once_and_the_query_runs_on_a_worker(athena):
    query_id = start(athena, RUNAWAY)
    submitted = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
    assert submitted["Status"]["State"] in ("QUEUED", "RUNNING")
    assert "CompletionDateTime" not in submitted["Status"]
    running = execution_when(athena, query_id, ("RUNNING",))
    assert "CompletionDateTime" not in running["Status"]
    assert running["Statistics"]["EngineExecutionTimeInMillis"] >= 0
    stop_all(athena, [query_id])


def test_stop_query_execution_cancels_a_running_query(athena):
    query_id = start(athena, RUNAWAY)
    execution_when(athena, query_id, ("RUNNING",))
    athena.stop_query_execution(QueryExecutionId=query_id)
    stopped = execution_when(athena, query_id)
    assert stopped["Status"]["State"] == "CANCELLED"
    assert stopped["Status"]["CompletionDateTime"] >= stopped["Status"]["SubmissionDateTime"]
    with pytest.raises(ClientError, match="Query did not finish successfully. Final query state: CANCELLED"):
        athena.get_query_results(QueryExecutionId=query_id)
    assert state(athena, start_and_finish(athena, "SELECT 1")) == "SUCCEEDED"  # its worker is free again


def start_and_finish(athena, sql: str) -> str:
    query_id = start(athena, sql)
    execution_when(athena, query_id)
    return query_id


def test_results_of_a_query_still_running_are_refused_as_athena_refuses_them(athena):
    query_id = start(athena, RUNAWAY)
    execution_when(athena, query_id, ("RUNNING",))
    with pytest.raises(ClientError) as refused:
        athena.get_query_results(QueryExecutionId=query_id)
    # The InvalidRequestException Athena answers (its wording, as clients report it: e.g.
    # mtanda/grafana-aws-athena-datasource#38).
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert refused.value.response["Error"]["Message"] == "Query has not yet finished. Current state: RUNNING"
    stop_all(athena, [query_id])


def test_stop_on_a_finished_query_is_accepted_and_changes_nothing(athena):
    for sql, final in (("SELECT sum(n) AS total FROM events", "SUCCEEDED"), ("SELECT nope FROM events", "FAILED")):
        query_id = start_and_finish(athena, sql)
        before = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        athena.stop_query_execution(QueryExecutionId=query_id)
        after = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        assert after["Status"] == before["Status"] and after["Status"]["State"] == final
        assert after["Statistics"] == before["Statistics"]
    rows = athena.get_query_results(QueryExecutionId=start_and_finish(athena, "SELECT 7 AS n"))["ResultSet"]["Rows"]
    assert [r["Data"][0]["VarCharValue"] for r in rows] == ["n", "7"]


def test_a_query_waits_queued_while_every_worker_is_busy(athena):
    busy = [start(athena, RUNAWAY) for _ in range(WORKERS)]
    for query_id in busy:
        execution_when(athena, query_id, ("RUNNING",))
    waiting = start(athena, "SELECT 1")
    queued = athena.get_query_execution(QueryExecutionId=waiting)["QueryExecution"]
    assert queued["Status"]["State"] == "QUEUED"
    assert queued["Statistics"]["EngineExecutionTimeInMillis"] == 0  # it has not run
    athena.stop_query_execution(QueryExecutionId=waiting)  # stopped before it ever ran
    assert execution_when(athena, waiting)["Status"]["State"] == "CANCELLED"
    stop_all(athena, busy)
    assert state(athena, start_and_finish(athena, "SELECT 1")) == "SUCCEEDED"


def test_more_active_queries_than_the_quota_are_refused_as_athena_refuses_them(athena):
    """Service Quotas, Amazon Athena: "A DML or DDL query quota includes both running and queued queries ...
    query 26 will result in a TooManyRequestsException error." """
    active = [start(athena, RUNAWAY) for _ in range(ACTIVE_QUERIES)]
    with pytest.raises(ClientError) as refused:
        start(athena, "SELECT 1")
    assert refused.value.response["Error"]["Code"] == "TooManyRequestsException"
    stop_all(athena, active)
    assert state(athena, start_and_finish(athena, "SELECT 1")) == "SUCCEEDED"


def test_a_finished_query_reports_its_times_and_bytes_as_the_api_reference_defines_them(athena):
    execution = athena.get_query_execution(QueryExecutionId=start_and_finish(athena, "SELECT sum(n) FROM events"))[
        "QueryExecution"
    ]
    status, statistics = execution["Status"], execution["Statistics"]
    assert status["State"] == "SUCCEEDED"
    assert statistics["DataScannedInBytes"] == len(LINES)  # the table's one object, read whole
    # Total: what Athena took to run the query, its queue, its engine and publishing the result included.
    parts = ("QueryQueueTimeInMillis", "EngineExecutionTimeInMillis", "ServiceProcessingTimeInMillis")
    assert statistics["TotalExecutionTimeInMillis"] == sum(statistics[part] for part in parts)
    assert statistics["QueryPlanningTimeInMillis"] <= statistics["EngineExecutionTimeInMillis"]  # "a subset"
    took = status["CompletionDateTime"] - status["SubmissionDateTime"]
    assert timedelta(0) <= took and timedelta(milliseconds=statistics["TotalExecutionTimeInMillis"]) <= took + (
        timedelta(milliseconds=1)
    )


@pytest.fixture
def limited():
    """An emulator whose queries may run 3 s and hold 64 MiB."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv(TIMEOUT_ENV, "3")
        env.setenv(MEMORY_ENV, "64")
        with Emulator() as emulator:
            yield lab_athena(emulator)


def test_a_query_past_the_time_limit_fails_as_athena_fails_it(limited):
    execution = execution_when(limited, start(limited, RUNAWAY))
    status = execution["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith("EXCEEDED_TIME_LIMIT: Query exceeded maximum time limit of 3.00s")
    assert status["AthenaError"]["ErrorCategory"] == 1  # SYSTEM (Athena error catalog)


def test_a_query_past_the_memory_limit_fails_instead_of_taking_the_host(limited):
    many_keys = (
        "SELECT count(*) FROM (SELECT DISTINCT a.x * 10000 + b.y AS k FROM UNNEST(sequence(1, 10000)) AS a(x) "
        "CROSS JOIN UNNEST(sequence(1, 2000)) AS b(y))"
    )
    status = execution_when(limited, start(limited, many_keys))["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith("Query exhausted resources at this scale factor")


def test_stopping_the_emulator_ends_its_queries_and_no_result_appears_later():
    with Emulator() as emulator:
        athena = lab_athena(emulator)
        running = [start(athena, RUNAWAY) for _ in range(WORKERS)]
        for query_id in running:
            execution_when(athena, query_id, ("RUNNING",))
        start(athena, "SELECT 1")  # queued behind them: it never runs
    # stop() has interrupted the running queries and waited for its workers: nothing of them is left to write.
    keys = s3_backends[ACCOUNT_ID]["aws"].get_bucket(BUCKET).keys
    assert [key for key in keys if key.startswith("results/")] == []


STOP_WITH_A_QUERY_RUNNING = textwrap.dedent(
    f"""
    from botocore.config import Config
    from rehearsal.emulator import Emulator
    from support.emulator.athena import RUNAWAY, execution_when, one_table_lab, start
    emulator = Emulator().start()
    one_table_lab(emulator, "{BUCKET}", {{"n": "int"}}, b'{{"n": 1}}\\n')
    athena = emulator.client("athena", config=Config(read_timeout=15, retries={{"max_attempts": 1}}))
    execution_when(athena, start(athena, RUNAWAY), ("RUNNING",))
    emulator.stop()
    print("stopped")
    """
)


def test_a_process_that_stops_its_emulator_with_a_query_running_exits_cleanly():
    """What `make lab-local` does at Ctrl-C: the process ends, no abort, no thread left running a query."""
    process = subprocess.Popen(
        [sys.executable, "-c", STOP_WITH_A_QUERY_RUNNING],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert (process.returncode, out) == (0, "stopped\n"), err
    assert "Traceback" not in err


def test_objects_read_past_the_memory_limit_fail_the_query_before_they_are_held(limited):
    # 108 MB of JSON lines in a 100 KB gzip object: inflating it whole would hold the host's memory, not the query's.
    emulator_s3 = s3_backends[ACCOUNT_ID]["aws"]
    emulator_s3.put_object(BUCKET, "events/big.json.gz", gzip.compress(b'{"n": 1}\n' * 12_000_000))
    try:
        status = execution_when(limited, start(limited, "SELECT count(*) FROM events"))["Status"]
    finally:
        emulator_s3.delete_object(BUCKET, "events/big.json.gz")
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"].startswith("Query exhausted resources at this scale factor")
