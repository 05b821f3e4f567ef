"""What a killed lab-local or rehearsal leaves on disk, removed by the next start: its work directory (the sandbox
with it) and its env file while that path still holds the file it wrote; never what a live run owns, never what is
not a run's."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from labctl.toolkit import ROOT
from rehearsal import cli, killed_runs
from rehearsal.classroom import ClassRehearsal
from rehearsal.stackset_class import StackSetClassRehearsal


def run_that_was_killed(workdir, env_file=None) -> int:
    """A process marks `workdir` as its run's (and `env_file` as the env file it wrote), then is gone; its pid."""
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from rehearsal import killed_runs\n"
        "workdir = Path(sys.argv[1])\n"
        "workdir.mkdir()\n"
        "killed_runs.mark(workdir, 'lab-local')\n"
        "if len(sys.argv) > 2:\n"
        "    path = Path(sys.argv[2])\n"
        "    path.write_text('# firehose-lab offline lab\\n')\n"
        "    killed_runs.mark_env_file(workdir, path, os.stat(path))\n"
    )
    args = [str(workdir)] + ([str(env_file)] if env_file else [])
    run = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0
    return json.loads((workdir / killed_runs.MARKER).read_text())["pid"]


def test_a_killed_runs_work_directory_and_env_file_are_removed_and_said(tmp_path):
    temp, checkout = tmp_path / "tmp", tmp_path / "checkout"
    temp.mkdir()
    checkout.mkdir()
    workdir, env_file = temp / "firehose-lab-local-abc", checkout / "lab-local.env"
    pid = run_that_was_killed(workdir, env_file)
    (workdir / "instance" / "run").mkdir(parents=True)
    assert killed_runs.clean(temp) == [
        f"removed what `make lab-local` left when it was killed (pid {pid}): its work directory {workdir} (the sandbox "
        f"with it) and its env file {env_file}"
    ]
    assert not workdir.exists() and not env_file.exists()
    assert killed_runs.clean(temp) == []


def test_an_env_file_replaced_since_is_not_the_runs(tmp_path):
    workdir, env_file = tmp_path / "firehose-lab-local-abc", tmp_path / "lab-local.env"
    pid = run_that_was_killed(workdir, env_file)
    env_file.unlink()
    env_file.write_text("export MY_OWN=1\n")
    assert killed_runs.clean(tmp_path) == [
        f"removed what `make lab-local` left when it was killed (pid {pid}): its work directory {workdir} (the "
        "sandbox with it)"
    ]
    assert env_file.read_text() == "export MY_OWN=1\n"


def test_a_live_runs_work_directory_is_never_touched(tmp_path):
    workdir = tmp_path / "firehose-lab-local-live"
    workdir.mkdir()
    killed_runs.mark(workdir, "lab-local")  # this process: alive
    assert killed_runs.clean(tmp_path) == []
    assert (workdir / killed_runs.MARKER).exists()


def test_a_pid_held_by_another_process_now_is_not_the_run(tmp_path):
    """The system reuses pids: the run is its pid and that pid's start time."""
    workdir = tmp_path / "firehose-rehearsal-abc"
    run_that_was_killed(workdir)
    marker = workdir / killed_runs.MARKER
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "pid": os.getpid()}))
    assert killed_runs.clean(tmp_path) == [
        f"removed what `make lab-local` left when it was killed (pid {os.getpid()}): its work directory {workdir} (the "
        "sandbox with it)"
    ]


def test_what_is_not_a_runs_work_directory_is_left_alone(tmp_path):
    unmarked = tmp_path / "firehose-lab-local-unmarked"
    unmarked.mkdir()
    elsewhere = tmp_path / "elsewhere"
    run_that_was_killed(elsewhere)
    (tmp_path / "firehose-lab-local-link").symlink_to(elsewhere)
    garbled = tmp_path / "firehose-lab-local-garbled"
    garbled.mkdir()
    (garbled / killed_runs.MARKER).write_text("{not json")
    assert killed_runs.clean(tmp_path) == []
    assert unmarked.exists() and elsewhere.exists() and garbled.exists()


def test_a_spanish_student_is_told_in_spanish_what_was_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_LANG", "es")
    temp, checkout = tmp_path / "tmp", tmp_path / "checkout"
    temp.mkdir()
    checkout.mkdir()
    workdir, env_file = temp / "firehose-lab-local-abc", checkout / "lab-local.env"
    pid = run_that_was_killed(workdir, env_file)
    other = temp / "firehose-rehearsal-def"
    other_pid = run_that_was_killed(other)
    assert killed_runs.clean(temp) == [
        f"se borró lo que dejó `make lab-local` cuando lo terminaron a la fuerza (pid {pid}): su directorio de trabajo "
        f"{workdir} (con el entorno aislado) y su archivo de entorno {env_file}",
        f"se borró lo que dejó `make lab-local` cuando lo terminaron a la fuerza (pid {other_pid}): su directorio de "
        f"trabajo {other} (con el entorno aislado)",
    ]


@pytest.mark.parametrize("across_accounts", [False, True])
def test_a_class_rehearsal_marks_its_work_directory_as_its_runs(across_accounts):
    """`make rehearse-class` (with or without ACCOUNTS) runs through cli.run, which marks the work directory with the
    run's label: the class rehearsals had none, and stopped on it with a traceback before their first phase."""
    out = io.StringIO()
    if across_accounts:
        rehearsal = StackSetClassRehearsal(accounts=1, clock_scale=1, context=[], out=out)
    else:
        rehearsal = ClassRehearsal(students=1, clock_scale=1, context=[], concurrency=1, out=out)
    marks = []
    code = cli.run(
        rehearsal,
        lambda workdir: marks.append(json.loads((workdir / killed_runs.MARKER).read_text())),
        workdir_prefix="firehose-class-marked-",
        passed=lambda: "passed",
        stopped=lambda result, stop: [],
    )
    assert code == 0, out.getvalue()
    assert [(mark["label"], mark["pid"]) for mark in marks] == [("rehearse-class", os.getpid())]
