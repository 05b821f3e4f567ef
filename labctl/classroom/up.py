"""`make class-up`: a class from its roster, or the late students added to it.

In order, each step stopping the run with one line if it fails (and nothing after it done):
1. the roster, the class name and the lab settings are checked (every problem, one line each), offline;
2. the class's end is the deployed class's (LabsExpireAt), or `hours` from now for a new class;
3. the class app is synthesized once, by the real CDK CLI;
4. the class stack is deployed (a user per student of the roster: a new student is a new user);
5. the labs not yet deployed are, `concurrency` at a time (deploy.py says why 4); a lab already there is not touched
   (a re-deploy would read the AMI parameter again and could replace a student's running instance);
5b. the class's budget stack, whose action names every lab's instance (budget.py: the amount and email given, kept
   or derived from the class's cost);
6. each student without a handout gets a one-time password (and with `access_keys`, an access key) and their handout
   (logins.py, handouts.py); a student who has a password but no handout is named, never given a new one silently;
7. the class sheet is written.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lab_stack.names import class_budget_stack_name, class_stack_name, student_lab_name
from lab_stack.roster import Roster, Student
from labctl.classroom import budget, deploy, handouts, logins
from labctl.classroom.cost import ClassEstimate
from labctl.classroom.stacks import find_class, labs_expire_at, outputs
from labctl.cost import estimate
from labctl.i18n import _, ngettext
from labctl.toolkit import lab_config

# A lab stack that is there and working: anything else (none, ROLLBACK_COMPLETE, ...) is deployed, which the CDK CLI
# turns into a create (it deletes a stack that failed to create first).
STANDING = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")


@dataclass(frozen=True)
class Account:
    """Where the class goes: clients of one account and region, and the CDK CLI's environment for it."""

    client: Callable[[str], object]
    account_id: str
    region: str
    cdk_env: dict[str, str] | None = None  # None: this process's environment
    quiet_cdk: bool = False  # the CDK CLI's own output only when it fails
    run_cdk: deploy.Runner = deploy.run_here  # how the CDK CLI is run (a rehearsal's dies with it)

    def cdk_synth(self, context: Sequence[str], outdir: Path, app: str = deploy.CLASS_APP) -> Path:
        """deploy.synth in this account's CDK CLI environment."""
        return deploy.synth(context, outdir, env=self.cdk_env, app=app, run=self.run_cdk)

    def cdk_deploy(self, assembly: Path, stacks: Sequence[str], *, concurrency: int, outputs_file: Path) -> None:
        """deploy.deploy in this account's CDK CLI environment."""
        deploy.deploy(
            assembly,
            stacks,
            concurrency=concurrency,
            outputs_file=outputs_file,
            env=self.cdk_env,
            quiet=self.quiet_cdk,
            run=self.run_cdk,
        )


@dataclass
class UpResult:
    expires_at: datetime
    deployed_labs: list[str]
    budget: budget.BudgetSettings
    handouts: list[Path]
    problems: list[str]  # one line each: a student left without a handout, and why


def class_up(
    *,
    class_name: str,
    roster: Roster,
    roster_path: Path,
    settings: Sequence[str],
    hours: int,
    handouts_dir: Path,
    concurrency: int,
    account: Account,
    say: Callable[[str], None],
    now: datetime | None = None,
    workdir: Path | None = None,
    access_keys: bool = False,
    budget_usd: int | None = None,
    budget_email: str | None = None,
) -> UpResult:
    """Steps 2 to 7 (the caller checked the roster and settings); raises deploy.DeployFailed when the CDK CLI fails.
    The cloud assembly and the CDK CLI's outputs files go to a temporary directory, or are kept in `workdir`."""
    cloudformation = account.client("cloudformation")
    existing = find_class(cloudformation, class_name)
    now = now or datetime.now(UTC)
    expires_at = labs_expire_at(existing.class_stack)
    if expires_at is None:
        expires_at = (now + timedelta(hours=hours)).replace(microsecond=0)
        say(
            ngettext(
                "class {name}: new, {count} student; it ends {end}",
                "class {name}: new, {count} students; it ends {end}",
                len(roster),
            ).format(name=class_name, count=len(roster), end=f"{expires_at:%Y-%m-%d %H:%M UTC}")
        )
    else:
        say(
            _("class {name}: deployed, ending {end} (kept); {count} in the roster").format(
                name=class_name, end=f"{expires_at:%Y-%m-%d %H:%M UTC}", count=len(roster)
            )
        )
    backstop = budget.chosen(
        budget_usd,
        budget_email,
        budget.deployed(existing.budget_stack),
        default_budget(roster, settings, expires_at, now),
    )
    handouts.prepare_directory(handouts_dir)
    with tempfile.TemporaryDirectory(prefix="firehose-class-") as temporary:
        work = workdir or Path(temporary)
        context = deploy.class_context(class_name, roster_path, expires_at, settings, backstop.context())
        say(_("synthesizing the class (CDK CLI)"))
        assembly = account.cdk_synth(context, work / "cdk.out")
        say(
            _("deploying {stack}: the shared VPC, the students' users and policy").format(
                stack=class_stack_name(class_name)
            )
        )
        account.cdk_deploy(
            assembly, [class_stack_name(class_name)], concurrency=1, outputs_file=work / "class-outputs.json"
        )
        waiting = [
            student.student_id
            for student in roster.students
            if existing.labs.get(student.student_id, {}).get("StackStatus") not in STANDING
        ]
        if waiting:
            say(
                ngettext(
                    "deploying {count} lab, {concurrency} at a time: {students}",
                    "deploying {count} labs, {concurrency} at a time: {students}",
                    len(waiting),
                ).format(count=len(waiting), concurrency=concurrency, students=", ".join(waiting))
            )
        account.cdk_deploy(
            assembly,
            [student_lab_name(class_name, s) for s in waiting],
            concurrency=concurrency,
            outputs_file=work / "lab-outputs.json",
        )
        notices = (
            _("its topic and {email}").format(email=backstop.email)
            if backstop.email
            else _("its topic only (BUDGET_EMAIL= adds yours)")
        )
        say(
            _(
                "deploying {stack}: US${amount} a month for the account, its action stops every lab's instance past "
                "it; notices to {notices}"
            ).format(stack=class_budget_stack_name(class_name), amount=backstop.amount_usd, notices=notices)
        )
        account.cdk_deploy(
            assembly, [class_budget_stack_name(class_name)], concurrency=1, outputs_file=work / "budget-outputs.json"
        )
    result = UpResult(expires_at, waiting, backstop, [], [])
    _hand_out(class_name, roster, handouts_dir, account, result, say, access_keys)
    return result


def default_budget(roster: Roster, settings: Sequence[str], expires_at: datetime, now: datetime) -> int:
    """`make class-cost`'s budget for this roster until the class's end."""
    hours = max(1, math.ceil((expires_at - now).total_seconds() / 3600))
    return ClassEstimate(estimate(lab_config(settings)), len(roster), hours).default_budget_usd


def _hand_out(
    class_name: str,
    roster: Roster,
    directory: Path,
    account: Account,
    result: UpResult,
    say: Callable[[str], None],
    access_keys: bool,
) -> None:
    iam = account.client("iam")
    deployed = find_class(account.client("cloudformation"), class_name)
    url = logins.sign_in_url(iam, account.account_id)
    kit = outputs(deployed.class_stack).get("StudentKit", "")
    length = logins.password_length(iam)
    rows = []
    for student in roster.students:
        user = student_lab_name(class_name, student.student_id)
        stack = deployed.labs.get(student.student_id)
        status = stack["StackStatus"] if stack else _("not deployed")
        rows.append((student, user, status))
        path = handouts.handout_path(directory, student.student_id)
        if path.exists() or stack is None or status not in STANDING:
            continue

        def text(student=student, user=user, stack=stack) -> str | None:
            credentials = logins.first_credentials(iam, user, length, access_key=access_keys)
            if credentials is None:
                return None
            return handout_for(
                student,
                user,
                credentials.password,
                url,
                account.region,
                stack,
                result.expires_at,
                kit,
                access_key=credentials.access_key,
            ).text()

        if handouts.write_once(path, text):
            result.handouts.append(path)
            say("  " + _("handout for {student}: {path}").format(student=student.student_id, path=path))
        else:
            result.problems.append(
                _(
                    "{student}: {user} has a password already, but {path} is missing: give them a new one with "
                    "`aws iam delete-login-profile --user-name {user}`, then make class-up again"
                ).format(student=student.student_id, user=user, path=path)
            )
    sheet = handouts.class_sheet(
        class_name, sign_in_url=url, region=account.region, ends_at=result.expires_at, rows=rows
    )
    say(_("class sheet (no passwords): {path}").format(path=handouts.write_class_sheet(directory, sheet)))


def handout_for(
    student: Student,
    user: str,
    password: str,
    url: str,
    region: str,
    stack: dict,
    ends_at: datetime,
    kit: str,
    access_key: logins.AccessKey | None = None,
) -> handouts.Handout:
    lab = outputs(stack)
    return handouts.Handout(
        student=student,
        user_name=user,
        password=password,
        sign_in_url=url,
        region=region,
        lab=handouts.Lab(
            stack=stack["StackName"],
            bucket=lab.get("BucketName", "?"),
            stream=lab.get("DeliveryStreamName", "?"),
            table=lab.get("EventsTable", "?"),
            workgroup=lab.get("AthenaWorkgroup", "?"),
            instance=lab.get("InstanceId", "?"),
            dashboard_url=lab.get("DashboardUrl", "?"),
        ),
        ends_at=ends_at,
        kit_url=kit,
        access_key=access_key,
    )
