"""Is the lab still there, and is it running? The stack, the instance, the producer and when the lab deletes itself.

Reads the stack and its outputs, the instance's state, the stream's IncomingRecords of the last few minutes
(CloudWatch: whether the producer is sending) and the expiry schedule. Works against AWS and the rehearsal's emulator
(AWS_ENDPOINT_URL). Needs cloudformation:DescribeStacks/ListStacks, ec2:DescribeInstances,
cloudwatch:GetMetricStatistics and scheduler:GetSchedule.

Exit codes: 0 the lab is deployed, 1 it is not (never deployed, destroyed, or expired), 2 bad arguments or AWS
refused or could not be reached.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError

from lab_stack.i18n import _ as lab_stack_words
from lab_stack.names import DELETES_ITS_STACK
from labctl.i18n import _, number
from labctl.session import student_session
from labctl.toolkit import add_settings_option, lab_config

# How far back IncomingRecords counts as "sending now" (Firehose publishes it every minute, a little late).
PRODUCER_WINDOW = timedelta(minutes=10)
NEVER = "never"


@dataclass
class LabStatus:
    """What `status` found; `lines()` says it in words."""

    stack_name: str
    region: str
    stack_status: str | None = None  # None: no such stack now
    deleted: bool = False  # a stack of that name was deleted (CloudFormation lists them for 90 days)
    deleted_at: datetime | None = None
    outputs: dict = field(default_factory=dict)
    instance_state: str | None = None  # None: no such instance
    instance_type: str | None = None
    launched_at: datetime | None = None
    public_ip: str | None = None
    state_reason: str | None = None
    records_recently: int | None = None  # None: not asked (the instance is not running)
    schedule_state: str | None = None  # ENABLED/DISABLED, "missing", or None when the lab never expires

    @property
    def deployed(self) -> bool:
        return self.stack_status is not None

    @property
    def expires_at(self) -> datetime | None:
        value = self.outputs.get("ExpiresAt")
        if not value or value == NEVER:
            return None
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    def producer(self) -> str:
        if self.instance_state is None or self.instance_state in ("terminated", "shutting-down"):
            return _("gone (no instance)")
        if self.instance_state in ("stopped", "stopping"):
            return _("stopped (its instance is stopped)")
        if self.instance_state == "pending":
            return _("not started yet (its instance is booting)")
        if self.records_recently:
            return _("sending: {records} records reached the stream in the last {span}").format(
                records=number(self.records_recently, ","), span=_span(PRODUCER_WINDOW)
            )
        return _(
            "not sending: no records in the last {span} (still installing after boot, its "
            "run is over, or it was stopped on the instance)"
        ).format(span=_span(PRODUCER_WINDOW))

    def lines(self, now: datetime) -> list[str]:
        lab = _("lab {name} ({region})").format(name=self.stack_name, region=self.region)
        if not self.deployed:
            if self.deleted:
                if self.deleted_at:
                    gone = _("gone (stack deleted at {time}: expired or destroyed)").format(time=_utc(self.deleted_at))
                else:
                    gone = _("gone (stack deleted: expired or destroyed)")
                return [f"{lab}: {gone}"]
            return [_("{lab}: not deployed (never, or deleted over 90 days ago)").format(lab=lab)]
        lines = [_("{lab}: stack {status}").format(lab=lab, status=self.stack_status)]
        instance = self.outputs.get("InstanceId", "?")
        if self.instance_state is None:
            lines.append(_("  instance {instance}: gone").format(instance=instance))
        else:
            public_ip = _("public IP {ip}").format(ip=self.public_ip) if self.public_ip else _("no public IP")
            detail = [self.instance_type or "", public_ip]
            if self.instance_state == "running" and self.launched_at:
                detail.insert(0, _("since {time}").format(time=_utc(self.launched_at)))
            if self.instance_state != "running" and self.state_reason:
                detail.append(self.state_reason)
            lines.append(
                _("  instance {instance}: {state} ({detail})").format(
                    instance=instance, state=self.instance_state, detail=", ".join(d for d in detail if d)
                )
            )
        lines.append(_("  producer: {producer}").format(producer=self.producer()))
        stops = self.outputs.get("StopWhenDone")
        if stops is not None:
            if stops == "true":
                lines.append(_("  when the producer is done: the instance stops itself (stopWhenDone)"))
            else:
                lines.append(
                    _(
                        "  when the producer is done: the instance keeps running (stopWhenDone=false): "
                        "`make destroy` when you are done"
                    )
                )
        lines.append(_("  expires: {expiry}").format(expiry=self._expiry(now)))
        return lines

    def _expiry(self, now: datetime) -> str:
        expires = self.expires_at
        if expires is None:
            return _("never (expiresAfterHours=0): the lab lives until `make destroy`")
        left = expires - now
        if left > timedelta(0):
            when = _("in {span}").format(span=_span(left))
        else:
            when = _("{span} ago: deletion under way or failed").format(span=_span(-left))
        # lab_stack/names.py's words, in lab_stack's catalog; a lab of before the AtExpiry output deleted its own stack.
        at_expiry = lab_stack_words(self.outputs.get("AtExpiry", DELETES_ITS_STACK))
        if self.schedule_state == "ENABLED":
            return _("{time} ({when}), {at_expiry}").format(time=_utc(expires), when=when, at_expiry=at_expiry)
        return _("{time} ({when}), {at_expiry}; its schedule is {state}!").format(
            time=_utc(expires), when=when, at_expiry=at_expiry, state=self.schedule_state
        )


def lab_status(*, cloudformation, ec2, cloudwatch, scheduler, stack_name: str, region: str) -> LabStatus:
    status = LabStatus(stack_name, region)
    try:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" not in error.response["Error"]["Message"]:
            raise
        status.deleted, status.deleted_at = _last_deletion(cloudformation, stack_name)
        return status
    status.stack_status = stack["StackStatus"]
    status.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    if "InstanceId" in status.outputs:
        _read_instance(status, ec2, status.outputs["InstanceId"])
    if status.instance_state == "running" and "DeliveryStreamName" in status.outputs:
        status.records_recently = _records_recently(cloudwatch, status.outputs["DeliveryStreamName"])
    if "ExpirySchedule" in status.outputs:
        group, name = status.outputs["ExpirySchedule"].split("/", 1)
        try:
            status.schedule_state = scheduler.get_schedule(GroupName=group, Name=name)["State"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            status.schedule_state = "missing"
    return status


def _last_deletion(cloudformation, stack_name: str) -> tuple[bool, datetime | None]:
    """Whether a stack of this name was deleted, and when last (if CloudFormation says)."""
    deleted = [
        s
        for page in cloudformation.get_paginator("list_stacks").paginate(StackStatusFilter=["DELETE_COMPLETE"])
        for s in page["StackSummaries"]
        if s["StackName"] == stack_name
    ]
    times = [s["DeletionTime"] for s in deleted if "DeletionTime" in s]
    return bool(deleted), max(times, default=None)


def _read_instance(status: LabStatus, ec2, instance_id: str) -> None:
    try:
        reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "InvalidInstanceID.NotFound":
            raise
        return
    if not reservations:
        return
    instance = reservations[0]["Instances"][0]
    status.instance_state = instance["State"]["Name"]
    status.instance_type = instance.get("InstanceType")
    status.launched_at = instance.get("LaunchTime")
    status.public_ip = instance.get("PublicIpAddress")
    status.state_reason = instance.get("StateReason", {}).get("Message")


def _records_recently(cloudwatch, stream: str) -> int:
    now = datetime.now(UTC)
    # EndTime is exclusive and goes out in whole seconds: a minute ahead keeps what was published this very second.
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/Firehose",
        MetricName="IncomingRecords",
        Statistics=["Sum"],
        Period=60,
        Dimensions=[{"Name": "DeliveryStreamName", "Value": stream}],
        StartTime=now - PRODUCER_WINDOW,
        EndTime=now + timedelta(minutes=1),
    )["Datapoints"]
    return int(sum(point["Sum"] for point in points))


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def configure(parser: argparse.ArgumentParser) -> None:
    add_settings_option(parser, _("; labName says which lab"))


def run(args: argparse.Namespace) -> int:
    stack_name = lab_config(args.context).lab_name  # a bad setting: one line, exit 2 (__main__)
    session = student_session()
    status = lab_status(  # AWS refusing: one line and exit 2 (__main__)
        cloudformation=session.client("cloudformation"),
        ec2=session.client("ec2"),
        cloudwatch=session.client("cloudwatch"),
        scheduler=session.client("scheduler"),
        stack_name=stack_name,
        region=session.region_name or "?",
    )
    for line in status.lines(datetime.now(UTC)):
        print(line)
    return 0 if status.deployed else 1
