"""Amazon EventBridge Scheduler: a stack's schedules exist, and one-time schedules fire on the emulator's clock.

Gaps filled, in install order:
- cloudformation: AWS::Scheduler::ScheduleGroup and AWS::Scheduler::Schedule as CloudFormation resources (moto has
  no model);
- firing: one-time `at()` schedules run their universal-target call, as the role they name (moto never invokes a
  target), and a schedule that could not fire here is refused when it is created.
"""

from . import cloudformation, firing
from .firing import at_time

GAP_FIXES = (cloudformation, firing)

__all__ = ["at_time", "install"]


def install() -> None:
    """Patch moto's Scheduler (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()
