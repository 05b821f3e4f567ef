"""AWS IAM: roles as CloudFormation makes them, and policies evaluated as the IAM User Guide documents.

Gaps filled, in install order:
- role_managed_policies: ManagedPolicyArns of AWS::IAM::Role attached, updated and detached (moto drops them);
- service_prefix: IAM actions named by IAM's service prefix, not the SigV4 signing name (moto uses the signing name);
- empty_body_signature: SigV4 checks of requests with an empty body (moto rejects them when IAM is enforced).
evaluation.py is the emulator's IAM policy evaluation (moto's own knows one condition operator and passes no request
context): evaluate(Request, Policies) -> Decision, or Unevaluated naming what it cannot decide. roles.py reads a
role's policies for calls the emulator makes on its behalf (Scheduler). Nothing here runs: start() and stop() do
nothing.
"""

from ..clock import ScaledClock
from . import empty_body_signature, role_managed_policies, service_prefix
from .evaluation import UNKNOWABLE_KEYS, Decision, Policies, Principal, Request, Unevaluated, evaluate
from .roles import role_documents

GAP_FIXES = (role_managed_policies, service_prefix, empty_body_signature)

__all__ = [
    "UNKNOWABLE_KEYS",
    "Decision",
    "Policies",
    "Principal",
    "Request",
    "Unevaluated",
    "evaluate",
    "install",
    "role_documents",
    "start",
    "stop",
]


def install() -> None:
    """Patch moto's IAM (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of IAM runs on its own."""


def stop() -> None:
    """Nothing to stop."""
