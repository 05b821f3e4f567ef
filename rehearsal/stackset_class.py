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
   only the organization's principals may read (an account outside the organization is refused it, even with
   s3:GetObject on everything), and every producer's first object lands in its own account's bucket;
4. `make class-status`'s rows, each lab read in its own account;
5. `make class-down`'s own code: every stack instance deleted in one operation, the StackSet and the class's own stack,
   then the class's leftovers listed in every account (tagging API, IAM users, stacks, the StackSet) and the
   rehearsal's own leftovers check over every kind in every account: nothing may be left but the accounts' setup.
   With `--end expiry` the class ends itself first, its hours passing in seconds, each stage in turn: every lab's own
   schedules stop its instance and delete its student's password, then the class stack's deletes every stack instance,
   then the emptied StackSet and the class stack go; each schedule's role is evaluated, and class-down finds nothing.
What the emulator does not model of StackSets is named as skipped in the summary (stack_sets.SKIPPED), never passed.
The producers are stopped and the emulator with them, whatever failed.

Exit codes (cli.py): 0 passed, 1 a phase failed (named on the last line), 2 bad arguments, 128 + the signal's number.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from botocore.exceptions import ClientError

from lab_stack.names import BOOTSTRAP_STACK, CLASS_TAG, DATA_ROOT, class_stackset_name, student_lab_name
from lab_stack.roster import read_roster
from lab_stack.stackset_config import StackSetClassConfig
from lab_stack.stackset_operations import ADMINISTRATION_ROLE, EXECUTION_ROLE, LABS_GO_AFTER, ORGANIZATION_ACCESS_ROLE
from labctl.classroom import deploy, handouts, stackset, status
from labctl.classroom.stacks import find_class, outputs, tags
from labctl.classroom.up import Account
from labctl.toolkit import context_with, lab_config
from producer import service
from rehearsal import cli, student
from rehearsal.emulator import ACCOUNT_ID, Emulator, unmodelled_types
from rehearsal.emulator.cloudformation import STACKSET_SKIPPED as SKIPPED
from rehearsal.leftovers import find_leftovers
from rehearsal.sandbox import Sandbox, Service
from rehearsal.stopping import Stopped, stops_deferred

CLASS_NAME = "rehearsal"
BOOTS_AT_ONCE = 3
# Real seconds in which each stage of the class's end comes.
EXPIRY_SECONDS = 3.0
MAX_ACCOUNTS = 10
# What the organization's accounts hold before the class and keep after it: their StackSets setup, and the role AWS
# Organizations makes in every account it creates (moto's Organizations makes it too).
SETUP_ROLES = (ADMINISTRATION_ROLE, EXECUTION_ROLE, ORGANIZATION_ACCESS_ROLE)
OUTSIDER = "999999999999"  # an account in no organization
# What the emulator does not show of the class, besides the StackSets operations (SKIPPED).
NOT_EVALUATED = (
    "Lambda reading CDK's auto-delete handler from the class bucket (the emulator's Lambda reads S3 unauthorized)",
    "the students' permissions boundary and its end at the class's end (make rehearse-class without ACCOUNTS probes "
    "what the emulator evaluates of a boundary)",
)


class PhaseFailed(Exception):
    """A phase did not do its job; str() says what was seen."""


@dataclass
class StackSetClassResult:
    phases: list = field(default_factory=list)  # (name, seconds, ok)
    failed_phase: str | None = None
    stopped_by: str | None = None
    accounts: dict = field(default_factory=dict)  # student id -> account id
    stacks: dict = field(default_factory=dict)  # student id -> their lab stack's name in their account
    refused_outside: str | None = None  # what an account outside the organization got for the lab's files
    handouts: list = field(default_factory=list)
    first_objects: dict = field(default_factory=dict)  # student id -> key of their first delivered object
    student_checks: list = field(default_factory=list)  # (student id, action, allowed)
    status_lines: list = field(default_factory=list)
    leftovers: list = field(default_factory=list)  # make class-down's own check
    rehearsal_leftovers: dict = field(default_factory=dict)  # account -> find_leftovers(), setup excluded
    skipped: list = field(default_factory=list)
    expiry: list = field(default_factory=list)  # (stage, what each of its schedules' calls did), with --end expiry


def roster_text(students: int) -> str:
    rows = [f"s{i},Student {i},{'es' if i % 2 else 'en'}" for i in range(1, students + 1)]
    return "student_id,display_name,language\n" + "\n".join(rows) + "\n"


class StackSetClassRehearsal:
    def __init__(self, *, accounts: int, clock_scale: float, context: list, out=None, expire: bool = False) -> None:
        self.count = accounts
        self.expire = expire
        self.clock_scale = clock_scale
        self.context = context
        self.out = out or sys.stderr
        self.result = StackSetClassResult()
        self.emulator = Emulator(clock_scale=clock_scale)
        self.services: dict[str, Service] = {}
        self.students: dict[str, Account] = {}  # student id -> their account, through its execution role

    # --- plumbing -------------------------------------------------------------------------------------------

    def say(self, message: str) -> None:
        print(f"[rehearse-class] {message}", file=self.out, flush=True)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            self.say(f"{name} ...")
            yield
        except BaseException as error:
            self.result.phases.append((name, time.monotonic() - started, False))
            self.result.failed_phase = self.result.failed_phase or name
            if isinstance(error, Stopped):
                self.result.stopped_by = self.result.stopped_by or str(error)
            raise
        seconds = time.monotonic() - started
        self.result.phases.append((name, seconds, True))
        self.say(f"{name}: done in {seconds:.1f}s")

    def cli_env(self, workdir: Path) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
        env.update(self.emulator.cli_env(workdir / "cdk-home"))
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
        return env

    def admin(self, workdir: Path) -> Account:
        return Account(
            client=self.emulator.client,
            account_id=ACCOUNT_ID,
            region=self.emulator.region,
            cdk_env=self.cli_env(workdir),
            quiet_cdk=True,
        )

    # --- the class's life -----------------------------------------------------------------------------------

    def run(self, workdir: Path) -> StackSetClassResult:
        logging.getLogger("moto").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)
        try:
            with self.phase("start emulator"):
                self.emulator.start()
                self.say(f"emulator on {self.emulator.endpoint_url} (clock x{self.clock_scale:g})")
            with self.phase(f"organization: {self.count} student accounts, StackSets set up"):
                self._organization()
            with self.phase("cdk bootstrap (the administrator's account only)"):
                deploy.cdk(
                    ["bootstrap", f"aws://{ACCOUNT_ID}/{self.emulator.region}"], env=self.cli_env(workdir), quiet=True
                )
            with self.phase(f"class up: a StackSet, {self.count} stack instances"):
                self._class_up(workdir)
            with self.phase(f"boot {self.count} instances in their accounts (IAM enforced)"):
                self._boot_all(workdir)
            with self.phase("every producer delivers in its own account"):
                self._every_lab_delivers()
            with self.phase("each student's login reaches their own lab only"):
                self._students_reach_their_own_lab()
            with self.phase("class status (each lab read in its account)"):
                self._stop_producers()
                self._class_status()
            if self.expire:
                with self.phase("the class ends itself (its schedules, in turn)"):
                    self._class_expires()
            with self.phase("class down, then nothing left in any account"):
                self._class_down()
        finally:
            self.close()
        return self.result

    def passed(self) -> str:
        ended = "the class ended itself and " if self.expire else ""
        return (
            f"PASSED: {self.count} labs in {self.count} accounts, each delivered, the lab's files read by the "
            f"organization only, {ended}class down left nothing in any account; skipped (not modelled): "
            + "; ".join(self.result.skipped)
        )

    def _organization(self) -> None:
        organizations, iam = self.emulator.client("organizations"), self.emulator.client("iam")
        organizations.create_organization(FeatureSet="ALL")
        iam.create_role(
            RoleName=ADMINISTRATION_ROLE,
            AssumeRolePolicyDocument=_trust({"Service": "cloudformation.amazonaws.com"}),
        )
        iam.put_role_policy(
            RoleName=ADMINISTRATION_ROLE,
            PolicyName="AssumeExecutionRole",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Resource": f"arn:*:iam::*:role/{EXECUTION_ROLE}",
                        }
                    ],
                }
            ),
        )
        for number in range(1, self.count + 1):
            made = organizations.create_account(Email=f"s{number}@example.com", AccountName=f"student-s{number}")
            account_id = made["CreateAccountStatus"]["AccountId"]
            self.result.accounts[f"s{number}"] = account_id
            target = self._as(account_id, ORGANIZATION_ACCESS_ROLE)
            target.client("iam").create_role(
                RoleName=EXECUTION_ROLE,
                AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}),
            )
            # AWS's template attaches AdministratorAccess, which moto does not load: the same document, inline.
            target.client("iam").put_role_policy(
                RoleName=EXECUTION_ROLE,
                PolicyName="AdministratorAccess",
                PolicyDocument=json.dumps(
                    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
                ),
            )
        self.say(f"  organization with {len(self.result.accounts)} student accounts: {self.result.accounts}")

    def _as(self, account_id: str, role_name: str) -> Account:
        """An account through a role there; the emulator lets the test keys assume it while IAM is not enforced."""
        admin = Account(client=self.emulator.client, account_id=ACCOUNT_ID, region=self.emulator.region)
        return stackset.in_account(admin, account_id, role_name)

    def _class_up(self, workdir: Path) -> None:
        roster_path = workdir / "roster.csv"
        roster_path.write_text(roster_text(self.count))
        accounts = ",".join(self.result.accounts[s] for s in read_roster(roster_path).ids)
        config = StackSetClassConfig.from_context(
            {
                **context_with(self.context),
                "className": CLASS_NAME,
                "roster": str(roster_path),
                "organizationId": stackset.ANY_ORGANIZATION,
                "accounts": accounts,
            },
            datetime.now(UTC),
        )
        result = stackset.stackset_up(
            class_name=CLASS_NAME,
            roster=config.classroom.roster,
            roster_path=roster_path,
            settings=self.context,
            hours=24,
            targets=config.targets,
            accounts=config.accounts,
            account=self.admin(workdir),
            say=self.say,
            workdir=workdir,
            handouts_dir=workdir / "handouts",
            role_name=EXECUTION_ROLE,
            template_url_base=f"http://localhost:{self.emulator.port}",
        )
        if result.problems or len(result.handouts) != self.count:
            raise PhaseFailed(f"class-up left students without a lab or a handout: {result.problems}")
        self._check_handouts(result.handouts)
        template = json.loads((workdir / "cdk.out" / f"{class_stackset_name(CLASS_NAME)}.template.json").read_text())
        self.result.skipped = [
            *SKIPPED,
            *NOT_EVALUATED,
            *unmodelled_types({r["Type"] for r in template["Resources"].values()}),
        ]
        for student_id, account_id in config.accounts.items():
            account = self.students[student_id] = stackset.in_account(self.admin(workdir), account_id, EXECUTION_ROLE)
            stacks = account.client("cloudformation").describe_stacks()["Stacks"]
            labs = [s for s in stacks if tags(s).get(CLASS_TAG) == CLASS_NAME]
            if len(labs) != 1 or outputs(labs[0]).get("Student") != student_id:
                held = [(s["StackName"], outputs(s).get("Student")) for s in labs]
                raise PhaseFailed(f"account {account_id} holds {held}, not one lab of {student_id}")
            if any(s["StackName"] == BOOTSTRAP_STACK for s in stacks):
                raise PhaseFailed(f"account {account_id} was bootstrapped for CDK: a StackSet's target needs not be")
            lab = labs[0]
            self.result.stacks[student_id] = lab["StackName"]
            self.say(f"  {student_id}: {lab['StackName']} in {account_id} ({lab['StackStatus']}), not bootstrapped")
        self.say(f"  skipped (the emulator does not model them): {'; '.join(self.result.skipped)}")

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
                raise PhaseFailed(f"{path}: mode {mode:o}, or not in {language}")
            if f"https://{account_id}.signin.aws.amazon.com/console" not in text or "lab-kit" in text:
                raise PhaseFailed(f"{path} does not send {student_id} to their own account's console, kit-less")
            user = student_lab_name(CLASS_NAME, student_id)
            profile = self.students_iam(account_id).get_login_profile(UserName=user)["LoginProfile"]
            if not profile.get("PasswordResetRequired"):
                raise PhaseFailed(f"{user}'s one-time password does not have to be changed at first sign-in")
        self.result.handouts = sorted(str(p) for p in paths)
        self.say(f"  {len(paths)} handouts, mode 600, each in its student's language, for their own account's console")

    def students_iam(self, account_id: str):
        return self._as(account_id, EXECUTION_ROLE).client("iam")

    def _boot_all(self, workdir: Path) -> None:
        boots = {s: self._boot_inputs(workdir, s) for s in self.students}
        outsider = self._outsider_reading_everything()
        self.emulator.enforce_iam(True)
        self._refused_outside_the_organization(outsider, boots)
        with ThreadPoolExecutor(max_workers=BOOTS_AT_ONCE) as pool:
            self.services = dict(pool.map(lambda s: (s, self._boot(workdir, s, *boots[s])), self.students))
        self.say(f"  {len(self.services)} producers running, each with its own instance role in its own account")

    def _boot_inputs(self, workdir: Path, student_id: str) -> tuple[str, dict]:
        """(the instance's user-data, its environment: the instance role's credentials in the student's account)."""
        account = self.students[student_id]
        stack = account.client("cloudformation").describe_stacks(StackName=self.result.stacks[student_id])["Stacks"][0]
        instance_id = outputs(stack)["InstanceId"]
        user_data = account.client("ec2").describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
        script = base64.b64decode(user_data["UserData"]["Value"]).decode()
        _, role = student.instance_role(account.client, instance_id)
        keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        env = {k: v for k, v in self.cli_env(workdir).items() if k not in keys}
        env.update(
            AWS_ACCESS_KEY_ID=role["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=role["aws_secret_access_key"],
            AWS_SESSION_TOKEN=role["aws_session_token"],
        )
        return script, env

    def _outsider_reading_everything(self) -> dict:
        """Credentials of an account outside the organization whose own policy allows s3:GetObject on everything."""
        outsider = self._as(OUTSIDER, "reader")
        outsider.client("iam").create_role(RoleName="reader", AssumeRolePolicyDocument=_trust({"AWS": "*"}))
        outsider.client("iam").put_role_policy(
            RoleName="reader",
            PolicyName="read-everything",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
            ),
        )
        answer = self.emulator.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{OUTSIDER}:role/reader", RoleSessionName="outsider"
        )["Credentials"]
        return {
            "aws_access_key_id": answer["AccessKeyId"],
            "aws_secret_access_key": answer["SecretAccessKey"],
            "aws_session_token": answer["SessionToken"],
        }

    def _refused_outside_the_organization(self, outsider: dict, boots: dict) -> None:
        """The producer's object, which every student account's instance reads, is refused to another account."""
        script = next(iter(boots.values()))[0]
        location = re.search(r"s3://[^'\s]+", script).group(0)
        bucket, key = location.removeprefix("s3://").split("/", 1)
        self.producer_object = (bucket, key)
        try:
            self.emulator.client("s3", **outsider).get_object(Bucket=bucket, Key=key)
        except ClientError as error:
            self.result.refused_outside = error.response["Error"]["Code"]
        # moto answers a bucket policy's refusal of an object request with a bare HTTP 403 (AWS: AccessDenied).
        if self.result.refused_outside not in (*student.ACCESS_DENIED, "403"):
            raise PhaseFailed(f"an account outside the organization read {location}: {self.result.refused_outside}")
        self.say(f"  {location}: refused to an account outside the organization ({self.result.refused_outside})")

    def _boot(self, workdir: Path, student_id: str, script: str, env: dict) -> Service:
        sandbox = Sandbox(workdir / f"instance-{student_id}")
        self.emulator.clock.publish(sandbox.clock_file)
        run = sandbox.run_user_data(script, env=env)
        if run.returncode:
            raise PhaseFailed(f"{student_id}'s user-data exited {run.returncode}:\n{run.stdout}{run.stderr}")
        unit = sandbox.service(service.UNIT_NAME)
        if unit is None:
            raise PhaseFailed(f"{student_id}'s user-data did not start {service.UNIT_NAME}")
        return unit

    def _every_lab_delivers(self) -> None:
        deadline = time.monotonic() + 60 * self.clock_scale + 60 + 5 * self.count
        buckets = {}
        for student_id, account in self.students.items():
            stack = account.client("cloudformation").describe_stacks(StackName=self.result.stacks[student_id])
            buckets[student_id] = outputs(stack["Stacks"][0])["BucketName"]
        waiting = set(self.students)
        while waiting and time.monotonic() < deadline:
            for student_id in sorted(waiting):
                s3 = self.students[student_id].client("s3")
                landed = s3.list_objects_v2(Bucket=buckets[student_id], Prefix=DATA_ROOT).get("Contents")
                if landed:
                    self.result.first_objects[student_id] = landed[0]["Key"]
                    waiting.discard(student_id)
            time.sleep(0.5)
        if waiting:
            logs = {s: self.services[s].log.read_text()[-1500:] for s in sorted(waiting)}
            raise PhaseFailed(f"no object landed for {', '.join(sorted(waiting))}: {logs}")
        self.say(f"  each of the {self.count} producers delivered to its own account's bucket, IAM enforced")

    def _students_reach_their_own_lab(self) -> None:
        """With IAM enforced, each student's own user (keys standing for their console session, as CloudShell would
        hold it) reads their lab and may not delete it, nor read the class bucket's files."""
        for student_id, account in self.students.items():
            user = student_lab_name(CLASS_NAME, student_id)
            key = account.client("iam").create_access_key(UserName=user)["AccessKey"]
            me = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
            lab = outputs(
                account.client("cloudformation").describe_stacks(StackName=self.result.stacks[student_id])["Stacks"][0]
            )
            attempts = {
                "s3:ListBucket on their bucket": (
                    True,
                    lambda me=me, lab=lab: self.emulator.client("s3", **me).list_objects_v2(Bucket=lab["BucketName"]),
                ),
                "firehose:DescribeDeliveryStream on their stream": (
                    True,
                    lambda me=me, lab=lab: self.emulator.client("firehose", **me).describe_delivery_stream(
                        DeliveryStreamName=lab["DeliveryStreamName"]
                    ),
                ),
                "firehose:DeleteDeliveryStream on their stream": (
                    False,
                    lambda me=me, lab=lab: self.emulator.client("firehose", **me).delete_delivery_stream(
                        DeliveryStreamName=lab["DeliveryStreamName"]
                    ),
                ),
                "s3:GetObject on the class bucket's producer": (
                    False,
                    lambda me=me: self.emulator.client("s3", **me).get_object(
                        Bucket=self.producer_object[0], Key=self.producer_object[1]
                    ),
                ),
            }
            for action, (expected, attempt) in attempts.items():
                try:
                    attempt()
                    allowed = True
                except ClientError as error:
                    if error.response["Error"]["Code"] not in (*student.ACCESS_DENIED, "403"):
                        raise PhaseFailed(f"{student_id}'s {action} failed with {error}") from None
                    allowed = False
                self.result.student_checks.append((student_id, action, allowed))
                if allowed != expected:
                    raise PhaseFailed(f"{student_id} was {'allowed' if allowed else 'refused'} {action}")
            # The keys stood for the console session; a student gets none (their policy cannot make one either).
            account.client("iam").delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
        self.say(
            f"  {len(self.result.student_checks)} checks: each student reads their lab, may not delete it nor read the "
            "class's files (their boundary's end at the class's end is not probed here)"
        )

    def _stop_producers(self) -> None:
        """`systemctl stop` of every producer (they send what they hold), then IAM enforcement ends."""
        with ThreadPoolExecutor(max_workers=BOOTS_AT_ONCE) as pool:
            list(pool.map(lambda unit: unit.stop(), self.services.values()))
        self.emulator.enforce_iam(False)  # the administrator's test keys are no IAM user
        self.emulator.flush_firehose()

    def _class_status(self) -> None:
        admin = Account(client=self.emulator.client, account_id=ACCOUNT_ID, region=self.emulator.region)
        rows = stackset.stackset_rows(admin, CLASS_NAME, EXECUTION_ROLE, lab_config(self.context))
        self.result.status_lines = status.table_lines(rows)
        for line in self.result.status_lines:
            self.say(f"  {line}")
        if sorted(row.student for row in rows) != sorted(self.students) or any(not row.objects for row in rows):
            raise PhaseFailed("class status does not show every student's lab with its objects")

    def _class_expires(self) -> None:
        """The class's end as its schedules play it: at the end every lab's (stop its instance, delete its student's
        password), LABS_GO_AFTER later the class stack's DeleteStackInstances, at the class stack's own ExpiresAt the
        StackSet's and the class stack's deletion. Each stage's hours pass in seconds once the previous one fired."""
        class_stack = find_class(self.emulator.client("cloudformation"), CLASS_NAME).class_stack
        ends, last = (
            datetime.fromisoformat(outputs(class_stack)[key].replace("Z", "+00:00"))
            for key in ("LabsExpireAt", "ExpiresAt")
        )
        stages = (
            ("the labs' own", ends, 2 * self.count),
            ("the class's DeleteStackInstances", ends + LABS_GO_AFTER, 1),
            ("the StackSet's and the class stack's deletion", last, 2),
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
                raise PhaseFailed(f"{name} schedules: {len(fired)} of {count} fired; {failed}")
            self.result.expiry.append((name, [i.outcome for i in fired]))
            self.say(f"  {name}: {', '.join(sorted({i.outcome for i in fired}))}")
        admin = Account(client=self.emulator.client, account_id=ACCOUNT_ID, region=self.emulator.region)
        if stackset.across_accounts(admin, CLASS_NAME):
            raise PhaseFailed("the class's StackSet or its own stack is still there after the class's end")
        self.say("  every lab, the StackSet and the class stack gone by the class's own schedules")

    def _class_down(self) -> None:
        admin = Account(client=self.emulator.client, account_id=ACCOUNT_ID, region=self.emulator.region)
        failed = stackset.stackset_down(class_name=CLASS_NAME, account=admin, role_name=EXECUTION_ROLE, say=self.say)
        if failed:
            raise PhaseFailed(f"not deleted: {failed}")
        accounts = list(self.result.accounts.values())
        self.result.leftovers = stackset.leftovers(admin, CLASS_NAME, accounts, EXECUTION_ROLE)
        every = {ACCOUNT_ID: self.emulator.client, **{a: self._as(a, EXECUTION_ROLE).client for a in accounts}}
        for account_id, client in every.items():
            left = find_leftovers(client)
            roles = [r for r in left.pop("IAM roles", []) if r not in SETUP_ROLES]
            if roles:
                left["IAM roles"] = roles
            if left:
                self.result.rehearsal_leftovers[account_id] = left
        if self.result.leftovers or self.result.rehearsal_leftovers:
            raise PhaseFailed(f"left behind: {self.result.leftovers} {self.result.rehearsal_leftovers}")
        self.say(
            f"nothing of class {CLASS_NAME} left in {len(every)} accounts: no StackSet, stack, tagged resource, IAM "
            "user, nor anything of any kind but the accounts' StackSets setup and the administrator's CDK bootstrap"
        )

    def close(self) -> None:
        with stops_deferred():
            for unit in self.services.values():
                unit.stop()
                unit.kill()
            self.emulator.stop()


def _trust(principal: dict) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def stopped(result: StackSetClassResult, stop: Stopped) -> list:
    at = cli.stopped_where(result)
    where = f"{at[0]} phase: {at[1]}" if at else "before the first phase"
    return [*cli.phase_table(result), f"STOPPED by {stop} {where}"]


def main(argv: list | None = None) -> int:
    parser = cli.parser(
        __doc__,
        prog="python -m rehearsal.stackset_class",
        clock_help="speed of the emulator's clock: 0.1 makes a 60 s buffer interval flush in 6 s (default 1)",
    )
    parser.add_argument("--accounts", type=int, default=3, help="student accounts in the class (default 3)")
    parser.add_argument(
        "--end",
        choices=("down", "expiry"),
        default="down",
        help="down: class-down ends the class; expiry: its schedules do first (their hours pass in seconds), then "
        "class-down checks what they leave",
    )
    try:
        args = cli.parse(
            parser,
            argv,
            valid=lambda a: 1 <= a.accounts <= MAX_ACCOUNTS,
            rule=f"rehearse-class: --clock-scale in (0, 1], --accounts 1 to {MAX_ACCOUNTS}",
        )
    except cli.BadArguments as error:
        return cli.refuse(str(error))
    rehearsal = StackSetClassRehearsal(
        accounts=args.accounts, clock_scale=args.clock_scale, context=args.context, expire=args.end == "expiry"
    )
    return cli.run(
        rehearsal,  # what cli.run needs of a lab: say() and result
        rehearsal.run,
        workdir_prefix="firehose-stackset-rehearsal-",
        passed=rehearsal.passed,
        stopped=stopped,
    )


if __name__ == "__main__":
    sys.exit(main())
