"""Budget actions in the Budgets API (moto 5.2.5 has budgets and their notifications, no actions): CreateBudgetAction,
DescribeBudgetAction, DescribeBudgetActionsForBudget, DescribeBudgetActionsForAccount and DeleteBudgetAction, each
checking what the API reference documents for it (AWS Billing and Cost Management API reference, "CreateBudgetAction",
"Action", "SsmActionDefinition", "Subscriber"): the budget exists, enums, the role ARN's and the instance ids'
patterns, 1 to 100 instance ids, 1 to 11 subscribers. DeleteBudget takes the budget's actions with it.

What it models of an action is the action as a resource: made, read, deleted, its status STANDBY (Budgets "is
actively evaluating the action": Cost Management user guide, "Configuring AWS Budgets actions"). It never runs one:
the emulator bills nothing, so no budget is ever crossed (the rehearsal names the run as skipped; what the action's
role would be allowed is evaluated by stop_decisions in this package's __init__). Only the kind of action the lab uses
is accepted: RUN_SSM_DOCUMENTS with STOP_EC2_INSTANCES; an IAM or SCP policy action, or stopping RDS instances, is
refused naming the setting, rather than accepted and never checked.
"""

from __future__ import annotations

import json
import re
import uuid
from copy import deepcopy
from typing import Any

from moto.budgets.exceptions import NotFoundException
from moto.budgets.models import BudgetsBackend
from moto.budgets.responses import BudgetsResponse
from moto.core.exceptions import JsonRESTError

MODELLED_TYPE, MODELLED_SUBTYPE = "RUN_SSM_DOCUMENTS", "STOP_EC2_INSTANCES"
ENUMS = {
    "NotificationType": ("ACTUAL", "FORECASTED"),
    "ActionType": ("APPLY_IAM_POLICY", "APPLY_SCP_POLICY", "RUN_SSM_DOCUMENTS"),
    "ApprovalModel": ("AUTOMATIC", "MANUAL"),
    "ActionThresholdType": ("PERCENTAGE", "ABSOLUTE_VALUE"),
    "ActionSubType": ("STOP_EC2_INSTANCES", "STOP_RDS_INSTANCES"),
    "SubscriptionType": ("SNS", "EMAIL"),
}
# The API reference's patterns (Action ExecutionRoleArn, SsmActionDefinition InstanceIds and Region).
ROLE_ARN = re.compile(
    r"^arn:aws(-cn|-us-gov|-iso|-iso-[a-z]{1})?:iam::\d{12}:role(\u002F[\u0021-\u007F]+\u002F|\u002F)[\w+=,.@-]+$"
)
INSTANCE_ID = re.compile(r"^i-(\w{8}|\w{17})$|^[a-zA-Z]([\w-]{0,61}\w)?$")
REGION = re.compile(r"^\w{2,4}-\w+(-\w+)?-\d$")
MAX_INSTANCES, MAX_SUBSCRIBERS = 100, 11
STANDBY = "STANDBY"


class InvalidParameterException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterException", message)


def _actions(backend: BudgetsBackend) -> dict[str, dict[str, dict[str, Any]]]:
    """{account id: {action id: action}}, kept beside moto's budgets (reset with them)."""
    if not hasattr(backend, "budget_actions"):
        backend.budget_actions = {}
    return backend.budget_actions


def _refuse(field: str, value: Any, allowed: str) -> InvalidParameterException:
    return InvalidParameterException(f"{field} {json.dumps(value)}: {allowed}")


def _one_of(field: str, value: Any) -> str:
    if value not in ENUMS[field]:
        raise _refuse(field, value, f"one of {', '.join(ENUMS[field])}")
    return value


def checked_action(request: dict[str, Any]) -> dict[str, Any]:
    """The action CreateBudgetAction would make of `request` (the API's field names), or InvalidParameterException
    naming the first field AWS refuses or the emulator cannot model."""
    notification_type = _one_of("NotificationType", request.get("NotificationType"))
    action_type = _one_of("ActionType", request.get("ActionType"))
    if action_type != MODELLED_TYPE:
        raise _refuse("ActionType", action_type, f"the emulator models {MODELLED_TYPE} ({MODELLED_SUBTYPE}) only")
    approval = _one_of("ApprovalModel", request.get("ApprovalModel"))
    threshold = request.get("ActionThreshold") or {}
    _one_of("ActionThresholdType", threshold.get("ActionThresholdType"))
    value = threshold.get("ActionThresholdValue")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _refuse("ActionThresholdValue", value, "a number, 0 or more")
    definition = request.get("Definition") or {}
    if set(definition) != {"SsmActionDefinition"}:
        raise _refuse("Definition", sorted(definition), f"exactly SsmActionDefinition for {MODELLED_TYPE}")
    ssm = definition["SsmActionDefinition"]
    subtype = _one_of("ActionSubType", ssm.get("ActionSubType"))
    if subtype != MODELLED_SUBTYPE:
        raise _refuse("ActionSubType", subtype, f"the emulator models {MODELLED_SUBTYPE} only (it has no RDS)")
    instances = ssm.get("InstanceIds") or []
    if not 1 <= len(instances) <= MAX_INSTANCES or not all(INSTANCE_ID.fullmatch(str(i)) for i in instances):
        raise _refuse("InstanceIds", instances, f"1 to {MAX_INSTANCES} instance ids")
    if not REGION.fullmatch(str(ssm.get("Region", ""))):
        raise _refuse("Region", ssm.get("Region"), "a region name")
    role = request.get("ExecutionRoleArn", "")
    if not ROLE_ARN.fullmatch(str(role)):
        raise _refuse("ExecutionRoleArn", role, "an IAM role's ARN")
    subscribers = request.get("Subscribers") or []
    if not 1 <= len(subscribers) <= MAX_SUBSCRIBERS:
        raise _refuse("Subscribers", subscribers, f"1 to {MAX_SUBSCRIBERS} subscribers")
    for subscriber in subscribers:
        _one_of("SubscriptionType", subscriber.get("SubscriptionType"))
        if not subscriber.get("Address"):
            raise _refuse("Address", subscriber.get("Address"), "a subscriber's address")
    return {
        "BudgetName": request["BudgetName"],
        "NotificationType": notification_type,
        "ActionType": action_type,
        "ActionThreshold": {"ActionThresholdType": threshold["ActionThresholdType"], "ActionThresholdValue": value},
        "Definition": {
            "SsmActionDefinition": {"ActionSubType": subtype, "InstanceIds": list(instances), "Region": ssm["Region"]}
        },
        "ExecutionRoleArn": role,
        "ApprovalModel": approval,
        "Status": STANDBY,
        "Subscribers": deepcopy(subscribers),
    }


def create_budget_action(backend: BudgetsBackend, account_id: str, request: dict[str, Any]) -> str:
    """The new action's id; NotFoundException when its budget does not exist."""
    budget = request.get("BudgetName")
    if budget not in backend.budgets[account_id]:
        raise NotFoundException(f"Unable to create action: {budget} - the budget doesn't exist.")
    action = checked_action(request)
    action["ActionId"] = str(uuid.uuid4())
    _actions(backend).setdefault(account_id, {})[action["ActionId"]] = action
    return action["ActionId"]


def update_budget_action(backend: BudgetsBackend, account_id: str, action_id: str, request: dict[str, Any]) -> None:
    """UpdateBudgetAction's fields (all but the budget and the type, which make a new action) checked again."""
    current = describe_budget_action(backend, account_id, request.get("BudgetName", ""), action_id)
    changed = checked_action({**current, **request, "ActionType": current["ActionType"]})
    _actions(backend)[account_id][action_id] = {**changed, "ActionId": action_id}


def describe_budget_action(
    backend: BudgetsBackend, account_id: str, budget_name: str, action_id: str
) -> dict[str, Any]:
    action = _actions(backend).get(account_id, {}).get(action_id)
    if action is None or action["BudgetName"] != budget_name:
        raise NotFoundException(f"Unable to get action: {action_id} - the action doesn't exist.")
    return deepcopy(action)


def actions_of(backend: BudgetsBackend, account_id: str, budget_name: str | None = None) -> list[dict[str, Any]]:
    """The account's actions, or one budget's."""
    found = _actions(backend).get(account_id, {}).values()
    return [deepcopy(a) for a in found if budget_name is None or a["BudgetName"] == budget_name]


def delete_budget_action(backend: BudgetsBackend, account_id: str, budget_name: str, action_id: str) -> dict[str, Any]:
    action = describe_budget_action(backend, account_id, budget_name, action_id)
    del _actions(backend)[account_id][action_id]
    return action


_original_delete_budget = BudgetsBackend.delete_budget


def _delete_budget(self: BudgetsBackend, account_id: str, budget_name: str) -> None:
    _original_delete_budget(self, account_id, budget_name)
    for action in actions_of(self, account_id, budget_name):
        del _actions(self)[account_id][action["ActionId"]]


def _create_budget_action(self: BudgetsResponse) -> str:
    account = self._get_param("AccountId")
    request = {key: self._get_param(key) for key in _REQUEST_FIELDS}
    action_id = create_budget_action(self.backend, account, request)
    return json.dumps({"AccountId": account, "BudgetName": request["BudgetName"], "ActionId": action_id})


def _describe_budget_action(self: BudgetsResponse) -> str:
    account, budget = self._get_param("AccountId"), self._get_param("BudgetName")
    action = describe_budget_action(self.backend, account, budget, self._get_param("ActionId"))
    return json.dumps({"AccountId": account, "BudgetName": budget, "Action": action})


def _describe_budget_actions_for_budget(self: BudgetsResponse) -> str:
    account, budget = self._get_param("AccountId"), self._get_param("BudgetName")
    if budget not in self.backend.budgets[account]:
        raise NotFoundException(f"Unable to get actions: {budget} - the budget doesn't exist.")
    return json.dumps({"Actions": actions_of(self.backend, account, budget)})


def _describe_budget_actions_for_account(self: BudgetsResponse) -> str:
    return json.dumps({"Actions": actions_of(self.backend, self._get_param("AccountId"))})


def _delete_budget_action(self: BudgetsResponse) -> str:
    account, budget = self._get_param("AccountId"), self._get_param("BudgetName")
    action = delete_budget_action(self.backend, account, budget, self._get_param("ActionId"))
    return json.dumps({"AccountId": account, "BudgetName": budget, "Action": action})


_REQUEST_FIELDS = (
    "BudgetName",
    "NotificationType",
    "ActionType",
    "ActionThreshold",
    "Definition",
    "ExecutionRoleArn",
    "ApprovalModel",
    "Subscribers",
)


def install() -> None:
    BudgetsBackend.delete_budget = _delete_budget
    BudgetsResponse.create_budget_action = _create_budget_action
    BudgetsResponse.describe_budget_action = _describe_budget_action
    BudgetsResponse.describe_budget_actions_for_budget = _describe_budget_actions_for_budget
    BudgetsResponse.describe_budget_actions_for_account = _describe_budget_actions_for_account
    BudgetsResponse.delete_budget_action = _delete_budget_action
