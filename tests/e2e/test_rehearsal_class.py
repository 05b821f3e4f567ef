"""A class in one account, rehearsed as `make rehearse-class` runs it but small (2 labs) and on a scaled clock: the
class up by class-up's own code and the real CDK CLI, every producer delivering to its own bucket, the isolation
matrix under enforced IAM (or, where the emulator cannot evaluate the class policy, a refusal naming what it
cannot), no password anywhere but its handout, one student removed by class-down's own code (their lab, login and
everything tagged with them gone, everyone else untouched and delivering) and added back by class-up (only their lab
deployed), and class-down leaving nothing; and once more ending by its own schedules (`--end expiry`), class-down
finishing what they leave."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from labctl.classroom import handouts
from labctl.toolkit import ROOT
from rehearsal import isolation
from rehearsal.classroom import ClassRehearsal, PhaseFailed

STUDENTS = 2
CLOCK_SCALE = 0.1
REMOVED, KEPT = "s2", "s1"  # class-down STUDENT= removes the last student of the roster
ISOLATION = "isolation matrix (each student's own lab and another's, IAM enforced)"


def rehearse(workdir, **options):
    log = io.StringIO()
    rehearsal = ClassRehearsal(
        students=STUDENTS, clock_scale=CLOCK_SCALE, context=[], concurrency=2, out=log, **options
    )
    failure = None
    try:
        rehearsal.run(workdir)
    except PhaseFailed as error:
        failure = error
    return rehearsal.result, failure, log.getvalue()


@pytest.fixture(scope="module")
def rehearsed(tmp_path_factory):
    return rehearse(tmp_path_factory.mktemp("class"))


@pytest.fixture(scope="module")
def expired(tmp_path_factory):
    return rehearse(tmp_path_factory.mktemp("expired-class"), expire=True, isolation=False, remove_one=False)


def test_every_phase_but_an_unprovable_isolation_passes(rehearsed):
    result, failure, log = rehearsed
    failed = [name for name, _, ok in result.phases if not ok]
    assert failed in ([], [ISOLATION]), log
    assert [name for name, _, _ in result.phases][-1] == "class down, then nothing of the class left"


def test_every_student_got_a_handout_and_every_producer_delivered_to_their_own_bucket(rehearsed):
    result, _, _ = rehearsed
    assert sorted(result.handouts) == sorted(result.students) == ["s1", "s2"]
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in result.handouts.values())
    assert sorted(result.first_objects) == ["s1", "s2"]
    assert all(key.startswith("data/year=") for key in result.first_objects.values())


def test_the_budgets_action_names_every_labs_instance_and_its_role_may_stop_them_and_nothing_else(rehearsed):
    """What AWS would decide at each step of the backstop's run, by the emulator's IAM; the run itself is skipped."""
    result, _, log = rehearsed
    backstop = result.backstop
    assert backstop.named == backstop.labs and len(backstop.labs) == STUDENTS
    assert [str(p) for p in backstop.probes if not p.holds] == []
    decided = {p.what: p.allowed for p in backstop.probes}
    assert decided["Budgets assumes the role for this budget's action"] is True
    assert decided["Budgets assumes the role for another budget"] is False
    assert all(decided[f"the automation stops {instance}"] for instance in backstop.labs)
    assert decided["the automation stops an instance that is not the class's"] is False
    assert decided["the role stops an instance itself, not through SSM"] is False
    assert any(line.startswith("Budgets: the budget being crossed") for line in result.skipped)
    assert "skipped: the budget being crossed and its action's run" in log


def test_class_status_shows_a_row_per_lab(rehearsed):
    result, _, _ = rehearsed
    header, *rows = result.status_lines
    assert header.split()[:3] == ["student", "stack", "instance"]
    assert [row.split()[0] for row in rows] == ["s1", "s2"]
    assert all("CREATE_COMPLETE" in row and "running" in row for row in rows)


def test_the_isolation_holds_or_the_emulator_says_what_it_cannot_evaluate(rehearsed):
    """On an emulator that evaluates the class policy's conditions: each of the guide's actions allowed on the
    student's own lab and refused on another's, every cell. Otherwise the rehearsal fails, naming each feature."""
    result, failure, _ = rehearsed
    cells = len(isolation.GUIDE_ACTIONS) * STUDENTS
    assert len(result.matrix) == cells
    unevaluated = [p for p in result.probes if not p.evaluated]
    if not unevaluated:
        assert failure is None
        assert all(cell.holds for cell in result.matrix), [c for c in result.matrix if not c.holds]
    else:
        assert failure is not None and "the emulator does not evaluate" in str(failure)
        assert all(p.feature in str(failure) for p in unevaluated)


def test_no_password_or_access_key_appears_anywhere_but_its_handout(rehearsed):
    result, _, log = rehearsed
    assert result.secrets_found == []
    for path in result.handouts.values():
        password = handouts.password_of(path.read_text())
        assert password and len(password) >= 20
        assert password not in log
    for student_id in (KEPT, REMOVED):  # both had a key from the first class-up (ACCESS_KEYS=yes)
        key_id, secret = result.access_keys[student_id]
        assert key_id not in log and secret not in log


def test_the_isolation_matrix_ran_with_the_access_keys_class_up_wrote_into_the_handouts(rehearsed):
    """ACCESS_KEYS=yes: each student's key, read from their handout, is the one the emulator's IAM evaluated against
    the class policy, cell by cell."""
    result, _, _ = rehearsed
    assert sorted(result.access_keys) == ["s1", "s2"]
    actors = {cell.actor for cell in result.matrix}
    assert actors == {"s1", "s2"}


def test_class_down_of_one_student_leaves_nothing_of_theirs(rehearsed):
    """Their lab stack, their IAM user (password and keys with it) and everything tagged with them are gone, as the
    CloudFormation, IAM and Resource Groups Tagging APIs list them; so is their handout (its password is void)."""
    result, _, _ = rehearsed
    removal = result.removal
    assert removal.student == REMOVED
    assert removal.stack_status == "gone"
    assert removal.user_exists is False
    assert set(removal.credentials_before) >= {"password", "access key"}  # what their user had
    assert removal.tagged == []
    assert removal.leftovers == []  # class-down's own check, for that student
    assert removal.handout_left is False
    assert removal.removed_instance and removal.removed_instance not in removal.budget_names  # nor stopped by it


def test_class_down_of_one_student_leaves_every_other_student_untouched_and_delivering(rehearsed):
    result, _, _ = rehearsed
    kept = result.removal.others[KEPT]
    assert kept.stack_status == "CREATE_COMPLETE" and kept.stack_unchanged
    assert kept.login_profile and kept.access_keys == 1
    assert kept.handout_unchanged
    assert kept.delivered_after.startswith("data/year=")  # an object that landed after the removal
    assert len(result.removal.budget_names) == STUDENTS - 1  # the budget's action still names the others' instances


def test_class_up_with_the_student_back_adds_only_them(rehearsed):
    result, _, _ = rehearsed
    back = result.readded
    assert back.deployed == [REMOVED]
    assert back.handouts == [REMOVED]
    assert back.others_unchanged == {KEPT: True}
    assert back.access_keys == 0  # class-up without ACCESS_KEYS=yes gives none
    assert back.budget_names == back.labs and len(back.labs) == STUDENTS  # their new instance named again


def test_class_down_leaves_nothing(rehearsed):
    result, _, _ = rehearsed
    assert result.leftovers == []
    assert result.rehearsal_leftovers == {}


def test_a_class_ends_itself_then_class_down_finishes_what_its_schedules_leave(expired):
    """Every lab's schedule deletes its lab at the class's end; the class stack's own stops DELETE_FAILED on users
    with a password (IAM's DeleteUser refuses them), which class-down removes first."""
    result, failure, log = expired
    assert failure is None, log
    names = [name for name, _, ok in result.phases if ok]
    assert "the class ends itself (every lab's schedule, then the class's)" in names
    fired = STUDENTS + 2  # every lab's schedule, the budget stack's and the class stack's
    assert f"{fired} schedules fired, {fired} DeleteStack calls accepted" in log
    assert "every lab and the budget stack gone; the class stack: DELETE_FAILED" in log
    assert "deleting 0 labs, " in log
    assert result.leftovers == [] and result.rehearsal_leftovers == {}


def test_bad_arguments_are_one_line_and_exit_2():
    run = subprocess.run(
        [sys.executable, "-m", "rehearsal.classroom", "--students", "0"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "--students 1 to 30" in run.stderr
