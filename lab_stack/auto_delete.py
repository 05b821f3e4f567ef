"""CDK's auto-delete of the lab bucket, made least-privilege and leaving nothing behind.

`auto_delete_objects=True` adds a provider (a Lambda function and its role, singletons of the stack) and a custom
resource that runs it when the stack is deleted. As CDK makes them:
- the role has the managed AWSLambdaBasicExecutionRole: logs:CreateLogGroup/CreateLogStream/PutLogEvents on `*`;
- the function's run creates the log group /aws/lambda/<function>, which nothing deletes (aws-cdk #26553, #24815);
- the bucket policy lets the role s3:GetBucket*, s3:List*, s3:DeleteObject* and s3:PutBucketPolicy.
TidyAutoDelete declares that log group (a week's retention, deleted with the stack after the custom resource that
writes to it), lets the role only write to it (no logs:CreateLogGroup, so nothing re-creates it), and narrows the
bucket policy to the S3 calls the handler makes (tests read them from the handler's own code).
"""

from __future__ import annotations

from aws_cdk import Fn, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

# The construct ids aws-cdk-lib gives the singleton provider behind `auto_delete_objects=True`, its children and
# the bucket's custom resource.
PROVIDER_ID = "Custom::S3AutoDeleteObjectsCustomResourceProvider"
CUSTOM_RESOURCE_ID = "AutoDeleteObjectsCustomResource"
LAMBDA_LOG_GROUP_PREFIX = "/aws/lambda/"

# The handler calls getBucketTagging, getBucketPolicy, putBucketPolicy (denying new writes while it empties),
# listObjectVersions and deleteObjects with version ids (S3 API reference: each call's required permission).
HANDLER_S3_ACTIONS = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:GetBucketPolicy",
    "s3:GetBucketTagging",
    "s3:ListBucketVersions",
    "s3:PutBucketPolicy",
]
# Lambda's runtime writes each run's log into an existing group (no logs:CreateLogGroup).
HANDLER_LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]


class TidyAutoDelete(Construct):
    """The handler's log group and narrowed permissions, for a bucket made with `auto_delete_objects=True`."""

    def __init__(self, scope: Construct, construct_id: str, *, bucket: s3.Bucket) -> None:
        super().__init__(scope, construct_id)
        provider = Stack.of(self).node.find_child(PROVIDER_ID)
        handler = provider.node.find_child("Handler")
        role = provider.node.find_child("Role")
        custom_resource = bucket.node.find_child(CUSTOM_RESOURCE_ID)

        self.log_group = logs.LogGroup(
            self,
            "HandlerLogs",
            log_group_name=Fn.join("", [LAMBDA_LOG_GROUP_PREFIX, handler.ref]),
            retention=logs.RetentionDays.ONE_WEEK,
            removal_policy=RemovalPolicy.DESTROY,
        )
        role.add_property_deletion_override("ManagedPolicyArns")
        # A policy of its own, not inline in the role: the group's name refers to the function, which refers to
        # the role.
        self.log_policy = iam.CfnPolicy(
            self,
            "HandlerLogPolicy",
            policy_name="write-own-log-group",
            roles=[role.ref],
            policy_document={
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": HANDLER_LOG_ACTIONS, "Resource": self.log_group.log_group_arn}
                ],
            },
        )
        # Created before it runs, deleted after its last run.
        custom_resource.node.add_dependency(self.log_group, self.log_policy)
        self._narrow_bucket_policy(bucket, role)
        # aws-cdk-lib's provider declares DependsOn its role besides GetAtt (cfn-lint W3005): harmless.
        handler.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})

    @staticmethod
    def _narrow_bucket_policy(bucket: s3.Bucket, role: Construct) -> None:
        stack = Stack.of(bucket)
        document = stack.resolve(bucket.policy.document)
        principal = stack.resolve(role.get_att("Arn"))
        [index] = [
            i
            for i, statement in enumerate(document["Statement"])
            if statement.get("Principal", {}).get("AWS") == principal
        ]
        bucket.policy.node.default_child.add_property_override(
            f"PolicyDocument.Statement.{index}.Action", HANDLER_S3_ACTIONS
        )


def tidy_bucket(scope: Construct, construct_id: str, **props: object) -> s3.Bucket:
    """A bucket private to its account (no public access, S3-managed encryption, TLS only, ACLs off), emptied and
    deleted with its stack, its auto-delete made tidy (TidyAutoDelete, as the construct `AutoDelete` of `scope`);
    `props` add to these (a name, lifecycle rules), never replace them."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=RemovalPolicy.DESTROY,
        auto_delete_objects=True,
        **props,
    )
    TidyAutoDelete(scope, "AutoDelete", bucket=bucket)
    return bucket
