"""With IAM enforced, requests across the accounts of an AWS Organizations organization as moto's Organizations holds
it, decided as AWS documents: a bucket of another account, aws:PrincipalOrgID, service control policies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from rehearsal.emulator import ACCOUNT_ID, Emulator
from support.emulator.iam import ALLOWED, DENIED, UNEVALUATED, Credentials, allow, outcome, policy, role, session

# S3 user guide, "How Amazon S3 authorizes a request for an object operation": for another account's request "the
# bucket owner must grant permission ... in the bucket policy", as well as the requester's own policies.
CROSS_ACCOUNT = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-auth-workflow-object-operation.html"
)
# IAM user guide, "AWS global condition context keys": aws:PrincipalOrgID.
GLOBAL_KEYS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
OUTSIDER = "999999999999"  # an account in no organization


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def org(emu) -> dict:
    """This (the management) account's organization, with the member accounts ana and bob: {name: account id}."""
    organizations = emu.client("organizations")
    made = {"id": organizations.create_organization(FeatureSet="ALL")["Organization"]["Id"]}
    for name in ("ana", "bob"):
        made[name] = organizations.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"][
            "AccountId"
        ]
    return made


def reader(emu, account_id: str, name: str) -> Credentials:
    """A role session in `account_id` whose own policy allows s3:GetObject on everything."""
    sts = emu.client("sts")
    admin = session(sts, f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole")  # IAM not enforced yet
    trust = policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    arn = role(emu.client("iam", **admin), name, allow("s3:GetObject"), trust=trust)
    return session(sts, arn)


def bucket(emu, name: str, *statements: dict) -> None:
    s3 = emu.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="lab.zip", Body=b"x")
    if statements:
        s3.put_bucket_policy(Bucket=name, Policy=policy(*statements))


def read(emu, creds: Credentials, name: str) -> tuple[str, str]:
    return outcome(lambda: emu.client("s3", **creds).get_object(Bucket=name, Key="lab.zip"))


@contextmanager
def enforced(emu) -> Iterator[None]:
    emu.enforce_iam(True)
    try:
        yield
    finally:
        emu.enforce_iam(False)


def test_another_accounts_request_needs_the_bucket_policy_too(emu, org):
    """CROSS_ACCOUNT: the emulator took the caller's account for the bucket's, and the identity policy alone allowed."""
    own, ana = reader(emu, ACCOUNT_ID, "own-reader"), reader(emu, org["ana"], "ana-reader")
    bucket(emu, "no-policy")
    grant = {"Effect": "Allow", "Principal": {"AWS": org["ana"]}, "Action": "s3:GetObject", "Resource": "*"}
    bucket(emu, "grants-ana", {**grant, "Resource": "arn:aws:s3:::grants-ana/*"})
    with enforced(emu):
        assert read(emu, own, "no-policy")[0] == ALLOWED
        decision, detail = read(emu, ana, "no-policy")
        assert decision == DENIED and "cross-account: no resource-based policy statement allows" in detail
        assert read(emu, ana, "grants-ana")[0] == ALLOWED


def test_principal_org_id_is_the_organizations_and_unknowable_outside_one(emu, org):
    """GLOBAL_KEYS: "included in the request context only if the principal is a member of an organization". An account
    moto's Organizations holds is known to be in it; any other is refused: a real one may be in an organization."""
    own, ana, outsider = (
        reader(emu, a, f"org-{n}") for n, a in (("own", ACCOUNT_ID), ("ana", org["ana"]), ("out", OUTSIDER))
    )
    by_organization = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::org-files/*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": org["id"]}},
    }
    bucket(emu, "org-files", by_organization)  # stored: the emulator can know this key
    bucket(
        emu,
        "other-org-files",
        {
            **by_organization,
            "Resource": "arn:aws:s3:::other-org-files/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-aaaaaaaaaa"}},
        },
    )
    with enforced(emu):
        assert read(emu, ana, "org-files")[0] == ALLOWED
        assert read(emu, own, "org-files")[0] == ALLOWED
        assert read(emu, ana, "other-org-files")[0] == DENIED
        decision, detail = read(emu, outsider, "org-files")
        assert decision == UNEVALUATED and "aws:PrincipalOrgID" in detail


def test_service_control_policies_limit_the_members_once_enabled(emu, org):
    """Organizations user guide, "Service control policies (SCPs)": each level must allow; the management account's
    principals are not limited."""
    organizations = emu.client("organizations")
    root = organizations.list_roots()["Roots"][0]["Id"]
    bucket(
        emu,
        "scp-files",
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::scp-files/*"},
    )
    bob, own = reader(emu, org["bob"], "scp-bob"), reader(emu, ACCOUNT_ID, "scp-own")
    no_reads = organizations.create_policy(
        Name="no-reads",
        Description="no s3:GetObject",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]}
        ),
    )["Policy"]["PolicySummary"]["Id"]
    organizations.attach_policy(PolicyId=no_reads, TargetId=org["bob"])
    try:
        with enforced(emu):
            assert read(emu, bob, "scp-files")[0] == ALLOWED  # the policy type is not enabled: no SCP applies
        organizations.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
        with enforced(emu):
            decision, detail = read(emu, bob, "scp-files")
            assert decision == DENIED and "explicitly denied by SCP (level 2)" in detail
            assert read(emu, own, "scp-files")[0] == ALLOWED
        organizations.detach_policy(PolicyId=no_reads, TargetId=org["bob"])
        organizations.detach_policy(PolicyId="p-FullAWSAccess", TargetId=org["bob"])
        with enforced(emu):
            decision, detail = read(emu, bob, "scp-files")  # nothing at the account's level allows it
            assert decision == DENIED and "no SCP at level 2" in detail
    finally:
        organizations.attach_policy(PolicyId="p-FullAWSAccess", TargetId=org["bob"])
        organizations.disable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")


def test_resource_control_policies_are_refused_not_ignored(emu, org):
    organizations = emu.client("organizations")
    root = organizations.list_roots()["Roots"][0]["Id"]
    ana = reader(emu, org["ana"], "rcp-ana")
    bucket(emu, "rcp-files", {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})
    organizations.enable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
    try:
        with enforced(emu):
            decision, detail = read(emu, ana, "rcp-files")
        assert decision == UNEVALUATED and "resource control policies" in detail
    finally:
        organizations.disable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
