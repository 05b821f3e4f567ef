"""Amazon EC2: a lab's VPC pieces deleted with their stack, and an instance whose OS powers off.

Gaps filled, in install order:
- vpc_delete: CloudFormation deletes for the VPC pieces moto can create but not delete (route tables, routes,
  internet gateways and their attachments, subnet associations, flow logs);
- shutdown: EC2's instance-initiated shutdown behaviour (moto has none): `power_off` stops or terminates an instance
  whose OS halted.
Nothing here runs: start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import shutdown, vpc_delete
from .shutdown import power_off

GAP_FIXES = (vpc_delete, shutdown)

__all__ = ["install", "power_off", "start", "stop"]


def install() -> None:
    """Patch moto's EC2 (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of EC2 runs on its own: an instance powers off when the rehearsal says its OS halted."""


def stop() -> None:
    """Nothing to stop."""
