"""A class of labs in one account, as synthesized: one class stack (shared VPC, the students' logins and policy, the
dashboard, its end) and one lab per student in that VPC, tagged and named so the class policy finds each student's
own; cdk-nag and cfn-lint clean, no password anywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from lab_stack.class_stack import CLASS_GRACE
from lab_stack.names import (
    CLASS_TAG,
    STUDENT_TAG,
    class_parameter,
    class_user_path,
    student_schedule_group,
)
from lab_stack.network import AVAILABILITY_ZONE, SUBNET_ID, VPC_ID
from lab_stack.sizing import CLASS_ROLES, ROLES_PER_LAB
from lab_stack.student_access import LISTS, ME
from rehearsal.student import GUIDE_ACTIONS
from support.synth import CLASS_EXPIRES_AT, CLASS_NAME, CLASS_ROSTER, class_synth
from support.template import as_list

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
STUDENTS = ["ana", "bob", "7c"]
EXPIRES_AT = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def class_template(class_lab):
    return Template.from_stack(class_lab[1]).to_json()


@pytest.fixture(scope="module")
def lab_templates(class_lab):
    return {student: Template.from_stack(stack).to_json() for student, stack in class_lab[2].items()}


def resources(template, kind):
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def only(template, kind):
    [found] = resources(template, kind).values()
    return found["Properties"]


def statements(template, sid_prefix="Students"):
    [policy] = [v for k, v in resources(template, "AWS::IAM::ManagedPolicy").items() if k.startswith(sid_prefix)]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def access_statements(template):
    return [
        s
        for k, v in resources(template, "AWS::IAM::ManagedPolicy").items()
        if k.startswith("StudentsPolicy")
        for s in v["Properties"]["PolicyDocument"]["Statement"]
    ]


def boundary_statements(template):
    return [
        s
        for k, v in resources(template, "AWS::IAM::ManagedPolicy").items()
        if k.startswith("StudentsBoundary")
        for s in v["Properties"]["PolicyDocument"]["Statement"]
    ]


def keys(value) -> set[str]:
    """Every property name anywhere in a template."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def text(value) -> str:
    """A template value as the string CloudFormation makes of it (Fn::Join of pseudo parameters shown as ${X})."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(text(part) for part in value["Fn::Join"][1])
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    if "Fn::Sub" in value:
        return value["Fn::Sub"]
    raise AssertionError(f"unexpected {value}")


# --- the class's stacks ------------------------------------------------------------------------------------------


def test_a_class_is_its_stack_and_a_lab_per_student(class_lab):
    _, class_stack, labs = class_lab
    assert class_stack.stack_name == f"{CLASS_NAME}-class"
    assert {student: stack.stack_name for student, stack in labs.items()} == {s: f"{CLASS_NAME}-{s}" for s in STUDENTS}


def test_one_vpc_for_the_whole_class_none_in_a_lab(class_template, lab_templates):
    assert len(resources(class_template, "AWS::EC2::VPC")) == 1
    assert len(resources(class_template, "AWS::EC2::NatGateway")) == 0
    for template in lab_templates.values():
        assert resources(template, "AWS::EC2::VPC") == {}
        assert resources(template, "AWS::EC2::InternetGateway") == {}


def test_a_lab_takes_the_class_vpc_from_the_parameters_the_class_writes(class_template, lab_templates):
    written = {
        only_value["Properties"]["Name"] for only_value in resources(class_template, "AWS::SSM::Parameter").values()
    }
    keys = {class_parameter(CLASS_NAME, key) for key in (VPC_ID, SUBNET_ID, AVAILABILITY_ZONE)}
    assert written == keys
    template = lab_templates["ana"]
    read = {p["Default"] for p in template["Parameters"].values() if p["Type"] == "AWS::SSM::Parameter::Value<String>"}
    assert keys <= read
    instance = only(template, "AWS::EC2::Instance")
    assert instance["SubnetId"]["Ref"] in template["Parameters"]


def test_every_lab_resource_that_takes_tags_carries_the_students_and_the_class(lab_templates):
    for student, template in lab_templates.items():
        for kind in (
            "AWS::KinesisFirehose::DeliveryStream",
            "AWS::Athena::WorkGroup",
            "AWS::EC2::Instance",
            "AWS::Scheduler::ScheduleGroup",
            "AWS::S3::Bucket",
        ):
            tags = {t["Key"]: t["Value"] for t in only(template, kind)["Tags"]}
            assert tags[STUDENT_TAG] == student and tags[CLASS_TAG] == CLASS_NAME, (student, kind)


def test_the_names_the_policy_scopes_by_are_the_labs_own(lab_templates):
    template = lab_templates["bob"]
    assert (
        text(only(template, "AWS::S3::Bucket")["BucketName"])
        == f"{CLASS_NAME}-bob-${{AWS::AccountId}}-${{AWS::Region}}"
    )
    assert only(template, "AWS::Glue::Database")["DatabaseInput"]["Name"] == "bda_2026_bob"
    assert only(template, "AWS::CloudWatch::Dashboard")["DashboardName"] == f"{CLASS_NAME}-bob"
    assert only(template, "AWS::KinesisFirehose::DeliveryStream")["DeliveryStreamName"] == f"{CLASS_NAME}-bob"
    assert only(template, "AWS::Scheduler::ScheduleGroup")["Name"] == student_schedule_group(CLASS_NAME, "bob")


def test_the_class_dashboard_graphs_every_students_stream(class_template):
    body = json.dumps(only(class_template, "AWS::CloudWatch::Dashboard")["DashboardBody"])
    for student in STUDENTS:
        assert f'\\"DeliveryStreamName\\",\\"{CLASS_NAME}-{student}\\"' in body, student


def test_the_labs_end_together_and_the_class_stack_after_them(class_template, lab_templates):
    for template in lab_templates.values():
        assert only(template, "AWS::Scheduler::Schedule")["ScheduleExpression"] == "at(2026-11-27T09:30:00)"
        assert template["Outputs"]["ExpiresAt"]["Value"] == CLASS_EXPIRES_AT
    class_schedule = only(class_template, "AWS::Scheduler::Schedule")
    assert class_schedule["ScheduleExpression"] == f"at({(EXPIRES_AT + CLASS_GRACE):%Y-%m-%dT%H:%M:%S})"
    assert class_schedule["Target"]["Input"] == {"Fn::Join": ["", ['{"StackName":"', {"Ref": "AWS::StackId"}, '"}']]}
    assert class_template["Outputs"]["LabsExpireAt"]["Value"] == CLASS_EXPIRES_AT


# --- the students ------------------------------------------------------------------------------------------------


def test_one_user_per_student_tagged_in_the_class_path_group_and_boundary(class_template):
    users = [u["Properties"] for u in resources(class_template, "AWS::IAM::User").values()]
    assert sorted(u["UserName"] for u in users) == sorted(f"{CLASS_NAME}-{s}" for s in STUDENTS)
    [group_id] = resources(class_template, "AWS::IAM::Group")
    [boundary_id] = [
        k for k in resources(class_template, "AWS::IAM::ManagedPolicy") if k.startswith("StudentsBoundary")
    ]
    for user in users:
        tags = {t["Key"]: t["Value"] for t in user["Tags"]}
        assert tags == {CLASS_TAG: CLASS_NAME, STUDENT_TAG: user["UserName"].removeprefix(f"{CLASS_NAME}-")}
        assert user["Path"] == class_user_path(CLASS_NAME)
        assert user["Groups"] == [{"Ref": group_id}]
        assert user["PermissionsBoundary"] == {"Ref": boundary_id}


def test_no_password_or_key_is_in_any_template(class_template, lab_templates):
    """Login profiles are made by `make class-up` after deploy; a template never holds a credential."""
    for template in [class_template, *lab_templates.values()]:
        assert resources(template, "AWS::IAM::AccessKey") == {}
        assert all("LoginProfile" not in u["Properties"] for u in resources(template, "AWS::IAM::User").values())
        assert "Password" not in keys(template)


def test_the_group_has_one_policy_and_no_inline_one(class_template):
    [group] = resources(class_template, "AWS::IAM::Group").values()
    assert "Policies" not in group["Properties"]
    [policy] = group["Properties"]["ManagedPolicyArns"]
    assert policy["Ref"].startswith("StudentsPolicy")


def test_a_student_may_do_every_action_the_guide_calls(class_template):
    granted = {a for s in access_statements(class_template) for a in as_list(s["Action"])}
    assert set(GUIDE_ACTIONS) <= granted


def test_nothing_but_lists_and_describes_is_allowed_on_every_resource(class_template):
    for statement in access_statements(class_template):
        assert statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement
        assert not any(a.endswith("*") for a in as_list(statement["Action"]))
        if statement["Resource"] == "*":
            assert set(as_list(statement["Action"])) <= set(LISTS), statement["Sid"]


def test_every_other_statement_names_the_callers_own_lab_or_its_tags(class_template):
    """By the caller's tag in the name (S3, Glue, the stack, dashboard, schedule), the caller's tags on the resource,
    or the caller's own user name (password, sessions); CloudShell environments are each principal's own."""
    for statement in access_statements(class_template):
        shared = ("OwnCloudShell", "SessionShell", "TheDataCatalog", "TheStudentKit")
        if statement["Resource"] == "*" or statement["Sid"] in shared:
            continue
        names = " ".join(text(r) for r in as_list(statement["Resource"]))
        condition = json.dumps(statement.get("Condition", {}))
        assert ME in names or ME in condition or "${aws:username}" in names, statement["Sid"]
        if ME in condition:
            assert f'"{CLASS_NAME}"' in condition, statement["Sid"]


def test_the_kit_is_one_object_students_may_read(class_template):
    [kit] = [s for s in access_statements(class_template) if s["Sid"] == "TheStudentKit"]
    assert as_list(kit["Action"]) == ["s3:GetObject"]
    assert "*" not in text(kit["Resource"])
    assert text(class_template["Outputs"]["StudentKit"]["Value"]).startswith("s3://")


def test_the_roles_class_check_counts_are_the_roles_a_class_makes(class_template, lab_templates):
    assert len(resources(class_template, "AWS::IAM::Role")) == CLASS_ROLES
    for template in lab_templates.values():
        assert len(resources(template, "AWS::IAM::Role")) == ROLES_PER_LAB


def test_the_boundary_caps_the_policys_actions_until_the_class_ends(class_template):
    granted = sorted({a for s in access_statements(class_template) for a in as_list(s["Action"])})
    [boundary] = boundary_statements(class_template)
    assert sorted(as_list(boundary["Action"])) == granted
    assert boundary["Condition"] == {"DateLessThan": {"aws:CurrentTime": CLASS_EXPIRES_AT}}


# --- cdk-nag and cfn-lint ----------------------------------------------------------------------------------------


def findings(app):
    report = AwsSolutionsChecks().validate_scope(app)
    return sorted(v.rule_name for v in report.violations)


def test_cdk_nag_reports_nothing_unacknowledged_in_the_class(class_lab):
    assert findings(class_lab[0]) == []


def test_every_class_acknowledgment_answers_a_finding(class_lab, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(CLASS_ROSTER)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cdk.Validations, "acknowledge", lambda self, *rules: None)
        unacknowledged = set(findings(class_synth(roster)[0]))
    acknowledged = {
        rule.split("::", 1)[-1]
        for construct in class_lab[0].node.find_all()
        for entry in construct.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for rule in entry.data
        if rule.split("::", 1)[-1].startswith("AwsSolutions-")
    }
    assert acknowledged == unacknowledged


def test_cfn_lint_is_clean_on_the_class_and_a_lab(class_template, lab_templates, tmp_path):
    paths = []
    for name, template in (("class", class_template), ("lab", lab_templates["7c"])):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(template))
        paths.append(str(path))
    result = subprocess.run(
        [str(CFN_LINT), "--regions", "us-east-1", "us-west-2", "eu-west-1", "--", *paths],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
