"""Custom::S3AutoDeleteObjects without Lambda (moto would invoke the CDK provider in Docker).

moto 5.2.5 maps every `Custom::*` type to `CustomModel`, whose create invokes the ServiceToken
Lambda in a thread and never completes without Docker. `parsing.resource_class_from_type` is
wrapped so this one type gets `S3AutoDeleteObjects`, which does what the CDK handler does:
Create succeeds; Delete (or an Update that renames the bucket) empties the bucket, all versions,
if it carries the `aws-cdk:auto-delete-objects=true` tag. The provider's Lambda function and
role stay ordinary resources; moto creates them without Docker.
Beware: moto's delete loop treats an AttributeError/TypeError from `delete` as "no delete
method" and silently moves on, so `delete` must not leak one.

moto's own bucket delete returns silently when the bucket is not empty and leaves it behind.
It is made to raise BucketNotEmpty instead (CloudFormation's DELETE_FAILED), so moto's
retrying delete loop comes back to the bucket after this resource has emptied it, whatever
order it picks.
"""

from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.custom_model import CustomModel
from moto.s3.exceptions import BucketNotEmpty, MissingBucket
from moto.s3.models import FakeBucket, s3_backends
from moto.utilities.utils import get_partition

RESOURCE_TYPE = "Custom::S3AutoDeleteObjects"
AUTO_DELETE_TAG = "aws-cdk:auto-delete-objects"


class S3AutoDeleteObjects(CustomModel):
    """The CDK auto-delete-objects custom resource, handled in process."""

    def __init__(self, account_id: str, region_name: str, logical_id: str, bucket_name: str):
        super().__init__(region_name, request_id="", logical_id=logical_id, resource_name=bucket_name)
        self.account_id = account_id
        self.bucket_name = bucket_name
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
        bucket_name = cloudformation_json["Properties"]["BucketName"]
        return cls(account_id, region_name, kwargs["LogicalId"], bucket_name)

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
        new_bucket = cloudformation_json["Properties"]["BucketName"]
        if new_bucket != original_resource.bucket_name:
            original_resource.delete(account_id, region_name)
        return cls(account_id, region_name, original_resource.logical_id, new_bucket)

    def delete(self, account_id: str, region_name: str) -> None:
        """Empty the bucket (every version and delete marker); a missing bucket is fine."""
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


_original_class_from_type = parsing.resource_class_from_type
_original_bucket_delete = FakeBucket.delete_from_cloudformation_json.__func__


def _resource_class_from_type(resource_type: str) -> Any:
    if resource_type == RESOURCE_TYPE:
        return S3AutoDeleteObjects
    return _original_class_from_type(resource_type)


def _strict_bucket_delete(cls: type, resource_name: str, cloudformation_json: Any,
                          account_id: str, region_name: str) -> None:
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
