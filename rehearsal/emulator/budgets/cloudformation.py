"""CloudFormation models for AWS::Budgets::Budget and AWS::Budgets::BudgetsAction (moto 5.2.5 has none: a stack's
budget would exist nowhere, and its action neither).

A budget is made in moto's budgets backend, with its notifications; Ref is its name (CloudFormation template
reference, AWS::Budgets::Budget); its ResourceTags are kept (tags.py). Its settings that only shape how spend is
counted are refused, naming them: the emulator records no spend, so it could not honour them (CostFilters, CostTypes,
FilterExpression, Metrics, PlannedBudgetLimits, AutoAdjustData, BillingViewArn); a budget type other than COST
likewise. An update keeps the budget and its actions (UpdateBudget); a new name is a new budget.

An action is made through actions.py, its CloudFormation property names turned into the API's (ActionThreshold
Type/Value, Subscriber Type, SsmActionDefinition Subtype); Ref is `<ActionId>|<BudgetName>`, its primary identifier
(the resource's schema: primaryIdentifier ActionId, BudgetName). ActionType and BudgetName make a new action when they
change (createOnlyProperties); the rest update it. Defining the classes registers them with moto
(cloudformation/models.py).
"""

from __future__ import annotations

from typing import Any

from moto.budgets.models import Budget, budgets_backends
from moto.core.common_models import CloudFormationModel
from moto.utilities.utils import get_partition

from ..cloudformation import BackendModel, register_models, replace
from . import actions, tags

BUDGET_TYPES = ("COST",)
UNMODELLED_BUDGET_SETTINGS = (
    "CostFilters",
    "CostTypes",
    "FilterExpression",
    "Metrics",
    "PlannedBudgetLimits",
    "AutoAdjustData",
    "BillingViewArn",
)


def _backend(account_id: str, region_name: str) -> Any:
    return budgets_backends[account_id][get_partition(region_name)]


class BudgetModel(BackendModel, CloudFormationModel):
    CFN_TYPE = "AWS::Budgets::Budget"

    def __init__(self, account_id: str, region_name: str, name: str):
        self.account_id, self.region_name, self.name = account_id, region_name, name

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> BudgetModel:
        props = cloudformation_json["Properties"]
        budget, notifications = _budget_request(resource_name, props)
        backend = _backend(account_id, region_name)
        backend.create_budget(account_id=account_id, budget=budget, notifications=notifications)
        arn = tags.budget_arn(get_partition(region_name), account_id, budget["BudgetName"])
        tags.tag(backend, arn, props.get("ResourceTags", []))
        return cls(account_id, region_name, budget["BudgetName"])

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: BudgetModel,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> BudgetModel:
        """Its amount and notifications updated in place, its actions kept (UpdateBudget); a new name is a new budget
        (BudgetName is create-only)."""
        budget, notifications = _budget_request(new_resource_name, cloudformation_json["Properties"])
        if budget["BudgetName"] != original_resource.name:
            return replace(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        backend = _backend(account_id, region_name)
        backend.budgets[account_id][original_resource.name] = Budget(budget, notifications)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(self.account_id, self.region_name)
        if self.name in backend.budgets[self.account_id]:
            backend.delete_budget(self.account_id, self.name)
        tags.untag_all(backend, tags.budget_arn(get_partition(self.region_name), self.account_id, self.name))


def _budget_request(resource_name: str, props: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(CreateBudget's Budget, its NotificationsWithSubscribers), or InvalidParameterException naming a setting the
    emulator cannot honour."""
    budget = dict(props["Budget"])
    refused = [key for key in UNMODELLED_BUDGET_SETTINGS if key in budget]
    if refused:
        raise actions.InvalidParameterException(
            f"{', '.join(refused)}: the emulator records no spend, so it cannot count it as these settings say"
        )
    if budget.get("BudgetType") not in BUDGET_TYPES:
        raise actions.InvalidParameterException(
            f"BudgetType {budget.get('BudgetType')!r}: the emulator models COST budgets only"
        )
    budget.setdefault("BudgetName", resource_name[:100])
    if "BudgetLimit" in budget:  # the API's Spend.Amount is a string; CloudFormation's a number
        budget["BudgetLimit"] = {**budget["BudgetLimit"], "Amount": str(budget["BudgetLimit"]["Amount"])}
    return budget, props.get("NotificationsWithSubscribers", [])


class BudgetsActionModel(BackendModel, CloudFormationModel):
    CFN_TYPE = "AWS::Budgets::BudgetsAction"
    CFN_ATTRIBUTES = {"ActionId": "action_id"}

    def __init__(self, account_id: str, region_name: str, budget_name: str, action_id: str):
        self.account_id, self.region_name = account_id, region_name
        self.budget_name, self.action_id = budget_name, action_id
        self.name = f"{action_id}|{budget_name}"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> BudgetsActionModel:
        props = cloudformation_json["Properties"]
        request = api_request(props)
        backend = _backend(account_id, region_name)
        action_id = actions.create_budget_action(backend, account_id, request)
        arn = tags.budget_arn(get_partition(region_name), account_id, request["BudgetName"], action_id)
        tags.tag(backend, arn, props.get("ResourceTags", []))
        return cls(account_id, region_name, request["BudgetName"], action_id)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: BudgetsActionModel,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> BudgetsActionModel:
        request = api_request(cloudformation_json["Properties"])
        backend = _backend(account_id, region_name)
        current = actions.describe_budget_action(
            backend, account_id, original_resource.budget_name, original_resource.action_id
        )
        if (request["BudgetName"], request["ActionType"]) != (current["BudgetName"], current["ActionType"]):
            return replace(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        actions.update_budget_action(backend, account_id, original_resource.action_id, request)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        """An action whose budget went first is gone with it (DeleteBudget deletes a budget's actions)."""
        backend = _backend(self.account_id, self.region_name)
        if any(a["ActionId"] == self.action_id for a in actions.actions_of(backend, self.account_id)):
            actions.delete_budget_action(backend, self.account_id, self.budget_name, self.action_id)
        arn = tags.budget_arn(get_partition(self.region_name), self.account_id, self.budget_name, self.action_id)
        tags.untag_all(backend, arn)


def api_request(props: dict[str, Any]) -> dict[str, Any]:
    """A BudgetsAction's CloudFormation properties as CreateBudgetAction's fields."""
    threshold = props.get("ActionThreshold", {})
    definition = {}
    if "SsmActionDefinition" in props.get("Definition", {}):
        ssm = props["Definition"]["SsmActionDefinition"]
        definition["SsmActionDefinition"] = {
            "ActionSubType": ssm.get("Subtype"),
            "InstanceIds": ssm.get("InstanceIds"),
            "Region": ssm.get("Region"),
        }
    definition.update({k: v for k, v in props.get("Definition", {}).items() if k != "SsmActionDefinition"})
    return {
        "BudgetName": props.get("BudgetName"),
        "NotificationType": props.get("NotificationType"),
        "ActionType": props.get("ActionType"),
        "ActionThreshold": {
            "ActionThresholdType": threshold.get("Type"),
            "ActionThresholdValue": threshold.get("Value"),
        },
        "Definition": definition,
        "ExecutionRoleArn": props.get("ExecutionRoleArn"),
        # Not required by CloudFormation, which documents no default for it: refused when absent, never guessed.
        "ApprovalModel": props.get("ApprovalModel"),
        "Subscribers": [
            {"SubscriptionType": s.get("Type"), "Address": s.get("Address")} for s in props.get("Subscribers", [])
        ],
    }


def install() -> None:
    """Make moto's cached model lists see the two models (idempotent)."""
    register_models()
