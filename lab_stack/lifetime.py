"""The lab's end, built into the stack: a one-time EventBridge Scheduler schedule deletes the stack itself (or, under a
StackSet, stops the lab's instance: the StackSet's own schedule deletes the stack).

`expiresAfterHours` after synth (so after `cdk deploy`, which synthesizes first; a re-deploy moves it) the schedule
calls CloudFormation DeleteStack on this stack through Scheduler's universal target
(`arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack`). Its role may do exactly that, on this stack's ARN, and
nothing else. CloudFormation then deletes every resource with the role the stack was deployed with (CDK's
cfn-exec role): DeleteStack's RoleARN "If you don't specify a value, CloudFormation uses the role that was
previously associated with the stack" (CloudFormation API reference, DeleteStack), and a caller may use a stack's
service role without iam:PassRole. So the deletion is the one `cdk destroy` does, the bucket's auto-delete included.

A lab that is a StackSet's stack instance must not delete its own stack: the stack instance, CloudFormation's
reference to it in the StackSet, would stay behind ("A stack instance can exist without a stack", API reference,
StackInstance), and a StackSet cannot be deleted while it holds instances (API reference, DeleteStackSet: delete all
stack instances first). There the class's admin side ends the lab with DeleteStackInstances (lab_stack/
stackset_admin.py), and the lab's own schedule only stops its instance at the same moment, so nothing runs on even if
the class's end failed.

Every schedule here is a OneTimeCall: a schedule group of its own, the one-time schedule in it, and a role that
Scheduler alone may assume for that group and that may make exactly that call.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_cdk import Aws, Stack, TimeZone
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct

from lab_stack.names import DELETES_ITS_STACK, STOPS_ITS_INSTANCE
from lab_stack.outputs import add_outputs

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"


def expiry_time(synth_time: datetime, hours: int) -> datetime:
    """When a lab synthesized at `synth_time` deletes itself: whole seconds, as Scheduler's at() takes them."""
    return (synth_time + timedelta(hours=hours)).replace(microsecond=0)


class OneTimeCall(Construct):
    """A schedule group of its own, one one-time schedule in it calling `service:action` with `request`, and the role
    it runs with, allowed only `statements`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        at: datetime,
        service: str,
        action: str,
        request: dict,
        statements: list[iam.PolicyStatement],
        description: str,
        role_description: str,
        group_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # A group of its own, so the role's aws:SourceArn condition names only this group's schedules: Scheduler
        # gives the schedule *group's* ARN as aws:SourceArn (EventBridge Scheduler user guide, "Set up the
        # execution role" and "Confused deputy prevention").
        self.group = scheduler.ScheduleGroup(self, "Group", schedule_group_name=group_name)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                SCHEDULER_PRINCIPAL,
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": Aws.ACCOUNT_ID,
                        "aws:SourceArn": self.group.schedule_group_arn,
                    }
                },
            ),
            description=role_description,
        )
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            schedule_group=self.group,
            schedule=scheduler.ScheduleExpression.at(at, TimeZone.ETC_UTC),
            time_window=scheduler.TimeWindow.off(),
            description=description,
            target=targets.Universal(
                service=service,
                action=action,
                input=scheduler.ScheduleTargetInput.from_object(request),
                policy_statements=statements,
                role=self.role,
            ),
        )

    @property
    def schedule_id(self) -> str:
        """`group/name`: how `labctl status` finds the schedule."""
        return f"{self.group.schedule_group_name}/{self.schedule.schedule_name}"


class LabExpiry(OneTimeCall):
    """The lab's end at `expires_at`: its stack deleted, or under a StackSet (`instance` given) its instance stopped."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        expires_at: datetime,
        why: str,
        group_name: str | None = None,
        instance: ec2.Instance | None = None,
    ) -> None:
        """The stack deletes itself at `expires_at` (whole seconds, UTC): `why` that moment, for its output. A lab
        alone counts from `cdk deploy` (expiry_time); a class's labs and the class itself from the class's one
        moment, and each lab's group is named (`group_name`) so its student may read its own schedule by name. With
        `instance`, the lab is a StackSet's: its schedule stops that instance and leaves the stack to the StackSet."""
        stack = Stack.of(scope)
        self.expires_at = expires_at
        if instance is None:
            call = dict(
                service="cloudformation",
                action="deleteStack",
                request={"StackName": stack.stack_id},
                statements=[iam.PolicyStatement(actions=["cloudformation:DeleteStack"], resources=[stack.stack_id])],
                description=f"firehose-lab: delete stack {stack.stack_name} ({why})",
                role_description="firehose-lab expiry: EventBridge Scheduler may only DeleteStack this one lab stack",
            )
            at_expiry = DELETES_ITS_STACK
        else:
            instance_arn = stack.format_arn(service="ec2", resource="instance", resource_name=instance.instance_id)
            call = dict(
                service="ec2",
                action="stopInstances",
                request={"InstanceIds": [instance.instance_id]},
                statements=[iam.PolicyStatement(actions=["ec2:StopInstances"], resources=[instance_arn])],
                description=f"firehose-lab: stop the lab's instance ({why})",
                role_description="firehose-lab expiry: EventBridge Scheduler may only stop this lab's instance",
            )
            at_expiry = STOPS_ITS_INSTANCE
        super().__init__(scope, construct_id, at=expires_at, group_name=group_name, **call)
        # Read by `make status` (labctl/status.py).
        add_outputs(
            self,
            {
                "ExpiresAt": (expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"), f"UTC time {at_expiry} ({why})"),
                "ExpirySchedule": (
                    self.schedule_id,
                    f"EventBridge Scheduler schedule (group/name): at ExpiresAt, {at_expiry}",
                ),
                "AtExpiry": (at_expiry, "What happens to the lab at ExpiresAt (make status says it)"),
            },
        )
