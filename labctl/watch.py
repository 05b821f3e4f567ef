"""See the buffer work: each object as it lands in the lab's bucket, and why Firehose flushed it.

Finds the lab from its stack outputs, reads the stream's buffering hints (DescribeDeliveryStream) and polls the
bucket. Each object is shown with the time it landed, its size, its events and why it was flushed: the size hint
or the interval, inferred from its size and its spacing from the object before (in its partition, if the stream
partitions). Also shown: the producer's rate (from the events' own timestamps), the time since the last flush and
until the next expected one, and a chart of object sizes and arrival gaps. On a terminal the view refreshes in
place; otherwise one line is printed per object. Ctrl-C (or --objects N) ends it with a summary.

Works against AWS and against the offline lab: `make lab-local`'s env lines point it at the emulator and, when
the emulator's buffer clock runs faster than real time, say so in FIREHOSE_LAB_CLOCK_SCALE.

Exit codes: 0 ended by Ctrl-C or after --objects N, 2 bad arguments, no such lab, or AWS refused or went away.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from labctl.buffering import (
    REASONS,
    SIZE,
    BufferingHints,
    Delivery,
    classify,
    human_bytes,
    next_flush,
    read_delivery,
    seconds,
    sparkline,
    why,
)
from labctl.i18n import _, number
from labctl.lab import CLOCK_SCALE_ENV, Lab, find_lab
from labctl.session import student_session
from labctl.text import counted
from labctl.toolkit import add_settings_option, lab_config

HISTORY = 5  # objects already in the bucket shown at start
CHART_WIDTH = 40  # objects in the size and gap charts
TABLE_ROWS = 12  # objects in the live table
FIXED_COLUMNS_WIDTH = 90  # the live table's columns but the object's name, with their padding


class Watch:
    """The lab's delivered objects, read once each, in the order they landed."""

    def __init__(self, lab: Lab, s3: Any, hints: BufferingHints, clock: Callable[[], float] = time.time) -> None:
        self.lab = lab
        self.s3 = s3
        self.hints = hints
        self.clock = clock
        self.started_at = clock()
        self.seen: set[str] = set()
        self.shown: list[Delivery] = []  # the history, then every new object
        self.new: list[Delivery] = []
        self.last_landed: dict[str, float] = {}  # per buffer (hints.buffer_of): the newest object known, shown or not

    def start(self, history: int = HISTORY) -> list[Delivery]:
        """Read the last `history` objects already there; the rest are only noted."""
        listing = self._listing()
        for index, item in enumerate(listing):
            buffer = self.hints.buffer_of(item["Key"])
            if index >= len(listing) - history:
                self.shown.append(self._read(item, self.last_landed.get(buffer)))
            self.last_landed[buffer] = item["LastModified"].timestamp()
            self.seen.add(item["Key"])
        return list(self.shown)

    def poll(self) -> list[Delivery]:
        """Objects that landed since the last look, oldest first."""
        arrived = []
        for item in self._listing():
            if item["Key"] in self.seen:
                continue
            self.seen.add(item["Key"])
            buffer = self.hints.buffer_of(item["Key"])
            delivery = self._read(item, self.last_landed.get(buffer))
            self.last_landed[buffer] = max(self.last_landed.get(buffer, 0.0), delivery.landed_at)
            arrived.append(delivery)
        self.shown.extend(arrived)
        self.new.extend(arrived)
        return arrived

    def _listing(self) -> list[dict]:
        items = []
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.lab.bucket, Prefix=self.lab.data_prefix)
        for page in pages:
            items.extend(page.get("Contents", []))
        return sorted(items, key=lambda item: (item["LastModified"], item["Key"]))

    def _read(self, item: dict, previous_landed_at: float | None) -> Delivery:
        body = self.s3.get_object(Bucket=self.lab.bucket, Key=item["Key"])["Body"].read()
        delivery = read_delivery(item["Key"], item["LastModified"].timestamp(), body)
        return classify(delivery, previous_landed_at, self.hints)


# --- what is shown ----------------------------------------------------------------------------------------------


def header(watch: Watch) -> str:
    hints = watch.hints
    clock = ""
    if hints.clock_scale != 1:
        clock = _("; the emulator's buffer clock runs x{scale}, so the interval is {interval} here").format(
            scale=number(hints.clock_scale, "g"), interval=seconds(hints.interval_seconds)
        )
    interval = hints.interval_seconds / hints.clock_scale
    partitions = _(", one buffer per partition") if hints.per_partition else ""
    watching = _("watching {lab}: {stream} -> {location}").format(
        lab=watch.lab.stack_name, stream=watch.lab.stream, location=f"s3://{watch.lab.bucket}/{watch.lab.data_prefix}"
    )
    hinted = _("buffering hints: {size} or {interval} s, whichever comes first").format(
        size=human_bytes(hints.size_bytes), interval=number(interval, "g")
    )
    return f"{watching}\n{hinted}{partitions}{clock}"


def events_text(delivery: Delivery) -> str:
    text = counted(delivery.events, "{count} event", "{count} events")
    if delivery.foreign_lines:
        text += " " + _("+{count} not JSON").format(count=number(delivery.foreign_lines))
    return text


def rate_figure(rate: float | None) -> str:
    """A rate as the table shows it: one decimal below 10 a second, none above, `-` when unknown."""
    if rate is None:
        return "-"
    return number(rate, ",.1f") if rate < 10 else number(rate, ",.0f")


def rate_text(rate: float | None) -> str:
    return _("{rate} events/s").format(rate=rate_figure(rate))


def arrival_rate(watch: Watch) -> float | None:
    """Events a second into the stream now: each buffer's newest object's rate, added up over the buffers."""
    newest: dict[str, Delivery] = {}
    for delivery in watch.shown:
        newest[watch.hints.buffer_of(delivery.key)] = delivery
    rates = [d.arrival_rate for d in newest.values() if d.arrival_rate is not None]
    return sum(rates) if rates else None


def line(delivery: Delivery, hints: BufferingHints) -> str:
    """One object, as printed when not on a terminal."""
    landed = datetime.fromtimestamp(delivery.landed_at).strftime("%H:%M:%S")
    flush = _("flush: {reason} ({why})").format(reason=_(delivery.reason), why=why(delivery, hints))
    return (
        f"{landed}  {human_bytes(delivery.stored_bytes):>9}  {events_text(delivery)}  "
        f"{rate_text(delivery.arrival_rate)}  {flush}  {delivery.key}"
    )


def charts(deliveries: list[Delivery], hints: BufferingHints) -> list[str]:
    recent = deliveries[-CHART_WIDTH:]
    if not recent:
        return []
    sizes = [d.data_bytes if d.data_bytes is not None else d.stored_bytes for d in recent]
    gaps = [d.waited or 0.0 for d in recent]
    size_chart = sparkline(sizes, max(max(sizes), hints.size_bytes))
    gap_chart = sparkline(gaps, max(max(gaps), hints.interval_seconds))
    return [
        _("sizes  {chart}  largest {largest}, size hint {hint}").format(
            chart=f"{size_chart:<{CHART_WIDTH}}", largest=human_bytes(max(sizes)), hint=human_bytes(hints.size_bytes)
        ),
        _("gaps   {chart}  longest {longest}, interval {interval}").format(
            chart=f"{gap_chart:<{CHART_WIDTH}}", longest=seconds(max(gaps)), interval=seconds(hints.interval_seconds)
        ),
    ]


def status(watch: Watch, now: float) -> list[str]:
    """Rate, time since the last flush and until the next expected one."""
    if not watch.shown:
        return [
            _("no object yet: the first lands about {interval} after the first record").format(
                interval=seconds(watch.hints.interval_seconds)
            )
        ]
    last = watch.shown[-1]
    buffers = _(" (all buffers added up)") if watch.hints.per_partition else ""
    lines = [
        _("arriving        {rate} into the stream{buffers}: events over the time each buffer was open").format(
            rate=rate_text(arrival_rate(watch)), buffers=buffers
        ),
        _("last flush      {time} ago ({reason})").format(
            time=seconds(max(0.0, now - last.landed_at)), reason=_(last.reason)
        ),
    ]
    expected = next_flush(last, now, watch.hints)
    rate = ""
    if expected.bytes_per_second:
        rate = _(", data at {rate}/s").format(rate=human_bytes(expected.bytes_per_second))
    if expected.in_seconds > 0:
        lines.append(
            _("next flush      in ~{time} ({reason}{rate})").format(
                time=seconds(expected.in_seconds), reason=_(expected.reason), rate=rate
            )
        )
    else:
        lines.append(
            _("next flush      due ({reason}{rate}), once data comes in").format(reason=_(expected.reason), rate=rate)
        )
    return lines


def summary(watch: Watch, now: float, with_objects: bool) -> list[str]:
    """The closing screen: what landed while watching (each object too, unless already printed), why, the charts."""
    new = watch.new
    took = seconds(now - watch.started_at)
    if not new:
        lines = [
            _("watched {took}: no new object (the interval is {interval})").format(
                took=took, interval=seconds(watch.hints.interval_seconds)
            )
        ]
    else:
        total = sum(d.data_bytes if d.data_bytes is not None else d.stored_bytes for d in new)
        lines = [
            _("watched {took}: {objects}, {size}, {events}").format(
                took=took,
                objects=counted(len(new), "{count} new object", "{count} new objects"),
                size=human_bytes(total),
                events=counted(sum(d.events for d in new), "{count} event", "{count} events"),
            )
        ]
        for reason, (flushed, meaning) in REASONS.items():
            count = sum(d.reason == reason for d in new)
            if count:
                objects = counted(count, "{count} object", "{count} objects")
                flushed, meaning = _(flushed), _(meaning)
                lines.append(f"  {flushed}: {objects} ({meaning})")
        foreign = [d for d in new if d.foreign_lines]
        if foreign:
            lines.append(
                _(
                    "  not JSON events: {lines} line(s) in {objects} object(s): a record sent without its newline "
                    "runs into the next one"
                ).format(lines=number(sum(d.foreign_lines for d in foreign)), objects=number(len(foreign)))
            )
        if with_objects:
            lines.extend(f"  {line(delivery, watch.hints)}" for delivery in new[-TABLE_ROWS:])
    lines.extend(f"  {text}" for text in status(watch, now))
    lines.extend(f"  {text}" for text in charts(watch.shown, watch.hints))
    return lines


class PlainView:
    """Not a terminal: one line per object, as they land."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def begin(self, watch: Watch) -> None:
        print(header(watch), file=self.out, flush=True)

    def show(self, watch: Watch, arrived: list[Delivery], before: bool = False) -> None:
        if before:
            if arrived:
                print(_("already there (the last {count}):").format(count=number(len(arrived))), file=self.out)
            for delivery in arrived:
                print(f"  {line(delivery, watch.hints)}", file=self.out)
            print(_("waiting for new objects (Ctrl-C to stop)"), file=self.out, flush=True)
            return
        for delivery in arrived:
            print(_("new {object}").format(object=line(delivery, watch.hints)), file=self.out, flush=True)

    def end(self, watch: Watch) -> None:
        print("\n".join(summary(watch, watch.clock(), with_objects=False)), file=self.out, flush=True)


class LiveView:
    """A terminal: a table of the last objects, the status and the charts, redrawn in place."""

    def __init__(self, out: TextIO) -> None:
        from rich.console import Console  # only on a terminal

        self.console = Console(file=out)
        self.live = None

    def begin(self, watch: Watch) -> None:
        from rich.live import Live

        self.live = Live(self._render(watch), console=self.console, auto_refresh=False, transient=True)
        self.live.start()

    def show(self, watch: Watch, arrived: list[Delivery], before: bool = False) -> None:
        self.live.update(self._render(watch), refresh=True)

    def end(self, watch: Watch) -> None:
        """The live view goes; what stays on the screen is the header (the stream's buffering) and the summary."""
        if self.live is not None:
            self.live.stop()
        lines = [header(watch), *summary(watch, watch.clock(), with_objects=True)]
        self.console.print("\n".join(lines), highlight=False, markup=False)

    def _render(self, watch: Watch):
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, header_style="bold", pad_edge=False)
        for column, justify in (
            (_("landed"), "left"),
            (_("size"), "right"),
            (_("events"), "right"),
            (_("not JSON"), "right"),
            (_("events/s"), "right"),
            (_("flush"), "left"),
            (_("why"), "left"),
        ):
            table.add_column(column, justify=justify, no_wrap=True)
        # rich squeezes no-wrap columns to nothing when a row is too wide: the object's name gets only what is left.
        room = self.console.width - FIXED_COLUMNS_WIDTH
        if room >= 12:
            table.add_column(_("object"), no_wrap=True)
        new_keys = {delivery.key for delivery in watch.new}
        for delivery in watch.shown[-TABLE_ROWS:]:
            rate = delivery.arrival_rate
            cells = (
                datetime.fromtimestamp(delivery.landed_at).strftime("%H:%M:%S"),
                human_bytes(delivery.stored_bytes),
                number(delivery.events, ","),
                number(delivery.foreign_lines, ",") if delivery.foreign_lines else "",
                rate_figure(rate),
                Text(_(delivery.reason), style="bold green" if delivery.reason == SIZE else "bold cyan"),
                why(delivery, watch.hints),
                _tail(delivery.key.rsplit("/", 1)[-1], room),
            )
            table.add_row(*cells[: len(table.columns)], style=None if delivery.key in new_keys else "dim")
        now = watch.clock()
        lines = [header(watch), ""]
        lines += status(watch, now) + [""] + charts(watch.shown, watch.hints)
        lines.append(
            _("{count} new object(s) in {took}; Ctrl-C to stop").format(
                count=number(len(watch.new)), took=seconds(now - watch.started_at)
            )
        )
        return Group(table, Text("\n".join(lines)))


def _tail(name: str, room: int) -> str:
    """The end of a long name (where Firehose puts the time and a random id), to fit `room` characters."""
    return name if len(name) <= room else "…" + name[-(room - 1) :]


def watch_lab(*, watch: Watch, view, objects: int, poll_seconds: float, refresh_seconds: float = 0.5) -> None:
    """Poll until `objects` new ones landed (0: until Ctrl-C); the view is ended in every case."""
    view.begin(watch)
    try:
        view.show(watch, watch.start(), before=True)
        next_poll = time.monotonic() + poll_seconds
        while not objects or len(watch.new) < objects:
            if time.monotonic() >= next_poll:
                arrived = watch.poll()
                next_poll = time.monotonic() + poll_seconds
                view.show(watch, arrived)
                if objects and len(watch.new) >= objects:
                    break
            elif isinstance(view, LiveView):
                view.show(watch, [])
            time.sleep(min(refresh_seconds, poll_seconds))
    except KeyboardInterrupt:
        pass
    finally:
        view.end(watch)


def configure(parser: argparse.ArgumentParser) -> None:
    add_settings_option(parser, _("; labName says which lab to watch"))
    parser.add_argument(
        "--objects", type=int, default=0, metavar="N", help=_("stop after N new objects (default 0: until Ctrl-C)")
    )
    parser.add_argument("--poll-seconds", type=float, default=2.0, help=_("how often to list the bucket (default 2)"))
    parser.add_argument("--plain", action="store_true", help=_("print one line per object even on a terminal"))
    parser.add_argument(
        "--clock-scale",
        type=float,
        default=None,
        help=_(
            "how fast the offline lab's buffer clock runs (default: ${variable}, set by make lab-local, "
            "else 1 = real time, as on AWS)"
        ).format(variable=CLOCK_SCALE_ENV),
    )


def _clock_scale(args: argparse.Namespace) -> float:
    if args.clock_scale is not None:
        return args.clock_scale
    text = os.environ.get(CLOCK_SCALE_ENV, "1")
    try:
        return float(text)
    except ValueError:
        return math.nan


def run(args: argparse.Namespace) -> int:
    clock_scale = _clock_scale(args)
    if args.objects < 0 or not 0 < args.poll_seconds <= 3600 or not 0 < clock_scale <= 1:
        print(
            _(
                "watch: --objects must be 0 or more, --poll-seconds in (0, 3600] and the clock scale "
                "(--clock-scale or ${variable}) in (0, 1]"
            ).format(variable=CLOCK_SCALE_ENV),
            file=sys.stderr,
        )
        return 2
    stack_name = lab_config(args.context).lab_name  # a bad setting: one line, exit 2 (__main__)
    session = student_session()  # no such lab, or AWS refusing: one line and exit 2 (__main__)
    lab = find_lab(session.client("cloudformation"), stack_name)
    stream = session.client("firehose").describe_delivery_stream(DeliveryStreamName=lab.stream)
    hints = BufferingHints.of_stream(stream["DeliveryStreamDescription"], clock_scale)
    watch = Watch(lab, session.client("s3"), hints)
    on_terminal = sys.stdout.isatty() and not args.plain
    view = LiveView(sys.stdout) if on_terminal else PlainView(sys.stdout)
    watch_lab(watch=watch, view=view, objects=args.objects, poll_seconds=args.poll_seconds)
    return 0
