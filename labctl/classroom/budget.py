"""The class's Budgets backstop as class-up and class-down handle it (lab_stack/budget_backstop.py builds it): its
amount and the instructor's email, given (BUDGET=, BUDGET_EMAIL=), kept from the deployed class, or derived from the
class's cost; and what of it is left after class-down.

A later class-up keeps the deployed amount and email unless given anew, as it keeps the class's end; without either
ever given, the amount is `make class-cost`'s (cost.ClassEstimate.default_budget_usd) and the notices go to the
budget's SNS topic only.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from lab_stack.names import class_budget_name
from labctl.classroom.stacks import outputs
from labctl.i18n import _


@dataclass(frozen=True)
class BudgetSettings:
    amount_usd: int
    email: str | None

    def context(self) -> list[str]:
        """The class app's `-c` settings of the budget."""
        return [f"budgetUsd={self.amount_usd}", *([f"budgetEmail={self.email}"] if self.email else [])]


def deployed(budget_stack: dict | None) -> BudgetSettings | None:
    """The deployed budget stack's amount and email (its outputs), or None before it exists."""
    found = outputs(budget_stack) if budget_stack else {}
    if not found.get("BudgetUsd"):
        return None
    return BudgetSettings(int(found["BudgetUsd"]), found.get("BudgetEmail") or None)


def chosen(amount_usd: int | None, email: str | None, kept: BudgetSettings | None, default_usd: int) -> BudgetSettings:
    """What is given wins, then what is deployed, then the default amount and no email."""
    return BudgetSettings(
        amount_usd or (kept.amount_usd if kept else default_usd),
        email or (kept.email if kept else None),
    )


def leftovers(budgets, account_id: str, class_name: str) -> list[str]:
    """The class's budget and its actions, if still there (the Budgets API is global: they are in no region's tagging
    API)."""
    name = class_budget_name(class_name)
    found = []
    try:
        budgets.describe_budget(AccountId=account_id, BudgetName=name)
        found.append(_("budget: {name}").format(name=name))
    except ClientError as error:
        if error.response["Error"]["Code"] != "NotFoundException":
            raise
    for page in budgets.get_paginator("describe_budget_actions_for_account").paginate(AccountId=account_id):
        found += [
            _("budget action: {action} of {name}").format(action=a["ActionId"], name=name)
            for a in page["Actions"]
            if a["BudgetName"] == name
        ]
    return found
