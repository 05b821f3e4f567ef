"""CloudFormation model for AWS::S3::BucketPolicy (moto 5.2.5 only records it).

Without it the stack says the policy exists while the bucket has none: GetBucketPolicy answers NoSuchBucketPolicy
and nothing evaluates it. This model stores the document through moto's S3 backend (PutBucketPolicy), so it is
read back, evaluated on object requests (policy_evaluation.py) and removed with the resource. A policy the
emulator cannot evaluate is refused by that PutBucketPolicy, which fails the stack naming the statement.
Changing `Bucket` replaces the resource, as in CloudFormation.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from ..cloudformation import BackendModel, register_models, replace


class S3BucketPolicy(BackendModel, CloudFormationModel):
    """The policy document of one bucket, kept in moto's S3 backend."""

    CFN_TYPE = "AWS::S3::BucketPolicy"

    def __init__(self, account_id: str, region_name: str, physical_id: str, bucket_name: str):
        self.account_id = account_id
        self.region_name = region_name
        self.physical_id = physical_id
        self.bucket_name = bucket_name

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @staticmethod
    def _put(account_id: str, region_name: str, props: dict[str, Any]) -> str:
        bucket = props["Bucket"]
        s3_backends[account_id][get_partition(region_name)].put_bucket_policy(
            bucket, json.dumps(props["PolicyDocument"]).encode()
        )
        return bucket

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> S3BucketPolicy:
        bucket = cls._put(account_id, region_name, cloudformation_json["Properties"])
        return cls(account_id, region_name, resource_name, bucket)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: S3BucketPolicy,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> S3BucketPolicy:
        props = cloudformation_json["Properties"]
        if props["Bucket"] == original_resource.bucket_name:
            cls._put(account_id, region_name, props)
            return original_resource
        return replace(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        """DeleteBucketPolicy; a bucket already gone took its policy with it."""
        try:
            s3_backends[self.account_id][get_partition(self.region_name)].delete_bucket_policy(self.bucket_name)
        except MissingBucket:
            pass


def install() -> None:
    """Make moto's cached model lists see S3BucketPolicy (idempotent)."""
    register_models()
