"""AWS KMS: keys made by CloudFormation behave like keys made by CreateKey.

Gaps filled:
- keys: AWS::KMS::Key's create stores a usable key policy and honours the template's settings (moto's DescribeKey
  then answered HTTP 500), and its delete schedules the key's deletion as CloudFormation does.
Nothing here runs: start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import keys

GAP_FIXES = (keys,)

__all__ = ["install", "start", "stop"]


def install() -> None:
    """Patch moto's KMS (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of KMS runs on its own."""


def stop() -> None:
    """Nothing to stop."""
