"""Custom::S3AutoDeleteObjects without Lambda (moto would invoke the CDK provider in Docker).

moto 5.2.5 maps every `Custom::*` type to `CustomModel`, whose create invokes the ServiceToken
Lambda in a thread and never completes without Docker. `parsing.resource_class_from_type` is
wrapped so this one type gets `S3AutoDeleteObjects`, which does what the CDK handler does:
Create succeeds; Delete (or an Update that renames the bucket) empties the bucket, all versions,
if it carries the `aws-cdk:auto-delete-objects=true` tag. The provider's Lambda function and
role stay ordinary resources; moto creates them without Docker.
Beware: moto's delete loop treats an AttributeError/TypeError from `delete` as "no delete
method" and silently moves on, so `delete` must not leak one.

Like the real handler, each run writes its log to `/aws/lambda/<function>` (Lambda's runtime does), creating that
group first when the function's role may `logs:CreateLogGroup` (AWSLambdaBasicExecutionRole may): nothing in a
stack deletes a group made that way (aws-cdk #26553), so the rehearsal's leftovers check sees it, as an AWS
account would keep it.

moto's own bucket delete returns silently when the bucket is not empty and leaves it behind.
It is made to raise BucketNotEmpty instead (CloudFormation's DELETE_FAILED), so moto's
retrying delete loop comes back to the bucket after this resource has emptied it, whatever
order it picks.
"""

import json
import time
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import lambda_backends
from moto.cloudformation import parsing
from moto.cloudformation.custom_model import CustomModel
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.models import iam_backends
from moto.logs.models import logs_backends
from moto.s3.exceptions import BucketNotEmpty, MissingBucket
from moto.s3.models import FakeBucket, s3_backends
from moto.utilities.utils import get_partition

RESOURCE_TYPE = "Custom::S3AutoDeleteObjects"
AUTO_DELETE_TAG = "aws-cdk:auto-delete-objects"
LAMBDA_LOG_GROUP_PREFIX = "/aws/lambda/"


class S3AutoDeleteObjects(CustomModel):
    """The CDK auto-delete-objects custom resource, handled in process."""

    def __init__(self, account_id: str, region_name: str, logical_id: str, bucket_name: str, function_arn: str):
        super().__init__(region_name, request_id="", logical_id=logical_id, resource_name=bucket_name)
        self.account_id = account_id
        self.bucket_name = bucket_name
        self.function_arn = function_arn
        self._finished = True

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "S3AutoDeleteObjects":
        properties = cloudformation_json["Properties"]
        return cls(account_id, region_name, kwargs["LogicalId"], properties["BucketName"], properties["ServiceToken"])

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: "S3AutoDeleteObjects",
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> "S3AutoDeleteObjects":
        """A renamed bucket is being replaced: empty the old one so CloudFormation can delete it."""
        properties = cloudformation_json["Properties"]
        if properties["BucketName"] != original_resource.bucket_name:
            original_resource.delete(account_id, region_name)
        return cls(
            account_id, region_name, original_resource.logical_id, properties["BucketName"], properties["ServiceToken"]
        )

    def delete(self, account_id: str, region_name: str) -> None:
        """Empty the bucket (every version and delete marker); a missing bucket is fine."""
        self._log_invocation()
        backend = s3_backends[self.account_id][get_partition(self.region_name)]
        try:
            bucket = backend.get_bucket(self.bucket_name)
        except MissingBucket:
            return
        tags = backend.get_bucket_tagging(self.bucket_name)["Tags"]
        if {"Key": AUTO_DELETE_TAG, "Value": "true"} not in tags:
            return
        for key_name in list(bucket.keys):
            for version in list(bucket.keys.getlist(key_name)):
                backend.delete_object(self.bucket_name, key_name, version_id=str(version.version_id))

    def _log_invocation(self) -> None:
        """What Lambda's runtime does for one run of the handler: log to /aws/lambda/<function>, under its role."""
        try:
            function = lambda_backends[self.account_id][self.region_name].get_function(self.function_arn)
        except UnknownFunctionException:
            return
        partition = get_partition(self.region_name)
        group = f"{LAMBDA_LOG_GROUP_PREFIX}{function.function_name}"
        group_arn = f"arn:{partition}:logs:{self.region_name}:{self.account_id}:log-group:{group}"
        logs = logs_backends[self.account_id][self.region_name]
        if group not in logs.groups:
            if not _role_may(function.role, "logs:CreateLogGroup", f"{group_arn}:*", self.account_id, partition):
                return
            logs.create_log_group(group, tags={})
        stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{self.bucket_name[:24]}"
        if not _role_may(
            function.role, "logs:CreateLogStream", f"{group_arn}:log-stream:{stream}", self.account_id, partition
        ):
            return
        if stream not in logs.groups[group].streams:
            logs.create_log_stream(group, stream)
        if _role_may(
            function.role, "logs:PutLogEvents", f"{group_arn}:log-stream:{stream}", self.account_id, partition
        ):
            message = f"emptying bucket {self.bucket_name}"
            logs.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": message}])


def _role_may(role_arn: str, action: str, resource: str, account_id: str, partition: str) -> bool:
    """Whether the role's inline and managed policies allow `action` on `resource` (no explicit deny)."""
    role = iam_backends[account_id][partition].get_role_by_arn(role_arn)
    documents = [d if isinstance(d, str) else json.dumps(d) for d in role.policies.values()]
    results = [IAMPolicy(d).is_action_permitted(action, resource) for d in documents]
    results += [IAMPolicy(policy).is_action_permitted(action, resource) for policy in role.managed_policies.values()]
    return PermissionResult.PERMITTED in results and PermissionResult.DENIED not in results


_original_class_from_type = parsing.resource_class_from_type
_original_bucket_delete = FakeBucket.delete_from_cloudformation_json.__func__


def _resource_class_from_type(resource_type: str) -> Any:
    if resource_type == RESOURCE_TYPE:
        return S3AutoDeleteObjects
    return _original_class_from_type(resource_type)


def _strict_bucket_delete(
    cls: type, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
) -> None:
    try:
        bucket = s3_backends[account_id][get_partition(region_name)].get_bucket(resource_name)
    except MissingBucket:
        return
    if bucket.keys:
        raise BucketNotEmpty(resource_name)
    _original_bucket_delete(cls, resource_name, cloudformation_json, account_id, region_name)


def install() -> None:
    """Route the custom resource type here and make non-empty bucket deletes fail (idempotent)."""
    parsing.resource_class_from_type = _resource_class_from_type
    FakeBucket.delete_from_cloudformation_json = classmethod(_strict_bucket_delete)
