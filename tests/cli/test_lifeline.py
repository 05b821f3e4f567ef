"""A child of lab-local or of the sandbox's systemd dies with its parent, even when the parent is killed outright
(SIGKILL runs no clean-up): the kernel tells it (Linux's parent-death signal), and a guarded command's whole process
group goes with it, the processes it started included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid

import pytest

from labctl.toolkit import ROOT
from rehearsal import lifeline
from rehearsal.stopping import kill_process_group
from support.processes import processes_with_environment, survivors

TAG = "FIREHOSE_LAB_TEST_TAG"


def parent(code: str, tag: str) -> subprocess.Popen:
    """A Python process running `code` (which prints a line once its children run), its descendants tagged."""
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), TAG: tag},
        stdout=subprocess.PIPE,
        text=True,
    )


def killed(code: str, *, children: int) -> list:
    """Start `code` as a parent, SIGKILL it once it said its `children` run, and return what of them still lives."""
    tag = uuid.uuid4().hex
    run = parent(code, tag)
    try:
        assert run.stdout.readline(), "the parent did not start its children"
        assert len(processes_with_environment(TAG, tag)) == 1 + children
        run.kill()
        run.wait()
        return survivors(TAG, tag)
    finally:
        run.kill()
        for pid in processes_with_environment(TAG, tag):
            os.kill(int(pid), signal.SIGKILL)


def test_a_guarded_command_and_everything_it_started_die_with_their_parent():
    # guard, bash, and bash's two sleeps
    code = """
import subprocess, time
from rehearsal import lifeline
subprocess.Popen(lifeline.guarded(["bash", "-c", "sleep 300 & sleep 300"]), start_new_session=True)
time.sleep(1)
print("started", flush=True)
time.sleep(300)
"""
    assert killed(code, children=4) == []


def test_a_child_started_with_die_with_parent_dies_with_its_single_threaded_parent():
    code = """
import subprocess, time
from rehearsal import lifeline
subprocess.Popen(["sleep", "300"], preexec_fn=lifeline.die_with_parent)
print("started", flush=True)
time.sleep(300)
"""
    assert killed(code, children=1) == []


def test_a_guarded_command_passes_its_output_and_exit_code_through():
    run = subprocess.run(
        lifeline.guarded(["bash", "-c", "echo out; echo err >&2; exit 3"]),
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=60,
    )
    assert (run.returncode, run.stdout, run.stderr) == (3, "out\n", "err\n")
    killed_by_signal = subprocess.run(lifeline.guarded(["bash", "-c", "kill -TERM $$"]), timeout=60)
    assert killed_by_signal.returncode == 128 + signal.SIGTERM


def test_a_guarded_command_that_is_not_there_fails_as_in_a_shell():
    run = subprocess.run(lifeline.guarded(["/no/such/cli", "bootstrap"]), capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stderr) == (127, "/no/such/cli: No such file or directory\n")


def test_a_guarded_command_started_from_a_thread_outlives_the_thread():
    """The parent-death signal comes when the thread that forked ends, not the process (prctl(2)): a class boots its
    labs from worker threads, and a command forked by one would be killed as soon as that thread ended."""
    started = []
    worker = threading.Thread(target=lambda: started.append(lifeline.start(["sleep", "300"])))
    worker.start()
    worker.join()
    [command] = started
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            command.wait(timeout=2)  # still running, well after the thread that asked for it ended
    finally:
        kill_process_group(command)  # the guard and its sleep: killing the guard alone left the sleep running


def test_a_guarded_command_started_from_a_thread_still_dies_with_its_parent():
    code = """
import threading, time
from rehearsal import lifeline
worker = threading.Thread(target=lambda: lifeline.start(["bash", "-c", "sleep 300 & sleep 300"]))
worker.start()
worker.join()
time.sleep(1)
print("started", flush=True)
time.sleep(300)
"""
    assert killed(code, children=4) == []


@pytest.mark.parametrize("pid_state", ["gone", "alive"])
def test_ended_tells_a_process_that_is_gone_from_one_that_runs(pid_state):
    child = subprocess.Popen(["sleep", "300"])
    ended = lifeline.ended(child.pid)
    try:
        if pid_state == "gone":
            child.kill()
            child.wait()
        assert ended() == (pid_state == "gone")
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize(
    "rehearsal",
    [
        "ClassRehearsal(students=1, clock_scale=1, context=[], concurrency=1)",
        "StackSetClassRehearsal(accounts=1, clock_scale=1, context=[])",
    ],
)
def test_what_a_class_rehearsal_runs_with_the_cdk_cli_dies_with_it(rehearsal):
    """The CDK CLI a class rehearsal runs (bootstrap, class-up's synth and deploys: its account's run_cdk), here
    standing for a command that starts two more, from a worker thread as the labs are made: killed outright, the
    rehearsal leaves none of it running."""
    code = f"""
import threading, time
from pathlib import Path
from labctl.toolkit import ROOT
from rehearsal.classroom import ClassRehearsal
from rehearsal.stackset_class import StackSetClassRehearsal
account = {rehearsal}.account(Path("cdk-work"))
command = ["bash", "-c", "sleep 300 & sleep 300"]
threading.Thread(target=lambda: account.run_cdk(command, cwd=ROOT, env=None, capture=True), daemon=True).start()
time.sleep(1)
print("started", flush=True)
time.sleep(300)
"""
    assert killed(code, children=4) == []
