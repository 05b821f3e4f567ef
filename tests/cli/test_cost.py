"""`make cost`: the price of a lab before it exists, item by item, from one price table; the README's table is
the same numbers, and the default lab stays within the lab's budget."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from lab_stack.config import LabConfig
from labctl import cost, prices
from labctl.toolkit import ROOT
from producer.batching import AGGREGATE_RECORD_BYTES, BILLING_UNIT_BYTES, Linger
from producer.schema import TICKER_SYMBOLS
from support.synth import lab_context


def config(**settings):
    return LabConfig.from_context(lab_context(**settings))


@pytest.fixture(scope="module")
def default():
    return cost.estimate(config())


def labctl_cost(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "labctl", "cost", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def item(est, name):
    return next(line for line in est.lines if line.item == name)


def test_the_readme_cost_table_is_what_make_cost_prints(default):
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- cost-table:begin -->\n(.*)\n<!-- cost-table:end -->", readme, re.S).group(1)
    assert table.splitlines() == cost.markdown(default)
    printed = labctl_cost("--markdown")
    assert printed.returncode == 0 and printed.stdout.splitlines() == table.splitlines()


def test_make_cost_and_its_summary_say_the_readme_totals(default):
    text = labctl_cost().stdout.splitlines()
    summary = labctl_cost("--summary").stdout.splitlines()
    for total in cost.totals(default):
        assert f"  {total}" in text and f"  {total}" in summary
        assert f"- {total}" in (ROOT / "README.md").read_text().splitlines()


def test_the_default_lab_is_within_budget(default):
    """≤ $0.02/h producing, ≤ $0.03/day stopped, ≤ $0.10 forgotten until it expires (dashboard in the free 3)."""
    assert default.priced
    assert default.producing_total <= 0.02
    assert default.after_total <= 0.03
    assert default.forgotten_total <= 0.10
    assert default.forgotten_total == pytest.approx(
        default.producing_hours * default.producing_total + (24 - default.producing_hours) * default.after_total / 24
    )


def test_a_stopped_instance_costs_only_its_volume_and_the_kept_data(default):
    assert item(default, "t3.micro instance").after == 0
    assert item(default, "public IPv4 address").after == 0
    volume = item(default, "8 GiB gp3 root volume").after
    assert volume == pytest.approx(8 * 0.08 / 730 * 24)
    assert default.after_total == pytest.approx(volume + item(default, "S3 requests and storage").after)


def test_ingestion_is_billed_on_the_producers_own_records_each_rounded_up_to_5_kb(default):
    """10 events/s held 0.5 s, then up to 3 s (a twentieth of the 60 s interval) while a record fills its 5 KB: each
    record holds about 5 KB of events, so the rounding costs little (1.03 x the payload, not 4.3)."""
    traffic = default.traffic
    assert traffic.linger == Linger(0.5, 3.0)
    assert traffic.records == pytest.approx(1680, rel=0.05)
    assert 0.8 * BILLING_UNIT_BYTES < traffic.record_bytes <= BILLING_UNIT_BYTES
    assert traffic.billed_gb == pytest.approx(traffic.records * BILLING_UNIT_BYTES / 1024**3)
    assert traffic.billed_gb < 1.1 * traffic.payload_gb
    assert item(default, "Firehose ingestion").producing == pytest.approx(traffic.billed_gb * 0.029)


def test_at_a_high_rate_records_fill_up_and_are_rounded_to_their_own_5_kb_multiples():
    traffic = cost.producer_traffic(config(producerRatePerSecond="10000"))
    assert traffic.record_bytes > 100 * BILLING_UNIT_BYTES
    assert traffic.billed_gb * 1024**3 < traffic.payload_gb * 1024**3 * 1.01  # rounding is noise at this size
    sizes = [size for _, size in cost.producer_records(10_000, Linger(0.5, 0.5), 20_000)]
    assert max(sizes) <= AGGREGATE_RECORD_BYTES


def test_the_simulated_producer_keeps_every_event():
    events = 95
    sizes = [size for _, size in cost.producer_records(10, Linger(0.5, 0.5), events)]
    assert len(sizes) == 19  # 5 events per 0.5 s
    assert 95 * 150 < sum(sizes) < 95 * 300


def test_objects_follow_the_buffer_whichever_of_size_and_interval_comes_first():
    assert cost.producer_traffic(config()).objects == pytest.approx(60)  # 2 KB/s never fills 1 MiB in 60 s
    fast = cost.producer_traffic(config(producerRatePerSecond="10000"))
    assert fast.objects == pytest.approx(3600 / (1024**2 / (fast.payload_gb * 1024**3 / 3600)), rel=0.01)


def test_parquet_adds_the_conversion_price():
    est = cost.estimate(config(format="parquet"))
    line = item(est, "Firehose conversion to Parquet")
    assert line.producing == pytest.approx(est.traffic.billed_gb * prices.FIREHOSE_CONVERSION_GB)


def test_stop_when_done_off_keeps_the_instance_and_its_address_billed_all_day():
    est = cost.estimate(config(stopWhenDone="false"))
    assert item(est, "t3.micro instance").after == pytest.approx(0.0104 * 24)
    assert item(est, "public IPv4 address").after == pytest.approx(0.005 * 24)
    assert est.forgotten_total == pytest.approx(
        est.producing_hours * est.producing_total + (24 - est.producing_hours) * est.after_total / 24
    )
    assert est.forgotten_total > 0.3


def test_a_lab_that_never_expires_has_no_total_only_a_daily_price():
    est = cost.estimate(config(expiresAfterHours="0"))
    assert est.forgotten_total is None
    assert cost.totals(est)[-1].startswith(f"forgotten: it never expires, so {cost.money(est.after_total)} per day")


def test_a_longer_expiry_costs_more_when_forgotten():
    totals = [cost.estimate(config(expiresAfterHours=str(h))).forgotten_total for h in (1, 24, 168)]
    assert totals == sorted(totals) and totals[0] < totals[-1]


def test_an_instance_type_without_a_price_gets_a_line_not_a_number():
    est = cost.estimate(config(instanceType="m7i.large"))
    line = item(est, "m7i.large instance")
    assert (line.producing, line.after, line.price) == (None, None, "not in this table")
    assert "https://aws.amazon.com/ec2/pricing/on-demand/" in line.detail
    assert not est.priced
    assert "(without the m7i.large instance: not in the price table)" in cost.totals(est)[0]


def test_graviton_and_other_burstable_types_are_priced():
    assert item(cost.estimate(config(instanceType="t4g.micro")), "t4g.micro instance").producing == 0.0084


def test_another_region_is_told_the_prices_are_us_east_1():
    run = labctl_cost(AWS_REGION="eu-west-1")
    assert "you deploy to eu-west-1: these are us-east-1 prices, eu-west-1's differ" in run.stdout
    assert "us-east-1" not in labctl_cost(AWS_REGION="us-east-1").stdout.split("\n", 2)[2]


def test_the_price_table_says_its_region_and_date():
    assert (prices.PRICES_REGION, prices.PRICES_DATE) == ("us-east-1", "2025")
    assert labctl_cost().stdout.splitlines()[0] == (
        "firehose-lab cost estimate for FirehoseLab: us-east-1 list prices (2025), US$"
    )


def test_a_bad_setting_is_refused_before_anything_is_priced():
    run = labctl_cost("-c", "expiresAfterHours=169")
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "firehose-lab: invalid expiresAfterHours='169': must be a whole number of hours from 1 to 168, or 0 for a "
        "lab that never expires"
    ]


# --- dynamic partitioning (partitionBy=ticker) ---------------------------------------------------------------------

PARTITIONED = {"partitionBy": "ticker"}


@pytest.fixture(scope="module")
def partitioned():
    return cost.estimate(config(**PARTITIONED))


def test_a_partitioned_lab_delivers_one_object_per_ticker_per_flush(partitioned):
    """Firehose keeps a buffer per partition and delivers each as its own object (AWS "Buffer data for dynamic
    partitioning"): at 10 events/s every ticker the producer draws from is in every 60 s buffer, none fills 64 MiB."""
    traffic = partitioned.traffic
    assert traffic.partitions == pytest.approx(len(TICKER_SYMBOLS), rel=0.001)
    assert traffic.objects == pytest.approx(traffic.partitions * 3600 / 60)
    slower = cost.producer_traffic(config(**PARTITIONED, bufferIntervalSeconds="120")).objects
    assert slower == pytest.approx(traffic.objects / 2)
    assert item(partitioned, "S3 requests and storage").producing == pytest.approx(
        traffic.objects * prices.S3_PUT_PER_1000 / 1000
    )


def test_at_a_low_rate_an_interval_may_miss_a_ticker():
    """1 event/s gives each 60 s buffer 60 draws over the tickers: almost always all of them, never more."""
    traffic = cost.producer_traffic(config(**PARTITIONED, producerRatePerSecond="1"))
    assert len(TICKER_SYMBOLS) - 0.01 < traffic.partitions < len(TICKER_SYMBOLS)
    assert traffic.objects == pytest.approx(traffic.partitions * 60)


def test_each_partitions_buffer_fills_at_its_share_of_the_rate():
    """At 10,000 events/s a ticker's buffer gets an eighth of the stream: the size hint (64 MiB) or the interval,
    whichever comes first, per partition."""
    traffic = cost.producer_traffic(config(**PARTITIONED, producerRatePerSecond="10000", bufferIntervalSeconds="900"))
    per_partition = traffic.payload_gb * prices.GB / 3600 / traffic.partitions
    fill = min(900, 64 * prices.MB / per_partition)
    assert traffic.objects == pytest.approx(traffic.partitions * 3600 / fill)
    assert fill < 900


def test_a_partitioned_lab_adds_dynamic_partitionings_charges(partitioned):
    """AWS bills dynamic partitioning per GB delivered, per 1,000 objects delivered and per JQ processing hour (the
    lab extracts its key with a JQ query); nothing once the producer is done."""
    traffic = partitioned.traffic
    data = item(partitioned, "dynamic partitioning: data")
    objects = item(partitioned, "dynamic partitioning: objects")
    jq = item(partitioned, "dynamic partitioning: JQ")
    assert data.producing == pytest.approx(traffic.payload_gb * prices.FIREHOSE_PARTITIONED_GB)
    assert objects.producing == pytest.approx(traffic.objects * prices.FIREHOSE_PARTITIONED_OBJECTS_PER_1000 / 1000)
    assert jq.producing == pytest.approx(prices.FIREHOSE_JQ_HOUR)
    assert (data.after, objects.after, jq.after) == (0, 0, 0)
    for line in (data, objects, jq):
        assert line.producing > 0 and line.detail
    assert partitioned.producing_total == pytest.approx(sum(line.producing for line in partitioned.lines))
    printed = labctl_cost("-c", "partitionBy=ticker").stdout
    for line in (data, objects, jq):
        assert f"  {line.item}" in printed and line.price in printed


def test_a_partitioned_labs_charges_are_said_in_spanish_when_asked():
    spanish = labctl_cost("-c", "partitionBy=ticker", LAB_LANG="es").stdout
    for item_es, price_es in [
        ("datos", "0,02 USD por GB entregado"),
        ("objetos", "0,005 USD por cada 1000 objetos"),
        ("JQ", "0,07 USD por hora de procesamiento de JQ"),
    ]:
        assert re.search(rf"\n  particionamiento dinámico: {item_es} +0,\d{{4}} USD .* {price_es}\n", spanish), spanish
    assert "\n  particionamiento dinámico: datos: los 7,7 MB/h de eventos que entrega\n" in spanish
    flushes = "480 objetos/h (8 tickers x 60 vaciados del búfer, un PUT por cada uno)"
    assert f"\n  particionamiento dinámico: objetos: {flushes}\n" in spanish
    assert f"\n  peticiones y almacenamiento de S3: {flushes}; " in spanish
    assert "\n  particionamiento dinámico: JQ: la consulta JQ que lee el ticker de cada evento, " in spanish


def test_an_unpartitioned_lab_has_no_partitioning_charges(default):
    assert not [line for line in default.lines if line.item.startswith("dynamic partitioning")]
    assert default.traffic.partitions == 1


def test_the_readme_prices_dynamic_partitioning_as_make_cost_does(partitioned):
    readme = (ROOT / "README.md").read_text()
    section = " ".join(readme.split("## Partitioned by ticker", 1)[1].split("\n## ", 1)[0].split())  # unwrapped
    for name in ("dynamic partitioning: data", "dynamic partitioning: objects", "dynamic partitioning: JQ"):
        assert item(partitioned, name).price in section
    assert f"{partitioned.traffic.objects:,.0f} objects" in section


def test_make_cost_prints_the_same_bytes_every_run():
    """Twenty runs of the README's table, each with its own hash seed, and five of a partitioned lab: one output
    each. The sample events' tickers, prices and quantities set the records' sizes: drawn anew, 1 run in 4 said
    1,620 records/h of 4.8 KB instead of 1,680 of 4.7 KB; a set's order leaking into the text would show here too."""
    for args, runs in ((["--markdown"], 20), (["-c", "partitionBy=ticker"], 5)):
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "labctl", "cost", *args],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                env={"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": str(seed)},
            )
            for seed in range(runs)
        ]
        outputs = {run.communicate(timeout=120)[0] for run in started}
        assert all(run.returncode == 0 for run in started)
        assert len(outputs) == 1, args
