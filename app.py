#!/usr/bin/env python3
"""CDK entry point: `cdk synth|deploy|destroy` run this (see cdk.json). Nothing happens at import."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from lab_stack.config import ConfigError, LabConfig
from lab_stack.stack import LabStack
from producer.wheelhouse import WheelhouseError


def build_app(context: Mapping[str, Any] | None = None, now: datetime | None = None) -> tuple[App, LabStack]:
    """The lab's app with cdk-nag AwsSolutions checking every synth; raises ConfigError on a bad setting,
    WheelhouseError when producer/wheels/ is not the lock's.

    `now` is the synth time the expiry counts from: the clock for `cdk deploy`, fixed by tests (it is no setting, so
    no context key can move it).
    """
    app = App(context=dict(context) if context is not None else None)
    config = LabConfig.from_context(app.node.get_all_context())
    stack = LabStack(app, config.lab_name, config=config, synth_time=now or datetime.now(UTC))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack


def main() -> int:
    try:
        app, _ = build_app()
    except (ConfigError, WheelhouseError) as error:
        print(f"firehose-lab: {error}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
