"""The rehearsal's AWS: moto's ThreadedMotoServer on 127.0.0.1 with every service package's gap-fixes installed.

Usage:
    with Emulator(clock_scale=0.05) as emu:
        subprocess.run(["npx", "cdk", "deploy", ...], env={**os.environ, **emu.cli_env(cdk_home)})
        creds = emu.client("sts").assume_role(RoleArn=instance_role, RoleSessionName="i")
        emu.enforce_iam(True)   # after AssumeRole, only around the producer: the test keys are no IAM user
        ...

moto's backends are process-wide, so run one Emulator per process at a time; each start
resets all backends, so a run never sees a previous run's resources. Time in the emulator (Firehose
buffer intervals, Scheduler's at() times) is clock.py's CLOCK, which each start resets to
`clock_scale` and hands to each service package's start(), and `clock` lets the rehearsal speed up.
"""

import json
import logging
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
import moto
from moto.cloudformation import parsing
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from . import athena, budgets, cloudformation, ec2, firehose, glue, iam, kms, s3, scheduler, sns, ssm
from .clock import CLOCK, ScaledClock
from .scheduler import Invocation

# Every extension patches moto internals as they are in this exact release.
MOTO_PIN = "5.2.5"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
TEST_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


# One package per AWS service, each installing its gap-fixes in the order they wrap each other (see each
# package's GAP_FIXES); no two packages patch the same moto function. Started in this order with what they need,
# stopped in reverse: Scheduler stops firing before Firehose delivers what it still holds.
SERVICES = (firehose, s3, cloudformation, iam, ec2, kms, ssm, glue, athena, scheduler, budgets, sns)


def install_extensions() -> None:
    """Patch moto (idempotent); refuses any moto but the pinned one."""
    if moto.__version__ != MOTO_PIN:
        raise RuntimeError(
            f"rehearsal extensions are written against moto=={MOTO_PIN}, found {moto.__version__}: "
            "re-check every patched internal before moving the pin"
        )
    for service in SERVICES:
        service.install()


def unmodelled_types(resource_types: set[str]) -> list[str]:
    """CloudFormation types the emulator only records: it reports them created, but nothing exists behind them."""
    quiet = logging.getLogger("moto")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # resource_class_from_type warns for each unknown type
    try:
        return sorted(t for t in resource_types if parsing.resource_class_from_type(t) is None)
    finally:
        quiet.setLevel(level)


def skipped_settings(template: dict[str, Any]) -> list[str]:
    """What a template sets that the emulator accepts and goes on without (each service's own list)."""
    return sorted(set(firehose.skipped_in_template(template)) | set(s3.skipped_in_template(template)))


class Emulator:
    """Context manager owning one moto server; `stop()` flushes Firehose, then frees the port."""

    def __init__(self, port: int = 0, clock_scale: float = 1.0, region: str = REGION):
        self.port = port
        self.clock_scale = clock_scale
        self.region = region
        self._server: ThreadedMotoServer | None = None

    def start(self) -> "Emulator":
        install_extensions()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request
        moto_api_backend.reset()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.port = self._server.get_host_and_port()[1]
        CLOCK.reset(self.clock_scale)
        for service in SERVICES:  # Firehose's buffers and Scheduler's firing run on CLOCK; their AWS calls come here
            service.start(endpoint_url=self.endpoint_url, clock=CLOCK)
        self.enforce_iam(False)
        return self

    def stop(self) -> None:
        """Stop firing schedules, deliver buffered Firehose records, switch IAM enforcement off, free the port."""
        if self._server is None:
            return
        for service in reversed(SERVICES):
            service.stop()
        self.enforce_iam(False)
        self._server.stop()
        self._server._server.server_close()  # ThreadedMotoServer.stop() leaves the socket bound
        self._server = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def enforce_iam(self, on: bool) -> None:
        """Evaluate IAM policies for every request from now on (or stop doing so)."""
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset-auth",
            data=b"0" if on else b"inf",
            headers={"Content-Type": "text/plain"},  # a form type would hide the body from moto
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            json.load(response)

    @property
    def clock(self) -> ScaledClock:
        """The emulator's time: speed it up to let hours pass in seconds."""
        return CLOCK

    def scheduler_invocations(self) -> list[Invocation]:
        """Every schedule this run fired, with its outcome."""
        return scheduler.invocations()

    def power_off(self, instance_id: str) -> str:
        """The instance's OS halted: EC2 stops or terminates it (its shutdown behaviour); the new state."""
        return ec2.power_off(ACCOUNT_ID, self.region, instance_id)

    def flush_firehose(self) -> None:
        """Deliver every Firehose buffer now, due or not."""
        firehose.flush()

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for this emulator; test credentials unless others are given."""
        options = {"region_name": self.region, "endpoint_url": self.endpoint_url, **TEST_CREDENTIALS}
        return boto3.client(service, **{**options, **kwargs})

    def cli_env(self, cdk_home: Path) -> dict[str, str]:
        """Environment for the AWS/CDK CLIs to talk to this emulator only.

        moto serves S3 template URLs path-style only for host `localhost`, hence the separate
        CloudFormation S3 endpoint; CDK_HOME keeps the CLI's account cache away from real AWS.
        """
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION": f"http://localhost:{self.port}",
            "AWS_ACCESS_KEY_ID": TEST_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": TEST_CREDENTIALS["aws_secret_access_key"],
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "CDK_HOME": str(cdk_home),
        }
