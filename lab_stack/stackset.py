"""A student's lab as a CloudFormation StackSet's template: one stack instance per student account, deployed by
StackSets into accounts that have never seen the CDK.

Three things make the lab's template fit for that (StackSetPlacement; LabStack applies it):
- its file assets are published to the class's bucket (published_assets.py) and named there by the `AssetsBucket`
  parameter, not in the target account's CDK bootstrap bucket (PublishedAssetsSynthesizer);
- it carries no bootstrap-version parameter or rule (the rule reads an SSM parameter only `cdk bootstrap` writes) and
  no AWS::CDK::Metadata (analytics) resource;
- the student is the `StudentId` parameter, one StackSet ParameterOverrides entry per student account, and the lab's
  resources carry it as their `student` tag; the stack is the StackSet's to delete (lifetime.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aws_cdk import (
    Aws,
    BootstraplessSynthesizer,
    CfnParameter,
    FileAssetLocation,
    FileAssetPackaging,
    FileAssetSource,
    Fn,
    ISynthesisSession,
    Stack,
)

from lab_stack.published_assets import ASSETS_PREFIX, PublishedAsset, write_manifest
from lab_stack.roster import STUDENT_ID_PATTERN, STUDENT_ID_RULE

ASSETS_BUCKET = "AssetsBucket"
STUDENT_ID = "StudentId"
# CDK adds `aws:asset:*` metadata (local paths of the assets, for SAM) when this context is true; the CLI sets it.
ASSET_METADATA_CONTEXT = "aws:cdk:enable-asset-metadata"


@dataclass(frozen=True)
class StackSetPlacement:
    """Where a LabStack stands when it is a StackSet's template: a class of one account per student."""

    class_name: str
    expires_at: datetime


class PublishedAssetsSynthesizer(BootstraplessSynthesizer):
    """BootstraplessSynthesizer (no bootstrap-version rule, no bootstrap roles in the template) that takes file assets
    too: each is the object `assets/<source hash>.<zip|ext>` of the bucket the `AssetsBucket` parameter names, and the
    list of them is written beside the template for the publisher (published_assets.py)."""

    def __init__(self) -> None:
        super().__init__()
        self._assets: list[PublishedAsset] = []
        self._parameter: CfnParameter | None = None
        self._bound_to: Stack | None = None

    def bind(self, stack: Stack) -> None:
        super().bind(stack)
        self._bound_to = stack

    def add_file_asset(self, asset: FileAssetSource) -> FileAssetLocation:
        if asset.executable or not asset.file_name:
            raise ValueError("a StackSet lab publishes files and directories only, not the output of a command")
        if self._parameter is None:
            self._parameter = CfnParameter(
                self._bound_to,
                ASSETS_BUCKET,
                type="String",
                allowed_pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
                description="The class bucket holding this lab's files (published by make class-up, org-readable)",
            )
        zipped = asset.packaging == FileAssetPackaging.ZIP_DIRECTORY
        extension = ".zip" if zipped else Path(asset.file_name).suffix
        key = f"{ASSETS_PREFIX}{asset.source_hash}{extension}"
        if key not in {a.key for a in self._assets}:
            self._assets.append(PublishedAsset(key=key, path=asset.file_name, zip_directory=zipped))
        bucket = self._parameter.value_as_string
        return FileAssetLocation(
            bucket_name=bucket,
            object_key=key,
            http_url=Fn.join("", ["https://s3.", Aws.REGION, ".", Aws.URL_SUFFIX, "/", bucket, "/", key]),
            s3_object_url=Fn.join("", ["s3://", bucket, "/", key]),
        )

    def synthesize(self, session: ISynthesisSession) -> None:
        super().synthesize(session)
        write_manifest(Path(session.outdir), self._bound_to.artifact_id, self._assets)


def student_id_parameter(scope: Stack) -> CfnParameter:
    """The student whose account this stack instance is in: each instance's ParameterOverrides entry."""
    return CfnParameter(
        scope,
        STUDENT_ID,
        type="String",
        allowed_pattern=STUDENT_ID_PATTERN,
        constraint_description=STUDENT_ID_RULE,
        description="The student this lab is for (a StackSet ParameterOverrides entry per student account)",
    )
