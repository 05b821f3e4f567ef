"""A student's login in their own account, for a class across accounts (lab_stack/stackset.py): the one-account
class's login model (student_access.py), with the student alone in the account.

At the class's end the login's own schedule deletes the student's password (the boundary allows nothing by then
already): CloudFormation cannot delete a user whose login profile it did not make (IAM's DeleteUser: "you must delete
the items attached to the user manually" first, IAM API reference), and the class's admin side deletes the lab a little
later (lab_stack/stackset_admin.py).

One IAM user, `<class>-<StudentId>` under the class's path and tagged with the student, with the same actions the
one-account class's students get (student_access.py's action lists: what the guide's commands and console pages call),
and the same permissions boundary: those actions only, and none after the class's end (aws:CurrentTime). The policy's
resources are this lab's own, by ARN from the template (its stack, stream, bucket, workgroup, Glue database and table,
instance, dashboard, expiry schedule), so no tag or name condition is needed: the account holds nothing else of the
class. The one-time password is set after the lab is made, by `make class-up` (labctl/classroom/logins.py), never in a
template. IAM Identity Center is not used: its assignments need the organization's instance and permission sets per
class, a second access model beside this one (README, "A class across accounts").
"""

from __future__ import annotations

from datetime import datetime

from aws_cdk import Acknowledgment, Aws, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from lab_stack.lifetime import OneTimeCall
from lab_stack.names import class_user_path, database_name
from lab_stack.student_access import (
    BUCKET,
    CLOUDSHELL,
    DASHBOARD,
    DATA_CATALOG,
    DATABASE,
    INSTANCE,
    LISTS,
    OBJECTS,
    OWN_SESSIONS,
    PASSWORD,
    RESULTS,
    RESULTS_PREFIX,
    SCHEDULE,
    SESSION,
    SESSION_DOCUMENT,
    STACK,
    STREAM,
    WORKGROUP,
    actions_of,
    boundary_statements,
)


def own_lab_statements(
    *,
    class_name: str,
    stream_arn: str,
    bucket_arn: str,
    workgroup: str,
    instance_id: str,
    dashboard: str,
    schedule_arn: str,
) -> list[dict]:
    """The student's statements, each on this lab's own resources (List/Describe calls that name none on `*`)."""
    database = database_name(class_name)

    def arn(service: str, resource: str, *, in_region: bool = True) -> str:
        return f"arn:{Aws.PARTITION}:{service}:{Aws.REGION if in_region else ''}:{Aws.ACCOUNT_ID}:{resource}"

    def allow(sid: str, actions: list[str], resources: list[str] | str) -> dict:
        return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}

    return [
        allow("ListsAndDescribesThatNameNoResource", LISTS, "*"),
        allow("OwnStack", STACK, Aws.STACK_ID),
        allow("OwnStream", STREAM, stream_arn),
        allow("OwnBucket", BUCKET, bucket_arn),
        allow("OwnObjects", OBJECTS, f"{bucket_arn}/*"),
        allow("OwnQueryResults", RESULTS, f"{bucket_arn}/{RESULTS_PREFIX}*"),
        allow("OwnWorkgroup", WORKGROUP, arn("athena", f"workgroup/{workgroup}")),
        allow("TheDataCatalog", DATA_CATALOG, arn("athena", "datacatalog/AwsDataCatalog")),
        allow(
            "OwnDatabase",
            DATABASE,
            [arn("glue", "catalog"), arn("glue", f"database/{database}"), arn("glue", f"table/{database}/*")],
        ),
        allow("OwnInstance", INSTANCE, arn("ec2", f"instance/{instance_id}")),
        allow("OwnInstanceSession", SESSION, arn("ec2", f"instance/{instance_id}")),
        allow("SessionShell", ["ssm:StartSession"], arn("ssm", f"document/{SESSION_DOCUMENT}")),
        allow("OwnSessions", OWN_SESSIONS, arn("ssm", "session/${aws:username}-*")),
        allow("OwnDashboard", DASHBOARD, arn("cloudwatch", f"dashboard/{dashboard}", in_region=False)),
        allow("OwnExpirySchedule", SCHEDULE, schedule_arn),
        allow(
            "OwnPassword",
            PASSWORD,
            arn("iam", f"user{class_user_path(class_name)}${{aws:username}}", in_region=False),
        ),
        allow("OwnCloudShell", CLOUDSHELL, arn("cloudshell", "environment/*")),
    ]


class StudentLogin(Construct):
    """The student's IAM user, their policy on this lab and the boundary that ends with the class."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        class_name: str,
        student_id: str,
        expires_at: datetime,
        statements: list[dict],
        bucket: s3.IBucket,
    ) -> None:
        """`statements`: own_lab_statements() of the lab; `bucket`: the lab's bucket (its ARN is in them)."""
        super().__init__(scope, construct_id)
        self.statements = statements
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"firehose-lab class {class_name}: the student's own lab, in their own account",
            document=iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": statements}),
        )
        self.boundary = iam.ManagedPolicy(
            self,
            "Boundary",
            description=f"firehose-lab class {class_name}: the most the student may do, until the class ends",
            document=iam.PolicyDocument.from_json(
                {"Version": "2012-10-17", "Statement": boundary_statements(actions_of(statements), expires_at)}
            ),
        )
        self.user = iam.User(
            self,
            "User",
            user_name=f"{class_name}-{student_id}",
            path=class_user_path(class_name),
            managed_policies=[self.policy],
            permissions_boundary=self.boundary,
        )
        self.password_ends = OneTimeCall(
            self,
            "PasswordEnds",
            at=expires_at,
            service="iam",
            action="deleteLoginProfile",
            request={"UserName": self.user.user_name},
            statements=[iam.PolicyStatement(actions=["iam:DeleteLoginProfile"], resources=[self.user.user_arn])],
            description=f"firehose-lab class {class_name}: the student's password ends with the class",
            role_description="firehose-lab class end: EventBridge Scheduler may only delete this student's password",
        )
        self._acknowledge(class_name, Stack.of(self).get_logical_id(bucket.node.default_child))

    def _acknowledge(self, class_name: str, bucket_id: str) -> None:
        database = database_name(class_name)
        in_region = "<AWS::Region>:<AWS::AccountId>"
        reasons = {
            "*": (
                "Only List/Describe calls that AWS authorizes on '*' alone (ListStacks, DescribeInstances, "
                "GetMetricStatistics, ListDashboards, ...) use Resource '*'; the account holds the student's lab only."
            ),
            f"arn:<AWS::Partition>:glue:{in_region}:table/{database}/*": (
                "The tables of the lab's own Glue database (Glue has no tag condition): the events table the guide "
                "queries."
            ),
            f"arn:<AWS::Partition>:ssm:{in_region}:session/<aws:username>-*": (
                "Session Manager names each session <user name>-<random id>: the student ends or resumes only their "
                "own sessions (Session Manager user guide, additional sample policies, example 4)."
            ),
            f"arn:<AWS::Partition>:cloudshell:{in_region}:environment/*": (
                "An AWS CloudShell environment is each principal's own and private to it (CloudShell user guide, "
                "persistent storage); its id is generated."
            ),
            f"<{bucket_id}.Arn>/*": "Every object of the lab's own bucket: the guide lists and reads them.",
            f"<{bucket_id}.Arn>/{RESULTS_PREFIX}*": (
                "Athena writes a query's results with the caller's permissions under the workgroup's results prefix "
                "of the lab's own bucket, one generated object name per query."
            ),
        }
        Validations.of(self.policy).acknowledge(
            *(
                Acknowledgment(id=f"AwsSolutions-IAM5[Resource::{resource}]", reason=why)
                for resource, why in reasons.items()
            )
        )
        Validations.of(self.boundary).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "A permissions boundary caps actions, not resources: the student's policy scopes each action to "
                    "their own lab; this boundary keeps them to the guide's actions and ends them at the class's end."
                ),
            )
        )
