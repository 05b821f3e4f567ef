"""AWS Systems Manager: what the emulator answers Session Manager with.

Gaps filled:
- sessions: StartSession, authorized like any request, answered with SSM's TargetNotConnected (moto has no
  StartSession and fails with HTTP 500).
Nothing here runs: start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import sessions

GAP_FIXES = (sessions,)

__all__ = ["install", "start", "stop"]


def install() -> None:
    """Patch moto's SSM (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of SSM runs on its own."""


def stop() -> None:
    """Nothing to stop."""
