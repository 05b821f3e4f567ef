"""Child processes that die with the process that started them, even when it is killed outright.

A SIGKILL (or the OOM killer) runs no `finally`: lab-local's clean-up (stopping the producer, killing the CDK CLI's
process group) never happens, and its children would run on, the producer for up to producerMinutes. Linux ties a
child's life to its parent's on request: prctl(PR_SET_PDEATHSIG) has the kernel signal the child when its parent
dies. Who asks depends on who starts the child:

- `die_with_parent`, a Popen preexec_fn, for a parent with one thread (the sandbox's systemd supervisor starting the
  producer and ExecStopPost): the child gets SIGKILL when that parent dies. A preexec_fn runs between fork and exec,
  which is unsafe in a process with other threads (the child could wait for ever on a lock one of them held);
- `guarded(command)` for lab-local and the rehearsal, which run the emulator's threads: the command runs under this
  file as a small script (`python -I -S lifeline.py PARENT -- COMMAND...`) that the caller starts as the head of a
  new process group, that gets SIGTERM when its parent dies, and that then SIGKILLs its whole group: the command and
  what it started, e.g. the CDK CLI with the app and the jsii runtime it runs, or the user-data's bash with pip.
  (Each child keeps a process group of its own, not lab-local's, so a Ctrl-C meant for lab-local does not reach it:
  lab-local stops its children in order.)

The kernel sends the signal when the *thread* that forked the child ends, not the whole process (prctl(2)). Both
uses are safe: the supervisor has one thread, and `start` forks a guarded command from the main thread, or, when
asked from another thread (a class boots its labs from worker threads), from the process's spawner thread, which
never ends before the process. (The emulator's Firehose Lambda processor starts its handler from a request thread
and waits for it there, within the function's timeout; the lab uses no Lambda.) The sandbox's supervisor is started
by the `systemctl` shim, which exits at once, as systemctl does on an instance; it watches its owner with `ended`.

Other systems than Linux have no PDEATHSIG: there a child only dies with a clean stop, and a killed run's files are
still removed by the next start (killed_runs.py).
"""

from __future__ import annotations

import ctypes
import os
import queue
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
_SCRIPT = Path(__file__).resolve()


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Ask the kernel for `signum` when the parent dies (a preexec_fn for a single-threaded parent; see above)."""
    if _prctl is not None and _prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def guarded(command: list[str]) -> list[str]:
    """`command` run so that its whole process group dies with this process; fork it with `start`."""
    return [sys.executable, "-I", "-S", str(_SCRIPT), str(os.getpid()), "--", *command]


def start(command: list[str], **popen: Any) -> subprocess.Popen:
    """Popen of `command` guarded, as the head of its own process group, forked by a thread that lives as long as
    the process (the main thread, or the spawner thread for any other)."""
    if threading.current_thread() is threading.main_thread():
        return subprocess.Popen(guarded(command), start_new_session=True, **popen)
    return _spawner().fork(guarded(command), popen)


class _Spawner:
    """One daemon thread that forks what other threads ask for, and never ends before the process does."""

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="lifeline-spawner", daemon=True).start()

    def fork(self, command: list[str], popen: dict[str, Any]) -> subprocess.Popen:
        done: queue.SimpleQueue = queue.SimpleQueue()
        self._requests.put((command, popen, done))
        outcome = done.get()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _serve(self) -> None:
        while True:
            command, popen, done = self._requests.get()
            try:
                done.put(subprocess.Popen(command, start_new_session=True, **popen))
            except BaseException as error:  # handed back to the thread that asked, raised there
                done.put(error)


_spawner_lock = threading.Lock()
_the_spawner: _Spawner | None = None


def _spawner() -> _Spawner:
    global _the_spawner
    with _spawner_lock:
        if _the_spawner is None:
            _the_spawner = _Spawner()
        return _the_spawner


def ended(pid: int) -> Callable[[], bool]:
    """A check that says whether process `pid` has ended, exactly: a pidfd (Linux 5.3) cannot be fooled by the pid
    being given to another process; elsewhere the pid is probed."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return lambda: True
    except (AttributeError, OSError):
        return lambda: not _exists(pid)
    return lambda: bool(select.select([handle], [], [], 0)[0])


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_own_group(*_: object) -> None:
    os.killpg(0, signal.SIGKILL)


def _guard(parent: int, command: list[str]) -> int:
    """Run `command` in this process group; if `parent` dies first, kill the group, this process included."""
    signal.signal(signal.SIGTERM, _kill_own_group)
    die_with_parent(signal.SIGTERM)
    if os.getppid() != parent:  # it died before the kernel was asked
        _kill_own_group()
    try:
        code = subprocess.call(command)
    except OSError as error:  # as a shell says it: the command, why, 127 when it is not there, 126 otherwise
        print(f"{command[0]}: {error.strerror}", file=sys.stderr)
        return 127 if isinstance(error, FileNotFoundError) else 126
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(_guard(int(sys.argv[1]), sys.argv[3:]))
