"""Stack Outputs (and exports) after ExecuteChangeSet, the path `cdk deploy` takes."""

import json

import pytest

from rehearsal.emulator import Emulator


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def template(topic_name):
    return json.dumps(
        {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": topic_name}}},
            "Outputs": {
                "TopicArn": {"Value": {"Ref": "Topic"}, "Export": {"Name": "lab-topic-arn"}},
                "TopicName": {"Value": {"Fn::GetAtt": ["Topic", "TopicName"]}, "Description": "name"},
            },
        }
    )


def execute(cfn, change_set_type, body):
    change_set = cfn.create_change_set(
        StackName="outputs", ChangeSetName=f"cs-{change_set_type}", ChangeSetType=change_set_type, TemplateBody=body
    )
    cfn.execute_change_set(ChangeSetName=change_set["Id"])


def outputs(cfn):
    stack = cfn.describe_stacks(StackName="outputs")["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def test_outputs_and_exports_after_create_then_update_change_sets(emu):
    cfn = emu.client("cloudformation")
    execute(cfn, "CREATE", template("first"))
    assert outputs(cfn) == {"TopicArn": "arn:aws:sns:us-east-1:123456789012:first", "TopicName": "first"}
    assert [e["Value"] for e in cfn.list_exports()["Exports"]] == [outputs(cfn)["TopicArn"]]

    execute(cfn, "UPDATE", template("second"))
    assert outputs(cfn)["TopicName"] == "second"
    assert [e["Value"] for e in cfn.list_exports()["Exports"]] == [outputs(cfn)["TopicArn"]]
