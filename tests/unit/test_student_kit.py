"""The student kit: the student part of the project (labctl, the producer's code, lab_stack's plain modules and the
student lock), which runs with no CDK, no Node and nothing the lock does not hold."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from lab_stack.student_kit import build_kit
from producer.wheelhouse import canonical_name, read_lock

# What the kit's code may import besides the standard library and itself: the student lock's packages.
IMPORT_NAMES = {"dateutil": "python-dateutil", "yaml": "pyyaml"}


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    return build_kit(tmp_path_factory.mktemp("kit") / "kit")


def test_the_kit_holds_the_student_part_only(kit):
    names = {p.relative_to(kit).as_posix() for p in kit.rglob("*") if p.is_file()}
    assert {"install.sh", "lab", "cdk.json", "requirements-student.lock", "labctl/__main__.py"} <= names
    assert not any(n.startswith(("rehearsal/", "tests/", "producer/wheels/")) or n.endswith(".pyc") for n in names)
    catalog = {f"lab_stack/locale/es/LC_MESSAGES/lab_stack.{kind}" for kind in ("po", "mo")}  # its Spanish
    plain = ("__init__", "config", "i18n", "names", "roster", "sizing", "class_config")
    across_accounts = ("stackset_config", "stackset_operations", "published_assets")  # labctl's class command reads
    assert {n for n in names if n.startswith("lab_stack/")} == catalog | {
        f"lab_stack/{m}.py" for m in plain + across_accounts
    }


def test_its_code_imports_only_the_standard_library_itself_and_the_lock(kit):
    locked = {entry.name for entry in read_lock(kit / "requirements-student.lock")}
    ours = {"labctl", "producer", "lab_stack"}
    foreign = set()
    for path in kit.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                package = canonical_name(IMPORT_NAMES.get(top, top))
                if top not in sys.stdlib_module_names and top not in ours and package not in locked:
                    foreign.add(f"{path.relative_to(kit)}: {top}")
    assert sorted(foreign) == []


def test_every_labctl_command_starts_from_the_kit_alone_without_the_cdk(kit):
    """Run from the kit's directory, without PYTHONPATH or user site (-E -s): nothing of the checkout on the path."""
    probe = (
        "import sys, labctl.__main__; "
        "loaded = sorted(n for n in sys.modules if n.split('.')[0] in ('aws_cdk', 'jsii', 'constructs', 'rehearsal')); "
        "assert not loaded, loaded"
    )
    run = subprocess.run([sys.executable, "-E", "-s", "-c", probe], cwd=kit, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    command = [sys.executable, "-E", "-s", "-m", "labctl", "class", "cost", "--students", "2"]
    cost = subprocess.run(command, cwd=kit, capture_output=True, text=True)
    assert cost.returncode == 0 and "class of 2 labs" in cost.stdout, cost.stderr


def test_the_scripts_are_valid_bash(kit):
    for script in ("install.sh", "lab"):
        assert subprocess.run(["bash", "-n", str(kit / script)]).returncode == 0
