"""AWS Glue: the Data Catalog a stack declares, where Firehose's conversion and the emulator's Athena read it.

Gaps filled:
- cloudformation: AWS::Glue::Database and AWS::Glue::Table as CloudFormation resources (moto has no model; its Glue
  API works).
Nothing here runs: start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import cloudformation

GAP_FIXES = (cloudformation,)

__all__ = ["install", "start", "stop"]


def install() -> None:
    """Patch moto's Glue (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of Glue runs on its own."""


def stop() -> None:
    """Nothing to stop."""
