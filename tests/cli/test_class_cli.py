"""`python -m labctl class ...` as an instructor types it: bad input is one line per problem and exit 2, before any
AWS call; the cost needs no account."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from labctl.toolkit import ROOT


def labctl(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    # No credentials, no endpoint: anything that reached AWS would fail differently.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        [sys.executable, "-m", "labctl", "class", *args],
        cwd=ROOT,
        env={**clean, "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, **(env or {})},
        capture_output=True,
        text=True,
    )


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("student_id,display_name,language\nana,Ana,es\nbob,Bob,en\n")
    return path


def test_a_bad_roster_is_every_problem_one_line_each(tmp_path):
    bad = tmp_path / "roster.csv"
    bad.write_text("student_id,display_name,language\nAna,Ana,es\nbob,Bob,fr\nbob,Bob again,en\n")
    run = labctl("up", "--class", "bda-2026", "--roster", str(bad))
    assert run.returncode == 2
    lines = run.stderr.splitlines()
    assert [line.split(" row ")[1].split(":")[0] for line in lines] == ["2", "3"]
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    "args, says",
    [
        (["up", "--class", "BDA", "--roster", "{roster}"], "invalid class name 'BDA'"),
        (["up", "--class", "bda", "--roster", "{roster}", "--concurrency", "9"], "--concurrency 9: 1 to 5"),
        (["up", "--class", "bda", "--roster", "{roster}", "--hours", "0"], "--hours 0: a class lasts 1 to 168"),
        (["up", "--class", "bda", "--roster", "{roster}", "-c", "labName=x1"], "labName cannot be set for a class"),
        (["down", "--class", "bda", "--student", "ana"], "--student ana needs --roster"),
        (["up", "--class", "bda", "--roster", "{roster}", "--access-keys", "maybe"], "invalid ACCESS_KEYS='maybe'"),
        (["up", "--class", "bda", "--roster", "{roster}", "--budget", "0"], "invalid budgetUsd='0'"),
        (["up", "--class", "bda", "--roster", "{roster}", "--budget-email", "me"], "invalid budgetEmail='me'"),
        (["cost", "--students", "0"], "--students 0: 1 to 100"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(roster, args, says):
    run = labctl(*[a.replace("{roster}", str(roster)) for a in args])
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and says in run.stderr, run.stderr


def test_a_student_still_on_the_roster_is_not_removed(roster):
    run = labctl("down", "--class", "bda-2026", "--student", "ana", "--roster", str(roster))
    assert run.returncode == 2
    assert run.stderr == f"class: ana is still in {roster}: remove their row, then run class down again\n"


def test_the_class_cost_needs_no_account(roster):
    run = labctl("cost", "--roster", str(roster), "--hours", "8")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("firehose-lab class of 2 labs")
    assert "forgotten until the class ends 8 h after class-up" in run.stdout
    assert "budget backstop: $1 a month for the whole account" in run.stdout  # the forgotten class and half again
