"""Throughput, cost and memory of the producer against a local Firehose endpoint.

    .venv/bin/python bench/bench_producer.py            # 1 GiB aggregated run (~1-2 min in all)
    .venv/bin/python bench/bench_producer.py --quick    # smaller files, ~30 s

Starts the local Firehose-compatible endpoint (tests/support/producer/
local_firehose.py) as its own process on 127.0.0.1, writes input files of
100-byte events to a temporary directory (removed afterwards), and runs, each
as a fresh process so start-up counts in the wall time:

  aggregated    python -m producer --input FILE
  no-aggregate  python -m producer --input FILE --no-aggregate
  put_record    bench/naive_put_record.py: one put_record call per event

Each producer run is pinned to CPU 0 and the endpoint to CPU 1, so the figures
are for one core. It prints MiB/s and events/s (wall time including start-up),
CPU seconds, billed bytes per payload byte (each record counted as
max(size, 5 KB), as Firehose bills), peak RSS of the producer process, checks
every event arrived (the endpoint's own count), and compares with the targets.
Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENDPOINT = ROOT / "tests" / "support" / "producer" / "local_firehose.py"
EVENT_BYTES = 100
MIB = 2**20
TARGETS = {
    "aggregated MiB/s": 50.0,
    "no-aggregate MiB/s": 8.0,
    "aggregated / put_record loop": 100.0,
    "billed / payload (aggregated), at most": 1.05,
    "peak RSS MB (1 GiB input), at most": 200.0,
}


@dataclass
class Run:
    name: str
    events: int
    payload: int
    wall: float
    cpu: float
    peak_rss_mb: float
    stats: dict

    @property
    def mib_s(self) -> float:
        return self.payload / self.wall / MIB

    @property
    def events_s(self) -> float:
        return self.events / self.wall


def bench_env(port: int) -> dict[str, str]:
    """The producer's environment against the local endpoint on `port`: no real credentials, no AWS."""
    return dict(
        os.environ,
        AWS_ENDPOINT_URL_FIREHOSE=f"http://127.0.0.1:{port}",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        PYTHONPATH=str(ROOT),
    )


def write_events(path: Path, size_mib: int) -> int:
    """Write 100-byte JSON events (newline included) up to `size_mib`; return the count."""
    lines = []
    for i in range(100_000):
        head = f'{{"event_id":"{i:010d}","producer_id":"bench","ticker":"AMZN","price":{100 + i % 997 / 10:.2f},"pad":"'
        lines.append((head + "x" * (EVENT_BYTES - len(head) - 3) + '"}\n').encode())
    assert all(len(line) == EVENT_BYTES for line in lines)
    chunk = b"".join(lines)
    total = size_mib * MIB // EVENT_BYTES
    with open(path, "wb") as out:
        left = total
        while left:
            n = min(left, len(lines))
            out.write(chunk[: n * EVENT_BYTES])
            left -= n
    return total


def on_cpu(cpu: int):
    return lambda: os.sched_setaffinity(0, {cpu % os.cpu_count()})


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run `cmd` on CPU 0; return (wall seconds including start-up, CPU seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=on_cpu(0)
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    error = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{error}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs: about 30 s in all")
    parser.add_argument("--size-mib", type=int, help="aggregated input size (default 1024, quick 256)")
    parser.add_argument("--no-aggregate-mib", type=int, help="--no-aggregate input size (default 128, quick 32)")
    parser.add_argument("--naive-events", type=int, help="events for the put_record loop (default 5000, quick 2000)")
    parser.add_argument("--senders", type=int, default=4)
    args = parser.parse_args()
    size = args.size_mib or (256 if args.quick else 1024)
    small = args.no_aggregate_mib or (32 if args.quick else 128)
    naive = args.naive_events or (2000 if args.quick else 5000)

    workdir = Path(tempfile.mkdtemp(prefix="bench-producer-"))
    server = subprocess.Popen(
        [sys.executable, str(ENDPOINT), "--stream", "aggregated", "--stream", "no-aggregate", "--stream", "put-record"],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=on_cpu(1),
    )
    try:
        port = int(server.stdout.readline())
        env = bench_env(port)
        big, little = workdir / "events.jsonl", workdir / "small.jsonl"
        print(f"writing {size} MiB and {small} MiB of {EVENT_BYTES}-byte events to {workdir} ...", flush=True)
        big_events = write_events(big, size)
        little_events = write_events(little, small)

        def producer(stream: str, path: Path, *extra: str) -> list[str]:
            return [
                sys.executable,
                "-m",
                "producer",
                "--stream",
                stream,
                "--input",
                str(path),
                "--quiet",
                "--senders",
                str(args.senders),
                "--dead-letter",
                str(workdir / f"{stream}.dead"),
                "--stats-json",
                str(workdir / f"{stream}.json"),
                *extra,
            ]

        runs = []
        for name, cmd, events, payload in (
            ("aggregated", producer("aggregated", big), big_events, big_events * EVENT_BYTES),
            (
                "no-aggregate",
                producer("no-aggregate", little, "--no-aggregate"),
                little_events,
                little_events * EVENT_BYTES,
            ),
            (
                "put-record",
                [
                    sys.executable,
                    str(ROOT / "bench" / "naive_put_record.py"),
                    "--stream",
                    "put-record",
                    "--input",
                    str(little),
                    "--count",
                    str(naive),
                ],
                naive,
                naive * EVENT_BYTES,
            ),
        ):
            print(f"running {name} ({events:,} events) ...", flush=True)
            wall, cpu, rss = timed(cmd, env)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats") as answer:
                stats = json.load(answer)[name]
            if stats["events"] != events or stats["bytes"] != payload:
                raise SystemExit(
                    f"{name}: endpoint got {stats['events']:,} events / {stats['bytes']:,} bytes, "
                    f"expected {events:,} / {payload:,}"
                )
            runs.append(Run(name, events, payload, wall, cpu, rss, stats))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir)

    print()
    print(
        f"{'variant':<14}{'events':>12}{'MiB':>8}{'wall s':>8}{'CPU s':>7}{'MiB/s':>9}{'events/s':>12}"
        f"{'records':>11}{'calls':>8}{'billed/payload':>16}{'peak RSS MB':>13}"
    )
    for run in runs:
        s = run.stats
        print(
            f"{run.name:<14}{run.events:>12,}{run.payload / MIB:>8.0f}{run.wall:>8.2f}{run.cpu:>7.2f}"
            f"{run.mib_s:>9.2f}{run.events_s:>12,.0f}{s['records']:>11,}{s['calls']:>8,}"
            f"{s['billed_min5k'] / s['bytes']:>9.3f} ({s['billed_rounded'] / s['bytes']:.3f})"
            f"{run.peak_rss_mb:>13.0f}"
        )
    print("(billed/payload: each record counted as max(size, 5 KB); in brackets, rounded up to 5 KB steps)")
    per_cpu = ", ".join(f"{run.name} {run.payload / MIB / run.cpu:.1f}" for run in runs)
    print(f"MiB per producer CPU second: {per_cpu} (where above MiB/s, the endpoint or waiting is the limit)")
    aggregated, single, loop = runs
    figures = {
        "aggregated MiB/s": aggregated.mib_s,
        "no-aggregate MiB/s": single.mib_s,
        "aggregated / put_record loop": aggregated.mib_s / loop.mib_s,
        "billed / payload (aggregated), at most": aggregated.stats["billed_min5k"] / aggregated.stats["bytes"],
        "peak RSS MB (1 GiB input), at most": aggregated.peak_rss_mb,
    }
    print()
    for name, target in TARGETS.items():
        value = figures[name]
        at_most = name.endswith("at most")
        if "RSS" in name and size < 1024:
            verdict = f"n/a (input {size} MiB; run without --quick for 1 GiB)"
        else:
            verdict = "PASS" if (value <= target if at_most else value >= target) else "FAIL"
        print(f"{name:<42}{value:>10.2f}  target {'<=' if at_most else '>='} {target:g}  {verdict}")


if __name__ == "__main__":
    main()
