"""The emulator's IAM engine decides as AWS documents: every case of tests/support/iam_cases.py (each names its IAM
User Guide page), and what it does with policies it cannot evaluate: it refuses them, naming what, never allows."""

from __future__ import annotations

import pytest

from rehearsal.emulator.iam import UNKNOWABLE_KEYS, Decision, Policies, Principal, Request, Unevaluated, evaluate
from support.iam_cases import (
    ACCOUNT,
    ALICE,
    ALLOW,
    BUCKET,
    DOCUMENTED,
    EXPLICIT,
    GET,
    IMPLICIT,
    KEY,
    OBJECT,
    ROOT,
    SESSION,
    UNEVALUATED,
    allow,
    deny,
    identity,
    policy,
    request,
)


def outcome(request: Request, policies: Policies) -> str:
    try:
        decision = evaluate(request, policies)
    except Unevaluated:
        return UNEVALUATED
    if decision.allowed:
        return ALLOW
    return EXPLICIT if decision.reason.startswith("explicitly denied by ") else IMPLICIT


def test_the_table_holds_at_least_sixty_documented_decisions_of_every_kind():
    assert len(DOCUMENTED) >= 60
    assert {case.expected for case in DOCUMENTED} == {ALLOW, EXPLICIT, IMPLICIT, UNEVALUATED}
    assert len({case.name for case in DOCUMENTED}) == len(DOCUMENTED)


@pytest.mark.parametrize("case", DOCUMENTED, ids=lambda case: case.name)
def test_the_engine_decides_as_aws_documents(case):
    assert outcome(case.request, case.policies) == case.expected, case.page


# --- reasons -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "policies, reason",
    [
        (identity(allow("s3:GetObject", OBJECT)), "allowed by identity policy statement 1"),
        (identity(allow("s3:PutObject")), "no statement allows it"),
        (
            identity(allow("s3:*"), deny("s3:*", Sid="DenyAll")),
            "explicitly denied by identity policy statement DenyAll",
        ),
        (
            Policies(identity=[policy(allow("s3:*"))], boundary=policy(allow("ec2:*"))),
            "outside the permissions boundary",
        ),
        (
            Policies(identity=[policy(allow("s3:*"))], scps=[[policy(allow("*"))], [policy(allow("ec2:*"))]]),
            "no SCP at level 2 of the organization allows it",
        ),
    ],
)
def test_a_decision_says_why(policies, reason):
    assert evaluate(GET, policies) == Decision(reason.startswith("allowed"), reason)


def test_a_session_policy_is_named_when_it_is_what_refuses():
    decision = evaluate(
        request("s3:PutObject", OBJECT, SESSION),
        Policies(identity=[policy(allow("s3:*"))], session=[policy(allow("s3:GetObject"))]),
    )
    assert decision == Decision(False, "outside the session policy")


def test_a_cross_account_refusal_says_which_side_refused():
    carol = request("s3:GetObject", OBJECT, resource_account="999999999999")
    assert evaluate(carol, identity(allow("s3:*"))).reason == (
        "cross-account: no resource-based policy statement allows this principal"
    )


# --- what it cannot know ---------------------------------------------------------------------------------------------
SOURCE_IP_DENY = deny("s3:*", Condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})


def test_the_keys_aws_carries_but_the_emulator_cannot_know_are_declared_in_one_place():
    assert {"aws:SourceIp", "aws:SourceVpc", "aws:SourceVpce", "aws:PrincipalOrgID"} <= UNKNOWABLE_KEYS


def test_a_condition_on_an_unknowable_key_refuses_a_request_it_could_decide():
    with pytest.raises(Unevaluated, match=r"identity policy statement 2: condition NotIpAddress aws:SourceIp"):
        evaluate(GET, identity(allow("s3:*"), SOURCE_IP_DENY))


def test_an_unknowable_key_that_cannot_change_the_outcome_does_not_refuse():
    """A Deny on it, where nothing allows anyway: denied either way."""
    assert evaluate(GET, identity(allow("ec2:*"), SOURCE_IP_DENY)) == Decision(False, "no statement allows it")


def test_an_unknowable_key_in_an_allow_does_not_refuse_when_another_statement_allows():
    only_from = allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    assert evaluate(GET, identity(only_from, allow("s3:GetObject", OBJECT))).allowed


def test_an_unknowable_key_the_request_carries_is_evaluated():
    carries = request("s3:GetObject", OBJECT, context={"aws:SourceIp": "203.0.113.9"})
    assert evaluate(carries, identity(allow("s3:*"), SOURCE_IP_DENY)).allowed


def test_a_caller_declares_its_own_unknowable_keys_and_families():
    tag_rule = identity(allow("s3:*", Condition={"StringEquals": {"aws:ResourceTag/team": "blue"}}))
    unknown_tags = request("s3:GetObject", OBJECT, unknowable=UNKNOWABLE_KEYS | {"aws:ResourceTag/"})
    with pytest.raises(Unevaluated, match="aws:ResourceTag/team"):
        evaluate(unknown_tags, tag_rule)
    assert not evaluate(GET, tag_rule).allowed  # otherwise the key is absent, as AWS treats a key it lacks


def test_a_cross_account_allow_resting_on_an_unknowable_key_is_refused_not_denied():
    """Another account's principal, allowed by its own policy, and by the bucket policy only if it is in the
    organization: whether AWS allows depends on what the emulator cannot know (the engine said denied)."""
    by_organization = allow(
        "s3:GetObject", OBJECT, Principal="*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    )
    carol = request("s3:GetObject", OBJECT, resource_account="999999999999")
    with pytest.raises(Unevaluated, match="aws:PrincipalOrgID"):
        evaluate(carol, Policies(identity=[policy(allow("s3:*"))], resource=[policy(by_organization)]))


def test_an_unknowable_key_as_a_policy_variable_is_refused():
    with pytest.raises(Unevaluated, match=r"\$\{aws:SourceVpce\}"):
        evaluate(GET, identity(allow("s3:*", f"{BUCKET}/${{aws:SourceVpce}}/*")))


# --- what it refuses to read ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "statement, named",
    [
        (allow("s3:*", Condition={"StringEqualz": {"aws:username": "a"}}), "condition operator StringEqualz"),
        (allow("s3:*", Condition={"ForSomeValues:StringEquals": {"aws:username": "a"}}), "ForSomeValues"),
        (allow("s3:*", Condition={"NullIfExists": {"aws:username": "true"}}), "Null takes no qualifier"),
        (allow("s3:*", Condition={"NumericEquals": {"s3:max-keys": "ten"}}), "not a number"),
        (allow("s3:*", Condition={"DateEquals": {"aws:CurrentTime": "yesterday"}}), "neither ISO 8601 nor epoch"),
        (allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.300"}}), "not an address"),
        (allow("s3:*", Condition={"Bool": {"aws:SecureTransport": "yes"}}), "neither true nor false"),
        (allow("s3:*", Condition={"Bool": {"aws:SecureTransport": "${aws:x}"}}), "a policy variable in a Bool"),
        (allow("s3:*", Condition={"ArnLike": {"aws:SourceArn": "not-an-arn"}}), "not an ARN"),
        (allow("s3:*", Condition={"StringEquals": {"${aws:username}": "a"}}), "not allowed in condition keys"),
        (allow("s3:*", Condition={"StringEquals": {"aws:username": []}}), "no value"),
        ({**allow("s3:*"), "Principle": "*"}, "unknown policy element Principle"),
        ({**allow("s3:*"), "Effect": "allow"}, "Effect 'allow'"),
        ({**allow("s3:*"), "NotAction": "ec2:*"}, "both Action and NotAction"),
        ({"Effect": "Allow", "Action": "s3:*"}, "needs Resource or NotResource"),
        ({**allow("s3:*"), "Principal": "*"}, "Principal belongs in resource-based policies only"),
        (allow("GetObject"), "action 'GetObject' is not service:Action"),
        (allow("s3:*", "bucket/*"), "is not an ARN"),
        (allow("s3:*", "arn:aws:s3:${aws:username}::b/*"), "before the resource part"),
        (allow("s3:*", f"{BUCKET}/${{username}}"), "not a context key"),
    ],
)
def test_a_malformed_or_unknown_policy_is_refused_naming_what(statement, named):
    with pytest.raises(Unevaluated, match=named.replace("$", r"\$").replace("{", r"\{")):
        evaluate(GET, identity(statement))


def test_an_unknown_version_or_policy_element_is_refused():
    with pytest.raises(Unevaluated, match="Version '2012-10-18'"):
        evaluate(GET, identity(allow("s3:*"), version="2012-10-18"))
    with pytest.raises(Unevaluated, match="unknown policy element Statment"):
        evaluate(GET, Policies(identity=[{"Version": "2012-10-17", "Statment": []}]))


def test_a_malformed_statement_is_refused_even_where_another_statement_decides():
    """AWS refuses such a policy when it is stored, so no request is ever decided by the rest of it."""
    with pytest.raises(Unevaluated, match="StringEqualz"):
        evaluate(GET, identity(deny("s3:*"), allow("s3:*", Condition={"StringEqualz": {"aws:username": "a"}})))


@pytest.mark.parametrize(
    "resource_policy, named",
    [
        (policy(allow("s3:*", OBJECT)), "needs Principal or NotPrincipal"),
        (
            policy(allow("s3:*", OBJECT, Principal={"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"})),
            "CanonicalUser",
        ),
        (policy(allow("s3:*", OBJECT, Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/*"})), "cannot use a wildcard"),
        (policy(allow("s3:*", OBJECT, Principal={"AWS": "AIDAJQABLZS4A3QDU576Q"})), "is not an account"),
    ],
)
def test_a_resource_based_policy_it_cannot_read_is_refused(resource_policy, named):
    with pytest.raises(Unevaluated, match=named):
        evaluate(GET, Policies(resource=[resource_policy]))


@pytest.mark.parametrize(
    "principal_arn",
    ["arn:aws:iam::111122223333:role/lab-role", "arn:aws:sts::111122223333:federated-user/bob", "alice"],
)
def test_a_principal_it_does_not_model_is_refused(principal_arn):
    with pytest.raises(Unevaluated, match="principal"):
        evaluate(request("s3:GetObject", OBJECT, Principal(principal_arn, ACCOUNT, "AWS")), Policies())


def test_policies_that_cannot_apply_to_the_principal_are_refused():
    service = Principal("logging.s3.amazonaws.com", None, "Service")
    with pytest.raises(Unevaluated, match="only resource-based policies apply"):
        evaluate(request("s3:PutObject", OBJECT, service, resource_account=ACCOUNT), identity(allow("s3:*")))
    with pytest.raises(Unevaluated, match="session policies apply to role sessions only"):
        evaluate(GET, Policies(identity=[policy(allow("s3:*"))], session=[policy(allow("s3:*"))]))


def test_context_keys_differing_only_in_case_with_different_values_are_refused():
    clash = request("s3:GetObject", OBJECT, context={"aws:PrincipalTag/Team": "a", "aws:principaltag/team": "b"})
    with pytest.raises(Unevaluated, match="given twice"):
        evaluate(clash, identity(allow("s3:*")))


# --- wildcards -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pattern, resource, matches",
    [
        (f"{BUCKET}/*a*a*a*a*a*a*a*a*a*a*b", f"{BUCKET}/" + "a" * 2000, False),  # no catastrophic backtracking
        (f"{BUCKET}/*a*a*a*a*a*a*a*a*a*a*b", f"{BUCKET}/" + "a" * 2000 + "b", True),
        (f"{BUCKET}/**x", f"{BUCKET}/yyx", True),
        (f"{BUCKET}/a?c*", f"{BUCKET}/a:c:d", True),  # after the fifth colon ? and * take colons too
        ("arn:aws:s3:*:*:*", "arn:aws:s3:::b", True),
        ("arn:aws:s?:::b", "arn:aws:s3:::b", True),
        ("arn:aws:*3:::b", "arn:aws:s3:::b", True),
        ("arn:a*s:s3:::b", "arn:aws:s3:::b", True),
        ("arn:aws:s*:::b", "arn:aws:s3:x:::b", True),  # a * that ends its part runs on past colons
        ("arn:aws:*3:::b", "arn:aws:x:s3:::b", False),  # one that does not end its part stays within it
        ("arn:aws:s?:::b", "arn:aws:s::::b", False),  # ? never takes a colon before the resource part
    ],
)
def test_resource_wildcards(pattern, resource, matches):
    assert evaluate(request("s3:GetObject", resource), identity(allow("s3:GetObject", pattern))).allowed is matches


def test_a_policy_variables_value_is_literal_text_not_a_wildcard():
    starry = request("s3:GetObject", f"{BUCKET}/home/x", context={"aws:PrincipalTag/home": "*"})
    assert not evaluate(starry, identity(allow("s3:*", f"{BUCKET}/home/${{aws:PrincipalTag/home}}"))).allowed


def test_a_multivalued_key_cannot_be_a_policy_variable():
    keys = request("s3:GetObject", OBJECT, context={"aws:TagKeys": ["a", "b"]})
    with pytest.raises(Unevaluated, match="multivalued key cannot be a policy variable"):
        evaluate(keys, identity(allow("s3:*", f"{BUCKET}/${{aws:TagKeys}}")))


def test_negated_set_operators_test_each_request_value():
    """ForAllValues:StringNotEquals: no request value is in the list; ForAnyValue:StringNotEquals: one is not."""
    keys = request("ec2:CreateTags", OBJECT, context={"aws:TagKeys": ["team", "owner"]})
    none_reserved = allow("ec2:CreateTags", Condition={"ForAllValues:StringNotEquals": {"aws:TagKeys": ["owner"]}})
    one_free = allow("ec2:CreateTags", Condition={"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["owner"]}})
    assert not evaluate(keys, identity(none_reserved)).allowed
    assert evaluate(keys, identity(one_free)).allowed


def test_numeric_and_date_operators_compare_values_not_text():
    listing = request(
        "s3:ListBucket", BUCKET, context={"s3:max-keys": "9", "aws:CurrentTime": "2024-01-01T01:00:00+01:00"}
    )
    assert evaluate(listing, identity(allow("s3:*", Condition={"NumericLessThan": {"s3:max-keys": "10.5"}}))).allowed
    same_instant = {"DateEquals": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}
    assert evaluate(listing, identity(allow("s3:*", Condition=same_instant))).allowed
    assert evaluate(
        listing, identity(allow("s3:*", Condition={"DateEquals": {"aws:CurrentTime": "1704067200"}}))
    ).allowed


def test_json_booleans_and_numbers_are_policy_values():
    secure = request("s3:GetObject", OBJECT, context={"aws:SecureTransport": "true", "s3:max-keys": "5"})
    assert evaluate(secure, identity(allow("s3:*", Condition={"Bool": {"aws:SecureTransport": True}}))).allowed
    assert evaluate(secure, identity(allow("s3:*", Condition={"NumericEquals": {"s3:max-keys": 5}}))).allowed


def test_a_statement_may_be_an_object_rather_than_a_list():
    assert evaluate(GET, Policies(identity=[{"Version": "2012-10-17", "Statement": allow("s3:*")}])).allowed


def test_the_root_user_is_still_bound_by_an_explicit_deny_and_by_a_key_policy():
    assert not evaluate(
        request("s3:GetObject", OBJECT, ROOT), Policies(resource=[policy(deny("s3:*", Principal="*"))])
    ).allowed
    locked = Policies(resource=[policy(allow("kms:*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"}))])
    assert evaluate(request("kms:Decrypt", KEY, ROOT), locked) == Decision(
        False, "the key policy does not allow this principal"
    )


def test_a_session_is_named_by_its_role_whatever_the_role_path_and_name_case():
    by_role = policy(allow("sqs:*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/teaching/LAB-ROLE"}))
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue1"
    assert evaluate(request("sqs:SendMessage", queue, SESSION), Policies(resource=[by_role])).allowed
    assert not evaluate(request("sqs:SendMessage", queue, ALICE), Policies(resource=[by_role])).allowed
