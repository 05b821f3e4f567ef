"""The IAM oracle: @cloud-copilot/iam-simulate (npm, AGPL-3.0-or-later, a test-only devDependency) decides cases
for the differential tests of the emulator's IAM engine. Runs tests/support/iam_oracle.mjs on the venv's Node."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from rehearsal.emulator.iam import Policies, Request

SCRIPT = Path(__file__).with_name("iam_oracle.mjs")
NODE = Path(sys.executable).parent / "node"


def oracle_case(request: Request, policies: Policies) -> dict:
    """The oracle's input for one request: one resource-based and one session policy at most (it takes one)."""
    if len(policies.resource) > 1 or (policies.session is not None and len(policies.session) != 1):
        raise ValueError("the oracle takes one resource-based policy and one session policy")
    owner = request.resource_account or request.principal.account
    if owner is None:
        raise ValueError("a service principal's request needs resource_account")
    return {
        "principal": request.principal.arn,
        "action": request.action,
        "resource": request.resource,
        "resourceAccount": owner,
        "context": {key: value if isinstance(value, str) else list(value) for key, value in request.context.items()},
        "identity": list(policies.identity),
        "resourcePolicy": policies.resource[0] if policies.resource else None,
        "boundary": policies.boundary,
        "session": policies.session[0] if policies.session else None,
        "scps": [list(level) for level in policies.scps] if policies.scps is not None else None,
    }


def oracle_decisions(cases: Sequence[Mapping], repeat: int = 1) -> list[dict]:
    """Each case's {"result": Allowed | ExplicitlyDenied | ImplicitlyDenied, "ignoredContextKeys", "ms"} or
    {"error"}."""
    run = subprocess.run(
        [str(NODE), str(SCRIPT)],
        input=json.dumps({"cases": list(cases), "repeat": repeat}),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(run.stdout)
