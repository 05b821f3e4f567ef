#!/usr/bin/env python3
"""CDK entry point of a class of labs: `cdk --app ".venv/bin/python class_app.py" -c className=... -c roster=...
-c budgetUsd=...` (`make class-up` runs it). One ClassStack, one LabStack per student of the roster, and the class's
budget stack that names their instances; nothing happens at import.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from lab_stack.budget_backstop import ClassBudgetStack, publish_instance_id
from lab_stack.class_config import ClassConfig
from lab_stack.class_stack import ClassPlacement, ClassStack
from lab_stack.config import ConfigError
from lab_stack.names import class_budget_stack_name, class_stack_name
from lab_stack.roster import RosterError
from lab_stack.stack import LabStack
from producer.wheelhouse import WheelhouseError


def build_class_app(
    context: Mapping[str, Any] | None = None, now: datetime | None = None
) -> tuple[App, ClassStack, dict[str, LabStack]]:
    """(app, the class stack, {student id: their lab stack}), cdk-nag AwsSolutions checking every synth; the budget
    stack is `app.node.find_child(class_budget_stack_name(...))`. Raises ConfigError or RosterError on a bad setting
    or roster (a budget is required: make class-up derives one), WheelhouseError when producer/wheels/ is not the
    lock's."""
    app = App(context=dict(context) if context is not None else None)
    synth_time = now or datetime.now(UTC)
    config = ClassConfig.from_context(app.node.get_all_context(), synth_time)
    budget_usd = config.required_budget_usd  # before anything is built
    class_stack = ClassStack(
        app,
        class_stack_name(config.class_name),
        class_name=config.class_name,
        roster=config.roster,
        expires_at=config.expires_at,
    )
    labs = {}
    for student_id in config.roster.ids:
        lab = config.lab_config(student_id)
        labs[student_id] = LabStack(
            app,
            lab.lab_name,
            config=lab,
            synth_time=synth_time,
            placement=ClassPlacement(config.class_name, student_id, config.expires_at),
        )
        publish_instance_id(
            labs[student_id],
            labs[student_id].producer_host.instance,
            class_name=config.class_name,
            student_id=student_id,
        )
    ClassBudgetStack(
        app,
        class_budget_stack_name(config.class_name),
        class_name=config.class_name,
        roster=config.roster,
        expires_at=config.expires_at,
        amount_usd=budget_usd,
        email=config.budget_email,
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, class_stack, labs


def main(build: Callable[[], tuple] = build_class_app) -> int:
    """Synthesize the app `build` makes (its first item); a bad setting or roster is one line each, exit 2 (the class
    across accounts' stackset_app.py synthesizes its own through this)."""
    try:
        app = build()[0]
    except (ConfigError, WheelhouseError) as error:
        print(f"firehose-lab class: {error}", file=sys.stderr)
        return 2
    except RosterError as error:
        for problem in error.problems:
            print(f"firehose-lab class: {problem}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
