"""What the instructor hands out: a handout per student in their language, made once, readable by the instructor
only, never over an existing file, and nothing half-made; a class sheet without secrets; passwords that any
account password policy's character kinds accept."""

from __future__ import annotations

import stat
from datetime import UTC, datetime

import pytest

from lab_stack.roster import Student
from labctl.classroom import handouts, logins
from labctl.classroom.cost import ClassEstimate
from labctl.cost import estimate
from labctl.toolkit import lab_config

LAB = handouts.Lab(
    stack="bda-2026-ana",
    bucket="bda-2026-ana-123456789012-us-east-1",
    stream="bda-2026-ana-DeliveryStream-X",
    table="bda_2026_ana.events",
    workgroup="bda-2026-ana",
    instance="i-0123456789abcdef0",
    dashboard_url="https://example/dashboard",
)
ENDS = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


KEY = logins.AccessKey("AKIAEXAMPLEKEY000001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def handout(language: str, password: str = "Pa55word!Pa55word!xy", access_key=None) -> handouts.Handout:
    return handouts.Handout(
        student=Student("ana", "Ana Pérez", language),
        user_name="bda-2026-ana",
        password=password,
        sign_in_url="https://bda-school.signin.aws.amazon.com/console",
        region="us-east-1",
        lab=LAB,
        ends_at=ENDS,
        kit_url="s3://cdk-assets/kit.zip",
        access_key=access_key,
    )


@pytest.mark.parametrize("language, words", [("es", "Contraseña de un solo uso"), ("en", "One-time password")])
def test_a_handout_says_everything_a_student_needs_in_their_language(language, words):
    text = handout(language).text()
    assert words in text
    for needed in (
        "https://bda-school.signin.aws.amazon.com/console",
        "`bda-2026-ana`",
        "us-east-1",
        LAB.bucket,
        LAB.stream,
        LAB.table,
        LAB.instance,
        "s3://cdk-assets/kit.zip",
        "lab-kit/lab verify",
        "lab-kit/lab query",
        "aws ssm start-session --target i-0123456789abcdef0",
        "aws ec2 stop-instances --instance-ids i-0123456789abcdef0",
        "2026-11-26 18:00 UTC",
    ):
        assert needed in text, needed
    assert handouts.password_of(text) == "Pa55word!Pa55word!xy"


def test_both_languages_hold_the_same_commands():
    def commands(text):
        return [line for line in text.splitlines() if line.startswith(("aws ", "lab-kit/", "  --query"))]

    assert [c.split("#")[0].strip() for c in commands(handout("es").text())] == [
        c.split("#")[0].strip() for c in commands(handout("en").text())
    ]


def test_a_handout_is_made_once_instructor_only(tmp_path):
    handouts.prepare_directory(tmp_path / "h")
    path = tmp_path / "h" / "ana.md"
    assert handouts.write_once(path, lambda: "secret")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "h").stat().st_mode) == 0o700
    with pytest.raises(handouts.HandoutExists):
        handouts.write_once(path, lambda: pytest.fail("a password must not be made for an existing handout"))
    assert path.read_text() == "secret"


def test_no_password_no_file_and_a_failure_leaves_nothing(tmp_path):
    path = tmp_path / "bob.md"
    assert handouts.write_once(path, lambda: None) is False
    assert not path.exists()

    def fails():
        raise RuntimeError("IAM said no")

    with pytest.raises(RuntimeError):
        handouts.write_once(path, fails)
    assert not path.exists()


def test_the_class_sheet_holds_no_password(tmp_path):
    lines = handouts.class_sheet(
        "bda-2026",
        sign_in_url="https://x.signin.aws.amazon.com/console",
        region="us-east-1",
        ends_at=ENDS,
        rows=[(Student("ana", "Ana", "es"), "bda-2026-ana", "CREATE_COMPLETE")],
    )
    path = handouts.write_class_sheet(tmp_path, lines)
    text = path.read_text()
    assert "| ana | Ana | es | bda-2026-ana | CREATE_COMPLETE |" in text
    assert handouts.password_of(text) is None and "`" not in text


def test_one_time_passwords_hold_every_kind_of_character_and_differ():
    passwords = {logins.one_time_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) == logins.DEFAULT_LENGTH
        for kind in (logins.LOWER, logins.UPPER, logins.DIGITS, logins.SYMBOLS):
            assert any(c in kind for c in password)
        assert not set(password) & set("0O1lI")


def test_a_class_costs_its_labs_and_its_dashboards_past_the_free_three():
    lab = estimate(lab_config())
    small, big = ClassEstimate(lab, 2, 8), ClassEstimate(lab, 20, 8)
    assert small.billed_dashboards == 0 and small.producing_hour == pytest.approx(2 * lab.producing_total)
    assert big.billed_dashboards == 18
    assert big.producing_hour == pytest.approx(20 * lab.producing_total + 18 * 3.00 / 730)
    assert big.forgotten > 20 * lab.producing_total  # every lab produced, then stood stopped until the end


@pytest.mark.parametrize("language, words", [("es", "Claves de acceso"), ("en", "Access keys")])
def test_access_keys_are_in_the_handout_only_when_given_and_in_the_students_language(language, words):
    with_key = handout(language, access_key=KEY).text()
    assert words in with_key
    assert f"export AWS_ACCESS_KEY_ID={KEY.key_id}" in with_key
    assert f"export AWS_SECRET_ACCESS_KEY={KEY.secret}" in with_key
    assert handouts.access_key_of(with_key) == KEY
    without = handout(language).text()
    assert words not in without and "AWS_SECRET_ACCESS_KEY" not in without
    assert handouts.access_key_of(without) is None
