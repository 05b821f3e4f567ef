"""The producing half of the lab: a small EC2 instance that runs `python -m producer` as a systemd service.

Replaces the original lab's SSH key, AdministratorAccess role and `aws configure`: the instance is reached with
SSM Session Manager, accepts no inbound traffic, and its role may only put records to the lab's own stream
(granted by the stack), use Session Manager, and read its own code asset.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Acknowledgment, Aws, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from lab_stack.network import public_vpc
from lab_stack.outputs import add_outputs
from lab_stack.sizing import ROOT_VOLUME_GIB
from producer import service, wheelhouse

PRODUCER_DIR = Path(service.__file__).resolve().parent

# AWS's documented minimal instance policy for Session Manager (no Run Command, no S3/KMS session logging).
SESSION_MANAGER_ACTIONS = [
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


class ProducerHost(Construct):
    """An instance with no inbound rule in a public subnet without NAT, and the producer service on it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        instance_type: str,
        architecture: str,
        stream: firehose.IDeliveryStream,
        rate_per_second: int,
        minutes: int,
        packed_records: bool,
        stop_when_done: bool,
        stream_buffer_seconds: int,
        vpc: ec2.IVpc | None = None,
    ) -> None:
        """The producer runs `minutes` at `rate_per_second` (packed or one event per record), lingering for a share
        of the stream's `stream_buffer_seconds`; with `stop_when_done` its end stops the instance. Without `vpc`, the
        host makes its own (network.public_vpc)."""
        super().__init__(scope, construct_id)

        # A lab alone makes its own VPC; in a class, the class's shared VPC is given.
        self.vpc = vpc or public_vpc(self)

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=self.vpc,
            description="firehose-lab producer: no inbound; outbound HTTPS only (Firehose, S3, SSM, package repos)",
            allow_all_outbound=False,
        )
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs and repos")

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="firehose-lab producer instance: Session Manager, its code asset, put records to one stream",
        )
        session_manager = iam.PolicyStatement(actions=SESSION_MANAGER_ACTIONS, resources=["*"])
        self.role.add_to_principal_policy(session_manager)

        # The code and its locked wheels (`make setup` puts them in producer/wheels/): the instance installs offline.
        wheelhouse.check(PRODUCER_DIR)
        self.code = s3_assets.Asset(
            self,
            "ProducerCode",
            path=str(PRODUCER_DIR),
            exclude=["__pycache__", "*.pyc", "tests", f"{wheelhouse.WHEELS_NAME}/{wheelhouse.STAMP_NAME}"],
        )
        # Exactly one object: the grant_read() of an asset would allow s3:GetObject*/List* on the whole bucket.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[self.code.bucket.arn_for_objects(self.code.s3_object_key)],
            )
        )

        cpu_type = ec2.AmazonLinuxCpuType.ARM_64 if architecture == "arm64" else ec2.AmazonLinuxCpuType.X86_64
        self.instance = ec2.Instance(
            self,
            "Instance",
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            instance_type=ec2.InstanceType(instance_type),
            machine_image=ec2.MachineImage.latest_amazon_linux2023(cpu_type=cpu_type),
            security_group=self.security_group,
            role=self.role,
            require_imdsv2=True,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        ROOT_VOLUME_GIB,
                        encrypted=True,
                        volume_type=ec2.EbsDeviceVolumeType.GP3,
                        delete_on_termination=True,
                    ),
                )
            ],
            user_data=self._user_data(
                stream=stream,
                rate=rate_per_second,
                duration_seconds=minutes * 60,
                packed=packed_records,
                stop_when_done=stop_when_done,
                buffer_seconds=stream_buffer_seconds,
            ),
            # The producer's end powers the OS off (stopWhenDone): EC2 then stops the instance, keeping its volume,
            # so it can be started again; stopped, it bills only that volume.
            instance_initiated_shutdown_behavior=ec2.InstanceInitiatedShutdownBehavior.STOP,
            user_data_causes_replacement=True,
        )
        instance_id = self.instance.instance_id
        add_outputs(
            self,
            {
                "InstanceId": (instance_id, "EC2 instance running the producer service"),
                "SessionCommand": (
                    f"aws ssm start-session --target {instance_id} --region {Aws.REGION}",
                    f"Shell on the producer instance (Session Manager; then: journalctl -u {service.SERVICE_NAME})",
                ),
                "PackedRecords": (
                    str(packed_records).lower(),
                    "Whether a Firehose record may hold many events "
                    "(false: dynamic partitioning, one event per record)",
                ),
                # Read by `make status` (labctl/status.py), with the expiry's outputs.
                "StopWhenDone": (
                    str(stop_when_done).lower(),
                    "true: the instance stops itself when the producer's run is over (stopWhenDone)",
                ),
            },
        )
        Validations.of(self.instance).acknowledge(
            Acknowledgment(
                id="AwsSolutions-EC28",
                reason=(
                    "Detailed (1-minute) monitoring is billed per metric per month; the lab instance lives for an "
                    "hour or so and basic 5-minute metrics are enough to see it working."
                ),
            ),
            Acknowledgment(
                id="AwsSolutions-EC29",
                reason=(
                    "Termination protection would make `cdk destroy` fail; the lab must be removable with one "
                    "command. The instance holds no state worth protecting (data lives in S3)."
                ),
            ),
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=(
                    "Only the Session Manager actions (ssm:UpdateInstanceInformation, ssmmessages:*Channel) use "
                    "Resource '*': AWS's minimal Session Manager policy; the instance id is not known before the "
                    "role exists. Firehose and S3 access are scoped to one stream and one object."
                ),
            ),
        )

    def _user_data(self, *, stream: firehose.IDeliveryStream, **run: int | bool) -> ec2.UserData:
        """Boot script: fetch the producer asset, then install and start it as the service contract says."""
        user_data = ec2.UserData.for_linux()
        user_data.add_commands("set -euo pipefail")
        archive = user_data.add_s3_download_command(
            bucket=self.code.bucket,
            bucket_key=self.code.s3_object_key,
            local_file=service.ARCHIVE_PATH,
            region=Aws.REGION,
        )
        user_data.add_commands(
            *service.boot_commands(
                archive=archive,
                stream=stream.delivery_stream_name,
                region=Aws.REGION,
                **run,
            )
        )
        return user_data
