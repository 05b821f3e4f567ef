"""The student kit: the student part of the project for AWS CloudShell, no CDK and no Node in it.

What `lab verify`, `lab watch`, `lab query` and `lab status` need: labctl, the producer's code (verify sends with it;
not its wheels), the plain modules of lab_stack labctl reads (settings, names, the roster, sizes: no CDK) and their
Spanish catalog, cdk.json (the settings' defaults), requirements-student.lock (boto3, pyarrow, rich and what they
need, hashed), and two scripts: `install.sh` makes a venv of that lock with Python 3.11 (CloudShell runs Amazon Linux
2023, whose `python3` is older than the 3.11 the project needs; `dnf` installs python3.11, and only $HOME outlives a
CloudShell session, so the script puts it back each session), and `lab`, which runs a labctl command on the caller's
own lab, named after their IAM user (a class's users are named like their labs).

The class stack publishes it as a CDK asset (one zip object in the account's CDK asset bucket, readable by the
class's students only: student_access.py), and each handout says how to fetch and install it.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from lab_stack.outputs import add_outputs

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("labctl", "producer")
# lab_stack's modules labctl imports (none of them imports aws_cdk: tests/unit/test_layout.py).
STACK_MODULES = (
    "__init__",
    "config",
    "i18n",
    "names",
    "roster",
    "sizing",
    "class_config",
    "stackset_config",
    "stackset_operations",
    "published_assets",
)
FILES = ("cdk.json", "requirements-student.lock", "LICENSE")
LEFT_OUT = ("__pycache__", "*.pyc", "wheels", "requirements.lock", "requirements.txt", "README.md")

INSTALL = """#!/usr/bin/env bash
# firehose-lab's student kit in AWS CloudShell: Python 3.11 and a venv of the locked packages (no CDK, no Node).
# Run it once, and again in each new CloudShell session (only $HOME is kept between sessions).
set -euo pipefail
kit="$(cd "$(dirname "$0")" && pwd)"
command -v python3.11 >/dev/null || sudo dnf install -y -q python3.11
"$kit/.venv/bin/python" -c "" 2>/dev/null || python3.11 -m venv --clear "$kit/.venv"
"$kit/.venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \\
  --require-hashes --only-binary=:all: -r "$kit/requirements-student.lock"
chmod +x "$kit/lab"
echo "ready: $kit/lab status"
"""

LAB = """#!/usr/bin/env bash
# Run a labctl command on your own lab: lab status | lab watch --objects 1 | lab verify | lab query ["top tickers"]
set -euo pipefail
kit="$(cd "$(dirname "$0")" && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 status|watch|verify|query|cost [options]" >&2; exit 2; }
me='import boto3; print(boto3.client("sts").get_caller_identity()["Arn"].rsplit("/", 1)[-1])'
lab="$("$kit/.venv/bin/python" -c "$me")"
command="$1"
shift
cd "$kit"
exec .venv/bin/python -m labctl "$command" -c "labName=$lab" "$@"
"""


def build_kit(into: Path) -> Path:
    """The kit's files in `into` (a new directory), as the zip holds them."""
    into.mkdir()
    ignore = shutil.ignore_patterns(*LEFT_OUT)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, into / package, ignore=ignore)
    (into / "lab_stack").mkdir()
    for module in STACK_MODULES:
        shutil.copy(ROOT / "lab_stack" / f"{module}.py", into / "lab_stack" / f"{module}.py")
    shutil.copytree(ROOT / "lab_stack" / "locale", into / "lab_stack" / "locale", ignore=ignore)  # settings' Spanish
    for name in FILES:
        shutil.copy(ROOT / name, into / name)
    (into / "install.sh").write_text(INSTALL)
    (into / "lab").write_text(LAB)
    return into


class StudentKit(Construct):
    """The kit as an asset of the class stack; `object_arn` is what the students' policy lets them read."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        staging = Path(tempfile.mkdtemp(prefix="firehose-student-kit-"))
        atexit.register(shutil.rmtree, staging, ignore_errors=True)
        self.asset = s3_assets.Asset(self, "Zip", path=str(build_kit(staging / "kit")))
        self.object_arn = self.asset.bucket.arn_for_objects(self.asset.s3_object_key)
        add_outputs(
            self,
            {"StudentKit": (self.asset.s3_object_url, "The student kit (CloudShell): see each student's handout")},
        )
