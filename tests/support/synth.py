"""The lab app as the CDK CLI builds it, for tests: cdk.json's context plus `-c` settings, at a fixed moment."""

from __future__ import annotations

from datetime import UTC, datetime

from labctl.toolkit import cdk_json_context


def lab_context(**overrides) -> dict:
    """The context the CDK CLI would pass: cdk.json (defaults + feature flags) plus `-c` overrides."""
    return {**cdk_json_context(), **overrides}


# The moment every test synth happens: the expiry schedule counts from it, so templates are the same on every run.
SYNTH_TIME = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def synth(**overrides):
    """(stack, Template) of the lab app as the CLI would build it with these `-c` settings, at SYNTH_TIME."""
    from aws_cdk.assertions import Template

    from app import build_app

    _, stack = build_app(lab_context(**overrides), now=SYNTH_TIME)
    return stack, Template.from_stack(stack)


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

# The opt-in JSON-to-Parquet mode, every other setting at its default (bufferSizeMiB=auto).
PARQUET_SETTINGS = dict(format="parquet")

# Firehose dynamic partitioning by the event's ticker, every other setting at its default (bufferSizeMiB=auto).
PARTITIONED_SETTINGS = dict(partitionBy="ticker")


# A class of three (two languages), as `make class-up` would synthesize it, at SYNTH_TIME, ending a day later.
CLASS_NAME = "bda-2026"
CLASS_ROSTER = "student_id,display_name,language\nana,Ana Pérez,es\nbob,Bob Smith,en\n7c,Siete Ce,es\n"
CLASS_EXPIRES_AT = "2026-11-27T09:30:00Z"
CLASS_BUDGET_USD = "30"


def class_synth(roster_path, **overrides):
    """(app, class stack, {student id: lab stack}) of the class app with this roster and `-c` settings."""
    from class_app import build_class_app

    class_settings = {
        "className": CLASS_NAME,
        "roster": str(roster_path),
        "classExpiresAt": CLASS_EXPIRES_AT,
        "budgetUsd": CLASS_BUDGET_USD,
    }
    context = lab_context(**{**class_settings, **overrides})
    return build_class_app(context, now=SYNTH_TIME)


# The same class across accounts (a StackSet): one account per student, in the roster's order, in one organization.
ORGANIZATION_ID = "o-abcdefghij"
CLASS_ACCOUNTS = ("111111111111", "222222222222", "333333333333")


def stackset_synth(roster_path, **overrides):
    """(app, the class's own stack, the StackSet's lab template) of the StackSet app with this roster and settings."""
    from stackset_app import build_stackset_app

    context = lab_context(
        className=CLASS_NAME,
        roster=str(roster_path),
        classExpiresAt=CLASS_EXPIRES_AT,
        organizationId=ORGANIZATION_ID,
        accounts=",".join(CLASS_ACCOUNTS),
        **overrides,
    )
    return build_stackset_app(context, now=SYNTH_TIME)
