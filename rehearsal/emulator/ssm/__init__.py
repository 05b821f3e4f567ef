"""AWS Systems Manager Parameter Store: parameters as CloudFormation makes them (a class's stack writes its shared
VPC's ids there for its labs).

Gaps filled:
- parameter_tags: AWS::SSM::Parameter's Tags, a JSON object in CloudFormation, are kept (moto expects a list and
  fails the resource).
Nothing here runs: start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import parameter_tags

GAP_FIXES = (parameter_tags,)

__all__ = ["install", "start", "stop"]


def install() -> None:
    """Patch moto's SSM (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of SSM runs on its own."""


def stop() -> None:
    """Nothing to stop."""
