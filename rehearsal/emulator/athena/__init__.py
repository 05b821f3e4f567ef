"""Amazon Athena: a stack's workgroup and saved queries, and queries that really run over the lab's objects.

Gaps filled, in install order:
- cloudformation: AWS::Athena::WorkGroup and AWS::Athena::NamedQuery as CloudFormation resources (moto has no model);
- queries: Athena queries that really run, asynchronously, and can be stopped (moto answers every
  StartQueryExecution with canned, empty results);
- permissions: with IAM enforced, a query reads the catalog and the objects, and writes its result, with its
  caller's Glue and S3 permissions, and GetQueryResults reads the result with its own (moto checks none).
engine.py is the query engine they run on: Athena's SQL translated by sqlglot and run by DuckDB over the objects the
Glue catalog points at; running.py the queue and workers they run on, within limits.py's limits.
Running: start() starts the workers with the limits the environment sets (limits.py), stop() cancels every query
still queued or running, interrupts them and joins the workers.
"""

import os

from ..clock import ScaledClock
from . import cloudformation, permissions, queries
from .engine import java_double
from .limits import ACTIVE_QUERIES, MEMORY_ENV, TIMEOUT_ENV, WORKERS
from .limits import from_environment as limits_from_environment
from .queries import parse_result_csv, result_csv
from .running import RUNNER

GAP_FIXES = (cloudformation, queries, permissions)

__all__ = [
    "ACTIVE_QUERIES",
    "MEMORY_ENV",
    "TIMEOUT_ENV",
    "WORKERS",
    "install",
    "java_double",
    "limits_from_environment",
    "parse_result_csv",
    "result_csv",
    "start",
    "stop",
]


def install() -> None:
    """Patch moto's Athena (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Run queries from now on, on workers of their own (their time is real time, not `clock`'s)."""
    RUNNER.start(limits_from_environment(os.environ))


def stop() -> None:
    """End every query still queued or running; no result of them is written."""
    RUNNER.stop()
