"""The lab offline, from start to end, checking nothing of its own: what `make rehearse` and `make lab-local` share.

Up: the emulator starts on 127.0.0.1, the real CDK CLI bootstraps it and deploys the real app (the outputs shown,
the resource types the emulator only records named, the expiry schedule as the settings say), and the instance
boots: its own user-data runs in a sandbox with the instance role's credentials, IAM enforced (what that role must
not do is probed first), so the producer sends as it would on EC2; a student allowed only the given actions is made.
Down: the producer stops as `systemctl stop` stops it (or its run has ended), the stack goes by the real
`cdk destroy` or by its expiry schedule, a leftovers check proves nothing is left, and the producer and the
emulator are stopped whatever failed (the caller's work directory, the sandbox with it, is removed by the caller).

Each step is a named, timed phase in `result.phases`; a phase that does not do its job raises PhaseFailed. The
rehearsal (rehearse.py) adds its checks between up and down; lab-local.py keeps the lab up between them.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lab_stack.names import BOOTSTRAP_STACK
from labctl.toolkit import CDK_CLI, ROOT, lab_config
from producer import service
from rehearsal import student
from rehearsal.emulator import ACCOUNT_ID, Emulator, skipped_settings, unmodelled_types
from rehearsal.i18n import N_, _, number
from rehearsal.leftovers import find_leftovers
from rehearsal.sandbox import Sandbox, Service
from rehearsal.stopping import Stopped, run_guarded, stops_deferred

# Real seconds in which the hours until the lab expires pass.
EXPIRY_SECONDS = 3.0


class PhaseFailed(Exception):
    """A phase did not do its job; str() says what was seen."""


def cli_environment(emulator: Emulator, workdir: Path) -> dict:
    """The environment the CDK CLI (and the AWS CLI, the user-data) runs with against `emulator`: this process's
    without its own AWS_ and CDK_ settings (nothing may reach a real account), the emulator's endpoint, test keys and
    a CDK_HOME of the run's own (workdir/cdk-home), this venv's Python first on PATH, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.update(emulator.cli_env(workdir / "cdk-home"))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    return env


@dataclass
class LabResult:
    """What the lab's life cycle saw: its phases, and what coming up and going down found."""

    phases: list = field(default_factory=list)  # (name, seconds, ok)
    failed_phase: str | None = None
    stopped_by: str | None = None  # the signal that ended the run early
    port: int | None = None
    outputs: dict = field(default_factory=dict)
    skipped_types: list = field(default_factory=list)
    schedules_after_deploy: list = field(default_factory=list)
    user_data_output: str = ""
    refused_to_instance_role: list = field(default_factory=list)
    buffer_interval_seconds: float | None = None  # on the emulator's (scaled) clock, in real seconds
    service_started_at: float | None = None
    producer_stats: dict = field(default_factory=dict)
    expiry_invocations: list = field(default_factory=list)
    leftovers: dict = field(default_factory=dict)


class OfflineLab:
    """One lab on the emulator: up, then down, each step a phase; what happens in between is the caller's."""

    def __init__(
        self,
        *,
        context: list,
        clock_scale: float,
        label: str,
        student_actions: Sequence[str],
        out=None,
        result: LabResult | None = None,
    ) -> None:
        self.context = context
        self.config = lab_config(context)
        self.stack_name = self.config.lab_name
        self.clock_scale = clock_scale
        self.label = label  # each line it prints starts with [label]
        self.student_actions = list(student_actions)  # what the student's credentials may do once IAM is enforced
        self.out = out or sys.stderr  # looked up now, so a redirected stderr is honoured
        self.result = result if result is not None else LabResult()
        self.emulator = Emulator(clock_scale=clock_scale)
        self.service: Service | None = None
        self.sandbox: Sandbox | None = None

    # --- plumbing -------------------------------------------------------------------------------------------

    def say(self, message: str) -> None:
        print(f"[{self.label}] {message}", file=self.out, flush=True)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """A named, timed step; `name` is English, marked N_() where it is given, and said in the student's
        language."""
        started = time.monotonic()
        try:
            self.say(_(name) + " ...")
            yield
        except BaseException as error:
            self.result.phases.append((name, time.monotonic() - started, False))
            self.result.failed_phase = self.result.failed_phase or name
            if isinstance(error, Stopped):
                self.result.stopped_by = self.result.stopped_by or str(error)
            raise
        seconds = time.monotonic() - started
        self.result.phases.append((name, seconds, True))
        self.say(_("{phase}: done in {seconds}s").format(phase=_(name), seconds=number(seconds, ".1f")))

    def cdk(self, *args: str) -> None:
        """Run the real CDK CLI against the emulator; its output is shown only when it fails.

        Each run writes its cloud assembly to its own directory: the CLI locks `cdk.out`, so two rehearsals in one
        checkout would otherwise refuse each other. The CLI and the app it starts get a process group of their own,
        killed whole if the rehearsal stops, times out or is killed (lifeline.py).
        """
        command = [
            str(CDK_CLI),
            *args,
            "--output",
            str(self.workdir / "cdk.out"),
            "--no-notices",
            *[a for c in self.context for a in ("-c", c)],
        ]
        cli = run_guarded(command, cwd=ROOT, env=self.cli_env, timeout=900)
        if cli.returncode:
            raise PhaseFailed(
                _("`cdk {command}` exited {code}:").format(command=args[0], code=cli.returncode)
                + f"\n{cli.stdout}{cli.stderr}"
            )

    def client(self, service: str, **kwargs):
        return self.emulator.client(service, **kwargs)

    # --- up -------------------------------------------------------------------------------------------------

    def bring_up(self, workdir: Path) -> None:
        """Start the emulator, bootstrap and deploy the app, boot the instance: the lab is up, its producer sending."""
        self.workdir = workdir
        # moto says so for every resource it only records (bucket policy, log stream, CDK metadata): known, listed
        # in the README, and noise here.
        logging.getLogger("moto").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)
        with self.phase(N_("start emulator")):
            self.emulator.start()
            self.result.port = self.emulator.port
            self.cli_env = cli_environment(self.emulator, workdir)
            self.say(
                _("emulator on {endpoint} (clock x{scale})").format(
                    endpoint=self.emulator.endpoint_url, scale=number(self.clock_scale, "g")
                )
            )
        with self.phase(N_("cdk bootstrap")):
            self.cdk("bootstrap", f"aws://{ACCOUNT_ID}/{self.emulator.region}")
        with self.phase(N_("cdk deploy")):
            self.cdk("deploy", "--require-approval", "never", "--outputs-file", str(workdir / "outputs.json"))
            self.result.outputs = self._stack_outputs()
            self._say_what_is_skipped(workdir / "cdk.out")
            self._check_expiry_schedule()
        with self.phase(N_("boot instance (user-data in sandbox)")):
            self._boot(Sandbox(workdir / "instance"))

    def _stack_outputs(self) -> dict:
        stack = self.client("cloudformation").describe_stacks(StackName=self.stack_name)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        if "InstanceId" not in outputs:
            raise PhaseFailed(_("stack outputs are missing InstanceId: {outputs}").format(outputs=outputs))
        for key in ("BucketName", "DeliveryStreamName", "InstanceId"):
            self.say(f"  {key}: {outputs[key]}")
        return outputs

    def _say_what_is_skipped(self, cloud_assembly: Path) -> None:
        """Name the template's resource types the emulator lacks, so nobody mistakes them for checked."""
        template = json.loads((cloud_assembly / f"{self.stack_name}.template.json").read_text())
        resources = template["Resources"].values()
        self.result.skipped_types = unmodelled_types({resource["Type"] for resource in resources})
        # Settings the emulator goes on without (the ones it cannot honour fail the deploy instead).
        self.result.skipped_types += skipped_settings(template)
        if self.result.skipped_types:
            self.say(
                _("  the emulator lacks, so this rehearsal skips: {skipped}").format(
                    skipped=", ".join(self.result.skipped_types)
                )
            )

    def _check_expiry_schedule(self) -> None:
        """The stack made the expiry schedule it should, and no other."""
        scheduler = self.client("scheduler")
        self.result.schedules_after_deploy = [
            f"{s['GroupName']}/{s['Name']}" for s in scheduler.list_schedules()["Schedules"]
        ]
        expected = [self.result.outputs["ExpirySchedule"]] if self.config.expires_after_hours else []
        if self.result.schedules_after_deploy != expected:
            raise PhaseFailed(
                _("expected schedules {expected}, the emulator has {found}").format(
                    expected=expected, found=self.result.schedules_after_deploy
                )
            )
        if expected:
            self.say(
                _("  expires at {time} (schedule {schedule})").format(
                    time=self.result.outputs["ExpiresAt"], schedule=expected[0]
                )
            )
        else:
            self.say(_("  expiresAfterHours=0: no expiry schedule"))

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
        self.say(
            _("  running user-data of {instance} as {role} (IAM enforced)").format(instance=instance_id, role=role_arn)
        )
        self.emulator.enforce_iam(True)
        self._probe_least_privilege(role)
        self.emulator.clock.publish(sandbox.clock_file)  # the sandbox's systemd times RuntimeMaxSec on it
        run = sandbox.run_user_data(script, env=env)
        self.result.service_started_at = time.time()  # the script's last step started the service
        self.service_started_clock = self.emulator.clock.monotonic()
        self.result.user_data_output = run.stdout + run.stderr
        if run.returncode:
            raise PhaseFailed(
                _("user-data exited {code}:").format(code=run.returncode) + f"\n{self.result.user_data_output}"
            )
        self.service = sandbox.service(service.UNIT_NAME)
        if self.service is None:
            raise PhaseFailed(
                _("user-data did not start {unit}:").format(unit=service.UNIT_NAME)
                + f"\n{self.result.user_data_output}"
            )
        time.sleep(1)
        if not self.service.running():
            raise PhaseFailed(
                _("{unit} exited at once:").format(unit=service.UNIT_NAME) + f"\n{self.service.log.read_text()}"
            )
        self.say(
            _("  {unit} running (pid {pid}), log {log}").format(
                unit=service.UNIT_NAME, pid=self.service.pid, log=self.service.log.name
            )
        )

    def _probe_least_privilege(self, role: dict) -> None:
        """What the instance role must not do is refused: it can put records, but not read, list or delete."""
        outcomes = student.probe_instance_role(
            self.client,
            role,
            bucket=self.result.outputs["BucketName"],
            stream=self.result.outputs["DeliveryStreamName"],
        )
        for action, outcome in outcomes.items():
            if outcome == "allowed":
                raise PhaseFailed(
                    _("the instance role was allowed {action}: more than least privilege").format(action=action)
                )
            if outcome != "refused":
                raise PhaseFailed(
                    _("the instance role's {action} failed with {outcome}, not AccessDenied").format(
                        action=action, outcome=outcome
                    )
                )
        self.result.refused_to_instance_role = list(outcomes)
        self.say(
            _("  instance role refused, as it should be: {refused}").format(
                refused="; ".join(self.result.refused_to_instance_role)
            )
        )

    def _buffer_interval_seconds(self) -> int:
        stream = self.client("firehose").describe_delivery_stream(
            DeliveryStreamName=self.result.outputs["DeliveryStreamName"]
        )["DeliveryStreamDescription"]
        destination = stream["Destinations"][0]
        hints = destination.get("ExtendedS3DestinationDescription", destination.get("S3DestinationDescription"))
        return hints["BufferingHints"]["IntervalInSeconds"]

    # --- down -----------------------------------------------------------------------------------------------

    def take_down(self) -> None:
        """Stop the producer as systemd would, then destroy and check, even if the producer's stop went wrong."""
        try:
            with self.phase(N_("stop producer")):
                self.stop_producer()
        finally:
            self.emulator.enforce_iam(False)  # the CDK CLI's test keys are no IAM user
            self.destroy()

    def stop_producer(self) -> None:
        """`systemctl stop`: the producer sends what it holds and writes its stats; a stop on request keeps the
        instance up (the unit's stop-when-done script sees the stop job)."""
        self.service.stop()
        self.read_producer_stats()

    def read_producer_stats(self) -> None:
        """The producer has ended: its stats, and the student's session ends (IAM enforcement off)."""
        stats = self.sandbox.host_path(service.STATS_PATH)
        if not stats.exists():
            raise PhaseFailed(_("the producer wrote no stats when it ended:") + f"\n{self.service.log.read_text()}")
        self.result.producer_stats = json.loads(stats.read_text())
        self.say(_("  producer stats: {stats}").format(stats=json.dumps(self.result.producer_stats, sort_keys=True)))
        self.emulator.enforce_iam(False)
        student.delete_student(self.client("iam"))
        failed = self.result.producer_stats.get("events_failed", 0)
        if failed:
            raise PhaseFailed(
                _("the producer could not deliver {count} events:").format(count=number(failed))
                + f"\n{self.service.log.read_text()}"
            )
        self.emulator.flush_firehose()  # what the producer sent at its end would otherwise wait for the interval

    def destroy(self) -> None:
        """Destroy the stack with the real CDK CLI and prove that nothing of the lab is left."""
        with self.phase(N_("cdk destroy")):
            self.cdk("destroy", "--force")
        self.check_leftovers()

    def expires_at(self) -> datetime:
        return datetime.fromisoformat(self.result.outputs["ExpiresAt"].replace("Z", "+00:00"))

    def expire(self) -> None:
        """The hours until ExpiresAt pass on the emulator's clock; the schedule deletes the stack as its role."""
        clock = self.emulator.clock
        clock.speed_up_until(self.expires_at(), real_seconds=EXPIRY_SECONDS)
        self.say(
            _("  {hours} h after deploy come in ~{seconds}s (clock x{scale})").format(
                hours=self.config.expires_after_hours,
                seconds=number(EXPIRY_SECONDS, "g"),
                scale=number(clock.scale, ".2g"),
            )
        )
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
            self.say(
                _("  schedule fired at {fired} (due {due}): {outcome}").format(
                    fired=f"{invocation.fired_at:%Y-%m-%d %H:%M:%S}",
                    due=f"{invocation.due:%H:%M:%S}",
                    outcome=invocation.outcome,
                )
            )
        if not self.result.expiry_invocations or not all(i.ok for i in self.result.expiry_invocations):
            raise PhaseFailed(
                _("the expiry schedule did not delete the stack: {invocations}").format(
                    invocations=self.result.expiry_invocations
                )
            )
        if live:
            raise PhaseFailed(
                _("stack {name} is still there after its expiry: {status}").format(
                    name=self.stack_name, status=live[0]["StackStatus"]
                )
            )

    def check_leftovers(self) -> None:
        with self.phase(N_("leftovers check")):
            self.result.leftovers = find_leftovers(self.client)
            if self.result.leftovers:
                raise PhaseFailed(_("left behind: {leftovers}").format(leftovers=self.result.leftovers))
            self.say(_("nothing left but the CDK bootstrap stack ({stack})").format(stack=BOOTSTRAP_STACK))

    def close(self) -> None:
        """Stop the producer and the emulator, whatever state the lab is in (the emulator's state goes with it)."""
        with stops_deferred():  # a stop signal now waits until the producer and the emulator are stopped
            # The unit may have started even if the user-data was cut short after `systemctl enable --now`.
            unit = self.service or (self.sandbox.service(service.UNIT_NAME) if self.sandbox else None)
            if unit is not None:
                unit.stop()
                unit.kill()
            self.emulator.stop()
