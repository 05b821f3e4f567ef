"""The user-data sandbox: the script's own paths move under the sandbox root, nothing else changes."""

from __future__ import annotations

from pathlib import Path

from rehearsal.sandbox import Sandbox, sandboxed_script


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
        service.stop(timeout=5)
    assert not service.running()
