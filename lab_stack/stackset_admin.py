"""The class across accounts, on its administrator's side: the class's bucket every student account reads its lab's
files from, and the class's end. The labs themselves are the StackSet's stack instances (lab_stack/stackset.py), made
and deleted by `make class-up`/`class-down` (labctl/classroom/stackset.py), not by this stack.

The bucket holds the StackSet's template (`templates/`, read by CloudFormation in this account with the caller's
permissions) and the labs' files (`assets/`, published_assets.py). Its policy lets principals of the organization, and
only them, read the files: `aws:PrincipalOrgID` (IAM user guide, "AWS global condition context keys"; S3 counts a
policy with that condition as not public, so Block Public Access stays on), over TLS only. The objects are encrypted
with S3-managed keys: a KMS key of this account would need a key policy for every student account too.

The class ends at one moment, as a class in one account does (class_stack.py): at `expires_at` each lab's own
schedules stop its instance (lifetime.py) and delete its student's password (student_login.py: CloudFormation cannot
delete a user with a password it did not make); LABS_GO_AFTER later a schedule here deletes every stack instance
(DeleteStackInstances; both in lab_stack/stackset_operations.py); CLASS_GRACE after the end one schedule deletes
the emptied StackSet and another this stack (the bucket with its objects). DeleteStackInstances and DeleteStackSet act
on a StackSet that this account administers, with its administration role (self-managed) or the service-linked roles
(service-managed): the schedules' roles need only those two calls on this StackSet's ARN (Service Authorization
Reference, CloudFormation: both on `stackset/<name>:<id>`; `stackset-target` for service-managed targets).
"""

from __future__ import annotations

from datetime import datetime

from aws_cdk import Acknowledgment, Aws, RemovalPolicies, Stack, Tags, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from lab_stack.auto_delete import tidy_bucket
from lab_stack.class_stack import CLASS_GRACE, class_stack_expiry
from lab_stack.lifetime import OneTimeCall
from lab_stack.names import CLASS_TAG, class_stackset_name
from lab_stack.outputs import add_outputs
from lab_stack.published_assets import ASSETS_PREFIX
from lab_stack.stackset_operations import DELETE_PREFERENCES, LABS_GO_AFTER, StackSetTargets


class ClassStackSetAdmin(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        class_name: str,
        expires_at: datetime,
        organization_id: str,
        targets: StackSetTargets,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"firehose-lab class {class_name} across accounts: its bucket of lab files, and its end",
            tags={CLASS_TAG: class_name},
        )
        Tags.of(self).add(CLASS_TAG, class_name)
        stackset = class_stackset_name(class_name)
        self.bucket = tidy_bucket(self, "Bucket")
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="TheOrganizationReadsTheLabsFiles",
                principals=[iam.AnyPrincipal()],
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects(f"{ASSETS_PREFIX}*")],
                conditions={"StringEquals": {"aws:PrincipalOrgID": organization_id}},
            )
        )
        Validations.of(self.bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason=(
                    "Server access logs need a second bucket that S3 keeps writing to for hours after this one is "
                    "deleted, so the class's end could not remove it; this bucket holds only the lab's published code "
                    "and template, the same for every student."
                ),
            )
        )

        stackset_arn = self.format_arn(service="cloudformation", resource="stackset", resource_name=f"{stackset}:*")
        on_the_stackset = [stackset_arn]
        if targets.service_managed:
            on_the_stackset.append(
                self.format_arn(service="cloudformation", resource="stackset-target", resource_name=f"{stackset}:*")
            )
        self.delete_labs = OneTimeCall(
            self,
            "DeleteLabs",
            at=expires_at + LABS_GO_AFTER,
            service="cloudformation",
            action="deleteStackInstances",
            request={
                "StackSetName": stackset,
                **targets.request(),
                "Regions": [Aws.REGION],
                "RetainStacks": False,
                "OperationPreferences": DELETE_PREFERENCES,
            },
            statements=[
                iam.PolicyStatement(actions=["cloudformation:DeleteStackInstances"], resources=on_the_stackset)
            ],
            description=f"firehose-lab class {class_name}: delete every student's lab (the end of the class)",
            role_description="firehose-lab class end: EventBridge Scheduler may only delete this class's labs",
        )
        self.delete_stackset = OneTimeCall(
            self,
            "DeleteStackSet",
            at=expires_at + CLASS_GRACE,
            service="cloudformation",
            action="deleteStackSet",
            request={"StackSetName": stackset},
            statements=[iam.PolicyStatement(actions=["cloudformation:DeleteStackSet"], resources=[stackset_arn])],
            description=f"firehose-lab class {class_name}: delete its emptied StackSet",
            role_description="firehose-lab class end: EventBridge Scheduler may only delete this class's StackSet",
        )
        self.expiry = class_stack_expiry(self, expires_at)
        add_outputs(
            self,
            {
                "ClassName": (class_name, "The class: one lab per student account, the StackSet's stack instances"),
                "StackSetName": (stackset, "The class's StackSet"),
                "AssetsBucket": (self.bucket.bucket_name, "The class bucket: the StackSet's template and lab files"),
                "LabsExpireAt": (
                    expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "UTC time every lab of the class is deleted (DeleteStackInstances) and its instance stopped",
                ),
            },
        )
        for call in (self.delete_labs, self.delete_stackset):
            Validations.of(call.role).acknowledge(
                *(
                    Acknowledgment(
                        id=f"AwsSolutions-IAM5[Resource::{resource}]",
                        reason=(
                            "A StackSet's ARN ends with the id CloudFormation generates when make class-up creates "
                            "it, after this stack; the name before it is this class's StackSet, whole."
                        ),
                    )
                    for resource in _wildcard_arns(stackset, targets)
                )
            )
        RemovalPolicies.of(self).destroy()


def _wildcard_arns(stackset: str, targets: StackSetTargets) -> list[str]:
    """The StackSet ARNs of the schedules' policies, as cdk-nag names them."""
    arns = [f"arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stackset/{stackset}:*"]
    if targets.service_managed:
        arns.append(f"arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stackset-target/{stackset}:*")
    return arns
