"""The class's Budgets backstop, as synthesized: one monthly budget, one action that stops every lab's instance when
the budget is crossed, the role Budgets runs it with (this budget's only, stopping this class's instances through
Systems Manager, nothing else), its notices' topic and the instructor's email when given, its end with the labs'."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from lab_stack.budget_backstop import STOP_AT_PERCENT, WARN_AT_PERCENT
from lab_stack.names import CLASS_TAG, class_budget_name, class_budget_stack_name, lab_instance_parameter
from lab_stack.sizing import BUDGET_ROLES
from support.synth import CLASS_BUDGET_USD, CLASS_EXPIRES_AT, CLASS_NAME, CLASS_ROSTER, class_synth
from support.template import as_list

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
STUDENTS = ["ana", "bob", "7c"]


def budget_template(class_lab) -> dict:
    app = class_lab[0]
    return Template.from_stack(app.node.find_child(class_budget_stack_name(CLASS_NAME))).to_json()


@pytest.fixture(scope="module")
def template(class_lab):
    return budget_template(class_lab)


@pytest.fixture(scope="module")
def with_email(tmp_path_factory):
    roster = tmp_path_factory.mktemp("budget") / "roster.csv"
    roster.write_text(CLASS_ROSTER)
    return budget_template(class_synth(roster, budgetEmail="prof@school.edu"))


def only(template, kind):
    [found] = [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]
    return found


def of_kind(template, kind):
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def stop_role(template, kind="AWS::IAM::Role"):
    """The role Budgets runs the action with (or its policy): the backstop's, not the expiry's."""
    [found] = [r for k, r in template["Resources"].items() if r["Type"] == kind and k.startswith("BackstopStopRole")]
    return found


def test_one_monthly_cost_budget_of_the_classs_amount_warning_before_the_stop(template):
    budget = only(template, "AWS::Budgets::Budget")
    data = budget["Budget"]
    assert (data["BudgetName"], data["BudgetType"], data["TimeUnit"]) == (
        class_budget_name(CLASS_NAME),
        "COST",
        "MONTHLY",
    )
    assert data["BudgetLimit"] == {"Amount": int(CLASS_BUDGET_USD), "Unit": "USD"}
    [notice] = budget["NotificationsWithSubscribers"]
    assert notice["Notification"] == {
        "NotificationType": "ACTUAL",
        "ComparisonOperator": "GREATER_THAN",
        "Threshold": WARN_AT_PERCENT,
        "ThresholdType": "PERCENTAGE",
    }
    assert WARN_AT_PERCENT < STOP_AT_PERCENT


def test_one_action_stops_every_labs_instance_as_each_lab_publishes_it(class_lab, template):
    action = only(template, "AWS::Budgets::BudgetsAction")
    assert (action["ActionType"], action["ApprovalModel"], action["NotificationType"]) == (
        "RUN_SSM_DOCUMENTS",
        "AUTOMATIC",
        "ACTUAL",
    )
    assert action["ActionThreshold"] == {"Type": "PERCENTAGE", "Value": STOP_AT_PERCENT}
    definition = action["Definition"]["SsmActionDefinition"]
    assert definition["Subtype"] == "STOP_EC2_INSTANCES" and definition["Region"] == {"Ref": "AWS::Region"}
    parameters = template["Parameters"]
    named = [parameters[ref["Ref"]] for ref in definition["InstanceIds"]]
    assert [p["Type"] for p in named] == ["AWS::SSM::Parameter::Value<String>"] * len(STUDENTS)
    assert [p["Default"] for p in named] == [lab_instance_parameter(CLASS_NAME, s) for s in STUDENTS]
    for student, lab in class_lab[2].items():
        [published] = of_kind(Template.from_stack(lab).to_json(), "AWS::SSM::Parameter")
        assert published["Properties"]["Name"] == lab_instance_parameter(CLASS_NAME, student)
        assert published["Properties"]["Value"]["Ref"].startswith("ProducerHostInstance")


def test_budgets_may_assume_the_role_for_this_budget_only(template):
    role = stop_role(template)
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    arns = [json.dumps(arn) for arn in trust["Condition"]["ArnLike"]["aws:SourceArn"]]
    assert len(arns) == 2 and all(f"budget/{class_budget_name(CLASS_NAME)}" in arn for arn in arns)


def test_the_role_may_only_stop_the_classs_instances_through_systems_manager(template):
    policy = stop_role(template, "AWS::IAM::Policy")
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    actions = sorted(a for s in statements.values() for a in as_list(s["Action"]))
    assert actions == ["ec2:DescribeInstanceStatus", "ec2:StopInstances", "ssm:StartAutomationExecution"]
    assert all(s["Effect"] == "Allow" for s in statements.values())
    stop = statements["StopOnlyTheClassesInstancesViaSsm"]
    assert stop["Condition"]["StringEquals"] == {f"aws:ResourceTag/{CLASS_TAG}": CLASS_NAME}
    for sid in ("StopOnlyTheClassesInstancesViaSsm", "ReadInstanceStatusViaSsm"):
        assert statements[sid]["Condition"]["ForAnyValue:StringEquals"] == {"aws:CalledVia": ["ssm.amazonaws.com"]}
    assert [s["Sid"] for s in statements.values() if s["Resource"] == "*"] == ["ReadInstanceStatusViaSsm"]


def test_its_notices_go_to_its_topic_and_to_the_instructor_only_when_given(template, with_email):
    for found, expected in ((template, ["SNS"]), (with_email, ["SNS", "EMAIL"])):
        action = only(found, "AWS::Budgets::BudgetsAction")
        assert [s["Type"] for s in action["Subscribers"]] == expected
        [notice] = only(found, "AWS::Budgets::Budget")["NotificationsWithSubscribers"]
        assert [s["SubscriptionType"] for s in notice["Subscribers"]] == expected
    assert {"Type": "EMAIL", "Address": "prof@school.edu"} in only(with_email, "AWS::Budgets::BudgetsAction")[
        "Subscribers"
    ]


def test_budgets_may_publish_to_the_topic_for_this_budget_only_and_only_over_tls(template):
    statements = only(template, "AWS::SNS::TopicPolicy")["PolicyDocument"]["Statement"]
    [publish] = [s for s in statements if s["Effect"] == "Allow"]
    assert publish["Principal"] == {"Service": "budgets.amazonaws.com"} and publish["Action"] == "sns:Publish"
    assert set(publish["Condition"]) == {"StringEquals", "ArnLike"}
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_budget_stack_ends_with_the_labs_and_its_roles_are_counted(template):
    assert template["Outputs"]["ExpiresAt"]["Value"] == CLASS_EXPIRES_AT
    assert len(of_kind(template, "AWS::IAM::Role")) == BUDGET_ROLES
    assert template["Outputs"]["BudgetUsd"]["Value"] == CLASS_BUDGET_USD


def test_no_budget_without_an_amount(tmp_path):
    """make class-up always gives one (BUDGET=, else derived from the class's cost); the app never guesses."""
    from lab_stack.config import ConfigError

    roster = tmp_path / "roster.csv"
    roster.write_text(CLASS_ROSTER)
    with pytest.raises(ConfigError, match="budgetUsd"):
        class_synth(roster, budgetUsd="")


def test_cfn_lint_is_clean_on_the_budget_stack(template, with_email, tmp_path):
    paths = []
    for name, found in (("budget", template), ("budget-email", with_email)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(found))
        paths.append(str(path))
    result = subprocess.run(
        [str(CFN_LINT), "--regions", "us-east-1", "us-west-2", "eu-west-1", "--", *paths],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
