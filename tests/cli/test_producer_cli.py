"""`python -m producer` as a new user meets it: exit codes and messages for
every bad input, signals, slow input, the dead-letter round trip, feedback."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from producer import cli
from support.producer.cli import FAST_RETRY, ROOT, aws_env, producer_cmd, run_producer
from support.producer.local_firehose import FaultPlan, LocalFirehose


def one_clear_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("producer: error: ")
    return lines[0]


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(f'{{"n":{i}}}\n'.encode() for i in range(1000)))
    return path


@pytest.mark.parametrize(
    "args, words",
    [
        ([], ["--stream", "required"]),
        (["--stream"], ["--stream", "expected one argument"]),
        (["--stream", "lab", "--rate", "-1"], ["--rate", ">= 0", "'-1'"]),
        (["--stream", "lab", "--rate", "fast"], ["--rate", "'fast'"]),
        (["--stream", "lab", "--rate", "nan"], ["--rate", "'nan'"]),
        (["--stream", "lab", "--count", "0"], ["--count", ">= 1", "'0'"]),
        (["--stream", "lab", "--count", "1.5"], ["--count", "whole number"]),
        (["--stream", "lab", "--duration", "0"], ["--duration", "> 0"]),
        (["--stream", "lab", "--duration", "-5"], ["--duration", "'-5'"]),
        (["--stream", "lab", "--senders", "0"], ["--senders", "1 to 64"]),
        (["--stream", "lab", "--max-retry-seconds", "-1"], ["--max-retry-seconds", ">= 0"]),
        (["--stream", "lab", "--backoff-base", "2", "--backoff-cap", "1"], ["--backoff-cap", "--backoff-base"]),
        (["--stream", "lab", "--linger", "0"], ["--linger", "> 0"]),
        (["--stream", "bad name!"], ["--stream", "not a valid stream name", "1-64"]),
        (["--stream", "x" * 65], ["not a valid stream name"]),
        (["--stream", "lab", "--producer-id", ""], ["--producer-id", "1-128"]),
        (["--stream", "lab", "--input", "/no/such/file.jsonl"], ["--input", "does not exist"]),
        (["--stream", "lab", "--input", "/"], ["--input", "is a directory"]),
        (["--stream", "lab", "--dead-letter", "/no/such/dir/dead.jsonl"], ["--dead-letter", "does not exist"]),
        (["--stream", "lab", "--dead-letter", "/"], ["--dead-letter", "directory"]),
        (["--stream", "lab", "--stats-json", "/no/such/dir/s.json"], ["--stats-json", "does not exist"]),
        (["--stream", "lab", "--no-such-flag"], ["unrecognized arguments", "--no-such-flag"]),
        (["--stream", "lab", "--quie"], ["unrecognized arguments"]),  # no abbreviations
    ],
)
def test_bad_flags_get_one_clear_line_and_exit_2(args, words, tmp_path):
    done = run_producer(*args, env=aws_env())
    assert done.code == cli.EXIT_USAGE
    line = one_clear_line(done.stderr)
    for word in words:
        assert word in line


def test_input_flags_that_only_apply_to_sample_events(events_file):
    done = run_producer("--stream", "lab", "--input", str(events_file), "--rate", "5", "--count", "3")
    assert done.code == cli.EXIT_USAGE
    assert "--rate, --count apply to generated sample events, not to --input" in one_clear_line(done.stderr)


def test_dead_letter_file_must_not_be_the_input(events_file):
    done = run_producer("--stream", "lab", "--input", str(events_file), "--dead-letter", str(events_file))
    assert done.code == cli.EXIT_USAGE
    assert "must not be the --input file" in one_clear_line(done.stderr)


def test_input_that_cannot_be_opened(tmp_path):
    loop = tmp_path / "loop.jsonl"
    loop.symlink_to(loop)
    done = run_producer("--stream", "lab", "--input", str(loop))
    assert done.code == cli.EXIT_USAGE
    assert "cannot be read: Too many levels of symbolic links" in one_clear_line(done.stderr)


def test_input_that_fails_while_being_read(tmp_path):
    with LocalFirehose() as server:
        done = run_producer(
            "--stream",
            "lab",
            "--input",
            "/proc/self/mem",  # opens, then EIO on read
            "--dead-letter",
            str(tmp_path / "d"),
            env=aws_env(server.url),
        )
    assert done.code == cli.EXIT_UNDELIVERED
    errors = [line for line in done.lines if "error:" in line]
    assert errors == ["producer: error: reading --input /proc/self/mem failed: OSError: [Errno 5] Input/output error"]
    assert "stopped reading /proc/self/mem at line 1 (byte 0)" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "env_change, words",
    [
        ({"AWS_REGION": None}, ["no AWS region", "--region"]),
        ({"AWS_REGION": "mars-north-1"}, ["mars-north-1", "not a region"]),
        ({"AWS_REGION": "us east"}, ["us east"]),
    ],
)
def test_region_problems_exit_2(env_change, words):
    env = aws_env()
    for key, value in env_change.items():
        env.pop(key, None)
        if value is not None:
            env[key] = value
    done = run_producer("--stream", "lab", "--count", "1", env=env)
    assert done.code == cli.EXIT_USAGE
    line = one_clear_line(done.stderr)
    for word in words:
        assert word in line


def test_no_credentials_exit_4():
    env = aws_env()
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    done = run_producer("--stream", "lab", "--count", "1", env=env)
    assert done.code == cli.EXIT_ACCESS
    assert "no AWS credentials found" in one_clear_line(done.stderr)


def test_unknown_profile_exit_4():
    done = run_producer("--stream", "lab", "--count", "1", env=aws_env(AWS_PROFILE="nobody"))
    assert done.code == cli.EXIT_ACCESS
    assert "nobody" in one_clear_line(done.stderr)


def test_missing_stream_exit_3_at_once(tmp_path):
    with LocalFirehose(streams=("other",)) as server:
        done = run_producer(
            "--stream",
            "lab",
            "--count",
            "5",
            "--rate",
            "0",
            "--max-retry-seconds",
            "600",
            "--dead-letter",
            str(tmp_path / "dead.jsonl"),
            env=aws_env(server.url),
        )
    assert done.code == cli.EXIT_STREAM_NOT_FOUND
    errors = [line for line in done.lines if "error:" in line]
    assert len(errors) == 1 and "Traceback" not in done.stderr
    assert "Firehose stream 'lab' not found in region us-east-1" in errors[0]
    assert "check --stream and --region" in errors[0]
    assert server.posts == 1  # no retries
    assert len((tmp_path / "dead.jsonl").read_bytes().splitlines()) == 5


def test_rejected_credentials_exit_4_at_once(tmp_path):
    with LocalFirehose(access_keys=("AKIDRIGHT",)) as server:
        done = run_producer(
            "--stream",
            "lab",
            "--count",
            "5",
            "--rate",
            "0",
            "--dead-letter",
            str(tmp_path / "dead.jsonl"),
            env=aws_env(server.url),
        )
    assert done.code == cli.EXIT_ACCESS
    errors = [line for line in done.lines if "error:" in line]
    assert len(errors) == 1 and "UnrecognizedClientException" in errors[0]
    assert server.posts == 1


def test_oversized_event_is_named_dead_lettered_and_the_rest_sent(tmp_path):
    source = tmp_path / "in.jsonl"
    huge = b'{"blob":"' + b"z" * 1_100_000 + b'"}\n'
    source.write_bytes(b'{"n":1}\n' + huge + b'{"n":3}\n')
    dead = tmp_path / "dead.jsonl"
    with LocalFirehose() as server:
        done = run_producer(
            "--stream", "lab", "--input", str(source), "--dead-letter", str(dead), env=aws_env(server.url)
        )
        landed = server.events()
    assert done.code == cli.EXIT_UNDELIVERED
    assert "line 2 is 1,100,012 bytes, over Firehose's record limit of 1,024,000 bytes" in done.stderr
    assert "NOT DELIVERED: 1 events" in done.stderr and "Traceback" not in done.stderr
    assert landed == [b'{"n":1}\n', b'{"n":3}\n']
    assert dead.read_bytes() == huge


def test_give_up_then_resend_the_dead_letter_file(tmp_path, events_file):
    dead = tmp_path / "dead.jsonl"
    stats = tmp_path / "stats.json"
    with LocalFirehose(faults=FaultPlan(chaos=1.0, kinds=("throttle",))) as server:
        done = run_producer(
            "--stream",
            "lab",
            "--input",
            str(events_file),
            "--dead-letter",
            str(dead),
            "--stats-json",
            str(stats),
            "--max-retry-seconds",
            "0.1",
            *FAST_RETRY,
            env=aws_env(server.url),
        )
    assert done.code == cli.EXIT_UNDELIVERED
    assert f"NOT DELIVERED: 1,000 events, written to {dead} (resend with --input {dead})" in done.stderr
    assert re.search(r"1,000 x ServiceUnavailableException: Slow down\. \(still failing after 0\.1 s", done.stderr)
    assert dead.read_bytes() == events_file.read_bytes()
    figures = json.loads(stats.read_text())
    assert figures["exit_code"] == 1 and figures["events_failed"] == 1000 and figures["retries"] > 0

    with LocalFirehose() as healthy:
        again = run_producer(
            "--stream", "lab", "--input", str(dead), "--dead-letter", str(tmp_path / "dead2"), env=aws_env(healthy.url)
        )
        assert again.code == cli.EXIT_OK, again.stderr
        assert b"".join(healthy.events()) == events_file.read_bytes()


def test_slow_stdin_is_delivered_without_waiting_for_more(tmp_path):
    with LocalFirehose() as server:
        proc = subprocess.Popen(
            producer_cmd(
                "--stream", "lab", "--input", "-", "--linger", "0.2", "--dead-letter", str(tmp_path / "dead.jsonl")
            ),
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=aws_env(server.url),
        )
        try:
            proc.stdin.write(b'{"first":1}\n')
            proc.stdin.flush()
            # Delivered while stdin stays open: the producer does not wait for more input.
            assert wait_for(lambda: server.events() == [b'{"first":1}\n'])
            proc.stdin.write(b'{"second":2}')  # no newline yet: not an event until it ends
            proc.stdin.flush()
            proc.stdin.close()
            assert proc.wait(timeout=30) == 0
        finally:
            proc.kill()
        assert server.events() == [b'{"first":1}\n', b'{"second":2}\n']


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_delivers_what_was_generated_and_exits_0(tmp_path, sig):
    stats = tmp_path / "stats.json"
    with LocalFirehose() as server:
        proc = subprocess.Popen(
            producer_cmd(
                "--stream",
                "lab",
                "--rate",
                "300",
                "--linger",
                "0.1",
                "--stats-json",
                str(stats),
                "--dead-letter",
                str(tmp_path / "d"),
            ),
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=aws_env(server.url),
        )
        try:
            assert wait_for(lambda: len(server.events()) >= 50)
            proc.send_signal(sig)
            assert proc.wait(timeout=30) == cli.EXIT_OK
        finally:
            proc.kill()
        landed = [json.loads(line) for line in server.events()]
    stderr = proc.stderr.read().decode()
    assert f"{signal.Signals(sig).name}: stopping; delivering what is buffered" in stderr
    figures = json.loads(stats.read_text())
    assert figures["stopped"] and figures["events_read"] == figures["events_sent"] == len(landed)
    assert sorted(event["seq"] for event in landed) == list(range(len(landed)))  # no gap, no duplicate


def test_stop_while_firehose_refuses_everything_is_bounded_and_dead_letters(tmp_path):
    dead = tmp_path / "dead.jsonl"
    stderr_file = open(tmp_path / "stderr", "wb")
    with LocalFirehose(faults=FaultPlan(chaos=1.0, kinds=("throttle",))) as server:
        proc = subprocess.Popen(
            producer_cmd(
                "--stream",
                "lab",
                "--rate",
                "200",
                "--linger",
                "0.1",
                "--max-retry-seconds",
                "600",
                "--shutdown-seconds",
                "0.5",
                "--dead-letter",
                str(dead),
                *FAST_RETRY,
            ),
            # A file, not a pipe nobody reads while it runs: a full pipe would block the producer's writes.
            stderr=stderr_file,
            cwd=ROOT,
            env=aws_env(server.url),
        )
        try:
            assert wait_for(lambda: server.posts >= 3)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == cli.EXIT_UNDELIVERED
        finally:
            proc.kill()
    stderr_file.close()
    stderr = (tmp_path / "stderr").read_text()
    seqs = [json.loads(line)["seq"] for line in dead.read_bytes().splitlines()]
    assert sorted(seqs) == list(range(len(seqs))) and seqs  # every generated event is in the file
    assert f"NOT DELIVERED: {len(seqs):,} events, written to {dead}" in stderr
    assert "not accepted within the 0.5 s allowed after a stop" in stderr


def test_a_stop_signal_while_the_main_thread_holds_the_stop_events_lock_does_not_hang():
    # Python runs the signal handler in the main thread between two bytecodes,
    # also inside stop.wait() (the sample generator's pacing) while that thread
    # holds the Event's own lock, which is not reentrant: a handler that set
    # `stop` there deadlocked, and an unlucky SIGTERM left the producer hanging
    # for good. Here the signal lands in exactly that spot; a fresh process,
    # because the main thread of a hung one never gets out again.
    script = textwrap.dedent(
        """
        import signal, threading
        from producer import cli

        stop = threading.Event()
        with cli._logging(), cli._stop_on_signals(stop):
            with stop._cond:  # what every stop.wait() holds for a few bytecodes
                signal.raise_signal(signal.SIGTERM)  # runs the handler here, in this thread
            assert stop.wait(timeout=10), "stop was never set"
        print("stopped")
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=aws_env(), timeout=30
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the SIGTERM handler deadlocked on the stop event's lock")
    assert done.returncode == 0 and done.stdout == "stopped\n", done.stderr
    assert done.stderr == "producer: SIGTERM: stopping; delivering what is buffered\n"


def test_progress_lines_and_quiet(tmp_path, events_file):
    with LocalFirehose(faults=FaultPlan(chaos=1.0, kinds=("throttle",))) as server:
        args = (
            "--stream",
            "lab",
            "--input",
            str(events_file),
            "--dead-letter",
            str(tmp_path / "d"),
            "--progress-seconds",
            "0.05",
            "--max-retry-seconds",
            "0.3",
            *FAST_RETRY,
        )
        loud = run_producer(*args, env=aws_env(server.url))
        quiet = run_producer(*args, "--quiet", env=aws_env(server.url))
    progress = re.compile(r"producer: sent [\d,]+ events \([\d,]+/s, [\d.]+ MiB/s\), [\d,]+ retries, [\d,]+ failed")
    assert any(progress.fullmatch(line) for line in loud.lines), loud.stderr
    assert not any(progress.fullmatch(line) for line in quiet.lines), quiet.stderr
    for done in (loud, quiet):  # the summary stays, even when quiet
        assert any(line.startswith("producer: sent 0 of 1,000 events") for line in done.lines)


def test_help_lists_the_exit_codes():
    done = subprocess.run(producer_cmd("--help"), capture_output=True, text=True, cwd=ROOT, env=aws_env())
    assert done.returncode == 0
    for text in ("0 all delivered", "2 usage error", "3 stream not found", "4 credentials"):
        assert text in " ".join(done.stdout.split())
    assert all(f"{code}  " in cli.__doc__ for code in range(5))


def wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False
