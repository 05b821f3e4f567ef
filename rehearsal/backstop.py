"""The class's Budgets backstop, offline: what its action names, and what AWS would let its role do.

The emulator bills nothing, so the budget is never crossed and the action never runs (SKIPPED says so, in the
rehearsal's output). What can be checked is checked: the action names exactly every lab's instance, and the emulator's
IAM engine decides, as AWS documents it, each step of a run: Budgets assuming the role for this budget's action (and
not for another budget's), the role starting a Systems Manager automation, and the automation, with the role's
credentials and aws:CalledVia = ssm.amazonaws.com as a call through Systems Manager carries it (IAM user guide,
"aws:CalledVia"), stopping each of the class's instances; and it refuses the role what the class does not need: a
direct StopInstances, starting or terminating an instance, stopping an instance that is not the class's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lab_stack.names import class_budget_name
from rehearsal.emulator import budgets, iam

SKIPPED = (
    "the budget being crossed and its action's run (the emulator bills nothing, so no budget is ever crossed; AWS "
    "does not document which Systems Manager runbook the action starts)"
)
# A runbook of AWS's own in the class's region (AWS does not say which one Budgets starts; this one stops instances).
RUNBOOK = "arn:aws:ssm:{region}::automation-definition/AWS-StopEC2Instance:$DEFAULT"
VIA_SSM = {"aws:CalledVia": ["ssm.amazonaws.com"]}


@dataclass(frozen=True)
class RoleProbe:
    """One decision AWS would make for the action's run, and the one the class needs."""

    what: str
    expected: bool
    allowed: bool
    reason: str

    @property
    def holds(self) -> bool:
        return self.allowed == self.expected

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "refused"
        return f"{self.what}: {verdict}" + ("" if self.holds else f" (AWS would decide otherwise: {self.reason})")


def named_instances(client: Callable[[str], Any], account_id: str, class_name: str) -> list[str]:
    """The instance ids the class's budget action names (empty when there is no action)."""
    found = client("budgets").describe_budget_actions_for_budget(
        AccountId=account_id, BudgetName=class_budget_name(class_name)
    )
    return sorted(i for a in found["Actions"] for i in a["Definition"]["SsmActionDefinition"]["InstanceIds"])


def probe_role(
    client: Callable[[str], Any], account_id: str, region: str, class_name: str, instances: list[str], stranger: str
) -> list[RoleProbe]:
    """The decisions of a run, in order; `stranger` is an instance that is not the class's."""
    name = class_budget_name(class_name)
    [action] = client("budgets").describe_budget_actions_for_budget(AccountId=account_id, BudgetName=name)["Actions"]
    role, budget_arn = action["ExecutionRoleArn"], f"arn:aws:budgets::{account_id}:budget/{name}"
    probes = []

    def record(what: str, expected: bool, decision: iam.Decision) -> None:
        probes.append(RoleProbe(what, expected, decision.allowed, decision.reason))

    other, _ = budgets.assume_execution_role(
        account_id, region, role, f"{budget_arn}-other/action/{action['ActionId']}"
    )
    record("Budgets assumes the role for another budget", False, other)
    assumed, key = budgets.assume_execution_role(account_id, region, role, f"{budget_arn}/action/{action['ActionId']}")
    record("Budgets assumes the role for this budget's action", True, assumed)
    if key is None:
        return probes

    def instance(instance_id: str) -> str:
        return f"arn:aws:ec2:{region}:{account_id}:instance/{instance_id}"

    record(
        "the role starts an AWS-owned stop runbook",
        True,
        iam.authorize(key, "ssm:StartAutomationExecution", RUNBOOK.format(region=region)),
    )
    for instance_id in instances:
        record(
            f"the automation stops {instance_id}",
            True,
            iam.authorize(key, "ec2:StopInstances", instance(instance_id), VIA_SSM),
        )
    first = instance(instances[0])
    record("the role stops an instance itself, not through SSM", False, iam.authorize(key, "ec2:StopInstances", first))
    record("the automation starts an instance", False, iam.authorize(key, "ec2:StartInstances", first, VIA_SSM))
    record("the automation terminates an instance", False, iam.authorize(key, "ec2:TerminateInstances", first, VIA_SSM))
    record(
        "the automation stops an instance that is not the class's",
        False,
        iam.authorize(key, "ec2:StopInstances", instance(stranger), VIA_SSM),
    )
    return probes
