"""`python -m labctl`: one entry point for the lab's user commands, each listed in its --help."""

from __future__ import annotations

import subprocess
import sys

from labctl.__main__ import COMMANDS
from labctl.toolkit import ROOT


def labctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "labctl", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_help_lists_every_command():
    run = labctl("--help")
    assert run.returncode == 0
    for name, (_, summary) in COMMANDS.items():
        assert name in run.stdout
        assert summary.split()[0] in run.stdout
    assert {"preflight", "verify"} <= set(COMMANDS)


def test_an_unknown_command_is_one_line_and_exit_2():
    run = labctl("deploy-everything")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [run.stderr.strip()]
    assert "invalid choice: 'deploy-everything'" in run.stderr and "verify" in run.stderr


def test_a_bad_lab_setting_is_refused_before_aws_is_asked():
    run = labctl("verify", "-c", "labName=1lab")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "firehose-lab: invalid labName='1lab': must start with a letter and hold only letters, digits and hyphens, "
        "1 to 40 characters (it becomes the CloudFormation stack name)"
    ]


def test_a_control_character_in_a_setting_is_refused_not_cut():
    """The CDK CLI would cut `Lab\nTwo` to `Lab`; verify must not look for a lab by another name."""
    run = labctl("verify", "-c", "labName=Lab\nTwo")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "firehose-lab: invalid labName='Lab\\nTwo': must be one line of printable text (no control characters)"
    ]
