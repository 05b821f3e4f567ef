"""`make lab-local`: the whole lab offline, kept up until you stop it, for the guide's exercises with no AWS account.

It brings an OfflineLab up (offline_lab.py, as the rehearsal does: the emulator, the real `cdk bootstrap` and `cdk
deploy`, the instance's user-data in a sandbox, the producer sending under the instance role with IAM enforced),
then writes and prints the env lines that point the AWS CLI, boto3 and this project's commands (`make verify`,
`make watch`) at it, and keeps the emulator and the producer running until Ctrl-C, SIGTERM or SIGHUP. Then it takes
the lab down: it stops the producer, runs the real `cdk destroy`, checks that nothing is left, and removes the
emulator and the sandbox. None of the rehearsal's checks run here.

Credentials while the lab is up: IAM stays enforced, as in the rehearsal's producer phase, for the whole time.
The producer keeps the instance role's own credentials, so it can never do more than on EC2; the env lines give
the student an IAM user allowed exactly the actions the guide's commands call (student.GUIDE_ACTIONS), so a
guide command that needs more fails here as it would for a student with least-privilege credentials, and the
guide's test shows it. The CDK CLI's test keys (no IAM user) are used again only once enforcement is off, to
destroy.

Exit codes (cli.py): 0 up, then torn down with nothing left; 1 a phase failed (named on the last line); 2 bad
arguments, or the env file belongs to something else; 128 + the signal's number when stopped while coming up or
going down (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import time
from pathlib import Path

from labctl.lab import CLOCK_SCALE_ENV
from rehearsal import cli, student
from rehearsal.i18n import N_, _, number
from rehearsal.offline_lab import LabResult, OfflineLab
from rehearsal.stopping import Stopped

ENV_FILE = "lab-local.env"
# The env file's first line: it names the process that owns the file, so a second lab never takes it over and a
# file left by a killed one can be replaced. A file without it is not ours and is never overwritten.
_OWNER = re.compile(r"^# firehose-lab offline lab, pid (\d+)\b")


# The guide the student follows, in the student's language.
GUIDES = N_("docs/guide-en.md, docs/guia-es.md")
# How to use another env file, in the form a student types (make passes LAB_LOCAL_ARGS through).
ANOTHER_ENV_FILE = N_('write another: make lab-local LAB_LOCAL_ARGS="--env-file PATH"')


class EnvFileTaken(Exception):
    """One line for the user."""


class EnvFile:
    """The env lines in a file the student can `source`; ours only while our pid heads it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def owner(self) -> int | None:
        """The pid that wrote it, or None when there is no such file; EnvFileTaken when it is not ours to replace."""
        try:
            first = self.path.read_text().split("\n", 1)[0]
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise EnvFileTaken(
                _("{path} exists and is unreadable ({problem}): {another}").format(
                    path=self.path, problem=error, another=_(ANOTHER_ENV_FILE)
                )
            ) from None
        match = _OWNER.match(first)
        if not match:
            raise EnvFileTaken(
                _("{path} exists and was not written by make lab-local: remove it, or {another}").format(
                    path=self.path, another=_(ANOTHER_ENV_FILE)
                )
            )
        return int(match.group(1))

    def claim(self) -> None:
        """Refuse when another offline lab that is still running owns the file."""
        pid = self.owner()
        if pid is not None and pid != os.getpid() and _alive(pid):
            raise EnvFileTaken(
                _(
                    "another offline lab (pid {pid}) is running and owns {path}: stop it with Ctrl-C in its terminal, "
                    "or {another}"
                ).format(pid=pid, path=self.path, another=_(ANOTHER_ENV_FILE))
            )

    def write(self, lines: list[str]) -> None:
        self.claim()
        head = (
            f"# firehose-lab offline lab, pid {os.getpid()}: written by `make lab-local`, removed when it stops.\n"
            "# Points the AWS CLI, boto3 and make verify/watch at the emulator; a new terminal is back on AWS.\n"
        )
        self.path.write_text(head + "\n".join(lines) + "\n")

    def remove(self) -> None:
        try:
            if self.owner() == os.getpid():
                self.path.unlink()
        except EnvFileTaken:
            pass  # replaced by someone else meanwhile: theirs now


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LocalLab:
    """An OfflineLab up until stopped, with a student who may do what the guide does; it checks nothing more."""

    def __init__(self, *, context: list, clock_scale: float, out=None) -> None:
        self.lab = OfflineLab(
            context=context, clock_scale=clock_scale, label="lab-local", student_actions=student.GUIDE_ACTIONS, out=out
        )

    @property
    def out(self):
        """Where the lab's lines go; after a hang-up, /dev/null."""
        return self.lab.out

    @out.setter
    def out(self, stream) -> None:
        self.lab.out = stream

    def student_env(self) -> list[str]:
        """Shell lines: the emulator's endpoint, the student's keys, the region, the buffer clock if scaled, and the
        venv's bin (the pinned AWS CLI) on PATH."""
        lab = self.lab
        variables = {
            "AWS_ENDPOINT_URL": lab.emulator.endpoint_url,
            "AWS_ACCESS_KEY_ID": lab.student["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": lab.student["aws_secret_access_key"],
            "AWS_REGION": lab.emulator.region,
            "AWS_DEFAULT_REGION": lab.emulator.region,
        }
        if lab.clock_scale != 1:
            variables[CLOCK_SCALE_ENV] = f"{lab.clock_scale:g}"
        # A profile or session token from the student's own AWS set-up would win over, or spoil, these keys.
        return [
            "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN",
            *(f"export {name}={shlex.quote(value)}" for name, value in variables.items()),
            # The project's pinned AWS CLI (and Python) first on PATH: the guide's `aws ...` commands are its.
            f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"',
        ]

    def live(self, workdir: Path, env_file: EnvFile) -> None:
        """Up, serve until interrupted, down; the emulator and the producer are stopped whatever happens."""
        lab = self.lab
        try:
            lab.bring_up(workdir)
            up_since = time.monotonic()
            try:
                lines = self.student_env()
                env_file.write(lines)
                self._announce(env_file, lines)
                self._serve()
            except Stopped as stop:
                lab.result.phases.append((N_("lab up, until Ctrl-C"), time.monotonic() - up_since, True))
                lab.say(_("{signal}: taking the lab down").format(signal=stop))
            finally:
                env_file.remove()
            lab.take_down()
        finally:
            lab.close()

    def _announce(self, env_file: EnvFile, lines: list[str]) -> None:
        lab, config = self.lab, self.lab.config
        path = str(env_file.path)
        shown = path if "/" in path else f"./{path}"  # `source NAME` would look in PATH first
        lab.say(
            _("the lab is up: stack {lab} on the emulator at {endpoint} (buffer clock x{scale})").format(
                lab=config.lab_name, endpoint=lab.emulator.endpoint_url, scale=number(lab.clock_scale, "g")
            )
        )
        lab.say(
            _("  producer: {rate} events/s for {minutes} min, as on the instance; its log: {log}").format(
                rate=config.producer_rate_per_second, minutes=config.producer_minutes, log=lab.service.log
            )
        )
        lab.say(_("in another terminal, in this folder, point the AWS CLI, boto3 and make verify/watch at it:"))
        lab.say(f"  source {shown}")
        lab.say(
            _("which holds (the keys are IAM user {user}'s, allowed only what the guide does):").format(
                user=student.STUDENT
            )
        )
        for line in lines:
            lab.say(f"  {line}")
        lab.say(_("then: make watch, make verify, aws s3 ls ... (see {guide})").format(guide=_(GUIDES)))
        lab.say(_("Ctrl-C here takes the lab down: real cdk destroy, then a check that nothing is left"))

    def _serve(self) -> None:
        """Keep the lab up until a stop signal (Ctrl-C, SIGTERM, SIGHUP) raises Stopped."""
        ended = False
        while True:
            if not ended and not self.lab.service.running():
                ended = True
                self.lab.say(
                    _(
                        "the producer ended by itself (producerMinutes, or see its log {log}); "
                        "the lab stays up until Ctrl-C"
                    ).format(log=self.lab.service.log)
                )
            time.sleep(0.5)


def stopped(result: LabResult, stop: Stopped) -> list:
    """Stopped while coming up or going down (a stop while the lab is up is its normal end)."""
    at = cli.stopped_where(result)
    if at is None:
        where = _("at start")
    elif at[0] == "in":
        where = _("in phase {phase}").format(phase=_(at[1]))
    else:
        where = _("after phase {phase}").format(phase=_(at[1]))
    return [
        _("{signal} {where}: stopped; the emulator, its resources and the sandbox are gone with it").format(
            signal=stop, where=where
        ),
        *cli.phase_table(result),
    ]


def main(argv: list | None = None) -> int:
    parser = cli.parser(
        __doc__,
        prog="make lab-local",
        clock_help=_(
            "speed of the emulator's buffer clock: 0.1 makes a 60 s interval flush in 6 s (default 1: real time)"
        ),
    )
    parser.add_argument(
        "--env-file",
        default=ENV_FILE,
        help=_("where to write the env lines to source in another terminal (default ./{file})").format(file=ENV_FILE),
    )
    try:
        args = cli.parse(parser, argv, rule=_("lab-local: --clock-scale must be in (0, 1]"))
    except cli.BadArguments as error:
        return cli.refuse(str(error))
    env_file = EnvFile(Path(args.env_file))
    try:
        env_file.claim()
    except EnvFileTaken as error:
        return cli.refuse(f"lab-local: {error}")
    local = LocalLab(context=args.context, clock_scale=args.clock_scale)

    def hung_up() -> None:  # no terminal left to print to
        local.out = open(os.devnull, "w")

    return cli.run(
        local.lab,
        lambda workdir: local.live(workdir, env_file),
        workdir_prefix="firehose-lab-local-",
        passed=lambda: _("the lab was up, then destroyed; nothing left behind"),
        stopped=stopped,
        on_hangup=hung_up,
    )


if __name__ == "__main__":
    sys.exit(main())
