"""The CDK Toolkit as the lab's commands see it from outside the app: the pinned CLI, and the settings it passes
to the app (cdk.json's context with `-c KEY=VALUE` on top, the last of a repeated key winning, as the CLI does).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lab_stack.config import LabConfig
from labctl.i18n import _
from producer.i18n import argparse_words

ROOT = Path(__file__).resolve().parent.parent
CDK_CLI = ROOT / "node_modules" / ".bin" / "cdk"
CDK_JSON = ROOT / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context: the documented defaults of every setting, and the feature flags."""
    return json.loads(CDK_JSON.read_text())["context"]


def context_with(settings: Sequence[str] = ()) -> dict[str, Any]:
    """The context the CDK CLI gives the app for these `-c KEY=VALUE` settings (on top of cdk.json)."""
    context = cdk_json_context()
    context.update(setting.partition("=")[::2] for setting in settings)
    return context


def lab_config(settings: Sequence[str] = ()) -> LabConfig:
    """The lab these settings build; raises ConfigError (one line) on a bad one."""
    return LabConfig.from_context(context_with(settings))


def positive_seconds(text: str) -> float:
    """An argparse type: a positive, finite number of seconds (nan or inf would make a command wait for ever)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(_("must be a positive number of seconds, got {text}").format(text=repr(text)))
    return value


def settings_hint(argparse_message: str) -> str:
    """argparse's complaint in the student's language, and for a setting given without -c (`ARGS="format=parquet"`),
    how to give it."""
    said = argparse_words(argparse_message)
    if not argparse_message.startswith("unrecognized arguments: "):
        return said
    settings = [arg for arg in argparse_message.split(": ", 1)[1].split() if "=" in arg and not arg.startswith("-")]
    if not settings:
        return said
    with_c = " ".join(f"-c {setting}" for setting in settings)
    return _('{problem}: a setting goes after -c, as in ARGS="{with_c}"').format(problem=said, with_c=with_c)


def add_settings_option(parser: argparse.ArgumentParser, purpose: str = "") -> None:
    """`-c KEY=VALUE`, repeatable: the lab's settings, given as to `cdk deploy` (make passes the same ARGS)."""
    parser.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=_("lab settings as for cdk deploy (the same ARGS)") + purpose,
    )
