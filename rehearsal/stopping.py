"""How a rehearsal stops: a stop signal becomes an exception the phases clean up after, some sections are not cut
in two by it, and child processes go with their whole process group (run_guarded: every command a rehearsal runs).

Ctrl-C, SIGTERM (`kill`, or make passing its own on) and SIGHUP (the terminal closed) all end the run the way a
failed phase does: the producer and the emulator are stopped, the sandbox removed, the phases summed up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from rehearsal import lifeline


class Stopped(BaseException):
    """A stop signal (Ctrl-C, SIGTERM, SIGHUP) arrived: end the run as a failure would, cleaning up everything.
    A BaseException, like KeyboardInterrupt, so that no `except Exception` of a phase swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Stops:
    """The first stop signal, raised as Stopped at once, or held while a `stops_deferred()` section runs."""

    def __init__(self, on_hangup: Callable[[], None] | None = None) -> None:
        self.deferring = 0
        self.pending: int | None = None
        self.seen = False
        self.on_hangup = on_hangup

    def handle(self, signum: int, frame: object) -> None:
        if signum == signal.SIGHUP and self.on_hangup is not None:
            self.on_hangup()  # the terminal is gone: what is left to say must not fail the clean-up
        if self.seen:
            return  # one stop is enough; the next ones must not break the clean-up
        self.seen = True
        if self.deferring:
            self.pending = signum
        else:
            raise Stopped(signum)


_stops = _Stops()


@contextmanager
def stop_on_signals(on_hangup: Callable[[], None] | None = None) -> Iterator[None]:
    """Turn the first stop signal into Stopped in the main thread; ignore the next ones while cleaning up.

    SIGHUP comes when the terminal closes (`on_hangup` is called then, e.g. to stop printing to it); SIGTERM from
    `kill` or from make (which passes it to its children). The default action of either kills Python without running
    a `finally`, orphaning the producer and the sandbox. SIGINT is caught even where it was ignored (a background job
    of a script).
    """
    global _stops
    _stops = _Stops(on_hangup)
    saved = {sig: signal.signal(sig, _stops.handle) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@contextmanager
def stops_deferred() -> Iterator[None]:
    """A section a stop must not cut in two (starting a child process, a clean-up): a stop signal that arrives
    meanwhile is raised as Stopped when it ends."""
    _stops.deferring += 1
    try:
        yield
    finally:
        _stops.deferring -= 1
        if not _stops.deferring and _stops.pending is not None:
            signum, _stops.pending = _stops.pending, None
            raise Stopped(signum)


def kill_process_group(leader: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGKILL the process group `leader` heads and wait until its last member is gone: the leader is reaped here,
    the others (reparented to init when the leader dies) only need to finish dying."""
    try:
        os.killpg(leader.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    leader.wait()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            os.killpg(leader.pid, 0)
            time.sleep(0.02)
    except ProcessLookupError:
        pass


def run_guarded(
    command: list[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    capture: bool = True,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """Run `command` to its end as a guarded child (lifeline.py: its whole process group dies with this process, even
    one killed outright), its output captured unless `capture` is false. A stop, a timeout or any other error kills
    that process group before it is raised, so nothing the command started runs on."""
    pipe = subprocess.PIPE if capture else None
    child = None
    try:
        with stops_deferred():  # a stop between fork and the Popen's return would leave the child running
            child = lifeline.start(command, cwd=cwd, env=env, stdout=pipe, stderr=pipe, text=True)
        stdout, stderr = child.communicate(timeout=timeout)
    except BaseException:
        if child is not None:
            kill_process_group(child)
            for stream in (child.stdout, child.stderr):
                if stream is not None:
                    stream.close()
        raise
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
