"""`make rehearse-class`: a class of N labs in one account, offline, from roster to nothing left.

On the emulator, in order, each a timed phase:
1. the real `cdk bootstrap`, then `make class-up ACCESS_KEYS=yes`'s own code (labctl/classroom/up.py) with a roster of
   N: the class app synthesized once by the real CDK CLI, the class stack, the labs `--concurrency` at a time, a
   one-time password, an access key and a handout per student;
1b. the class's Budgets backstop: its action names every lab's instance, and the emulator's IAM decides, as AWS would,
   each step of its run (backstop.py); the run itself is named as skipped (no spend offline);
2. every lab's instance boots: its own user-data in a sandbox of its own with its instance role's credentials, IAM
   enforced from here on, and every producer's first object lands in its own bucket;
3. `make class-status`'s rows;
4. the isolation matrix, under enforced IAM, with each student's own credentials (the access key class-up wrote into
   their handout; CloudShell would hold their console session's, evaluated by the same policies): every action of the
   guide (isolation.py) on their own lab, then on another student's. On AWS each own action is allowed and each
   other's refused. First, probes ask whether the emulator evaluates what the class policy relies on (a tag condition
   against a principal tag, a policy variable in a resource, a permissions boundary, aws:CurrentTime): what it cannot
   evaluate is named and the phase fails, never passed unevaluated;
5. no generated password or access key appears in any template, stack output or parameter, log line, or file but its
   handout;
6. `make class-down STUDENT=`'s own code removes the roster's last student: their lab stack, IAM user (password and
   keys) and everything tagged with them go (CloudFormation, IAM, the tagging API), every other student's lab, login
   and handout stay as they were and their producers keep delivering; then `make class-up` with them back on the
   roster deploys their lab alone and gives them a new handout, without an access key (this class-up is not given
   ACCESS_KEYS=yes); `--keep-roster` skips both;
7. with `--end expiry`, the class ends itself first: its hours pass in seconds, every lab's schedule deletes that lab,
   then the class stack's tries its own (users with a password keep it DELETE_FAILED: see lab_stack/class_stack.py);
8. `make class-down`'s own code: every lab, every user and the class stack deleted, then the tagging API, the class's
   IAM users and stacks listed (nothing may be left), and the rehearsal's own leftovers check over every kind.
The producers are stopped and the emulator with them, whatever failed.

Exit codes (cli.py): 0 the class rehearsal passed, 1 a phase failed (named on the last line), 2 bad arguments, 128 +
the signal's number when stopped.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from lab_stack.names import DATA_ROOT, student_lab_name
from lab_stack.roster import read_roster
from labctl.classroom import deploy, down, handouts, logins, status, up
from labctl.classroom.stacks import find_class, outputs
from labctl.toolkit import lab_config
from producer import service
from rehearsal import backstop, cli, isolation, student
from rehearsal.emulator import ACCOUNT_ID, Emulator
from rehearsal.leftovers import find_leftovers
from rehearsal.offline_lab import OfflineLab, PhaseFailed, cli_environment
from rehearsal.sandbox import Sandbox, Service
from rehearsal.stopping import Stopped, run_guarded, stops_deferred

CLASS_NAME = "rehearsal"
# Real seconds in which the hours until the class's end pass (--end expiry).
EXPIRY_SECONDS = 5.0
INSTRUCTOR = "rehearsal-instructor"  # reads every lab while IAM is enforced, as the account's admin would
BOOTS_AT_ONCE = 4


@dataclass
class ClassResult:
    """What the class rehearsal saw, for the summary, the benchmark and the tests."""

    phases: list = field(default_factory=list)  # (name, seconds, ok)
    failed_phase: str | None = None
    stopped_by: str | None = None
    students: list = field(default_factory=list)
    handouts: dict = field(default_factory=dict)  # student id -> handout path
    first_objects: dict = field(default_factory=dict)  # student id -> key of the first delivered object
    status_lines: list = field(default_factory=list)
    probes: list = field(default_factory=list)  # isolation.Probe
    matrix: list = field(default_factory=list)  # isolation.Cell
    secrets_found: list = field(default_factory=list)
    leftovers: list = field(default_factory=list)
    rehearsal_leftovers: dict = field(default_factory=dict)
    emulator_rss_mib: list = field(default_factory=list)  # (moment, MiB)
    removal: Removal | None = None
    readded: ReAdded | None = None
    access_keys: dict = field(default_factory=dict)  # student id -> (key id, secret), read from their handout
    backstop: Backstop | None = None
    skipped: list = field(default_factory=list)  # what the rehearsal could not do offline, each why


@dataclass
class Backstop:
    """The budget action's instances against the labs', and what its role would be allowed (backstop.RoleProbe)."""

    named: list
    labs: list
    probes: list


@dataclass
class Kept:
    """A student who stays, as seen after another's removal."""

    stack_status: str
    stack_unchanged: bool  # never updated, same instance
    login_profile: bool
    access_keys: int
    handout_unchanged: bool
    delivered_after: str  # the key of an object that landed after the removal ("" if none)


@dataclass
class Removal:
    """What `class-down STUDENT=` left of the student, and of everyone else."""

    student: str
    credentials_before: list  # what their user had: "password", "access key"
    stack_status: str  # "gone" once CloudFormation no longer lists it
    user_exists: bool
    tagged: list  # the tagging API's resources tagged with the class and the student
    leftovers: list  # class-down's own check for that student (tagged, IAM user, stack)
    handout_left: bool
    budget_names: list = field(default_factory=list)  # the instances the budget action names after it
    removed_instance: str = ""
    others: dict = field(default_factory=dict)  # student id -> Kept


@dataclass
class ReAdded:
    """What `class-up` did with the removed student back on the roster."""

    deployed: list
    handouts: list
    others_unchanged: dict  # student id -> whether their lab, login and handout are as they were
    access_keys: int  # the student's keys after it (class-up without ACCESS_KEYS=yes)
    budget_names: list = field(default_factory=list)  # the instances the budget action names after it
    labs: list = field(default_factory=list)  # every lab's instance after it


def roster_text(students: int, without: str | None = None) -> str:
    rows = [f"s{i},Student {i},{'es' if i % 2 else 'en'}" for i in range(1, students + 1) if f"s{i}" != without]
    return "student_id,display_name,language\n" + "\n".join(rows) + "\n"


def rss_mib() -> float:
    """This process's resident memory (the emulator runs in it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class ClassRehearsal:
    def __init__(
        self,
        *,
        students: int,
        clock_scale: float,
        context: list,
        concurrency: int,
        out=None,
        result=None,
        isolation: bool = True,
        expire: bool = False,
        remove_one: bool = True,
    ) -> None:
        """`isolation=False` (bench/class_scale.py) names the matrix as skipped instead of running it; `expire` lets
        the class end itself (its schedules, on the emulator's clock) before class-down finishes what is left;
        `remove_one` removes the roster's last student and adds them back (a class of two or more)."""
        self.isolation = isolation
        self.remove_one = remove_one and students >= 2
        self.expire = expire
        self.students = students
        self.clock_scale = clock_scale
        self.context = context
        self.concurrency = concurrency
        self.out = out or sys.stderr
        self.result = result if result is not None else ClassResult()
        self.label = "rehearse-class"  # the make target, as killed_runs.py names a killed run's
        self.emulator = Emulator(clock_scale=clock_scale)
        self.log: list[str] = []  # every line said, scanned for secrets
        self.services: dict[str, Service] = {}
        self.credentials: dict[str, dict] = {}

    # --- plumbing -------------------------------------------------------------------------------------------

    def say(self, message: str) -> None:
        self.log.append(message)
        print(f"[rehearse-class] {message}", file=self.out, flush=True)

    # A phase is timed, recorded and said as the offline lab's are.
    phase = OfflineLab.phase

    def client(self, service_name: str, **credentials):
        return self.emulator.client(service_name, **credentials)

    def instructor(self, service_name: str):
        return self.client(service_name, **self.credentials[INSTRUCTOR])

    def clients_of(self, student_id: str) -> Callable:
        """Clients in the account of the student's lab that read all of it, IAM enforced or not: the instructor's."""
        return self.instructor

    def cli_env(self, workdir: Path) -> dict:
        return cli_environment(self.emulator, workdir)

    def account(self, workdir: Path) -> up.Account:
        return up.Account(
            client=self.client,
            account_id=ACCOUNT_ID,
            region=self.emulator.region,
            cdk_env=self.cli_env(workdir),
            quiet_cdk=True,
            run_cdk=run_guarded,
        )

    def cdk_bootstrap(self, workdir: Path) -> None:
        """The real `cdk bootstrap` of the emulator's account (the class's), its CLI dying with the rehearsal."""
        deploy.cdk(
            ["bootstrap", f"aws://{ACCOUNT_ID}/{self.emulator.region}"],
            env=self.cli_env(workdir),
            quiet=True,
            run=run_guarded,
        )

    # --- the class's life -----------------------------------------------------------------------------------

    def run(self, workdir: Path) -> ClassResult:
        logging.getLogger("moto").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)
        try:
            with self.phase("start emulator"):
                self.emulator.start()
                self.say(f"emulator on {self.emulator.endpoint_url} (clock x{self.clock_scale:g})")
            self.result.emulator_rss_mib.append(("started", rss_mib()))
            with self.phase("cdk bootstrap"):
                self.cdk_bootstrap(workdir)
            with self.phase(f"class up ({self.students} labs, {self.concurrency} at a time)"):
                self._class_up(workdir)
            with self.phase("Budgets backstop: its action names every instance"):
                self._backstop()
            self.result.emulator_rss_mib.append(("deployed", rss_mib()))
            with self.phase(f"boot {self.students} instances (user-data in sandboxes, IAM enforced)"):
                self._boot_all(workdir)
            with self.phase("every producer's first object lands in its own bucket"):
                self._every_lab_delivers()
            self.result.emulator_rss_mib.append(("producing", rss_mib()))
            with self.phase("class status"):
                self._class_status()
            # An isolation the emulator cannot prove fails the rehearsal, but only after the class is down: what it
            # could not prove is named, and the rest (no secret anywhere, nothing left) still checked.
            isolation_failed = None
            if not self.isolation:
                self.say("isolation matrix: skipped (measuring scale only)")
            else:
                try:
                    with self.phase("isolation matrix (each student's own lab and another's, IAM enforced)"):
                        self._isolation()
                except PhaseFailed as failure:
                    isolation_failed = failure
            with self.phase("no password or key anywhere but its handout"):
                self._no_secret_anywhere(workdir)
            if self.remove_one:
                removed = self.result.students[-1]
                with self.phase(f"class down STUDENT={removed}: theirs gone, no one else's"):
                    self._remove_student(workdir, removed)
                with self.phase(f"class up with {removed} back: only their lab made"):
                    self._add_back(workdir, removed)
            if self.expire:
                with self.phase("the class ends itself (every lab's schedule, then the class's)"):
                    self._class_expires()
            with self.phase("class down, then nothing of the class left"):
                self._class_down(workdir)
            if isolation_failed:
                raise isolation_failed
        finally:
            self.close()
        return self.result

    def passed(self) -> str:
        return (
            f"PASSED: {self.students} labs deployed, the budget's action named every instance, every producer "
            f"delivered, {len(self.result.matrix)} isolation cells held, no password or key outside its handout, "
            + ("one student removed and added back alone, " if self.remove_one else "")
            + "class down left nothing"
        )

    def _class_up(self, workdir: Path) -> None:
        roster_path = workdir / "roster.csv"
        roster_path.write_text(roster_text(self.students))
        roster = read_roster(roster_path)
        self.result.students = roster.ids
        lab_config(self.context)  # the settings, checked as class-up checks them
        result = up.class_up(
            class_name=CLASS_NAME,
            roster=roster,
            roster_path=roster_path,
            settings=self.context,
            hours=24,
            handouts_dir=workdir / "handouts",
            concurrency=self.concurrency,
            account=self.account(workdir),
            say=self.say,
            workdir=workdir / "class-up",
            access_keys=True,
        )
        if result.problems or len(result.handouts) != self.students:
            raise PhaseFailed(f"class-up left students without a handout: {result.problems}")
        for path in result.handouts:
            mode = path.stat().st_mode & 0o777
            if mode != handouts.HANDOUT_MODE:
                raise PhaseFailed(f"{path} has mode {mode:o}, not {handouts.HANDOUT_MODE:o}")
            self.result.handouts[path.stem] = path
        for student_row in roster.students:
            text = self.result.handouts[student_row.student_id].read_text()
            if handouts.PASSWORD_LABELS[student_row.language] not in text:
                raise PhaseFailed(f"{student_row.student_id}'s handout is not in {student_row.language}")
            key = handouts.access_key_of(text)
            if key is None:
                raise PhaseFailed(f"{student_row.student_id}'s handout holds no access key (ACCESS_KEYS=yes)")
            self.result.access_keys[student_row.student_id] = (key.key_id, key.secret)
        self.say(f"  {self.students} handouts, mode 600, each in its student's language, with an access key")

    def _lab_instances(self) -> dict:
        """Every lab's instance id, by student, as the class's stacks say now."""
        found = find_class(self.client("cloudformation"), CLASS_NAME)
        return {student_id: outputs(stack)["InstanceId"] for student_id, stack in found.labs.items()}

    def _backstop(self) -> None:
        """The action names every lab's instance; the role's decisions as AWS makes them; the run named as skipped."""
        labs = sorted(self._lab_instances().values())
        ec2 = self.client("ec2")
        image = ec2.describe_images()["Images"][0]["ImageId"]
        stranger = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        try:
            probes = backstop.probe_role(self.client, ACCOUNT_ID, self.emulator.region, CLASS_NAME, labs, stranger)
        finally:
            ec2.terminate_instances(InstanceIds=[stranger])
        named = backstop.named_instances(self.client, ACCOUNT_ID, CLASS_NAME)
        self.result.backstop = Backstop(named=named, labs=labs, probes=probes)
        for probe in probes:
            self.say(f"  {probe}")
        self.result.skipped.append(f"Budgets: {backstop.SKIPPED}")
        self.say(f"  skipped: {backstop.SKIPPED}")
        wrong = [str(p) for p in probes if not p.holds]
        if named != labs or wrong:
            raise PhaseFailed(f"the budget's action names {named}, the labs' instances are {labs}; {wrong}")
        self.say(f"  the budget's action names the {len(labs)} labs' instances")

    def _boot_all(self, workdir: Path) -> None:
        """Every lab's user-data, a few at a time; then IAM is enforced for everyone. Each student acts with the
        access key class-up wrote into their handout."""
        iam = self.client("iam")
        for student_id, (key_id, secret) in self.result.access_keys.items():
            self.credentials[student_id] = {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
        self.credentials[INSTRUCTOR] = student.create_student(iam, ["*"], name=INSTRUCTOR)
        found = find_class(self.client("cloudformation"), CLASS_NAME)
        self.labs = {student_id: outputs(found.labs[student_id]) for student_id in self.result.students}
        # What each instance boots with, read before IAM is enforced (the test keys are no IAM user).
        boots = {student_id: self._boot_inputs(workdir, student_id) for student_id in self.result.students}
        self.emulator.enforce_iam(True)
        with ThreadPoolExecutor(max_workers=BOOTS_AT_ONCE) as pool:
            booted = dict(pool.map(lambda s: (s, self._boot(workdir, s, *boots[s])), self.result.students))
        self.services = booted
        self.say(f"  {len(booted)} producers running, each with its own instance role")

    def _boot_inputs(self, workdir: Path, student_id: str) -> tuple[str, dict]:
        """(the instance's user-data, the environment it runs with: its instance role's credentials)."""
        instance_id, client = self.labs[student_id]["InstanceId"], self.clients_of(student_id)
        user_data = client("ec2").describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
        script = base64.b64decode(user_data["UserData"]["Value"]).decode()
        _, role = student.instance_role(client, instance_id)
        keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
        env = {k: v for k, v in self.cli_env(workdir).items() if k not in keys}
        env.update(
            AWS_ACCESS_KEY_ID=role["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=role["aws_secret_access_key"],
            AWS_SESSION_TOKEN=role["aws_session_token"],
        )
        return script, env

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
        interval = 60 * self.clock_scale
        deadline = time.monotonic() + interval + 60 + 5 * self.students
        waiting = set(self.result.students)
        while waiting and time.monotonic() < deadline:
            for student_id in sorted(waiting):
                landed = self.clients_of(student_id)("s3").list_objects_v2(
                    Bucket=self.labs[student_id]["BucketName"], Prefix=DATA_ROOT
                )
                if landed.get("Contents"):
                    self.result.first_objects[student_id] = landed["Contents"][0]["Key"]
                    waiting.discard(student_id)
            time.sleep(0.5)
        if waiting:
            logs = {s: self.services[s].log.read_text()[-1500:] for s in sorted(waiting)}
            raise PhaseFailed(f"no object landed for {', '.join(sorted(waiting))}: {logs}")
        self.say(f"  every one of the {self.students} producers delivered to its own bucket")

    def _class_status(self) -> None:
        rows = status.class_rows(self.instructor, self.emulator.region, CLASS_NAME, lab_config(self.context))
        self.result.status_lines = status.table_lines(rows)
        for line in self.result.status_lines:
            self.say(f"  {line}")
        if len(rows) != self.students or any(row.objects in (None, 0) for row in rows):
            raise PhaseFailed("class status does not show every lab with its objects")

    def _isolation(self) -> None:
        boundary = next(
            p["Arn"]
            for p in self.instructor("iam").list_policies(Scope="Local")["Policies"]
            if p["PolicyName"] == f"{CLASS_NAME}-student-boundary"
        )
        self.result.probes = isolation.probe(self.client, self.labs, self.credentials[INSTRUCTOR], boundary)
        for found in self.result.probes:
            self.say(f"  probe: {found}")
        targets = {s: isolation.Target.of(CLASS_NAME, s, self.labs[s], self.result.first_objects[s]) for s in self.labs}
        self.result.matrix = isolation.matrix(self.client, self.credentials, targets)
        for line in isolation.summary(self.result.matrix):
            self.say(f"  {line}")
        problems = isolation.problems(self.result.probes, self.result.matrix)
        if problems:
            raise PhaseFailed("; ".join(problems))

    def _no_secret_anywhere(self, workdir: Path) -> None:
        passwords = {s: handouts.password_of(path.read_text()) for s, path in self.result.handouts.items()}
        if None in passwords.values() or len(passwords) != self.students:
            raise PhaseFailed(f"could not read every handout's password: {sorted(passwords)}")
        secrets = {f"{s}'s password": password for s, password in passwords.items()}
        for student_id, (key_id, secret) in self.result.access_keys.items():
            secrets[f"{student_id}'s access key id"] = key_id
            secrets[f"{student_id}'s secret access key"] = secret
        places = {"this rehearsal's output": "\n".join(self.log)}
        for path in workdir.rglob("*"):
            if path.is_file() and "handouts" not in path.parts and "instance-" not in str(path):
                try:
                    places[str(path.relative_to(workdir))] = path.read_text(errors="replace")
                except OSError:
                    continue
        cloudformation = self.instructor("cloudformation")
        for stack in cloudformation.describe_stacks()["Stacks"]:
            template = cloudformation.get_template(StackName=stack["StackName"])["TemplateBody"]
            places[f"stack {stack['StackName']}"] = json.dumps([stack, template], default=str)
        logs = self.instructor("logs")
        for group in logs.describe_log_groups()["logGroups"]:
            events = logs.filter_log_events(logGroupName=group["logGroupName"]).get("events", [])
            places[f"log group {group['logGroupName']}"] = "\n".join(e["message"] for e in events)
        self.result.secrets_found = [
            f"{what} in {place}" for what, secret in secrets.items() for place, text in places.items() if secret in text
        ]
        if self.result.secrets_found:
            raise PhaseFailed("; ".join(self.result.secrets_found))
        self.say(
            f"  {len(passwords)} passwords and {len(self.result.access_keys)} access keys, none in {len(places)} "
            "places searched (templates, outputs, logs, files)"
        )

    def _snapshot(self, student_id: str) -> dict:
        """A student's lab stack, login and handout as they are now."""
        stack = self.client("cloudformation").describe_stacks(StackName=student_lab_name(CLASS_NAME, student_id))
        [stack] = stack["Stacks"]
        iam = self.client("iam")
        user = student_lab_name(CLASS_NAME, student_id)
        profile = iam.get_login_profile(UserName=user)["LoginProfile"]
        return {
            "status": stack["StackStatus"],
            "stack": (stack.get("LastUpdatedTime"), outputs(stack)["InstanceId"]),
            "login": profile["CreateDate"],
            "keys": len(iam.list_access_keys(UserName=user)["AccessKeyMetadata"]),
            "handout": self.result.handouts[student_id].read_bytes(),
        }

    def _remove_student(self, workdir: Path, removed: str) -> None:
        """class-down STUDENT='s own code, with the roster without them; their instance goes with their lab, so its
        producer stops first, as a terminated instance's would."""
        self.emulator.enforce_iam(False)  # the CDK CLI's test keys are no IAM user
        kept = [s for s in self.result.students if s != removed]
        before = {s: self._snapshot(s) for s in kept}
        s3 = self.client("s3")
        landed = {s: self._data_keys(s3, s) for s in kept}
        iam = self.client("iam")
        user = student_lab_name(CLASS_NAME, removed)
        credentials = ["password"] if self._has_login(iam, user) else []
        credentials += ["access key"] * len(iam.list_access_keys(UserName=user)["AccessKeyMetadata"])
        removed_instance = self._lab_instances()[removed]
        self.services.pop(removed).stop()
        self.emulator.flush_firehose()
        roster_path = workdir / "roster-without.csv"
        roster_path.write_text(roster_text(self.students, without=removed))
        account = self.account(workdir)
        failed = down.remove_student(
            class_name=CLASS_NAME,
            student_id=removed,
            roster=read_roster(roster_path),
            roster_path=roster_path,
            settings=self.context,
            account=account,
            say=self.say,
            workdir=workdir / "class-down-student",
            handouts_dir=workdir / "handouts",
        )
        if failed:
            raise PhaseFailed(f"not deleted: {failed}")
        left = down.wait_for_nothing_left(account, CLASS_NAME, removed, wait_seconds=10, poll_seconds=1)
        stacks = find_class(self.client("cloudformation"), CLASS_NAME)
        removal = Removal(
            student=removed,
            credentials_before=credentials,
            stack_status=stacks.labs[removed]["StackStatus"] if removed in stacks.labs else "gone",
            user_exists=user in logins.class_users(iam, CLASS_NAME),
            tagged=[item for item in left if item.startswith("tagged: ")],
            leftovers=left,
            handout_left=handouts.handout_path(workdir / "handouts", removed).exists(),
            budget_names=backstop.named_instances(self.client, ACCOUNT_ID, CLASS_NAME),
            removed_instance=removed_instance,
        )
        self.result.removal = removal
        for student_id in kept:
            after = self._snapshot(student_id)
            removal.others[student_id] = Kept(
                stack_status=after["status"],
                stack_unchanged=after["stack"] == before[student_id]["stack"],
                login_profile=after["login"] == before[student_id]["login"],
                access_keys=after["keys"],
                handout_unchanged=after["handout"] == before[student_id]["handout"],
                delivered_after=self._next_object(s3, student_id, landed[student_id]),
            )
        problems = [
            f"{removed}: {what}"
            for what, wrong in (
                (f"their lab is {removal.stack_status}", removal.stack_status != "gone"),
                ("their IAM user is still there", removal.user_exists),
                (f"left: {left}", bool(left)),
                ("their handout is still there", removal.handout_left),
                ("the budget's action still names their instance", removed_instance in removal.budget_names),
                (
                    "the budget's action does not name every other lab's instance",
                    sorted(removal.budget_names) != sorted(self._lab_instances().values()),
                ),
            )
            if wrong
        ]
        problems += [
            f"{student_id}: {kept_student}"
            for student_id, kept_student in removal.others.items()
            if not (
                kept_student.stack_status == "CREATE_COMPLETE"
                and kept_student.stack_unchanged
                and kept_student.login_profile
                and kept_student.access_keys == before[student_id]["keys"]
                and kept_student.handout_unchanged
                and kept_student.delivered_after
            )
        ]
        if problems:
            raise PhaseFailed("; ".join(problems))
        self.result.students = kept
        self.say(f"  {removed}: lab, user and handout gone, nothing tagged with them; {len(kept)} other(s) as before")

    def _add_back(self, workdir: Path, student_id: str) -> None:
        """class-up's own code with the whole roster again: only the missing lab is deployed, a new handout made."""
        others = {s: self._snapshot(s) for s in self.result.students}
        roster_path = workdir / "roster.csv"
        result = up.class_up(
            class_name=CLASS_NAME,
            roster=read_roster(roster_path),
            roster_path=roster_path,
            settings=self.context,
            hours=24,
            handouts_dir=workdir / "handouts",
            concurrency=self.concurrency,
            account=self.account(workdir),
            say=self.say,
            workdir=workdir / "class-up-again",
        )
        iam, user = self.client("iam"), student_lab_name(CLASS_NAME, student_id)
        self.result.readded = ReAdded(
            deployed=result.deployed_labs,
            handouts=[path.stem for path in result.handouts],
            others_unchanged={s: self._snapshot(s) == before for s, before in others.items()},
            access_keys=len(iam.list_access_keys(UserName=user)["AccessKeyMetadata"]),
            budget_names=backstop.named_instances(self.client, ACCOUNT_ID, CLASS_NAME),
            labs=sorted(self._lab_instances().values()),
        )
        self.result.students = [*self.result.students, student_id]
        self.result.handouts[student_id] = handouts.handout_path(workdir / "handouts", student_id)
        back = self.result.readded
        if (
            back.deployed != [student_id]
            or back.handouts != [student_id]
            or not all(back.others_unchanged.values())
            or back.access_keys
            or back.budget_names != back.labs
        ):
            raise PhaseFailed(f"class-up with {student_id} back: {back}")
        self.say(f"  only {student_id}'s lab deployed, a new handout for them; the others' labs and logins as before")

    @staticmethod
    def _has_login(iam, user: str) -> bool:
        try:
            iam.get_login_profile(UserName=user)
        except iam.exceptions.NoSuchEntityException:
            return False
        return True

    def _data_keys(self, s3, student_id: str) -> set:
        bucket = self.labs[student_id]["BucketName"]
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=DATA_ROOT)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def _next_object(self, s3, student_id: str, seen: set) -> str:
        """The first object to land in the student's bucket that was not there before (two buffer intervals at most)."""
        deadline = time.monotonic() + 2 * 60 * self.clock_scale + 30
        while time.monotonic() < deadline:
            new = sorted(self._data_keys(s3, student_id) - seen)
            if new:
                return new[0]
            time.sleep(0.5)
        return ""

    def _class_expires(self) -> None:
        """Every lab's schedule deletes its lab at the class's end; an hour later the class stack's deletes the class
        stack, which stops DELETE_FAILED on users that still have a password (IAM's DeleteUser refuses them, and
        CloudFormation documents no removal of a login profile it did not make): class-down then finishes it."""
        self._stop_producers()
        self.emulator.enforce_iam(False)
        cloudformation = self.client("cloudformation")
        class_stack = find_class(cloudformation, CLASS_NAME).class_stack
        ends = datetime.fromisoformat(outputs(class_stack)["ExpiresAt"].replace("Z", "+00:00"))
        self.emulator.clock.speed_up_until(ends + timedelta(minutes=1), real_seconds=EXPIRY_SECONDS)
        deadline = time.monotonic() + EXPIRY_SECONDS + 60 + 10 * self.students
        while time.monotonic() < deadline:
            fired = self.emulator.scheduler_invocations()
            if len(fired) >= self.students + 2:  # every lab's, the budget stack's and the class stack's
                break
            time.sleep(0.5)
        fired = self.emulator.scheduler_invocations()
        failed = [f"{i.schedule_arn}: {i.outcome}" for i in fired if not i.ok]
        self.say(f"  {len(fired)} schedules fired, {len(fired) - len(failed)} DeleteStack calls accepted")
        found = find_class(cloudformation, CLASS_NAME)
        if found.labs or found.budget_stack:
            left = sorted(found.labs) + (["the budget stack"] if found.budget_stack else [])
            raise PhaseFailed(f"still there after the class's end: {left}; {failed}")
        status = found.class_stack["StackStatus"] if found.class_stack else "gone"
        self.say(f"  every lab and the budget stack gone; the class stack: {status}")
        if status not in ("gone", "DELETE_FAILED"):
            raise PhaseFailed(f"the class stack is {status} after its own end")

    def _class_down(self, workdir: Path) -> None:
        self._stop_producers()
        self.emulator.enforce_iam(False)  # the CDK CLI's and the instructor's test keys are no IAM user
        student.delete_student(self.client("iam"), name=INSTRUCTOR)
        self.emulator.flush_firehose()
        account = self.account(workdir)
        failed = down.remove_class(class_name=CLASS_NAME, account=account, concurrency=self.concurrency, say=self.say)
        if failed:
            raise PhaseFailed(f"not deleted: {failed}")
        self.result.leftovers = down.leftovers(account, CLASS_NAME)
        self.result.rehearsal_leftovers = find_leftovers(self.client)
        if self.result.leftovers or self.result.rehearsal_leftovers:
            raise PhaseFailed(f"left behind: {self.result.leftovers} {self.result.rehearsal_leftovers}")
        self.say(f"nothing of class {CLASS_NAME} left: no tagged resource, no IAM user, no stack, nothing of any kind")

    def _stop_producers(self) -> None:
        if getattr(self, "_producers_stopped", False):
            return
        self._producers_stopped = True
        with ThreadPoolExecutor(max_workers=BOOTS_AT_ONCE) as pool:
            list(pool.map(lambda unit: unit.stop(), self.services.values()))

    def close(self) -> None:
        with stops_deferred():
            for unit in self.services.values():
                unit.stop()
                unit.kill()
            self.emulator.stop()


def stopped(result: ClassResult, stop: Stopped) -> list:
    at = cli.stopped_where(result)
    where = f"{at[0]} phase: {at[1]}" if at else "before the first phase"
    return [*cli.phase_table(result), f"STOPPED by {stop} {where}"]


def main(argv: list | None = None) -> int:
    parser = cli.parser(
        __doc__,
        prog="python -m rehearsal.classroom",
        clock_help="speed of the emulator's clock: 0.1 makes a 60 s buffer interval flush in 6 s (default 1)",
    )
    parser.add_argument("--students", type=int, default=5, help="labs in the class (default 5)")
    parser.add_argument(
        "--concurrency", type=int, default=deploy.DEFAULT_CONCURRENCY, help="labs deployed or deleted at once"
    )
    parser.add_argument(
        "--end",
        choices=("down", "expiry"),
        default="down",
        help="down: class-down ends the class; expiry: its schedules do first (their hours pass in seconds), then "
        "class-down finishes what they leave",
    )
    parser.add_argument(
        "--keep-roster",
        action="store_true",
        help="skip removing the roster's last student (class-down STUDENT=) and adding them back (class-up)",
    )
    try:
        args = cli.parse(
            parser,
            argv,
            valid=lambda a: 1 <= a.students <= 30 and 1 <= a.concurrency <= deploy.MAX_CONCURRENCY,
            rule=f"rehearse-class: --clock-scale in (0, 1], --students 1 to 30, --concurrency 1 to "
            f"{deploy.MAX_CONCURRENCY}",
        )
    except cli.BadArguments as error:
        return cli.refuse(str(error))
    rehearsal = ClassRehearsal(
        students=args.students,
        clock_scale=args.clock_scale,
        context=args.context,
        concurrency=args.concurrency,
        expire=args.end == "expiry",
        remove_one=not args.keep_roster,
    )
    return cli.run(
        rehearsal,  # what cli.run needs of a lab: say() and result
        rehearsal.run,
        workdir_prefix="firehose-class-rehearsal-",
        passed=rehearsal.passed,
        stopped=stopped,
    )


if __name__ == "__main__":
    sys.exit(main())
