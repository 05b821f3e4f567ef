"""labctl's class commands against the emulator: a password is set once and never replaced, a class's users and
credentials are found and removed, the sign-in URL names the account's alias, and class-check says one line per
quota, `??` where a quota cannot be read rather than a guess."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from labctl.classroom import check, logins
from rehearsal.emulator import ACCOUNT_ID, Emulator


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        iam = emulator.client("iam")
        for name, path in (("bda-2026-ana", "/firehose-lab/bda-2026/"), ("other", "/")):
            iam.create_user(UserName=name, Path=path)
        yield emulator


def test_a_first_password_is_set_once_and_never_replaced(emu):
    iam = emu.client("iam")
    password = logins.set_first_password(iam, "bda-2026-ana", 20)
    assert password and len(password) == 20
    assert iam.get_login_profile(UserName="bda-2026-ana")["LoginProfile"]["PasswordResetRequired"] is True
    assert logins.set_first_password(iam, "bda-2026-ana", 20) is None


def test_first_credentials_are_a_password_and_an_access_key_only_when_asked(emu):
    """ACCESS_KEYS=yes: the key is made after the password, for a user that had none; without it, no key at all."""
    iam = emu.client("iam")
    for name in ("bda-2026-keys", "bda-2026-nokeys"):
        iam.create_user(UserName=name, Path="/firehose-lab/bda-2026/")
    with_key = logins.first_credentials(iam, "bda-2026-keys", 20, access_key=True)
    [key] = iam.list_access_keys(UserName="bda-2026-keys")["AccessKeyMetadata"]
    assert with_key.access_key.key_id == key["AccessKeyId"] and len(with_key.access_key.secret) >= 40
    without = logins.first_credentials(iam, "bda-2026-nokeys", 20, access_key=False)
    assert without.password and without.access_key is None
    assert iam.list_access_keys(UserName="bda-2026-nokeys")["AccessKeyMetadata"] == []
    assert logins.first_credentials(iam, "bda-2026-keys", 20, access_key=True) is None  # has a password already
    assert len(iam.list_access_keys(UserName="bda-2026-keys")["AccessKeyMetadata"]) == 1
    for name in ("bda-2026-keys", "bda-2026-nokeys"):
        logins.remove_credentials(iam, name)
        iam.delete_user(UserName=name)


def test_a_key_that_cannot_be_made_leaves_no_password_behind(emu):
    """IAM allows two access keys per user: a third is refused, and the password made before it goes again, so the
    next class-up can try the student afresh (nothing half-made)."""
    iam = emu.client("iam")
    iam.create_user(UserName="bda-2026-full", Path="/firehose-lab/bda-2026/")
    for _ in range(2):
        iam.create_access_key(UserName="bda-2026-full")
    with pytest.raises(ClientError):
        logins.first_credentials(iam, "bda-2026-full", 20, access_key=True)
    with pytest.raises(ClientError):
        iam.get_login_profile(UserName="bda-2026-full")
    logins.remove_credentials(iam, "bda-2026-full")
    iam.delete_user(UserName="bda-2026-full")


def test_the_class_users_are_those_under_its_path(emu):
    assert logins.class_users(emu.client("iam"), "bda-2026") == ["bda-2026-ana"]


def test_removing_credentials_takes_the_password_and_every_key(emu):
    iam = emu.client("iam")
    iam.create_access_key(UserName="bda-2026-ana")
    if not logins.set_first_password(iam, "bda-2026-ana", 20):
        pass  # set by an earlier test
    removed = logins.remove_credentials(iam, "bda-2026-ana")
    assert removed == ["password", "access key"]  # a key by its kind: its id is never printed
    assert iam.list_access_keys(UserName="bda-2026-ana")["AccessKeyMetadata"] == []
    assert logins.remove_credentials(iam, "bda-2026-ana") == []


def test_the_sign_in_url_is_the_accounts_alias_else_its_id(emu):
    iam = emu.client("iam")
    assert logins.sign_in_url(iam, ACCOUNT_ID) == f"https://{ACCOUNT_ID}.signin.aws.amazon.com/console"
    iam.create_account_alias(AccountAlias="bda-school")
    assert logins.sign_in_url(iam, ACCOUNT_ID) == "https://bda-school.signin.aws.amazon.com/console"
    iam.delete_account_alias(AccountAlias="bda-school")


def test_class_check_says_one_line_per_quota_and_never_guesses(emu):
    lines = check.check(emu.client, students=20, instance_type="t3.micro")
    assert [line.what for line in lines] == [what for what, _, _ in check.CHECKS]
    by_name = {line.what: line for line in lines}
    assert by_name["VPCs"].fits is True  # moto holds the VPC quotas: 5, the default VPC in use
    assert "the class needs 1, 4 free (1 in use of 5)" in str(by_name["VPCs"])
    assert by_name["IAM users"].fits is True
    for line in lines:  # what the emulator holds no quota for is said so, with where to look
        assert line.fits is not None or "could not be read" in line.text


def test_a_class_that_does_not_fit_names_the_quota_to_ask_for():
    line = check.verdict("VPCs", need=1, used=5, limit=5, ask="L-F678F1CE, VPCs per Region")
    assert line.fits is False
    assert str(line) == (
        "NO  VPCs: the class needs 1, only 0 free (5 in use of 5): ask for at least 6 (L-F678F1CE, VPCs per Region)"
    )


def test_class_down_names_the_classs_budget_and_its_actions_while_they_are_there(emu):
    """Budgets is global and in no region's tagging API: class-down asks it by the budget's name."""
    from lab_stack.names import class_budget_name
    from labctl.classroom import budget

    budgets = emu.client("budgets")
    name = class_budget_name("bda-2026")
    budgets.create_budget(
        AccountId=ACCOUNT_ID,
        Budget={
            "BudgetName": name,
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": "9", "Unit": "USD"},
        },
    )
    action_id = budgets.create_budget_action(
        AccountId=ACCOUNT_ID,
        BudgetName=name,
        NotificationType="ACTUAL",
        ActionType="RUN_SSM_DOCUMENTS",
        ActionThreshold={"ActionThresholdType": "PERCENTAGE", "ActionThresholdValue": 100},
        Definition={
            "SsmActionDefinition": {
                "ActionSubType": "STOP_EC2_INSTANCES",
                "Region": "us-east-1",
                "InstanceIds": ["i-0123456789abcdef0"],
            }
        },
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/stop",
        ApprovalModel="AUTOMATIC",
        Subscribers=[{"SubscriptionType": "EMAIL", "Address": "prof@school.edu"}],
    )["ActionId"]
    assert budget.leftovers(budgets, ACCOUNT_ID, "bda-2026") == [
        f"budget: {name}",
        f"budget action: {action_id} of {name}",
    ]
    assert budget.leftovers(budgets, ACCOUNT_ID, "other") == []
    budgets.delete_budget(AccountId=ACCOUNT_ID, BudgetName=name)
    assert budget.leftovers(budgets, ACCOUNT_ID, "bda-2026") == []
