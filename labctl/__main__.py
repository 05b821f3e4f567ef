"""The lab's commands, for a deployed lab on AWS or the local rehearsal; each is also a Makefile target."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError
from botocore.parsers import ResponseParserError

from lab_stack.config import ConfigError
from labctl import classroom, cost, preflight, query, status, verify, watch
from labctl.i18n import N_, _
from labctl.lab import LabNotFound
from labctl.session import BadAwsSetting, NotAnAwsAnswer
from labctl.toolkit import settings_hint
from producer.i18n import ArgumentParser

# name: (module with configure(parser) and run(args) -> exit code, one line for --help)
COMMANDS = {
    "preflight": (preflight, N_("check AWS credentials and region before deploy/destroy; bootstrap CDK if needed")),
    "verify": (verify, N_("send tagged events through a deployed lab and find every one in S3")),
    "cost": (cost, N_("what a lab with these settings costs per hour, per day, and forgotten until it expires")),
    "status": (status, N_("is the lab deployed, its instance and producer running, and when does it expire")),
    "query": (query, N_("run a saved Athena query of the lab (or your SQL) and print the result as a table")),
    "watch": (watch, N_("see each object land in S3 and why Firehose flushed it (size hint or interval)")),
    "class": (classroom, N_("a class of labs in one account: up, down, check, cost, status")),
}


class _Parser(ArgumentParser):
    """Bad arguments get one line (what was wrong, where to look) and exit 2, not a usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            2, _("{prog}: error: {problem} (see --help)").format(prog=self.prog, problem=settings_hint(message)) + "\n"
        )


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="python -m labctl", description=__doc__.strip(), allow_abbrev=False)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, summary) in COMMANDS.items():
        command = commands.add_parser(
            name,
            help=_(summary),
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            allow_abbrev=False,
        )
        module.configure(command)
        command.set_defaults(run=module.run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as error:  # every command reads the lab's settings (-c) the same way
        print(f"firehose-lab: {error}", file=sys.stderr)
    except BadAwsSetting as error:  # and reads the AWS SDK's settings the same way
        print(f"{args.command}: {error}", file=sys.stderr)
    except LabNotFound as error:  # and finds the lab by its stack the same way
        print(f"{args.command}: {error}", file=sys.stderr)
    except (BotoCoreError, ClientError, ResponseParserError, NotAnAwsAnswer) as error:
        print(f"{args.command}: {aws_problem(error)}", file=sys.stderr)
    return 2


OFFLINE = N_("offline, start `make lab-local` in another terminal, then run `source ./lab-local.env` in this one")


def aws_problem(error: Exception) -> str:
    """What went wrong between a command and AWS (or the offline lab), and what to do next, in one line."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if isinstance(error, NoRegionError):
        return _(
            "no AWS region is set: {offline}; on AWS, export AWS_REGION (e.g. us-east-1) and your credentials"
        ).format(offline=_(OFFLINE))
    if isinstance(error, NoCredentialsError):
        return _(
            "no AWS credentials: {offline}; on AWS, set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        ).format(offline=_(OFFLINE))
    if isinstance(error, EndpointConnectionError) and endpoint:
        return _(
            "nothing answers at {endpoint} (AWS_ENDPOINT_URL): if that was `make lab-local`, it has stopped; "
            "start it again, then `source ./lab-local.env`"
        ).format(endpoint=endpoint)
    if isinstance(error, NotAnAwsAnswer):
        return _("{problem}: is AWS_ENDPOINT_URL the lab's? ({offline})").format(problem=error, offline=_(OFFLINE))
    if isinstance(error, ResponseParserError):
        return _("the endpoint's answer is not one AWS gives (unreadable): is AWS_ENDPOINT_URL the lab's?")
    return _("AWS refused or could not be reached: {problem}").format(problem=error)


if __name__ == "__main__":
    sys.exit(main())
