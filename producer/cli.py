"""`python -m producer`: send sample events, or the lines of a file, to a Firehose stream.

Exit codes (the systemd unit relies on them):
  0  every event was accepted by Firehose (also after a SIGTERM/SIGINT stop)
  1  some events were not delivered: the summary says why, the dead-letter
     file holds them byte for byte (resend with --input FILE); or reading
     --input failed part way (the summary says at which line)
  2  usage error: bad flag or value, unreadable input, no or unknown region;
     nothing was sent
  3  the delivery stream does not exist in that region (ResourceNotFoundException)
  4  AWS credentials missing or rejected, or access denied

Endpoint and credentials come from the standard AWS sources (AWS_REGION or
AWS_DEFAULT_REGION, AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_FIREHOSE, profiles, the
instance profile), so the same command runs on EC2, against moto and against a
test server. On EC2 pass --region: boto3 does not take it from the instance.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, BinaryIO

from producer.checkpoint import Checkpoint, CheckpointError, resume_point
from producer.deadletter import DeadLetter
from producer.events import InputReader, sample_events
from producer.i18n import _, number
from producer.options import UsageError, open_source, parse_args

EXIT_OK = 0
EXIT_UNDELIVERED = 1
EXIT_USAGE = 2
EXIT_STREAM_NOT_FOUND = 3
EXIT_ACCESS = 4

log = logging.getLogger("producer")


class AccessError(Exception):
    """No usable credentials: one line, exit 4."""


def main(argv: Sequence[str] | None = None) -> int:
    source = None
    try:
        args = parse_args(argv)
        source = None if args.input is None else open_source(args.input)
        start = _resume_point(args, source)
    except (UsageError, CheckpointError) as err:
        if source is not None:
            source.close()
        return _fail(EXIT_USAGE, err)
    with _logging(), source or nullcontext():
        try:
            client, region = _connect(args)
        except UsageError as err:
            return _fail(EXIT_USAGE, err)
        except AccessError as err:
            return _fail(EXIT_ACCESS, err)
        stop = threading.Event()
        with _stop_on_signals(stop):
            return _send(args, client, region, source, start, stop)


def _resume_point(args: argparse.Namespace, source: BinaryIO | None) -> tuple[int, int]:
    """Where --input starts: at its --checkpoint, if there is one (the file is positioned there)."""
    if args.checkpoint is None or source is None:
        return 0, 1
    offset, line = resume_point(args.checkpoint, source, args.input)
    source.seek(offset)
    return offset, line


def _fail(code: int, err: Exception) -> int:
    print("producer: " + _("error: ") + str(err), file=sys.stderr)
    return code


def _connect(args: argparse.Namespace) -> tuple[Any, str]:
    """The Firehose client, with region and credentials checked before anything is read."""
    # Imported here, not at the top, so that usage errors answer before boto3 loads.
    import boto3
    from botocore.exceptions import BotoCoreError, NoRegionError, ProfileNotFound

    from producer import aws_settings
    from producer.firehose import make_client

    bad_setting = aws_settings.problem()
    if bad_setting:
        raise UsageError(bad_setting)
    try:
        session = boto3.session.Session()
        # boto3 reads AWS_DEFAULT_REGION but not AWS_REGION (the other SDKs' name): take both.
        client = make_client(args.region or os.environ.get("AWS_REGION"), connections=args.senders, session=session)
        credentials = session.get_credentials()
    except NoRegionError:
        raise UsageError(_("no AWS region: pass --region or set AWS_REGION")) from None
    except ProfileNotFound as err:
        raise AccessError(_("{problem}; check AWS_PROFILE").format(problem=err)) from None
    except BotoCoreError as err:
        raise UsageError(str(err)) from None
    region = client.meta.region_name
    known = set()
    for partition in session.get_available_partitions():
        known.update(session.get_available_regions("firehose", partition_name=partition))
    if ".amazonaws." in client.meta.endpoint_url and region not in known:
        raise UsageError(
            _("--region {region} is not a region this boto3 knows for Firehose (e.g. us-east-1, eu-west-1)").format(
                region=region
            )
        )
    if credentials is None:
        raise AccessError(
            _(
                "no AWS credentials found: use an instance profile, AWS_PROFILE, or "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            )
        )
    return client, region


def _send(
    args: argparse.Namespace,
    client: Any,
    region: str,
    source: BinaryIO | None,
    start: tuple[int, int],
    stop: threading.Event,
) -> int:
    """Send, report progress and the summary; return the exit code."""
    from producer.batching import Linger
    from producer.report import Progress, fatal_line, summary_lines, write_stats
    from producer.results import STREAM_NOT_FOUND, Backoff
    from producer.sender import send_events

    reader = checkpoint = None
    if source is None:
        events: Any = sample_events(
            args.producer_id, rate=args.rate, count=args.count, duration=args.duration, stop=stop
        )
    else:
        events = reader = InputReader(source, stop=stop, offset=start[0], line=start[1])
    if args.checkpoint is not None and reader is not None:
        checkpoint = Checkpoint(args.checkpoint, source, lambda: (reader.offset, reader.line), args.senders)
        if start[0]:
            log.info(
                _("resuming {input} at line {line} (byte {offset}), from --checkpoint {checkpoint}").format(
                    input=args.input,
                    line=number(start[1], ","),
                    offset=number(start[0], ","),
                    checkpoint=args.checkpoint,
                )
            )
    progress = Progress()

    def figures(result: Any, **extra: Any) -> dict[str, Any]:
        out = dict(result.as_dict(), stream=args.stream, region=region, **extra)
        if reader is not None:
            out.update(input=args.input, input_line=reader.line, input_offset=reader.offset)
        return out

    stats_problems: set[str] = set()

    def save(result: Any, **extra: Any) -> None:
        if args.stats_json:
            try:
                write_stats(args.stats_json, figures(result, **extra))
            except OSError as err:
                if str(err) not in stats_problems:  # once, not at every progress tick
                    stats_problems.add(str(err))
                    log.warning(
                        _("cannot write --stats-json {path}: {problem}").format(path=args.stats_json, problem=err)
                    )

    def report(result: Any) -> None:
        if not args.quiet:
            log.info(progress.line(result))
        save(result, finished=False)

    result = send_events(
        client,
        args.stream,
        events,
        aggregate=args.aggregate,
        max_retry_seconds=args.max_retry_seconds,
        backoff=Backoff(args.backoff_base, args.backoff_cap),
        dead_letter=DeadLetter(args.dead_letter),
        senders=args.senders,
        linger_seconds=args.linger,
        linger_max_seconds=Linger.for_stream(args.linger, args.stream_buffer_seconds).most,
        stop=stop,
        shutdown_seconds=args.shutdown_seconds,
        progress=report,
        progress_seconds=args.progress_seconds,
        checkpoint=checkpoint,
    )
    problem = fatal_line(result, args.stream, region)
    if problem:
        log.error(problem)
    if result.source_error:
        log.error(_("reading --input {path} failed: {problem}").format(path=args.input, problem=result.source_error))
    stopped = None
    if reader is not None and not reader.finished:
        stopped = _(
            "stopped reading {path} at line {line} (byte {offset}); that line and the rest were not sent"
        ).format(path=args.input, line=number(reader.line, ","), offset=number(reader.offset, ","))
    for line in summary_lines(result, stopped):
        log.info(line)
    if result.fatal is not None:
        code = EXIT_STREAM_NOT_FOUND if result.fatal.kind == STREAM_NOT_FOUND else EXIT_ACCESS
    else:
        code = EXIT_OK if result.ok else EXIT_UNDELIVERED
    save(result, finished=True, exit_code=code)
    return code


# Output -------------------------------------------------------------------


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = {logging.WARNING: _("warning: "), logging.ERROR: _("error: ")}.get(record.levelno, "")
        return f"producer: {prefix}{record.getMessage()}"


@contextmanager
def _logging() -> Iterator[None]:
    """Route the producer's log to stderr for one run, then put things back."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    saved = (log.level, log.propagate)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(saved[0])
        log.propagate = saved[1]


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM (systemd stop) and SIGINT set `stop` instead of killing the run.

    The handler only puts the signal number on a queue; a watcher thread logs
    it and sets `stop`. Python runs a signal handler in the main thread between
    any two bytecodes, so it must not take a lock the main thread may hold at
    that moment: `stop.set()` takes the Event's own lock, which the main thread
    holds for a few bytecodes of every `stop.wait()` (the sample generator's
    pacing), and that lock is not reentrant, so setting `stop` right in the
    handler hung the process forever now and then. Logging there could meet a
    half-done write to stderr in the same way. `SimpleQueue.put` is reentrant.
    """
    signals: queue.SimpleQueue[int | None] = queue.SimpleQueue()

    def handler(signum: int, frame: object) -> None:
        signals.put(signum)  # nothing else here: see above

    def watch() -> None:
        while (signum := signals.get()) is not None:
            if not stop.is_set():
                log.info(
                    _("{signal}: stopping; delivering what is buffered").format(signal=signal.Signals(signum).name)
                )
            stop.set()

    watcher = threading.Thread(target=watch, name="stop-signals", daemon=True)
    watcher.start()
    saved = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)
        signals.put(None)  # after any signal already caught: that one is still logged
        watcher.join()
