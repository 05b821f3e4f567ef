"""cfn-lint (the real CLI) finds nothing in the synthesized templates: no error, warning or informational."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]


@pytest.mark.parametrize(
    "lab", ["default_lab", "custom_lab", "parquet_lab", "partitioned_lab", "parquet_partitioned_lab"]
)
def test_cfn_lint_is_clean(lab, request, tmp_path):
    _, template = request.getfixturevalue(lab)
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template.to_json()))
    result = subprocess.run([str(CFN_LINT), "--regions", *REGIONS, "--", str(path)], capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_cfn_lint_does_catch_a_broken_template(tmp_path):
    """Guards the test above: the linter runs and fails on a real mistake."""
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Nope": 1}}}}))
    result = subprocess.run([str(CFN_LINT), "--", str(path)], capture_output=True, text=True)
    assert result.returncode != 0 and "Nope" in result.stdout
