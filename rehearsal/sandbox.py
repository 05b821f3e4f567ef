"""Run the lab instance's real user-data in a sandbox directory instead of on Amazon Linux 2023.

The script runs as written, with two changes only:
- absolute paths under /opt, /etc and /var are moved under the sandbox root (a chroot made of text, so no root
  privileges or mount namespaces are needed);
- OS-level commands are stood in for by shims first on PATH: `dnf` (packages are already here), `systemctl`
  (rehearsal/systemd.py: runs the unit as systemd would, ExecStopPost and `poweroff` included), `aws s3 cp`
  (boto3 against the emulator), and the instance's Python (service.INSTANCE_PYTHON: this interpreter).
Everything else — downloading the asset, unpacking it, creating the venv, installing the asset's locked wheels into
it with the user-data's own pip command, writing the unit — really happens. The script gets no pip configuration
and no package index (a closed port stands in for one), so an install that is not offline fails here. Units
time RuntimeMaxSec on the rehearsal's clock as published to `clock_file`; a `poweroff` leaves `halted()` true.
Nothing in the sandbox outlives the process that runs it (SANDBOX_OWNER), even one killed outright: the script's
process group dies with it (lifeline.py), and the units' supervisor watches it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from producer.service import INSTANCE_PYTHON
from rehearsal import systemd
from rehearsal.stopping import run_guarded

_MOVED_ROOTS = re.compile(r"(?<![\w./$-])/(opt|etc|var)/")

_SHIM_HEADER = f"#!{sys.executable}\n"

# The sandbox's package index: a port nothing listens on (discard), so a pip that is not --no-index fails at once.
NO_INDEX = "http://127.0.0.1:9/simple"

_DNF = """
import sys
print("[sandbox] dnf " + " ".join(sys.argv[1:]) + ": stood in for (the instance's Python is the rehearsal's)",
      file=sys.stderr)
"""

_PYTHON = """
import subprocess, sys
sys.exit(subprocess.call([sys.executable, *sys.argv[1:]]))
"""

_AWS = """
import sys
from urllib.parse import urlparse
import boto3
args = sys.argv[1:]
if args[:2] != ["s3", "cp"]:
    sys.exit("[sandbox] aws: only `aws s3 cp s3://... FILE` is stood in for, not: " + " ".join(args))
source, target = args[2], args[3]
region = args[args.index("--region") + 1] if "--region" in args else None
url = urlparse(source)
boto3.client("s3", region_name=region).download_file(url.netloc, url.path.lstrip("/"), target)
print(f"[sandbox] aws s3 cp {source} -> {target}", file=sys.stderr)
"""

_SYSTEMCTL = f"""
import os, sys
sys.path.insert(0, {str(systemd.ROOT)!r})
from rehearsal.systemd import systemctl
sys.exit(systemctl(sys.argv[1:], os.environ["SANDBOX_ROOT"]))
"""

SHIMS = {"dnf": _DNF, INSTANCE_PYTHON: _PYTHON, "aws": _AWS, "systemctl": _SYSTEMCTL}


def sandboxed_script(script: str, root: Path) -> str:
    """The user-data with its absolute /opt, /etc and /var paths moved under `root`."""
    return _MOVED_ROOTS.sub(lambda match: f"{root}/{match.group(1)}/", script)


@dataclass
class Service:
    """A unit the sandbox's systemd runs: its main process and log; `stop()` is `systemctl stop`."""

    unit: systemd.Unit
    pid: int

    @property
    def name(self) -> str:
        return self.unit.name

    @property
    def log(self) -> Path:
        return self.unit.log

    def running(self) -> bool:
        try:
            finished, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            # Not our child (started by the supervisor): probe it instead.
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return False
            return not _is_zombie(self.pid)
        return finished == 0

    def stop(self) -> None:
        """`systemctl stop`: a stop job, SIGTERM, SIGKILL after TimeoutStopSec, ExecStopPost; waits for the end."""
        systemd.stop(self.unit, "stop")

    def kill(self) -> None:
        """Last-resort cleanup: SIGKILL the main process and the supervisor (each its own process group), if alive."""
        for pid in (self.pid if self.running() else None, self.unit.supervisor()):
            if pid is not None:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def result(self) -> dict | None:
        """How the last run ended (SERVICE_RESULT, EXIT_CODE, EXIT_STATUS, ExecStopPost's exit codes, the job)."""
        return json.loads(self.unit.result.read_text()) if self.unit.result.exists() else None


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (OSError, IndexError):
        return False


class Sandbox:
    """A directory standing in for the instance's filesystem, with the shims that stand in for its OS."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "sandbox-bin"
        self.bin.mkdir(parents=True, exist_ok=True)
        self.clock_file = root / "run" / "clock.json"
        for directory in ("etc/systemd/system", "opt", "var/lib", "var/log", "run"):
            (root / directory).mkdir(parents=True, exist_ok=True)
        for name, body in SHIMS.items():
            shim = self.bin / name
            shim.write_text(_SHIM_HEADER + textwrap.dedent(body))
            shim.chmod(0o755)

    def run_user_data(
        self, script: str, *, env: Mapping[str, str], timeout: float = 300.0
    ) -> subprocess.CompletedProcess:
        """Run the (sandboxed) user-data with bash, as cloud-init would, and return its output."""
        path = self.root / "user-data.sh"
        path.write_text(sandboxed_script(script, self.root))
        run_env = {
            **{name: value for name, value in env.items() if not name.startswith("PIP_")},
            "PATH": f"{self.bin}{os.pathsep}{env.get('PATH', os.environ['PATH'])}",
            "SANDBOX_ROOT": str(self.root),
            "SANDBOX_CLOCK": str(self.clock_file),
            "SANDBOX_OWNER": str(os.getpid()),
            # As on a fresh instance: no pip configuration, and no index to fall back to.
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_INDEX_URL": NO_INDEX,
        }
        # Its own process group, killed whole if the rehearsal stops or dies: pip or a shim must not outlive it.
        return run_guarded(["bash", str(path)], env=run_env, cwd=self.root, timeout=timeout)

    def service(self, unit_name: str) -> Service | None:
        """The unit, if the sandbox's systemd started it and it is still active."""
        unit = systemd.Unit(self.root, unit_name)
        if not unit.main_pid.exists():
            return None
        return Service(unit, int(unit.main_pid.read_text()))

    def halted(self) -> bool:
        """Whether something in the sandbox powered the OS off (`systemctl poweroff`)."""
        return systemd.halted_marker(self.root).exists()

    def host_path(self, instance_path: str) -> Path:
        """Where a file the script sees at `instance_path` (under /opt, /etc or /var) really is."""
        return Path(sandboxed_script(instance_path, self.root))
