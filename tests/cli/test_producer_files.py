"""The producer's own files, as an adversarial user meets them: it never writes over a file it was not asked to
write, it writes stats only to a regular file, a full disk is one line (not a traceback), and the stats of a killed
run say they are not final and how much was still in flight."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from producer import cli
from support.producer.cli import FAST_RETRY, ROOT, aws_env, producer_cmd, run_producer
from support.producer.local_firehose import FaultPlan, LocalFirehose


def one_clear_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("producer: error: ")
    return lines[0]


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(f'{{"n":{i}}}\n'.encode() for i in range(100)))
    return path


# --- 1. no two of --input / --dead-letter / --stats-json may name the same file -----------------------------------


@pytest.mark.parametrize(
    "layout, flags, words",
    [
        (
            "same new path",
            ("--dead-letter", "{a}", "--stats-json", "{a}"),
            "--stats-json must not be the --dead-letter",
        ),
        (
            "stats is the input",
            ("--input", "{events}", "--stats-json", "{events}"),
            "--stats-json must not be the --input",
        ),
        (
            "stats links to dead-letter",
            ("--dead-letter", "{a}", "--stats-json", "{link_a}"),
            "must not be the --dead-letter",
        ),
        ("stats links to input", ("--input", "{events}", "--stats-json", "{link_events}"), "must not be the --input"),
        (
            "dead-letter links to input",
            ("--input", "{events}", "--dead-letter", "{link_events}"),
            "must not be the --input",
        ),
    ],
)
def test_two_flags_naming_one_file_are_refused(tmp_path, events_file, layout, flags, words):
    (tmp_path / "link_a").symlink_to(tmp_path / "a")  # dangling until something writes `a`
    (tmp_path / "link_events").symlink_to(events_file)
    names = {
        "a": tmp_path / "a",
        "events": events_file,
        "link_a": tmp_path / "link_a",
        "link_events": tmp_path / "link_events",
    }
    args = [flag.format(**names) for flag in flags]
    if "--dead-letter" not in args:
        args += ["--dead-letter", str(tmp_path / "dead.jsonl")]
    if "--input" not in args:
        args += ["--count", "1"]
    before = events_file.read_bytes()
    with LocalFirehose() as server:  # so that a run that is wrongly let through ends at once
        done = run_producer("--stream", "lab", *args, env=aws_env(server.url))
    assert done.code == cli.EXIT_USAGE, layout
    assert words in one_clear_line(done.stderr)
    assert events_file.read_bytes() == before
    assert not (tmp_path / "a").exists()


# --- 2. stats go to a regular file or a new path -------------------------------------------------------------------


def test_stats_json_refuses_a_fifo_and_leaves_it_alone(tmp_path):
    fifo = tmp_path / "stats.fifo"
    os.mkfifo(fifo)
    with LocalFirehose() as server:
        done = run_producer(
            "--stream",
            "lab",
            "--count",
            "1",
            "--stats-json",
            str(fifo),
            "--dead-letter",
            str(tmp_path / "d"),
            env=aws_env(server.url),
        )
    assert done.code == cli.EXIT_USAGE
    line = one_clear_line(done.stderr)
    assert f"--stats-json {fifo} is a FIFO" in line and "regular file or a new path" in line
    assert fifo.is_fifo()


def test_stats_json_through_a_symlink_replaces_the_target_not_the_link(tmp_path):
    target = tmp_path / "real-stats.json"
    target.write_text("{}")
    link = tmp_path / "stats.json"
    link.symlink_to(target)
    with LocalFirehose() as server:
        done = run_producer(
            "--stream",
            "lab",
            "--count",
            "5",
            "--rate",
            "0",
            "--stats-json",
            str(link),
            "--dead-letter",
            str(tmp_path / "d"),
            env=aws_env(server.url),
        )
    assert done.code == cli.EXIT_OK, done.stderr
    assert link.is_symlink()
    assert json.loads(target.read_text())["events_sent"] == 5


# --- 3. a full disk is one line, the summary and the "undelivered" exit code ---------------------------------------


def test_a_full_dead_letter_device_is_one_line_and_exit_1(tmp_path):
    with LocalFirehose(faults=FaultPlan(script=("invalid",) * 50)) as server:
        done = run_producer(
            "--stream",
            "lab",
            "--count",
            "20",
            "--rate",
            "0",
            "--dead-letter",
            "/dev/full",
            "--stats-json",
            str(tmp_path / "stats.json"),
            *FAST_RETRY,
            env=aws_env(server.url),
        )
    assert done.code == cli.EXIT_UNDELIVERED
    assert "Traceback" not in done.stderr
    errors = [line for line in done.lines if line.startswith("producer: error: cannot")]
    assert errors == [
        "producer: error: cannot keep undelivered events in /dev/full: [Errno 28] No space left on device; "
        "they are lost"
    ]
    assert "NOT DELIVERED: 20 events" in done.stderr  # the summary still comes
    assert json.loads((tmp_path / "stats.json").read_text())["exit_code"] == cli.EXIT_UNDELIVERED


def _file_size_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_stats_on_a_full_disk_leave_no_temp_files(tmp_path):
    """A file-size limit below one stats file stands for a full disk: every stats write fails."""
    with LocalFirehose() as server:
        done = subprocess.run(
            producer_cmd(
                "--stream",
                "lab",
                "--rate",
                "50",
                "--duration",
                "2",
                "--progress-seconds",
                "0.1",
                "--stats-json",
                str(tmp_path / "stats.json"),
                "--dead-letter",
                str(tmp_path / "d"),
            ),
            env=aws_env(server.url),
            cwd=ROOT,
            capture_output=True,
            timeout=60,
            preexec_fn=_file_size_limit(64),
        )
    stderr = done.stderr.decode()
    assert done.returncode == cli.EXIT_OK, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    warnings = [line for line in stderr.splitlines() if "cannot write --stats-json" in line]
    assert len(warnings) == 1, stderr  # said once, not once per progress tick
    assert "Traceback" not in stderr


# --- 4. a killed run's stats are marked unfinished and say what was in flight ---------------------------------------


def test_stats_of_a_killed_run_say_unfinished_and_what_was_in_flight(tmp_path):
    """Nothing is accepted (every call throttled), so everything read is in flight when SIGKILL comes."""
    stats = tmp_path / "stats.json"
    with LocalFirehose(faults=FaultPlan(chaos=1.0, kinds=("throttle",))) as server:
        proc = subprocess.Popen(
            producer_cmd(
                "--stream",
                "lab",
                "--rate",
                "200",
                "--progress-seconds",
                "0.1",
                "--stats-json",
                str(stats),
                "--dead-letter",
                str(tmp_path / "d"),
                *FAST_RETRY,
            ),
            env=aws_env(server.url),
            cwd=ROOT,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                figures = json.loads(stats.read_text()) if stats.exists() else {}
                if figures.get("events_read", 0) >= 50:
                    break
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            proc.kill()
    figures = json.loads(stats.read_text())
    assert figures["finished"] is False
    assert figures["events_sent"] == 0
    assert figures["events_in_flight"] == figures["events_read"] - figures["events_sent"] - figures["events_failed"]
    assert figures["events_in_flight"] >= 50
