"""Amazon EventBridge Scheduler: a stack's schedules exist, and one-time schedules fire on the emulator's clock.

Gaps filled, in install order:
- cloudformation: AWS::Scheduler::ScheduleGroup and AWS::Scheduler::Schedule as CloudFormation resources (moto has
  no model);
- firing: one-time `at()` schedules run their universal-target call, as the role they name (moto never invokes a
  target), and a schedule that could not fire here is refused when it is created.
Running: start() starts the thread that fires due schedules on the emulator's clock, stop() ends it; invocations()
is what fired since start().
"""

from ..clock import ScaledClock
from . import cloudformation, firing
from .firing import Invocation, at_time

GAP_FIXES = (cloudformation, firing)

__all__ = ["Invocation", "at_time", "install", "invocations", "start", "stop"]


def install() -> None:
    """Patch moto's Scheduler (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Fire due schedules on `clock` from now on, calling targets at `endpoint_url`; forget earlier invocations."""
    firing.FIRING.start(endpoint_url, clock)


def stop() -> None:
    """Stop firing."""
    firing.FIRING.stop()


def invocations() -> list[Invocation]:
    """Every schedule fired since start(), with its outcome."""
    return list(firing.INVOCATIONS)
