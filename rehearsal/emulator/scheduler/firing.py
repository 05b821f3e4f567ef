"""EventBridge Scheduler that fires: one-time `at()` schedules run their universal-target call on the emulator's clock.

moto 5.2.5 stores schedules but never invokes a target. Here a thread watches every ENABLED schedule; once the
emulator's clock (clock.py, scalable, given to start()) passes its `at()` time, read in its ScheduleExpressionTimezone,
Scheduler's side is played as AWS documents it:
1. assume the target's RoleArn: its trust policy must allow scheduler.amazonaws.com with this account as
   aws:SourceAccount and the schedule group's ARN as aws:SourceArn (the keys Scheduler sets: EventBridge Scheduler
   user guide, "Confused deputy prevention");
2. the role's own policies must allow the universal target's action on the resource the call names;
3. call the API (`arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`) with the target's Input as the request, with
   the role's credentials, against the emulator.
Both are decided by the iam package (assume_role_as_service, authorize), so a wrong policy fails the invocation as
it would on AWS. Every invocation is recorded in INVOCATIONS with its outcome. A failed one is not retried:
RetryPolicy's retries of transient errors are not modelled, and the rehearsal fails on any failed invocation instead.
What this cannot fire as AWS would is refused when the schedule is created or updated, naming why (the API and
cloudformation.py both go through the backend): a rate()/cron() expression, a target other than UNIVERSAL_TARGETS,
a dead-letter queue. ActionAfterCompletion=DELETE deletes the schedule after it ran.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import boto3
from botocore import xform_name
from moto.cloudformation.models import cloudformation_backends
from moto.iam.exceptions import NoSuchEntity
from moto.iam.models import iam_backends
from moto.scheduler.exceptions import ValidationException
from moto.scheduler.models import (
    EventBridgeSchedulerBackend,
    Schedule,
    scheduler_backends,
)
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from .. import iam
from ..clock import ScaledClock

logger = logging.getLogger(__name__)

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"
POLL_S = 0.05  # real seconds between looks at the schedules

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_UNIVERSAL = re.compile(r"^arn:[\w-]+:scheduler:::aws-sdk:([a-z0-9-]+):([a-z][A-Za-z0-9]*)$")


def _stack_arn(account_id: str, region: str, request: dict[str, Any]) -> list[str]:
    """DeleteStack's resource: the stack's ARN (StackName takes a name or the ARN itself)."""
    name = request["StackName"]
    if name.startswith("arn:"):
        return [name]
    for stack in cloudformation_backends[account_id][region].stacks.values():
        if stack.name == name:
            return [stack.stack_id]
    return [f"arn:{get_partition(region)}:cloudformation:{region}:{account_id}:stack/{name}/*"]  # no such stack


def _stackset_arn(account_id: str, region: str, request: dict[str, Any]) -> list[str]:
    """DeleteStackInstances' and DeleteStackSet's resource: the StackSet's ARN, `stackset/<name>:<id>` (Service
    Authorization Reference, CloudFormation)."""
    name = request["StackSetName"]
    for stackset in cloudformation_backends[account_id][region].stacksets.values():
        if stackset.name == name and stackset.status != "DELETED":
            return [stackset.arn]
    return [f"arn:{get_partition(region)}:cloudformation:{region}:{account_id}:stackset/{name}"]  # no such StackSet


def _instance_arns(account_id: str, region: str, request: dict[str, Any]) -> list[str]:
    """StopInstances' resources: each instance's ARN."""
    return [f"arn:{get_partition(region)}:ec2:{region}:{account_id}:instance/{i}" for i in request["InstanceIds"]]


def _user_arn(account_id: str, region: str, request: dict[str, Any]) -> list[str]:
    """DeleteLoginProfile's resource: the user's ARN (its path in it)."""
    backend = iam_backends[account_id][get_partition(region)]
    try:
        return [backend.get_user(request["UserName"]).arn]
    except NoSuchEntity:
        return [f"arn:{get_partition(region)}:iam::{account_id}:user/{request['UserName']}"]  # no such user


# (service, apiAction) of the universal targets fired here -> the IAM resources their request acts on.
UNIVERSAL_TARGETS: dict[tuple[str, str], Callable[[str, str, dict[str, Any]], list[str]]] = {
    ("cloudformation", "deleteStack"): _stack_arn,
    ("cloudformation", "deleteStackInstances"): _stackset_arn,
    ("cloudformation", "deleteStackSet"): _stackset_arn,
    ("ec2", "stopInstances"): _instance_arns,
    ("iam", "deleteLoginProfile"): _user_arn,
}


def at_time(expression: str, timezone: str | None) -> datetime:
    """The moment of a one-time schedule; ValueError for anything else."""
    match = _AT.match(expression)
    if not match:
        raise ValueError(f"ScheduleExpression {expression!r}: only one-time at(yyyy-mm-ddThh:mm:ss) schedules fire")
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"ScheduleExpressionTimezone {timezone!r} is not a time zone") from None
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=zone)


def universal_target(arn: str) -> tuple[str, str]:
    """(service, apiAction) of a universal target this emulator fires; ValueError for any other target."""
    match = _UNIVERSAL.match(arn)
    if not match or (match.group(1), match.group(2)) not in UNIVERSAL_TARGETS:
        known = ", ".join(f"aws-sdk:{s}:{a}" for s, a in UNIVERSAL_TARGETS)
        raise ValueError(f"Target.Arn {arn!r}: the targets fired here are {known}")
    return match.group(1), match.group(2)


@dataclass
class Invocation:
    schedule_arn: str
    target: str
    due: datetime
    fired_at: datetime  # on the emulator's clock
    ok: bool
    outcome: str  # "DeleteStack succeeded", or why the call was refused or failed


# Every invocation since the emulator started.
INVOCATIONS: list[Invocation] = []


class SchedulerFiring:
    """The thread that fires due schedules."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fired: set[tuple[str, str, str]] = set()
        self.endpoint_url = ""
        self._clock = ScaledClock()  # real time, until start() is given the emulator's clock

    def start(self, endpoint_url: str, clock: ScaledClock) -> None:
        self.stop()
        self.endpoint_url = endpoint_url
        self._clock = clock
        self._fired.clear()
        INVOCATIONS.clear()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="scheduler-firing", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            self.fire_due()

    def fire_due(self) -> None:
        """Invoke every enabled schedule whose moment has come on the emulator's clock, once."""
        now = self._clock.now()
        for account_id, regions in list(scheduler_backends.items()):
            for region, backend in list(regions.items()):
                for group in list(backend.schedule_groups.values()):
                    for schedule in list(group.schedules.values()):
                        key = (schedule.arn, schedule.schedule_expression, schedule.schedule_expression_timezone)
                        if schedule.state != "ENABLED" or key in self._fired:
                            continue
                        due = at_time(schedule.schedule_expression, schedule.schedule_expression_timezone)
                        if now >= due:
                            self._fired.add(key)
                            self._invoke(account_id, region, backend, group.arn, schedule, due)

    def _invoke(
        self,
        account_id: str,
        region: str,
        backend: EventBridgeSchedulerBackend,
        group_arn: str,
        schedule: Schedule,
        due: datetime,
    ) -> None:
        target = schedule.target
        try:
            ok, outcome = self._call(account_id, region, group_arn, target)
        except Exception as error:  # the thread must live on; the outcome says what went wrong
            logger.exception("schedule %s failed", schedule.arn)
            ok, outcome = False, f"{type(error).__name__}: {error}"
        INVOCATIONS.append(Invocation(schedule.arn, target["Arn"], due, self._clock.now(), ok, outcome))
        if ok and schedule.action_after_completion == "DELETE":
            backend.delete_schedule(schedule.group_name, schedule.name)

    def _call(self, account_id: str, region: str, group_arn: str, target: dict[str, Any]) -> tuple[bool, str]:
        service, action = universal_target(target["Arn"])
        api = action[0].upper() + action[1:]
        request = json.loads(target.get("Input") or "{}")
        role_arn = target["RoleArn"]
        assumable = iam.assume_role_as_service(SCHEDULER_PRINCIPAL, role_arn, group_arn, account_id)
        if not assumable.allowed:
            return False, f"Scheduler could not assume {role_arn}: {assumable.reason}"
        credentials = sts_backends[account_id][get_partition(region)].assume_role(
            region_name=region,
            role_session_name="scheduler",
            role_arn=role_arn,
            policy=None,
            duration=900,
            external_id=None,
        )
        for resource in UNIVERSAL_TARGETS[(service, action)](account_id, region, request):
            permitted = iam.authorize(credentials.access_key_id, f"{service}:{api}", resource)
            if not permitted.allowed:
                return False, f"AccessDenied: {role_arn} may not {service}:{api} on {resource}: {permitted.reason}"
        client = boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )
        getattr(client, xform_name(api))(**request)
        return True, f"{api} succeeded"


FIRING = SchedulerFiring()
_original_create = EventBridgeSchedulerBackend.create_schedule
_original_update = EventBridgeSchedulerBackend.update_schedule


def _refuse_unfireable(expression: str, timezone: str | None, target: dict[str, Any]) -> None:
    try:
        at_time(expression, timezone)
        universal_target(target["Arn"])
    except ValueError as error:
        raise ValidationException(f"the rehearsal's emulator cannot fire this schedule: {error}") from None
    if "DeadLetterConfig" in target:
        raise ValidationException("the rehearsal's emulator does not model Target.DeadLetterConfig")


def _create_schedule(self: EventBridgeSchedulerBackend, **kwargs: Any) -> Schedule:
    _refuse_unfireable(kwargs["schedule_expression"], kwargs["schedule_expression_timezone"], kwargs["target"])
    return _original_create(self, **kwargs)


def _update_schedule(self: EventBridgeSchedulerBackend, **kwargs: Any) -> Schedule:
    _refuse_unfireable(kwargs["schedule_expression"], kwargs["schedule_expression_timezone"], kwargs["target"])
    return _original_update(self, **kwargs)


def install() -> None:
    """Refuse schedules that could not fire here (idempotent); the package's start() starts FIRING."""
    EventBridgeSchedulerBackend.create_schedule = _create_schedule
    EventBridgeSchedulerBackend.update_schedule = _update_schedule
