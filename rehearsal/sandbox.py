"""Run the lab instance's real user-data in a sandbox directory instead of on Amazon Linux 2023.

The script runs as written, with two changes only:
- absolute paths under /opt, /etc and /var are moved under the sandbox root (a chroot made of text, so no root
  privileges or mount namespaces are needed);
- OS-level commands are stood in for by shims first on PATH: `dnf` (packages are already here), `systemctl`
  (starts the unit's ExecStart as a background process), `aws s3 cp` (boto3 against the emulator), and the
  instance's Python (service.INSTANCE_PYTHON: this interpreter; venvs it creates see this venv's packages, and
  pip may not download).
Everything else — downloading the asset, unpacking it, creating the venv, writing the unit — really happens.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from producer.service import INSTANCE_PYTHON
from rehearsal.stopping import kill_process_group, stops_deferred

_MOVED_ROOTS = re.compile(r"(?<![\w./$-])/(opt|etc|var)/")

_SHIM_HEADER = f"#!{sys.executable}\n"

_DNF = """
import sys
print("[sandbox] dnf " + " ".join(sys.argv[1:]) + ": packages are provided by the rehearsal venv", file=sys.stderr)
"""

_PYTHON = """
import os, site, subprocess, sys
args = sys.argv[1:]
code = subprocess.call([sys.executable, *args])
if code == 0 and args[:2] == ["-m", "venv"]:
    # The new venv sees this venv's packages (boto3 ...), so `pip install -r` finds them installed.
    target = os.path.abspath(args[-1])
    version = "python%d.%d" % sys.version_info[:2]
    pth = os.path.join(target, "lib", version, "site-packages", "rehearsal-parent.pth")
    with open(pth, "w") as handle:
        handle.write("\\n".join(site.getsitepackages()) + "\\n")
sys.exit(code)
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

_SYSTEMCTL = """
import configparser, os, shlex, subprocess, sys
root = os.environ["SANDBOX_ROOT"]
args = [a for a in sys.argv[1:] if not a.startswith("-") or a == "--now"]
if args[:1] == ["daemon-reload"]:
    sys.exit(0)
if args[:2] != ["enable", "--now"] or len(args) != 3:
    sys.exit("[sandbox] systemctl: only daemon-reload and enable --now UNIT are stood in for")
unit_name = args[2]
unit = configparser.ConfigParser(interpolation=None, strict=False)
unit.optionxform = str
unit.read(os.path.join(root, "etc", "systemd", "system", unit_name))
service = unit["Service"]
state = service.get("StateDirectory")
if state:
    os.makedirs(os.path.join(root, "var", "lib", state), exist_ok=True)
log_dir = os.path.join(root, "var", "log")
os.makedirs(log_dir, exist_ok=True)
log = open(os.path.join(log_dir, unit_name + ".log"), "ab")
process = subprocess.Popen(
    shlex.split(service["ExecStart"]), cwd=service.get("WorkingDirectory", "/"),
    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
)
run_dir = os.path.join(root, "run")
os.makedirs(run_dir, exist_ok=True)
with open(os.path.join(run_dir, unit_name + ".pid"), "w") as handle:
    handle.write(str(process.pid))
print(f"[sandbox] systemctl enable --now {unit_name}: started pid {process.pid}", file=sys.stderr)
"""

SHIMS = {"dnf": _DNF, INSTANCE_PYTHON: _PYTHON, "aws": _AWS, "systemctl": _SYSTEMCTL}


def sandboxed_script(script: str, root: Path) -> str:
    """The user-data with its absolute /opt, /etc and /var paths moved under `root`."""
    return _MOVED_ROOTS.sub(lambda match: f"{root}/{match.group(1)}/", script)


@dataclass
class Service:
    """A unit the systemctl shim started: its pid and log, stoppable like `systemctl stop`."""

    name: str
    pid: int
    log: Path

    def running(self) -> bool:
        try:
            finished, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            # Not our child (started by the shim): probe it instead.
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return False
            return not _is_zombie(self.pid)
        return finished == 0

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM, wait like TimeoutStopSec, then SIGKILL the whole process group."""
        if not self.running():
            return
        os.killpg(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.running():
            os.killpg(self.pid, signal.SIGKILL)


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
            **env,
            "PATH": f"{self.bin}{os.pathsep}{env.get('PATH', os.environ['PATH'])}",
            "SANDBOX_ROOT": str(self.root),
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        # Its own process group, killed whole if the rehearsal stops: pip or a shim must not outlive it.
        script = None
        try:
            with stops_deferred():
                script = subprocess.Popen(["bash", str(path)], env=run_env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True, cwd=self.root, start_new_session=True)
            stdout, stderr = script.communicate(timeout=timeout)
        except BaseException:
            if script is not None:
                kill_process_group(script)
                script.stdout.close()
                script.stderr.close()
            raise
        return subprocess.CompletedProcess(script.args, script.returncode, stdout, stderr)

    def service(self, unit_name: str) -> Optional[Service]:
        pid_file = self.root / "run" / f"{unit_name}.pid"
        if not pid_file.exists():
            return None
        return Service(unit_name, int(pid_file.read_text()), self.root / "var" / "log" / f"{unit_name}.log")

    def host_path(self, instance_path: str) -> Path:
        """Where a file the script sees at `instance_path` (under /opt, /etc or /var) really is."""
        return Path(sandboxed_script(instance_path, self.root))
