"""The IAM evaluation the emulator's Scheduler uses: AWS's evaluation logic for what it covers, and a refusal,
never a pass, for what it does not."""

from __future__ import annotations

import pytest

from rehearsal.emulator.iam import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Unevaluated, decide

STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/Lab/1a2b"
GROUP = "arn:aws:scheduler:us-east-1:123456789012:schedule-group/lab"
CONTEXT = {"aws:SourceAccount": "123456789012", "aws:SourceArn": GROUP}


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


def test_an_allow_on_the_stack_allows_delete_stack_on_it_and_nothing_else():
    documents = [policy(allow("cloudformation:DeleteStack", STACK))]
    assert decide(documents, action="cloudformation:DeleteStack", resource=STACK) == ALLOWED
    assert decide(documents, action="cloudformation:deletestack", resource=STACK) == ALLOWED  # actions: any case
    assert decide(documents, action="cloudformation:UpdateStack", resource=STACK) == IMPLICIT_DENY
    other = STACK.replace("Lab", "Other")
    assert decide(documents, action="cloudformation:DeleteStack", resource=other) == IMPLICIT_DENY


def test_an_explicit_deny_wins_over_any_allow():
    documents = [
        policy(allow("cloudformation:*", "*")),
        policy({"Effect": "Deny", "NotAction": "cloudformation:Describe*", "Resource": STACK}),
    ]
    assert decide(documents, action="cloudformation:DeleteStack", resource=STACK) == EXPLICIT_DENY
    assert decide(documents, action="cloudformation:DescribeStacks", resource=STACK) == ALLOWED


def test_resource_wildcards_match_within_the_pattern_only():
    documents = [policy(allow("cloudformation:DeleteStack", "arn:aws:cloudformation:*:123456789012:stack/Lab/*"))]
    assert decide(documents, action="cloudformation:DeleteStack", resource=STACK) == ALLOWED
    assert (
        decide(
            documents,
            action="cloudformation:DeleteStack",
            resource="arn:aws:cloudformation:us-east-1:123456789012:stack/Lab2/1",
        )
        == IMPLICIT_DENY
    )


def test_the_trust_policy_holds_only_for_scheduler_with_its_source_account_and_group():
    document = trust({"StringEquals": CONTEXT})
    args = dict(action="sts:AssumeRole", service_principal="scheduler.amazonaws.com")
    assert decide([document], **args, context=CONTEXT) == ALLOWED
    assert decide([document], **args, context={**CONTEXT, "aws:SourceAccount": "999999999999"}) == IMPLICIT_DENY
    assert decide([document], **args, context={**CONTEXT, "aws:SourceArn": GROUP + "2"}) == IMPLICIT_DENY
    assert (
        decide([document], action="sts:AssumeRole", service_principal="events.amazonaws.com", context=CONTEXT)
        == IMPLICIT_DENY
    )


def test_arn_like_matches_each_part_of_the_arn_on_its_own():
    document = trust({"ArnLike": {"aws:SourceArn": "arn:aws:scheduler:*:123456789012:schedule-group/*"}})
    args = dict(action="sts:AssumeRole", service_principal="scheduler.amazonaws.com")
    assert decide([document], **args, context=CONTEXT) == ALLOWED
    assert decide([document], **args, context={"aws:SourceArn": GROUP.replace("123456789012", "1")}) == IMPLICIT_DENY


@pytest.mark.parametrize(
    "condition, named",
    [
        ({"StringNotEquals": {"aws:SourceAccount": "1"}}, "condition operator StringNotEquals"),
        ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, "condition operator StringEqualsIfExists"),
        ({"StringEquals": {"aws:PrincipalTag/team": "x"}}, "condition key aws:PrincipalTag/team"),
    ],
)
def test_what_it_cannot_evaluate_is_refused_naming_it_never_passed(condition, named):
    with pytest.raises(Unevaluated, match=named.replace("/", ".")):
        decide(
            [trust(condition)], action="sts:AssumeRole", service_principal="scheduler.amazonaws.com", context=CONTEXT
        )


def test_an_aws_principal_is_not_guessed_at():
    document = policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::1:root"}})
    with pytest.raises(Unevaluated, match="Principal of type AWS"):
        decide([document], action="sts:AssumeRole", service_principal="scheduler.amazonaws.com", context=CONTEXT)
