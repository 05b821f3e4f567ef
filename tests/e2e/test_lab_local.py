"""`make lab-local`: the offline lab stays up until stopped, and its env file is its own.

The whole life of the lab (up, the guide's commands against it, Ctrl-C, destroy, nothing left) is walked by
tests/e2e/test_guide.py; here are the parts a guide cannot show: whose env file it is, SIGTERM and SIGHUP,
bad arguments, and a stop while the lab is still coming up.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from labctl.toolkit import ROOT
from rehearsal.lab_local import EnvFile, EnvFileTaken, LocalLab
from rehearsal.stopping import Stopped, stop_on_signals


def lab_local(*args: str, cwd, **env: str) -> subprocess.Popen:
    """`make lab-local` run from `cwd` (where it writes its env file)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))},
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "rehearsal.lab_local", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_the_env_file_is_written_with_its_owner_and_removed_only_by_it(tmp_path):
    env_file = EnvFile(tmp_path / "lab-local.env")
    env_file.write(["export AWS_REGION=us-east-1"])
    assert env_file.owner() == os.getpid()
    assert "export AWS_REGION=us-east-1\n" in env_file.path.read_text()
    env_file.remove()
    assert not env_file.path.exists()


def test_a_file_it_did_not_write_is_never_overwritten(tmp_path):
    theirs = tmp_path / "lab-local.env"
    theirs.write_text("export MY_OWN=1\n")
    with pytest.raises(EnvFileTaken, match="was not written by make lab-local"):
        EnvFile(theirs).write(["export AWS_REGION=us-east-1"])
    EnvFile(theirs).remove()
    assert theirs.read_text() == "export MY_OWN=1\n"


def test_a_running_lab_keeps_its_file_and_a_dead_ones_is_replaced(tmp_path):
    path = tmp_path / "lab-local.env"
    path.write_text(f"# firehose-lab offline lab, pid {os.getppid()}: written by `make lab-local`\n")
    with pytest.raises(EnvFileTaken, match=f"another offline lab \\(pid {os.getppid()}\\) is running"):
        EnvFile(path).claim()
    path.write_text(f"# firehose-lab offline lab, pid {dead_pid()}: written by `make lab-local`\n")
    EnvFile(path).write(["export AWS_REGION=us-east-1"])
    assert EnvFile(path).owner() == os.getpid()


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
    "args, line",
    [
        (["--clock-scale", "0"], "lab-local: --clock-scale must be in (0, 1]"),
        (
            ["-c", "bufferSizeMiB=0"],
            "firehose-lab: invalid bufferSizeMiB='0': must be a whole number of MiB from 1 to 128",
        ),
    ],
)
def test_bad_arguments_are_one_line_before_anything_starts(tmp_path, args, line):
    run = lab_local(*args, cwd=tmp_path)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 2
    assert err.strip().splitlines() == [line]
    assert list(tmp_path.iterdir()) == []


def test_an_env_file_it_did_not_write_stops_it_before_anything_starts(tmp_path):
    (tmp_path / "lab-local.env").write_text("export MY_OWN=1\n")
    run = lab_local(cwd=tmp_path)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 2
    assert err.strip().splitlines() == [
        "lab-local: lab-local.env exists and was not written by make lab-local: remove it, or write another: "
        'make lab-local LAB_LOCAL_ARGS="--env-file PATH"'
    ]
    assert (tmp_path / "lab-local.env").read_text() == "export MY_OWN=1\n"


def test_sigterm_while_coming_up_names_the_phase_and_leaves_nothing(tmp_path):
    """Stopped during `cdk bootstrap`: exit 128 + SIGTERM, the phase named, no traceback, port freed, sandbox gone."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    run = lab_local(cwd=tmp_path, TMPDIR=str(scratch))
    seen = ""
    while "cdk bootstrap ..." not in seen:
        line = run.stderr.readline()
        assert line, f"ended before bootstrap: {seen}"
        seen += line
    run.send_signal(signal.SIGTERM)
    out, err = run.communicate(timeout=120)
    err = seen + err
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
    seen = ""
    while "Ctrl-C aquí desmonta el laboratorio" not in seen:
        line = run.stderr.readline()
        assert line, f"ended before it was up: {seen}"
        seen += line
    assert "[lab-local] el laboratorio está listo: stack FirehoseLab en el emulador en http://127.0.0.1:" in seen
    assert "[lab-local]   productor: 10 eventos/s durante 60 min, como en la instancia; su log: /" in seen
    assert "[lab-local] luego: make watch, make verify, aws s3 ls ... (mira docs/guia-es.md)" in seen
    assert "[lab-local]   export AWS_REGION=us-east-1" in seen
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, seen + err
    assert "[lab-local] SIGINT: desmontando el laboratorio" in err
    assert "[lab-local] no queda nada salvo el stack de bootstrap de CDK (CDKToolkit)" in err
    assert re.search(r"\[lab-local]   laboratorio en pie, hasta Ctrl-C +\d+,\ds  bien\n", err), err
    assert err.strip().splitlines()[-1] == "[lab-local] el laboratorio estuvo en pie y luego se destruyó; no queda nada"
