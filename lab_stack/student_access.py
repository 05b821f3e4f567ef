"""Who the students of a class are in IAM, and what they may do: each one everything the guide asks on their own
lab, and nothing on anyone else's.

One IAM user per student (`<class>-<id>`, under the class's path, tagged `student=<id>` and `class=<class>`), in one
group whose one managed policy finds a student's own resources by the condition keys each service documents
(Service Authorization Reference, per service's "Actions, resources, and condition keys"):
- Firehose streams, Athena workgroups, EC2 instances (start/stop) and the lab's CloudFormation stack by name; the
  first three by `aws:ResourceTag/student` equal to the caller's own `${aws:PrincipalTag/student}` and
  `aws:ResourceTag/class` equal to the class (IAM user guide, "Controlling access to AWS resources using tags";
  every lab resource carries both tags, the student cannot change a tag: no tagging action is allowed);
- Session Manager's StartSession by `ssm:resourceTag/student` and `ssm:resourceTag/class` on the instance (Systems
  Manager user guide, "Additional sample IAM policies for Session Manager", example 3), on the default shell document,
  and ending or resuming only the caller's own sessions (`session/${aws:username}-*`, example 4);
- Glue, which has no tag condition on its catalog objects, and S3 (bucket ABAC needs PutBucketAbac), by name: the
  database `<class>_<id>` and the bucket `<class>-<id>-<account>-<region>`, whole names with the caller's tag in
  them, so no name is a prefix of another's; the CloudWatch dashboard and the expiry schedule likewise;
- List and Describe calls that support no resource (ListStacks, DescribeInstances, GetMetricStatistics, ...) on
  `*`, as AWS requires: a student can see that other labs exist, not read into or change them.
Changing their own password (the first sign-in requires it: iam:ChangePassword on their own user) and AWS CloudShell
(where the student's commands run) complete it.

A permissions boundary, attached to every user, caps them at these actions and ends at the class's expiry: after
`aws:CurrentTime` passes it, a student can do nothing, whatever of the class is left (IAM user guide, "Permissions
boundaries for IAM entities": effective permissions are the intersection; aws:CurrentTime with DateLessThan).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from aws_cdk import Acknowledgment, Aws, Tags, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from lab_stack.names import (
    CLASS_TAG,
    STUDENT_TAG,
    class_user_path,
    student_lab_name,
)
from lab_stack.roster import Roster

ME = "${aws:PrincipalTag/" + STUDENT_TAG + "}"
RESULTS_PREFIX = "athena-results/"
SESSION_DOCUMENT = "SSM-SessionManagerRunShell"

# What the guide's commands (docs/guide-en.md) and the AWS console pages it points to call, by what they act on.
LISTS = [
    "cloudformation:ListStacks",
    "firehose:ListDeliveryStreams",
    "s3:ListAllMyBuckets",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceStatus",
    "athena:ListWorkGroups",
    "athena:ListDataCatalogs",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "cloudwatch:ListDashboards",
    "ssm:DescribeSessions",
    "ssm:DescribeInstanceProperties",
    "ssm:DescribeInstanceInformation",
    "iam:GetAccountPasswordPolicy",
    "cloudshell:CreateEnvironment",
    "cloudshell:DescribeEnvironments",
]
STACK = [
    "cloudformation:DescribeStacks",
    "cloudformation:ListStackResources",
    "cloudformation:DescribeStackResources",
    "cloudformation:DescribeStackEvents",
]
STREAM = [
    "firehose:DescribeDeliveryStream",
    "firehose:PutRecord",
    "firehose:PutRecordBatch",
    "firehose:ListTagsForDeliveryStream",
]
BUCKET = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
OBJECTS = ["s3:GetObject"]
# Athena writes a query's results with the caller's permissions (Athena user guide, "Identity and access management
# in Athena"): only under the workgroup's results prefix.
RESULTS = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
WORKGROUP = [
    "athena:GetWorkGroup",
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:StopQueryExecution",
    "athena:ListQueryExecutions",
    "athena:BatchGetQueryExecution",
    "athena:ListNamedQueries",
    "athena:GetNamedQuery",
    "athena:BatchGetNamedQuery",
]
DATA_CATALOG = [
    "athena:GetDataCatalog",
    "athena:ListDatabases",
    "athena:GetDatabase",
    "athena:ListTableMetadata",
    "athena:GetTableMetadata",
]
DATABASE = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"]
INSTANCE = ["ec2:StartInstances", "ec2:StopInstances"]
SESSION = ["ssm:StartSession", "ssm:GetConnectionStatus"]
OWN_SESSIONS = ["ssm:TerminateSession", "ssm:ResumeSession"]
DASHBOARD = ["cloudwatch:GetDashboard"]
SCHEDULE = ["scheduler:GetSchedule"]
PASSWORD = ["iam:ChangePassword"]
# The console's shell: every principal has its own environment (CloudShell user guide, "Persistent storage": "private
# to you"); CreateEnvironment names none, the others act on the caller's.
CLOUDSHELL = [
    "cloudshell:CreateSession",
    "cloudshell:GetEnvironmentStatus",
    "cloudshell:StartEnvironment",
    "cloudshell:StopEnvironment",
    "cloudshell:PutCredentials",
    "cloudshell:DeleteEnvironment",
    "cloudshell:GetFileDownloadUrls",
    "cloudshell:GetFileUploadUrls",
]


def own_resource_tags(class_name: str, prefix: str = "aws:ResourceTag") -> dict:
    """The resource carries the caller's own student tag, in this class."""
    return {"StringEquals": {f"{prefix}/{STUDENT_TAG}": ME, f"{prefix}/{CLASS_TAG}": class_name}}


def student_statements(
    class_name: str, *, account: str, region: str, partition: str, kit_object: str | None = None
) -> list[dict]:
    """The group policy's statements: each student's own lab, found by tag or by whole name (see the docstring)."""
    lab = student_lab_name(class_name, ME)
    database = f"{class_name.replace('-', '_')}_{ME}"
    bucket = f"arn:{partition}:s3:::{lab}-{account}-{region}"

    def arn(service: str, resource: str, *, in_region: bool = True) -> str:
        return f"arn:{partition}:{service}:{region if in_region else ''}:{account}:{resource}"

    def allow(sid: str, actions: list[str], resources: list[str] | str, condition: dict | None = None) -> dict:
        statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
        return {**statement, "Condition": condition} if condition else statement

    statements = [
        allow("ListsAndDescribesThatNameNoResource", LISTS, "*"),
        allow("OwnStack", STACK, arn("cloudformation", f"stack/{lab}/*")),
        allow("OwnStream", STREAM, arn("firehose", "deliverystream/*"), own_resource_tags(class_name)),
        allow("OwnBucket", BUCKET, bucket),
        allow("OwnObjects", OBJECTS, f"{bucket}/*"),
        allow("OwnQueryResults", RESULTS, f"{bucket}/{RESULTS_PREFIX}*"),
        allow("OwnWorkgroup", WORKGROUP, arn("athena", "workgroup/*"), own_resource_tags(class_name)),
        allow("TheDataCatalog", DATA_CATALOG, arn("athena", "datacatalog/AwsDataCatalog")),
        allow(
            "OwnDatabase",
            DATABASE,
            [arn("glue", "catalog"), arn("glue", f"database/{database}"), arn("glue", f"table/{database}/*")],
        ),
        allow("OwnInstance", INSTANCE, arn("ec2", "instance/*"), own_resource_tags(class_name)),
        allow(
            "OwnInstanceSession", SESSION, arn("ec2", "instance/*"), own_resource_tags(class_name, "ssm:resourceTag")
        ),
        allow("SessionShell", ["ssm:StartSession"], arn("ssm", f"document/{SESSION_DOCUMENT}")),
        allow("OwnSessions", OWN_SESSIONS, arn("ssm", "session/${aws:username}-*")),
        allow("OwnDashboard", DASHBOARD, arn("cloudwatch", f"dashboard/{lab}", in_region=False)),
        allow("OwnExpirySchedule", SCHEDULE, arn("scheduler", f"schedule/{lab}-expiry/*")),
        allow(
            "OwnPassword",
            PASSWORD,
            arn("iam", f"user{class_user_path(class_name)}${{aws:username}}", in_region=False),
        ),
        allow("OwnCloudShell", CLOUDSHELL, arn("cloudshell", "environment/*")),
    ]
    if kit_object:
        statements.append(allow("TheStudentKit", ["s3:GetObject"], kit_object))
    return statements


def actions_of(statements: Iterable[dict]) -> list[str]:
    return sorted({action for statement in statements for action in statement["Action"]})


def boundary_statements(actions: list[str], expires_at: datetime) -> list[dict]:
    """At most these actions, and none after the class's end."""
    return [
        {
            "Sid": "AtMostTheGuidesActionsUntilTheClassEnds",
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")}},
        }
    ]


class StudentAccess(Construct):
    """The class's group with its policy, the boundary, and one user per student of the roster."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        class_name: str,
        roster: Roster,
        expires_at: datetime,
        kit_object: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.statements = student_statements(
            class_name, account=Aws.ACCOUNT_ID, region=Aws.REGION, partition=Aws.PARTITION, kit_object=kit_object
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=f"{class_name}-student-access",
            description=f"firehose-lab class {class_name}: each student their own lab, by tag or by name",
            document=iam.PolicyDocument.from_json({"Version": "2012-10-17", "Statement": self.statements}),
        )
        self.boundary = iam.ManagedPolicy(
            self,
            "Boundary",
            managed_policy_name=f"{class_name}-student-boundary",
            description=f"firehose-lab class {class_name}: the most a student may do, until the class ends",
            document=iam.PolicyDocument.from_json(
                {"Version": "2012-10-17", "Statement": boundary_statements(actions_of(self.statements), expires_at)}
            ),
        )
        self.group = iam.Group(
            self, "Group", group_name=f"{class_name}-students", managed_policies=[self.policy], path="/firehose-lab/"
        )
        self.users = {}
        for student in roster.students:
            user = iam.User(
                self,
                f"Student-{student.student_id}",
                user_name=student_lab_name(class_name, student.student_id),
                path=class_user_path(class_name),
                groups=[self.group],
                permissions_boundary=self.boundary,
            )
            Tags.of(user).add(STUDENT_TAG, student.student_id)
            self.users[student.student_id] = user
        self._acknowledge(class_name)

    def _acknowledge(self, class_name: str) -> None:
        Validations.of(self.policy).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "Only List/Describe calls that AWS authorizes on '*' alone (ListStacks, DescribeInstances, "
                    "GetMetricStatistics, ListDashboards, ...) use Resource '*': a class lab's student sees that other "
                    "labs exist; everything that reads into or changes a lab is scoped to the student's own."
                ),
            ),
            *(
                Acknowledgment(id=f"AwsSolutions-IAM5[Resource::{resource}]", reason=reason)
                for resource, reason in _wildcard_reasons(class_name).items()
            ),
        )
        Validations.of(self.boundary).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "A permissions boundary caps actions, not resources: the lab student's group policy scopes each "
                    "action to their own lab; this boundary only keeps every class user to the guide's actions and "
                    "ends them all at the class's expiry."
                ),
            ),
        )


def _wildcard_reasons(class_name: str) -> dict[str, str]:
    """Policy resources with a wildcard, as cdk-nag names them, and why each is that student's own only."""
    me = "<aws:PrincipalTag/student>"
    lab = f"{class_name}-{me}"
    bucket = f"arn:<AWS::Partition>:s3:::{lab}-<AWS::AccountId>-<AWS::Region>"
    in_region = "<AWS::Region>:<AWS::AccountId>"
    database = f"{class_name.replace('-', '_')}_{me}"
    return {
        f"arn:<AWS::Partition>:firehose:{in_region}:deliverystream/*": (
            "A lab's stream name is generated by CloudFormation; the statement holds only for streams whose student "
            "and class tags are the caller's own (aws:ResourceTag = ${aws:PrincipalTag/student})."
        ),
        f"arn:<AWS::Partition>:athena:{in_region}:workgroup/*": (
            "Only workgroups tagged with the lab student's own student and class tags (aws:ResourceTag condition)."
        ),
        f"arn:<AWS::Partition>:ec2:{in_region}:instance/*": (
            "An instance id is known only after the lab deploys; start/stop and Session Manager hold only for the "
            "instance tagged with the caller's own student and class tags (aws:ResourceTag, ssm:resourceTag)."
        ),
        f"arn:<AWS::Partition>:cloudformation:{in_region}:stack/{lab}/*": (
            "A stack ARN ends with the id CloudFormation generates; the name before it is the student's own lab stack, "
            "whole: a `/` follows it, and no student id is another's prefix."
        ),
        f"{bucket}/*": (
            "Every object of the student's own lab bucket, named exactly by their tag: the guide lists and reads what "
            "Firehose delivered there."
        ),
        f"{bucket}/athena-results/*": (
            "Athena writes a query's results with the caller's permissions under the workgroup's results prefix of the "
            "student's own lab bucket, one generated object name per query."
        ),
        f"arn:<AWS::Partition>:glue:{in_region}:table/{database}/*": (
            "The tables of the student's own lab Glue database (named by their tag, Glue has no tag condition): "
            "the events table the guide queries."
        ),
        f"arn:<AWS::Partition>:ssm:{in_region}:session/<aws:username>-*": (
            "Session Manager names each session <user name>-<random id>: a lab student ends or resumes only their "
            "own sessions (Session Manager user guide, additional sample policies, example 4)."
        ),
        f"arn:<AWS::Partition>:scheduler:{in_region}:schedule/{lab}-expiry/*": (
            "The one schedule in the student's own lab's expiry group, whose name CloudFormation generates: "
            "make status reads when the lab deletes itself."
        ),
        f"arn:<AWS::Partition>:cloudshell:{in_region}:environment/*": (
            "An AWS CloudShell environment is each principal's own and private to it (CloudShell user guide, "
            "persistent storage); its id is generated, and the lab student's commands run in their own."
        ),
    }
