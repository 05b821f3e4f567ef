"""A StackSet lab's files (the producer with its locked wheels, CDK's bucket auto-delete handler), published once per
region to the class's bucket, where every target account reads them: what the synthesizer (lab_stack/stackset.py)
writes and the publisher (labctl/classroom/stackset.py) reads. No CDK here.

A CDK template's file assets live in the CDK bootstrap bucket of the account it deploys to, so a StackSet of such a
template fails in every target account that was not bootstrapped (aws-cdk #26310). Here each asset is an object
`assets/<source hash>.<zip|ext>` in the bucket the template's `AssetsBucket` parameter names: its key is fixed by its
content at synth, so a template can only ever be deployed with the very files it was synthesized with.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

ASSETS_PREFIX = "assets/"
TEMPLATES_PREFIX = "templates/"
MANIFEST_SUFFIX = ".published-assets.json"


@dataclass(frozen=True)
class PublishedAsset:
    key: str  # the object's key in the class bucket
    path: str  # the asset in the cloud assembly, relative to it (a directory to zip, or a file)
    zip_directory: bool


def manifest_path(assembly: Path, artifact_id: str) -> Path:
    return assembly / f"{artifact_id}{MANIFEST_SUFFIX}"


def write_manifest(assembly: Path, artifact_id: str, assets: list[PublishedAsset]) -> None:
    manifest_path(assembly, artifact_id).write_text(json.dumps([vars(a) for a in assets], indent=1) + "\n")


def read_manifest(assembly: Path, artifact_id: str) -> list[PublishedAsset]:
    return [PublishedAsset(**entry) for entry in json.loads(manifest_path(assembly, artifact_id).read_text())]


def asset_body(assembly: Path, asset: PublishedAsset) -> bytes:
    """What the object holds: the directory zipped (as the CDK CLI publishes a directory asset), or the file."""
    source = assembly / asset.path
    if not asset.zip_directory:
        return source.read_bytes()
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(source).as_posix())
    return body.getvalue()
