"""The command line `make rehearse` and `make lab-local` share: the arguments both take and how they are checked,
and the run's end, the same for both: stop signals, the phase table, the last line and the exit code.

Exit codes: 0 the run did its job; 1 a phase failed (named on the last line); 2 bad arguments (one line, before
anything starts); 128 + the signal's number when Ctrl-C, SIGTERM or SIGHUP stopped it (130, 143, 129).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from lab_stack.config import ConfigError
from labctl.toolkit import add_settings_option, lab_config, settings_hint
from producer.i18n import ArgumentParser
from rehearsal import killed_runs
from rehearsal.emulator import athena
from rehearsal.i18n import _, number
from rehearsal.offline_lab import LabResult, OfflineLab
from rehearsal.stopping import Stopped, stop_on_signals


class BadArguments(Exception):
    """One line for the user; the command exits 2 before anything starts."""


class _Parser(ArgumentParser):
    def error(self, message: str) -> NoReturn:
        super().error(settings_hint(message))


def parser(doc: str, *, clock_help: str, prog: str | None = None) -> argparse.ArgumentParser:
    """The `-c` settings and --clock-scale; the command adds its own arguments. A setting given without -c is told
    how to give it."""
    parser = _Parser(prog=prog, description=doc.splitlines()[0])
    add_settings_option(parser)
    parser.add_argument("--clock-scale", type=float, default=1.0, help=clock_help)
    return parser


def parse(
    parser: argparse.ArgumentParser,
    argv: list | None,
    *,
    rule: str,
    valid: Callable[[argparse.Namespace], bool] = lambda args: True,
) -> argparse.Namespace:
    """The arguments, once the clock scale is in (0, 1], the command's own `valid` holds (else BadArguments(rule)),
    every setting is one the lab takes and the offline Athena's limits in the environment are ones it can hold to."""
    args = parser.parse_args(argv)
    if not 0 < args.clock_scale <= 1 or not valid(args):
        raise BadArguments(rule)
    try:
        lab_config(args.context)  # a bad setting stops here, before anything starts
        athena.limits_from_environment(os.environ)
    except (ConfigError, ValueError) as error:
        raise BadArguments(f"firehose-lab: {error}") from None  # lab_stack's or the emulator's words
    return args


def refuse(line: str) -> int:
    """Bad arguments: one line on stderr, and the exit code 2."""
    print(line, file=sys.stderr)
    return 2


def phase_table(result: LabResult) -> list:
    done, failed = _("ok"), _("stopped") if result.stopped_by else _("FAILED")
    lines = []
    for name, seconds, ok in result.phases:
        phase = _(name)
        lines.append(f"  {phase:<52} {number(seconds, '.1f'):>6}s  {done if ok else failed}")
    total = _("total")
    lines.append(f"  {total:<52} {number(sum(seconds for _name, seconds, _ok in result.phases), '.1f'):>6}s")
    return lines


def stopped_where(result: LabResult) -> tuple | None:
    """Where a stop came: ("in", the phase it cut short), ("after", the last phase done), or None before any."""
    if result.failed_phase:
        return "in", result.failed_phase
    return ("after", result.phases[-1][0]) if result.phases else None


def run(
    lab: OfflineLab,
    life: Callable[[Path], None],
    *,
    workdir_prefix: str,
    passed: Callable[[], str],
    stopped: Callable[[LabResult, Stopped], list],
    on_hangup: Callable[[], None] | None = None,
) -> int:
    """Live `life` in a work directory of its own (the sandbox goes with it), stop signals turned into Stopped,
    then report: the phase table and `passed()`, or the failure and its phase, or the lines `stopped` words.
    First, what earlier runs that were killed left is removed, and said; the work directory is marked as this run's
    so that the start after a kill can do the same (killed_runs.py)."""
    for line in killed_runs.clean(Path(tempfile.gettempdir())):
        lab.say(line)
    with stop_on_signals(on_hangup), tempfile.TemporaryDirectory(prefix=workdir_prefix) as workdir:
        killed_runs.mark(Path(workdir), lab.label)
        try:
            life(Path(workdir))
            code = 0
        except Stopped as stop:  # Ctrl-C, SIGTERM, SIGHUP: cleaned up like a failure, and said so
            lines, code = stopped(lab.result, stop), 128 + stop.signum
        except Exception as error:  # every failure ends in one named phase, never a traceback
            lab.say(str(error))
            code = 1
    if code == 0:
        lines = [*phase_table(lab.result), passed()]
    elif code == 1:
        lines = [*phase_table(lab.result), _("FAILED in phase: {phase}").format(phase=_(lab.result.failed_phase))]
    for line in lines:
        lab.say(line)
    return code
