"""ListStackResources names every resource of a stack: `aws cloudformation list-stack-resources` has no blank rows."""

import json

import pytest

from rehearsal.emulator import Emulator
from rehearsal.emulator.cloudformation import RECORDED_ONLY

TEMPLATE = json.dumps(
    {
        "Parameters": {"Name": {"Type": "String", "Default": "listed"}},
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Name"}}},
            "Metadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:none"}},
        },
    }
)


@pytest.fixture(scope="module")
def summaries():
    with Emulator() as emulator:
        cfn = emulator.client("cloudformation")
        cfn.create_stack(StackName="listed", TemplateBody=TEMPLATE)
        yield {
            row["LogicalResourceId"]: row
            for row in cfn.list_stack_resources(StackName="listed")["StackResourceSummaries"]
        }


def test_every_resource_of_the_template_has_a_row_with_its_logical_id_and_type(summaries):
    assert {name: row["ResourceType"] for name, row in summaries.items()} == {
        "Topic": "AWS::SNS::Topic",
        "Metadata": "AWS::CDK::Metadata",
    }


def test_a_modelled_resource_has_its_physical_id(summaries):
    assert summaries["Topic"]["PhysicalResourceId"] == "arn:aws:sns:us-east-1:123456789012:listed"
    assert "ResourceStatusReason" not in summaries["Topic"]


def test_a_recorded_only_resource_says_nothing_exists_behind_it(summaries):
    assert summaries["Metadata"]["PhysicalResourceId"] == ""
    assert summaries["Metadata"]["ResourceStatusReason"] == RECORDED_ONLY
