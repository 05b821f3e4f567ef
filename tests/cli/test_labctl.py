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


def test_every_command_that_asks_aws_says_so_in_one_line_when_aws_cannot_be_reached():
    """Nothing listens on the endpoint: each command names itself and the cause, exit 2, no traceback."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_MAX_ATTEMPTS="1")
    for command in ("verify", "watch", "query", "status"):
        run = subprocess.run([sys.executable, "-m", "labctl", command], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 2, (command, run.stderr)
        assert run.stderr.strip().splitlines() == [run.stderr.strip()], run.stderr
        assert run.stderr.startswith(f"{command}: AWS refused or could not be reached: "), run.stderr
