"""CloudFormation models for AWS::Scheduler::ScheduleGroup and AWS::Scheduler::Schedule (moto 5.2.5 has none).

moto's EventBridge Scheduler backend answers the API but CloudFormation only records these types, so a stack's
schedule would exist nowhere. These models create, update and delete them in moto's scheduler backend, where
firing.py fires them (and refuses at creation, naming why, a schedule it could not fire as AWS would: the
stack then fails). Deleting a group deletes its schedules, as the service does.
Defining the classes registers them with moto (cloudformation/models.py).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel
from moto.scheduler.exceptions import (
    ScheduleGroupNotFound,
    ScheduleNotFound,
    ValidationException,
)
from moto.scheduler.models import scheduler_backends

from ..cloudformation import BackendModel, register_models

MAX_NAME_LENGTH = 64
DEFAULT_GROUP = "default"


class ScheduleGroupModel(BackendModel, CloudFormationModel):
    CFN_TYPE = "AWS::Scheduler::ScheduleGroup"
    CFN_NAME_PROPERTY = "Name"
    CFN_ATTRIBUTES = {"Arn": "arn"}

    def __init__(self, account_id: str, region_name: str, name: str, arn: str):
        self.account_id, self.region_name, self.name, self.arn = account_id, region_name, name, arn

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ScheduleGroupModel:
        name = resource_name[:MAX_NAME_LENGTH]
        tags = cloudformation_json["Properties"].get("Tags", [])
        group = scheduler_backends[account_id][region_name].create_schedule_group(name, tags)
        return cls(account_id, region_name, name, group.arn)

    def delete(self, account_id: str, region_name: str) -> None:
        """The group and its schedules; a group already gone counts as deleted."""
        backend = scheduler_backends[self.account_id][self.region_name]
        if self.name in backend.schedule_groups:
            backend.delete_schedule_group(self.name)


class ScheduleModel(BackendModel, CloudFormationModel):
    CFN_TYPE = "AWS::Scheduler::Schedule"
    CFN_NAME_PROPERTY = "Name"
    CFN_ATTRIBUTES = {"Arn": "arn"}

    def __init__(self, account_id: str, region_name: str, group: str, name: str, arn: str):
        self.account_id, self.region_name = account_id, region_name
        self.group, self.name, self.arn = group, name, arn

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ScheduleModel:
        props = copy.deepcopy(cloudformation_json["Properties"])
        name = props.get("Name", resource_name)[:MAX_NAME_LENGTH]
        with _as_stack_error(kwargs.get("LogicalId", name)):
            schedule = scheduler_backends[account_id][region_name].create_schedule(
                name=name,
                group_name=props.get("GroupName", DEFAULT_GROUP),
                **_settings(props),
                action_after_completion=props.get("ActionAfterCompletion"),
            )
        return cls(account_id, region_name, schedule.group_name, name, schedule.arn)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: ScheduleModel,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> ScheduleModel:
        """Same name and group: updated in place (a re-deploy moving the expiry); else replaced."""
        props = copy.deepcopy(cloudformation_json["Properties"])
        name = props.get("Name", original_resource.name)
        group = props.get("GroupName", DEFAULT_GROUP)
        if (name, group) != (original_resource.name, original_resource.group):
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        schedule = scheduler_backends[account_id][region_name].get_schedule(group, name)
        action_after_completion = props.get("ActionAfterCompletion")
        with _as_stack_error(name):
            scheduler_backends[account_id][region_name].update_schedule(name=name, group_name=group, **_settings(props))
        schedule.action_after_completion = action_after_completion
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        """A schedule already gone (its group deleted first, or ActionAfterCompletion=DELETE) counts as deleted."""
        try:
            scheduler_backends[self.account_id][self.region_name].delete_schedule(self.group, self.name)
        except (ScheduleNotFound, ScheduleGroupNotFound):
            pass


@contextmanager
def _as_stack_error(resource: str) -> Iterator[None]:
    """The scheduler's refusal as CloudFormation's own error (the CloudFormation API answers XML, not JSON)."""
    try:
        yield
    except ValidationException as refused:
        raise ValidationError(message=f"{resource}: {refused.message}") from None


def _settings(props: dict[str, Any]) -> dict[str, Any]:
    return dict(
        description=props.get("Description"),
        end_date=props.get("EndDate"),
        flexible_time_window=props["FlexibleTimeWindow"],
        kms_key_arn=props.get("KmsKeyArn"),
        schedule_expression=props["ScheduleExpression"],
        schedule_expression_timezone=props.get("ScheduleExpressionTimezone"),
        start_date=props.get("StartDate"),
        state=props.get("State", "ENABLED"),
        target=props["Target"],
    )


def install() -> None:
    """Make moto's cached model lists see the two models (idempotent)."""
    register_models()
