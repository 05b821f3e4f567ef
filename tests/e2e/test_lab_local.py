"""`make lab-local`: the offline lab stays up until stopped, and leaves nothing behind however it ends.

The whole life of the lab (up, the guide's commands against it, Ctrl-C, destroy, nothing left) is walked by
tests/e2e/test_guide.py; here are the parts a guide cannot show: SIGTERM and SIGHUP, bad arguments, a stop while the
lab is still coming up, Ctrl-C while a query runs away, and a SIGKILL, after which no process of it lives on and the
next start removes its files.
Its env file's own rules are tests/cli/test_lab_local_env_file.py.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import signal
import socket
import stat
import sys
import time
import uuid

import boto3
import pytest
from botocore.config import Config

from labctl.lab import find_lab
from rehearsal.emulator.athena import TIMEOUT_ENV
from rehearsal.lab_local import LocalLab
from rehearsal.stopping import Stopped, stop_on_signals
from support.emulator.athena import RUNAWAY, execution_when
from support.lab_local import lab_local, read_until, rest
from support.processes import describe, processes_with_environment, survivors


def test_the_env_lines_point_the_aws_cli_and_boto3_at_the_emulator_as_the_student():
    local = LocalLab(context=[], clock_scale=0.1)
    local.lab.emulator.port = 4566
    local.lab.student = {"aws_access_key_id": "AKIASTUDENT", "aws_secret_access_key": "s3cr3t+/"}
    lines = local.student_env()
    assert lines[0].startswith("unset AWS_PROFILE ")
    assert {
        "export AWS_ENDPOINT_URL=http://127.0.0.1:4566",
        "export AWS_ACCESS_KEY_ID=AKIASTUDENT",
        "export AWS_SECRET_ACCESS_KEY=s3cr3t+/",
        "export AWS_REGION=us-east-1",
        "export AWS_DEFAULT_REGION=us-east-1",
        "export FIREHOSE_LAB_CLOCK_SCALE=0.1",
    } <= set(lines)
    assert lines[-1] == f'export PATH={os.path.dirname(sys.executable)}:"$PATH"'


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_sigterm_and_sighup_stop_the_lab_as_ctrl_c_does(signum):
    lab = LocalLab(context=[], clock_scale=1, out=io.StringIO())

    def hung_up():
        lab.out = open(os.devnull, "w")

    with pytest.raises(Stopped) as stopped, stop_on_signals(on_hangup=hung_up):
        os.kill(os.getpid(), signum)
        time.sleep(5)
    assert stopped.value.signum == signum
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored
    # After a hang-up the terminal is gone: what is left to say goes nowhere, instead of failing the teardown.
    assert (getattr(lab.out, "name", None) == os.devnull) == (signum == signal.SIGHUP)


@pytest.mark.parametrize(
    "args, env, line",
    [
        (["--clock-scale", "0"], {}, "lab-local: --clock-scale must be in (0, 1]"),
        (
            ["-c", "bufferSizeMiB=0"],
            {},
            "firehose-lab: invalid bufferSizeMiB='0': must be a whole number of MiB from 1 to 128",
        ),
        (
            [],
            {TIMEOUT_ENV: "abc"},
            f"firehose-lab: invalid {TIMEOUT_ENV}='abc': must be a number of seconds above 0, at most 14400 "
            "(Athena's largest DML query timeout, 240 minutes)",
        ),
    ],
)
def test_bad_arguments_are_one_line_before_anything_starts(tmp_path, args, env, line):
    run = lab_local(*args, cwd=tmp_path, **env)
    err = rest(run, timeout=60)
    assert run.returncode == 2
    assert err.strip().splitlines() == [line]
    assert list(tmp_path.iterdir()) == []


ANOTHER = 'write another: make lab-local LAB_LOCAL_ARGS="--env-file PATH"'


def refused(tmp_path, *args: str) -> tuple[int, list[str]]:
    """Run lab-local from tmp_path; (exit code, stderr lines) once it ends. A lab-local that starts a lab instead
    is stopped after a minute, so the test fails instead of hanging (or blocking on a named pipe for ever)."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    run = lab_local(*args, cwd=tmp_path, TMPDIR=str(scratch))
    try:
        err = rest(run, timeout=60)
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGTERM)
            run.wait(timeout=300)
    assert list(scratch.iterdir()) == [], "something started"
    return run.returncode, err.strip().splitlines()


def test_a_named_pipe_as_env_file_is_refused_at_once(tmp_path):
    pipe = tmp_path / "lab-local.env"
    os.mkfifo(pipe)
    code, lines = refused(tmp_path)
    assert code == 2
    assert lines == [
        "lab-local: lab-local.env is a named pipe, not a file: lab-local writes its env lines only to a file of its "
        f"own; {ANOTHER}"
    ]
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_a_dangling_link_as_env_file_is_refused_and_nothing_written_where_it_points(tmp_path):
    target = tmp_path / "elsewhere" / "keys"
    target.parent.mkdir()
    (tmp_path / "lab-local.env").symlink_to(target)
    code, lines = refused(tmp_path)
    assert code == 2
    assert lines == [
        f"lab-local: lab-local.env is a symbolic link (to {target}), not a file: lab-local writes its env lines only "
        f"to a file of its own; {ANOTHER}"
    ]
    assert list(target.parent.iterdir()) == []


def test_an_env_file_it_did_not_write_stops_it_before_anything_starts(tmp_path):
    (tmp_path / "lab-local.env").write_text("export MY_OWN=1\n")
    code, lines = refused(tmp_path)
    assert code == 2
    assert lines == [f"lab-local: lab-local.env exists and was not written by make lab-local: remove it, or {ANOTHER}"]
    assert (tmp_path / "lab-local.env").read_text() == "export MY_OWN=1\n"


def test_sigterm_while_coming_up_names_the_phase_and_leaves_nothing(tmp_path):
    """Stopped during `cdk bootstrap`: exit 128 + SIGTERM, the phase named, no traceback, port freed, sandbox gone."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    run = lab_local(cwd=tmp_path, TMPDIR=str(scratch))
    seen = read_until(run, "cdk bootstrap ...")
    run.send_signal(signal.SIGTERM)
    err = seen + rest(run)
    assert run.returncode == 128 + signal.SIGTERM, err
    assert "[lab-local] SIGTERM in phase cdk bootstrap: stopped" in err
    assert "Traceback" not in err
    assert list(scratch.iterdir()) == []
    assert not (tmp_path / "lab-local.env").exists()
    port = int(re.search(r"emulator on http://127.0.0.1:(\d+)", err).group(1))
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def test_a_spanish_student_gets_the_lab_in_spanish_from_up_to_nothing_left(tmp_path):
    """LAB_LANG=es: the announcement, the way to the Spanish guide, Ctrl-C's teardown and the phase table in Spanish;
    the env file's lines stay what the shell reads."""
    run = lab_local("--clock-scale", "0.1", cwd=tmp_path, LAB_LANG="es")
    try:
        seen = read_until(run, "Ctrl-C aquí desmonta el laboratorio")
        assert "[lab-local] el laboratorio está listo: stack FirehoseLab en el emulador en http://127.0.0.1:" in seen
        assert "[lab-local]   productor: 10 eventos/s durante 60 min, como en la instancia; su log: /" in seen
        assert "[lab-local] luego: make watch, make verify, aws s3 ls ... (mira docs/guia-es.md)" in seen
        assert "[lab-local]   export AWS_REGION=us-east-1" in seen
        run.send_signal(signal.SIGINT)
        err = rest(run, timeout=300)
    finally:
        run.kill()
    assert run.returncode == 0, seen + err
    assert "[lab-local] SIGINT: desmontando el laboratorio" in err
    assert "[lab-local] no queda nada salvo el stack de bootstrap de CDK (CDKToolkit)" in err
    assert re.search(r"\[lab-local]   laboratorio en pie, hasta Ctrl-C +\d+,\ds  bien\n", err), err
    assert err.strip().splitlines()[-1] == "[lab-local] el laboratorio estuvo en pie y luego se destruyó; no queda nada"


TAG = "FIREHOSE_LAB_TEST_TAG"


def test_a_killed_lab_local_leaves_no_process_and_the_next_start_removes_its_files(tmp_path):
    """SIGKILL (or the OOM killer) runs no clean-up. Every process lab-local started dies with it anyway: the
    sandbox's systemd and the producer it runs included (here within seconds; without that, for up to
    producerMinutes). Its files cannot: the next start removes its work directory and its env file, and says so."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env_file = tmp_path / "lab-local.env"
    tag = uuid.uuid4().hex
    killed = lab_local("--clock-scale", "0.1", cwd=tmp_path, TMPDIR=str(scratch), **{TAG: tag})
    try:
        read_until(killed, "the lab is up")
        started = " | ".join(describe(pid) for pid in processes_with_environment(TAG, tag))
        assert "rehearsal.systemd supervise" in started and "-m producer" in started, started
        (workdir,) = scratch.iterdir()
        assert env_file.exists()
        killed.kill()
        killed.wait()
        assert survivors(TAG, tag) == []
        assert workdir.exists() and env_file.exists()  # what only the next start can remove
    finally:
        killed.kill()
        for pid in processes_with_environment(TAG, tag):
            os.kill(int(pid), signal.SIGKILL)
    after = lab_local(cwd=tmp_path, TMPDIR=str(scratch))
    try:
        seen = read_until(after, "cdk bootstrap ...")
        assert (
            f"[lab-local] removed what `make lab-local` left when it was killed (pid {killed.pid}): its work directory "
            f"{workdir} (the sandbox with it) and its env file {env_file}\n"
        ) in seen
        assert not workdir.exists() and not env_file.exists()
        after.send_signal(signal.SIGTERM)
        seen += rest(after)
    finally:
        after.kill()
    assert after.returncode == 128 + signal.SIGTERM, seen
    assert list(scratch.iterdir()) == []


def env_lines(path) -> dict[str, str]:
    """The variables the env file exports."""
    found = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and not line.startswith("export PATH="):
            name, _, value = line[len("export ") :].partition("=")
            found[name] = shlex.split(value)[0]
    return found


def test_ctrl_c_with_a_runaway_query_running_takes_the_lab_down_cleanly(tmp_path):
    """A query that would run for hours does not outlive the lab: Ctrl-C ends it, the lab goes down as always
    (exit 0, nothing left), and the process exits with no abort."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    tag = uuid.uuid4().hex
    run = lab_local("--clock-scale", "0.1", cwd=tmp_path, TMPDIR=str(scratch), **{TAG: tag})
    try:
        seen = read_until(run, "Ctrl-C here takes the lab down")
        student = env_lines(tmp_path / "lab-local.env")
        session = boto3.Session(
            aws_access_key_id=student["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=student["AWS_SECRET_ACCESS_KEY"],
            region_name=student["AWS_REGION"],
        )
        endpoint = student["AWS_ENDPOINT_URL"]
        lab = find_lab(session.client("cloudformation", endpoint_url=endpoint), "FirehoseLab")
        athena = session.client("athena", endpoint_url=endpoint, config=Config(read_timeout=30))
        query_id = athena.start_query_execution(
            QueryString=RUNAWAY,
            QueryExecutionContext={"Database": lab.events_table.split(".")[0]},
            WorkGroup=lab.workgroup,
        )["QueryExecutionId"]
        execution_when(athena, query_id, ("RUNNING",))
        run.send_signal(signal.SIGINT)
        err = seen + rest(run, timeout=600)
    finally:
        if run.poll() is None:  # a lab that does not end is stopped here, not left to the next test
            run.terminate()
            run.wait(timeout=600)
    assert run.returncode == 0, err
    assert "the lab was up, then destroyed; nothing left behind" in err
    assert "Traceback" not in err
    assert survivors(TAG, tag) == []
    assert list(scratch.iterdir()) == []
    assert not (tmp_path / "lab-local.env").exists()
    port = int(endpoint.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
