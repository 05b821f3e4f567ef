"""labctl's class commands against the emulator: a password is set once and never replaced, a class's users and
credentials are found and removed, the sign-in URL names the account's alias, and class-check says one line per
quota, `??` where a quota cannot be read rather than a guess."""

from __future__ import annotations

import pytest

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
