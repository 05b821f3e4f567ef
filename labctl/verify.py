"""Prove that nothing is lost: send tagged events through the deployed lab and find every one in its bucket.

Finds the lab from its stack outputs, sends `--count` events carrying this run's id, reads the bucket until all
are found or `--timeout` passes, and reports sent, found, lost, duplicated and delivery latency (send → object
in S3). Works against AWS and against the rehearsal's emulator (AWS_ENDPOINT_URL).

Exit codes: 0 nothing lost, 1 events lost or not accepted by Firehose, 2 bad arguments or no such lab.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from labctl.delivered import event_time, read_object
from labctl.i18n import _, ngettext, number
from labctl.lab import Lab, find_lab
from labctl.session import student_session
from labctl.text import counted
from labctl.toolkit import add_settings_option, lab_config, positive_seconds
from producer.events import utc_timestamp
from producer.firehose import make_client
from producer.schema import VERIFY_TICKER, event_line
from producer.sender import send_events

# The ticker of verify's tagged events: a query grouping by ticker shows them apart from the producer's.


@dataclass
class Findings:
    """What the bucket held of this run: arrivals per sequence number and their delivery latencies."""

    run_id: str
    arrivals: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)
    objects_read: int = 0
    foreign_lines: int = 0
    seen_keys: set = field(default_factory=set)


def tagged_events(run_id: str, count: int, clock: Callable[[], float] = time.time) -> Iterator[bytes]:
    """Events shaped like the lab's sample events (so they also convert to Parquet by the lab's table), marked
    by producer_id `verify-<run id>`, numbered by seq, and stamped with the moment they go to the sender."""
    for seq in range(count):
        yield event_line(
            event_time=utc_timestamp(datetime.fromtimestamp(clock(), UTC)),
            event_id=f"{run_id}-{seq}",
            producer_id=f"verify-{run_id}",
            seq=seq,
            ticker=VERIFY_TICKER,
            exchange="VERIFY",
            side="buy",
            price=0.0,
            quantity=1,
        )


def read_new_objects(s3, lab: Lab, findings: Findings, since: datetime) -> None:
    """Read every data object delivered since `since` that was not read before, counting this run's events."""
    marker = f"verify-{findings.run_id}"
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=lab.bucket, Prefix=lab.data_prefix):
        for item in page.get("Contents", []):
            if item["Key"] in findings.seen_keys or item["LastModified"] < since:
                continue
            findings.seen_keys.add(item["Key"])
            body = s3.get_object(Bucket=lab.bucket, Key=item["Key"])["Body"].read()
            findings.objects_read += 1
            delivered = read_object(body)
            findings.foreign_lines += delivered.foreign_lines
            for event in delivered.rows:
                if event.get("producer_id") == marker:
                    findings.arrivals[event["seq"]] += 1
                    latency = (item["LastModified"] - event_time(event)).total_seconds()
                    findings.latencies.append(max(0.0, latency))


def percentile(values: list, fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def histogram(values: list, bins: int = 8, width: int = 40) -> list:
    """A small text histogram of latencies, one line per bin."""
    if not values:
        return []
    low, high = min(values), max(values)
    # Bars narrower than the printed tenth of a second would all read alike ("5.6s – 5.6s"): the events of one
    # object, which share its LastModified, make one bar.
    step = max((high - low) / bins, 0.1)
    bins = min(bins, int((high - low) / step) + 1)
    counts = Counter(min(bins - 1, int((value - low) / step)) for value in values)
    peak = max(counts.values())
    return [
        f"  {number(low + i * step, '.1f'):>7}s – {number(low + (i + 1) * step, '.1f'):>7}s | "
        f"{'#' * round(width * counts[i] / peak):<{width}} {number(counts[i])}"
        for i in range(bins)
    ]


def report(sent: int, findings: Findings) -> tuple:
    """(lines, lost) for the run."""
    found = len(findings.arrivals)
    lost = sent - found
    duplicated = sum(n - 1 for n in findings.arrivals.values())
    # English says "(1 objects read)" (the guides quote the line as printed); Spanish agrees with the count.
    lines = [
        ngettext(
            "verify {run}: sent {sent}, found {found}, lost {lost}, duplicated {duplicated} ({objects} objects read)",
            "verify {run}: sent {sent}, found {found}, lost {lost}, duplicated {duplicated} ({objects} objects read)",
            findings.objects_read,
        ).format(
            run=findings.run_id,
            sent=number(sent),
            found=number(found),
            lost=number(lost),
            duplicated=number(duplicated),
            objects=number(findings.objects_read),
        )
    ]
    if findings.foreign_lines:
        lines.append(
            _("skipped {count} lines that are not JSON events (something else wrote them to the stream)").format(
                count=number(findings.foreign_lines)
            )
        )
    if findings.latencies:
        lat = findings.latencies
        lines.append(
            _("delivery latency: p50 {p50}s, p95 {p95}s, max {max}s").format(
                p50=number(percentile(lat, 0.5), ".1f"),
                p95=number(percentile(lat, 0.95), ".1f"),
                max=number(max(lat), ".1f"),
            )
        )
        lines.extend(histogram(lat))
    return lines, lost


def verify(
    *,
    cloudformation,
    s3,
    firehose,
    stack_name: str,
    count: int,
    timeout: float,
    poll_seconds: float = 5.0,
    out=None,
) -> int:
    """Send, then read until every event is found or the timeout passes; the exit code."""
    out = out or sys.stderr
    lab = find_lab(cloudformation, stack_name)
    run_id = uuid.uuid4().hex
    started = datetime.now(UTC).replace(microsecond=0)
    print(
        _("verify {run}: sending {events} to {stream}, reading {location}").format(
            run=run_id,
            events=counted(count, "{count} event", "{count} events"),
            stream=lab.stream,
            location=f"s3://{lab.bucket}/{lab.data_prefix}",
        ),
        file=out,
    )
    result = send_events(
        firehose, lab.stream, tagged_events(run_id, count), aggregate=lab.packed_records, max_retry_seconds=60
    )
    if not result.ok:
        print(
            _("verify {run}: Firehose did not accept {events}: {failures}").format(
                run=run_id,
                events=counted(result.events_failed, "{count} event", "{count} events"),
                failures=result.failures,
            ),
            file=out,
        )
        return 1
    findings = Findings(run_id)
    deadline = time.monotonic() + timeout
    while True:
        read_new_objects(s3, lab, findings, since=started)
        if len(findings.arrivals) >= count or time.monotonic() >= deadline:
            break
        time.sleep(poll_seconds)
    lines, lost = report(count, findings)
    for line in lines:
        print(line, file=out)
    if lost:
        print(
            _("verify {run}: {events} not found in S3 after {seconds}s").format(
                run=run_id,
                events=counted(lost, "{count} event", "{count} events"),
                seconds=number(timeout, ".0f"),
            ),
            file=out,
        )
    return 1 if lost else 0


def configure(parser: argparse.ArgumentParser) -> None:
    add_settings_option(parser, _("; labName says which lab to verify"))
    parser.add_argument(
        "--count",
        type=_event_count,
        default=1000,
        help=_("tagged events to send (default 1000, at most {limit})").format(limit=number(MAX_EVENTS, ",")),
    )
    parser.add_argument(
        "--timeout", type=positive_seconds, default=300.0, help=_("seconds to wait for delivery (default 300)")
    )
    parser.add_argument("--poll-seconds", type=positive_seconds, default=5.0, help=argparse.SUPPRESS)


# verify keeps every tagged event's id and send time until it is found: 100,000 events of about 240 bytes are
# 23 MiB sent, a few seconds of a stream's 5 MiB/s quota (about 23 s at the 1 MiB/s of smaller regions), and what
# verify and an offline lab hold with ease (unbounded, 60 s of sending pushed lab-local past 2.5 GB).
MAX_EVENTS = 100_000


def _event_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_EVENTS:
        raise argparse.ArgumentTypeError(
            _("must be a whole number of events from 1 to {limit}, got {text}").format(
                limit=number(MAX_EVENTS, ","), text=repr(text)
            )
        )
    return value


def run(args: argparse.Namespace) -> int:
    stack_name = lab_config(args.context).lab_name  # a bad setting: one line, exit 2 (__main__)
    session = student_session()
    return verify(  # no such lab, or AWS refusing: one line and exit 2 (__main__)
        cloudformation=session.client("cloudformation"),
        s3=session.client("s3"),
        firehose=make_client(session=session),
        stack_name=stack_name,
        count=args.count,
        timeout=args.timeout,
        poll_seconds=args.poll_seconds,
    )
