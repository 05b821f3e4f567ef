"""AWS Budgets: budgets and budget actions exist as AWS documents them; none is ever crossed here.

Gaps filled, in install order:
- actions: budget actions in the Budgets API (moto has none), checked as the API reference documents; only the kind the
  lab uses (RUN_SSM_DOCUMENTS, STOP_EC2_INSTANCES) accepted, any other refused naming it; DeleteBudget takes a
  budget's actions with it;
- tags: a budget's and an action's ResourceTags, read back with ListTagsForResource (moto keeps none);
- cloudformation: AWS::Budgets::Budget and AWS::Budgets::BudgetsAction as CloudFormation resources (moto has no
  model); a budget setting that only shapes how spend is counted is refused, naming it.
What is never modelled, and so named as skipped by the rehearsal: spend. The emulator bills nothing, so no budget is
crossed, no notification sent and no action run; and AWS does not document which Systems Manager runbook a
STOP_EC2_INSTANCES action starts. What is: the resources, and, through `assume_execution_role`, the first thing a run
does, Budgets assuming the action's role for its budget, decided by the role's trust policy (iam package), so a
rehearsal can ask the emulator's IAM what the role would then be allowed. Nothing here runs: start() and stop() do
nothing.
"""

from __future__ import annotations

from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from .. import iam
from ..clock import ScaledClock
from . import actions, cloudformation, tags

GAP_FIXES = (actions, tags, cloudformation)
BUDGETS_PRINCIPAL = "budgets.amazonaws.com"

__all__ = ["BUDGETS_PRINCIPAL", "assume_execution_role", "install", "start", "stop"]


def assume_execution_role(
    account_id: str, region: str, role_arn: str, source_arn: str
) -> tuple[iam.Decision, str | None]:
    """(whether Budgets may assume `role_arn` for the budget or action `source_arn`, the session's access key id if it
    may): the role's trust policy evaluated with aws:SourceArn and aws:SourceAccount as Budgets sets them (Cost
    Management user guide, "Cross-service confused deputy prevention")."""
    decision = iam.assume_role_as_service(BUDGETS_PRINCIPAL, role_arn, source_arn, account_id)
    if not decision.allowed:
        return decision, None
    session = sts_backends[account_id][get_partition(region)].assume_role(
        region_name=region,
        role_session_name="budgets",
        role_arn=role_arn,
        policy=None,
        duration=900,
        external_id=None,
    )
    return decision, session.access_key_id


def install() -> None:
    """Patch moto's Budgets (idempotent)."""
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def start(endpoint_url: str, clock: ScaledClock) -> None:
    """Nothing of Budgets runs: no spend is recorded, so nothing is ever crossed."""


def stop() -> None:
    """Nothing to stop."""
