"""A class deployed by the real CDK CLI: the class app synthesized once, then its stacks deployed from that cloud
assembly, the labs `concurrency` at a time (`cdk deploy --concurrency`).

Why DEFAULT_CONCURRENCY = 4: each lab stack creates one Firehose stream, and CloudFormation reads the stream back
until it is ACTIVE; Firehose's control plane (CreateDeliveryStream, DeleteDeliveryStream, DescribeDeliveryStream,
ListDeliveryStreams, UpdateDestination, the tag calls) allows 5 transactions per second per account and region, a
quota that cannot be raised (Amazon Data Firehose developer guide, "Amazon Data Firehose Quota",
https://docs.aws.amazon.com/firehose/latest/dev/limits.html). Four stacks in flight keep those calls
under 5 per second even if every one of them made one a second, and leave room for the students' own Describe calls
(`lab watch` makes one); CloudFormation, EC2 and IAM allow far more. Throttled control-plane calls are retried by
CloudFormation, but a class deploy should not lean on that; MAX_CONCURRENCY bounds what an instructor may ask for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from labctl.i18n import _
from labctl.toolkit import CDK_CLI, ROOT

DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 5
CLASS_APP = "class_app.py"


class DeployFailed(Exception):
    """The CDK CLI failed; str() says which step (its own output went to the terminal)."""


def class_context(
    class_name: str, roster: Path, expires_at: datetime, settings: Sequence[str] = (), budget: Sequence[str] = ()
) -> list[str]:
    """The `-c` arguments of the class app: the class, its roster, its end, its budget (budget.BudgetSettings), and
    the lab settings."""
    return [
        f"className={class_name}",
        f"roster={roster.resolve()}",
        f"classExpiresAt={expires_at:%Y-%m-%dT%H:%M:%SZ}",
        *budget,
        *settings,
    ]


# How the CDK CLI is run: `run(command, cwd=, env=, capture=)`, to its end. A rehearsal passes one whose children die
# with it even when it is killed outright (rehearsal/stopping.py's run_guarded).
Runner = Callable[..., subprocess.CompletedProcess]


def run_here(
    command: list[str], *, cwd: Path, env: dict[str, str] | None, capture: bool
) -> subprocess.CompletedProcess:
    """The CDK CLI as a plain child of this process, as `make class-up` runs it in the instructor's terminal."""
    return subprocess.run(command, cwd=cwd, env=env, capture_output=capture, text=True, check=False)


def cdk(args: Sequence[str], *, env: dict[str, str] | None = None, quiet: bool = False, run: Runner = run_here) -> None:
    """Run the CDK CLI from the project; its output goes to the terminal, or is kept and shown only on failure."""
    command = [str(CDK_CLI), *args, "--no-notices"]
    done = run(
        command,
        cwd=ROOT,
        env=env if env is not None else {**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true"},
        capture=quiet,
    )
    if done.returncode:
        if quiet:
            sys.stderr.write(done.stdout + done.stderr)
        raise DeployFailed(_("`cdk {command}` exited {code}").format(command=args[0], code=done.returncode))


def synth(
    context: Sequence[str],
    outdir: Path,
    *,
    env: dict[str, str] | None = None,
    app: str = CLASS_APP,
    run: Runner = run_here,
) -> Path:
    """The class's cloud assembly (every stack's template and assets), synthesized once, offline (`app`: the class in
    one account, or across accounts: stackset_app.py)."""
    cdk(
        [
            "synth",
            "--app",
            f"{sys.executable} {app}",
            *[a for c in context for a in ("-c", c)],
            "--output",
            str(outdir),
            "--quiet",
        ],
        env=env,
        quiet=True,
        run=run,
    )
    return outdir


def deploy(
    assembly: Path,
    stacks: Sequence[str],
    *,
    concurrency: int,
    outputs_file: Path,
    env: dict[str, str] | None = None,
    quiet: bool = False,
    run: Runner = run_here,
) -> None:
    """`cdk deploy` of exactly these stacks of the assembly (no others, no re-synth), `concurrency` at a time."""
    if not stacks:
        return
    cdk(
        [
            "deploy",
            "--app",
            str(assembly),
            "--require-approval",
            "never",
            "--exclusively",
            "--concurrency",
            str(concurrency),
            "--outputs-file",
            str(outputs_file),
            *stacks,
        ],
        env=env,
        quiet=quiet,
        run=run,
    )
