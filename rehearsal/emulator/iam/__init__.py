"""AWS IAM: roles as CloudFormation makes them, requests authorized as IAM would, and the emulator's own evaluator.

Gaps filled, in install order:
- role_managed_policies: ManagedPolicyArns of AWS::IAM::Role attached, updated and detached (moto drops them);
- service_prefix: IAM actions named by IAM's service prefix, not the SigV4 signing name (moto uses the signing name);
- empty_body_signature: SigV4 checks of requests with an empty body (moto rejects them when IAM is enforced);
- users_and_groups: users, groups and managed policies as CloudFormation makes and deletes them (moto has no group
  model, drops a user's groups, tags and boundary, leaves managed policies behind), and DeleteUser's conflicts;
- login_profiles: CreateLoginProfile's PasswordResetRequired kept (moto drops it).
evaluation.py evaluates policies for calls the emulator makes on a role's behalf (Scheduler assuming its execution
role), which moto does not. Nothing here runs: start() and stop() do nothing.
"""

from ..clock import ScaledClock
from . import empty_body_signature, login_profiles, role_managed_policies, service_prefix, users_and_groups
from .evaluation import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Unevaluated, decide, role_documents

GAP_FIXES = (role_managed_policies, service_prefix, empty_body_signature, users_and_groups, login_profiles)

__all__ = [
    "ALLOWED",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "Unevaluated",
    "decide",
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
