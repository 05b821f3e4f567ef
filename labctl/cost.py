"""What a lab with these settings costs, before anything is created: `make cost ARGS="-c ..."`.

Item by item, per hour while the producer runs, per day once its run is over (the instance stopped, or idling with
stopWhenDone=false), and what a forgotten lab costs in all until it deletes itself (expiresAfterHours), from the
price table in labctl/prices.py (us-east-1 list prices: another region is named, not guessed). Firehose ingestion is
priced on the producer's own records: its sample events, arriving at the configured rate, packed as its Batcher
packs them with the linger its unit gives it (--linger, stretched by --stream-buffer-seconds until a record fills
its 5 KB granule), each record rounded up to 5 KB. Needs no AWS account.

Exit codes: 0 estimate printed, 2 bad setting or argument.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass

from lab_stack.config import LabConfig
from lab_stack.sizing import ROOT_VOLUME_GIB
from labctl import prices
from labctl.i18n import _, number
from labctl.toolkit import add_settings_option, lab_config
from producer import options, service
from producer.batching import Batcher, Linger, billed_bytes
from producer.events import sample_events
from producer.i18n import ENGLISH, in_language
from producer.schema import TICKER_SYMBOLS

# Between launch and the producer's first event: boot, dnf install, the venv (a few minutes on a t3.micro).
BOOT_MINUTES = 3
# VPC flow logs (all traffic) of one instance with a public IP: its own few HTTPS flows plus the internet's
# constant port scans (rejected, but logged), ~130 bytes per record at the 10-minute aggregation: an estimate.
FLOW_LOG_BYTES_PER_HOUR = 400_000
# Producer id in the instance's events: its host name (AL2023 in a CDK VPC: ip-A-B-C-D.<region>.compute.internal).
SAMPLE_HOST = "ip-10-0-0-123.ec2.internal"
# The sample events' draws: one fixed set, so an estimate (and the README's table) is the same on every run.
SAMPLE_SEED = 2026
# How much of the producer's traffic is simulated: a minute, or fewer events at high rates.
SIMULATED_SECONDS, SIMULATED_EVENTS = 60.0, 100_000


@dataclass(frozen=True)
class Traffic:
    """What the producer sends and Firehose delivers, per hour."""

    events: float
    event_bytes: float  # average, newline included
    records: float
    record_bytes: float  # average
    billed_gb: float  # each record rounded up to 5 KB
    payload_gb: float
    partitions: float  # buffers Firehose keeps at once: 1, or the tickers an interval's events touch
    objects: float  # S3 objects (one PUT each): one per buffer flush, per partition
    linger: Linger
    packed: bool


@dataclass(frozen=True)
class Line:
    item: str
    price: str
    producing: float | None  # $ per hour while the producer runs; None: not priced here
    after: float | None  # $ per day once the run is over
    detail: str = ""  # how it is reckoned


@dataclass(frozen=True)
class Estimate:
    config: LabConfig
    traffic: Traffic
    lines: list
    producing_hours: float  # boot + producerMinutes
    dashboard_extra_hour: float

    @property
    def priced(self) -> bool:
        return all(line.producing is not None for line in self.lines)

    @property
    def producing_total(self) -> float:
        return sum(line.producing or 0.0 for line in self.lines)

    @property
    def after_total(self) -> float:
        return sum(line.after or 0.0 for line in self.lines)

    @property
    def forgotten_total(self) -> float | None:
        """A lab nobody touches after deploy, until it deletes itself; None when it never does."""
        hours = self.config.expires_after_hours
        if not hours:
            return None
        producing = min(hours, self.producing_hours)
        return producing * self.producing_total + (hours - producing) * self.after_total / 24


class _SimulatedTime:
    """The producer's clock and stop event, advanced by its own waits instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def is_set(self) -> bool:
        return False

    def wait(self, seconds: float) -> bool:
        self.now += seconds
        return False


def unit_linger(config: LabConfig) -> Linger:
    """How long the producer on the instance holds events: what its unit's ExecStart says, read by its own parser."""
    argv = service.exec_start_args(
        stream="lab",
        region=prices.PRICES_REGION,
        rate=config.producer_rate_per_second,
        duration_seconds=config.producer_minutes * 60,
        buffer_seconds=config.buffer_interval_seconds,
        packed=config.packed_records,
    )
    args = options.parser().parse_args(argv[3:])
    return Linger.for_stream(args.linger, args.stream_buffer_seconds)


def producer_records(rate: int, linger: Linger, count: int, packed: bool = True) -> Iterator[tuple[float, int]]:
    """(time, size) of each record the producer sends for `count` sample events at `rate` a second: its own event
    generator on a simulated clock, its Batcher, and its intake's rule (producer/intake.py, Intake.run): whatever is
    held goes once the Batcher says it is due (`linger`)."""
    simulated = _SimulatedTime()
    batcher = Batcher(aggregate=packed, linger=linger)
    for item in sample_events(
        SAMPLE_HOST, rate=rate, count=count, stop=simulated, clock=simulated.clock, seed=SAMPLE_SEED
    ):
        now = simulated.now
        calls = batcher.add(item, 1, now) if item is not None else []
        if batcher.due(now):
            calls += batcher.flush()
        for call in calls:
            for data, _events in call:
                yield now, len(data)
    for call in batcher.flush():
        for data, _events in call:
            yield simulated.now, len(data)


def active_partitions(config: LabConfig) -> float:
    """How many buffers Firehose keeps per interval. With dynamic partitioning, one per ticker among the interval's
    events (AWS "Buffer data for dynamic partitioning": a buffer per active partition, each delivered as its own
    object); the producer draws each event's ticker evenly from TICKER_SYMBOLS (producer/events.py), so N events
    touch n(1 - (1 - 1/n)^N) of the n tickers on average."""
    if config.partition_by == "none":
        return 1.0
    tickers = len(TICKER_SYMBOLS)
    events = config.producer_rate_per_second * config.buffer_interval_seconds
    return tickers * (1 - (1 - 1 / tickers) ** events)


def producer_traffic(config: LabConfig) -> Traffic:
    rate = config.producer_rate_per_second
    count = max(1, int(min(SIMULATED_SECONDS * rate, SIMULATED_EVENTS)))
    seconds = count / rate
    linger = unit_linger(config)
    sizes = [size for _, size in producer_records(rate, linger, count, config.packed_records)]
    per_hour = 3600 / seconds
    payload = sum(sizes)
    interval = config.buffer_interval_seconds
    partitions = active_partitions(config)
    # Each partition's buffer fills with its share of the stream.
    fill_seconds = config.buffer_size_mib * prices.MB / (payload / seconds / partitions)
    # One object per flush of each buffer: the size or the interval, whichever first; interval 0 (no buffering, never
    # partitioned) is counted as one object per record, an upper bound.
    objects = len(sizes) * per_hour if interval == 0 else partitions * 3600 / min(interval, fill_seconds)
    return Traffic(
        events=rate * 3600,
        event_bytes=payload / count,
        records=len(sizes) * per_hour,
        record_bytes=payload / len(sizes),
        billed_gb=billed_bytes(sizes) * per_hour / prices.GB,
        payload_gb=payload * per_hour / prices.GB,
        partitions=partitions,
        objects=objects,
        linger=linger,
        packed=config.packed_records,
    )


def estimate(config: LabConfig) -> Estimate:
    traffic = producer_traffic(config)
    stops = config.stop_when_done
    producing_hours = (BOOT_MINUTES + config.producer_minutes) / 60
    lines = []

    hourly = prices.INSTANCE_HOURLY.get(config.instance_type)
    if hourly is None:
        lines.append(
            Line(
                _("{type} instance").format(type=config.instance_type),
                _("not in this table"),
                None,
                None,
                _(
                    "no price here for {type} (the table holds t2, t3, t3a and t4g, nano to "
                    "large): see {page}; the totals leave it out"
                ).format(type=config.instance_type, page=prices.EC2_PRICING_PAGE),
            )
        )
    else:
        lines.append(
            Line(
                _("{type} instance").format(type=config.instance_type),
                _("{price} per hour").format(price=_price(hourly)),
                hourly,
                0.0 if stops else hourly * 24,
                "" if not stops else _("a stopped instance is not billed"),
            )
        )
    lines.append(
        Line(
            _("public IPv4 address"),
            _("{price} per hour").format(price=_price(prices.PUBLIC_IPV4_HOUR)),
            prices.PUBLIC_IPV4_HOUR,
            0.0 if stops else prices.PUBLIC_IPV4_HOUR * 24,
            _("released when the instance stops") if stops else "",
        )
    )
    volume_hour = ROOT_VOLUME_GIB * prices.GP3_GB_MONTH / prices.HOURS_PER_MONTH
    lines.append(
        Line(
            _("{size} GiB gp3 root volume").format(size=ROOT_VOLUME_GIB),
            _("{price} per GB-month").format(price=_price(prices.GP3_GB_MONTH)),
            volume_hour,
            volume_hour * 24,
            _("kept while the instance is stopped"),
        )
    )
    lines.append(
        Line(
            _("Firehose ingestion"),
            _("{price} per GB, records rounded up to 5 KB").format(price=_price(prices.FIREHOSE_INGEST_GB)),
            traffic.billed_gb * prices.FIREHOSE_INGEST_GB,
            0.0,
            _("{records} records/h of {size} ({packing}): {billed} GB/h billed for {sent}/h sent").format(
                records=number(traffic.records, ",.0f"),
                size=_size(traffic.record_bytes),
                packing=_packing(traffic),
                billed=number(traffic.billed_gb, ".3f"),
                sent=_size(traffic.payload_gb * prices.GB),
            ),
        )
    )
    if config.record_format == "parquet":
        lines.append(
            Line(
                _("Firehose conversion to Parquet"),
                _("{price} per GB").format(price=_price(prices.FIREHOSE_CONVERSION_GB)),
                traffic.billed_gb * prices.FIREHOSE_CONVERSION_GB,
                0.0,
                _("on the billed ingestion volume: an upper bound"),
            )
        )
    if config.partition_by != "none":
        lines += partitioning_lines(config, traffic)
    stored_gb = traffic.payload_gb * producing_hours
    lines.append(
        Line(
            _("S3 requests and storage"),
            _("{put_price} per 1,000 PUTs, {storage_price} per GB-month").format(
                put_price=_price(prices.S3_PUT_PER_1000), storage_price=_price(prices.S3_GB_MONTH)
            ),
            traffic.objects * prices.S3_PUT_PER_1000 / 1000,
            stored_gb * prices.S3_GB_MONTH / prices.HOURS_PER_MONTH * 24,
            _("{objects} objects/h ({flushes}); {size} kept {days} days").format(
                objects=number(traffic.objects, ",.0f"),
                flushes=_flushes(config, traffic),
                size=_size(stored_gb * prices.GB),
                days=config.data_retention_days,
            ),
        )
    )
    flow_logs_hour = FLOW_LOG_BYTES_PER_HOUR / prices.GB * prices.LOGS_INGEST_GB
    lines.append(
        Line(
            _("CloudWatch Logs"),
            _("{price} per GB ingested").format(price=_price(prices.LOGS_INGEST_GB)),
            flow_logs_hour,
            0.0 if stops else flow_logs_hour * 24,
            _("VPC flow logs, {size}/h (an estimate); Firehose logs errors only").format(
                size=_size(FLOW_LOG_BYTES_PER_HOUR)
            ),
        )
    )
    lines.append(
        Line(
            _("CloudWatch dashboard"),
            _("{price} a month").format(price=_price(prices.DASHBOARD_MONTH)),
            0.0,
            0.0,
            _("free as one of the account's first {count}").format(count=prices.FREE_DASHBOARDS),
        )
    )
    lines.append(
        Line(
            _("Glue, Scheduler, Session Manager"),
            _("free at this size"),
            0.0,
            0.0,
            _("one Glue table, one schedule run, no Session Manager logging"),
        )
    )
    return Estimate(
        config, traffic, lines, producing_hours, dashboard_extra_hour=prices.DASHBOARD_MONTH / prices.HOURS_PER_MONTH
    )


def partitioning_lines(config: LabConfig, traffic: Traffic) -> list[Line]:
    """Dynamic partitioning's own charges: the GB it delivers (the events themselves: the 5 KB rounding is
    ingestion's), the objects it delivers, and the hours its JQ parser runs, which AWS measures and publishes no rate
    per event for: counted here as the whole hour the producer runs, a generous estimate, not a measurement."""
    return [
        Line(
            _("dynamic partitioning: data"),
            _("{price} per GB delivered").format(price=_price(prices.FIREHOSE_PARTITIONED_GB)),
            traffic.payload_gb * prices.FIREHOSE_PARTITIONED_GB,
            0.0,
            _("the {size}/h of events it delivers").format(size=_size(traffic.payload_gb * prices.GB)),
        ),
        Line(
            _("dynamic partitioning: objects"),
            _("{price} per 1,000 objects").format(price=_price(prices.FIREHOSE_PARTITIONED_OBJECTS_PER_1000)),
            traffic.objects * prices.FIREHOSE_PARTITIONED_OBJECTS_PER_1000 / 1000,
            0.0,
            _("{objects} objects/h ({flushes})").format(
                objects=number(traffic.objects, ",.0f"), flushes=_flushes(config, traffic)
            ),
        ),
        Line(
            _("dynamic partitioning: JQ"),
            _("{price} per JQ processing hour").format(price=_price(prices.FIREHOSE_JQ_HOUR)),
            prices.FIREHOSE_JQ_HOUR,
            0.0,
            _(
                "the JQ query that reads each event's {key}, counted as running the whole hour: AWS bills the time "
                "it runs and publishes no rate per event to reckon it by"
            ).format(key=config.partition_by),
        ),
    ]


def athena_query() -> float:
    """$ for one query over lab data: far under the 10 MB every query is billed at least."""
    return prices.ATHENA_MIN_MB * prices.MB / prices.TB * prices.ATHENA_TB


# --- saying it ---------------------------------------------------------------------------------------------------


def _packing(traffic: Traffic) -> str:
    if not traffic.packed:
        return _("one event per record, as a partitioned stream needs")
    linger = traffic.linger
    if linger.most == linger.least:
        return _("the producer packs the events of each {seconds} s").format(seconds=number(linger.least, "g"))
    return _("the producer packs the events of {least} s, up to {most} s while a record fills its 5 KB").format(
        least=number(linger.least, "g"), most=number(linger.most, "g")
    )


def _dollars(amount: str) -> str:
    """An amount already written as the language writes numbers, in US dollars: $0.0104 (Spanish: 0,0104 USD)."""
    return _("${amount}").format(amount=amount)


def _flushes(config: LabConfig, traffic: Traffic) -> str:
    """How the objects an hour come about: one per buffer flush, per partition."""
    if traffic.partitions == 1:
        return _("one PUT per buffer flush")
    return _("{partitions} {key}s x {flushes} buffer flushes, one PUT each").format(
        partitions=number(traffic.partitions, ".0f"),
        key=config.partition_by,
        flushes=number(traffic.objects / traffic.partitions, ",.0f"),
    )


def _price(amount: float) -> str:
    """A list price as AWS writes it: $3.00, $0.50, $0.0104."""
    fraction = f"{amount:.4f}".rstrip("0").split(".")[1]
    return _dollars(number(amount, f".{max(2, len(fraction))}f"))


def money(amount: float | None, decimals: int = 4) -> str:
    if amount is None:
        return "?"
    if amount == 0:
        return _dollars("0")
    smallest = 10**-decimals
    if amount < smallest / 2:
        return "< " + _dollars(number(smallest, f".{decimals}f"))
    return _dollars(number(amount, f".{decimals}f"))


def settings_line(config: LabConfig) -> str:
    if config.stop_when_done:
        stops = _("stops itself when done")
    else:
        stops = _("keeps running when done (stopWhenDone=false)")
    if config.expires_after_hours:
        expires = _("deletes itself {hours} h after deploy").format(hours=config.expires_after_hours)
    else:
        expires = _("never deletes itself (expiresAfterHours=0)")
    return _(
        "{type}, {rate} events/s for {minutes} min, {format}, buffer {size} MiB or {interval} s; "
        "the instance {stops}; the lab {expires}"
    ).format(
        type=config.instance_type,
        rate=number(config.producer_rate_per_second, ","),
        minutes=config.producer_minutes,
        format=config.record_format,
        size=config.buffer_size_mib,
        interval=config.buffer_interval_seconds,
        stops=stops,
        expires=expires,
    )


def after_heading(config: LabConfig) -> str:
    """What the lab is once the producer's run is over."""
    return _("once stopped") if config.stop_when_done else _("after the run, instance up")


def totals(est: Estimate) -> list[str]:
    """The summary `make deploy` prints first."""
    config = est.config
    unpriced = ""
    if not est.priced:
        unpriced = _(" (without the {type} instance: not in the price table)").format(type=config.instance_type)
    dashboards = _("if the account already has {count} other dashboards").format(count=prices.FREE_DASHBOARDS)
    lines = [
        _("while the producer runs: {amount} per hour{unpriced}").format(
            amount=money(est.producing_total), unpriced=unpriced
        ),
        _("{after}: {amount} per day{unpriced}").format(
            after=after_heading(config), amount=money(est.after_total), unpriced=unpriced
        ),
    ]
    if est.forgotten_total is None:
        lines.append(
            _(
                "forgotten: it never expires, so {amount} per day until `make destroy` (+{extra} a day {dashboards})"
            ).format(
                amount=money(est.after_total), extra=money(est.dashboard_extra_hour * 24, 2), dashboards=dashboards
            )
        )
    else:
        hours = config.expires_after_hours
        produced = _hours(min(hours, est.producing_hours))
        then = _("stopped") if config.stop_when_done else _("idling")
        lines.append(
            _(
                "forgotten (the worst case): {produced} producing, then {then} until the lab deletes "
                "itself {hours} h after deploy: {amount} in all{unpriced} (+{extra} {dashboards})"
            ).format(
                produced=produced,
                then=then,
                hours=hours,
                amount=money(est.forgotten_total, 2),
                unpriced=unpriced,
                extra=money(est.dashboard_extra_hour * hours, 2),
                dashboards=dashboards,
            )
        )
    return lines


def notes(est: Estimate, *, details: bool = True) -> list[str]:
    """What the table does not say: how each item is reckoned (unless the table has a column for it), Athena."""
    config = est.config
    out = [f"{line.item}: {line.detail}" for line in est.lines if line.detail and details]
    out.append(
        _(
            "Athena: {amount} per query on lab data ({minimum} MB minimum at {price} per TB), not in the totals; "
            "a query stops at 1 GiB scanned."
        ).format(amount=money(athena_query(), 5), minimum=prices.ATHENA_MIN_MB, price=_price(prices.ATHENA_TB))
    )
    out.append(
        _("producing: {boot} min to boot and install, then producerMinutes={minutes}.").format(
            boot=BOOT_MINUTES, minutes=config.producer_minutes
        )
    )
    if config.instance_type.startswith(("t3.", "t3a.", "t4g.")):
        out.append(
            _(
                "{type} runs in unlimited mode: CPU above its baseline (not expected here) would add {price} per "
                "vCPU-hour."
            ).format(type=config.instance_type, price=_price(prices.T_UNLIMITED_VCPU_HOUR))
        )
    return out


def text(est: Estimate, region: str | None = None) -> list[str]:
    config = est.config
    lines = [
        _("firehose-lab cost estimate for {lab}: {region} list prices ({date}), US$").format(
            lab=config.lab_name, region=prices.PRICES_REGION, date=prices.PRICES_DATE
        ),
        f"  {settings_line(config)}",
    ]
    if region and region != prices.PRICES_REGION:
        lines.append(
            _("  you deploy to {region}: these are {prices_region} prices, {region}'s differ (see {page})").format(
                region=region, prices_region=prices.PRICES_REGION, page=prices.PRICING_PAGE
            )
        )
    width = max(len(line.item) for line in est.lines)
    after = after_heading(config)
    producing, item, per_hour, per_day, price = (
        _("while producing"),
        _("item"),
        _("per hour"),
        _("per day"),
        _("price"),
    )
    lines += [
        "",
        f"  {'':<{width}}  {producing:>15}  {after:>26}",
        f"  {item:<{width}}  {per_hour:>15}  {per_day:>26}  {price}",
    ]
    for line in est.lines:
        lines.append(f"  {line.item:<{width}}  {money(line.producing):>15}  {money(line.after):>26}  {line.price}")
    total = _("total")
    lines.append(f"  {total:<{width}}  {money(est.producing_total):>15}  {money(est.after_total):>26}")
    lines.append("")
    lines += [f"  {line}" for line in totals(est)]
    lines += [""] + [f"  {line}" for line in notes(est)]
    return lines


def markdown(est: Estimate) -> list[str]:
    """The README's cost table: the same numbers as `make cost` for the default settings."""
    config = est.config
    lines = [
        f"| item | {prices.PRICES_REGION} price ({prices.PRICES_DATE}) | while producing, per hour | "
        f"{after_heading(config)}, per day | how |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {line.item} | {line.price} | {money(line.producing)} | {money(line.after)} | {line.detail} |"
        for line in est.lines
    ]
    lines.append(f"| **total** | | **{money(est.producing_total)}** | **{money(est.after_total)}** | |")
    lines.append("")
    lines += [f"- {line}" for line in totals(est)]
    lines += [f"- {line}" for line in notes(est, details=False)]
    return lines


def _size(num_bytes: float) -> str:
    for unit, size in (("GB", prices.GB), ("MB", prices.MB), ("KB", 1024)):
        if num_bytes >= size:
            return f"{number(num_bytes / size, '.1f')} {unit}"
    return f"{number(num_bytes, '.0f')} bytes"


def _hours(hours: float) -> str:
    whole, minutes = divmod(math.ceil(hours * 60), 60)
    return f"{whole} h {minutes} min" if whole else f"{minutes} min"


def configure(parser: argparse.ArgumentParser) -> None:
    add_settings_option(parser)
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--summary", action="store_true", help=_("the totals only (what `make deploy` prints first)"))
    shape.add_argument("--markdown", action="store_true", help=_("the README's table (default settings there)"))


def run(args: argparse.Namespace) -> int:
    config = lab_config(args.context)  # a bad setting: one line, exit 2 (__main__)
    est = estimate(config)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if args.markdown:
        with in_language(ENGLISH):  # the README's table, in the README's language
            lines = markdown(estimate(config))
    elif args.summary:
        lines = [
            _("firehose-lab: cost of {lab} ({region} list prices, `make cost` for each item):").format(
                lab=config.lab_name, region=prices.PRICES_REGION
            ),
            *(f"  {line}" for line in totals(est)),
        ]
        if region and region != prices.PRICES_REGION:
            lines.append(
                _("  (prices are for {prices_region}; {region}'s differ)").format(
                    prices_region=prices.PRICES_REGION, region=region
                )
            )
    else:
        lines = text(est, region)
    print("\n".join(lines))
    return 0
