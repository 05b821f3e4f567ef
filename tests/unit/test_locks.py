"""Works on any day: every Python environment is its lock, exactly (versions and hashes), and the lab instance
installs the producer from the locked wheels its asset carries, with no package index."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
from pathlib import Path

import pytest
from packaging.markers import Marker

from labctl.toolkit import ROOT
from producer import service, wheelhouse
from producer.wheelhouse import Locked, canonical_name, read_lock

DEV_LOCK = ROOT / "requirements-dev.lock"
UV_LOCK = ROOT / "requirements-uv.lock"
PRODUCER_DIR = ROOT / "producer"
PRODUCER_LOCK = PRODUCER_DIR / wheelhouse.LOCK_NAME
STUDENT_LOCK = ROOT / "requirements-student.lock"


def applies(entry: Locked) -> bool:
    return entry.marker is None or Marker(entry.marker).evaluate()


def installed() -> dict[str, str]:
    return {canonical_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}


def pins(requirements: Path) -> dict[str, str]:
    """The `name==version` lines of a hand-written requirements file and the files it includes with -r."""
    found: dict[str, str] = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found.update(pins(requirements.parent / line[3:].strip()))
        elif "==" in line:
            name, version = line.split("==")
            found[canonical_name(re.sub(r"\[.*\]", "", name))] = version
    return found


def test_the_venv_is_exactly_the_dev_lock():
    locked = {entry.name: entry.version for entry in read_lock(DEV_LOCK) if applies(entry)}
    present = installed()
    extra = sorted(f"{name}=={version}" for name, version in present.items() if name not in locked)
    differing = sorted(
        f"{name}: lock {locked[name]}, venv {present.get(name)}" for name in locked if present.get(name) != locked[name]
    )
    assert (extra, differing) == ([], []), "run `make setup` (the venv must be requirements-dev.lock)"


@pytest.mark.parametrize(
    "requirements, lock",
    [
        ("requirements-dev.txt", DEV_LOCK),
        ("requirements-uv.txt", UV_LOCK),
        ("producer/requirements.txt", PRODUCER_LOCK),
        ("requirements-student.txt", STUDENT_LOCK),
    ],
)
def test_each_lock_holds_the_versions_its_requirements_pin(requirements, lock):
    locked = {entry.name: entry.version for entry in read_lock(lock)}
    wanted = pins(ROOT / requirements)
    assert wanted, requirements
    stale = {name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version}
    assert stale == {}, f"{lock.name} is older than {requirements}: run `make lock`"


@pytest.mark.parametrize("lock", [UV_LOCK, PRODUCER_LOCK, STUDENT_LOCK])
def test_the_smaller_locks_take_the_dev_locks_very_files(lock):
    # The rehearsal's sandbox installs the producer's lock and talks to the emulator the tests run: one botocore.
    dev = {entry.name: entry for entry in read_lock(DEV_LOCK)}
    for entry in read_lock(lock):
        assert entry.name in dev, entry.name
        assert (entry.version, entry.hashes) == (dev[entry.name].version, dev[entry.name].hashes), entry.name


def test_a_requirement_without_hashes_is_refused(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("boto3==1.44.8\n")
    with pytest.raises(wheelhouse.WheelhouseError, match="not a pinned, hashed requirement"):
        read_lock(lock)


def test_the_producer_carries_exactly_its_locked_wheels():
    assert wheelhouse.problem(PRODUCER_DIR) is None
    names = {wheelhouse.wheel_name(path)[0] for path in (PRODUCER_DIR / wheelhouse.WHEELS_NAME).glob("*.whl")}
    assert names == {entry.name for entry in read_lock(PRODUCER_LOCK)}
    assert {"boto3", "botocore", "s3transfer"} <= names


@pytest.fixture
def producer_copy(tmp_path):
    copy = tmp_path / "producer"
    copy.mkdir()
    shutil.copy(PRODUCER_LOCK, copy / wheelhouse.LOCK_NAME)
    shutil.copytree(PRODUCER_DIR / wheelhouse.WHEELS_NAME, copy / wheelhouse.WHEELS_NAME)
    return copy


def test_a_missing_wheel_directory_names_make_setup(tmp_path):
    (tmp_path / wheelhouse.LOCK_NAME).write_text(PRODUCER_LOCK.read_text())
    assert re.fullmatch(r".*wheels is missing .*: run `make setup`", wheelhouse.problem(tmp_path))


def test_a_missing_wheel_is_named(producer_copy):
    next((producer_copy / wheelhouse.WHEELS_NAME).glob("six-*.whl")).unlink()
    assert "lacks the wheels of six" in wheelhouse.problem(producer_copy)


def test_a_wheel_the_lock_does_not_hold_is_refused(producer_copy):
    (producer_copy / wheelhouse.WHEELS_NAME / "requests-2.0.0-py3-none-any.whl").write_bytes(b"PK")
    assert "requests-2.0.0-py3-none-any.whl is not in" in wheelhouse.problem(producer_copy)


def test_a_changed_wheel_fails_its_hash(producer_copy):
    wheel = next((producer_copy / wheelhouse.WHEELS_NAME).glob("boto3-*.whl"))
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    assert "does not match the hashes" in wheelhouse.problem(producer_copy)


def test_the_instance_installs_from_the_asset_with_no_index():
    command = service.install_args()
    assert {"--no-index", "--require-hashes", "--only-binary"} <= set(command)
    assert command[command.index("--find-links") + 1] == f"{service.CODE_DIR}/{wheelhouse.WHEELS_NAME}"
    assert command[command.index("-r") + 1] == f"{service.CODE_DIR}/{wheelhouse.LOCK_NAME}"
    assert not any("index-url" in arg or "pypi" in arg for arg in command)
