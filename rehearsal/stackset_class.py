"""`make rehearse-class ACCOUNTS=3`: a class across accounts, offline: an organization, one account per student, the
labs a self-managed StackSet's stack instances, from roster to nothing left in any account.

On the emulator, in order, each a timed phase:
1. the organization: its management account administers the class, and each student's account is made in it with the
   StackSets execution role, as AWS's StackSets setup template makes it (the administration role in the
   administrator's account, an execution role trusting it in each target account);
2. the real `cdk bootstrap` of the administrator's account only, then `make class-up ACCOUNTS=...`'s own code
   (labctl/classroom/stackset.py): the StackSet app synthesized once by the real CDK CLI, the class's own stack
   deployed, the lab's files and template published to the class bucket, the StackSet made, one stack instance per
   student with their StudentId as ParameterOverrides. Each student account then holds exactly one lab stack, of its
   student, never bootstrapped for CDK;
3. IAM enforced from here: every lab's instance boots, its own user-data in a sandbox with its instance role's
   credentials in its own account: the producer comes from the class bucket in the administrator's account, which
   only the organization's principals may read (an account of another organization is denied it, even with
   s3:GetObject on everything), and every producer's first object lands in its own account's bucket;
4. `make class-status`'s rows, each lab read in its own account;
5. `make class-down`'s own code: every stack instance deleted in one operation, the StackSet and the class's own stack,
   then the class's leftovers listed in every account (tagging API, IAM users, stacks, the StackSet) and the
   rehearsal's own leftovers check over every kind in every account: nothing may be left but the accounts' setup.
   With `--end expiry` the class ends itself first, its hours passing in seconds, each stage in turn: every lab's own
   schedules stop its instance and delete its student's password, then the class stack's deletes every stack instance,
   then the emptied StackSet and the class stack go; each schedule's role is evaluated, and class-down finds nothing.
What the emulator does not model of StackSets is named as skipped in the summary (stack_sets.SKIPPED), never passed.
It is the class in one account's rehearsal (classroom.py) with the accounts of an organization: the same phases,
sandboxes and producers, and every command it runs (the CDK CLI, each user-data) dies with it (lifeline.py). The
producers are stopped and the emulator with them, whatever failed.

Exit codes (cli.py): 0 passed, 1 a phase failed (named on the last line), 2 bad arguments, 128 + the signal's number.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from botocore.exceptions import ClientError

from lab_stack.names import BOOTSTRAP_STACK, CLASS_TAG, class_stack_name, class_stackset_name, student_lab_name
from lab_stack.roster import read_roster
from lab_stack.stackset_config import StackSetClassConfig
from lab_stack.stackset_operations import ADMINISTRATION_ROLE, EXECUTION_ROLE, LABS_GO_AFTER, ORGANIZATION_ACCESS_ROLE
from labctl.classroom import handouts, stackset, status
from labctl.classroom.stacks import find_class, outputs, tags
from labctl.classroom.up import Account
from labctl.toolkit import context_with, lab_config
from rehearsal import cli, student
from rehearsal.classroom import CLASS_NAME, ClassRehearsal, ClassResult, roster_text, stopped
from rehearsal.emulator import ACCOUNT_ID, skipped_settings, unmodelled_types
from rehearsal.emulator.cloudformation import STACKSET_SKIPPED as SKIPPED
from rehearsal.i18n import N_, _, number
from rehearsal.leftovers import find_leftovers
from rehearsal.offline_lab import PhaseFailed

BOOTS_AT_ONCE = 3
# Real seconds in which each stage of the class's end comes.
EXPIRY_SECONDS = 3.0
MAX_ACCOUNTS = 10
# What the organization's accounts hold before the class and keep after it: their StackSets setup, and the role AWS
# Organizations makes in every account it creates (moto's Organizations makes it too).
SETUP_ROLES = (ADMINISTRATION_ROLE, EXECUTION_ROLE, ORGANIZATION_ACCESS_ROLE)
OUTSIDER = "999999999999"  # the management account of another organization
# What the emulator does not show of the class, besides the StackSets operations (SKIPPED).
NOT_EVALUATED = (
    N_("Lambda reading CDK's auto-delete handler from the class bucket (the emulator's Lambda reads S3 unauthorized)"),
    N_(
        "the students' permissions boundary and its end at the class's end (make rehearse-class without ACCOUNTS "
        "probes what the emulator evaluates of a boundary)"
    ),
)
# The phases, as the summary names them.
ORGANIZATION = N_("organization: a StackSets-ready account per student")
BOOTSTRAP = N_("cdk bootstrap (the administrator's account only)")
CLASS_UP = N_("class up: a StackSet, one stack instance per student")
BOOT = N_("boot every instance in its account (IAM enforced)")
DELIVERS = N_("every producer delivers in its own account")
LOGINS = N_("each student's login reaches their own lab only")
STATUS = N_("class status (each lab read in its account)")
EXPIRES = N_("the class ends itself (its schedules, in turn)")
DOWN = N_("class down, then nothing left in any account")
# The stages of the class's end, as the result names them.
LABS_END = N_("the labs' own")
INSTANCES_GO = N_("the class's DeleteStackInstances")
STACKSET_GOES = N_("the StackSet's and the class stack's deletion")


@dataclass
class StackSetClassResult(ClassResult):
    """What a class rehearsal sees (ClassResult), and what only a class across accounts has."""

    accounts: dict = field(default_factory=dict)  # student id -> account id
    stacks: dict = field(default_factory=dict)  # student id -> their lab stack's name in their account
    refused_outside: str | None = None  # what an account outside the organization got for the lab's files
    student_checks: list = field(default_factory=list)  # (student id, action, allowed)
    skipped: list = field(default_factory=list)  # what the emulator does not model, in English
    expiry: list = field(default_factory=list)  # (stage, what each of its schedules' calls did), with --end expiry


class StackSetClassRehearsal(ClassRehearsal):
    def __init__(self, *, accounts: int, clock_scale: float, context: list, out=None, expire: bool = False) -> None:
        super().__init__(
            students=accounts,
            clock_scale=clock_scale,
            context=context,
            concurrency=1,  # a StackSet's operations, not `cdk deploy --concurrency`, make the labs
            out=out,
            result=StackSetClassResult(),
            expire=expire,
        )
        self.accounts: dict[str, Account] = {}  # student id -> their account, through its execution role

    def clients_of(self, student_id: str) -> Callable:
        """The student's own account, through the StackSets execution role (administrator access there)."""
        return self.accounts[student_id].client

    def _as(self, account_id: str, role_name: str) -> Account:
        """An account through a role there; the emulator lets the test keys assume it while IAM is not enforced."""
        return stackset.in_account(self.account_here(), account_id, role_name)

    def account_here(self) -> Account:
        """The administrator's account, with the emulator's test keys (no CDK CLI)."""
        return Account(client=self.client, account_id=ACCOUNT_ID, region=self.emulator.region)

    # --- the class's life -----------------------------------------------------------------------------------

    def run(self, workdir: Path) -> StackSetClassResult:
        logging.getLogger("moto").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)
        try:
            with self.phase(N_("start emulator")):
                self.emulator.start()
                self.say(
                    _("emulator on {endpoint} (clock x{scale})").format(
                        endpoint=self.emulator.endpoint_url, scale=number(self.clock_scale, "g")
                    )
                )
            with self.phase(ORGANIZATION):
                self._organization()
            with self.phase(BOOTSTRAP):
                self.cdk_bootstrap(workdir)
            with self.phase(CLASS_UP):
                self._class_up(workdir)
            with self.phase(BOOT):
                self._boot_all(workdir)
            with self.phase(DELIVERS):
                self._every_lab_delivers()
            with self.phase(LOGINS):
                self._students_reach_their_own_lab()
            with self.phase(STATUS):
                self._stop_producers()
                self.emulator.enforce_iam(False)  # the administrator's test keys are no IAM user
                self.emulator.flush_firehose()
                self._class_status()
            if self.expire:
                with self.phase(EXPIRES):
                    self._class_expires()
            with self.phase(DOWN):
                self._class_down()
        finally:
            self.close()
        return self.result

    def passed(self) -> str:
        if self.expire:
            line = _(
                "PASSED: {count} labs in {count} accounts, each delivered, the lab's files read by the organization "
                "only, the class ended itself and class down left nothing in any account; skipped (not modelled): "
                "{skipped}"
            )
        else:
            line = _(
                "PASSED: {count} labs in {count} accounts, each delivered, the lab's files read by the organization "
                "only, class down left nothing in any account; skipped (not modelled): {skipped}"
            )
        return line.format(count=self.students, skipped=self.skipped())

    def skipped(self) -> str:
        """What the emulator does not model, in the reader's language (resource types by their names)."""
        return "; ".join(_(item) for item in self.result.skipped)

    def _organization(self) -> None:
        organizations, iam = self.client("organizations"), self.client("iam")
        organizations.create_organization(FeatureSet="ALL")
        iam.create_role(
            RoleName=ADMINISTRATION_ROLE,
            AssumeRolePolicyDocument=_trust({"Service": "cloudformation.amazonaws.com"}),
        )
        iam.put_role_policy(
            RoleName=ADMINISTRATION_ROLE,
            PolicyName="AssumeExecutionRole",
            PolicyDocument=_policy("sts:AssumeRole", f"arn:*:iam::*:role/{EXECUTION_ROLE}"),
        )
        for number_ in range(1, self.students + 1):
            made = organizations.create_account(Email=f"s{number_}@example.com", AccountName=f"student-s{number_}")
            account_id = made["CreateAccountStatus"]["AccountId"]
            self.result.accounts[f"s{number_}"] = account_id
            target = self._as(account_id, ORGANIZATION_ACCESS_ROLE).client("iam")
            target.create_role(
                RoleName=EXECUTION_ROLE, AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"})
            )
            # AWS's template attaches AdministratorAccess, which moto does not load: the same document, inline.
            target.put_role_policy(
                RoleName=EXECUTION_ROLE, PolicyName="AdministratorAccess", PolicyDocument=_policy("*")
            )
        self.say(
            _("  organization with {count} student accounts: {accounts}").format(
                count=len(self.result.accounts), accounts=self.result.accounts
            )
        )

    def _class_up(self, workdir: Path) -> None:
        roster_path = workdir / "roster.csv"
        roster_path.write_text(roster_text(self.students))
        self.result.students = read_roster(roster_path).ids
        config = StackSetClassConfig.from_context(
            {
                **context_with(self.context),
                "className": CLASS_NAME,
                "roster": str(roster_path),
                "organizationId": stackset.ANY_ORGANIZATION,
                "accounts": ",".join(self.result.accounts[s] for s in self.result.students),
            },
            datetime.now(UTC),
        )
        up = stackset.stackset_up(
            class_name=CLASS_NAME,
            roster=config.classroom.roster,
            roster_path=roster_path,
            settings=self.context,
            hours=24,
            targets=config.targets,
            accounts=config.accounts,
            account=self.account(workdir),
            say=self.say,
            workdir=workdir,
            handouts_dir=workdir / "handouts",
            role_name=EXECUTION_ROLE,
            template_url_base=f"http://localhost:{self.emulator.port}",
        )
        if up.problems or len(up.handouts) != self.students:
            raise PhaseFailed(
                _("class-up left students without a lab or a handout: {problems}").format(problems=up.problems)
            )
        templates = [
            json.loads((workdir / "cdk.out" / f"{stack}.template.json").read_text())
            for stack in (class_stack_name(CLASS_NAME), class_stackset_name(CLASS_NAME))
        ]
        self.result.skipped = [
            *SKIPPED,
            *NOT_EVALUATED,
            *unmodelled_types({r["Type"] for template in templates for r in template["Resources"].values()}),
            *sorted({setting for template in templates for setting in skipped_settings(template)}),
        ]
        self.labs = {}
        for student_id, account_id in config.accounts.items():
            self.accounts[student_id] = stackset.in_account(self.account_here(), account_id, EXECUTION_ROLE)
            self._one_lab_in(student_id, account_id)
        self._check_handouts(up.handouts)
        self.say(_("  skipped (the emulator does not model them): {skipped}").format(skipped=self.skipped()))

    def _one_lab_in(self, student_id: str, account_id: str) -> None:
        """The student's account holds one lab, theirs, and was never bootstrapped for CDK."""
        stacks = self.accounts[student_id].client("cloudformation").describe_stacks()["Stacks"]
        labs = [s for s in stacks if tags(s).get(CLASS_TAG) == CLASS_NAME]
        if len(labs) != 1 or outputs(labs[0]).get("Student") != student_id:
            held = [(s["StackName"], outputs(s).get("Student")) for s in labs]
            raise PhaseFailed(
                _("account {account} holds {held}, not one lab of {student}").format(
                    account=account_id, held=held, student=student_id
                )
            )
        if any(s["StackName"] == BOOTSTRAP_STACK for s in stacks):
            raise PhaseFailed(
                _("account {account} was bootstrapped for CDK: a StackSet's target needs not be").format(
                    account=account_id
                )
            )
        lab = labs[0]
        self.result.stacks[student_id] = lab["StackName"]
        self.labs[student_id] = outputs(lab)
        self.say(
            _("  {student}: {stack} in {account} ({status}), not bootstrapped").format(
                student=student_id, stack=lab["StackName"], account=account_id, status=lab["StackStatus"]
            )
        )

    def _check_handouts(self, paths: list[Path]) -> None:
        """Each handout: the instructor's only, in its student's language, for their own account, its password the one
        their IAM user in that account has (IAM says so: a login profile, reset required)."""
        for path in paths:
            mode = path.stat().st_mode & 0o777
            text = path.read_text()
            student_id = path.stem
            account_id = self.result.accounts[student_id]
            language = "es" if int(student_id[1:]) % 2 else "en"
            if mode != handouts.HANDOUT_MODE or handouts.PASSWORD_LABELS[language] not in text:
                raise PhaseFailed(
                    _("{path}: mode {mode:o}, or not in {language}").format(path=path, mode=mode, language=language)
                )
            if f"https://{account_id}.signin.aws.amazon.com/console" not in text or "lab-kit" in text:
                raise PhaseFailed(
                    _("{path} does not send {student} to their own account's console, kit-less").format(
                        path=path, student=student_id
                    )
                )
            user = student_lab_name(CLASS_NAME, student_id)
            profile = self.clients_of(student_id)("iam").get_login_profile(UserName=user)["LoginProfile"]
            if not profile.get("PasswordResetRequired"):
                raise PhaseFailed(
                    _("{user}'s one-time password does not have to be changed at first sign-in").format(user=user)
                )
            self.result.handouts[student_id] = path
        self.say(
            _("  {count} handouts, mode 600, each in its student's language, for their own account's console").format(
                count=len(paths)
            )
        )

    def _boot_all(self, workdir: Path) -> None:
        boots = {s: self._boot_inputs(workdir, s) for s in self.result.students}
        outsider = self._outsider_reading_everything()
        self.emulator.enforce_iam(True)
        self._refused_outside_the_organization(outsider, boots)
        with ThreadPoolExecutor(max_workers=BOOTS_AT_ONCE) as pool:
            self.services = dict(pool.map(lambda s: (s, self._boot(workdir, s, *boots[s])), self.result.students))
        self.say(
            _("  {count} producers running, each with its own instance role in its own account").format(
                count=len(self.services)
            )
        )

    def _outsider_reading_everything(self) -> dict:
        """Credentials of an account of another organization whose own policy allows s3:GetObject on everything."""
        self._as(OUTSIDER, "reader").client("organizations").create_organization(FeatureSet="ALL")
        outsider = self._as(OUTSIDER, "reader").client("iam")
        outsider.create_role(RoleName="reader", AssumeRolePolicyDocument=_trust({"AWS": "*"}))
        outsider.put_role_policy(
            RoleName="reader", PolicyName="read-everything", PolicyDocument=_policy("s3:GetObject")
        )
        answer = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{OUTSIDER}:role/reader", RoleSessionName="outsider"
        )
        return {
            "aws_access_key_id": answer["Credentials"]["AccessKeyId"],
            "aws_secret_access_key": answer["Credentials"]["SecretAccessKey"],
            "aws_session_token": answer["Credentials"]["SessionToken"],
        }

    def _refused_outside_the_organization(self, outsider: dict, boots: dict) -> None:
        """The producer's object, which every student account's instance reads, is denied to an account of another
        organization: the class bucket's policy allows its own organization's principals only (aws:PrincipalOrgID,
        which the emulator knows of the accounts moto's Organizations holds), and its identity policy alone does not
        do for another account's bucket. Denied as AWS decides it, not refused for what the emulator cannot know."""
        script = next(iter(boots.values()))[0]
        location = re.search(r"s3://[^'\s]+", script).group(0)
        bucket, key = location.removeprefix("s3://").split("/", 1)
        self.producer_object = (bucket, key)
        code = message = None
        try:
            self.client("s3", **outsider).get_object(Bucket=bucket, Key=key)
        except ClientError as error:
            code, message = error.response["Error"]["Code"], error.response["Error"].get("Message", "")
        if code not in student.ACCESS_DENIED:
            raise PhaseFailed(
                _("an account of another organization read {location}: {answer}").format(location=location, answer=code)
            )
        if "cannot evaluate" in message:
            raise PhaseFailed(
                _("the emulator could not decide a read of {location} by another organization's account: {why}").format(
                    location=location, why=message
                )
            )
        self.result.refused_outside = code
        self.say(
            _("  {location}: denied to an account of another organization ({code})").format(
                location=location, code=code
            )
        )

    def _students_reach_their_own_lab(self) -> None:
        """With IAM enforced, each student's own user (keys standing for their console session, as CloudShell would
        hold it) reads their lab and may not delete it, nor read the class bucket's files."""
        for student_id in self.result.students:
            iam, user = self.clients_of(student_id)("iam"), student_lab_name(CLASS_NAME, student_id)
            key = iam.create_access_key(UserName=user)["AccessKey"]
            me = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
            for action, (expected, attempt) in self._attempts(me, self.labs[student_id]).items():
                try:
                    attempt()
                    allowed = True
                except ClientError as error:
                    if error.response["Error"]["Code"] not in student.ACCESS_DENIED:
                        raise PhaseFailed(
                            _("{student}'s {action} failed with {error}").format(
                                student=student_id, action=_(action), error=error
                            )
                        ) from None
                    allowed = False
                self.result.student_checks.append((student_id, action, allowed))
                if allowed != expected:
                    said = _("{student} was allowed {action}") if allowed else _("{student} was refused {action}")
                    raise PhaseFailed(said.format(student=student_id, action=_(action)))
            # The keys stood for the console session; a student gets none (their policy cannot make one either).
            iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
        self.say(
            _(
                "  {count} checks: each student reads their lab, may not delete it nor read the class's files (their "
                "boundary's end at the class's end is not probed here)"
            ).format(count=len(self.result.student_checks))
        )

    def _attempts(self, me: dict, lab: dict) -> dict:
        """What a student tries with their own keys: {action (English, said through the catalog): (allowed on AWS,
        the call)}."""
        s3, firehose = self.client("s3", **me), self.client("firehose", **me)
        bucket, key = self.producer_object
        stream = lab["DeliveryStreamName"]
        return {
            N_("s3:ListBucket on their bucket"): (True, lambda: s3.list_objects_v2(Bucket=lab["BucketName"])),
            N_("firehose:DescribeDeliveryStream on their stream"): (
                True,
                lambda: firehose.describe_delivery_stream(DeliveryStreamName=stream),
            ),
            N_("firehose:DeleteDeliveryStream on their stream"): (
                False,
                lambda: firehose.delete_delivery_stream(DeliveryStreamName=stream),
            ),
            N_("s3:GetObject on the class bucket's producer"): (False, lambda: s3.get_object(Bucket=bucket, Key=key)),
        }

    def _class_status(self) -> None:
        rows = stackset.stackset_rows(self.account_here(), CLASS_NAME, EXECUTION_ROLE, lab_config(self.context))
        self.result.status_lines = status.table_lines(rows)
        for line in self.result.status_lines:
            self.say(f"  {line}")
        if sorted(row.student for row in rows) != sorted(self.result.students) or any(not row.objects for row in rows):
            raise PhaseFailed(_("class status does not show every student's lab with its objects"))

    def _class_expires(self) -> None:
        """The class's end as its schedules play it: at the end every lab's (stop its instance, delete its student's
        password), LABS_GO_AFTER later the class stack's DeleteStackInstances, at the class stack's own ExpiresAt the
        StackSet's and the class stack's deletion. Each stage's hours pass in seconds once the previous one fired."""
        class_stack = find_class(self.client("cloudformation"), CLASS_NAME).class_stack
        ends, last = (
            datetime.fromisoformat(outputs(class_stack)[key].replace("Z", "+00:00"))
            for key in ("LabsExpireAt", "ExpiresAt")
        )
        stages = (
            (LABS_END, ends, 2 * self.students),
            (INSTANCES_GO, ends + LABS_GO_AFTER, 1),
            (STACKSET_GOES, last, 2),
        )
        for name, moment, count in stages:
            before = len(self.emulator.scheduler_invocations())
            self.emulator.clock.speed_up_until(moment + timedelta(seconds=30), real_seconds=EXPIRY_SECONDS)
            deadline = time.monotonic() + EXPIRY_SECONDS + 60
            while len(self.emulator.scheduler_invocations()) < before + count and time.monotonic() < deadline:
                time.sleep(0.2)
            fired = self.emulator.scheduler_invocations()[before:]
            failed = [f"{i.target.rsplit(':', 1)[-1]}: {i.outcome}" for i in fired if not i.ok]
            if len(fired) != count or failed:
                raise PhaseFailed(
                    _("{stage} schedules: {fired} of {count} fired; {failed}").format(
                        stage=_(name), fired=len(fired), count=count, failed=failed
                    )
                )
            self.result.expiry.append((name, [i.outcome for i in fired]))
            stage = _(name)
            self.say(f"  {stage}: {', '.join(sorted({i.outcome for i in fired}))}")
        if stackset.across_accounts(self.account_here(), CLASS_NAME):
            raise PhaseFailed(_("the class's StackSet or its own stack is still there after the class's end"))
        self.say(_("  every lab, the StackSet and the class stack gone by the class's own schedules"))

    def _class_down(self) -> None:
        admin = self.account_here()
        failed = stackset.stackset_down(class_name=CLASS_NAME, account=admin, role_name=EXECUTION_ROLE, say=self.say)
        if failed:
            raise PhaseFailed(_("not deleted: {failed}").format(failed=failed))
        accounts = list(self.result.accounts.values())
        self.result.leftovers = stackset.leftovers(admin, CLASS_NAME, accounts, EXECUTION_ROLE)
        every = {ACCOUNT_ID: self.client, **{a: self._as(a, EXECUTION_ROLE).client for a in accounts}}
        for account_id, client in every.items():
            left = find_leftovers(client)
            roles = [r for r in left.pop("IAM roles", []) if r not in SETUP_ROLES]
            if roles:
                left["IAM roles"] = roles
            if left:
                self.result.rehearsal_leftovers[account_id] = left
        if self.result.leftovers or self.result.rehearsal_leftovers:
            raise PhaseFailed(
                _("left behind: {leftovers} {rehearsal_leftovers}").format(
                    leftovers=self.result.leftovers, rehearsal_leftovers=self.result.rehearsal_leftovers
                )
            )
        self.say(
            _(
                "nothing of class {name} left in {count} accounts: no StackSet, stack, tagged resource, IAM user, nor "
                "anything of any kind but the accounts' StackSets setup and the administrator's CDK bootstrap"
            ).format(name=CLASS_NAME, count=len(every))
        )


def _trust(principal: dict) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def _policy(action: str, resource: str = "*") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
    )


def main(argv: list | None = None) -> int:
    parser = cli.parser(
        __doc__,
        prog="python -m rehearsal.stackset_class",
        clock_help=_("speed of the emulator's clock: 0.1 makes a 60 s buffer interval flush in 6 s (default 1)"),
    )
    parser.add_argument("--accounts", type=int, default=3, help=_("student accounts in the class (default 3)"))
    parser.add_argument(
        "--end",
        choices=("down", "expiry"),
        default="down",
        help=_(
            "down: class-down ends the class; expiry: its schedules do first (their hours pass in seconds), then "
            "class-down checks what they leave"
        ),
    )
    try:
        args = cli.parse(
            parser,
            argv,
            valid=lambda a: 1 <= a.accounts <= MAX_ACCOUNTS,
            rule=_("rehearse-class: --clock-scale in (0, 1], --accounts 1 to {most}").format(most=MAX_ACCOUNTS),
        )
    except cli.BadArguments as error:
        return cli.refuse(str(error))
    rehearsal = StackSetClassRehearsal(
        accounts=args.accounts, clock_scale=args.clock_scale, context=args.context, expire=args.end == "expiry"
    )
    return cli.run(
        rehearsal,  # what cli.run needs of a lab: label, say() and result
        rehearsal.run,
        workdir_prefix="firehose-stackset-rehearsal-",
        passed=rehearsal.passed,
        stopped=stopped,
    )


if __name__ == "__main__":
    sys.exit(main())
