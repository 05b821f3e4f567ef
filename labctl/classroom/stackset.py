"""A class across accounts (`make class-up|class-status|class-down ACCOUNTS=...` or `OU=...`): one lab per student
account, the stack instances of one CloudFormation StackSet administered from this account.

class up, in order, each step stopping the run with one line if it fails (and nothing after it done):
1. the roster, the class name, the lab settings and the accounts are checked, offline (lab_stack/stackset_config.py);
2. this account's organization is read (its principals may read the class bucket's lab files);
3. the class's end is the deployed class's (LabsExpireAt), or `hours` from now for a new class;
4. the StackSet app is synthesized once by the real CDK CLI (stackset_app.py) and the class's own stack deployed here:
   the class bucket and the class's end (lab_stack/stackset_admin.py);
5. the lab's files and its template are published to the class bucket (lab_stack/published_assets.py);
6. the StackSet is made, or found: then its template must be the one just synthesized (a class's labs are never
   updated under their students; a changed lab is a new class);
7. each student whose account has no lab gets one, their StudentId the stack instance's ParameterOverrides entry:
   the first alone, then the others, one operation each (lab_stack/stackset_operations.py says why). A student whose
   account holds another student's lab is refused, naming both;
8. each student with a lab and no handout gets a one-time password for their IAM user in their account
   (lab_stack/student_login.py) and their handout, as in a class in one account (logins.py, handouts.py).
class status reads every stack instance and, in its account, its lab: the one-account class's table
(labctl/classroom/status.py), each student's stack cell saying its stack instance's status too.
class down deletes every stack instance in one operation (or one student's), then the StackSet and the class's own
stack, then lists, in this account and in every student account, what is still tagged with the class, the class's
IAM users and stacks (labctl/classroom/down.py), and a StackSet left: nothing may be.

Reading a student account is done with a role the administrator may assume there: the StackSets execution role of a
self-managed StackSet (ADMINISTRATION/EXECUTION roles: lab_stack/stackset_operations.py), or, for an OU, the role
AWS Organizations made in each account it created.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from botocore.exceptions import ClientError

from lab_stack.config import LabConfig
from lab_stack.names import class_stack_name, class_stackset_name, student_lab_name
from lab_stack.published_assets import TEMPLATES_PREFIX, asset_body, read_manifest
from lab_stack.roster import UNASSIGNED_STUDENT, Roster
from lab_stack.stackset_operations import (
    CAPABILITIES,
    CREATE_PREFERENCES,
    DELETE_PREFERENCES,
    EXECUTION_ROLE,
    MANAGED_EXECUTION,
    ORGANIZATION_ACCESS_ROLE,
    StackSetTargets,
)
from labctl.classroom import deploy, down, handouts, logins, status, up
from labctl.classroom.stacks import delete_stacks, find_class, labs_expire_at, outputs
from labctl.classroom.up import Account
from labctl.cost import estimate
from labctl.i18n import _, ngettext

STACKSET_APP = "stackset_app.py"
STUDENT_ID = "StudentId"  # the lab template's parameter (lab_stack/stackset.py)
ASSETS_BUCKET = "AssetsBucket"
SESSION_NAME = "firehose-lab-class"
# A placeholder organization id, for checking the settings offline before the real one is read.
ANY_ORGANIZATION = "o-0000000000"
# How an operation is waited for, in seconds between looks and at most (a lab takes minutes on AWS).
POLL_SECONDS, OPERATION_TIMEOUT_SECONDS = 10.0, 3600.0
DONE = ("SUCCEEDED", "FAILED", "STOPPED")


class StackSetRefused(Exception):
    """A class across accounts cannot go on; str() is one line for the instructor."""


@dataclass
class StackSetUp:
    expires_at: datetime
    created: list[str] = field(default_factory=list)  # students whose lab was made now
    handouts: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line each: a student without a working lab, and why


def across_accounts(account: Account, class_name: str) -> bool:
    """Whether the class is across accounts: its StackSet is there, or its own stack names one."""
    cloudformation = account.client("cloudformation")
    if class_stackset_name(class_name) in _live_stacksets(cloudformation):
        return True
    return "StackSetName" in outputs(find_class(cloudformation, class_name).class_stack or {})


def access_role(targets: StackSetTargets) -> str:
    """The role the administrator assumes in a student account by default (see the module's docstring)."""
    return ORGANIZATION_ACCESS_ROLE if targets.service_managed else EXECUTION_ROLE


def reading_role(there: dict[str, Instance]) -> str:
    """The role the administrator assumes by default in the accounts of a deployed class's stack instances."""
    on_ou = any(i.organizational_unit for i in there.values())
    return ORGANIZATION_ACCESS_ROLE if on_ou else EXECUTION_ROLE


def in_account(admin: Account, account_id: str, role_name: str) -> Account:
    """The student account `account_id`, through `role_name` there (AssumeRole from the administrator's account)."""
    partition = admin.client("sts").get_caller_identity()["Arn"].split(":")[1]
    role = f"arn:{partition}:iam::{account_id}:role/{role_name}"
    try:
        answer = admin.client("sts").assume_role(RoleArn=role, RoleSessionName=SESSION_NAME)["Credentials"]
    except ClientError as error:
        raise StackSetRefused(
            _("cannot read account {account} through {role}: {error}").format(
                account=account_id, role=role, error=error
            )
        ) from None
    keys = {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }
    return Account(client=lambda service: admin.client(service, **keys), account_id=account_id, region=admin.region)


def organization_id(admin: Account) -> str:
    try:
        return admin.client("organizations").describe_organization()["Organization"]["Id"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "AWSOrganizationsNotInUseException":
            raise StackSetRefused(
                _(
                    "account {account} is in no AWS Organizations organization: a class across accounts shares its "
                    "lab files with the organization's accounts (aws:PrincipalOrgID)"
                ).format(account=admin.account_id)
            ) from None
        raise


def stackset_context(
    class_name: str,
    roster_path: Path,
    expires_at: datetime,
    settings: Sequence[str],
    organization: str,
    targets: StackSetTargets,
) -> list[str]:
    """The `-c` arguments of the StackSet app."""
    where = (
        f"organizationalUnit={targets.organizational_unit}"
        if targets.service_managed
        else f"accounts={','.join(targets.accounts)}"
    )
    return [
        *deploy.class_context(class_name, roster_path, expires_at, settings),
        f"organizationId={organization}",
        where,
    ]


# --- class up ----------------------------------------------------------------------------------------------------


def stackset_up(
    *,
    class_name: str,
    roster: Roster,
    roster_path: Path,
    settings: Sequence[str],
    hours: int,
    targets: StackSetTargets,
    accounts: dict[str, str],
    account: Account,
    say: Callable[[str], None],
    workdir: Path,
    handouts_dir: Path,
    role_name: str,
    template_url_base: str | None = None,
    now: datetime | None = None,
) -> StackSetUp:
    """Steps 2 to 8 (the caller checked the roster, settings and accounts: `accounts`, student id -> account);
    raises StackSetRefused or deploy.DeployFailed. `role_name`: the role to assume in a student account;
    `template_url_base`: where CloudFormation reads S3 objects (None: S3's regional endpoint)."""
    organization = organization_id(account)
    cloudformation = account.client("cloudformation")
    expires_at = labs_expire_at(find_class(cloudformation, class_name).class_stack)
    if expires_at is None:
        expires_at = ((now or datetime.now(UTC)) + timedelta(hours=hours)).replace(microsecond=0)
        said = _("class {name}: new, {count} students, one account each; ends {ends}")
    else:
        said = _("class {name}: deployed, ending {ends} (kept); {count} in the roster")
    say(said.format(name=class_name, count=len(roster), ends=f"{expires_at:%Y-%m-%d %H:%M UTC}"))
    context = stackset_context(class_name, roster_path, expires_at, settings, organization, targets)
    say(_("synthesizing the class and its lab template (CDK CLI)"))
    assembly = account.cdk_synth(context, workdir / "cdk.out", app=STACKSET_APP)
    say(_("deploying {stack}: the class bucket and the class's end").format(stack=class_stack_name(class_name)))
    account.cdk_deploy(
        assembly, [class_stack_name(class_name)], concurrency=1, outputs_file=workdir / "class-outputs.json"
    )
    bucket = outputs(find_class(cloudformation, class_name).class_stack)[ASSETS_BUCKET]
    template = (assembly / f"{class_stackset_name(class_name)}.template.json").read_text()
    url = publish(account, bucket, assembly, class_stackset_name(class_name), template, base=template_url_base)
    say(_("published the lab's files and template to s3://{bucket}").format(bucket=bucket))
    ensure_stackset(cloudformation, class_name, template, url, bucket, targets)
    result = StackSetUp(expires_at)
    add_students(cloudformation, class_name, accounts, account.region, targets, result, say)
    hand_out(account, class_name, roster, accounts, role_name, handouts_dir, result, say)
    return result


def publish(account: Account, bucket: str, assembly: Path, lab: str, template: str, *, base: str | None) -> str:
    """Every file of the lab template (`lab`: its artifact in the assembly) into the class bucket, each once (its key
    is its content's hash), and the template itself; the template's URL for CloudFormation."""
    s3 = account.client("s3")
    for asset in read_manifest(assembly, lab):
        try:
            s3.head_object(Bucket=bucket, Key=asset.key)
        except ClientError:
            s3.put_object(Bucket=bucket, Key=asset.key, Body=asset_body(assembly, asset))
    key = f"{TEMPLATES_PREFIX}{hashlib.sha256(template.encode()).hexdigest()}.json"
    s3.put_object(Bucket=bucket, Key=key, Body=template.encode(), ContentType="application/json")
    return f"{base or f'https://s3.{account.region}.amazonaws.com'}/{bucket}/{key}"


def ensure_stackset(
    cloudformation, class_name: str, template: str, url: str, bucket: str, targets: StackSetTargets
) -> None:
    """Make the class's StackSet, or check that the one there has this very template."""
    name = class_stackset_name(class_name)
    try:
        found = cloudformation.describe_stack_set(StackSetName=name)["StackSet"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "StackSetNotFoundException":
            raise
        found = None
    if found is not None and found.get("Status") != "DELETED":
        if json.loads(found["TemplateBody"]) != json.loads(template):
            raise StackSetRefused(
                _(
                    "the lab template of StackSet {name} is not the one these settings and this code make; a class's "
                    "labs are never updated under their students: make class-down, then class-up the changed class"
                ).format(name=name)
            )
        return
    cloudformation.create_stack_set(
        StackSetName=name,
        Description=f"firehose-lab {class_name}: a lab per student account",
        TemplateURL=url,
        Parameters=[
            {"ParameterKey": ASSETS_BUCKET, "ParameterValue": bucket},
            # Every stack instance overrides it with its student's id; a lab made without one says so.
            {"ParameterKey": STUDENT_ID, "ParameterValue": UNASSIGNED_STUDENT},
        ],
        Capabilities=CAPABILITIES,
        PermissionModel="SERVICE_MANAGED" if targets.service_managed else "SELF_MANAGED",
        # A service-managed StackSet would deploy by itself into an account joining the OU, with no student.
        **({"AutoDeployment": {"Enabled": False}} if targets.service_managed else {}),
        ManagedExecution=MANAGED_EXECUTION,
        Tags=[{"Key": "class", "Value": class_name}],
    )


@dataclass(frozen=True)
class Instance:
    """A student's stack instance, as the StackSet reports it."""

    account: str
    student: str  # its StudentId override (UNASSIGNED_STUDENT when it has none)
    status: str  # CURRENT, OUTDATED, INOPERABLE
    detailed: str  # SUCCEEDED, FAILED, ...
    reason: str
    stack_id: str | None
    organizational_unit: str | None


def instances(cloudformation, class_name: str, region: str) -> dict[str, Instance]:
    """The class's stack instances in `region`, by account."""
    name = class_stackset_name(class_name)
    if name not in _live_stacksets(cloudformation):
        return {}
    found = {}
    for page in cloudformation.get_paginator("list_stack_instances").paginate(StackSetName=name):
        for summary in page["Summaries"]:
            if summary["Region"] != region:
                continue
            detail = cloudformation.describe_stack_instance(
                StackSetName=name, StackInstanceAccount=summary["Account"], StackInstanceRegion=region
            )["StackInstance"]
            overrides = {p["ParameterKey"]: p["ParameterValue"] for p in detail.get("ParameterOverrides", [])}
            found[summary["Account"]] = Instance(
                account=summary["Account"],
                student=overrides.get(STUDENT_ID, UNASSIGNED_STUDENT),
                status=summary["Status"],
                detailed=summary.get("StackInstanceStatus", {}).get("DetailedStatus", ""),
                reason=summary.get("StatusReason", ""),
                stack_id=summary.get("StackId"),
                organizational_unit=summary.get("OrganizationalUnitId"),
            )
    return found


def _create_instance(cloudformation, class_name: str, student: str, account_id: str, region: str, targets) -> str:
    where = (
        {
            "DeploymentTargets": {
                "Accounts": [account_id],
                "AccountFilterType": "INTERSECTION",
                "OrganizationalUnitIds": [targets.organizational_unit],
            }
        }
        if targets.service_managed
        else {"Accounts": [account_id]}
    )
    return cloudformation.create_stack_instances(
        StackSetName=class_stackset_name(class_name),
        **where,
        Regions=[region],
        ParameterOverrides=[{"ParameterKey": STUDENT_ID, "ParameterValue": student}],
        OperationPreferences=CREATE_PREFERENCES,
    )["OperationId"]


def wait(cloudformation, class_name: str, operation_ids: Sequence[str], *, poll_seconds: float = POLL_SECONDS) -> dict:
    """{operation id: its final status}, each operation looked at until it is done (or the timeout passed)."""
    name = class_stackset_name(class_name)
    deadline = time.monotonic() + OPERATION_TIMEOUT_SECONDS
    final: dict[str, str] = {}
    while True:
        for operation_id in operation_ids:
            if operation_id not in final:
                answer = cloudformation.describe_stack_set_operation(StackSetName=name, OperationId=operation_id)
                state = answer["StackSetOperation"]["Status"]
                if state in DONE:
                    final[operation_id] = state
        if len(final) == len(operation_ids) or time.monotonic() > deadline:
            return {o: final.get(o, _("still running")) for o in operation_ids}
        time.sleep(poll_seconds)


def add_students(
    cloudformation,
    class_name: str,
    accounts: dict[str, str],
    region: str,
    targets: StackSetTargets,
    result: StackSetUp,
    say: Callable[[str], None],
) -> None:
    """A stack instance for each student without one: the first alone, then the others (stackset_operations.py)."""
    there = instances(cloudformation, class_name, region)
    waiting = []
    for student, account_id in accounts.items():
        found = there.get(account_id)
        if found is None:
            waiting.append(student)
        elif found.student != student:
            raise StackSetRefused(
                _(
                    "account {account} holds {holder}'s lab, not {student}'s: each account is one student's; fix the "
                    "roster (or ACCOUNTS), or make class-down STUDENT={holder}"
                ).format(account=account_id, holder=found.student, student=student)
            )
    if not waiting:
        say(_("every student of the roster has a lab ({count})").format(count=len(accounts)))
    else:
        first, rest = waiting[0], waiting[1:]
        say(
            _("making {student}'s lab first, alone, in account {account}").format(
                student=first, account=accounts[first]
            )
        )
        outcome = wait(
            cloudformation,
            class_name,
            [_create_instance(cloudformation, class_name, first, accounts[first], region, targets)],
        )
        if list(outcome.values()) != ["SUCCEEDED"]:
            found = instances(cloudformation, class_name, region).get(accounts[first])
            state = list(outcome.values())[0]
            raise StackSetRefused(
                _(
                    "{student}'s lab could not be made in account {account} ({why}); no other student's was tried"
                ).format(
                    student=first,
                    account=accounts[first],
                    why=f"{state}: {found.reason}" if found and found.reason else state,
                )
            )
        result.created.append(first)
        if rest:
            say(
                _("making {count} more, each its own operation: {students}").format(
                    count=len(rest), students=", ".join(rest)
                )
            )
            operations = {
                _create_instance(cloudformation, class_name, s, accounts[s], region, targets): s for s in rest
            }
            for operation_id, state in wait(cloudformation, class_name, list(operations)).items():
                if state == "SUCCEEDED":
                    result.created.append(operations[operation_id])
    there = instances(cloudformation, class_name, region)
    for student, account_id in accounts.items():
        found = there.get(account_id)
        if found is None or found.detailed != "SUCCEEDED":
            why = f"{found.status}/{found.detailed}: {found.reason}" if found else _("no stack instance")
            result.problems.append(
                _(
                    "{student}: no working lab in account {account} ({why}); make class-down STUDENT={student} then "
                    "class-up again"
                ).format(student=student, account=account_id, why=why)
            )
    say(_("{up} of {count} labs are up").format(up=len(accounts) - len(result.problems), count=len(accounts)))


def hand_out(
    account: Account,
    class_name: str,
    roster: Roster,
    accounts: dict[str, str],
    role_name: str,
    directory: Path,
    result: StackSetUp,
    say: Callable[[str], None],
) -> None:
    """Each student with a working lab and no handout: a one-time password in their account and their handout (the
    one-account class's, without the kit: handouts.py); then the class sheet."""
    handouts.prepare_directory(directory)
    there = instances(account.client("cloudformation"), class_name, account.region)
    rows = []
    for student in roster.students:
        account_id = accounts[student.student_id]
        user = student_lab_name(class_name, student.student_id)
        instance = there.get(account_id)
        lab = instance.detailed if instance else _("no lab")
        rows.append((student, user, _("{lab} in account {account}").format(lab=lab, account=account_id)))
        path = handouts.handout_path(directory, student.student_id)
        if path.exists() or instance is None or instance.detailed != "SUCCEEDED":
            continue
        theirs = in_account(account, account_id, role_name)
        iam = theirs.client("iam")
        stack = theirs.client("cloudformation").describe_stacks(StackName=instance.stack_id)["Stacks"][0]
        url = logins.sign_in_url(iam, account_id)

        def text(student=student, user=user, iam=iam, stack=stack, url=url) -> str | None:
            password = logins.set_first_password(iam, user, logins.password_length(iam))
            if password is None:
                return None
            handout = up.handout_for(student, user, password, url, account.region, stack, result.expires_at, "")
            return dataclasses.replace(handout, own_account=True).text()

        if handouts.write_once(path, text):
            result.handouts.append(path)
            say(_("  handout for {student}: {path}").format(student=student.student_id, path=path))
        else:
            result.problems.append(
                _(
                    "{student}: {user} in account {account} has a password already, but {path} is missing: remove it "
                    "(aws iam delete-login-profile --user-name {user}, in that account), then make class-up again"
                ).format(student=student.student_id, user=user, account=account_id, path=path)
            )
    sheet = handouts.class_sheet(
        class_name,
        sign_in_url=_("each student's own account: the console of the account in their handout"),
        region=account.region,
        ends_at=result.expires_at,
        rows=rows,
    )
    say(_("class sheet (no passwords): {path}").format(path=handouts.write_class_sheet(directory, sheet)))


# --- class status ------------------------------------------------------------------------------------------------


def stackset_rows(
    account: Account, class_name: str, role_name: str, config: LabConfig, now: datetime | None = None
) -> list[status.Row]:
    """A row per stack instance, by student: its stack instance and, read in its account, its lab."""
    now = now or datetime.now(UTC)
    per_lab = estimate(config)
    rows = []
    for instance in sorted(
        instances(account.client("cloudformation"), class_name, account.region).values(), key=lambda i: i.student
    ):
        where = f"{instance.status}/{instance.detailed}"
        stack = None
        if instance.stack_id:
            student_account = in_account(account, instance.account, role_name)
            try:
                stack = student_account.client("cloudformation").describe_stacks(StackName=instance.stack_id)
            except ClientError:
                stack = None
        if stack is None:
            reason = instance.reason or _("no stack")
            rows.append(status.Row(instance.student, f"{where} ({reason})"))
            continue
        row = status.student_row(
            student_account.client, account.region, instance.student, stack["Stacks"][0], per_lab, now
        )
        row.stack = f"{row.stack} ({where})"
        rows.append(row)
    return rows


# --- class down --------------------------------------------------------------------------------------------------


def stackset_down(
    *,
    class_name: str,
    account: Account,
    role_name: str,
    say: Callable[[str], None],
    student: str | None = None,
) -> dict[str, str]:
    """Every stack instance (or one student's) in one operation, each student's password and keys removed first
    (IAM's DeleteUser needs them gone, and no template made them); then, when none is left, the StackSet and the
    class's own stack. {what: why it is not gone} for what did not go."""
    cloudformation = account.client("cloudformation")
    there = instances(cloudformation, class_name, account.region)
    going = [i for i in there.values() if student is None or i.student == student]
    failed: dict[str, str] = {}
    for instance in going:
        user = student_lab_name(class_name, instance.student)
        try:
            removed = logins.remove_credentials(in_account(account, instance.account, role_name).client("iam"), user)
        except ClientError as error:
            if error.response["Error"]["Code"] != "NoSuchEntity":
                raise
            removed = []  # a lab that failed before its user was made
        if removed:
            say(
                _("  {user} in {account}: removed {what}").format(
                    user=user, account=instance.account, what=", ".join(removed)
                )
            )
    if going:
        students = ", ".join(sorted(i.student for i in going))
        say(
            ngettext(
                "deleting {count} lab in one operation: {students}",
                "deleting {count} labs in one operation: {students}",
                len(going),
            ).format(count=len(going), students=students)
        )
        operation = cloudformation.delete_stack_instances(
            StackSetName=class_stackset_name(class_name),
            **_targets_of(going),
            Regions=[account.region],
            RetainStacks=False,
            OperationPreferences=DELETE_PREFERENCES,
        )["OperationId"]
        say(_("  the operation: {status}").format(status=wait(cloudformation, class_name, [operation])[operation]))
        gone = {i.account for i in going}
        for left in instances(cloudformation, class_name, account.region).values():
            if left.account in gone:
                lab = _("{student}'s lab in {account}").format(student=left.student, account=left.account)
                failed[lab] = f"{left.status}: {left.reason}"
    if student or failed:
        return failed
    if class_stackset_name(class_name) in _live_stacksets(cloudformation):
        say(_("deleting StackSet {name}").format(name=class_stackset_name(class_name)))
        cloudformation.delete_stack_set(StackSetName=class_stackset_name(class_name))
    if find_class(cloudformation, class_name).class_stack:
        say(_("deleting {stack}: the class bucket and the class's end").format(stack=class_stack_name(class_name)))
        failed.update(
            delete_stacks(
                lambda: account.client("cloudformation"), [class_stack_name(class_name)], concurrency=1, say=say
            )
        )
    return failed


def _targets_of(going: list[Instance]) -> dict:
    """The instances' accounts, as DeleteStackInstances takes them (an OU's, through DeploymentTargets)."""
    accounts = sorted(i.account for i in going)
    units = sorted({i.organizational_unit for i in going if i.organizational_unit})
    if units:
        return {
            "DeploymentTargets": {
                "OrganizationalUnitIds": units,
                "Accounts": accounts,
                "AccountFilterType": "INTERSECTION",
            }
        }
    return {"Accounts": accounts}


def _live_stacksets(cloudformation) -> list[str]:
    return [
        s["StackSetName"]
        for page in cloudformation.get_paginator("list_stack_sets").paginate(Status="ACTIVE")
        for s in page["Summaries"]
        if s.get("Status", "ACTIVE") == "ACTIVE"
    ]


def leftovers(
    account: Account, class_name: str, accounts: Sequence[str], role_name: str, *, here: bool = True
) -> list[str]:
    """What is left of the class in each student account of `accounts` and, `here`, in this account (down.leftovers,
    and its StackSet): one student's removal leaves the class here."""
    found = []
    if here:
        found += [
            f"StackSet: {name}"
            for name in _live_stacksets(account.client("cloudformation"))
            if name == class_stackset_name(class_name)
        ]
        found += down.leftovers(account, class_name)
    for account_id in accounts:
        found += [
            _("account {account}: {item}").format(account=account_id, item=item)
            for item in down.leftovers(in_account(account, account_id, role_name), class_name)
        ]
    return found


def wait_for_nothing_left(
    account: Account,
    class_name: str,
    accounts: Sequence[str],
    role_name: str,
    *,
    here: bool = True,
    wait_seconds: float,
    poll_seconds: float = down.LEFTOVER_POLL_SECONDS,
) -> list[str]:
    """The leftovers once none is left, or `wait_seconds` passed (the tagging API lags)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        left = leftovers(account, class_name, accounts, role_name, here=here)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(poll_seconds)
