"""The sandbox's systemd: `systemctl` for the lab's service as systemd (252 on AL2023) runs it, with plain processes.

The sandbox's `systemctl` shim (sandbox.py) calls `systemctl()` here. Starting a unit starts a supervisor process
(`python -m rehearsal.systemd supervise ROOT UNIT`) that runs ExecStart and ends it:
- on RuntimeMaxSec, timed on the rehearsal's clock as published in the sandbox (SANDBOX_CLOCK: the hours of a lab
  pass in seconds), with SERVICE_RESULT=timeout;
- on `systemctl stop`/`restart`, which first puts a job on the unit: SIGTERM, then SIGKILL after TimeoutStopSec
  (real seconds: the producer's own shutdown runs in real time);
- or when the main process exits by itself;
then runs ExecStopPost with SERVICE_RESULT, EXIT_CODE and EXIT_STATUS set as systemd sets them (systemd.exec(5),
"Environment Variables in Spawned Processes"; exits by SIGHUP, SIGINT, SIGTERM and SIGPIPE are clean), and only
then drops the job: while a requested stop is under way `systemctl show --property=Job --value UNIT` prints its
id, as systemd does; a run that ended by itself has no job. `poweroff` records that the OS halted (the rehearsal
hands that to the emulator's EC2) and stops every running unit, as a shutdown does.
By design, unlike systemd: Type=simple with one main process (its process group stands in for the cgroup), no
privileges (ExecStopPost's `+` is a no-op: everything runs as the rehearsal's user), time spans in whole seconds.
The sandbox is a machine only while the process that runs it lives (SANDBOX_OWNER: lab-local or the rehearsal): when
that process is gone, even killed outright, the supervisor kills the service's process group and ends, as a machine
that loses power runs no ExecStopPost; and the service and ExecStopPost die with their supervisor (lifeline.py).
"""

from __future__ import annotations

import configparser
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rehearsal import lifeline
from rehearsal.emulator.clock import read_published

ROOT = Path(__file__).resolve().parent.parent
POLL_S = 0.05
DEFAULT_TIMEOUT_STOP_S = 90.0  # systemd's DefaultTimeoutStopSec
CLEAN_SIGNALS = (signal.SIGHUP, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE)
EXEC_PREFIXES = "+-@!:"


class Unit:
    """Where a unit's definition and run-time state live in the sandbox."""

    def __init__(self, root: Path, name: str) -> None:
        self.root, self.name = Path(root), name
        run = self.root / "run"
        self.file = self.root / "etc" / "systemd" / "system" / name
        self.supervisor_pid = run / f"{name}.supervisor"
        self.main_pid = run / f"{name}.pid"
        self.job = run / f"{name}.job"
        self.result = run / f"{name}.result"
        self.log = self.root / "var" / "log" / f"{name}.log"

    def service(self) -> configparser.SectionProxy:
        unit = configparser.ConfigParser(interpolation=None, strict=False)
        unit.optionxform = str
        if not unit.read(self.file):
            raise FileNotFoundError(f"no unit file {self.file}")
        return unit["Service"]

    def supervisor(self) -> int | None:
        """The supervisor's pid while the unit is active (or being stopped)."""
        return _live_pid(self.supervisor_pid)

    def active(self) -> bool:
        return _live_pid(self.main_pid) is not None


def halted_marker(root: Path) -> Path:
    return Path(root) / "run" / "halted"


# --- systemctl ---------------------------------------------------------------------------------------------------


def systemctl(argv: Sequence[str], root: Path) -> int:
    """What the sandbox's `systemctl` does; the exit code."""
    flags = {a for a in argv if a.startswith("-")}
    args = [a for a in argv if not a.startswith("-")]
    verb, units = (args[0], args[1:]) if args else ("", [])
    if verb == "daemon-reload":
        return 0
    if verb == "enable" and "--now" in flags or verb == "start":
        return max((start(Unit(root, u), " ".join(argv)) for u in units), default=0)
    if verb == "stop":
        return max((stop(Unit(root, u), "stop") for u in units), default=0)
    if verb == "restart":
        return max((stop(Unit(root, u), "restart") or start(Unit(root, u), " ".join(argv)) for u in units), default=0)
    if verb == "is-active" and units:
        active = Unit(root, units[0]).active()
        print("active" if active else "inactive")
        return 0 if active else 3
    if verb == "show" and units and _shown_property(argv) == "Job" and {"--value"} <= flags:
        job = Unit(root, units[0]).job
        print(job.read_text().split()[0] if job.exists() else "")
        return 0
    if verb == "poweroff":
        return halt(Path(root))
    print(
        "[sandbox] systemctl: only daemon-reload, enable --now, start, stop, restart, is-active, "
        f"show --property=Job --value and poweroff are stood in for, not: {' '.join(argv)}",
        file=sys.stderr,
    )
    return 1


def _shown_property(argv: Sequence[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg.startswith("--property="):
            return arg.split("=", 1)[1]
        if arg in ("-p", "--property") and i + 1 < len(argv):
            return argv[i + 1]
    return None


def start(unit: Unit, command: str) -> int:
    """Start the unit's supervisor and wait until its main process runs (Type=simple: started once forked)."""
    if unit.supervisor() is not None:
        return 0
    service = unit.service()
    for stale in (unit.job, unit.main_pid):  # the last run's result stays until this one ends
        stale.unlink(missing_ok=True)
    state = service.get("StateDirectory")
    if state:
        (unit.root / "var" / "lib" / state).mkdir(parents=True, exist_ok=True)
    unit.log.parent.mkdir(parents=True, exist_ok=True)
    unit.main_pid.parent.mkdir(parents=True, exist_ok=True)
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "rehearsal.systemd", "supervise", str(unit.root), unit.name],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    unit.supervisor_pid.write_text(str(supervisor.pid))
    deadline = time.monotonic() + 30
    while not unit.main_pid.exists() and supervisor.poll() is None and time.monotonic() < deadline:
        time.sleep(POLL_S)
    if not unit.main_pid.exists():
        print(f"[sandbox] systemctl: {unit.name} did not start; see {unit.log}", file=sys.stderr)
        return 1
    print(f"[sandbox] systemctl {command}: started pid {unit.main_pid.read_text()}", file=sys.stderr)
    return 0


def stop(unit: Unit, job_type: str, *, wait: bool = True) -> int:
    """Queue a stop (or restart) job on the unit and, like systemctl, wait until the unit is inactive."""
    supervisor = unit.supervisor()
    if supervisor is None:
        return 0
    unit.job.write_text(f"{random.randint(100, 99999)} {job_type}")
    os.kill(supervisor, signal.SIGTERM)
    if not wait:
        return 0
    timeout = _seconds(unit.service().get("TimeoutStopSec"), DEFAULT_TIMEOUT_STOP_S) + 30
    deadline = time.monotonic() + timeout
    while unit.supervisor() is not None and time.monotonic() < deadline:
        time.sleep(POLL_S)
    return 0 if unit.supervisor() is None else 1


def halt(root: Path) -> int:
    """`systemctl poweroff`: the OS goes down; every running unit is stopped on the way, as a shutdown does."""
    marker = halted_marker(root)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{time.time()}\n")
    for unit_file in (root / "etc" / "systemd" / "system").glob("*.service"):
        unit = Unit(root, unit_file.name)
        if unit.active() and not unit.job.exists():
            stop(unit, "stop", wait=False)
    print("[sandbox] systemctl poweroff: the OS halts", file=sys.stderr)
    return 0


# --- the supervisor ----------------------------------------------------------------------------------------------


def supervise(root: Path, name: str) -> int:
    """Run the unit's ExecStart to its end, then ExecStopPost; record how it ended."""
    unit = Unit(root, name)
    service = unit.service()
    clock_path = os.environ.get("SANDBOX_CLOCK")
    runtime_max = _seconds(service.get("RuntimeMaxSec"), float("inf"))
    timeout_stop = _seconds(service.get("TimeoutStopSec"), DEFAULT_TIMEOUT_STOP_S)
    stop_requested: list[int] = []  # a plain list: a signal handler must not take a lock the main thread may hold
    signal.signal(signal.SIGTERM, lambda signum, _: stop_requested.append(signum))
    # Started by the `systemctl` shim, which is gone by now: the kernel's parent-death signal cannot tie this process
    # to its owner, so it watches it.
    owner_gone = lifeline.ended(int(os.environ["SANDBOX_OWNER"]))

    with open(unit.log, "ab") as log:
        started = read_published(clock_path).monotonic()
        main = subprocess.Popen(
            shlex.split(service["ExecStart"]),
            cwd=service.get("WorkingDirectory", "/"),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=lifeline.die_with_parent,  # this process has one thread
        )
        unit.main_pid.write_text(str(main.pid))
        result, kill_at = None, None
        while main.poll() is None:
            if owner_gone():
                os.killpg(main.pid, signal.SIGKILL)
                main.wait()
                _say(log, f"{name}: the sandbox's owner is gone: the machine is gone, the service killed with it")
                return 1
            if kill_at is None and stop_requested:
                kill_at = _terminate(main, timeout_stop)
            elif kill_at is None and read_published(clock_path).monotonic() - started >= runtime_max:
                result, kill_at = "timeout", _terminate(main, timeout_stop)
                _say(log, f"{name}: RuntimeMaxSec={runtime_max:g}s reached on the rehearsal's clock: stopping")
            elif kill_at is not None and time.monotonic() >= kill_at:
                os.killpg(main.pid, signal.SIGKILL)
                result = "timeout"
            time.sleep(POLL_S)
        code = main.returncode
        exit_code, exit_status = ("exited", str(code)) if code >= 0 else ("killed", signal.Signals(-code).name[3:])
        if result is None:
            clean = code == 0 or -code in CLEAN_SIGNALS
            result = "success" if clean else "exit-code" if code > 0 else "signal"
        environment = {**os.environ, "SERVICE_RESULT": result, "EXIT_CODE": exit_code, "EXIT_STATUS": exit_status}
        stop_post = []
        for command in _commands(service.get("ExecStopPost")):
            _say(log, f"{name}: ExecStopPost {command} (SERVICE_RESULT={result}, {exit_code} {exit_status})")
            stop_post.append(
                subprocess.run(
                    shlex.split(command),
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=lifeline.die_with_parent,
                ).returncode
            )
    unit.result.write_text(
        json.dumps(
            {
                "SERVICE_RESULT": result,
                "EXIT_CODE": exit_code,
                "EXIT_STATUS": exit_status,
                "ExecStopPost": stop_post,
                "job": unit.job.read_text().split()[1] if unit.job.exists() else None,
            }
        )
    )
    for done in (unit.main_pid, unit.job, unit.supervisor_pid):  # inactive: the job, if any, is finished
        done.unlink(missing_ok=True)
    return 0


def _terminate(main: subprocess.Popen, timeout_stop: float) -> float:
    os.killpg(main.pid, signal.SIGTERM)
    return time.monotonic() + timeout_stop


def _commands(value: str | None) -> list[str]:
    """ExecStopPost's command line without systemd's prefixes (see the module docstring for `+`)."""
    return [value.lstrip(EXEC_PREFIXES)] if value else []


def _seconds(value: str | None, default: float) -> float:
    if value is None:
        return default
    if value.strip() == "infinity":
        return float("inf")
    return float(int(value))  # the lab's units write whole seconds; anything else fails here, loudly


def _say(log, line: str) -> None:
    log.write(f"[sandbox systemd] {line}\n".encode())
    log.flush()


def _live_pid(path: Path) -> int | None:
    try:
        pid = int(path.read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    try:
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return None
    except (OSError, IndexError):
        pass
    return pid


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["supervise"] and len(argv) == 3:
        return supervise(Path(argv[1]), argv[2])
    print("usage: python -m rehearsal.systemd supervise ROOT UNIT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
