"""The IAM evaluation the emulator's Scheduler uses: AWS's evaluation logic on a role's own policies as moto holds
them, and a refusal, never a pass, for what it cannot evaluate."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from rehearsal.emulator.iam import Policies, Principal, Request, Unevaluated, evaluate, role_documents

ACCOUNT = "123456789012"
STACK = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/Lab/1a2b"
GROUP = f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule-group/lab"
CONTEXT = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": GROUP}
SCHEDULER = Principal("scheduler.amazonaws.com", None, "Service")
SESSION = Principal(f"arn:aws:sts::{ACCOUNT}:assumed-role/expiry/scheduler", ACCOUNT, "AWS")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/expiry"
# What Scheduler's calls leave unfilled: any other global, STS or CloudFormation key (rehearsal firing.py).
UNFILLED = {"aws:", "sts:", "cloudformation:"}


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def trust(condition):
    return policy(
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Condition": condition,
        }
    )


def call(documents, action, resource=STACK):
    return evaluate(Request(action, resource, SESSION, {}, unknowable=UNFILLED), Policies(identity=documents)).allowed


def assume(document, principal=SCHEDULER, context=CONTEXT):
    request = Request("sts:AssumeRole", ROLE, principal, context, unknowable=UNFILLED)
    return evaluate(request, Policies(resource=[document])).allowed


def test_an_allow_on_the_stack_allows_delete_stack_on_it_and_nothing_else():
    documents = [policy(allow("cloudformation:DeleteStack", STACK))]
    assert call(documents, "cloudformation:DeleteStack")
    assert call(documents, "cloudformation:deletestack")  # actions: any case
    assert not call(documents, "cloudformation:UpdateStack")
    assert not call(documents, "cloudformation:DeleteStack", STACK.replace("Lab", "Other"))


def test_an_explicit_deny_wins_over_any_allow():
    documents = [
        policy(allow("cloudformation:*", "*")),
        policy({"Effect": "Deny", "NotAction": "cloudformation:Describe*", "Resource": STACK}),
    ]
    assert not call(documents, "cloudformation:DeleteStack")
    assert call(documents, "cloudformation:DescribeStacks")


def test_resource_wildcards_match_within_the_pattern_only():
    documents = [policy(allow("cloudformation:DeleteStack", f"arn:aws:cloudformation:*:{ACCOUNT}:stack/Lab/*"))]
    assert call(documents, "cloudformation:DeleteStack")
    assert not call(documents, "cloudformation:DeleteStack", f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/Lab2/1")


def test_the_trust_policy_holds_only_for_scheduler_with_its_source_account_and_group():
    document = trust({"StringEquals": CONTEXT})
    assert assume(document)
    assert not assume(document, context={**CONTEXT, "aws:SourceAccount": "999999999999"})
    assert not assume(document, context={**CONTEXT, "aws:SourceArn": GROUP + "2"})
    assert not assume(document, principal=Principal("events.amazonaws.com", None, "Service"))


def test_arn_like_matches_each_part_of_the_arn_on_its_own():
    document = trust({"ArnLike": {"aws:SourceArn": f"arn:aws:scheduler:*:{ACCOUNT}:schedule-group/*"}})
    assert assume(document)
    assert not assume(document, context={"aws:SourceArn": GROUP.replace(ACCOUNT, "1")})


def test_negated_operators_are_evaluated_as_documented():
    assert not assume(trust({"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}))
    assert assume(trust({"StringNotEquals": {"aws:SourceAccount": "999999999999"}}))


@pytest.mark.parametrize(
    "condition, named",
    [
        ({"StringEqualz": {"aws:SourceAccount": "1"}}, "condition operator StringEqualz"),
        ({"StringEquals": {"aws:PrincipalTag/team": "x"}}, "StringEquals aws:PrincipalTag/team"),
    ],
)
def test_what_it_cannot_evaluate_is_refused_naming_it_never_passed(condition, named):
    with pytest.raises(Unevaluated, match=named):
        assume(trust(condition))


def test_an_aws_principal_in_the_trust_policy_does_not_let_a_service_in():
    document = policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}
    )
    assert not assume(document)


@mock_aws
def test_a_roles_trust_identity_and_boundary_policies_are_read_as_moto_holds_them():
    iam = boto3.client("iam", region_name="us-east-1")
    boundary = iam.create_policy(
        PolicyName="boundary", PolicyDocument=json.dumps(policy(allow("cloudformation:Describe*", "*")))
    )["Policy"]["Arn"]
    managed = iam.create_policy(PolicyName="managed", PolicyDocument=json.dumps(policy(allow("s3:*", "*"))))
    role_arn = iam.create_role(
        RoleName="expiry",
        AssumeRolePolicyDocument=json.dumps(trust({"StringEquals": CONTEXT})),
        PermissionsBoundary=boundary,
    )["Role"]["Arn"]
    iam.attach_role_policy(RoleName="expiry", PolicyArn=managed["Policy"]["Arn"])
    iam.put_role_policy(
        RoleName="expiry",
        PolicyName="inline",
        PolicyDocument=json.dumps(policy(allow("cloudformation:DeleteStack", STACK))),
    )
    role = role_documents(ACCOUNT, role_arn)
    assert assume(role.trust)
    request = Request("cloudformation:DeleteStack", STACK, SESSION, {}, unknowable=UNFILLED)
    assert evaluate(request, Policies(identity=role.identity)).allowed
    assert evaluate(request, Policies(identity=role.identity, boundary=role.boundary)).reason == (
        "outside the permissions boundary"
    )
