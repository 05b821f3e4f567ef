"""A class across accounts, as synthesized: the lab as a StackSet's template, deployable into accounts that never ran
`cdk bootstrap` (no CDK asset bucket, no bootstrap-version rule, its files in the class bucket the AssetsBucket
parameter names), the student a parameter, its stack the StackSet's to delete; and the class's own stack in the
administrator's account: the organization-readable bucket and the class's end. cfn-lint and cdk-nag clean."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from lab_stack.class_stack import CLASS_GRACE
from lab_stack.names import CLASS_TAG, STOPS_ITS_INSTANCE, STUDENT_TAG, class_stack_name, class_stackset_name
from lab_stack.published_assets import ASSETS_PREFIX, asset_body, read_manifest
from lab_stack.roster import STUDENT_ID_PATTERN
from lab_stack.stackset import ASSETS_BUCKET, STUDENT_ID
from lab_stack.stackset_operations import DELETE_PREFERENCES, LABS_GO_AFTER
from support.synth import CLASS_ACCOUNTS, CLASS_NAME, CLASS_ROSTER, ORGANIZATION_ID, stackset_synth
from support.template import as_list, render_user_data

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
EXPIRES_AT = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
BUCKET_REF = {"Ref": ASSETS_BUCKET}


@pytest.fixture(scope="module")
def stackset_class(tmp_path_factory):
    roster = tmp_path_factory.mktemp("stackset") / "roster.csv"
    roster.write_text(CLASS_ROSTER)
    app, admin, lab = stackset_synth(roster)
    assembly = Path(app.synth().directory)
    return app, assembly, Template.from_stack(admin).to_json(), Template.from_stack(lab).to_json(), lab


@pytest.fixture(scope="module")
def lab_template(stackset_class):
    return stackset_class[3]


@pytest.fixture(scope="module")
def admin_template(stackset_class):
    return stackset_class[2]


def resources(template, kind):
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def statements(template):
    """Every statement of every role's and managed policy."""
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for policy in resources(template, kind).values():
            yield from policy["Properties"]["PolicyDocument"]["Statement"]


def role_statements(template, role_id):
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            yield from policy["Properties"]["PolicyDocument"]["Statement"]


def joined(value) -> str:
    """A template string as CloudFormation makes it, references shown as ${Name}."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        return "".join(joined(part) for part in value["Fn::Join"][1])
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    if "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    raise AssertionError(f"unexpected {value}")


# --- what a StackSet needs of the template ----------------------------------------------------------------------


def test_the_class_is_its_own_stack_and_the_stacksets_template(stackset_class):
    app, _, _, _, lab = stackset_class
    assert {s.stack_name for s in app.node.children if hasattr(s, "stack_name")} == {
        class_stack_name(CLASS_NAME),
        class_stackset_name(CLASS_NAME),
    }
    assert lab.stack_name == f"{CLASS_NAME}-labs"


def test_the_lab_template_needs_no_cdk_bootstrap_in_the_target_account(lab_template):
    text = json.dumps(lab_template)
    assert "BootstrapVersion" not in lab_template.get("Parameters", {})
    assert "Rules" not in lab_template
    assert "hnb659fds" not in text  # the default bootstrap qualifier: its bucket, roles and SSM parameter
    assert "cdk-bootstrap" not in text
    assert resources(lab_template, "AWS::CDK::Metadata") == {}
    assert "aws:asset:" not in text  # no local asset paths in resource metadata


def test_every_file_of_the_lab_is_in_the_bucket_the_parameter_names(stackset_class, lab_template):
    _, assembly, _, _, lab = stackset_class
    published = {asset.key for asset in read_manifest(assembly, lab.artifact_id)}
    [function] = resources(lab_template, "AWS::Lambda::Function").values()  # CDK's bucket auto-delete handler
    code = function["Properties"]["Code"]
    assert code["S3Bucket"] == BUCKET_REF and code["S3Key"] in published
    script = render_user_data(Template.from_stack(lab))
    [producer] = [key for key in published if f"s3://${{Ref:{ASSETS_BUCKET}}}/{key}" in script]
    assert published == {code["S3Key"], producer}
    assert all(key.startswith(ASSETS_PREFIX) and key.endswith(".zip") for key in published)


def test_the_published_producer_is_the_producer_with_its_locked_wheels(stackset_class):
    _, assembly, _, _, lab = stackset_class
    bodies = [zipfile.ZipFile(BytesIO(asset_body(assembly, a))) for a in read_manifest(assembly, lab.artifact_id)]
    [producer] = [z for z in bodies if "service.py" in z.namelist()]
    names = producer.namelist()
    assert "__main__.py" in names and any(n.startswith("wheels/") and n.endswith(".whl") for n in names)
    assert not any("__pycache__" in n for n in names)


def test_the_instance_role_reads_only_the_producers_object(lab_template):
    [role] = [
        k
        for k, v in resources(lab_template, "AWS::IAM::Role").items()
        if v["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service")
        == "ec2.amazonaws.com"
    ]
    s3 = [s for s in role_statements(lab_template, role) if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    [statement] = s3
    assert as_list(statement["Action"]) == ["s3:GetObject"]
    bucket = f"arn:${{AWS::Partition}}:s3:::${{{ASSETS_BUCKET}}}"
    assert joined(statement["Resource"]).startswith(f"{bucket}/{ASSETS_PREFIX}")
    assert "*" not in joined(statement["Resource"])


def test_the_student_is_a_parameter_and_every_resource_carries_it(lab_template):
    parameter = lab_template["Parameters"][STUDENT_ID]
    assert parameter["Type"] == "String" and parameter["AllowedPattern"] == STUDENT_ID_PATTERN
    tagged = [r for r in lab_template["Resources"].values() if "Tags" in r.get("Properties", {})]
    assert len(tagged) > 10
    for resource in tagged:
        tags = resource["Properties"]["Tags"]
        tags = {t["Key"]: t["Value"] for t in tags} if isinstance(tags, list) else tags
        assert tags[STUDENT_TAG] == {"Ref": STUDENT_ID} and tags[CLASS_TAG] == CLASS_NAME
    assert lab_template["Outputs"]["Student"]["Value"] == {"Ref": STUDENT_ID}


def test_a_stacksets_lab_never_deletes_its_own_stack(lab_template):
    actions = {a for s in statements(lab_template) for a in as_list(s["Action"])}
    assert "cloudformation:DeleteStack" not in actions and not any(a.endswith(":*") or a == "*" for a in actions)
    [schedule] = [
        s
        for s in resources(lab_template, "AWS::Scheduler::Schedule").values()
        if joined(s["Properties"]["Target"]["Arn"]).endswith("ec2:stopInstances")
    ]
    props = schedule["Properties"]
    assert joined(props["Target"]["Arn"]).endswith(":scheduler:::aws-sdk:ec2:stopInstances")
    [instance] = resources(lab_template, "AWS::EC2::Instance")
    assert json.loads(joined(props["Target"]["Input"])) == {"InstanceIds": [f"${{{instance}}}"]}
    assert props["ScheduleExpression"] == f"at({EXPIRES_AT:%Y-%m-%dT%H:%M:%S})"
    [stop] = role_statements(lab_template, props["Target"]["RoleArn"]["Fn::GetAtt"][0])
    assert stop["Action"] == "ec2:StopInstances"
    assert joined(stop["Resource"]).endswith(f":instance/${{{instance}}}")
    assert lab_template["Outputs"]["AtExpiry"]["Value"] == STOPS_ITS_INSTANCE


def test_the_student_logs_in_to_their_own_account_and_reaches_this_lab_only(lab_template):
    [user] = resources(lab_template, "AWS::IAM::User").values()
    props = user["Properties"]
    assert joined(props["UserName"]) == f"{CLASS_NAME}-${{{STUDENT_ID}}}"
    assert props["Path"] == f"/firehose-lab/{CLASS_NAME}/"
    assert "LoginProfile" not in props  # no password in any template: make class-up sets a one-time one
    [policy_id] = [p["Ref"] for p in props["ManagedPolicyArns"]]
    boundary_id = props["PermissionsBoundary"]["Ref"]
    policy = lab_template["Resources"][policy_id]["Properties"]["PolicyDocument"]["Statement"]
    by_sid = {s["Sid"]: s for s in policy}
    assert by_sid["ListsAndDescribesThatNameNoResource"]["Resource"] == "*"
    assert all("*" != s["Resource"] for sid, s in by_sid.items() if sid != "ListsAndDescribesThatNameNoResource")
    [stream] = resources(lab_template, "AWS::KinesisFirehose::DeliveryStream")
    [instance] = resources(lab_template, "AWS::EC2::Instance")
    assert by_sid["OwnStack"]["Resource"] == {"Ref": "AWS::StackId"}
    assert by_sid["OwnStream"]["Resource"] == {"Fn::GetAtt": [stream, "Arn"]}
    assert joined(by_sid["OwnInstance"]["Resource"]).endswith(f":instance/${{{instance}}}")
    boundary = lab_template["Resources"][boundary_id]["Properties"]["PolicyDocument"]["Statement"]
    [cap] = boundary
    assert cap["Condition"] == {"DateLessThan": {"aws:CurrentTime": f"{EXPIRES_AT:%Y-%m-%dT%H:%M:%SZ}"}}
    assert sorted(cap["Action"]) == sorted({a for s in policy for a in as_list(s["Action"])})


def test_the_students_password_ends_with_the_class(lab_template):
    [schedule] = [
        s["Properties"]
        for s in resources(lab_template, "AWS::Scheduler::Schedule").values()
        if joined(s["Properties"]["Target"]["Arn"]).endswith("iam:deleteLoginProfile")
    ]
    assert schedule["ScheduleExpression"] == f"at({EXPIRES_AT:%Y-%m-%dT%H:%M:%S})"
    [user] = resources(lab_template, "AWS::IAM::User")
    assert json.loads(joined(schedule["Target"]["Input"])) == {"UserName": f"${{{user}}}"}
    [allowed] = role_statements(lab_template, schedule["Target"]["RoleArn"]["Fn::GetAtt"][0])
    assert (allowed["Action"], allowed["Resource"]) == ("iam:DeleteLoginProfile", {"Fn::GetAtt": [user, "Arn"]})


def test_the_lab_in_its_own_account_makes_its_own_vpc(lab_template):
    assert len(resources(lab_template, "AWS::EC2::VPC")) == 1
    assert "AWS::SSM::Parameter::Value<String>" not in json.dumps(lab_template)  # no class VPC to read


# --- the class's own stack, in the administrator's account ---------------------------------------------------


def test_the_class_bucket_is_read_by_the_organization_only_over_tls(admin_template):
    [bucket] = resources(admin_template, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"  # readable across accounts, no key policy
    [policy] = resources(admin_template, "AWS::S3::BucketPolicy").values()
    found = policy["Properties"]["PolicyDocument"]["Statement"]
    [tls] = [s for s in found if s["Effect"] == "Deny"]
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and tls["Action"] == "s3:*"
    [org] = [s for s in found if s.get("Sid") == "TheOrganizationReadsTheLabsFiles"]
    assert org["Principal"] == {"AWS": "*"} and org["Action"] == "s3:GetObject"
    assert org["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION_ID}}
    assert joined(org["Resource"]).endswith(f"/{ASSETS_PREFIX}*")


def schedules(template):
    return {
        joined(s["Properties"]["Target"]["Arn"]).rsplit(":", 1)[-1]: s["Properties"]
        for s in resources(template, "AWS::Scheduler::Schedule").values()
    }


def test_the_class_ends_by_deleting_every_stack_instance(admin_template):
    """A little after the class's end: each lab's own schedules have stopped its instance and removed its student's
    password by then (a user with a password CloudFormation did not make cannot be deleted by it)."""
    delete = schedules(admin_template)["deleteStackInstances"]
    assert delete["ScheduleExpression"] == f"at({EXPIRES_AT + LABS_GO_AFTER:%Y-%m-%dT%H:%M:%S})"
    request = json.loads(joined(delete["Target"]["Input"]))
    assert request == {
        "StackSetName": class_stackset_name(CLASS_NAME),
        "Accounts": list(CLASS_ACCOUNTS),
        "Regions": ["${AWS::Region}"],
        "RetainStacks": False,
        "OperationPreferences": DELETE_PREFERENCES,
    }
    [allowed] = role_statements(admin_template, delete["Target"]["RoleArn"]["Fn::GetAtt"][0])
    assert allowed["Action"] == "cloudformation:DeleteStackInstances"
    assert joined(allowed["Resource"]).endswith(f":stackset/{class_stackset_name(CLASS_NAME)}:*")


def test_then_the_stackset_and_the_class_stack_go(admin_template):
    found = schedules(admin_template)
    later = f"at({EXPIRES_AT + CLASS_GRACE:%Y-%m-%dT%H:%M:%S})"
    assert found["deleteStackSet"]["ScheduleExpression"] == later
    assert json.loads(found["deleteStackSet"]["Target"]["Input"]) == {"StackSetName": class_stackset_name(CLASS_NAME)}
    assert found["deleteStack"]["ScheduleExpression"] == later


# --- checked by the tools ----------------------------------------------------------------------------------------


def test_cdk_nag_aws_solutions_reports_nothing_unacknowledged(stackset_class):
    report = AwsSolutionsChecks().validate_scope(stackset_class[0])
    assert sorted(v.rule_name for v in report.violations) == []


@pytest.mark.parametrize("which", ["admin_template", "lab_template"])
def test_cfn_lint_is_clean(which, request, tmp_path):
    path = tmp_path / "template.json"
    path.write_text(json.dumps(request.getfixturevalue(which)))
    regions = ["us-east-1", "us-west-2", "eu-west-1"]
    result = subprocess.run([str(CFN_LINT), "--regions", *regions, "--", str(path)], capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
