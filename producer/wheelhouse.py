"""The producer's dependencies as the lab instance installs them: the locked wheels its asset carries.

`make setup` downloads the wheels of producer/requirements.lock (hashes checked) into producer/wheels/; the asset
carries them, and the instance's user-data installs them with `pip --no-index --require-hashes` (service.py), so
boot needs no package index and gets the same files on any day. The rehearsal's sandbox installs the very same
asset. Synth refuses a wheel directory that is not exactly the lock (`problem`), naming the fix.

The lock is the text `uv pip compile --generate-hashes` writes (`make lock`): one `name==version [; marker]`
requirement per package, its `--hash=sha256:` lines, `#` comments. Standard library only: this module ships.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = "requirements.lock"
WHEELS_NAME = "wheels"
# make's stamp in the wheel directory (not a wheel; the asset leaves it out).
STAMP_NAME = ".installed"

_REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+?)\s*(?:;\s*(?P<marker>.+?))?\s*$")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


class WheelhouseError(RuntimeError):
    """The wheel directory is not what the lock says; str() is the one line shown to the user."""


@dataclass(frozen=True)
class Locked:
    """One package of a lock: exact version, the environments it applies to, and every file hash allowed."""

    name: str
    version: str
    marker: str | None
    hashes: frozenset[str]


def canonical_name(name: str) -> str:
    """PEP 503's normalized name: `Python_Dateutil` and `python-dateutil` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> list[Locked]:
    """The packages of a hashed lock; a requirement without an exact version or without hashes is an error."""
    entries: list[Locked] = []
    logical = ""
    for line in path.read_text().splitlines() + [""]:
        stripped = line.split("#", 1)[0].rstrip() if not line.lstrip().startswith("--hash") else line.strip()
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        logical += stripped
        if logical.strip():
            entries.append(_locked(logical.strip(), path))
        logical = ""
    return entries


def _locked(text: str, path: Path) -> Locked:
    requirement, _, _ = text.partition(" --hash")
    match = _REQUIREMENT.match(requirement)
    hashes = frozenset(_HASH.findall(text))
    if match is None or not hashes:
        raise WheelhouseError(f"{path}: '{requirement}' is not a pinned, hashed requirement: run `make lock`")
    return Locked(canonical_name(match["name"]), match["version"], match["marker"], hashes)


def wheel_name(path: Path) -> tuple[str, str]:
    """(canonical name, version) from a wheel's file name (the wheel spec's `name-version-…-tag.whl`)."""
    name, version = path.name.split("-")[:2]
    return canonical_name(name), version


def problem(producer_dir: Path) -> str | None:
    """What is wrong with `producer_dir`'s wheels against its lock, in one line, or None: each locked package
    has exactly one wheel whose sha256 the lock allows, and nothing else is there."""
    wheels_dir = producer_dir / WHEELS_NAME
    lock = producer_dir / LOCK_NAME
    fix = "run `make setup`"
    if not wheels_dir.is_dir():
        return f"{wheels_dir} is missing (the lab instance installs the producer's locked wheels from it): {fix}"
    locked = {entry.name: entry for entry in read_lock(lock)}
    found: dict[str, Path] = {}
    for path in sorted(wheels_dir.iterdir()):
        if path.name == STAMP_NAME:
            continue
        name, version = wheel_name(path) if path.suffix == ".whl" else (path.name, "")
        entry = locked.get(name)
        if entry is None or entry.version != version or name in found:
            return f"{path} is not in {lock}: {fix}"
        if hashlib.sha256(path.read_bytes()).hexdigest() not in entry.hashes:
            return f"{path} does not match the hashes in {lock}: {fix}"
        found[name] = path
    missing = sorted(set(locked) - set(found))
    if missing:
        return f"{wheels_dir} lacks the wheels of {', '.join(missing)} from {lock}: {fix}"
    return None


def check(producer_dir: Path) -> None:
    """Raise WheelhouseError unless `producer_dir` carries exactly its locked wheels."""
    found = problem(producer_dir)
    if found is not None:
        raise WheelhouseError(found)
