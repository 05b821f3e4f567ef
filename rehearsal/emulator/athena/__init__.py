"""Amazon Athena: a stack's workgroup and saved queries, and queries that really run over the lab's objects.

Gaps filled, in install order:
- cloudformation: AWS::Athena::WorkGroup and AWS::Athena::NamedQuery as CloudFormation resources (moto has no model);
- queries: Athena queries that really run (moto answers every StartQueryExecution with canned, empty results).
engine.py is the query engine they run on: Athena's SQL translated by sqlglot and run by DuckDB over the objects the
Glue catalog points at. Nothing here runs on its own: start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import cloudformation, queries
from .engine import java_double
from .queries import parse_result_csv, result_csv

GAP_FIXES = (cloudformation, queries)

__all__ = ["install", "java_double", "parse_result_csv", "result_csv", "start", "stop"]


def install() -> None:
    """Patch moto's Athena (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Queries run inside the API call: nothing of Athena runs on its own."""


def stop() -> None:
    """Nothing to stop."""
