"""The offline Athena's asynchronous queries, timed: how fast StartQueryExecution answers, how soon a stop or the
time limit frees a worker, what `make query --timeout 2` takes, and how long the emulator takes to stop with queries
running.

    .venv/bin/python bench/bench_athena.py      # ~1 min

Each number is the median of a few runs, in milliseconds, against an in-process emulator holding a one-table lab;
the runaway query counts 10^12 rows (hours in DuckDB). Not a test: it prints numbers.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from labctl.query import run_query  # noqa: E402
from rehearsal.emulator import Emulator  # noqa: E402
from rehearsal.emulator.athena import ACTIVE_QUERIES, TIMEOUT_ENV, WORKERS  # noqa: E402
from support.emulator.athena import RUNAWAY, execution_when, one_table_lab, start  # noqa: E402

RUNS = 5


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def timed(action) -> float:
    began = time.monotonic()
    action()
    return time.monotonic() - began


def until(athena, query_id: str, states: tuple[str, ...]) -> float:
    return timed(lambda: execution_when(athena, query_id, states))


def main() -> None:
    answers, visible, freed, small = [], [], [], []
    with Emulator() as emulator:
        athena = one_table_lab(emulator, "bench-athena", {"n": "int"}, b'{"n": 1}\n{"n": 2}\n')
        for _ in range(RUNS):
            busy = []
            for _ in range(WORKERS):
                began = time.monotonic()
                busy.append(start(athena, RUNAWAY))
                answers.append(time.monotonic() - began)
            for query_id in busy:
                execution_when(athena, query_id, ("RUNNING",))
            waiting = start(athena, "SELECT 1")  # QUEUED until a worker is free
            began = time.monotonic()
            athena.stop_query_execution(QueryExecutionId=busy[0])
            execution_when(athena, busy[0])
            visible.append(time.monotonic() - began)
            execution_when(athena, waiting, ("RUNNING", "SUCCEEDED"))
            freed.append(time.monotonic() - began)
            athena.stop_query_execution(QueryExecutionId=busy[1])
            execution_when(athena, waiting)
            small.append(
                timed(lambda: run_query(athena, sql="SELECT sum(n) FROM events", database="lab", workgroup="lab"))
            )
        labctl = [
            timed(lambda: run_query(athena, sql=RUNAWAY, database="lab", workgroup="lab", timeout=2)) for _ in range(3)
        ]
        for _ in range(WORKERS):
            execution_when(athena, start(athena, RUNAWAY), ("RUNNING",))
        for _ in range(ACTIVE_QUERIES - WORKERS):
            start(athena, "SELECT 1")
        stopping = timed(emulator.stop)

    os.environ[TIMEOUT_ENV] = "1"
    timed_out = []
    with Emulator() as emulator:
        athena = one_table_lab(emulator, "bench-athena", {"n": "int"}, b'{"n": 1}\n')
        for _ in range(3):
            query_id = start(athena, RUNAWAY)
            execution_when(athena, query_id, ("RUNNING",))
            timed_out.append(until(athena, query_id, ("FAILED",)))

    lines = [
        ("StartQueryExecution of a runaway query answers in", median(answers)),
        ("StopQueryExecution to CANCELLED seen by GetQueryExecution", median(visible)),
        ("StopQueryExecution to its worker running the next query", median(freed)),
        ("a small query through labctl's run_query (it polls)", median(small)),
        ("labctl's run_query with --timeout 2 on a runaway query", median(labctl)),
        ("a 1 s time limit, from RUNNING to FAILED", median(timed_out)),
        (f"emulator.stop() with {WORKERS} queries running, {ACTIVE_QUERIES - WORKERS} queued", stopping),
    ]
    for label, seconds in lines:
        print(f"{label:<62}{ms(seconds)}")


if __name__ == "__main__":
    main()
