"""`python -m producer`'s command line: every flag, its checks, and one line (UsageError) for each bad value.

Parsing needs neither boto3 nor the network, so a usage error answers at once; the run is in cli.py.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import stat
from collections.abc import Callable, Sequence
from typing import BinaryIO, NoReturn

from producer.events import open_input
from producer.i18n import N_, ArgumentParser, _, argparse_words, number

_STREAM_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,64}")


class UsageError(Exception):
    """Bad input: one line (what was wrong, what is allowed), exit 2."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The checked arguments of one run; raises UsageError."""
    args = parser().parse_args(argv)
    check(args)
    return args


class _Parser(ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(_("{problem} (see --help)").format(problem=argparse_words(message)))


def parser() -> argparse.ArgumentParser:
    """Every flag, with its own range check; checks across flags and the file system are in `check`."""
    p = _Parser(
        prog="python -m producer",
        description=_(
            "Send events to an Amazon Data Firehose stream: generated sample events, or every "
            "non-empty line of --input. Exit codes: 0 all delivered, 1 some not delivered (see the "
            "dead-letter file), 2 usage error, 3 stream not found, 4 credentials or access refused."
        ),
        allow_abbrev=False,
    )
    p.add_argument("--stream", required=True, metavar="NAME", help=_("delivery stream name"))
    p.add_argument("--region", metavar="R", help=_("AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)"))
    p.add_argument(
        "--rate",
        type=_number(0, _("events per second; 0 = as fast as possible")),
        metavar="N",
        help=_("sample events per second (default 10; 0 = as fast as possible)"),
    )
    p.add_argument("--count", type=_whole(1), metavar="N", help=_("stop after N sample events"))
    p.add_argument(
        "--duration",
        type=_number(0, _("seconds"), strict=True),
        metavar="SECONDS",
        help=_("stop generating after SECONDS"),
    )
    p.add_argument("--input", metavar="PATH|-", help=_("send every non-empty line of PATH (- = stdin) as one event"))
    p.add_argument(
        "--no-aggregate",
        dest="aggregate",
        action="store_false",
        help=_("one event per Firehose record (default: pack events into records up to ~1 MB)"),
    )
    p.add_argument(
        "--dead-letter",
        default="dead-letter.jsonl",
        metavar="PATH",
        help=_("where undelivered events are appended (default: ./dead-letter.jsonl)"),
    )
    p.add_argument("--stats-json", metavar="PATH", help=_("write the progress figures and the summary as JSON"))
    p.add_argument("--quiet", action="store_true", help=_("no progress lines (warnings and the summary remain)"))
    p.add_argument(
        "--producer-id",
        default=socket.gethostname(),
        metavar="ID",
        help=_("producer_id in sample events (default: host name)"),
    )
    p.add_argument(
        "--max-retry-seconds",
        type=_number(0, _("seconds")),
        default=120.0,
        metavar="S",
        help=_("how long failed records are retried before they are dead-lettered (default 120)"),
    )
    p.add_argument(
        "--backoff-base",
        type=_number(0, _("seconds"), strict=True),
        default=0.1,
        metavar="S",
        help=_("first retry waits up to S, doubling each time (default 0.1)"),
    )
    p.add_argument(
        "--backoff-cap",
        type=_number(0, _("seconds"), strict=True),
        default=5.0,
        metavar="S",
        help=_("longest wait between retries (default 5)"),
    )
    p.add_argument(
        "--senders", type=_whole(1, 64), default=4, metavar="N", help=_("calls in flight at once (default 4)")
    )
    p.add_argument(
        "--linger",
        type=_number(0, _("seconds"), strict=True),
        default=0.5,
        metavar="S",
        help=_("longest an event waits to be packed before it is sent (default 0.5)"),
    )
    p.add_argument(
        "--stream-buffer-seconds",
        type=_number(0, _("seconds"), high=900),
        metavar="S",
        help=_(
            "the stream's buffer interval (0-900): packed events may then wait up to a twentieth of it "
            "(3 s at most) to fill their record's 5 KB billing granule (default: only --linger)"
        ),
    )
    p.add_argument(
        "--checkpoint",
        metavar="PATH",
        help=_("with --input FILE: keep in PATH how far the file was delivered, and resume there on a rerun"),
    )
    p.add_argument(
        "--shutdown-seconds",
        type=_number(0, _("seconds")),
        default=20.0,
        metavar="S",
        help=_("after SIGTERM/SIGINT, time allowed to deliver what is buffered (default 20)"),
    )
    p.add_argument(
        "--progress-seconds",
        type=_number(0, _("seconds"), strict=True),
        default=5.0,
        metavar="S",
        help=_("seconds between progress lines (default 5)"),
    )
    return p


def _number(low: float, unit: str, *, strict: bool = False, high: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not value == value or value in (float("inf"), float("-inf")) or value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(_must_be(allowed(), text))
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(_must_be(allowed(), text))
        return value

    def allowed() -> str:
        if high is not None:
            return _("a number from {low} to {high} ({unit})").format(
                low=number(low, "g"), high=number(high, "g"), unit=unit
            )
        if strict:
            return _("a number > {low} ({unit})").format(low=number(low, "g"), unit=unit)
        return _("a number >= {low} ({unit})").format(low=number(low, "g"), unit=unit)

    return parse


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            if high:
                allowed = _("a whole number from {low} to {high}").format(low=low, high=high)
            else:
                allowed = _("a whole number >= {low}").format(low=low)
            raise argparse.ArgumentTypeError(_must_be(allowed, text))
        return value

    return parse


def _must_be(allowed: str, text: str) -> str:
    return _("must be {allowed}, got '{text}'").format(allowed=allowed, text=text)


def check(args: argparse.Namespace) -> None:
    """Checks that need more than one flag, or the file system."""
    if not _STREAM_NAME.fullmatch(args.stream):
        raise UsageError(
            _(
                "--stream '{stream}' is not a valid stream name (1-64 characters: letters, digits, '.', '_', '-')"
            ).format(stream=args.stream)
        )
    if args.input is not None:
        given = [
            flag
            for flag, value in (("--rate", args.rate), ("--count", args.count), ("--duration", args.duration))
            if value is not None
        ]
        if given:
            raise UsageError(
                _("{flags} apply to generated sample events, not to --input").format(flags=", ".join(given))
            )
    if args.rate is None:
        args.rate = 10.0
    if not args.producer_id or len(args.producer_id) > 128 or not args.producer_id.isprintable():
        raise UsageError(_("--producer-id must be 1-128 printable characters"))
    if args.backoff_cap < args.backoff_base:
        raise UsageError(
            _("--backoff-cap ({cap}) must be >= --backoff-base ({base})").format(
                cap=number(args.backoff_cap, "g"), base=number(args.backoff_base, "g")
            )
        )
    _check_writable("--dead-letter", args.dead_letter)
    if args.stats_json is not None:
        _check_writable("--stats-json", args.stats_json)
        _check_regular_or_new("--stats-json", args.stats_json)
    _check_distinct(args)
    if args.checkpoint is not None:
        _check_checkpoint(args)


# Each pair of files the producer reads or writes, and why one must not be the other.
_CLASHES = (
    ("--dead-letter", "dead_letter", "--input", "input", N_("write failures to a new file, then resend it")),
    ("--stats-json", "stats_json", "--input", "input", N_("the stats would replace the events to send")),
    (
        "--stats-json",
        "stats_json",
        "--dead-letter",
        "dead_letter",
        N_("the stats would replace the events kept there"),
    ),
    ("--checkpoint", "checkpoint", "--input", "input", N_("the checkpoint would replace the events to send")),
    (
        "--checkpoint",
        "checkpoint",
        "--dead-letter",
        "dead_letter",
        N_("the checkpoint would replace the events kept there"),
    ),
    ("--checkpoint", "checkpoint", "--stats-json", "stats_json", N_("each needs a file of its own")),
)


def _check_distinct(args: argparse.Namespace) -> None:
    """No two of --input, --dead-letter, --stats-json and --checkpoint may name one file, through links or not."""
    for flag, attr, other_flag, other_attr, why in _CLASHES:
        path, other = getattr(args, attr), getattr(args, other_attr)
        if path is None or other in (None, "-"):
            continue
        if _same_file(path, other):
            raise UsageError(
                _("{flag} must not be the {other_flag} file {other} ({why})").format(
                    flag=flag, other_flag=other_flag, other=other, why=_(why)
                )
            )


def _check_checkpoint(args: argparse.Namespace) -> None:
    """--checkpoint resumes a file: it needs one (its path is checked against the others in _check_distinct)."""
    if args.input in (None, "-"):
        raise UsageError(_("--checkpoint needs --input FILE (generated events and standard input cannot be resumed)"))
    _check_writable("--checkpoint", args.checkpoint)


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)


def _check_regular_or_new(flag: str, path: str) -> None:
    """Stats replace their file atomically (temp file + rename): only a regular file may be replaced that way."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise UsageError(
            _("{flag} {path} is a {kind}; stats are written to a regular file or a new path").format(
                flag=flag, path=path, kind=_file_kind(mode)
            )
        )


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISCHR, N_("character device")),
        (stat.S_ISBLK, N_("block device")),
        (stat.S_ISFIFO, N_("FIFO")),
        (stat.S_ISSOCK, N_("socket")),
    )
    return _(next((name for test, name in kinds if test(mode)), N_("special file")))


def _check_writable(flag: str, path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(_("{flag} {path} is a directory; give a file path").format(flag=flag, path=path))
    if not os.path.isdir(directory):
        raise UsageError(
            _("{flag} {path}: directory {directory} does not exist").format(flag=flag, path=path, directory=directory)
        )
    if not os.access(directory, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UsageError(_("{flag} {path} is not writable").format(flag=flag, path=path))


def open_source(path: str) -> BinaryIO:
    """The --input file (or standard input), opened, or one line saying why not."""
    if path != "-" and os.path.isdir(path):
        raise UsageError(_("--input {path} is a directory; give a file (or - for standard input)").format(path=path))
    try:
        return open_input(path)
    except FileNotFoundError:
        raise UsageError(_("--input {path} does not exist").format(path=path)) from None
    except OSError as err:
        raise UsageError(
            _("--input {path} cannot be read: {problem}").format(path=path, problem=err.strerror)
        ) from None
