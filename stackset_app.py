#!/usr/bin/env python3
"""CDK entry point of a class across accounts: `cdk --app ".venv/bin/python stackset_app.py" -c className=...
-c roster=... -c organizationId=o-... -c accounts=...|organizationalUnit=ou-...` (`make class-up ACCOUNTS=...|OU=...`
runs it). Two stacks, nothing happens at import:
- the class's own stack, deployed by the CDK CLI in the administrator's account (lab_stack/stackset_admin.py);
- the student's lab as the StackSet's template (`<class>-labs`), never deployed by the CDK: make class-up publishes its
  files and template to the class bucket and hands the template to StackSets (lab_stack/stackset.py).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

import class_app
from lab_stack.names import class_stack_name, class_stackset_name
from lab_stack.stack import LabStack
from lab_stack.stackset import StackSetPlacement
from lab_stack.stackset_admin import ClassStackSetAdmin
from lab_stack.stackset_config import StackSetClassConfig


def build_stackset_app(
    context: Mapping[str, Any] | None = None, now: datetime | None = None
) -> tuple[App, ClassStackSetAdmin, LabStack]:
    """(app, the class's own stack, the StackSet's lab template), cdk-nag AwsSolutions checking every synth; raises
    ConfigError or RosterError on a bad setting or roster, WheelhouseError when producer/wheels/ is not the lock's."""
    app = App(context=dict(context) if context is not None else None)
    synth_time = now or datetime.now(UTC)
    config = StackSetClassConfig.from_context(app.node.get_all_context(), synth_time)
    admin = ClassStackSetAdmin(
        app,
        class_stack_name(config.class_name),
        class_name=config.class_name,
        expires_at=config.expires_at,
        organization_id=config.organization_id,
        targets=config.targets,
    )
    lab = LabStack(
        app,
        class_stackset_name(config.class_name),
        config=config.lab,
        synth_time=synth_time,
        placement=StackSetPlacement(config.class_name, config.expires_at),
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, admin, lab


def main() -> int:
    return class_app.main(build_stackset_app)


if __name__ == "__main__":
    sys.exit(main())
