"""A class across accounts, as configured: the organization, and each student's account from an account list (in the
roster's order, or the roster's own account_id column) or from the roster for an OU; every bad setting one line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lab_stack.config import ConfigError
from lab_stack.names import STOPS_ITS_INSTANCE
from lab_stack.stackset_config import StackSetClassConfig
from support.synth import CLASS_ACCOUNTS, CLASS_EXPIRES_AT, CLASS_NAME, CLASS_ROSTER, ORGANIZATION_ID, lab_context

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
WITH_ACCOUNTS = (
    "student_id,display_name,language,account_id\n"
    "ana,Ana,es,333333333333\nbob,Bob,en,111111111111\n7c,Siete,es,222222222222\n"
)


def config(tmp_path, roster=CLASS_ROSTER, **overrides):
    path = tmp_path / "roster.csv"
    path.write_text(roster)
    settings = dict(
        className=CLASS_NAME,
        roster=str(path),
        classExpiresAt=CLASS_EXPIRES_AT,
        organizationId=ORGANIZATION_ID,
        accounts=",".join(CLASS_ACCOUNTS),
    )
    settings.update(overrides)
    return StackSetClassConfig.from_context(lab_context(**{k: v for k, v in settings.items() if v is not None}), NOW)


def refused(tmp_path, **kwargs) -> str:
    with pytest.raises(ConfigError) as caught:
        config(tmp_path, **kwargs)
    line = str(caught.value)
    assert "\n" not in line
    return line


def test_accounts_go_to_the_students_in_the_rosters_order(tmp_path):
    found = config(tmp_path)
    assert found.accounts == dict(zip(["ana", "bob", "7c"], CLASS_ACCOUNTS, strict=True))
    assert found.targets.request() == {"Accounts": list(CLASS_ACCOUNTS)}
    assert found.lab.lab_name == CLASS_NAME  # alone in its account, the lab is named after the class


def test_a_roster_that_names_the_accounts_is_followed(tmp_path):
    found = config(tmp_path, roster=WITH_ACCOUNTS, accounts="222222222222,333333333333,111111111111")
    assert found.accounts == {"ana": "333333333333", "bob": "111111111111", "7c": "222222222222"}


def test_an_organizational_unit_takes_the_rosters_accounts(tmp_path):
    found = config(tmp_path, roster=WITH_ACCOUNTS, accounts=None, organizationalUnit="ou-ab12-cdefgh34")
    assert found.targets.service_managed
    assert found.targets.request() == {"DeploymentTargets": {"OrganizationalUnitIds": ["ou-ab12-cdefgh34"]}}
    assert found.accounts["ana"] == "333333333333"


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (dict(organizationId="org-1"), "invalid organizationId"),
        (dict(organizationId=None), "invalid organizationId"),
        (dict(accounts=None), "accounts=ID,ID,... or organizationalUnit=ou-..., one"),
        (dict(organizationalUnit="ou-ab12-cdefgh34"), "accounts=ID,ID,... or organizationalUnit=ou-..., one"),
        (dict(accounts="111111111111,222222222222"), "lists 2 accounts for 3 students"),
        (dict(accounts="111111111111,222222222222,33333333333"), "'33333333333' is not an AWS account id"),
        (dict(accounts="111111111111,111111111111,222222222222"), "111111111111 is listed twice"),
        (dict(accounts=None, organizationalUnit="ou-ab12-cdefgh34"), "must name each student's account"),
        (dict(accounts=None, organizationalUnit="ou-12"), "invalid organizationalUnit"),
    ],
)
def test_a_bad_setting_is_one_line(tmp_path, overrides, says):
    assert says in refused(tmp_path, **overrides)


def test_listed_accounts_must_be_the_rosters(tmp_path):
    line = refused(tmp_path, roster=WITH_ACCOUNTS, accounts="111111111111,222222222222,444444444444")
    assert "listed only ['444444444444'], in the roster only ['333333333333']" in line


def test_status_says_what_a_stacksets_lab_does_at_its_end():
    """`make status` reads the lab's AtExpiry output: a StackSet's lab is deleted by its class, not by itself."""
    from labctl.status import LabStatus

    status = LabStatus(
        "bda-2026",
        "us-east-1",
        stack_status="CREATE_COMPLETE",
        outputs={"ExpiresAt": CLASS_EXPIRES_AT, "AtExpiry": STOPS_ITS_INSTANCE},
        schedule_state="ENABLED",
    )
    [expires] = [line for line in status.lines(NOW) if line.startswith("  expires:")]
    assert expires.endswith(f"(in 24 h 0 min), {STOPS_ITS_INSTANCE}")
    assert "deletes itself" not in expires


def test_a_bad_setting_is_said_in_spanish_to_who_asks(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_LANG", "es")
    line = refused(tmp_path, accounts="111111111111,111111111111,222222222222")
    assert line.endswith("111111111111 aparece dos veces; una cuenta por estudiante")
