"""`make rehearse-class ACCOUNTS=2` on a scaled clock: a class across two accounts of an organization, its labs a
self-managed StackSet's stack instances, each lab delivering in its own account, the lab's files readable by the
organization only, and class down leaving nothing in any account; what the emulator does not model of StackSets is
named as skipped, never passed. And a class of one account that ends itself (`--end expiry`): its schedules, each
role evaluated, leave nothing for class down."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from lab_stack.names import class_stackset_name
from labctl.toolkit import ROOT
from rehearsal.emulator.cloudformation import STACKSET_SKIPPED as SKIPPED
from rehearsal.i18n import _
from rehearsal.stackset_class import CLASS_NAME, StackSetClassRehearsal

ACCOUNTS = 2
CLOCK_SCALE = 0.1  # the stream's 60 s interval passes in 6 s


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    log = io.StringIO()
    rehearsal = StackSetClassRehearsal(accounts=ACCOUNTS, clock_scale=CLOCK_SCALE, context=[], out=log)
    result = rehearsal.run(tmp_path_factory.mktemp("stackset-rehearsal"))
    return rehearsal, result, log.getvalue()


def test_every_phase_passed(rehearsal):
    _, result, log = rehearsal
    assert result.failed_phase is None, log[-3000:]
    assert all(ok for _, _, ok in result.phases)


def test_each_student_account_holds_its_students_lab_a_stack_of_the_stackset(rehearsal):
    _, result, _ = rehearsal
    assert sorted(result.accounts) == ["s1", "s2"] and len(set(result.accounts.values())) == ACCOUNTS
    assert all(stack.startswith(f"StackSet-{class_stackset_name(CLASS_NAME)}-") for stack in result.stacks.values())


def test_each_student_has_a_handout_for_their_own_account_and_a_login_to_their_own_lab_only(rehearsal):
    _, result, _ = rehearsal
    assert {student: path.name for student, path in result.handouts.items()} == {"s1": "s1.md", "s2": "s2.md"}
    assert {(student, action, allowed) for student, action, allowed in result.student_checks} >= {
        ("s1", "s3:ListBucket on their bucket", True),
        ("s2", "firehose:DeleteDeliveryStream on their stream", False),
        ("s2", "s3:GetObject on the class bucket's producer", False),
    }
    assert len(result.student_checks) == 4 * ACCOUNTS


def test_the_labs_files_are_the_organizations_only(rehearsal):
    """Denied to another organization's account as AWS decides it (the rehearsal fails if the emulator could not)."""
    assert rehearsal[1].refused_outside == "AccessDenied"


def test_every_lab_delivered_in_its_own_account_and_class_status_shows_it(rehearsal):
    _, result, _ = rehearsal
    assert sorted(result.first_objects) == ["s1", "s2"]
    assert all(key.startswith("data/") for key in result.first_objects.values())
    header, *rows = result.status_lines
    assert header.split()[:2] == ["student", "stack"]
    assert [row.split()[0] for row in rows] == ["s1", "s2"]
    assert all("CREATE_COMPLETE (CURRENT/SUCCEEDED)" in row for row in rows)


def test_class_down_left_nothing_in_any_account(rehearsal):
    _, result, _ = rehearsal
    assert result.leftovers == []
    assert result.rehearsal_leftovers == {}


def test_what_the_emulator_does_not_model_is_named_as_skipped_in_the_summary(rehearsal, monkeypatch):
    """Never passed silently: the last line names each, in the reader's language."""
    rehearsal_, result, log = rehearsal
    assert set(SKIPPED) <= set(result.skipped)
    summary = rehearsal_.passed()
    assert "skipped (not modelled): " in summary
    assert all(skipped in summary for skipped in SKIPPED)
    assert all(skipped in log for skipped in SKIPPED)
    monkeypatch.setenv("LAB_LANG", "es")
    spanish = rehearsal_.passed()
    assert all(_(skipped) in spanish and _(skipped) != skipped for skipped in SKIPPED)


def test_bad_arguments_are_one_line_and_exit_2():
    run = subprocess.run(
        [sys.executable, "-m", "rehearsal.stackset_class", "--accounts", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "--accounts 1 to 10" in run.stderr


@pytest.fixture(scope="module")
def ended(tmp_path_factory, rehearsal):  # after the other: one emulator per process at a time
    log = io.StringIO()
    ending = StackSetClassRehearsal(accounts=1, clock_scale=CLOCK_SCALE, context=[], out=log, expire=True)
    return ending.run(tmp_path_factory.mktemp("stackset-expiry")), log.getvalue()


def test_a_class_that_ends_itself_leaves_nothing_for_class_down(ended):
    result, log = ended
    assert result.failed_phase is None, log[-3000:]
    assert [stage for stage, _ in result.expiry] == [
        "the labs' own",
        "the class's DeleteStackInstances",
        "the StackSet's and the class stack's deletion",
    ]
    assert sorted(result.expiry[0][1]) == ["DeleteLoginProfile succeeded", "StopInstances succeeded"]
    assert result.expiry[1][1] == ["DeleteStackInstances succeeded"]
    assert result.leftovers == [] and result.rehearsal_leftovers == {}
