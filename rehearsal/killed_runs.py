"""What a run killed outright leaves on disk, and how the next start removes it.

A SIGKILL (or the OOM killer) gives `make lab-local` or `make rehearse` no chance to clean up. Its processes go
with it (lifeline.py); its files cannot: its work directory (the sandbox, the CDK CLI's output) and lab-local's env
file. So each run writes MARKER into its work directory as soon as it has one: its label, its pid and that pid's
start time (so that a pid the system has since given to another process is not taken for the run), and, once
written, its env file with what tells that file from another (`identity`). Every start first looks through the
temporary folder for earlier runs' work directories (folders of this user named firehose-*, not links, holding a
marker): a run whose process is gone has its work directory removed, and its env file too while that path still
holds the very file it wrote; a live run's are never touched, nor anything without a marker.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

from rehearsal.i18n import _

MARKER = "run.json"
_WORKDIRS = "firehose-*"


def mark(workdir: Path, label: str) -> None:
    """Say that `workdir` is this process's, `make {label}`'s, for the start after a kill."""
    _write(workdir, {"label": label, "pid": os.getpid(), "started": started(os.getpid())})


def mark_env_file(workdir: Path, path: Path, written: os.stat_result) -> None:
    """Add the env file this run wrote (`written`: its stat once written) to its marker."""
    marker = json.loads((workdir / MARKER).read_text())
    marker["env_file"] = {"path": os.path.abspath(path), "identity": identity(written)}
    _write(workdir, marker)


def identity(info: os.stat_result) -> list[int]:
    """What tells a file from one put at its path since: its device and inode (a new file may get the inode of one
    just deleted), with its size and the time it was last written."""
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns]


def _write(workdir: Path, marker: dict) -> None:
    draft = workdir / f".{MARKER}.new"
    draft.write_text(json.dumps(marker))
    os.replace(draft, workdir / MARKER)  # a kill mid-write leaves the previous marker whole


def started(pid: int) -> str | None:
    """When process `pid` started, in clock ticks since boot (/proc/PID/stat, field 22); None without /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[19]


def gone(pid: int, start: str | None) -> bool:
    """Whether the process that was `pid`, started at `start`, has ended (a zombie has; a new process on the same
    pid is another one)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return True  # another user's process now: ours was a run of this user
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False  # no /proc: the pid exists, so the run may
    return state in ("Z", "X") or (start is not None and started(pid) != start)


def clean(temp_dir: Path) -> list[str]:
    """Remove what killed runs left in `temp_dir` (and their env files); one line for each run cleaned up."""
    said = []
    for workdir in sorted(Path(temp_dir).glob(_WORKDIRS)):
        marker = _marker(workdir)
        if marker is None or not gone(marker["pid"], marker.get("started")):
            continue
        env_file = marker.get("env_file")
        if env_file and remove_if_same(Path(env_file["path"]), env_file["identity"]):
            removed = _("its work directory {workdir} (the sandbox with it) and its env file {env_file}").format(
                workdir=workdir, env_file=env_file["path"]
            )
        else:
            removed = _("its work directory {workdir} (the sandbox with it)").format(workdir=workdir)
        shutil.rmtree(workdir, ignore_errors=True)  # another start may be removing it too
        said.append(
            _("removed what `make {command}` left when it was killed (pid {pid}): {removed}").format(
                command=marker["label"], pid=marker["pid"], removed=removed
            )
        )
    return said


def _marker(workdir: Path) -> dict | None:
    """The run's marker, if `workdir` is a run's work directory of this user (a folder, not a link)."""
    try:
        info = os.lstat(workdir)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return None
        marker = json.loads((workdir / MARKER).read_text())
        return marker if isinstance(marker.get("pid"), int) and isinstance(marker.get("label"), str) else None
    except (OSError, ValueError, AttributeError):
        return None


def remove_if_same(path: Path, same: list[int]) -> bool:
    """Remove `path` if it is still the regular file of that `identity`, not a file put there since."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or identity(info) != list(same):
            return False
        path.unlink()
    except FileNotFoundError:
        return False
    return True
