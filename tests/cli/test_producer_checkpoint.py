"""`--checkpoint`: a run killed at any moment and rerun with the same checkpoint delivers every
event at least once, resending at most what was read past the last written checkpoint."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from producer import cli
from producer.checkpoint import (
    Checkpoint,
    CheckpointError,
    read_ahead_bytes,
    resend_bound,
    resume_point,
)
from producer.events import open_input
from support.producer.cli import ROOT, aws_env, producer_cmd, run_producer
from support.producer.local_firehose import LocalFirehose

EVENT_BYTES = 120


def write_events(path: Path, count: int) -> list[bytes]:
    events = [(f'{{"n":{n:09d},"pad":"'.encode() + b"x" * (EVENT_BYTES - 25) + b'"}\n') for n in range(count)]
    assert all(len(event) == EVENT_BYTES for event in events)
    path.write_bytes(b"".join(events))
    return events


# The file -------------------------------------------------------------------------------------------------------


def test_without_a_checkpoint_file_reading_starts_at_the_beginning(tmp_path):
    write_events(tmp_path / "in.jsonl", 3)
    with open_input(str(tmp_path / "in.jsonl")) as source:
        assert resume_point(str(tmp_path / "cp.json"), source, "in.jsonl") == (0, 1)


def test_the_checkpoint_moves_only_past_events_settled_in_order_and_a_rerun_resumes_there(tmp_path):
    events = write_events(tmp_path / "in.jsonl", 10)
    path = str(tmp_path / "cp.json")
    with open_input(str(tmp_path / "in.jsonl")) as source:
        position = [0, 1]
        checkpoint = Checkpoint(path, source, lambda: tuple(position), senders=1)
        for batched in (3, 7, 10):  # the reader hands over blocks of 3, 4 and 3 lines
            position[:] = [batched * EVENT_BYTES, batched + 1]
            checkpoint.mark(batched)
        checkpoint.advance(6)  # the 7th event is not settled yet: only the first block is covered
        checkpoint.save()
        assert json.loads(Path(path).read_text())["offset"] == 3 * EVENT_BYTES
        assert resume_point(path, source, "in.jsonl") == (3 * EVENT_BYTES, 4)
        assert checkpoint.behind() == 7 * EVENT_BYTES
        checkpoint.advance(10)
        checkpoint.save_if_due(now=1e9)
        assert resume_point(path, source, "in.jsonl") == (len(b"".join(events)), 11)


def test_a_checkpoint_is_refused_for_other_contents_or_when_it_is_not_one(tmp_path):
    write_events(tmp_path / "in.jsonl", 10)
    path = tmp_path / "cp.json"
    with open_input(str(tmp_path / "in.jsonl")) as source:
        checkpoint = Checkpoint(str(path), source, lambda: (600, 6), senders=1)
        checkpoint.mark(5)
        checkpoint.advance(5)
        checkpoint.save()
    (tmp_path / "in.jsonl").write_bytes(b'{"rotated":1}\n' * 100)  # a rotated log, longer than before
    with open_input(str(tmp_path / "in.jsonl")) as source:
        with pytest.raises(CheckpointError, match="was written for other contents of --input"):
            resume_point(str(path), source, "in.jsonl")
        path.write_text("not json")
        with pytest.raises(CheckpointError, match="is not a checkpoint this producer wrote"):
            resume_point(str(path), source, "in.jsonl")


def saved_checkpoint(tmp_path) -> Path:
    """A real checkpoint of in.jsonl, 5 of its 10 events settled."""
    write_events(tmp_path / "in.jsonl", 10)
    path = tmp_path / "cp.json"
    with open_input(str(tmp_path / "in.jsonl")) as source:
        checkpoint = Checkpoint(str(path), source, lambda: (600, 6), senders=1)
        checkpoint.mark(5)
        checkpoint.advance(5)
        checkpoint.save()
    return path


@pytest.mark.parametrize(
    "mangle",
    [
        lambda saved: {**saved, "offset": 1e999},  # json.dumps writes Infinity
        lambda saved: {**saved, "offset": 600.5},
        lambda saved: {**saved, "offset": True},
        lambda saved: {**saved, "line": "6"},
        lambda saved: {**saved, "fingerprint": ["x"] * 3},
    ],
)
def test_a_checkpoint_with_values_the_producer_never_writes_is_refused(tmp_path, mangle):
    path = saved_checkpoint(tmp_path)
    path.write_text(json.dumps(mangle(json.loads(path.read_text()))))
    with open_input(str(tmp_path / "in.jsonl")) as source:
        with pytest.raises(CheckpointError, match="is not a checkpoint this producer wrote"):
            resume_point(str(path), source, str(tmp_path / "in.jsonl"))


def test_json_nested_deeper_than_any_checkpoint_is_refused_not_a_crash(tmp_path):
    path = saved_checkpoint(tmp_path)
    path.write_text("[" * 100_000 + "]" * 100_000)
    with open_input(str(tmp_path / "in.jsonl")) as source:
        with pytest.raises(CheckpointError, match="is not a checkpoint this producer wrote"):
            resume_point(str(path), source, str(tmp_path / "in.jsonl"))


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_checkpoint_that_is_no_regular_file_is_refused_at_once(tmp_path, special):
    write_events(tmp_path / "in.jsonl", 10)
    if special == "fifo":
        path = tmp_path / "cp.fifo"
        os.mkfifo(path)
    else:
        path = Path(special)
    started = time.monotonic()
    with open_input(str(tmp_path / "in.jsonl")) as source:
        with pytest.raises(CheckpointError, match="is not a checkpoint this producer wrote"):
            resume_point(str(path), source, str(tmp_path / "in.jsonl"))
    assert time.monotonic() - started < 10  # a blocked open or an endless read would never get here


def test_a_checkpoint_written_for_another_input_file_is_refused(tmp_path):
    path = saved_checkpoint(tmp_path)
    (tmp_path / "other.jsonl").write_bytes((tmp_path / "in.jsonl").read_bytes())  # same bytes, another file
    with open_input(str(tmp_path / "other.jsonl")) as source:
        with pytest.raises(CheckpointError, match="was written for --input .*in.jsonl, not .*other.jsonl"):
            resume_point(str(path), source, str(tmp_path / "other.jsonl"))


def test_a_rerun_resends_at_most_two_calls_per_sender_and_one_more_piece_of_input():
    assert read_ahead_bytes(4) == 2 * 4 * 4 * 2**20
    assert resend_bound(4) == read_ahead_bytes(4) + 1000 * 1024  # 33 MiB


# The command line -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--checkpoint", "{tmp}/cp.json"], ["--checkpoint needs --input FILE"]),
        (["--input", "-", "--checkpoint", "{tmp}/cp.json"], ["--checkpoint needs --input FILE", "standard input"]),
        (
            ["--input", "{tmp}/in.jsonl", "--checkpoint", "{tmp}/in.jsonl"],
            ["--checkpoint must not be the --input file"],
        ),
        (
            ["--input", "{tmp}/in.jsonl", "--checkpoint", "{tmp}/d.jsonl", "--dead-letter", "{tmp}/d.jsonl"],
            ["--checkpoint must not be the --dead-letter file"],
        ),
        (["--input", "{tmp}/in.jsonl", "--checkpoint", "{tmp}/no/cp.json"], ["--checkpoint", "does not exist"]),
        (["--stream-buffer-seconds", "901"], ["--stream-buffer-seconds", "from 0 to 900", "'901'"]),
        (["--stream-buffer-seconds", "-1"], ["--stream-buffer-seconds", "'-1'"]),
    ],
)
def test_bad_checkpoint_and_buffer_flags_get_one_line_and_exit_2(tmp_path, extra, words):
    write_events(tmp_path / "in.jsonl", 3)
    done = run_producer("--stream", "lab", *[arg.format(tmp=tmp_path) for arg in extra])
    assert done.code == cli.EXIT_USAGE
    assert len(done.lines) == 1 and done.lines[0].startswith("producer: error: "), done.stderr
    for word in words:
        assert word in done.lines[0]
    assert not (tmp_path / "cp.json").exists()


def test_a_checkpoint_for_other_contents_stops_the_run_before_anything_is_sent(tmp_path):
    write_events(tmp_path / "in.jsonl", 1000)
    args = ("--stream", "lab", "--input", str(tmp_path / "in.jsonl"), "--checkpoint", str(tmp_path / "cp.json"))
    with LocalFirehose() as server:
        assert run_producer(*args, env=aws_env(server.url)).code == cli.EXIT_OK
        write_events(tmp_path / "in.jsonl", 2000)  # rewritten: the first 1,000 lines are the same...
        (tmp_path / "in.jsonl").write_bytes(b"X" + (tmp_path / "in.jsonl").read_bytes()[1:])  # ...but not quite
        sent_before = len(server.events())
        done = run_producer(*args, env=aws_env(server.url))
        assert done.code == cli.EXIT_USAGE and "was written for other contents" in done.stderr
        assert len(done.lines) == 1 and len(server.events()) == sent_before


def test_a_stopped_run_resumes_where_it_stopped_and_a_finished_one_sends_nothing_again(tmp_path):
    events = write_events(tmp_path / "in.jsonl", 100_000)
    args = (
        *("--stream", "lab", "--input", str(tmp_path / "in.jsonl"), "--no-aggregate", "--senders", "1"),
        *("--checkpoint", str(tmp_path / "cp.json"), "--dead-letter", str(tmp_path / "dead.jsonl")),
    )
    with LocalFirehose() as server:
        proc = subprocess.Popen(producer_cmd(*args), stderr=subprocess.DEVNULL, cwd=ROOT, env=aws_env(server.url))
        try:
            assert wait_for(lambda: stored(server) >= 20_000)
            proc.send_signal(signal.SIGTERM)  # delivers what it read, then stops reading
            assert proc.wait(timeout=30) == cli.EXIT_OK
        finally:
            proc.kill()
        first = len(server.events())
        assert first < len(events)
        assert json.loads((tmp_path / "cp.json").read_text())["offset"] == first * EVENT_BYTES
        again = run_producer(*args, env=aws_env(server.url))
        assert again.code == cli.EXIT_OK, again.stderr
        assert f"resuming {tmp_path / 'in.jsonl'} at line {first + 1:,}" in again.stderr
        assert server.events() == events  # exactly once, in order
        third = run_producer(*args, env=aws_env(server.url))
        assert third.code == cli.EXIT_OK and "sent 0 of 0 events" in third.stderr


def test_runs_killed_at_random_points_and_resumed_deliver_every_event_with_bounded_duplicates(tmp_path):
    """SIGKILL (the OOM killer, a stop past its timeout) at 20 random moments, each followed by
    a rerun with the same checkpoint: every event lands at least once, and each rerun resends at
    most what the killed run had read past its last written checkpoint."""
    events = write_events(tmp_path / "in.jsonl", 100_000)  # 12 MB
    senders = 1
    args = (
        *("--stream", "lab", "--input", str(tmp_path / "in.jsonl"), "--no-aggregate", "--senders", str(senders)),
        *("--checkpoint", str(tmp_path / "cp.json"), "--dead-letter", str(tmp_path / "dead.jsonl"), "--quiet"),
    )
    rng = random.Random(13)
    kills = 20
    targets = sorted(rng.randrange(len(events)) for _ in range(kills))
    resent = []
    with LocalFirehose() as server:
        for target in targets:
            before = server.events()
            proc = subprocess.Popen(producer_cmd(*args), stderr=subprocess.DEVNULL, cwd=ROOT, env=aws_env(server.url))
            deadline = time.monotonic() + rng.uniform(0.1, 1.0)  # or at a random moment, sending or not
            while proc.poll() is None and time.monotonic() < deadline and stored(server) < target:
                time.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            after = server.events()
            resent.append(sum((Counter(after[len(before) :]) & Counter(before)).values()))
        final = run_producer(*args, env=aws_env(server.url), timeout=120)
        landed = server.events()
    assert final.code == cli.EXIT_OK, final.stderr
    assert set(landed) == set(events)  # every event at least once
    assert not (tmp_path / "dead.jsonl").exists()
    bound = resend_bound(senders) // EVENT_BYTES
    assert max(resent) <= bound, resent
    print(f"events resent by each rerun: {resent} (bound {bound:,})")
    assert len(landed) - len(events) <= kills * bound


def stored(server: LocalFirehose) -> int:
    with server.lock:
        return server.stats["lab"].events


def wait_for(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_the_checkpoint_never_passes_an_event_the_dead_letter_file_could_not_keep(tmp_path):
    source = tmp_path / "in.jsonl"
    events = write_events(tmp_path / "head.jsonl", 1000)
    huge = b'{"blob":"' + b"z" * 1_100_000 + b'"}\n'  # over the record limit: dead-lettered, if it can be
    source.write_bytes(b"".join(events) + huge + b"".join(events))
    checkpoint = tmp_path / "cp.json"
    with LocalFirehose() as server:
        done = run_producer(
            "--stream", "lab", "--input", str(source), "--checkpoint", str(checkpoint),
            "--dead-letter", "/dev/full",  # every write fails: the disk is full
            env=aws_env(server.url),
        )  # fmt: skip
        assert len(server.events()) == 2000
    assert done.code == cli.EXIT_UNDELIVERED
    assert (
        f"--checkpoint {checkpoint} stays at byte" in done.stderr and "the dead-letter file lost events" in done.stderr
    )
    with open_input(str(source)) as reopened:  # a rerun starts before the line, and tries it again
        assert resume_point(str(checkpoint), reopened, str(source))[0] <= len(events) * EVENT_BYTES
