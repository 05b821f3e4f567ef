"""AWS Systems Manager: Parameter Store parameters as CloudFormation makes them, and Session Manager's answer.

Gaps filled:
- parameter_tags: AWS::SSM::Parameter's Tags, a JSON object in CloudFormation, are kept;
- sessions: StartSession, authorized like any request, answered with SSM's TargetNotConnected.
Nothing here runs: start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import parameter_tags, sessions

GAP_FIXES = (parameter_tags, sessions)

__all__ = ["install", "start", "stop"]


def install() -> None:
    """Patch moto's SSM (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of SSM runs on its own."""


def stop() -> None:
    """Nothing to stop."""
