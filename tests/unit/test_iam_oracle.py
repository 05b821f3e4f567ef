"""The emulator's IAM engine against an independent oracle: @cloud-copilot/iam-simulate (npm, AGPL-3.0-or-later,
a test-only devDependency: only tests/support/iam_oracle.mjs imports it) decides the documented cases and a few
hundred generated ones. Where the two disagree on a documented case, the case says from the AWS docs why the oracle
is the one that errs (tests/support/iam_cases.py, oracle_differs); on generated cases they must agree."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from labctl.toolkit import ROOT
from rehearsal.emulator.iam import Unevaluated, evaluate
from rehearsal.emulator.iam.conditions import OPERATORS
from support.iam_cases import ALLOW, DOCUMENTED, EXPLICIT, IMPLICIT, UNEVALUATED
from support.iam_generated import generated_cases
from support.iam_oracle import oracle_case, oracle_decisions

SEED, COUNT = 20, 400
ORACLE_OUTCOMES = {"Allowed": ALLOW, "ExplicitlyDenied": EXPLICIT, "ImplicitlyDenied": IMPLICIT}
PUT_TO_ORACLE = [case for case in DOCUMENTED if not case.oracle_cannot]
GENERATED = generated_cases(SEED, COUNT)


def engine(request, policies) -> str:
    try:
        decision = evaluate(request, policies)
    except Unevaluated:
        return UNEVALUATED
    if decision.allowed:
        return ALLOW
    return EXPLICIT if decision.reason.startswith("explicitly denied by ") else IMPLICIT


@pytest.fixture(scope="module")
def oracle():
    """Every case's oracle outcome, from one run of the oracle."""
    cases = [*PUT_TO_ORACLE, *GENERATED]
    answers = oracle_decisions([oracle_case(case.request, case.policies) for case in cases])
    assert [answer.get("error") for answer in answers if "error" in answer] == []
    assert [answer["ignoredContextKeys"] for answer in answers if answer["ignoredContextKeys"]] == [], (
        "the oracle dropped context keys it does not know for the action: pick keys valid for it"
    )
    return {id(case): ORACLE_OUTCOMES[answer["result"]] for case, answer in zip(cases, answers)}


@pytest.mark.parametrize("case", PUT_TO_ORACLE, ids=lambda case: case.name)
def test_the_oracle_agrees_on_documented_cases_except_where_the_docs_say_it_errs(case, oracle):
    assert engine(case.request, case.policies) == case.expected, case.page
    if case.oracle_differs:
        assert oracle[id(case)] != case.expected, "the oracle agrees now: drop the case's oracle_differs"
    else:
        assert oracle[id(case)] == case.expected, case.page


def test_the_oracle_and_the_engine_agree_on_every_generated_case(oracle):
    outcomes = [(engine(case.request, case.policies), oracle[id(case)]) for case in GENERATED]
    disagreements = [
        f"case {index}: engine {mine}, oracle {theirs}"
        for index, (mine, theirs) in enumerate(outcomes)
        if mine != theirs
    ]
    assert disagreements == []
    assert {mine for mine, _ in outcomes} == {ALLOW, EXPLICIT, IMPLICIT}  # all three, no refusal


def test_the_generated_cases_cover_every_operator_and_every_kind_of_policy():
    used = set().union(*(case.operators for case in GENERATED))
    bases = {
        operator.removeprefix("ForAllValues:").removeprefix("ForAnyValue:").removesuffix("IfExists")
        for operator in used
    }
    assert bases == set(OPERATORS)
    assert any(operator.endswith("IfExists") for operator in used)
    assert any(operator.startswith("ForAllValues:") for operator in used)
    assert any(operator.startswith("ForAnyValue:") for operator in used)
    kinds = {
        "cross-account": any(case.request.resource_account for case in GENERATED),
        "resource-based": any(case.policies.resource for case in GENERATED),
        "boundary": any(case.policies.boundary for case in GENERATED),
        "session": any(case.policies.session for case in GENERATED),
        "SCPs": any(case.policies.scps for case in GENERATED),
        "variables": any("${" in repr(case.policies) for case in GENERATED),
        "NotResource": any("NotResource" in repr(case.policies) for case in GENERATED),
        "NotAction": any("NotAction" in repr(case.policies) for case in GENERATED),
    }
    assert [kind for kind, present in kinds.items() if not present] == []


def test_the_oracle_is_imported_by_its_test_script_only():
    """AGPL-3.0: one test script imports it (bench/iam_evaluation.py times it through that script)."""
    skipped = {"node_modules", ".venv", "cdk.out", ".git"}
    importing = re.compile(r"""(from|import|require\()\s*['"]@cloud-copilot/iam-simulate""")
    importers = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [name for name in subdirectories if name not in skipped]
        for name in files:
            path = Path(directory, name)
            if path.suffix in (".js", ".mjs", ".cjs", ".ts") and importing.search(path.read_text(errors="ignore")):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == ["tests/support/iam_oracle.mjs"]
