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

Killed outright (SIGKILL, the OOM killer), it still leaves no process: every child dies with it (lifeline.py), the
sandbox's systemd and the producer included; the next start removes its work directory and its env file, and says
so (killed_runs.py).

Exit codes (cli.py): 0 up, then torn down with nothing left; 1 a phase failed (named on the last line); 2 bad
arguments, or an env file path that is not free for this lab (another's file, a link, a pipe, a folder: EnvFile);
128 + the signal's number when stopped while coming up or going down (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import sys
import time
from pathlib import Path

from labctl.lab import CLOCK_SCALE_ENV
from rehearsal import cli, killed_runs, student
from rehearsal.i18n import N_, _, number
from rehearsal.offline_lab import LabResult, OfflineLab
from rehearsal.stopping import Stopped

ENV_FILE = "lab-local.env"
# The env file's first line: it names the process that owns the file, so a second lab never takes it over and a
# file left by a killed one can be removed. A file without it is not ours and is never overwritten.
_OWNER = re.compile(rb"^# firehose-lab offline lab, pid (\d+)\b")
_HEAD_BYTES = 4096  # what is read of a file to find that line

# The guide the student follows, in the student's language.
GUIDES = N_("docs/guide-en.md, docs/guia-es.md")
# How to use another env file, in the form a student types (make passes LAB_LOCAL_ARGS through).
ANOTHER_ENV_FILE = N_('write another: make lab-local LAB_LOCAL_ARGS="--env-file PATH"')


class EnvFileTaken(Exception):
    """One line for the user."""


# What a path is when it is no regular file (os.lstat: a link is looked at, never followed).
_NOT_A_FILE = (
    (stat.S_ISDIR, N_("a folder")),
    (stat.S_ISFIFO, N_("a named pipe")),
    (stat.S_ISSOCK, N_("a socket")),
    (stat.S_ISCHR, N_("a device")),
    (stat.S_ISBLK, N_("a device")),
)


class EnvFile:
    """The env lines in a file the student can `source`. They hold the student's keys to the offline lab, so the
    file is only ever one of its own: created where nothing is (O_EXCL), never through a link (O_NOFOLLOW), readable
    by its user only (0600), and removed at the end only while the path still holds that very file, unchanged
    (killed_runs.identity). Its first line names the pid that wrote it: a file whose pid is gone is a leftover of a
    lab-local that was killed, removed when the next one starts; anything else at the path is refused, never
    overwritten."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written: os.stat_result | None = None

    def check(self) -> None:
        """Before anything starts: EnvFileTaken (one line) unless the path is free for this lab or holds a leftover."""
        folder = self.path.parent
        if not folder.is_dir():
            raise EnvFileTaken(
                _("cannot write {path}: the folder {folder} does not exist; {another}").format(
                    path=self.path, folder=folder, another=_(ANOTHER_ENV_FILE)
                )
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            raise EnvFileTaken(
                _("cannot write {path}: the folder {folder} is not writable; {another}").format(
                    path=self.path, folder=folder, another=_(ANOTHER_ENV_FILE)
                )
            )
        pid, _info = self._head()
        if pid is not None and not self._left_by(pid):
            raise EnvFileTaken(
                _(
                    "another offline lab (pid {pid}) is running and owns {path}: stop it with Ctrl-C in its terminal, "
                    "or {another}"
                ).format(pid=pid, path=self.path, another=_(ANOTHER_ENV_FILE))
            )

    def clear_leftover(self) -> str | None:
        """Remove the file a lab-local that is gone left at the path; the line that says so, or None."""
        try:
            pid, info = self._head()
        except EnvFileTaken:
            return None  # not a leftover: it stays, and write() refuses to replace it
        if pid is None or not self._left_by(pid):
            return None
        if not killed_runs.remove_if_same(self.path, killed_runs.identity(info)):
            return None
        return _("removed {path}, left by a lab-local that is gone (pid {pid})").format(path=self.path, pid=pid)

    def write(self, lines: list[str]) -> None:
        head = (
            f"# firehose-lab offline lab, pid {os.getpid()}: written by `make lab-local`, removed when it stops.\n"
            "# Points the AWS CLI, boto3 and make verify/watch at the emulator; a new terminal is back on AWS.\n"
        )
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            handle = os.fdopen(os.open(self.path, flags, 0o600), "w")
        except FileExistsError:
            raise EnvFileTaken(
                _("{path} appeared while the lab came up, and is not this lab-local's: remove it, or {another}").format(
                    path=self.path, another=_(ANOTHER_ENV_FILE)
                )
            ) from None
        with handle:
            handle.write(head + "\n".join(lines) + "\n")
            handle.flush()
            self.written = os.fstat(handle.fileno())

    def remove(self) -> None:
        """Remove the file this lab-local wrote, if the path still holds it."""
        if self.written is not None:
            killed_runs.remove_if_same(self.path, killed_runs.identity(self.written))

    def _head(self) -> tuple[int | None, os.stat_result | None]:
        """(the pid its first line names, its lstat), or (None, None) when there is no file; EnvFileTaken for what is
        no regular file (looked at, not opened: a named pipe would block the read for ever) or not a lab-local's."""
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return None, None
        if not stat.S_ISREG(info.st_mode):
            raise EnvFileTaken(
                _(
                    "{path} is {what}, not a file: lab-local writes its env lines only to a file of its own; {another}"
                ).format(path=self.path, what=_what(self.path, info), another=_(ANOTHER_ENV_FILE))
            )
        # Swapped meanwhile for a link or a pipe, it is refused (O_NOFOLLOW), not waited on (O_NONBLOCK, and no read).
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            with os.fdopen(os.open(self.path, flags), "rb") as file:
                head = file.read(_HEAD_BYTES) if stat.S_ISREG(os.fstat(file.fileno()).st_mode) else b""
        except OSError as error:
            raise EnvFileTaken(
                _("{path} exists and is unreadable ({problem}): {another}").format(
                    path=self.path, problem=error.strerror, another=_(ANOTHER_ENV_FILE)
                )
            ) from None
        match = _OWNER.match(head)
        if not match:
            raise EnvFileTaken(
                _("{path} exists and was not written by make lab-local: remove it, or {another}").format(
                    path=self.path, another=_(ANOTHER_ENV_FILE)
                )
            )
        return int(match.group(1)), info

    def _left_by(self, pid: int) -> bool:
        """Whether a file headed by `pid` was left by a lab-local that is gone: another pid that has ended, or this
        process's own before it wrote one (a dead lab-local's pid, given to this process since)."""
        if pid == os.getpid():
            return self.written is None
        return killed_runs.gone(pid, None)


def _what(path: Path, info: os.stat_result) -> str:
    if stat.S_ISLNK(info.st_mode):
        return _("a symbolic link (to {target})").format(target=os.readlink(path))
    return next((_(name) for test, name in _NOT_A_FILE if test(info.st_mode)), _("no regular file"))


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
            if cleared := env_file.clear_leftover():
                lab.say(cleared)
            lab.bring_up(workdir)
            up_since = time.monotonic()
            try:
                lines = self.student_env()
                env_file.write(lines)
                killed_runs.mark_env_file(workdir, env_file.path, env_file.written)
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
        env_file.check()
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
