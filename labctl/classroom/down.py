"""`make class-down`: the whole class, or one student, gone, and proof that nothing of it is left.

The whole class: each user's password and access keys are removed (IAM's DeleteUser requires them gone, and no
template made them), the budget stack is deleted (nothing is left to stop), every lab stack, `concurrency` at a time,
then the class stack. One student: their password and keys; the budget stack deployed again from the roster, which
must no longer hold them, so its action no longer names their instance; their lab stack; the class stack deployed
again from that roster (their user goes with that update); and their handout, whose password went with their user (a
later class-up with them back on the roster makes them a new lab, login and handout).

Then what is left is listed: every resource still tagged with the class (or the student) in the region, by the
Resource Groups Tagging API (GetResources), every IAM user under the class's path (IAM users are not in the tagging
API's reach), every stack of the class, and the class's budget and budget actions (Budgets is global: budget.py).
The tagging API may still list a resource for a while after its deletion, so the listing is repeated for up to
`wait_seconds` before anything is called left; a terminated instance is gone (EC2 lists it for about an hour after,
billing nothing).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from lab_stack.names import CLASS_TAG, STUDENT_TAG, class_budget_stack_name, class_stack_name, student_lab_name
from lab_stack.roster import Roster
from labctl.classroom import budget, deploy, handouts, logins
from labctl.classroom.stacks import delete_stacks, find_class, labs_expire_at
from labctl.classroom.up import Account, default_budget
from labctl.i18n import _, ngettext

LEFTOVER_POLL_SECONDS = 10.0


def remove_class(*, class_name: str, account: Account, concurrency: int, say: Callable[[str], None]) -> dict:
    """The budget stack, every lab, then the class stack; {stack: why it is not gone} for those that did not go."""
    iam = account.client("iam")
    for user in logins.class_users(iam, class_name):
        removed = logins.remove_credentials(iam, user)
        if removed:
            say("  " + _("{user}: removed {what}").format(user=user, what=", ".join(_(item) for item in removed)))
    found = find_class(account.client("cloudformation"), class_name)
    if found.budget_stack:
        say(_("deleting {stack}: the budget and its action").format(stack=class_budget_stack_name(class_name)))
        failed = delete_stacks(
            lambda: account.client("cloudformation"), [class_budget_stack_name(class_name)], concurrency=1, say=say
        )
        if failed:
            return failed
    labs = [stack["StackName"] for stack in found.labs.values()]
    say(
        ngettext(
            "deleting {count} lab, {concurrency} at a time", "deleting {count} labs, {concurrency} at a time", len(labs)
        ).format(count=len(labs), concurrency=concurrency)
    )
    failed = delete_stacks(lambda: account.client("cloudformation"), labs, concurrency=concurrency, say=say)
    if failed:
        say(_("the class stack stays while these labs are not gone: {labs}").format(labs=", ".join(failed)))
        return failed
    if found.class_stack:
        say(_("deleting {stack}").format(stack=class_stack_name(class_name)))
        failed = delete_stacks(
            lambda: account.client("cloudformation"), [class_stack_name(class_name)], concurrency=1, say=say
        )
    return failed


def remove_student(
    *,
    class_name: str,
    student_id: str,
    roster: Roster,
    roster_path: Path,
    settings: Sequence[str],
    account: Account,
    say: Callable[[str], None],
    workdir: Path,
    handouts_dir: Path,
) -> dict:
    """The student's password, lab, user and handout; the roster no longer holds them (checked by the caller)."""
    iam = account.client("iam")
    user = student_lab_name(class_name, student_id)
    if user in logins.class_users(iam, class_name):
        removed = logins.remove_credentials(iam, user)
        what = ", ".join(_(item) for item in removed) or _("no credentials")
        say("  " + _("{user}: removed {what}").format(user=user, what=what))
    found = find_class(account.client("cloudformation"), class_name)
    expires_at = labs_expire_at(found.class_stack)
    assembly = None
    if expires_at is not None:
        now = datetime.now(UTC)
        kept = budget.deployed(found.budget_stack) or budget.BudgetSettings(
            default_budget(roster, settings, expires_at, now), None
        )
        assembly = account.cdk_synth(
            deploy.class_context(class_name, roster_path, expires_at, settings, kept.context()), workdir / "cdk.out"
        )
        say(
            _("deploying {stack} without {student}: its action no longer names them").format(
                stack=class_budget_stack_name(class_name), student=student_id
            )
        )
        _deploy_one(assembly, class_budget_stack_name(class_name), workdir, account)
    failed = delete_stacks(lambda: account.client("cloudformation"), [user], concurrency=1, say=say)
    if failed:
        return failed
    if assembly is not None:
        say(
            _("deploying {stack} from the roster without {student}: their user goes").format(
                stack=class_stack_name(class_name), student=student_id
            )
        )
        _deploy_one(assembly, class_stack_name(class_name), workdir, account)
    if handouts.forget(handouts_dir, student_id):
        say("  " + _("{student}'s handout removed: its password went with their user").format(student=student_id))
    return {}


def _deploy_one(assembly: Path, stack: str, workdir: Path, account: Account) -> None:
    account.cdk_deploy(assembly, [stack], concurrency=1, outputs_file=workdir / f"{stack}-outputs.json")


def leftovers(account: Account, class_name: str, student_id: str | None = None) -> list[str]:
    """Everything of the class (or of one student) still in the account: tagged resources, users, stacks."""
    filters = [{"Key": CLASS_TAG, "Values": [class_name]}]
    if student_id:
        filters.append({"Key": STUDENT_TAG, "Values": [student_id]})
    tagging = account.client("resourcegroupstaggingapi")
    arns = [
        resource["ResourceARN"]
        for page in tagging.get_paginator("get_resources").paginate(TagFilters=filters)
        for resource in page["ResourceTagMappingList"]
    ]
    found = [_("tagged: {arn}").format(arn=arn) for arn in arns if arn not in _terminated(account, arns)]
    users = logins.class_users(account.client("iam"), class_name)
    if student_id:
        users = [u for u in users if u == student_lab_name(class_name, student_id)]
    found += [_("IAM user: {user}").format(user=user) for user in users]
    stacks = find_class(account.client("cloudformation"), class_name)
    names = [s["StackName"] for s in stacks.all]
    if student_id:
        names = [n for n in names if n == student_lab_name(class_name, student_id)]
    found += [_("stack: {name}").format(name=name) for name in names]
    if not student_id:
        found += budget.leftovers(account.client("budgets"), account.account_id, class_name)
    return sorted(set(found))


def _terminated(account: Account, arns: list[str]) -> set[str]:
    """The instances among them that are terminated: gone (EC2 still lists one for about an hour; it bills
    nothing)."""
    instances = {arn.rsplit("/", 1)[-1]: arn for arn in arns if ":instance/i-" in arn}
    if not instances:
        return set()
    ec2 = account.client("ec2")
    reservations = ec2.describe_instances(InstanceIds=list(instances))["Reservations"]
    return {
        instances[i["InstanceId"]] for r in reservations for i in r["Instances"] if i["State"]["Name"] == "terminated"
    }


def wait_for_nothing_left(
    account: Account,
    class_name: str,
    student_id: str | None,
    *,
    wait_seconds: float,
    poll_seconds: float = LEFTOVER_POLL_SECONDS,
) -> list[str]:
    """The leftovers once they stop shrinking to nothing, or `wait_seconds` passed (the tagging API lags)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        left = leftovers(account, class_name, student_id)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(poll_seconds)
