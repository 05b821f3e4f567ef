"""The whole rehearsal, as `make rehearse` runs it but on a scaled clock: the lab's main job, offline, to its end:
the instance stops itself when the producer is done and the lab expires; with both switched off, the instance stays
up and `cdk destroy` removes the lab."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from datetime import timedelta

import pytest

from labctl.toolkit import ROOT
from producer.schema import TICKER_SYMBOLS, VERIFY_TICKER
from rehearsal.rehearse import VERIFY_BURST, Rehearsal
from support.processes import describe, processes_mentioning

CLOCK_SCALE = 0.1  # the stream's 60 s interval passes in 6 s
MIB = 1024 * 1024
BURST_EVENTS = VERIFY_BURST  # what `make rehearse` sends: more than 1 MiB of tagged events


def start_rehearsal(tmpdir, *args: str) -> subprocess.Popen:
    """`python -m rehearsal` (what `make rehearse` runs) with its sandbox under `tmpdir`."""
    return subprocess.Popen(
        [sys.executable, "-m", "rehearsal", "--clock-scale", str(CLOCK_SCALE), *args],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmpdir)},
        stderr=subprocess.PIPE,
        text=True,
    )


# The other rehearsal: a lab that neither stops its instance nor expires (it ends by `cdk destroy`), partitioned by
# ticker.
OTHER_SETTINGS = ("-c", "stopWhenDone=false", "-c", "expiresAfterHours=0", "-c", "partitionBy=ticker")
OTHER_VERIFY = 2000  # partitioned: one event per record, four PutRecordBatch calls


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    """The default lab (it stops its instance when the producer is done and deletes itself after 24 h) in this
    process, and at the same time another one in the same checkout (as two students, or a test and a student,
    would run them), with other settings."""
    workdir = tmp_path_factory.mktemp("rehearsal")
    other_tmp = tmp_path_factory.mktemp("other-rehearsal")
    other = start_rehearsal(other_tmp, *OTHER_SETTINGS, "--verify-count", str(OTHER_VERIFY))
    try:
        log = io.StringIO()
        rehearsal = Rehearsal(context=[], clock_scale=CLOCK_SCALE, verify_count=BURST_EVENTS, out=log)
        result = rehearsal.run(workdir)
        _, other_log = other.communicate(timeout=600)
    finally:
        other.kill()
    return result, workdir, log.getvalue(), (other.returncode, other_log)


@pytest.fixture(scope="module")
def other_rehearsal(rehearsal):
    """(exit code, log) of the concurrent rehearsal with OTHER_SETTINGS."""
    return rehearsal[3]


def phase_names(result):
    return [name for name, _, _ in result.phases]


def test_deploy_succeeds_with_the_outputs_the_student_needs(rehearsal):
    result, *_ = rehearsal
    assert {"BucketName", "DeliveryStreamName", "InstanceId", "SessionCommand"} <= set(result.outputs)
    assert ("cdk deploy", result.phases[2][1], True) == result.phases[2]


def test_the_real_user_data_ran_the_producer_under_the_instance_role(rehearsal):
    result, _, log, _ = rehearsal
    assert "aws s3 cp s3://cdk-hnb659fds-assets-" in result.user_data_output
    assert "[sandbox] systemctl enable --now firehose-producer.service: started pid" in result.user_data_output
    assert "(IAM enforced)" in log
    assert result.producer_stats["events_sent"] > 0
    assert result.producer_stats["events_failed"] == 0


def test_the_instance_role_is_refused_what_it_does_not_need(rehearsal):
    result, *_ = rehearsal
    refused = [action.split(" ")[0] for action in result.refused_to_instance_role]
    assert refused == ["s3:ListBucket", "firehose:DeleteDeliveryStream", "iam:ListRoles"]


def test_verify_found_every_event(rehearsal):
    result, *_ = rehearsal
    assert result.verify_exit == 0
    assert f"sent {BURST_EVENTS}, found {BURST_EVENTS}, lost 0" in result.verify_report


def test_objects_landed_newline_delimited_under_the_date_prefix(rehearsal):
    result, *_ = rehearsal
    assert result.landed
    assert all(obj.key.startswith("data/year=") for obj in result.landed)
    assert sum(obj.events for obj in result.landed) >= BURST_EVENTS + result.producer_stats["events_sent"]


def test_a_trickle_flushes_at_the_buffer_interval(rehearsal):
    """10 events/s never fill 1 MiB: the first object waits for the interval (6 s on this clock)."""
    result, *_ = rehearsal
    waited = result.first_object_at - result.service_started_at
    assert waited >= 0.8 * result.buffer_interval_seconds


def test_a_1_mib_burst_flushes_before_the_interval(rehearsal):
    result, *_ = rehearsal
    early = [
        obj
        for obj in result.landed
        if obj.size >= MIB and obj.last_modified - result.verify_started_at < result.buffer_interval_seconds
    ]
    assert early, [(o.size, o.last_modified - result.verify_started_at) for o in result.landed]


def test_the_lab_runs_to_its_end_in_the_rehearsal(rehearsal):
    result, *_ = rehearsal
    assert phase_names(result)[-6:] == [
        "verify (tagged burst)",
        "instance stops when the producer is done",
        "show what landed",
        "saved queries (Athena on the emulator)",
        "lab expires",
        "leftovers check",
    ]
    assert all(ok for _, _, ok in result.phases)


def test_the_instance_stops_itself_when_the_producer_is_done(rehearsal):
    """RuntimeMaxSec passes on the emulator's clock; the unit's end powers the OS off; EC2 stops the instance."""
    result, *_ = rehearsal
    assert result.service_result == {
        "SERVICE_RESULT": "timeout",
        "EXIT_CODE": "exited",
        "EXIT_STATUS": "0",
        "ExecStopPost": [0],
        "job": None,
    }
    assert result.powered_off is True
    assert result.instance_state_after_run == "stopped"
    assert result.producer_stats["events_failed"] == 0 and result.producer_stats["exit_code"] == 0


def test_the_lab_expires_and_deletes_itself_as_the_schedules_role(rehearsal):
    result, *_ = rehearsal
    assert result.schedules_after_deploy == [result.outputs["ExpirySchedule"]]
    [invocation] = result.expiry_invocations
    assert (invocation.ok, invocation.outcome) == (True, "DeleteStack succeeded")
    assert invocation.target.endswith(":scheduler:::aws-sdk:cloudformation:deleteStack")
    assert timedelta(0) <= invocation.fired_at - invocation.due < timedelta(minutes=1)
    assert f"{invocation.due:%Y-%m-%dT%H:%M:%S}Z" == result.outputs["ExpiresAt"]


def test_make_status_follows_the_lab_through_its_life(rehearsal):
    result, *_ = rehearsal
    producing, after_run, after_expiry = (
        result.status[moment] for moment in ("producing", "after the producer's run", "after the expiry")
    )
    assert producing[0] == "lab FirehoseLab (us-east-1): stack CREATE_COMPLETE"
    assert any(
        re.fullmatch(r"  instance i-\w+: running \(since .* UTC, t3\.micro, (no )?public IP.*\)", line)
        for line in producing
    ), producing
    assert any(line.startswith("  producer: sending: ") for line in producing)
    assert any(
        re.fullmatch(r"  expires: .* UTC \(in 2\d h \d+ min\), the stack deletes itself", line) for line in producing
    )
    stopped = r"  instance i-\w+: stopped \(t3\.micro, no public IP, Client\.InstanceInitiatedShutdown: .*\)"
    assert any(re.fullmatch(stopped, line) for line in after_run), after_run
    assert "  producer: stopped (its instance is stopped)" in after_run
    assert after_expiry == ["lab FirehoseLab (us-east-1): gone (stack deleted: expired or destroyed)"]


def test_the_lab_left_nothing_behind(rehearsal):
    result, *_ = rehearsal
    assert result.phases[-1] == ("leftovers check", result.phases[-1][1], True)
    assert result.leftovers == {}


def test_a_lab_that_never_expires_has_no_schedule_keeps_its_instance_and_is_destroyed(other_rehearsal):
    code, log = other_rehearsal
    assert code == 0, log
    assert "[rehearse]   expiresAfterHours=0: no expiry schedule" in log
    for phase in ("producer's run ends (stopWhenDone=false: the instance stays up)", "cdk destroy", "leftovers check"):
        assert re.search(rf"\[rehearse\]   {re.escape(phase)} +\d+\.\ds  ok", log), phase
    assert re.search(r"\[rehearse\]   instance i-\w+: running\n", log), log
    assert (
        "  when the producer is done: the instance keeps running (stopWhenDone=false): `make destroy` when you "
        "are done" in log
    )
    assert "lab expires" not in log and "schedule fired" not in log


def test_a_partitioned_lab_lands_every_object_under_its_tickers_partition(other_rehearsal):
    """partitionBy=ticker: Firehose's dynamic partitioning on the emulator, verify's tagged burst in its own
    partition, the producer's events under theirs."""
    code, log = other_rehearsal
    keys = re.findall(r"^\[rehearse\]     (data/\S+)  \d+ bytes  \d+ events$", log, re.MULTILINE)
    assert keys and all(re.match(r"data/ticker=[A-Z]+/year=\d{4}/month=\d{2}/day=\d{2}/hour=\d{2}/", k) for k in keys)
    [per_partition] = re.findall(r"objects \(events\) per partition: (.*)", log)
    counts = dict(re.findall(r"(\w+) \d+ \((\d+)\)", per_partition))
    assert counts.pop(VERIFY_TICKER) == str(OTHER_VERIFY)
    assert len(counts) >= 2 and set(counts) <= set(TICKER_SYMBOLS)
    assert f"sent {OTHER_VERIFY}, found {OTHER_VERIFY}, lost 0, duplicated 0" in log
    assert "the Firehose delivery role's permissions (not evaluated)" in log


def test_no_process_is_left_running_and_the_port_is_free(rehearsal):
    result, workdir, *_ = rehearsal
    assert processes_mentioning(str(workdir)) == []
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", result.port), timeout=5):
        pass
    with socket.socket() as server:  # a new server can take the port (TIME_WAIT left by clients aside)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", result.port))
        server.listen()


def test_a_bad_setting_stops_the_rehearsal_before_anything_starts():
    run = subprocess.run(
        [sys.executable, "-m", "rehearsal", "-c", "bufferSizeMiB=0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "firehose-lab: invalid bufferSizeMiB='0': must be a whole number of MiB from 1 to 128"
    ]


def test_a_control_character_in_a_setting_stops_the_rehearsal_before_anything_starts():
    run = subprocess.run(
        [sys.executable, "-m", "rehearsal", "-c", "producerMinutes=5\n"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "firehose-lab: invalid producerMinutes='5\\n': must be one line of printable text (no control characters)"
    ]


def test_the_rehearsal_names_what_the_emulator_only_records(rehearsal):
    result, _, log, _ = rehearsal
    assert "AWS::CDK::Metadata" in result.skipped_types
    modelled = {
        "AWS::KinesisFirehose::DeliveryStream",
        "Custom::S3AutoDeleteObjects",
        "AWS::S3::BucketPolicy",
        "AWS::Glue::Database",
        "AWS::Glue::Table",
        "AWS::Athena::WorkGroup",
        "AWS::Athena::NamedQuery",
    }
    assert modelled.isdisjoint(result.skipped_types)
    assert not {"AWS::Scheduler::Schedule", "AWS::Scheduler::ScheduleGroup"} & set(result.skipped_types)
    assert "the emulator lacks, so this rehearsal skips: " in log


def test_the_saved_queries_answer_and_their_counts_agree_with_verify(rehearsal):
    result, _, log, _ = rehearsal
    assert set(result.query_results) == {"events per minute", "top tickers"}
    assert {r.state for r in result.query_results.values()} == {"SUCCEEDED"}
    per_minute = sum(int(events) for _, events in result.query_results["events per minute"].rows)
    assert per_minute == sum(obj.events for obj in result.landed)
    assert result.query_results["top tickers"].rows[0][:2] == ["VERIFY", str(BURST_EVENTS)]
    assert "    ticker | trades | shares | avg_price" in log
    assert f"both agree with the {per_minute} events delivered today and the {BURST_EVENTS} verify found" in log


def test_a_failed_phase_is_named_and_everything_is_cleaned_up(monkeypatch, tmp_path, capsys):
    """A CDK CLI that fails at once: the rehearsal stops at bootstrap, frees the port, removes its sandbox."""
    import rehearsal.offline_lab as offline_lab_module
    import rehearsal.rehearse as rehearse_module

    monkeypatch.setattr(offline_lab_module, "CDK_CLI", ROOT / "tests" / "no-such-cdk-cli")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert rehearse_module.main(["--clock-scale", "0.1"]) == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "[rehearse] FAILED in phase: cdk bootstrap"
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    port = int(re.search(r"emulator on http://127.0.0.1:(\d+)", err).group(1))
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


def test_two_rehearsals_can_run_at_once_in_one_checkout(rehearsal):
    result, *_, (other_code, other_log) = rehearsal
    assert other_code == 0, other_log
    assert other_log.strip().splitlines()[-1].startswith("[rehearse] PASSED")
    assert result.leftovers == {}


def read_until(proc: subprocess.Popen, text: str) -> str:
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"the rehearsal ended before printing {text!r}:\n{''.join(seen)}")


@pytest.mark.parametrize(
    "signum, when, phases",
    [
        # the producer runs: the last lines of boot, or already the wait for its first object
        (
            signal.SIGTERM,
            "firehose-producer.service running (pid",
            ("boot instance (user-data in sandbox)", "first data lands (producer trickle, buffer interval)"),
        ),
        (signal.SIGHUP, "[rehearse] cdk bootstrap ...", ("cdk bootstrap",)),
        (signal.SIGINT, "[rehearse] cdk bootstrap ...", ("cdk bootstrap",)),
    ],
)
def test_a_stop_signal_ends_the_rehearsal_cleanly(tmp_path, signum, when, phases):
    """SIGTERM and SIGHUP (a closed terminal) are handled as Ctrl-C is: the producer's process group and the
    emulator are stopped, the sandbox removed, the phases summed up; no traceback, no orphan."""
    proc = start_rehearsal(tmp_path)
    try:
        seen = read_until(proc, when)
        proc.send_signal(signum)
        rest = proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        proc.kill()
        for pid in processes_mentioning(str(tmp_path)):  # what a failing run would have orphaned
            os.kill(int(pid), signal.SIGKILL)
    output = seen + rest
    name = signal.Signals(signum).name
    assert proc.returncode == 128 + signum, output
    assert "Traceback" not in output
    last = output.strip().splitlines()[-1]
    phase = last.removeprefix(f"[rehearse] STOPPED by {name} in phase: ")
    assert phase in phases, last
    assert re.search(rf"\[rehearse\]   {re.escape(phase)} +\d+\.\ds  stopped", output), output
    assert [describe(pid) for pid in processes_mentioning(str(tmp_path))] == []
    assert list(tmp_path.iterdir()) == []


def test_an_unpartitioned_lab_lists_no_partitions(rehearsal):
    """The date prefix is not a partition of its own: only a partition before it (ticker=) is summed up."""
    _, _, log, _ = rehearsal
    assert "per partition" not in log
