"""A class's settings: its name, roster and end, and the lab settings its labs share; what a class decides itself
is refused as a setting, each problem in one line before anything is built."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from lab_stack.class_config import DEFAULT_CLASS_HOURS, ClassConfig
from lab_stack.config import ConfigError
from lab_stack.roster import RosterError
from labctl.toolkit import ROOT, cdk_json_context
from support.synth import CLASS_ROSTER

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(CLASS_ROSTER)
    return path


def config(roster_path, **settings):
    context = {**cdk_json_context(), "className": "bda-2026", "roster": str(roster_path), **settings}
    return ClassConfig.from_context(context, NOW)


def test_every_lab_shares_the_settings_and_is_named_for_its_student(roster):
    found = config(roster, format="parquet", producerRatePerSecond="50")
    ana = found.lab_config("ana")
    assert (ana.lab_name, ana.record_format, ana.producer_rate_per_second) == ("bda-2026-ana", "parquet", 50)
    assert found.roster.ids == ["ana", "bob", "7c"]


def test_without_an_end_a_class_ends_a_day_later(roster):
    assert config(roster).expires_at == NOW + timedelta(hours=DEFAULT_CLASS_HOURS)
    assert config(roster, classExpiresAt="2026-11-26T15:00:00Z").expires_at == datetime(2026, 11, 26, 15, tzinfo=UTC)


@pytest.mark.parametrize("key", ["labName", "bucketName", "expiresAfterHours"])
def test_what_the_class_decides_is_no_setting(roster, key):
    with pytest.raises(ConfigError, match=f"^{key} cannot be set for a class: "):
        config(roster, **{key: "x1"})


@pytest.mark.parametrize(
    "value", ["2026-11-26T09:30:00Z", "2026-12-04T09:30:01Z", "tomorrow", "2026-11-26 15:00:00", "2026-02-30T10:00:00Z"]
)
def test_an_end_that_is_past_too_far_or_not_a_time_is_refused(roster, value):
    with pytest.raises(ConfigError, match="^invalid classExpiresAt="):
        config(roster, classExpiresAt=value)


def test_a_class_needs_a_name_and_a_roster(roster):
    with pytest.raises(ConfigError, match="^className: invalid class name"):
        config(roster, className="BDA")
    with pytest.raises(ConfigError, match="^roster: give the class's roster CSV"):
        config(roster, roster="")


def test_a_bad_lab_setting_is_refused_as_for_one_lab(roster):
    with pytest.raises(ConfigError, match="^invalid format="):
        config(roster, format="orc")


def test_the_class_app_says_each_roster_problem_in_one_line_and_exits_2(tmp_path):
    """What the CDK CLI runs: every problem on its own line, no traceback, nothing synthesized."""
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,display_name,language\nAna,Ana,es\nbob,Bob,fr\n")
    context = {**cdk_json_context(), "className": "bda-2026", "roster": str(roster)}
    run = subprocess.run(
        [sys.executable, "class_app.py"],
        cwd=ROOT,
        env={**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(tmp_path / "out")},
        capture_output=True,
        text=True,
    )
    lines = run.stderr.splitlines()
    assert run.returncode == 2
    assert [line.split(": ", 2)[1] for line in lines] == [f"{roster} row 2", f"{roster} row 3"]
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_a_roster_problem_is_a_roster_error(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,display_name,language\n")
    with pytest.raises(RosterError):
        config(roster)


def test_the_budget_and_its_email_are_the_classs_own_settings(roster):
    found = config(roster, budgetUsd="40", budgetEmail="prof@school.edu")
    assert (found.budget_usd, found.budget_email) == (40, "prof@school.edu")
    assert (config(roster).budget_usd, config(roster).budget_email) == (None, None)  # make class-up gives a default


@pytest.mark.parametrize(
    "settings, says",
    [
        ({"budgetUsd": "0"}, "invalid budgetUsd='0': a whole number of US dollars from 1 to 100000"),
        ({"budgetUsd": "12.5"}, "invalid budgetUsd='12.5': a whole number of US dollars from 1 to 100000"),
        ({"budgetUsd": "lots"}, "invalid budgetUsd='lots'"),
        ({"budgetEmail": "prof at school"}, "invalid budgetEmail='prof at school': an email address"),
        ({"budgetEmail": "a@b\nc.edu"}, "invalid budgetEmail="),
    ],
)
def test_a_bad_budget_or_email_is_one_line(roster, settings, says):
    with pytest.raises(ConfigError) as refused:
        config(roster, **settings)
    assert says in str(refused.value) and "\n" not in str(refused.value)
