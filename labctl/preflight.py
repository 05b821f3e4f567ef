"""Before `make deploy`/`make destroy`: stop with one clear line when a setting is bad or AWS credentials or a
region are missing; before deploy also refuse a labName whose Glue database another lab already has, and bootstrap
the account/region for CDK when it is not yet bootstrapped.

Exit codes: 0 ready, 2 bad setting, credentials/region missing or rejected, or name taken; 3 `cdk bootstrap` failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from lab_stack.names import BOOTSTRAP_STACK, DATABASE_OWNER_PARAMETER, database_name
from labctl.i18n import N_, _
from labctl.session import student_session
from labctl.toolkit import CDK_CLI, add_settings_option, lab_config

HOW_TO_SET = N_(
    "set AWS_PROFILE (after `aws configure` or `aws configure sso`) or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, and AWS_REGION (e.g. AWS_REGION=us-east-1)"
)


class PreflightError(Exception):
    """One line for the user."""


def account_and_region(session: boto3.session.Session) -> tuple[str, str]:
    """The account the caller's credentials belong to, and the region to deploy to."""
    if session.get_credentials() is None:
        raise PreflightError(_("no AWS credentials found: {how}").format(how=_(HOW_TO_SET)))
    if not session.region_name:
        raise PreflightError(_("no AWS region set: {how}").format(how=_(HOW_TO_SET)))
    try:
        identity = session.client("sts").get_caller_identity()
    except ClientError as error:
        raise PreflightError(
            _("AWS rejected the credentials ({problem}): {how}").format(problem=error, how=_(HOW_TO_SET))
        ) from None
    except BotoCoreError as error:
        raise PreflightError(
            _("could not reach AWS to check the credentials: {problem}").format(problem=error)
        ) from None
    return identity["Account"], session.region_name


def is_bootstrapped(cloudformation) -> bool:
    """True when the CDK bootstrap stack exists in a usable state in this account/region."""
    try:
        stacks = cloudformation.describe_stacks(StackName=BOOTSTRAP_STACK)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return False
        raise
    return bool(stacks) and not stacks[0]["StackStatus"].startswith(("DELETE_", "ROLLBACK_"))


def name_clash(glue, lab_name: str) -> str | None:
    """Why this lab cannot take its Glue database in this account/region (another lab has it), or None."""
    database = database_name(lab_name)
    try:
        found = glue.get_database(Name=database)["Database"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "EntityNotFoundException":
            return None
        raise
    owner = found.get("Parameters", {}).get(DATABASE_OWNER_PARAMETER)
    if owner == lab_name:
        return None  # this lab's own database: a re-deploy
    whose = _("lab {owner}").format(owner=repr(owner)) if owner else _("something other than a firehose-lab")
    return _(
        "invalid labName={lab_name}: its Glue database {database} already belongs to {whose} in this account "
        "and region (Glue names are lowercase, so lab names that differ only in case share one); "
        "choose another labName"
    ).format(lab_name=repr(lab_name), database=repr(database), whose=whose)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap",
        action="store_true",
        help=_("before deploy: bootstrap CDK when needed, and refuse a labName whose Glue database another lab has"),
    )
    add_settings_option(parser)


def run(args: argparse.Namespace) -> int:
    config = lab_config(args.context)  # a bad setting: one line, exit 2 (__main__)
    session = student_session()
    try:
        account, region = account_and_region(session)
    except (PreflightError, NoCredentialsError) as error:
        print(f"firehose-lab: {error}", file=sys.stderr)
        return 2
    print(
        _("firehose-lab: using account {account}, region {region}").format(account=account, region=region),
        file=sys.stderr,
    )
    if not args.bootstrap:
        return 0
    try:
        clash = name_clash(session.client("glue"), config.lab_name)
    except (BotoCoreError, ClientError) as error:
        print(
            _("firehose-lab: could not check the lab's Glue database name: {problem}").format(problem=error),
            file=sys.stderr,
        )
        return 2
    if clash:
        print(f"firehose-lab: {clash}", file=sys.stderr)
        return 2
    if not is_bootstrapped(session.client("cloudformation")):
        print(
            _("firehose-lab: bootstrapping {environment} for CDK (once per account/region)").format(
                environment=f"aws://{account}/{region}"
            ),
            file=sys.stderr,
        )
        if subprocess.run([str(CDK_CLI), "bootstrap", f"aws://{account}/{region}"], check=False).returncode:
            print(_("firehose-lab: `cdk bootstrap` failed; see its output above"), file=sys.stderr)
            return 3
    return 0
