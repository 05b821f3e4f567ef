"""Shared set-up: jsii must run on the venv's Node LTS, stacks are synthesized once per session (per xdist worker),
and everything under tests/e2e/ is marked e2e (`make test` leaves it to `make test-all`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from support.synth import CLASS_ROSTER, CUSTOM_SETTINGS, PARQUET_SETTINGS, PARTITIONED_SETTINGS, class_synth, synth

E2E = Path(__file__).resolve().parent / "e2e"

# jsii starts `node` from PATH on first import of aws_cdk: put the venv's Node 24 first (no EOL banner).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
# The specification is written in the lab's English, whatever the machine's locale (LANG=es_MX would make the lab speak
# Spanish, producer/i18n.py); a test that wants Spanish sets LAB_LANG=es itself. Commands the tests start inherit it.
os.environ["LAB_LANG"] = "en"


@pytest.fixture(scope="session")
def default_lab():
    """The lab with every setting at its default."""
    return synth()


@pytest.fixture(scope="session")
def template(default_lab):
    return default_lab[1]


@pytest.fixture(scope="session")
def custom_lab():
    return synth(**CUSTOM_SETTINGS)


@pytest.fixture(scope="session")
def parquet_lab():
    return synth(**PARQUET_SETTINGS)


@pytest.fixture(scope="session")
def parquet_template(parquet_lab):
    return parquet_lab[1]


@pytest.fixture(scope="session")
def partitioned_lab():
    return synth(**PARTITIONED_SETTINGS)


@pytest.fixture(scope="session")
def parquet_partitioned_lab():
    """Both at once, as the guide's second lab (docs/guide-en.md, exercise 9)."""
    return synth(**PARQUET_SETTINGS, **PARTITIONED_SETTINGS)


@pytest.fixture(scope="session")
def class_lab(tmp_path_factory):
    """(app, class stack, {student id: lab stack}) of a class of three (support/synth.py's CLASS_ROSTER)."""
    roster = tmp_path_factory.mktemp("class") / "roster.csv"
    roster.write_text(CLASS_ROSTER)
    return class_synth(roster)


def pytest_collection_modifyitems(items):
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)
