"""The tree's rooms keep to their jobs: what each package may import, and no import cycles among our modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from labctl.toolkit import ROOT

PACKAGES = ("producer", "lab_stack", "labctl", "rehearsal")
CDK = ("aws_cdk", "constructs", "cdk_nag")
AWS_SDK = ("boto3", "botocore")
# package: top-level imports it must not make, and why
FORBIDDEN = {
    "producer": (CDK + ("lab_stack", "labctl", "rehearsal", "moto"), "runs on the instance with boto3 only"),
    "lab_stack": (AWS_SDK + ("labctl", "rehearsal", "moto"), "infrastructure: synth makes no AWS call"),
    "labctl": (CDK + ("rehearsal", "moto"), "user commands need no CDK and no emulator"),
    "rehearsal": (CDK, "drives the real CDK CLI from outside the app"),
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path) -> set[str]:
    """Absolute names of everything `path` imports, at any depth (functions included), relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


@pytest.fixture(scope="module")
def graph():
    ours = modules()
    return {name: {i for i in imports_of(name, path) if i in ours and i != name} for name, path in ours.items()}


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_only_what_its_job_allows(package):
    banned, why = FORBIDDEN[package]
    offenders = {
        f"{name} imports {imported}"
        for name, path in modules().items()
        if name.split(".")[0] == package
        for imported in imports_of(name, path)
        if imported.split(".")[0] in banned
    }
    assert offenders == set(), f"{package} {why}"


def test_user_commands_import_no_module_of_the_stack_that_loads_the_cdk(graph):
    """labctl reads lab_stack's plain modules (settings, names, the roster); one that imports aws_cdk would start
    jsii's Node process in every command, and a student's light install (no CDK) could not run it."""
    ours = modules()
    loads_cdk = {name for name, path in ours.items() if any(i.split(".")[0] in CDK for i in imports_of(name, path))}
    offenders = sorted(
        f"{name} imports {imported}"
        for name, imported_names in graph.items()
        if name.split(".")[0] == "labctl"
        for imported in imported_names
        if imported in loads_cdk
    )
    assert offenders == []


def test_the_stack_reads_the_event_contract_not_the_sample_generator():
    """The Glue table's columns and ticker partition come from producer/schema.py; producer/events.py only makes
    sample data."""
    offenders = sorted(
        f"{name} imports {imported}"
        for name, path in modules().items()
        if name.startswith("lab_stack")
        for imported in imports_of(name, path)
        if imported.startswith("producer.events")
    )
    assert offenders == []


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None. A package importing its own submodules (re-exports) is fine."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        for nxt in sorted(graph[module]):
            if nxt.startswith(module + "."):
                continue
            if nxt in path:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in done:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        done.add(module)
        return None

    for start in sorted(graph):
        if start not in done and (cycle := visit(start, [start])):
            return cycle
    return None


def test_there_is_no_import_cycle_among_our_modules(graph):
    assert find_cycle(graph) is None


def test_a_cycle_would_be_found():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"p": {"p.x"}, "p.x": {"p"}}) is None


def test_the_layout_check_does_see_imports(graph):
    """Guards the tests above: the graph holds the edges we know exist."""
    assert "producer.service" in graph["lab_stack.producer_host"]
    assert "labctl.verify" in graph["rehearsal.rehearse"]
    assert "rehearsal.emulator.server" in graph["rehearsal.emulator"]
    assert "rehearsal.emulator.firehose" in graph["rehearsal.analytics"]


EMULATOR = "rehearsal.emulator"


def test_the_emulator_imports_nothing_of_the_rehearsal_around_it(graph):
    offenders = {
        f"{name} imports {imported}"
        for name, imported_names in graph.items()
        if name == EMULATOR or name.startswith(EMULATOR + ".")
        for imported in imported_names
        if imported.startswith("rehearsal") and not (imported == EMULATOR or imported.startswith(EMULATOR + "."))
    }
    assert offenders == set()


def test_the_rest_of_the_tree_uses_only_what_an_emulator_service_package_exports(graph):
    """Outside rehearsal/emulator/, `rehearsal.emulator.firehose` is fine, `rehearsal.emulator.firehose.settings`
    is not."""
    offenders = {
        f"{name} imports {imported}"
        for name, imported_names in graph.items()
        if not name.startswith(EMULATOR)
        for imported in imported_names
        if imported.startswith(EMULATOR + ".") and len(imported.split(".")) > 3
    }
    assert offenders == set()


TIERS = ("unit", "emulator", "cli", "e2e")


def test_tests_share_code_only_through_support():
    """A test module imports no other test module and not conftest: what two tests share lives in tests/support/."""
    tests = ROOT / "tests"
    offenders = sorted(
        f"{path.relative_to(tests)} imports {imported}"
        for path in tests.rglob("*.py")
        for imported in imports_of(path.stem, path)
        if imported.split(".")[0].startswith("test_") or imported.split(".")[0] == "conftest"
    )
    assert offenders == []


def test_every_test_module_is_in_a_tier():
    tests = ROOT / "tests"
    assert sorted({path.parent.name for path in tests.rglob("test_*.py")}) == sorted(TIERS)
