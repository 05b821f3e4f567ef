"""`make rehearse`: the lab's main job — deploy, see data land in S3, end — with no AWS account.

The real CDK CLI bootstraps and deploys the real app against the emulator on 127.0.0.1; the instance's real
user-data runs in a sandbox, so the real producer sends to the emulated stream with the instance role's own
credentials (IAM enforced); the verify check proves every tagged event arrived; the lab's saved Athena queries
answer over what landed (with format=parquet, a record that does not fit the table is shown kept with its error).
Then the lab ends as it would on AWS, its hours passing in seconds on the emulator's clock: the producer's run ends
and the instance stops itself (stopWhenDone), and the expiry schedule deletes the stack (expiresAfterHours; with 0,
the real `cdk destroy` does). A leftovers check proves nothing is left. The emulator stops and the sandbox goes,
whatever failed.

Exit codes: 0 the rehearsal passed, 1 a phase failed (named on the last line), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Optional

import boto3

from lab_stack.config import ConfigError
from lab_stack.names import BOOTSTRAP_STACK
from labctl.delivered import read_object
from labctl.lab import find_lab
from labctl.query import QUERY_ACTIONS, run_query, saved_queries, table_lines
from labctl.query import summary as query_summary
from labctl.status import lab_status
from labctl.toolkit import CDK_CLI, ROOT, add_settings_option, lab_config
from labctl.verify import verify
from producer import service
from producer.firehose import make_client
from producer.schema import VERIFY_TICKER
from rehearsal import analytics, student, systemd
from rehearsal.emulator import ACCOUNT_ID, Emulator, unmodelled_types
from rehearsal.emulator.firehose_settings import skipped_in_template
from rehearsal.leftovers import find_leftovers
from rehearsal.sandbox import Sandbox, Service
from rehearsal.stopping import (
    Stopped,
    kill_process_group,
    stop_on_signals,
    stops_deferred,
)

VERIFY_BURST = 15_000
QUERY_STUDENT = "rehearsal-query-student"
# Real seconds in which the rest of the producer's run (RuntimeMaxSec), then the hours until the lab expires, pass.
RUN_END_SECONDS = 3.0
EXPIRY_SECONDS = 3.0


class PhaseFailed(Exception):
    """A phase did not do its job; str() says what was seen."""


@dataclass
class LandedObject:
    key: str
    size: int
    events: int
    last_modified: float


@dataclass
class RehearsalResult:
    """What the rehearsal saw, for the summary and for tests."""

    phases: list = field(default_factory=list)  # (name, seconds, ok)
    outputs: dict = field(default_factory=dict)
    user_data_output: str = ""
    verify_exit: Optional[int] = None
    verify_report: str = ""
    landed: list = field(default_factory=list)
    producer_stats: dict = field(default_factory=dict)
    leftovers: dict = field(default_factory=dict)
    skipped_types: list = field(default_factory=list)
    refused_to_instance_role: list = field(default_factory=list)
    failed_phase: Optional[str] = None
    stopped_by: Optional[str] = None  # the signal that ended the run early
    port: Optional[int] = None
    buffer_interval_seconds: Optional[float] = None  # on the emulator's (scaled) clock, in real seconds
    service_started_at: Optional[float] = None
    first_object_at: Optional[float] = None
    verify_started_at: Optional[float] = None
    query_results: dict = field(default_factory=dict)  # saved query name -> labctl.query.QueryResult
    conversion_error: Optional[dict] = None  # error document of the rehearsal's bad record (format=parquet)
    service_result: dict = field(default_factory=dict)  # how the unit ended: SERVICE_RESULT, EXIT_CODE, ...
    powered_off: Optional[bool] = None  # whether the unit's end powered the sandboxed OS off
    instance_state_after_run: Optional[str] = None
    schedules_after_deploy: list = field(default_factory=list)
    expiry_invocations: list = field(default_factory=list)
    status: dict = field(default_factory=dict)  # moment -> the lines `make status` printed then


class Rehearsal:
    label = "rehearse"  # each line it prints starts with [label]
    # What the student's credentials may do once IAM is enforced: here, what `make verify` needs.
    student_actions = student.VERIFY_ACTIONS + student.STATUS_ACTIONS

    def __init__(self, *, context: list, clock_scale: float, verify_count: int = VERIFY_BURST, out=None) -> None:
        self.context = context
        self.config = lab_config(context)
        self.stack_name = self.config.lab_name
        self.parquet = self.config.record_format == "parquet"
        self.clock_scale = clock_scale
        self.verify_count = verify_count
        self.out = out or sys.stderr  # looked up now, so a redirected stderr is honoured
        self.result = RehearsalResult()
        self.emulator = Emulator(clock_scale=clock_scale)
        self.service: Optional[Service] = None
        self.sandbox: Optional[Sandbox] = None

    # --- plumbing -------------------------------------------------------------------------------------------

    def say(self, message: str) -> None:
        print(f"[{self.label}] {message}", file=self.out, flush=True)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            self.say(f"{name} ...")
            yield
        except BaseException as error:
            self.result.phases.append((name, time.monotonic() - started, False))
            self.result.failed_phase = self.result.failed_phase or name
            if isinstance(error, Stopped):
                self.result.stopped_by = self.result.stopped_by or str(error)
            raise
        seconds = time.monotonic() - started
        self.result.phases.append((name, seconds, True))
        self.say(f"{name}: done in {seconds:.1f}s")

    def cdk(self, *args: str) -> None:
        """Run the real CDK CLI against the emulator; its output is shown only when it fails.

        Each run writes its cloud assembly to its own directory: the CLI locks `cdk.out`, so two rehearsals in one
        checkout would otherwise refuse each other. The CLI and the app it starts get a process group of their own,
        killed whole if the rehearsal stops or times out.
        """
        command = [str(CDK_CLI), *args, "--output", str(self.workdir / "cdk.out"), "--no-notices",
                   *[a for c in self.context for a in ("-c", c)]]
        cli = None
        try:
            with stops_deferred():  # a stop between fork and the Popen's return would leave the CLI running
                cli = subprocess.Popen(command, cwd=ROOT, env=self.cli_env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True, start_new_session=True)
            stdout, stderr = cli.communicate(timeout=900)
        except BaseException:
            if cli is not None:
                kill_process_group(cli)
                cli.stdout.close()
                cli.stderr.close()
            raise
        if cli.returncode:
            raise PhaseFailed(f"`cdk {args[0]}` exited {cli.returncode}:\n{stdout}{stderr}")

    def client(self, service: str, **kwargs):
        return self.emulator.client(service, **kwargs)

    # --- the phases -----------------------------------------------------------------------------------------

    def run(self, workdir: Path) -> RehearsalResult:
        try:
            self.bring_up(workdir)
            with self.phase("first data lands (producer trickle, buffer interval)"):
                self._wait_for_first_data()
                self._show_status("producing", **self.student)
            with self.phase("verify (tagged burst)"):
                self._verify()
            if self._expires_before_the_run_ends():
                run_end = "producer stopped (the lab expires before its run would end)"
            elif self.config.stop_when_done:
                run_end = "instance stops when the producer is done"
            else:
                run_end = "producer's run ends (stopWhenDone=false: the instance stays up)"
            with self.phase(run_end):
                self._producer_run_ends()
            if self.parquet:
                with self.phase("conversion error (a record not fitting the table)"):
                    self._send_bad_record()
            with self.phase("show what landed"):
                self._show_landed()
            with self.phase("saved queries (Athena on the emulator)"):
                self._run_saved_queries()
            if self.config.expires_after_hours:
                with self.phase("lab expires"):
                    self._expire()
                self._check_leftovers()
            else:
                self.tear_down()
        finally:
            self.close()
        return self.result

    def bring_up(self, workdir: Path) -> None:
        """Start the emulator, bootstrap and deploy the app, boot the instance: the lab is up, its producer sending."""
        self.workdir = workdir
        # moto says so for every resource it only records (bucket policy, log stream, CDK metadata): known, listed
        # in the README, and noise here.
        logging.getLogger("moto").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)
        with self.phase("start emulator"):
            self.emulator.start()
            self.result.port = self.emulator.port
            self.cli_env = self._cli_env(workdir)
            self.say(f"emulator on {self.emulator.endpoint_url} (clock x{self.clock_scale:g})")
        with self.phase("cdk bootstrap"):
            self.cdk("bootstrap", f"aws://{ACCOUNT_ID}/{self.emulator.region}")
        with self.phase("cdk deploy"):
            self.cdk("deploy", "--require-approval", "never", "--outputs-file", str(workdir / "outputs.json"))
            self.result.outputs = self._stack_outputs()
            self._say_what_is_skipped(workdir / "cdk.out")
            self._check_expiry_schedule()
        with self.phase("boot instance (user-data in sandbox)"):
            self._boot(Sandbox(workdir / "instance"))

    def tear_down(self) -> None:
        """Destroy the stack with the real CDK CLI and prove that nothing of the lab is left."""
        with self.phase("cdk destroy"):
            self.cdk("destroy", "--force")
        self._check_leftovers()

    def _check_leftovers(self) -> None:
        with self.phase("leftovers check"):
            self.result.leftovers = find_leftovers(self.client)
            if self.result.leftovers:
                raise PhaseFailed(f"left behind: {self.result.leftovers}")
            self.say(f"nothing left but the CDK bootstrap stack ({BOOTSTRAP_STACK})")

    def close(self) -> None:
        """Stop the producer and the emulator, whatever state the lab is in (the emulator's state goes with it)."""
        with stops_deferred():  # a stop signal now waits until the producer and the emulator are stopped
            # The unit may have started even if the user-data was cut short after `systemctl enable --now`.
            unit = self.service or (self.sandbox.service(service.UNIT_NAME) if self.sandbox else None)
            if unit is not None:
                unit.stop()
                unit.kill()
            self.emulator.stop()

    def _cli_env(self, workdir: Path) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
        env.update(self.emulator.cli_env(workdir / "cdk-home"))
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
        return env

    def _stack_outputs(self) -> dict:
        stack = self.client("cloudformation").describe_stacks(StackName=self.stack_name)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        if "InstanceId" not in outputs:
            raise PhaseFailed(f"stack outputs are missing InstanceId: {outputs}")
        for key in ("BucketName", "DeliveryStreamName", "InstanceId"):
            self.say(f"  {key}: {outputs[key]}")
        return outputs

    def _say_what_is_skipped(self, cloud_assembly: Path) -> None:
        """Name the template's resource types the emulator lacks, so nobody mistakes them for checked."""
        template = json.loads((cloud_assembly / f"{self.stack_name}.template.json").read_text())
        resources = template["Resources"].values()
        self.result.skipped_types = unmodelled_types({resource["Type"] for resource in resources})
        # Firehose settings the emulator goes on without (the ones it cannot honour fail the deploy instead).
        self.result.skipped_types += skipped_in_template(template)
        if self.result.skipped_types:
            self.say(f"  the emulator lacks, so this rehearsal skips: {', '.join(self.result.skipped_types)}")

    def _check_expiry_schedule(self) -> None:
        """The stack made the expiry schedule it should, and no other."""
        scheduler = self.client("scheduler")
        self.result.schedules_after_deploy = [
            f"{s['GroupName']}/{s['Name']}" for s in scheduler.list_schedules()["Schedules"]]
        expected = [self.result.outputs["ExpirySchedule"]] if self.config.expires_after_hours else []
        if self.result.schedules_after_deploy != expected:
            raise PhaseFailed(f"expected schedules {expected}, the emulator has {self.result.schedules_after_deploy}")
        if expected:
            self.say(f"  expires at {self.result.outputs['ExpiresAt']} (schedule {expected[0]})")
        else:
            self.say("  expiresAfterHours=0: no expiry schedule")

    def _show_status(self, moment: str, **credentials: str) -> None:
        """What `make status` says at this moment, against the emulator (as the student while IAM is enforced)."""
        found = lab_status(
            cloudformation=self.client("cloudformation", **credentials), ec2=self.client("ec2", **credentials),
            cloudwatch=self.client("cloudwatch", **credentials), scheduler=self.client("scheduler", **credentials),
            stack_name=self.stack_name, region=self.emulator.region,
        )
        self.result.status[moment] = found.lines(self.emulator.clock.now())
        self.say("  make status:")
        for line in self.result.status[moment]:
            self.say(f"    {line}")

    def _boot(self, sandbox: Sandbox) -> None:
        """Run the instance's own user-data with the instance role's credentials, IAM enforced."""
        self.sandbox = sandbox
        instance_id = self.result.outputs["InstanceId"]
        user_data = self.client("ec2").describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
        script = base64.b64decode(user_data["UserData"]["Value"]).decode()
        role_arn, role = student.instance_role(self.client, instance_id)
        env = {k: v for k, v in self.cli_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
        env.update(
            AWS_ACCESS_KEY_ID=role["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=role["aws_secret_access_key"],
            AWS_SESSION_TOKEN=role["aws_session_token"],
        )
        self.buffer_interval = self._buffer_interval_seconds()
        self.result.buffer_interval_seconds = self.buffer_interval * self.clock_scale
        self.student = student.create_student(self.client("iam"), self.student_actions)
        self.say(f"  running user-data of {instance_id} as {role_arn} (IAM enforced)")
        self.emulator.enforce_iam(True)
        self._probe_least_privilege(role)
        self.emulator.clock.publish(sandbox.clock_file)  # the sandbox's systemd times RuntimeMaxSec on it
        run = sandbox.run_user_data(script, env=env)
        self.result.service_started_at = time.time()  # the script's last step started the service
        self.service_started_clock = self.emulator.clock.monotonic()
        self.result.user_data_output = run.stdout + run.stderr
        if run.returncode:
            raise PhaseFailed(f"user-data exited {run.returncode}:\n{self.result.user_data_output}")
        self.service = sandbox.service(service.UNIT_NAME)
        if self.service is None:
            raise PhaseFailed(f"user-data did not start {service.UNIT_NAME}:\n{self.result.user_data_output}")
        time.sleep(1)
        if not self.service.running():
            raise PhaseFailed(f"{service.UNIT_NAME} exited at once:\n{self.service.log.read_text()}")
        self.say(f"  {service.UNIT_NAME} running (pid {self.service.pid}), log {self.service.log.name}")

    def _probe_least_privilege(self, role: dict) -> None:
        """What the instance role must not do is refused: it can put records, but not read, list or delete."""
        outcomes = student.probe_instance_role(
            self.client, role, bucket=self.result.outputs["BucketName"],
            stream=self.result.outputs["DeliveryStreamName"],
        )
        for action, outcome in outcomes.items():
            if outcome == "allowed":
                raise PhaseFailed(f"the instance role was allowed {action}: more than least privilege")
            if outcome != "refused":
                raise PhaseFailed(f"the instance role's {action} failed with {outcome}, not AccessDenied")
        self.result.refused_to_instance_role = list(outcomes)
        self.say(f"  instance role refused, as it should be: {'; '.join(self.result.refused_to_instance_role)}")

    def _wait_for_first_data(self) -> None:
        """The producer's own events land while IAM is enforced: its role's permissions are enough."""
        deadline = time.monotonic() + self.buffer_interval * self.clock_scale + 60
        s3 = self.client("s3", **self.student)
        bucket = self.result.outputs["BucketName"]
        while not (landed := s3.list_objects_v2(Bucket=bucket, Prefix="data/").get("Contents")):
            if time.monotonic() > deadline or not self.service.running():
                raise PhaseFailed(f"no producer data landed in {bucket}:\n{self.service.log.read_text()}")
            time.sleep(0.2)
        self.result.first_object_at = min(item["LastModified"].timestamp() for item in landed)
        self.say("  the producer's first object landed under the instance role's own permissions")

    def _verify(self) -> None:
        """Send tagged events as the student would and find every one in the bucket."""
        interval = self.buffer_interval
        captured = io.StringIO()
        self.result.verify_started_at = time.time()
        self.result.verify_exit = verify(
            cloudformation=self.client("cloudformation", **self.student),
            s3=self.client("s3", **self.student),
            firehose=make_client(
                region=self.emulator.region,
                endpoint_url=self.emulator.endpoint_url,
                session=boto3.session.Session(**self.student),
            ),
            stack_name=self.stack_name,
            count=self.verify_count,
            timeout=interval * self.clock_scale + 60,
            poll_seconds=min(5.0, max(0.2, interval * self.clock_scale / 10)),
            out=captured,
        )
        self.result.verify_report = captured.getvalue()
        for line in self.result.verify_report.splitlines():
            self.say(f"  {line}")
        if self.result.verify_exit:
            raise PhaseFailed(f"verify exited {self.result.verify_exit}")

    def _buffer_interval_seconds(self) -> int:
        stream = self.client("firehose").describe_delivery_stream(
            DeliveryStreamName=self.result.outputs["DeliveryStreamName"])["DeliveryStreamDescription"]
        destination = stream["Destinations"][0]
        hints = destination.get("ExtendedS3DestinationDescription", destination.get("S3DestinationDescription"))
        return hints["BufferingHints"]["IntervalInSeconds"]

    def _producer_run_ends(self) -> None:
        """The rest of the producer's hour passes on the emulator's clock: systemd's RuntimeMaxSec ends the unit (the
        producer sends what it holds and writes its stats), its ExecStopPost powers the OS off (stopWhenDone), and
        the emulator's EC2 turns that into a stopped instance."""
        clock = self.emulator.clock
        runtime_max = int(systemd.Unit(self.sandbox.root, service.UNIT_NAME).service()["RuntimeMaxSec"])
        run_end = clock.now() + timedelta(seconds=self.service_started_clock + runtime_max - clock.monotonic())
        if self.config.expires_after_hours and run_end >= self._expires_at():
            self.say("  the lab expires before the producer's run would end: stopping it like `systemctl stop`, "
                     "the instance stays up until the expiry deletes it")
            self.service.stop()
        else:
            clock.speed_up_until(run_end, real_seconds=RUN_END_SECONDS)
            self.say(f"  RuntimeMaxSec={runtime_max}s: the rest of the run passes in ~{RUN_END_SECONDS:g}s "
                     f"(clock x{clock.scale:.2g})")
            deadline = time.monotonic() + RUN_END_SECONDS + service.TIMEOUT_STOP_SECONDS + 30
            while self.service.unit.supervisor() is not None and time.monotonic() < deadline:
                time.sleep(0.1)
        self.result.service_result = self.service.result() or {}
        if not self.result.service_result:
            raise PhaseFailed(f"{service.UNIT_NAME} did not end:\n{self.service.log.read_text()}")
        self.say(f"  {service.UNIT_NAME} ended: {json.dumps(self.result.service_result, sort_keys=True)}")
        self._read_producer_stats()
        self._instance_after_run()
        self._show_status("after the producer's run")

    def _stop_producer(self) -> None:
        """`systemctl stop`: the producer sends what it holds and writes its stats; a stop on request keeps the
        instance up (the unit's stop-when-done script sees the stop job)."""
        self.service.stop()
        self._read_producer_stats()

    def _read_producer_stats(self) -> None:
        stats = self.sandbox.host_path(service.STATS_PATH)
        if not stats.exists():
            raise PhaseFailed(f"the producer wrote no stats when it ended:\n{self.service.log.read_text()}")
        self.result.producer_stats = json.loads(stats.read_text())
        self.say(f"  producer stats: {json.dumps(self.result.producer_stats, sort_keys=True)[:400]}")
        self.emulator.enforce_iam(False)
        student.delete_student(self.client("iam"))
        failed = self.result.producer_stats.get("events_failed", 0)
        if failed:
            raise PhaseFailed(f"the producer could not deliver {failed} events:\n{self.service.log.read_text()}")
        self.emulator.flush_firehose()  # what the producer sent at its end would otherwise wait for the interval

    def _instance_after_run(self) -> None:
        """stopWhenDone: the OS powered off and EC2 stopped the instance; otherwise it is still running."""
        instance_id = self.result.outputs["InstanceId"]
        self.result.powered_off = self.sandbox.halted()
        ended_by_itself = self.result.service_result.get("job") is None
        if self.config.stop_when_done and ended_by_itself:
            if not self.result.powered_off:
                raise PhaseFailed(f"the run ended, but nothing powered the OS off:\n{self.service.log.read_text()}")
            self.emulator.power_off(instance_id)
        elif self.result.powered_off:
            raise PhaseFailed(f"the instance powered off, but it should stay up:\n{self.service.log.read_text()}")
        instance = self.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        self.result.instance_state_after_run = instance["State"]["Name"]
        expected = "stopped" if self.config.stop_when_done and ended_by_itself else "running"
        if self.result.instance_state_after_run != expected:
            raise PhaseFailed(f"instance {instance_id} is {self.result.instance_state_after_run}, not {expected}")
        self.say(f"  instance {instance_id}: {self.result.instance_state_after_run}"
                 + (" (its OS powered off; shutdown behaviour stop)" if self.result.powered_off else ""))

    def _expires_before_the_run_ends(self) -> bool:
        """expiresAfterHours shorter than the producer's run (RuntimeMaxSec): the stack goes first."""
        hours = self.config.expires_after_hours
        run = self.config.producer_minutes * 60 + service.RUNTIME_MARGIN_SECONDS
        return bool(hours) and hours * 3600 <= run

    def _expires_at(self) -> datetime:
        return datetime.fromisoformat(self.result.outputs["ExpiresAt"].replace("Z", "+00:00"))

    def _expire(self) -> None:
        """The hours until ExpiresAt pass on the emulator's clock; the schedule deletes the stack as its role."""
        clock = self.emulator.clock
        clock.speed_up_until(self._expires_at(), real_seconds=EXPIRY_SECONDS)
        self.say(f"  {self.config.expires_after_hours} h after deploy come in ~{EXPIRY_SECONDS:g}s "
                 f"(clock x{clock.scale:.2g})")
        cloudformation = self.client("cloudformation")
        deadline = time.monotonic() + EXPIRY_SECONDS + 120
        while time.monotonic() < deadline:
            invocations = self.emulator.scheduler_invocations()
            live = [s for s in cloudformation.describe_stacks()["Stacks"] if s["StackName"] == self.stack_name]
            if (invocations and not invocations[-1].ok) or (invocations and not live):
                break
            time.sleep(0.2)
        self.result.expiry_invocations = self.emulator.scheduler_invocations()
        for invocation in self.result.expiry_invocations:
            self.say(f"  schedule fired at {invocation.fired_at:%Y-%m-%d %H:%M:%S} (due {invocation.due:%H:%M:%S}): "
                     f"{invocation.outcome}")
        if not self.result.expiry_invocations or not all(i.ok for i in self.result.expiry_invocations):
            raise PhaseFailed(f"the expiry schedule did not delete the stack: {self.result.expiry_invocations}")
        if live:
            raise PhaseFailed(f"stack {self.stack_name} is still there after its expiry: {live[0]['StackStatus']}")
        self._show_status("after the expiry")

    def _show_landed(self) -> None:
        s3 = self.client("s3")
        lab = find_lab(self.client("cloudformation"), self.stack_name)
        objects = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=lab.bucket, Prefix=lab.data_prefix):
            objects.extend(page.get("Contents", []))
        sample, problems = None, []
        columns = self._table_columns(lab) if self.parquet else []
        for item in sorted(objects, key=lambda o: o["LastModified"]):
            body = s3.get_object(Bucket=lab.bucket, Key=item["Key"])["Body"].read()
            events = read_object(body).rows
            self.result.landed.append(
                LandedObject(item["Key"], item["Size"], len(events), item["LastModified"].timestamp())
            )
            if self.parquet:  # Parquet of the table's columns and types, named as the stream says
                problems += analytics.parquet_schema_problems(body, item["Key"], columns)
                problems += [] if item["Key"].endswith(".parquet") else [f"{item['Key']} does not end in .parquet"]
            if sample is None:
                sample = next((e for e in events if not e["producer_id"].startswith("verify-")), None)
        self.say(f"  {len(objects)} objects in s3://{lab.bucket}/{lab.data_prefix}:")
        for landed in self.result.landed:
            self.say(f"    {landed.key}  {landed.size} bytes  {landed.events} events")
        per_partition = objects_per_partition(self.result.landed)
        if per_partition:
            self.say("  objects (events) per partition: " + ", ".join(
                f"{value} {count} ({events})" for value, (count, events) in sorted(per_partition.items())))
        if self.parquet and not problems:
            self.say(f"  every object is Parquet with the table's columns: {', '.join(f'{n} {t}' for n, t in columns)}")
        if sample:
            self.say(f"  sample event: {json.dumps(sample, default=str)}")
        if not self.result.landed:
            raise PhaseFailed("no objects landed")
        if problems:
            raise PhaseFailed("delivered objects do not match the table: " + "; ".join(problems[:5]))

    def _table_columns(self, lab) -> list:
        database, table = lab.events_table.split(".")
        described = self.client("glue").get_table(DatabaseName=database, Name=table)["Table"]
        return [(c["Name"], c["Type"]) for c in described["StorageDescriptor"]["Columns"]]

    def _send_bad_record(self) -> None:
        """A record that cannot become a row of the table goes, with its error, to the conversion-error prefix."""
        lab = find_lab(self.client("cloudformation"), self.stack_name)
        firehose = self.client("firehose")
        destination = firehose.describe_delivery_stream(DeliveryStreamName=lab.stream)[
            "DeliveryStreamDescription"]["Destinations"][0]["ExtendedS3DestinationDescription"]
        record = analytics.bad_record(uuid.uuid4().hex[:12])
        firehose.put_record(DeliveryStreamName=lab.stream, Record={"Data": record})
        self.emulator.flush_firehose()
        errors_root = destination.get("ErrorOutputPrefix", "").split("!{")[0]
        found = analytics.find_failed_record(analytics.conversion_errors(self.client("s3"), lab.bucket, errors_root),
                                             record)
        if found is None:
            raise PhaseFailed(f"the bad record {record!r} is not under the conversion-error prefix")
        key, document = found
        self.result.conversion_error = document
        self.say(f"  sent {record.decode().strip()}")
        self.say(f"  it landed in s3://{lab.bucket}/{key}")
        self.say(f"  {document['lastErrorCode']}: {document['lastErrorMessage']}")

    def _run_saved_queries(self) -> None:
        """Both saved queries, run as `make query` runs them by a student allowed only what it needs, IAM enforced;
        their counts must be those of the delivered objects and of verify."""
        credentials = student.create_student(self.client("iam"), actions=QUERY_ACTIONS, name=QUERY_STUDENT)
        self.emulator.enforce_iam(True)
        try:
            lab = find_lab(self.client("cloudformation", **credentials), self.stack_name)
            athena = self.client("athena", **credentials)
            database = lab.events_table.split(".")[0]
            for name, saved in sorted(saved_queries(athena, lab.workgroup).items()):
                result = run_query(athena, sql=saved["QueryString"], database=saved.get("Database") or database,
                                   workgroup=lab.workgroup)
                self.result.query_results[name] = result
                self.say(f"  {name}: {query_summary(result)}")
                for line in table_lines(result.columns, result.rows):
                    self.say(f"    {line}")
        finally:
            self.emulator.enforce_iam(False)
            student.delete_student(self.client("iam"), name=QUERY_STUDENT)
        failed = [f"{n}: {r.state} {r.reason}" for n, r in self.result.query_results.items() if r.state != "SUCCEEDED"]
        if failed or set(self.result.query_results) != {analytics.EVENTS_PER_MINUTE, analytics.TOP_TICKERS}:
            raise PhaseFailed(f"the saved queries did not both succeed: {failed or list(self.result.query_results)}")
        tally = analytics.delivered_on(self.client("s3"), lab.bucket, lab.data_prefix,
                                       datetime.now(timezone.utc).date())
        problems = analytics.saved_query_problems(self.result.query_results, tally, VERIFY_TICKER, self.verify_count)
        if problems:
            raise PhaseFailed("; ".join(problems))
        self.say(f"  both agree with the {tally.events} events delivered today and the {self.verify_count} verify "
                 "found")


def objects_per_partition(landed: list) -> dict:
    """{partition value: (objects, events)} of data objects under a `data/<field>=<value>/` partition prefix."""
    counts: dict = {}
    for item in landed:
        match = re.match(r"data/(?!year=)\w+=([^/]+)/", item.key)  # a partition before the date ones
        if match:
            objects, events = counts.get(match.group(1), (0, 0))
            counts[match.group(1)] = (objects + 1, events + item.events)
    return counts


def summary(result: RehearsalResult) -> list:
    failed = "stopped" if result.stopped_by else "FAILED"
    lines = [f"  {name:<52} {seconds:6.1f}s  {'ok' if ok else failed}" for name, seconds, ok in result.phases]
    total = sum(seconds for _, seconds, _ in result.phases)
    lines.append(f"  {'total':<52} {total:6.1f}s")
    return lines


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_settings_option(parser)
    parser.add_argument("--clock-scale", type=float, default=1.0,
                        help="speed of the emulator's clock: 0.1 makes a 60 s buffer interval flush in 6 s "
                             "(default 1: real time); the hours until the producer's end and the lab's expiry "
                             "pass in seconds either way")
    parser.add_argument(
        "--verify-count", type=int, default=VERIFY_BURST,
        help=f"tagged events verify sends (default {VERIFY_BURST}: ~3.5 MB, past the default 1 MiB buffer size, so "
             "they flush at once by size, while the producer's trickle showed the interval)",
    )
    args = parser.parse_args(argv)
    if not 0 < args.clock_scale <= 1 or args.verify_count < 1:
        print("rehearse: --clock-scale must be in (0, 1] and --verify-count at least 1", file=sys.stderr)
        return 2
    try:
        lab_config(args.context)  # a bad setting stops here, before anything starts
    except ConfigError as error:
        print(f"firehose-lab: {error}", file=sys.stderr)
        return 2
    rehearsal = Rehearsal(context=args.context, clock_scale=args.clock_scale, verify_count=args.verify_count)
    with stop_on_signals(), tempfile.TemporaryDirectory(prefix="firehose-rehearsal-") as workdir:
        try:
            rehearsal.run(Path(workdir))
        except Stopped as stop:  # Ctrl-C, SIGTERM, SIGHUP: cleaned up like a failure, and said so
            for line in summary(rehearsal.result):
                rehearsal.say(line)
            phases = rehearsal.result.phases
            where = (f"in phase: {rehearsal.result.failed_phase}" if rehearsal.result.failed_phase
                     else f"after phase: {phases[-1][0]}" if phases else "before the first phase")
            rehearsal.say(f"STOPPED by {stop} {where}")
            return 128 + stop.signum
        except Exception as error:  # every failure ends in one named phase, never a traceback
            rehearsal.say(str(error))
            for line in summary(rehearsal.result):
                rehearsal.say(line)
            rehearsal.say(f"FAILED in phase: {rehearsal.result.failed_phase}")
            return 1
    for line in summary(rehearsal.result):
        rehearsal.say(line)
    ended = "the instance stopped itself, " if rehearsal.result.instance_state_after_run == "stopped" else ""
    ended += "the lab expired" if rehearsal.config.expires_after_hours else "destroyed"
    rehearsal.say(f"PASSED: deployed, data landed, nothing lost, queried, {ended}, nothing left behind")
    return 0


if __name__ == "__main__":
    sys.exit(main())
