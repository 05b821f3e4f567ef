"""The lab's end, built into the stack: a one-time EventBridge Scheduler schedule deletes the stack itself.

`expiresAfterHours` after synth (so after `cdk deploy`, which synthesizes first; a re-deploy moves it) the schedule
calls CloudFormation DeleteStack on this stack through Scheduler's universal target
(`arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack`). Its role may do exactly that, on this stack's ARN, and
nothing else. CloudFormation then deletes every resource with the role the stack was deployed with (CDK's
cfn-exec role): DeleteStack's RoleARN "If you don't specify a value, CloudFormation uses the role that was
previously associated with the stack" (CloudFormation API reference, DeleteStack), and a caller may use a stack's
service role without iam:PassRole. So the deletion is the one `cdk destroy` does, the bucket's auto-delete included.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_cdk import Aws, Stack, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct

from lab_stack.outputs import add_outputs

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"


def expiry_time(synth_time: datetime, hours: int) -> datetime:
    """When a lab synthesized at `synth_time` deletes itself: whole seconds, as Scheduler's at() takes them."""
    return (synth_time + timedelta(hours=hours)).replace(microsecond=0)


class LabExpiry(Construct):
    """A schedule group of the lab's own, the one-time schedule in it, and the role it runs with."""

    def __init__(
        self, scope: Construct, construct_id: str, *, expires_at: datetime, why: str, group_name: str | None = None
    ) -> None:
        """The stack deletes itself at `expires_at` (whole seconds, UTC): `why` that moment, for its output. A lab
        alone counts from `cdk deploy` (expiry_time); a class's labs and the class itself from the class's one
        moment, and each lab's group is named (`group_name`) so its student may read its own schedule by name."""
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.expires_at = expires_at

        # A group of its own, so the role's aws:SourceArn condition names only this lab's schedules: Scheduler
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
            description="firehose-lab expiry: EventBridge Scheduler may only DeleteStack this one lab stack",
        )
        delete_this_stack = iam.PolicyStatement(actions=["cloudformation:DeleteStack"], resources=[stack.stack_id])
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            schedule_group=self.group,
            schedule=scheduler.ScheduleExpression.at(expires_at, TimeZone.ETC_UTC),
            time_window=scheduler.TimeWindow.off(),
            description=f"firehose-lab: delete stack {stack.stack_name} ({why})",
            target=targets.Universal(
                service="cloudformation",
                action="deleteStack",
                input=scheduler.ScheduleTargetInput.from_object({"StackName": stack.stack_id}),
                policy_statements=[delete_this_stack],
                role=self.role,
            ),
        )
        # Read by `make status` (labctl/status.py).
        add_outputs(
            self,
            {
                "ExpiresAt": (
                    expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    f"UTC time the stack deletes itself ({why})",
                ),
                "ExpirySchedule": (
                    self.schedule_id,
                    "EventBridge Scheduler schedule (group/name) that deletes this stack at ExpiresAt",
                ),
            },
        )

    @property
    def schedule_id(self) -> str:
        """`group/name`: how `labctl status` finds the schedule."""
        return f"{self.group.schedule_group_name}/{self.schedule.schedule_name}"
