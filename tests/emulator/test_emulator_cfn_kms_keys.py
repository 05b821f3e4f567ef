"""KMS keys made by CloudFormation answer DescribeKey and encrypt, and a stack delete schedules their deletion."""

import pytest

from rehearsal.emulator import ACCOUNT_ID, Emulator
from support.emulator.stacks import create

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "kms:*", "Resource": "*"}
    ],
}
TEMPLATE = {
    "Resources": {
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {"KeyPolicy": POLICY, "EnableKeyRotation": True, "PendingWindowInDays": 7},
        },
        "DefaultPolicyKey": {"Type": "AWS::KMS::Key", "Properties": {"Description": "no KeyPolicy given"}},
    },
    "Outputs": {"KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}},
}


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def test_keys_answer_describe_key_and_encrypt(emu):
    stack = create(emu.client("cloudformation"), "keys", TEMPLATE)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    kms = emu.client("kms")
    key_arn = stack["Outputs"][0]["OutputValue"]
    metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["KeyUsage"], metadata["KeySpec"]) == (
        "Enabled",
        "ENCRYPT_DECRYPT",
        "SYMMETRIC_DEFAULT",
    )
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True
    ciphertext = kms.encrypt(KeyId=key_arn, Plaintext=b"lab")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ciphertext)["Plaintext"] == b"lab"
    for key in kms.list_keys()["Keys"]:
        assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["Enabled"] is True


def test_stack_delete_schedules_key_deletion(emu):
    cfn, kms = emu.client("cloudformation"), emu.client("kms")
    cfn.delete_stack(StackName="keys")
    states = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]]
    assert [s["KeyState"] for s in states] == ["PendingDeletion", "PendingDeletion"]
    assert all("DeletionDate" in s for s in states)
