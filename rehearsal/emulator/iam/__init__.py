"""AWS IAM and STS: every request authorized as IAM evaluates it, roles as CloudFormation makes them.

Gaps filled, in install order:
- role_managed_policies: ManagedPolicyArns of AWS::IAM::Role attached, updated and detached (moto drops them);
- service_prefix: IAM actions named by IAM's service prefix, not the SigV4 signing name (moto uses the signing name);
- empty_body_signature: SigV4 checks of requests with an empty body (moto rejects them when IAM is enforced);
- user_boundaries: permissions boundaries of IAM users (moto has them for roles only);
- users_and_groups: users, groups and managed policies as CloudFormation makes and deletes them;
- sessions: what AssumeRole passes for its session: tags, managed session policies, source identity, MFA (moto
  keeps only the inline session policy);
- authorization: with IAM enforced, every request decided by evaluation.py with the caller's policies, the
  resource's policy, the request's real resource ARNs (resources.py, from the Service Authorization Reference in
  service_reference.py), what it authorizes besides (iam:PassRole: passed_roles.py) and its request context
  (context.py); what cannot be evaluated is refused, never allowed.

For other packages, the calls the emulator makes on someone's behalf:
- `authorize(access_key_id, action, resource, context)` decides `action` on `resource` (an ARN) for the IAM user or
  role session owning the key, as a request of theirs would be (identity, boundary, session policies, the bucket
  policy of an S3 resource), with `context` added to the keys the emulator fills (aws:CalledVia for a call made
  through a service, say). Offline Athena checking the caller's Glue and S3 permissions is what it is for.
- `assume_role_as_service(service, role_arn, source_arn, source_account)` decides whether a service principal
  (scheduler.amazonaws.com) may assume a role, by the role's trust policy with aws:SourceArn and aws:SourceAccount
  as that service sets them.
- `authorize_root(account, action, resource)` decides for the account's root user, which the emulator's test
  credentials stand for while IAM is not enforced: only a resource policy's explicit Deny limits it (s3's bucket
  policies use it).
All return a Decision (allowed, reason); what cannot be evaluated comes back not allowed, with the reason.
`enforced()` says whether IAM is enforced now; `deletion_refused(key)` whether the DeleteObjects request being
answered may not delete that key (S3 answers each key of the batch on its own); `never_known(key)` whether a
condition key is one AWS carries on every request and the emulator can never fill (aws:SourceIp).
organizations.py says what the emulator knows of an account's AWS Organizations organization (aws:PrincipalOrgID,
SCPs). evaluation.py (with conditions.py and policy_text.py) is the engine: evaluate(Request, Policies) -> Decision, or
Unevaluated naming what it cannot decide; roles.py reads a role's policies. Nothing here runs: start() and stop() do
nothing.
"""

from ..clock import ScaledClock
from . import (
    authorization,
    empty_body_signature,
    login_profiles,
    role_managed_policies,
    service_prefix,
    sessions,
    user_boundaries,
    users_and_groups,
)
from .api import assume_role_as_service, authorize, authorize_root
from .authorization import deletion_refused, enforced
from .context import never_known
from .evaluation import UNKNOWABLE_KEYS, Decision, Policies, Principal, Request, Unevaluated, evaluate
from .roles import role_documents

GAP_FIXES = (
    role_managed_policies,
    service_prefix,
    empty_body_signature,
    user_boundaries,
    users_and_groups,
    login_profiles,
    sessions,
    authorization,
)

__all__ = [
    "UNKNOWABLE_KEYS",
    "Decision",
    "Policies",
    "Principal",
    "Request",
    "Unevaluated",
    "assume_role_as_service",
    "authorize",
    "authorize_root",
    "deletion_refused",
    "enforced",
    "evaluate",
    "install",
    "never_known",
    "role_documents",
    "start",
    "stop",
]


def install() -> None:
    """Patch moto's IAM and STS (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of IAM runs on its own."""


def stop() -> None:
    """Nothing to stop."""
