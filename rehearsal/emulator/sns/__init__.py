"""Amazon SNS: topics and their policies as a stack makes them.

Gaps filled:
- topic_policy: AWS::SNS::TopicPolicy as a CloudFormation resource (moto has none: a stack's topic kept its default
  policy).
Nothing publishes here (the class's budget topic waits for notices no budget sends offline). Nothing here runs:
start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import topic_policy

GAP_FIXES = (topic_policy,)

__all__ = ["install", "start", "stop"]


def install() -> None:
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of SNS runs on its own."""


def stop() -> None:
    """Nothing to stop."""
