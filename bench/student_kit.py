"""The student kit's install, measured as a student would run it in AWS CloudShell: the zip's size, then `install.sh`
(a Python 3.11 venv, `pip install --require-hashes` of requirements-student.lock from PyPI), its time and the disk it
takes (CloudShell keeps 1 GB of $HOME). Needs PyPI; run: .venv/bin/python bench/student_kit.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab_stack.student_kit import build_kit  # noqa: E402


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="student-kit-bench-") as work:
        work = Path(work)
        kit = build_kit(work / "source")
        archive = work / "lab-kit.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted(kit.rglob("*")):
                out.write(path, path.relative_to(kit))
        home = work / "home"
        home.mkdir()
        # As the handout says: unpack with the system Python, then install.sh (python3.11 is this interpreter).
        subprocess.run([sys.executable, "-m", "zipfile", "-e", str(archive), str(home / "lab-kit")], check=True)
        shims = work / "bin"
        shims.mkdir()
        (shims / "python3.11").symlink_to(sys.executable)
        env = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}", "PIP_NO_CACHE_DIR": "1"}
        started = time.monotonic()
        subprocess.run(["bash", str(home / "lab-kit" / "install.sh")], check=True, env=env)
        first = time.monotonic() - started
        started = time.monotonic()
        subprocess.run(["bash", str(home / "lab-kit" / "install.sh")], check=True, env=env)
        again = time.monotonic() - started
        check = subprocess.run(
            [str(home / "lab-kit" / ".venv" / "bin" / "python"), "-m", "labctl", "class", "cost", "--students", "1"],
            cwd=home / "lab-kit",
            capture_output=True,
            text=True,
        )
        print(f"kit zip: {archive.stat().st_size / 1024:.0f} KiB ({sum(1 for _ in kit.rglob('*.py'))} Python files)")
        print(f"install.sh, first run (a venv, the lock's wheels from PyPI): {first:.1f} s")
        print(f"install.sh, a new session's run (all installed already): {again:.1f} s")
        print(f"disk in $HOME after install: {size(home) / 1024**2:.0f} MiB of CloudShell's 1024 MiB")
        print(f"labctl runs from it: {'yes' if check.returncode == 0 else 'NO: ' + check.stderr}")
        shutil.rmtree(home)
    return 0


if __name__ == "__main__":
    sys.exit(main())
