"""The user-data sandbox: the script's own paths move under the sandbox root, nothing else changes; its systemd
ends the lab's service as systemd does, and the service's stop-when-done script powers the OS off only when the
run ended by itself."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from labctl.toolkit import ROOT
from producer import service as contract
from producer import wheelhouse
from rehearsal.emulator.clock import ScaledClock
from rehearsal.sandbox import Sandbox, sandboxed_script
from support.processes import processes_with_environment, survivors

PRODUCER_DIR = ROOT / "producer"


def test_instance_paths_move_under_the_root():
    script = "mkdir -p /opt/firehose-lab\ncat > /etc/systemd/system/x.service <<'UNIT'\nStateDirectory=x\n"
    moved = sandboxed_script(script, Path("/tmp/box"))
    assert "mkdir -p /tmp/box/opt/firehose-lab" in moved
    assert "cat > /tmp/box/etc/systemd/system/x.service" in moved


def test_urls_and_relative_paths_are_left_alone():
    script = "aws s3 cp 's3://bucket/opt/key.zip' x/opt/y\nhttps://example.invalid/etc/z\n"
    assert sandboxed_script(script, Path("/tmp/box")) == script


def test_the_os_commands_are_stood_in_for_and_a_unit_starts_in_the_background(tmp_path):
    sandbox = Sandbox(tmp_path)
    script = """#!/bin/bash
set -euo pipefail
dnf install -y python3.11
mkdir -p /opt/lab
cat > /etc/systemd/system/lab.service <<'UNIT'
[Service]
WorkingDirectory=/opt/lab
ExecStart=/bin/sleep 30
StateDirectory=lab
UNIT
systemctl daemon-reload
systemctl enable --now lab.service
"""
    run = sandbox.run_user_data(script, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert "[sandbox] dnf install -y python3.11" in run.stderr
    service = sandbox.service("lab.service")
    try:
        assert service.running()
        assert (tmp_path / "var" / "lib" / "lab").is_dir()
    finally:
        service.stop()
    assert not service.running()


def start_lab_unit(sandbox, exec_start, **service_settings):
    """Boot like the lab's user-data: the real stop-when-done script, a unit that runs it as ExecStopPost."""
    settings = "\n".join(f"{key}={value}" for key, value in service_settings.items())
    script = f"""#!/bin/bash
set -euo pipefail
mkdir -p /opt/firehose-lab
cat > {contract.STOP_WHEN_DONE_PATH} <<'SCRIPT'
{contract.stop_when_done_script()}
SCRIPT
chmod 755 {contract.STOP_WHEN_DONE_PATH}
cat > {contract.UNIT_PATH} <<'UNIT'
[Service]
WorkingDirectory=/opt/firehose-lab
ExecStart={exec_start}
ExecStopPost=+{contract.STOP_WHEN_DONE_PATH}
{settings}
UNIT
systemctl daemon-reload
systemctl enable --now {contract.UNIT_NAME}
"""
    run = sandbox.run_user_data(script, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    return sandbox.service(contract.UNIT_NAME)


def wait_for_the_end(service, timeout_s=30):
    """Until the unit is inactive (its ExecStopPost done); the deadline only bounds a hung test."""
    deadline = time.monotonic() + timeout_s
    while (service.running() or service.unit.supervisor() is not None) and time.monotonic() < deadline:
        time.sleep(0.05)
    return service.result()


def test_a_run_that_ends_by_itself_powers_the_os_off(tmp_path):
    sandbox = Sandbox(tmp_path)
    service = start_lab_unit(sandbox, "/bin/sleep 0.5")
    result = wait_for_the_end(service)
    assert result == {
        "SERVICE_RESULT": "success",
        "EXIT_CODE": "exited",
        "EXIT_STATUS": "0",
        "ExecStopPost": [0],
        "job": None,
    }
    assert sandbox.halted()
    assert "producer run over (success, exited 0): powering off" in service.log.read_text()


def test_a_failed_run_powers_the_os_off_too(tmp_path):
    sandbox = Sandbox(tmp_path)
    service = start_lab_unit(sandbox, "/bin/sh -c 'exit 3'")
    assert wait_for_the_end(service)["SERVICE_RESULT"] == "exit-code"
    assert sandbox.halted()


@pytest.mark.parametrize("command", ["stop", "restart"])
def test_a_stop_or_restart_someone_asks_for_leaves_the_os_up(tmp_path, command):
    sandbox = Sandbox(tmp_path)
    service = start_lab_unit(sandbox, "/bin/sleep 30")
    run = sandbox.run_user_data(f"systemctl {command} {contract.UNIT_NAME}\n", env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert not sandbox.halted()
    assert service.result() == {
        "SERVICE_RESULT": "success",
        "EXIT_CODE": "killed",
        "EXIT_STATUS": "TERM",
        "ExecStopPost": [0],
        "job": command,
    }
    assert "stopped on request (success): the instance stays up" in service.log.read_text()
    again = sandbox.service(contract.UNIT_NAME)
    try:
        assert (again is not None and again.running()) == (command == "restart")
    finally:
        if again is not None:
            again.stop()


def test_runtime_max_sec_is_timed_on_the_rehearsals_clock_and_its_end_powers_off(tmp_path):
    clock = ScaledClock()
    clock.reset(0.001)  # an hour passes in 3.6 s
    sandbox = Sandbox(tmp_path)
    clock.publish(sandbox.clock_file)
    service = start_lab_unit(sandbox, "/bin/sleep 300", RuntimeMaxSec=3600, TimeoutStopSec=5)
    result = wait_for_the_end(service)
    assert (result["SERVICE_RESULT"], result["EXIT_CODE"], result["EXIT_STATUS"]) == ("timeout", "killed", "TERM")
    assert sandbox.halted()
    assert "RuntimeMaxSec=3600s reached on the rehearsal's clock" in service.log.read_text()


def test_a_process_that_ignores_sigterm_is_killed_after_timeout_stop_sec(tmp_path):
    sandbox = Sandbox(tmp_path)
    service = start_lab_unit(sandbox, "/bin/sh -c 'trap \"\" TERM; sleep 30 & wait; sleep 30'", TimeoutStopSec=1)
    started = time.monotonic()
    service.stop()
    assert time.monotonic() - started < 10
    assert service.result()["SERVICE_RESULT"] == "timeout" and service.result()["EXIT_STATUS"] == "KILL"
    assert not sandbox.halted()


def install_script(*pip_args: str) -> str:
    """The user-data's install steps: a venv, then pip, then the venv's botocore version."""
    return f"""#!/bin/bash
set -euo pipefail
{contract.INSTANCE_PYTHON} -m venv {contract.VENV_DIR}
{" ".join(pip_args)}
{contract.VENV_DIR}/bin/python -c 'import boto3, botocore; print(botocore.__version__, boto3.__file__)'
"""


def test_the_instance_installs_the_producers_locked_wheels_offline(tmp_path):
    # What the asset unpacks to: the lock and the wheels, nothing from this venv.
    code = Path(f"{tmp_path}{contract.CODE_DIR}")
    code.mkdir(parents=True)
    shutil.copy(PRODUCER_DIR / wheelhouse.LOCK_NAME, code / wheelhouse.LOCK_NAME)
    shutil.copytree(PRODUCER_DIR / wheelhouse.WHEELS_NAME, code / wheelhouse.WHEELS_NAME)
    locked = {entry.name: entry.version for entry in wheelhouse.read_lock(code / wheelhouse.LOCK_NAME)}

    run = Sandbox(tmp_path).run_user_data(install_script(*contract.install_args()), env=dict(os.environ))

    assert run.returncode == 0, run.stderr
    version, boto3_file = run.stdout.split()
    assert version == locked["botocore"]
    assert boto3_file.startswith(f"{tmp_path}{contract.VENV_DIR}/")


def test_the_sandbox_has_no_package_index(tmp_path):
    # A user-data that asked an index for its packages would fail here, whatever pip configuration the host has.
    pip = f"{contract.VENV_DIR}/bin/pip install --retries 0 --timeout 2 boto3"
    host_env = {**os.environ, "PIP_INDEX_URL": "https://pypi.org/simple"}
    run = Sandbox(tmp_path).run_user_data(install_script(pip), env=host_env)
    assert run.returncode != 0
    assert "No matching distribution found for boto3" in run.stderr


def test_the_units_die_with_the_process_that_runs_the_sandbox(tmp_path):
    """lab-local killed outright (SIGKILL) stops nothing itself: its sandbox's systemd and the service it runs end
    on their own, the supervisor (started by the `systemctl` shim, which is gone by then) watching lab-local, the
    service told by the kernel when its supervisor dies."""
    tag = uuid.uuid4().hex
    owner_code = f"""
import os, sys, time
from pathlib import Path
from rehearsal.sandbox import Sandbox
sandbox = Sandbox(Path(sys.argv[1]))
env = {{"PATH": "/usr/bin:/bin", "FIREHOSE_LAB_TEST_TAG": os.environ["FIREHOSE_LAB_TEST_TAG"]}}
run = sandbox.run_user_data({UNIT_SCRIPT!r}, env=env)
print(run.returncode, run.stderr.replace("\\n", " "), flush=True)
time.sleep(300)
"""
    owner = subprocess.Popen(
        [sys.executable, "-c", owner_code, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), TAG: tag},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout.readline().startswith("0 "), "the unit did not start"
        started = Sandbox(tmp_path).service("lab.service")
        assert started.running() and started.unit.supervisor() is not None
        assert {str(started.pid), str(started.unit.supervisor())} <= set(processes_with_environment(TAG, tag))
        owner.kill()
        owner.wait()
        assert survivors(TAG, tag) == []
    finally:
        owner.kill()
        for pid in processes_with_environment(TAG, tag):
            os.kill(int(pid), signal.SIGKILL)


TAG = "FIREHOSE_LAB_TEST_TAG"
UNIT_SCRIPT = """#!/bin/bash
set -euo pipefail
cat > /etc/systemd/system/lab.service <<'UNIT'
[Service]
ExecStart=/bin/sleep 300
UNIT
systemctl enable --now lab.service
"""
