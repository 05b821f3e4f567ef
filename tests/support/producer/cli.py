"""Run `python -m producer` as a user would: a fresh process, its exit code, its stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FAST_RETRY = ("--backoff-base", "0.005", "--backoff-cap", "0.02")
"""Retry settings that keep fault tests quick (flags, not patched clocks)."""


@dataclass
class Finished:
    code: int
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stderr.splitlines()


def aws_env(endpoint: str | None = None, **extra: str) -> dict[str, str]:
    """A clean environment: test credentials, one region, no profile files,
    no instance metadata lookups; Firehose at `endpoint` when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPATH=str(ROOT),
    )
    if endpoint:
        env["AWS_ENDPOINT_URL_FIREHOSE"] = endpoint
    env.update(extra)
    return env


def producer_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "producer", *args]


def run_producer(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None, timeout: float = 60
) -> Finished:
    done = subprocess.run(
        producer_cmd(*args),
        input=stdin,
        env=env if env is not None else aws_env(),
        cwd=ROOT,
        capture_output=True,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    return Finished(done.returncode, done.stderr.decode())
