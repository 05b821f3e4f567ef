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

_STREAM_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,64}")


class UsageError(Exception):
    """Bad input: one line (what was wrong, what is allowed), exit 2."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The checked arguments of one run; raises UsageError."""
    args = parser().parse_args(argv)
    check(args)
    return args


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see --help)")


def parser() -> argparse.ArgumentParser:
    """Every flag, with its own range check; checks across flags and the file system are in `check`."""
    p = _Parser(
        prog="python -m producer",
        description="Send events to an Amazon Data Firehose stream: generated sample events, or every "
        "non-empty line of --input. Exit codes: 0 all delivered, 1 some not delivered (see the "
        "dead-letter file), 2 usage error, 3 stream not found, 4 credentials or access refused.",
        allow_abbrev=False,
    )
    p.add_argument("--stream", required=True, metavar="NAME", help="delivery stream name")
    p.add_argument("--region", metavar="R", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)")
    p.add_argument(
        "--rate",
        type=_number(0, "events per second; 0 = as fast as possible"),
        metavar="N",
        help="sample events per second (default 10; 0 = as fast as possible)",
    )
    p.add_argument("--count", type=_whole(1), metavar="N", help="stop after N sample events")
    p.add_argument(
        "--duration", type=_number(0, "seconds", strict=True), metavar="SECONDS", help="stop generating after SECONDS"
    )
    p.add_argument("--input", metavar="PATH|-", help="send every non-empty line of PATH (- = stdin) as one event")
    p.add_argument(
        "--no-aggregate",
        dest="aggregate",
        action="store_false",
        help="one event per Firehose record (default: pack events into records up to ~1 MB)",
    )
    p.add_argument(
        "--dead-letter",
        default="dead-letter.jsonl",
        metavar="PATH",
        help="where undelivered events are appended (default: ./dead-letter.jsonl)",
    )
    p.add_argument("--stats-json", metavar="PATH", help="write the progress figures and the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines (warnings and the summary remain)")
    p.add_argument(
        "--producer-id",
        default=socket.gethostname(),
        metavar="ID",
        help="producer_id in sample events (default: host name)",
    )
    p.add_argument(
        "--max-retry-seconds",
        type=_number(0, "seconds"),
        default=120.0,
        metavar="S",
        help="how long failed records are retried before they are dead-lettered (default 120)",
    )
    p.add_argument(
        "--backoff-base",
        type=_number(0, "seconds", strict=True),
        default=0.1,
        metavar="S",
        help="first retry waits up to S, doubling each time (default 0.1)",
    )
    p.add_argument(
        "--backoff-cap",
        type=_number(0, "seconds", strict=True),
        default=5.0,
        metavar="S",
        help="longest wait between retries (default 5)",
    )
    p.add_argument("--senders", type=_whole(1, 64), default=4, metavar="N", help="calls in flight at once (default 4)")
    p.add_argument(
        "--linger",
        type=_number(0, "seconds", strict=True),
        default=0.5,
        metavar="S",
        help="longest an event waits to be packed before it is sent (default 0.5)",
    )
    p.add_argument(
        "--stream-buffer-seconds",
        type=_number(0, "seconds", high=900),
        metavar="S",
        help="the stream's buffer interval (0-900): packed events may then wait up to a twentieth of it "
        "(3 s at most) to fill their record's 5 KB billing granule (default: only --linger)",
    )
    p.add_argument(
        "--checkpoint",
        metavar="PATH",
        help="with --input FILE: keep in PATH how far the file was delivered, and resume there on a rerun",
    )
    p.add_argument(
        "--shutdown-seconds",
        type=_number(0, "seconds"),
        default=20.0,
        metavar="S",
        help="after SIGTERM/SIGINT, time allowed to deliver what is buffered (default 20)",
    )
    p.add_argument(
        "--progress-seconds",
        type=_number(0, "seconds", strict=True),
        default=5.0,
        metavar="S",
        help="seconds between progress lines (default 5)",
    )
    return p


def _number(low: float, unit: str, *, strict: bool = False, high: float | None = None) -> Callable[[str], float]:
    if high is None:
        allowed = f"a number {'>' if strict else '>='} {low:g} ({unit})"
    else:
        allowed = f"a number from {low:g} to {high:g} ({unit})"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got '{text}'") from None
        if not value == value or value in (float("inf"), float("-inf")) or value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"must be {allowed}, got '{text}'")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got '{text}'")
        return value

    return parse


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    allowed = f"a whole number from {low} to {high}" if high else f"a whole number >= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got '{text}'") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {allowed}, got '{text}'")
        return value

    return parse


def check(args: argparse.Namespace) -> None:
    """Checks that need more than one flag, or the file system."""
    if not _STREAM_NAME.fullmatch(args.stream):
        raise UsageError(
            f"--stream '{args.stream}' is not a valid stream name (1-64 characters: letters, digits, '.', '_', '-')"
        )
    if args.input is not None:
        given = [
            flag
            for flag, value in (("--rate", args.rate), ("--count", args.count), ("--duration", args.duration))
            if value is not None
        ]
        if given:
            raise UsageError(f"{', '.join(given)} apply to generated sample events, not to --input")
    if args.rate is None:
        args.rate = 10.0
    if not args.producer_id or len(args.producer_id) > 128 or not args.producer_id.isprintable():
        raise UsageError("--producer-id must be 1-128 printable characters")
    if args.backoff_cap < args.backoff_base:
        raise UsageError(f"--backoff-cap ({args.backoff_cap:g}) must be >= --backoff-base ({args.backoff_base:g})")
    _check_writable("--dead-letter", args.dead_letter)
    if args.stats_json is not None:
        _check_writable("--stats-json", args.stats_json)
        _check_regular_or_new("--stats-json", args.stats_json)
    _check_distinct(args)
    if args.checkpoint is not None:
        _check_checkpoint(args)


# Each pair of files the producer reads or writes, and why one must not be the other.
_CLASHES = (
    ("--dead-letter", "dead_letter", "--input", "input", "write failures to a new file, then resend it"),
    ("--stats-json", "stats_json", "--input", "input", "the stats would replace the events to send"),
    ("--stats-json", "stats_json", "--dead-letter", "dead_letter", "the stats would replace the events kept there"),
    ("--checkpoint", "checkpoint", "--input", "input", "the checkpoint would replace the events to send"),
    (
        "--checkpoint",
        "checkpoint",
        "--dead-letter",
        "dead_letter",
        "the checkpoint would replace the events kept there",
    ),
    ("--checkpoint", "checkpoint", "--stats-json", "stats_json", "each needs a file of its own"),
)


def _check_distinct(args: argparse.Namespace) -> None:
    """No two of --input, --dead-letter, --stats-json and --checkpoint may name one file, through links or not."""
    for flag, attr, other_flag, other_attr, why in _CLASHES:
        path, other = getattr(args, attr), getattr(args, other_attr)
        if path is None or other in (None, "-"):
            continue
        if _same_file(path, other):
            raise UsageError(f"{flag} must not be the {other_flag} file {other} ({why})")


def _check_checkpoint(args: argparse.Namespace) -> None:
    """--checkpoint resumes a file: it needs one (its path is checked against the others in _check_distinct)."""
    if args.input in (None, "-"):
        raise UsageError("--checkpoint needs --input FILE (generated events and standard input cannot be resumed)")
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
        raise UsageError(f"{flag} {path} is a {_file_kind(mode)}; stats are written to a regular file or a new path")


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
    )
    return next((name for test, name in kinds if test(mode)), "special file")


def _check_writable(flag: str, path: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path} is a directory; give a file path")
    if not os.path.isdir(directory):
        raise UsageError(f"{flag} {path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise UsageError(f"{flag} {path} is not writable")


def open_source(path: str) -> BinaryIO:
    """The --input file (or standard input), opened, or one line saying why not."""
    if path != "-" and os.path.isdir(path):
        raise UsageError(f"--input {path} is a directory; give a file (or - for standard input)")
    try:
        return open_input(path)
    except FileNotFoundError:
        raise UsageError(f"--input {path} does not exist") from None
    except OSError as err:
        raise UsageError(f"--input {path} cannot be read: {err.strerror}") from None
