"""`make rehearse`: the lab's main job — deploy, see data land in S3, end — with no AWS account.

The lab's life cycle is an OfflineLab's (offline_lab.py): the real CDK CLI bootstraps and deploys the real app against
the emulator on 127.0.0.1, and the instance's real user-data runs in a sandbox, so the real producer sends to the
emulated stream with the instance role's own credentials (IAM enforced). Here are the rehearsal's checks over it:
the producer's first object lands at the buffer interval; the verify check proves every tagged event arrived; the
lab's saved Athena queries answer over what landed (with format=parquet, every object is Parquet of the table's
columns and a record that does not fit the table is shown kept with its error). Then the lab ends as it would on
AWS, its hours passing in seconds on the emulator's clock: the producer's run ends and the instance stops itself
(stopWhenDone), and the expiry schedule deletes the stack (expiresAfterHours; with 0, the real `cdk destroy` does).
A leftovers check proves nothing is left. The emulator stops and the sandbox goes, whatever failed.

Exit codes (cli.py): 0 the rehearsal passed, 1 a phase failed (named on the last line), 2 bad arguments, 128 + the
signal's number when stopped.
"""

from __future__ import annotations

import io
import json
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3

from labctl.delivered import read_object
from labctl.lab import find_lab
from labctl.query import QUERY_ACTIONS, run_query, saved_queries, table_lines
from labctl.query import summary as query_summary
from labctl.status import lab_status
from labctl.verify import verify
from producer import service
from producer.firehose import make_client
from producer.schema import VERIFY_TICKER
from rehearsal import analytics, cli, student, systemd
from rehearsal.i18n import N_, _, ngettext, number
from rehearsal.offline_lab import LabResult, OfflineLab, PhaseFailed
from rehearsal.stopping import Stopped

VERIFY_BURST = 15_000
QUERY_STUDENT = "rehearsal-query-student"
# Real seconds in which the rest of the producer's run (RuntimeMaxSec) passes.
RUN_END_SECONDS = 3.0


@dataclass
class LandedObject:
    key: str
    size: int
    events: int
    last_modified: float


@dataclass
class RehearsalResult(LabResult):
    """What the rehearsal saw, for the summary and for tests: the lab's life cycle, and what its checks found."""

    verify_exit: int | None = None
    verify_report: str = ""
    landed: list = field(default_factory=list)
    first_object_at: float | None = None
    verify_started_at: float | None = None
    query_results: dict = field(default_factory=dict)  # saved query name -> labctl.query.QueryResult
    conversion_error: dict | None = None  # error document of the rehearsal's bad record (format=parquet)
    service_result: dict = field(default_factory=dict)  # how the unit ended: SERVICE_RESULT, EXIT_CODE, ...
    powered_off: bool | None = None  # whether the unit's end powered the sandboxed OS off
    instance_state_after_run: str | None = None
    status: dict = field(default_factory=dict)  # moment -> the lines `make status` printed then


class Rehearsal:
    """The rehearsal's checks, each a phase, between an OfflineLab's coming up and going down."""

    # What the student's credentials may do once IAM is enforced: here, what `make verify` and `make status` need.
    student_actions = student.VERIFY_ACTIONS + student.STATUS_ACTIONS

    def __init__(self, *, context: list, clock_scale: float, verify_count: int = VERIFY_BURST, out=None) -> None:
        self.result = RehearsalResult()
        self.lab = OfflineLab(
            context=context,
            clock_scale=clock_scale,
            label="rehearse",
            student_actions=self.student_actions,
            out=out,
            result=self.result,
        )
        self.config = self.lab.config
        self.parquet = self.config.record_format == "parquet"
        self.verify_count = verify_count
        # What every check uses of the lab: its voice, its phases, the emulator and clients on it.
        self.say, self.phase = self.lab.say, self.lab.phase
        self.emulator, self.client = self.lab.emulator, self.lab.client

    def run(self, workdir: Path) -> RehearsalResult:
        try:
            self.lab.bring_up(workdir)
            with self.phase(N_("first data lands (producer trickle, buffer interval)")):
                self._wait_for_first_data()
                self._show_status("producing", **self.lab.student)
            with self.phase(N_("verify (tagged burst)")):
                self._verify()
            if self._expires_before_the_run_ends():
                run_end = N_("producer stopped (the lab expires before its run would end)")
            elif self.config.stop_when_done:
                run_end = N_("instance stops when the producer is done")
            else:
                run_end = N_("producer's run ends (stopWhenDone=false: the instance stays up)")
            with self.phase(run_end):
                self._producer_run_ends()
            if self.parquet:
                with self.phase(N_("conversion error (a record not fitting the table)")):
                    self._send_bad_record()
            with self.phase(N_("show what landed")):
                self._show_landed()
            with self.phase(N_("saved queries (Athena on the emulator)")):
                self._run_saved_queries()
            if self.config.expires_after_hours:
                with self.phase(N_("lab expires")):
                    self.lab.expire()
                    self._show_status("after the expiry")
                self.lab.check_leftovers()
            else:
                self.lab.destroy()
        finally:
            self.lab.close()
        return self.result

    def passed(self) -> str:
        stopped = self.result.instance_state_after_run == "stopped"
        if self.config.expires_after_hours:
            ended = _("the instance stopped itself, the lab expired") if stopped else _("the lab expired")
        else:
            ended = _("the instance stopped itself, destroyed") if stopped else _("destroyed")
        return _("PASSED: deployed, data landed, nothing lost, queried, {ended}, nothing left behind").format(
            ended=ended
        )

    # --- the checks -----------------------------------------------------------------------------------------

    def _wait_for_first_data(self) -> None:
        """The producer's own events land while IAM is enforced: its role's permissions are enough."""
        deadline = time.monotonic() + self.lab.buffer_interval * self.lab.clock_scale + 60
        s3 = self.client("s3", **self.lab.student)
        bucket = self.result.outputs["BucketName"]
        while not (landed := s3.list_objects_v2(Bucket=bucket, Prefix="data/").get("Contents")):
            if time.monotonic() > deadline or not self.lab.service.running():
                raise PhaseFailed(
                    _("no producer data landed in {bucket}:").format(bucket=bucket)
                    + f"\n{self.lab.service.log.read_text()}"
                )
            time.sleep(0.2)
        self.result.first_object_at = min(item["LastModified"].timestamp() for item in landed)
        self.say(_("  the producer's first object landed under the instance role's own permissions"))

    def _verify(self) -> None:
        """Send tagged events as the student would and find every one in the bucket."""
        interval = self.lab.buffer_interval
        captured = io.StringIO()
        self.result.verify_started_at = time.time()
        self.result.verify_exit = verify(
            cloudformation=self.client("cloudformation", **self.lab.student),
            s3=self.client("s3", **self.lab.student),
            firehose=make_client(
                region=self.emulator.region,
                endpoint_url=self.emulator.endpoint_url,
                session=boto3.session.Session(**self.lab.student),
            ),
            stack_name=self.lab.stack_name,
            count=self.verify_count,
            timeout=interval * self.lab.clock_scale + 60,
            poll_seconds=min(5.0, max(0.2, interval * self.lab.clock_scale / 10)),
            out=captured,
        )
        self.result.verify_report = captured.getvalue()
        for line in self.result.verify_report.splitlines():
            self.say(f"  {line}")
        if self.result.verify_exit:
            raise PhaseFailed(_("verify exited {code}").format(code=self.result.verify_exit))

    def _producer_run_ends(self) -> None:
        """The rest of the producer's hour passes on the emulator's clock: systemd's RuntimeMaxSec ends the unit (the
        producer sends what it holds and writes its stats), its ExecStopPost powers the OS off (stopWhenDone), and
        the emulator's EC2 turns that into a stopped instance."""
        clock, producer = self.emulator.clock, self.lab.service
        runtime_max = int(systemd.Unit(self.lab.sandbox.root, service.UNIT_NAME).service()["RuntimeMaxSec"])
        run_end = clock.now() + timedelta(seconds=self.lab.service_started_clock + runtime_max - clock.monotonic())
        if self.config.expires_after_hours and run_end >= self.lab.expires_at():
            self.say(
                _(
                    "  the lab expires before the producer's run would end: stopping it like `systemctl stop`, "
                    "the instance stays up until the expiry deletes it"
                )
            )
            producer.stop()
        else:
            clock.speed_up_until(run_end, real_seconds=RUN_END_SECONDS)
            self.say(
                _("  RuntimeMaxSec={runtime}s: the rest of the run passes in ~{seconds}s (clock x{scale})").format(
                    runtime=runtime_max, seconds=number(RUN_END_SECONDS, "g"), scale=number(clock.scale, ".2g")
                )
            )
            deadline = time.monotonic() + RUN_END_SECONDS + service.TIMEOUT_STOP_SECONDS + 30
            while producer.unit.supervisor() is not None and time.monotonic() < deadline:
                time.sleep(0.1)
        self.result.service_result = producer.result() or {}
        if not self.result.service_result:
            raise PhaseFailed(_("{unit} did not end:").format(unit=service.UNIT_NAME) + f"\n{producer.log.read_text()}")
        self.say(
            _("  {unit} ended: {result}").format(
                unit=service.UNIT_NAME, result=json.dumps(self.result.service_result, sort_keys=True)
            )
        )
        self.lab.read_producer_stats()
        self._instance_after_run()
        self._show_status("after the producer's run")

    def _instance_after_run(self) -> None:
        """stopWhenDone: the OS powered off and EC2 stopped the instance; otherwise it is still running."""
        instance_id, log = self.result.outputs["InstanceId"], self.lab.service.log
        self.result.powered_off = self.lab.sandbox.halted()
        ended_by_itself = self.result.service_result.get("job") is None
        if self.config.stop_when_done and ended_by_itself:
            if not self.result.powered_off:
                raise PhaseFailed(_("the run ended, but nothing powered the OS off:") + f"\n{log.read_text()}")
            self.emulator.power_off(instance_id)
        elif self.result.powered_off:
            raise PhaseFailed(_("the instance powered off, but it should stay up:") + f"\n{log.read_text()}")
        instance = self.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        self.result.instance_state_after_run = instance["State"]["Name"]
        expected = "stopped" if self.config.stop_when_done and ended_by_itself else "running"
        if self.result.instance_state_after_run != expected:
            raise PhaseFailed(
                _("instance {instance} is {state}, not {expected}").format(
                    instance=instance_id, state=self.result.instance_state_after_run, expected=expected
                )
            )
        state = self.result.instance_state_after_run
        if self.result.powered_off:
            self.say(
                _("  instance {instance}: {state} (its OS powered off; shutdown behaviour stop)").format(
                    instance=instance_id, state=state
                )
            )
        else:
            self.say(_("  instance {instance}: {state}").format(instance=instance_id, state=state))

    def _expires_before_the_run_ends(self) -> bool:
        """expiresAfterHours shorter than the producer's run (RuntimeMaxSec): the stack goes first."""
        hours = self.config.expires_after_hours
        run = self.config.producer_minutes * 60 + service.RUNTIME_MARGIN_SECONDS
        return bool(hours) and hours * 3600 <= run

    def _show_status(self, moment: str, **credentials: str) -> None:
        """What `make status` says at this moment, against the emulator (as the student while IAM is enforced)."""
        found = lab_status(
            cloudformation=self.client("cloudformation", **credentials),
            ec2=self.client("ec2", **credentials),
            cloudwatch=self.client("cloudwatch", **credentials),
            scheduler=self.client("scheduler", **credentials),
            stack_name=self.lab.stack_name,
            region=self.emulator.region,
        )
        self.result.status[moment] = found.lines(self.emulator.clock.now())
        self.say(_("  make status:"))
        for line in self.result.status[moment]:
            self.say(f"    {line}")

    def _show_landed(self) -> None:
        lab = find_lab(self.client("cloudformation"), self.lab.stack_name)
        columns = self._table_columns(lab) if self.parquet else []
        sample, problems = self._read_landed(lab, columns)
        self.say(
            # English says "1 objects" here; Spanish agrees with the count.
            ngettext(
                "  {count} objects in {location}:", "  {count} objects in {location}:", len(self.result.landed)
            ).format(count=number(len(self.result.landed)), location=f"s3://{lab.bucket}/{lab.data_prefix}")
        )
        for landed in self.result.landed:
            self.say(
                _("    {key}  {size} bytes  {events} events").format(
                    key=landed.key, size=number(landed.size), events=number(landed.events)
                )
            )
        per_partition = objects_per_partition(self.result.landed)
        if per_partition:
            self.say(
                _("  objects (events) per partition: {counts}").format(
                    counts=", ".join(
                        f"{value} {number(count)} ({number(events)})"
                        for value, (count, events) in sorted(per_partition.items())
                    )
                )
            )
        if self.parquet and not problems:
            self.say(
                _("  every object is Parquet with the table's columns: {columns}").format(
                    columns=", ".join(f"{n} {t}" for n, t in columns)
                )
            )
        if sample:
            self.say(_("  sample event: {event}").format(event=json.dumps(sample, default=str)))
        if not self.result.landed:
            raise PhaseFailed(_("no objects landed"))
        if problems:
            raise PhaseFailed(
                _("delivered objects do not match the table: {problems}").format(problems="; ".join(problems[:5]))
            )

    def _read_landed(self, lab, columns: list) -> tuple:
        """Each data object, oldest first, into result.landed; (a producer's event, what does not match the table)."""
        s3 = self.client("s3")
        objects = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=lab.bucket, Prefix=lab.data_prefix):
            objects.extend(page.get("Contents", []))
        sample, problems = None, []
        for item in sorted(objects, key=lambda o: o["LastModified"]):
            body = s3.get_object(Bucket=lab.bucket, Key=item["Key"])["Body"].read()
            events = read_object(body).rows
            self.result.landed.append(
                LandedObject(item["Key"], item["Size"], len(events), item["LastModified"].timestamp())
            )
            if self.parquet:  # Parquet of the table's columns and types, named as the stream says
                problems += analytics.parquet_schema_problems(body, item["Key"], columns)
                if not item["Key"].endswith(".parquet"):
                    problems.append(_("{key} does not end in .parquet").format(key=item["Key"]))
            if sample is None:
                sample = next((e for e in events if not e["producer_id"].startswith("verify-")), None)
        return sample, problems

    def _table_columns(self, lab) -> list:
        database, table = lab.events_table.split(".")
        described = self.client("glue").get_table(DatabaseName=database, Name=table)["Table"]
        return [(c["Name"], c["Type"]) for c in described["StorageDescriptor"]["Columns"]]

    def _send_bad_record(self) -> None:
        """A record that cannot become a row of the table goes, with its error, to the conversion-error prefix."""
        lab = find_lab(self.client("cloudformation"), self.lab.stack_name)
        firehose = self.client("firehose")
        destination = firehose.describe_delivery_stream(DeliveryStreamName=lab.stream)["DeliveryStreamDescription"][
            "Destinations"
        ][0]["ExtendedS3DestinationDescription"]
        record = analytics.bad_record(uuid.uuid4().hex[:12])
        firehose.put_record(DeliveryStreamName=lab.stream, Record={"Data": record})
        self.emulator.flush_firehose()
        errors_root = destination.get("ErrorOutputPrefix", "").split("!{")[0]
        found = analytics.find_failed_record(
            analytics.conversion_errors(self.client("s3"), lab.bucket, errors_root), record
        )
        if found is None:
            raise PhaseFailed(
                _("the bad record {record} is not under the conversion-error prefix").format(record=repr(record))
            )
        key, document = found
        self.result.conversion_error = document
        self.say(_("  sent {record}").format(record=record.decode().strip()))
        self.say(_("  it landed in {location}").format(location=f"s3://{lab.bucket}/{key}"))
        self.say(f"  {document['lastErrorCode']}: {document['lastErrorMessage']}")

    def _run_saved_queries(self) -> None:
        """Both saved queries, run as `make query` runs them by a student allowed only what it needs, IAM enforced;
        their counts must be those of the delivered objects and of verify."""
        credentials = student.create_student(self.client("iam"), actions=QUERY_ACTIONS, name=QUERY_STUDENT)
        self.emulator.enforce_iam(True)
        try:
            lab = find_lab(self.client("cloudformation", **credentials), self.lab.stack_name)
            athena = self.client("athena", **credentials)
            database = lab.events_table.split(".")[0]
            for name, saved in sorted(saved_queries(athena, lab.workgroup).items()):
                result = run_query(
                    athena,
                    sql=saved["QueryString"],
                    database=saved.get("Database") or database,
                    workgroup=lab.workgroup,
                )
                self.result.query_results[name] = result
                self.say(f"  {name}: {query_summary(result)}")
                for line in table_lines(result.columns, result.rows):
                    self.say(f"    {line}")
        finally:
            self.emulator.enforce_iam(False)
            student.delete_student(self.client("iam"), name=QUERY_STUDENT)
        self._saved_queries_agree(lab)

    def _saved_queries_agree(self, lab) -> None:
        """Both succeeded, with the counts of the objects delivered today and of verify's burst."""
        failed = [f"{n}: {r.state} {r.reason}" for n, r in self.result.query_results.items() if r.state != "SUCCEEDED"]
        if failed or set(self.result.query_results) != {analytics.EVENTS_PER_MINUTE, analytics.TOP_TICKERS}:
            raise PhaseFailed(
                _("the saved queries did not both succeed: {failed}").format(
                    failed=failed or list(self.result.query_results)
                )
            )
        tally = analytics.delivered_on(self.client("s3"), lab.bucket, lab.data_prefix, datetime.now(UTC).date())
        problems = analytics.saved_query_problems(self.result.query_results, tally, VERIFY_TICKER, self.verify_count)
        if problems:
            raise PhaseFailed("; ".join(problems))
        self.say(
            _("  both agree with the {events} events delivered today and the {verified} verify found").format(
                events=number(tally.events), verified=number(self.verify_count)
            )
        )


def objects_per_partition(landed: list) -> dict:
    """{partition value: (objects, events)} of data objects under a `data/<field>=<value>/` partition prefix."""
    counts: dict = {}
    for item in landed:
        match = re.match(r"data/(?!year=)\w+=([^/]+)/", item.key)  # a partition before the date ones
        if match:
            objects, events = counts.get(match.group(1), (0, 0))
            counts[match.group(1)] = (objects + 1, events + item.events)
    return counts


def stopped(result: LabResult, stop: Stopped) -> list:
    """The phase table, then where the stop came."""
    at = cli.stopped_where(result)
    if at is None:
        where = _("before the first phase")
    elif at[0] == "in":
        where = _("in phase: {phase}").format(phase=_(at[1]))
    else:
        where = _("after phase: {phase}").format(phase=_(at[1]))
    return [*cli.phase_table(result), _("STOPPED by {signal} {where}").format(signal=stop, where=where)]


def main(argv: list | None = None) -> int:
    parser = cli.parser(
        __doc__,
        clock_help=_(
            "speed of the emulator's clock: 0.1 makes a 60 s buffer interval flush "
            "in 6 s (default 1: real time); the hours until the producer's end and the lab's expiry "
            "pass in seconds either way"
        ),
    )
    parser.add_argument(
        "--verify-count",
        type=int,
        default=VERIFY_BURST,
        help=_(
            "tagged events verify sends (default {count}: ~3.5 MB, past the default 1 MiB buffer size, so "
            "they flush at once by size, while the producer's trickle showed the interval)"
        ).format(count=VERIFY_BURST),
    )
    try:
        args = cli.parse(
            parser,
            argv,
            valid=lambda args: args.verify_count >= 1,
            rule=_("rehearse: --clock-scale must be in (0, 1] and --verify-count at least 1"),
        )
    except cli.BadArguments as error:
        return cli.refuse(str(error))
    rehearsal = Rehearsal(context=args.context, clock_scale=args.clock_scale, verify_count=args.verify_count)
    return cli.run(
        rehearsal.lab, rehearsal.run, workdir_prefix="firehose-rehearsal-", passed=rehearsal.passed, stopped=stopped
    )


if __name__ == "__main__":
    sys.exit(main())
