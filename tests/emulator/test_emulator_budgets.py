"""The emulator's AWS Budgets: a stack's budget and its action exist as AWS documents them (made, read, tagged, updated,
deleted through CloudFormation and the Budgets API), what the API refuses is refused, and what the emulator cannot
model (spend; actions other than stopping EC2 instances) is refused naming it, never accepted and dropped. The
budget's SNS topic gets the stack's topic policy."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import ACCOUNT_ID, Emulator
from rehearsal.emulator.budgets import assume_execution_role

ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/budget-stop"
BUDGET_ARN = f"arn:aws:budgets::{ACCOUNT_ID}:budget/class-budget"


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "budgets.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                        "ArnLike": {"aws:SourceArn": [BUDGET_ARN, f"{BUDGET_ARN}/*"]},
                    },
                }
            ],
        }
        emulator.client("iam").create_role(RoleName="budget-stop", AssumeRolePolicyDocument=json.dumps(trust))
        yield emulator


def budget(name="class-budget", **extra):
    return {
        "Type": "AWS::Budgets::Budget",
        "Properties": {
            "Budget": {
                "BudgetName": name,
                "BudgetType": "COST",
                "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": 30, "Unit": "USD"},
                **extra,
            },
            "NotificationsWithSubscribers": [
                {
                    "Notification": {
                        "NotificationType": "ACTUAL",
                        "ComparisonOperator": "GREATER_THAN",
                        "Threshold": 80,
                        "ThresholdType": "PERCENTAGE",
                    },
                    "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "prof@school.edu"}],
                }
            ],
            "ResourceTags": [{"Key": "class", "Value": "c"}],
        },
    }


def action(budget_ref, instances=("i-0123456789abcdef0",), **overrides):
    properties = {
        "BudgetName": budget_ref,
        "NotificationType": "ACTUAL",
        "ActionType": "RUN_SSM_DOCUMENTS",
        "ApprovalModel": "AUTOMATIC",
        "ActionThreshold": {"Type": "PERCENTAGE", "Value": 100},
        "ExecutionRoleArn": ROLE_ARN,
        "Definition": {
            "SsmActionDefinition": {
                "Subtype": "STOP_EC2_INSTANCES",
                "Region": "us-east-1",
                "InstanceIds": list(instances),
            }
        },
        "Subscribers": [{"Type": "EMAIL", "Address": "prof@school.edu"}],
        "ResourceTags": [{"Key": "class", "Value": "c"}],
    }
    return {"Type": "AWS::Budgets::BudgetsAction", "Properties": {**properties, **overrides}}


def deploy(emu, name, resources):
    cloudformation = emu.client("cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": resources}))
    return cloudformation.describe_stacks(StackName=name)["Stacks"][0]


def reason(emu, stack):
    events = emu.client("cloudformation").describe_stack_events(StackName=stack)["StackEvents"]
    return " ".join(e.get("ResourceStatusReason", "") for e in events if e["ResourceStatus"] == "CREATE_FAILED")


def test_a_stacks_budget_and_action_exist_are_tagged_and_go_with_the_stack(emu):
    stack = deploy(emu, "Backstop", {"Budget": budget(), "Stop": action({"Ref": "Budget"})})
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    budgets = emu.client("budgets")
    found = budgets.describe_budget(AccountId=ACCOUNT_ID, BudgetName="class-budget")["Budget"]
    assert found["BudgetLimit"] == {"Amount": "30", "Unit": "USD"} and found["TimeUnit"] == "MONTHLY"
    [notice] = budgets.describe_notifications_for_budget(AccountId=ACCOUNT_ID, BudgetName="class-budget")[
        "Notifications"
    ]
    assert notice["Threshold"] == 80
    [stop] = budgets.describe_budget_actions_for_budget(AccountId=ACCOUNT_ID, BudgetName="class-budget")["Actions"]
    assert stop["Status"] == "STANDBY" and stop["ApprovalModel"] == "AUTOMATIC"
    assert stop["Definition"]["SsmActionDefinition"] == {
        "ActionSubType": "STOP_EC2_INSTANCES",
        "InstanceIds": ["i-0123456789abcdef0"],
        "Region": "us-east-1",
    }
    assert stop["ActionThreshold"] == {"ActionThresholdType": "PERCENTAGE", "ActionThresholdValue": 100.0}
    for arn in (BUDGET_ARN, f"{BUDGET_ARN}/action/{stop['ActionId']}"):
        assert budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == [{"Key": "class", "Value": "c"}]
    emu.client("cloudformation").delete_stack(StackName="Backstop")
    assert budgets.describe_budget_actions_for_account(AccountId=ACCOUNT_ID)["Actions"] == []
    with pytest.raises(ClientError) as gone:
        budgets.describe_budget(AccountId=ACCOUNT_ID, BudgetName="class-budget")
    assert gone.value.response["Error"]["Code"] == "NotFoundException"
    assert budgets.list_tags_for_resource(ResourceARN=BUDGET_ARN)["ResourceTags"] == []


def test_an_update_names_other_instances_in_the_same_action_and_keeps_the_budget(emu):
    cloudformation = emu.client("cloudformation")
    deploy(emu, "Again", {"Budget": budget("again"), "Stop": action({"Ref": "Budget"})})
    budgets = emu.client("budgets")
    [before] = budgets.describe_budget_actions_for_budget(AccountId=ACCOUNT_ID, BudgetName="again")["Actions"]
    template = {
        "Resources": {
            "Budget": budget("again"),
            "Stop": action({"Ref": "Budget"}, instances=("i-0123456789abcdef0", "i-00000000000000001")),
        }
    }
    cloudformation.update_stack(StackName="Again", TemplateBody=json.dumps(template))
    [after] = budgets.describe_budget_actions_for_budget(AccountId=ACCOUNT_ID, BudgetName="again")["Actions"]
    assert after["ActionId"] == before["ActionId"]
    assert after["Definition"]["SsmActionDefinition"]["InstanceIds"] == ["i-0123456789abcdef0", "i-00000000000000001"]
    cloudformation.delete_stack(StackName="Again")


@pytest.mark.parametrize(
    "stack, resources, says",
    [
        ("NoBudget", {"Stop": action("nowhere")}, "the budget doesn't exist"),
        (
            "IamAction",
            {"B": budget("b1"), "S": action({"Ref": "B"}, ActionType="APPLY_IAM_POLICY")},
            "RUN_SSM_DOCUMENTS",
        ),
        (
            "Rds",
            {
                "B": budget("b2"),
                "S": action(
                    {"Ref": "B"},
                    Definition={
                        "SsmActionDefinition": {
                            "Subtype": "STOP_RDS_INSTANCES",
                            "Region": "us-east-1",
                            "InstanceIds": ["db1"],
                        }
                    },
                ),
            },
            "STOP_RDS_INSTANCES",
        ),
        (
            "TooMany",
            {"B": budget("b3"), "S": action({"Ref": "B"}, instances=[f"i-{n:017x}" for n in range(101)])},
            "1 to 100",
        ),
        ("NoApproval", {"B": budget("b4"), "S": action({"Ref": "B"}, ApprovalModel=None)}, "ApprovalModel"),
        ("Filtered", {"B": budget("b5", CostFilters={"Region": ["us-east-1"]})}, "CostFilters"),
        (
            "Usage",
            {
                "B": {
                    **budget("b6"),
                    "Properties": {"Budget": {**budget("b6")["Properties"]["Budget"], "BudgetType": "USAGE"}},
                }
            },
            "COST",
        ),
    ],
)
def test_what_aws_refuses_or_the_emulator_cannot_model_fails_the_stack_naming_it(emu, stack, resources, says):
    for resource in resources.values():
        resource["Properties"] = {k: v for k, v in resource["Properties"].items() if v is not None}
    found = deploy(emu, stack, resources)
    assert found["StackStatus"] == "ROLLBACK_COMPLETE"
    assert says in reason(emu, stack)


def test_budgets_assumes_the_role_for_its_own_budget_only(emu):
    allowed, key = assume_execution_role(ACCOUNT_ID, "us-east-1", ROLE_ARN, f"{BUDGET_ARN}/action/a1")
    assert allowed.allowed and key
    other, none = assume_execution_role(
        ACCOUNT_ID, "us-east-1", ROLE_ARN, f"arn:aws:budgets::{ACCOUNT_ID}:budget/other"
    )
    assert not other.allowed and none is None
    prefixed, _ = assume_execution_role(ACCOUNT_ID, "us-east-1", ROLE_ARN, f"{BUDGET_ARN}-2")
    assert not prefixed.allowed


def test_a_stacks_topic_policy_is_the_topics_policy_until_the_stack_goes(emu):
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BudgetsPublishes",
                "Effect": "Allow",
                "Principal": {"Service": "budgets.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": {"Ref": "Topic"},
            }
        ],
    }
    resources = {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "class-notices"}},
        "Policy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {"Topics": [{"Ref": "Topic"}], "PolicyDocument": policy},
        },
    }
    deploy(emu, "Notices", resources)
    sns = emu.client("sns")
    [arn] = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":class-notices")]
    set_policy = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])
    assert [s["Sid"] for s in set_policy["Statement"]] == ["BudgetsPublishes"]
    emu.client("cloudformation").delete_stack(StackName="Notices")
    assert not [t for t in sns.list_topics()["Topics"] if t["TopicArn"] == arn]
