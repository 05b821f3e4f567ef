"""AWS SDK settings from the environment that boto3 would turn into a ValueError traceback are named in one line,
exit 2, by every labctl command and by the producer, before anything is sent."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from labctl.toolkit import ROOT

BAD = [
    (
        "AWS_ENDPOINT_URL",
        "127.0.0.1:4566",
        "AWS_ENDPOINT_URL='127.0.0.1:4566' is not a URL: give it a scheme, e.g. http://127.0.0.1:4566",
    ),
    (
        "AWS_ENDPOINT_URL_FIREHOSE",
        "localhost",
        "AWS_ENDPOINT_URL_FIREHOSE='localhost' is not a URL: give it a scheme, e.g. http://localhost",
    ),
    ("AWS_ENDPOINT_URL", "ftp://x", "AWS_ENDPOINT_URL='ftp://x' is not a URL: give it a scheme, e.g. http://x"),
    ("AWS_MAX_ATTEMPTS", "abc", "AWS_MAX_ATTEMPTS='abc' must be a whole number, 1 or more"),
    ("AWS_MAX_ATTEMPTS", "0", "AWS_MAX_ATTEMPTS='0' must be a whole number, 1 or more"),
]


def environment(tmp_path, name, value):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **env,
        "HOME": str(tmp_path),
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        name: value,
    }


@pytest.mark.parametrize("name, value, line", BAD)
@pytest.mark.parametrize("command", ["verify", "watch", "query", "status"])
def test_each_labctl_command_names_the_bad_setting(tmp_path, command, name, value, line):
    run = subprocess.run(
        [sys.executable, "-m", "labctl", command],
        cwd=ROOT,
        env=environment(tmp_path, name, value),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [f"{command}: {line}"]


@pytest.mark.parametrize("name, value, line", BAD)
def test_the_producer_names_the_bad_setting_and_sends_nothing(tmp_path, name, value, line):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "producer",
            "--stream",
            "s",
            "--count",
            "1",
            "--dead-letter",
            str(tmp_path / "dead.jsonl"),
        ],
        cwd=tmp_path,
        env={**environment(tmp_path, name, value), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [f"producer: error: {line}"]
    assert not (tmp_path / "dead.jsonl").exists()
