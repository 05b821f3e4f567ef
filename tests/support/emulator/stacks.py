"""Helpers for the emulator's CloudFormation tests: deploy a template as the CDK CLI does, read what is there."""

import json


def create(cfn, stack: str, template: dict, **kwargs) -> dict:
    """CreateStack; the stack's description afterwards."""
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template), **kwargs)
    return cfn.describe_stacks(StackName=stack)["Stacks"][0]


def deploy_change_set(cfn, stack: str, template: dict) -> dict:
    """A CREATE change set, executed (what `cdk deploy` does); the stack's description afterwards."""
    change_set = cfn.create_change_set(
        StackName=stack, ChangeSetName="cs", ChangeSetType="CREATE", TemplateBody=json.dumps(template)
    )
    cfn.execute_change_set(ChangeSetName=change_set["Id"])
    return cfn.describe_stacks(StackName=change_set["StackId"])["Stacks"][0]


def events(cfn, stack: str) -> list[tuple]:
    """(logical id, status, reason) of every stack event, oldest first."""
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
        for e in reversed(cfn.describe_stack_events(StackName=stack)["StackEvents"])
    ]


def bucket_names(s3) -> set:
    return {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
