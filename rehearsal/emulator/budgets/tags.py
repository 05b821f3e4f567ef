"""Tags of budgets and budget actions (ResourceTags of CreateBudget / CreateBudgetAction and of their CloudFormation
resources), read back with ListTagsForResource by the resource's ARN (Budgets API reference, "ListTagsForResource";
ARN formats: Service Authorization Reference, AWS Budget Service). moto 5.2.5 keeps no tags for budgets.
"""

from __future__ import annotations

import json
from typing import Any

from moto.budgets.models import BudgetsBackend
from moto.budgets.responses import BudgetsResponse


def budget_arn(partition: str, account_id: str, budget_name: str, action_id: str | None = None) -> str:
    arn = f"arn:{partition}:budgets::{account_id}:budget/{budget_name}"
    return f"{arn}/action/{action_id}" if action_id else arn


def _tags(backend: BudgetsBackend) -> dict[str, list[dict[str, str]]]:
    if not hasattr(backend, "resource_tags"):
        backend.resource_tags = {}
    return backend.resource_tags


def tag(backend: BudgetsBackend, arn: str, tags: list[dict[str, Any]]) -> None:
    if tags:
        _tags(backend)[arn] = [{"Key": t["Key"], "Value": t["Value"]} for t in tags]


def untag_all(backend: BudgetsBackend, arn: str) -> None:
    _tags(backend).pop(arn, None)


def _list_tags_for_resource(self: BudgetsResponse) -> str:
    return json.dumps({"ResourceTags": _tags(self.backend).get(self._get_param("ResourceARN"), [])})


def install() -> None:
    BudgetsResponse.list_tags_for_resource = _list_tags_for_resource
