"""A resource that fails to create fails its stack (CREATE_FAILED with the reason), which rolls back what it made."""

import pytest

from rehearsal.emulator import Emulator
from support.emulator.stacks import bucket_names, create, deploy_change_set, events

TAKEN = "a-bucket-someone-else-owns"
TEMPLATE = {
    "Resources": {
        "First": {"Type": "AWS::S3::Bucket"},
        "Second": {"Type": "AWS::S3::Bucket", "DependsOn": "First", "Properties": {"BucketName": TAKEN}},
    },
    "Outputs": {"FirstName": {"Value": {"Ref": "First"}, "Export": {"Name": "first-bucket"}}},
}


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        emulator.client("s3").create_bucket(Bucket=TAKEN)
        yield emulator


def assert_failed_and_rolled_back(emu, stack_name, stack):
    cfn = emu.client("cloudformation")
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    [(_, _, reason)] = [e for e in events(cfn, stack_name) if e[:2] == ("Second", "CREATE_FAILED")]
    assert "BucketAlreadyExists" in reason
    assert (
        stack_name,
        "ROLLBACK_IN_PROGRESS",
        "The following resource(s) failed to create: [Second]. Rollback requested by user.",
    ) in events(cfn, stack_name)
    assert bucket_names(emu.client("s3")) == {TAKEN}  # First was made, then rolled back
    assert cfn.list_exports()["Exports"] == []
    cfn.delete_stack(StackName=stack_name)
    assert cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    assert bucket_names(emu.client("s3")) == {TAKEN}


def test_create_stack_fails_and_rolls_back(emu):
    stack = create(emu.client("cloudformation"), "create-fails", TEMPLATE)
    assert_failed_and_rolled_back(emu, "create-fails", stack)


def test_change_set_fails_and_rolls_back(emu):
    """What `cdk deploy` does: the ExecuteChangeSet call succeeds, the stack does not."""
    stack = deploy_change_set(emu.client("cloudformation"), "change-set-fails", TEMPLATE)
    assert_failed_and_rolled_back(emu, "change-set-fails", stack)


def test_disable_rollback_leaves_the_stack_create_failed(emu):
    cfn = emu.client("cloudformation")
    stack = create(cfn, "kept", TEMPLATE, DisableRollback=True)
    assert stack["StackStatus"] == "CREATE_FAILED"
    assert stack["StackStatusReason"] == "The following resource(s) failed to create: [Second]. "
    assert len(bucket_names(emu.client("s3"))) == 2  # First stays until the stack is deleted
    cfn.delete_stack(StackName="kept")
    assert bucket_names(emu.client("s3")) == {TAKEN}
