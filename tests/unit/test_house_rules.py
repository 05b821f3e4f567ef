"""The house rules hold on every file: ruff's lint and format (ruff.toml), as a newcomer's editor applies them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from labctl.toolkit import ROOT

RUFF = Path(sys.executable).parent / "ruff"


@pytest.mark.parametrize("command", [["check", "--output-format", "concise"], ["format", "--check"]])
def test_ruff_finds_nothing(command):
    run = subprocess.run([str(RUFF), *command, "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (
        f"{run.stdout}{run.stderr}\nfix: .venv/bin/ruff check --fix . && .venv/bin/ruff format ."
    )


def test_ruff_does_find_a_broken_rule(tmp_path):
    """Guards the test above: the same config, a file that breaks it."""
    (tmp_path / "ruff.toml").write_text((ROOT / "ruff.toml").read_text())
    (tmp_path / "bad.py").write_text("from typing import Optional\nimport os\nx: Optional[int] = None\n")
    run = subprocess.run(
        [str(RUFF), "check", "--output-format", "concise", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "F401" in run.stdout and "UP045" in run.stdout
