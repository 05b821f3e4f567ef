"""Shared set-up: jsii must run on the venv's Node LTS, and stacks are synthesized once per session."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from labctl.toolkit import cdk_json_context

# jsii starts `node` from PATH on first import of aws_cdk: put the venv's Node 24 first (no EOL banner).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"


def lab_context(**overrides) -> dict:
    """The context the CDK CLI would pass: cdk.json (defaults + feature flags) plus `-c` overrides."""
    return {**cdk_json_context(), **overrides}


# The moment every test synth happens: the expiry schedule counts from it, so templates are the same on every run.
SYNTH_TIME = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.utc)


def synth(**overrides):
    """(stack, Template) of the lab app as the CLI would build it with these `-c` settings, at SYNTH_TIME."""
    from aws_cdk.assertions import Template

    from app import build_app

    _, stack = build_app(lab_context(**overrides), now=SYNTH_TIME)
    return stack, Template.from_stack(stack)


@pytest.fixture(scope="session")
def default_lab():
    """The lab with every setting at its default."""
    return synth()


@pytest.fixture(scope="session")
def template(default_lab):
    return default_lab[1]


# Every setting away from its default, so one synth shows each reaching the template. format=parquet has its own lab:
# it refuses gzip and buffers below 64 MiB.
CUSTOM_SETTINGS = dict(
    labName="Lab2",
    bufferSizeMiB="5",
    bufferIntervalSeconds="0",
    compression="gzip",
    bucketName="my-firehose-lab-2",
    instanceType="t4g.small",
    producerRatePerSecond="50",
    producerMinutes="15",
    dataRetentionDays="30",
    stopWhenDone="false",
    expiresAfterHours="0",
)


@pytest.fixture(scope="session")
def custom_lab():
    return synth(**CUSTOM_SETTINGS)


# The opt-in JSON-to-Parquet mode, every other setting at its default (bufferSizeMiB=auto).
PARQUET_SETTINGS = dict(format="parquet")


@pytest.fixture(scope="session")
def parquet_lab():
    return synth(**PARQUET_SETTINGS)


@pytest.fixture(scope="session")
def parquet_template(parquet_lab):
    return parquet_lab[1]


# Firehose dynamic partitioning by the event's ticker, every other setting at its default (bufferSizeMiB=auto).
PARTITIONED_SETTINGS = dict(partitionBy="ticker")


@pytest.fixture(scope="session")
def partitioned_lab():
    return synth(**PARTITIONED_SETTINGS)


@pytest.fixture(scope="session")
def parquet_partitioned_lab():
    """Both at once, as the guide's second lab (docs/guide-en.md, exercise 9)."""
    return synth(**PARQUET_SETTINGS, **PARTITIONED_SETTINGS)
