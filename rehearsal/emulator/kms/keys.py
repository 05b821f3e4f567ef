"""KMS keys made by CloudFormation behave like keys made by CreateKey (moto 5.2.5: DescribeKey answers HTTP 500).

moto's `Key.create_from_cloudformation_json` stores the template's KeyPolicy as the parsed JSON object, while every
KMS call that checks the key policy (DescribeKey, Encrypt, GenerateDataKey...) does `json.loads(key.policy)` and
fails with a TypeError, an HTTP 500 to the client. It also requires KeyPolicy (optional in CloudFormation, which then
applies the default key policy), ignores KeySpec, KeyUsage, MultiRegion and Enabled=false, and on stack delete removes
the key at once. CloudFormation instead schedules the key's deletion: "When you remove a KMS key from a
CloudFormation stack, AWS KMS schedules the KMS key for deletion after the waiting period [PendingWindowInDays,
7-30, default 30]" (CloudFormation template reference, AWS::KMS::Key), so the key is listed, PendingDeletion.
"""

import json
from typing import Any

from moto.kms.models import Key, kms_backends

DEFAULT_PENDING_WINDOW_DAYS = 30


def _create_key(
    cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
) -> Key:
    backend = kms_backends[account_id][region_name]
    properties = cloudformation_json["Properties"]
    policy = properties.get("KeyPolicy")
    key = backend.create_key(
        policy=json.dumps(policy) if isinstance(policy, dict) else policy,
        key_usage=properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
        key_spec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
        description=properties.get("Description"),
        tags=properties.get("Tags", []),
        multi_region=str(properties.get("MultiRegion", False)).lower() == "true",
    )
    key.key_rotation_status = str(properties.get("EnableKeyRotation", False)).lower() == "true"
    if str(properties.get("Enabled", True)).lower() == "false":
        backend.disable_key(key.id)
    key.pending_window_in_days = int(properties.get("PendingWindowInDays", DEFAULT_PENDING_WINDOW_DAYS))
    return key


def _schedule_deletion(self: Key, account_id: str, region_name: str) -> None:
    """What CloudFormation does on delete; a key already gone or already pending counts as deleted."""
    backend = kms_backends[self.account_id][self.region]
    if self.id in backend.keys and self.key_state != "PendingDeletion":
        backend.schedule_key_deletion(self.id, getattr(self, "pending_window_in_days", DEFAULT_PENDING_WINDOW_DAYS))


def install() -> None:
    """Replace the CloudFormation create and delete of AWS::KMS::Key (idempotent)."""
    Key.create_from_cloudformation_json = classmethod(_create_key)
    Key.delete = _schedule_deletion
