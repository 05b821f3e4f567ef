"""A class of labs in one account: `python -m labctl class up|down|check|cost|status` (make class-up, ...).

  class up     --class NAME --roster CSV [--hours H]  the class stack, a lab and a login per student, handouts
               [--access-keys yes]                    also an access key per new student, in their handout only
               [--budget USD] [--budget-email ADDR]   the Budgets backstop's amount (default: from class cost)
  class down   --class NAME [--student ID --roster CSV] every lab, user and the class stack (or one student);
                                                      then lists what is left: nothing may be
  class check  --roster CSV | --students N            the quotas a class of N needs, one line each
  class cost   --roster CSV | --students N [--hours H] what it costs per hour, per day stopped, forgotten
  class status --class NAME [--plain]                 one row per student, redrawn live on a terminal

Across accounts (one AWS account per student, the labs a CloudFormation StackSet's stack instances, stackset.py):
  class up     ... --accounts ID,ID,... | --ou ou-...  a self-managed StackSet on the accounts (the roster's order,
                                                      or its account_id column) or a service-managed one on an OU
  class down   --class NAME [--student ID]            every stack instance, the StackSet, the class's own stack;
                                                      then lists what is left here and in every student account
  class status --class NAME                           one row per stack instance, its lab read in its account
  (down and status know a class across accounts by its StackSet.) --account-role NAME: the role to assume in a
  student account (default: the StackSets execution role, or OrganizationAccountAccessRole for an OU)

Lab settings (-c KEY=VALUE, as for make deploy) apply to every lab of the class; labName, bucketName and
expiresAfterHours are the class's to set. Exit codes: 0 done (nothing left, everything fits), 1 a step failed,
something is left or will not fit (each named), 2 bad input (one line per problem) or AWS refused.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from lab_stack.class_config import DEFAULT_CLASS_HOURS, ClassConfig
from lab_stack.config import MAX_EXPIRY_HOURS
from lab_stack.roster import RosterError, parse_class_name, read_roster
from lab_stack.stackset_config import StackSetClassConfig
from labctl.classroom import check, cost, deploy, down, logins, stackset, status, up
from labctl.cost import estimate
from labctl.i18n import _, ngettext
from labctl.preflight import PreflightError, account_and_region, is_bootstrapped
from labctl.session import student_session
from labctl.toolkit import add_settings_option, context_with, lab_config

HANDOUTS_ROOT = Path("handouts")


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up_parser = actions.add_parser("up", help=_("deploy the class, or add the roster's late students"))
    _class(up_parser)
    _roster(up_parser, required=True)
    _hours(up_parser)
    up_parser.add_argument("--handouts", type=Path, help=_("where handouts go (default: handouts/<class>/)"))
    up_parser.add_argument(
        "--access-keys",
        default="no",
        metavar="yes|no",
        help=_("also give each new student an access key for the AWS CLI, in their handout only (default no)"),
    )
    up_parser.add_argument(
        "--budget",
        metavar="USD",
        help=_(
            "the class's monthly budget: past it, its action stops every lab's instance (default: as class cost says)"
        ),
    )
    up_parser.add_argument(
        "--budget-email", metavar="ADDRESS", help=_("where the budget's notices go, besides its topic")
    )
    _concurrency(up_parser)
    where = up_parser.add_mutually_exclusive_group()
    where.add_argument("--accounts", help=_("a class across these accounts (comma-separated): a self-managed StackSet"))
    where.add_argument("--ou", help=_("a class across this organizational unit's accounts: a service-managed StackSet"))
    _account_role(up_parser)
    add_settings_option(up_parser, _("; for every lab"))

    down_parser = actions.add_parser("down", help=_("remove the class (or --student), then list what is left"))
    _class(down_parser)
    down_parser.add_argument("--student", help=_("remove only this student (the roster must no longer hold them)"))
    _roster(down_parser, required=False)
    down_parser.add_argument("--handouts", type=Path, help=_("where the handouts are (default: handouts/<class>/)"))
    _concurrency(down_parser)
    down_parser.add_argument(
        "--wait-seconds",
        type=float,
        default=120.0,
        help=_("how long leftovers may take to vanish from the tagging API"),
    )
    _account_role(down_parser)
    add_settings_option(down_parser, _("; for every lab, as for class up"))

    check_parser = actions.add_parser("check", help=_("the quotas a class needs, one line each"))
    _size(check_parser)
    add_settings_option(check_parser, _("; for every lab (instanceType)"))

    cost_parser = actions.add_parser("cost", help=_("what the class costs"))
    _size(cost_parser)
    _hours(cost_parser)
    add_settings_option(cost_parser, _("; for every lab"))

    status_parser = actions.add_parser("status", help=_("one row per student"))
    _class(status_parser)
    status_parser.add_argument("--plain", action="store_true", help=_("print once, even on a terminal"))
    status_parser.add_argument("--refresh-seconds", type=float, default=30.0, help=_("live view refresh (default 30)"))
    _account_role(status_parser)
    add_settings_option(status_parser, _("; for every lab (for the cost column)"))


def _class(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--class", dest="class_name", required=True, metavar="NAME", help=_("the class's name"))


def _roster(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--roster", type=Path, required=required, help=_("CSV: student_id,display_name,language"))


def _hours(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--hours",
        type=int,
        default=DEFAULT_CLASS_HOURS,
        help=_("the class ends this long after its first class-up (1-{most}, default {default})").format(
            most=MAX_EXPIRY_HOURS, default=DEFAULT_CLASS_HOURS
        ),
    )


def _concurrency(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency",
        type=int,
        default=deploy.DEFAULT_CONCURRENCY,
        help=_("labs deployed or deleted at once (1-{most}, default {default})").format(
            most=deploy.MAX_CONCURRENCY, default=deploy.DEFAULT_CONCURRENCY
        ),
    )


def _account_role(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--account-role",
        metavar="NAME",
        help=_(
            "the role to assume in each student account (default: AWSCloudFormationStackSetExecutionRole, or "
            "OrganizationAccountAccessRole for an OU)"
        ),
    )


def _size(parser: argparse.ArgumentParser) -> None:
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--roster", type=Path, help=_("the class's roster"))
    size.add_argument("--students", type=int, help=_("or just how many"))


def say(line: str) -> None:
    print(line, flush=True)


def refuse(lines: list[str]) -> int:
    for line in lines:
        print(f"class: {line}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Bad input is every problem, one line each, exit 2, before anything is touched."""
    problems = _bad_numbers(args)
    if problems:
        return refuse(problems)
    try:
        return ACTIONS[args.action](args)
    except RosterError as error:
        return refuse(error.problems)
    except (PreflightError, deploy.DeployFailed, stackset.StackSetRefused) as error:
        print(f"class: {error}", file=sys.stderr)
        return 1


def _bad_numbers(args: argparse.Namespace) -> list[str]:
    problems = []
    if hasattr(args, "hours") and not 1 <= args.hours <= MAX_EXPIRY_HOURS:
        problems.append(
            _("--hours {hours}: a class lasts 1 to {most} hours").format(hours=args.hours, most=MAX_EXPIRY_HOURS)
        )
    if hasattr(args, "concurrency") and not 1 <= args.concurrency <= deploy.MAX_CONCURRENCY:
        problems.append(
            _(
                "--concurrency {concurrency}: 1 to {most} "
                "(Firehose's control plane allows 5 calls a second per account)"
            ).format(concurrency=args.concurrency, most=deploy.MAX_CONCURRENCY)
        )
    if getattr(args, "students", None) is not None and not 1 <= args.students <= 100:
        problems.append(_("--students {students}: 1 to 100").format(students=args.students))
    return problems


def _account(quiet_cdk: bool = False) -> up.Account:
    session = student_session()
    account_id, region = account_and_region(session)
    return up.Account(client=session.client, account_id=account_id, region=region, quiet_cdk=quiet_cdk)


def _class_config(args: argparse.Namespace) -> ClassConfig:
    """The class's name, roster, budget and lab settings, checked together (ConfigError or RosterError)."""
    context = {**context_with(args.context), "className": args.class_name, "roster": str(args.roster)}
    for key, value in (
        ("budgetUsd", getattr(args, "budget", None)),
        ("budgetEmail", getattr(args, "budget_email", None)),
    ):
        if value is not None:
            context[key] = value
    return ClassConfig.from_context(context, datetime.now(UTC))


def _stackset_config(args: argparse.Namespace) -> StackSetClassConfig:
    """The class, its roster, lab settings and accounts, checked together offline (the organization is read later)."""
    where = {"accounts": args.accounts} if args.accounts else {"organizationalUnit": args.ou}
    context = {
        **context_with(args.context),
        "className": args.class_name,
        "roster": str(args.roster),
        "organizationId": stackset.ANY_ORGANIZATION,
        **where,
    }
    return StackSetClassConfig.from_context(context, datetime.now(UTC))


def _up(args: argparse.Namespace) -> int:
    access_keys = logins.parse_access_keys(args.access_keys)
    if args.accounts or args.ou:
        if access_keys or args.budget is not None or args.budget_email is not None:
            return refuse(
                [_("ACCESS_KEYS, BUDGET and BUDGET_EMAIL are for a class in one account, not across accounts")]
            )
        return _stackset_up(args)
    config = _class_config(args)
    account = _account()
    say(
        _("class {name} in account {account}, region {region}").format(
            name=config.class_name, account=account.account_id, region=account.region
        )
    )
    if not is_bootstrapped(account.client("cloudformation")):
        say(
            _("bootstrapping aws://{account}/{region} for CDK (once per account/region)").format(
                account=account.account_id, region=account.region
            )
        )
        deploy.cdk(["bootstrap", f"aws://{account.account_id}/{account.region}"])
    result = up.class_up(
        class_name=config.class_name,
        roster=config.roster,
        roster_path=args.roster,
        settings=args.context,
        hours=args.hours,
        handouts_dir=args.handouts or HANDOUTS_ROOT / config.class_name,
        concurrency=args.concurrency,
        account=account,
        say=say,
        access_keys=access_keys,
        budget_usd=config.budget_usd,
        budget_email=config.budget_email,
    )
    for problem in result.problems:
        print(f"class: {problem}", file=sys.stderr)
    say(
        ngettext(
            "class {name} is up: {count} new handout; `make class-status CLASS=...`",
            "class {name} is up: {count} new handouts; `make class-status CLASS=...`",
            len(result.handouts),
        ).format(name=config.class_name, count=len(result.handouts))
    )
    return 1 if result.problems else 0


def _stackset_up(args: argparse.Namespace) -> int:
    config = _stackset_config(args)
    account = _account()
    say(
        _("class {name} across {count} accounts, administered from {account}, region {region}").format(
            name=config.class_name, count=len(config.accounts), account=account.account_id, region=account.region
        )
    )
    if not is_bootstrapped(account.client("cloudformation")):
        say(
            _("bootstrapping aws://{account}/{region} for CDK (the class's own stack only)").format(
                account=account.account_id, region=account.region
            )
        )
        deploy.cdk(["bootstrap", f"aws://{account.account_id}/{account.region}"])
    with tempfile.TemporaryDirectory(prefix="firehose-class-") as work:
        result = stackset.stackset_up(
            class_name=config.class_name,
            roster=config.classroom.roster,
            roster_path=args.roster,
            settings=args.context,
            hours=args.hours,
            targets=config.targets,
            accounts=config.accounts,
            account=account,
            say=say,
            workdir=Path(work),
            handouts_dir=args.handouts or HANDOUTS_ROOT / config.class_name,
            role_name=args.account_role or stackset.access_role(config.targets),
        )
    for problem in result.problems:
        print(f"class: {problem}", file=sys.stderr)
    say(
        ngettext(
            "class {name} is up: {count} new handout; see make class-status CLASS=...",
            "class {name} is up: {count} new handouts; see make class-status CLASS=...",
            len(result.handouts),
        ).format(name=config.class_name, count=len(result.handouts))
    )
    return 1 if result.problems else 0


def _stackset_down(args: argparse.Namespace, class_name: str, account: up.Account) -> int:
    """The class's stack instances, StackSet and own stack; or one student's stack instance (the roster checked to
    be without them, as for a class in one account: the next class up would make their lab again)."""
    cloudformation = account.client("cloudformation")
    there = stackset.instances(cloudformation, class_name, account.region)
    accounts = sorted({i.account for i in there.values()})
    role = args.account_role or stackset.reading_role(there)
    failed = stackset.stackset_down(
        class_name=class_name, account=account, role_name=role, say=say, student=args.student
    )
    for what, why in failed.items():
        print("class: " + _("{what} was not deleted: {why}").format(what=what, why=why), file=sys.stderr)
    if args.student:
        accounts = [i.account for i in there.values() if i.student == args.student]
    left = stackset.wait_for_nothing_left(
        account, class_name, accounts, role, here=not args.student, wait_seconds=args.wait_seconds
    )
    if args.student:
        whose = _("student {student} of class {name}").format(student=args.student, name=class_name)
    else:
        whose = _("class {name}").format(name=class_name)
    if left or failed:
        print(
            "class: " + _("{count} thing(s) of {whose} are left:").format(count=len(left), whose=whose), file=sys.stderr
        )
        for item in left:
            print(f"  {item}", file=sys.stderr)
        return 1
    searched = len(accounts) if args.student else len(accounts) + 1
    say(
        ngettext(
            "nothing of {whose} is left in {count} account: no StackSet, tagged resource, IAM user or stack",
            "nothing of {whose} is left in {count} accounts: no StackSet, tagged resource, IAM user or stack",
            searched,
        ).format(whose=whose, count=searched)
    )
    return 0


def _down(args: argparse.Namespace) -> int:
    class_name = parse_class_name(args.class_name)
    if args.student:  # checked before any AWS call
        if args.roster is None:
            return refuse(
                [_("--student {student} needs --roster: the class's roster without them").format(student=args.student)]
            )
        roster = read_roster(args.roster)
        if roster.student(args.student):
            return refuse(
                [
                    _("{student} is still in {roster}: remove their row, then run class down again").format(
                        student=args.student, roster=args.roster
                    )
                ]
            )
        _class_config(args)  # the roster and settings the class stack is deployed again with
    account = _account()
    if stackset.across_accounts(account, class_name):
        return _stackset_down(args, class_name, account)
    if args.student:
        with tempfile.TemporaryDirectory(prefix="firehose-class-") as work:
            failed = down.remove_student(
                class_name=class_name,
                student_id=args.student,
                roster=roster,
                roster_path=args.roster,
                settings=args.context,
                account=account,
                say=say,
                workdir=Path(work),
                handouts_dir=args.handouts or HANDOUTS_ROOT / class_name,
            )
    else:
        failed = down.remove_class(class_name=class_name, account=account, concurrency=args.concurrency, say=say)
    for stack, why in failed.items():
        print("class: " + _("{stack} was not deleted: {why}").format(stack=stack, why=why), file=sys.stderr)
    left = down.wait_for_nothing_left(account, class_name, args.student, wait_seconds=args.wait_seconds)
    whose = (
        _("student {student} of class {name}").format(student=args.student, name=class_name)
        if args.student
        else _("class {name}").format(name=class_name)
    )
    if left:
        line = ngettext("{count} thing of {whose} is left:", "{count} things of {whose} are left:", len(left))
        print("class: " + line.format(count=len(left), whose=whose), file=sys.stderr)
        for item in left:
            print(f"  {item}", file=sys.stderr)
        return 1
    say(_("nothing of {whose} is left: no tagged resource, no IAM user, no stack, no budget").format(whose=whose))
    return 0


def _students(args: argparse.Namespace) -> int:
    return len(read_roster(args.roster)) if args.roster else args.students


def _check(args: argparse.Namespace) -> int:
    students = _students(args)
    instance_type = lab_config(args.context).instance_type
    account = _account()
    say(
        _("quotas for a class of {students} {instance_type} labs in {account}, {region}:").format(
            students=students, instance_type=instance_type, account=account.account_id, region=account.region
        )
    )
    lines = check.check(account.client, students=students, instance_type=instance_type)
    for line in lines:
        say(f"  {line}")
    return 1 if any(line.fits is False for line in lines) else 0


def _cost(args: argparse.Namespace) -> int:
    config = lab_config(args.context)
    est = cost.ClassEstimate(estimate(config), _students(args), args.hours)
    for line in cost.lines(est):
        say(line)
    return 0


def _status(args: argparse.Namespace) -> int:
    class_name = parse_class_name(args.class_name)
    config = lab_config(args.context)
    account = _account()

    across = stackset.across_accounts(account, class_name)

    def lines() -> list[str]:
        if across:
            there = stackset.instances(account.client("cloudformation"), class_name, account.region)
            role = args.account_role or stackset.reading_role(there)
            rows = stackset.stackset_rows(account, class_name, role, config)
        else:
            rows = status.class_rows(account.client, account.region, class_name, config)
        title = ngettext(
            "class {name} ({region}), {count} lab, {time}", "class {name} ({region}), {count} labs, {time}", len(rows)
        ).format(name=class_name, region=account.region, count=len(rows), time=f"{datetime.now(UTC):%H:%M:%S UTC}")
        return [title, *status.table_lines(rows)]

    if args.plain or not sys.stdout.isatty():
        for line in lines():
            say(line)
        return 0
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    with Live(Text("\n".join(lines())), console=Console(), auto_refresh=False) as live:
        try:
            while True:
                time.sleep(args.refresh_seconds)
                live.update(Text("\n".join(lines())), refresh=True)
        except KeyboardInterrupt:
            pass
    return 0


ACTIONS = {"up": _up, "down": _down, "check": _check, "cost": _cost, "status": _status}
