"""The rehearsal's AWS: moto's ThreadedMotoServer on 127.0.0.1 with the gap-fixes of this package installed.

Usage:
    with Emulator(clock_scale=0.05) as emu:
        subprocess.run(["npx", "cdk", "deploy", ...], env={**os.environ, **emu.cli_env(cdk_home)})
        creds = emu.client("sts").assume_role(RoleArn=instance_role, RoleSessionName="i")
        emu.enforce_iam(True)   # after AssumeRole, only around the producer: the test keys are no IAM user
        ...

moto's backends are process-wide, so run one Emulator per process at a time; each start
resets all backends, so a run never sees a previous run's resources. Time in the emulator (Firehose
buffer intervals, Scheduler's at() times) is clock.py's CLOCK, which each start resets to
`clock_scale` and `clock` lets the rehearsal speed up.
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

from .clock import CLOCK, ScaledClock

from .athena import cloudformation as cfn_athena
from .athena import queries as athena_queries
from .cloudformation import create_failure as cfn_create_failure
from .cloudformation import delete_failure as cfn_delete_failure
from .cloudformation import delete_order as cfn_delete_order
from .cloudformation import deleted_stacks as cfn_deleted_stacks
from .cloudformation import generated_names as cfn_generated_names
from .cloudformation import outputs as cfn_outputs
from .cloudformation import resource_list as cfn_resource_list
from .ec2 import shutdown as ec2_shutdown
from .ec2 import vpc_delete as cfn_vpc_delete
from .firehose import buffering as firehose_buffering
from .firehose import cloudformation as cfn_firehose
from .firehose import conversion as firehose_conversion
from .firehose import iam as firehose_iam
from .firehose import lambda_ as firehose_lambda
from .firehose import metrics as firehose_metrics
from .firehose import settings as firehose_settings
from .glue import cloudformation as cfn_glue
from .iam import empty_body_signature as iam_empty_body_signature
from .iam import role_managed_policies as cfn_role_managed_policies
from .iam import service_prefix as iam_service_prefix
from .kms import keys as cfn_kms_keys
from .s3 import auto_delete as cfn_auto_delete
from .s3 import bucket_policy as cfn_bucket_policy
from .s3 import policy_evaluation as s3_policy_evaluation
from .firehose.buffering import BUFFERS, FirehoseBuffers
from .scheduler import cloudformation as cfn_scheduler
from .scheduler import firing as scheduler_firing
from .scheduler.firing import FIRING, INVOCATIONS, Invocation

# Every extension patches moto internals as they are in this exact release.
MOTO_PIN = "5.2.5"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
TEST_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


# One module per moto gap, each with an idempotent install(). cfn_create_failure wraps what cfn_outputs wrapped;
# cfn_delete_failure wraps the stack delete whose resource loop cfn_delete_order replaces.
GAP_FIXES = (
    cfn_firehose,
    cfn_auto_delete,
    cfn_outputs,
    cfn_resource_list,
    cfn_role_managed_policies,
    cfn_vpc_delete,
    cfn_kms_keys,
    cfn_generated_names,
    cfn_delete_order,
    cfn_delete_failure,
    cfn_deleted_stacks,
    cfn_create_failure,
    firehose_iam,
    firehose_buffering,
    firehose_settings,
    cfn_glue,
    cfn_bucket_policy,
    s3_policy_evaluation,
    firehose_conversion,
    cfn_athena,
    athena_queries,
    cfn_scheduler,
    scheduler_firing,
    ec2_shutdown,
    firehose_metrics,
    iam_service_prefix,
    iam_empty_body_signature,
)


def install_extensions() -> None:
    """Patch moto (idempotent); refuses any moto but the pinned one."""
    if moto.__version__ != MOTO_PIN:
        raise RuntimeError(
            f"rehearsal extensions are written against moto=={MOTO_PIN}, found {moto.__version__}: "
            "re-check every patched internal before moving the pin"
        )
    for gap_fix in GAP_FIXES:
        gap_fix.install()


def unmodelled_types(resource_types: set[str]) -> list[str]:
    """CloudFormation types the emulator only records: it reports them created, but nothing exists behind them."""
    quiet = logging.getLogger("moto")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # resource_class_from_type warns for each unknown type
    try:
        return sorted(t for t in resource_types if parsing.resource_class_from_type(t) is None)
    finally:
        quiet.setLevel(level)


class Emulator:
    """Context manager owning one moto server; `stop()` flushes Firehose, then frees the port."""

    def __init__(self, port: int = 0, clock_scale: float = 1.0, region: str = REGION):
        self.port = port
        self.clock_scale = clock_scale
        self.region = region
        self._server: ThreadedMotoServer | None = None
        self._buffers: FirehoseBuffers = BUFFERS

    def start(self) -> "Emulator":
        install_extensions()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request
        moto_api_backend.reset()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.port = self._server.get_host_and_port()[1]
        firehose_lambda.ENDPOINT_URL = self.endpoint_url  # a transformation Lambda's AWS calls come here
        CLOCK.reset(self.clock_scale)
        self._buffers.start()
        FIRING.start(self.endpoint_url)
        self.enforce_iam(False)
        return self

    def stop(self) -> None:
        """Stop firing schedules, deliver buffered Firehose records, switch IAM enforcement off, free the port."""
        if self._server is None:
            return
        FIRING.stop()
        self._buffers.stop()
        self.enforce_iam(False)
        self._server.stop()
        self._server._server.server_close()  # ThreadedMotoServer.stop() leaves the socket bound
        self._server = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
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
        return list(INVOCATIONS)

    def power_off(self, instance_id: str) -> str:
        """The instance's OS halted: EC2 stops or terminates it (its shutdown behaviour); the new state."""
        return ec2_shutdown.power_off(ACCOUNT_ID, self.region, instance_id)

    def flush_firehose(self) -> None:
        """Deliver every Firehose buffer now, due or not."""
        self._buffers.flush(everything=True)

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
