"""LabStack wires the delivery pipeline to the producer host, the queries and the dashboard: each construct takes the
settings it uses and makes the outputs that tell the student where to look (lab_stack/outputs.py)."""

from __future__ import annotations

from datetime import datetime

from aws_cdk import Aws, RemovalPolicies, Stack, Tags
from constructs import Construct

from lab_stack.analytics import QueryWorkgroup
from lab_stack.class_stack import ClassPlacement
from lab_stack.config import LabConfig
from lab_stack.dashboard import LabDashboard
from lab_stack.delivery import DeliveryPipeline
from lab_stack.lifetime import LabExpiry, expiry_time
from lab_stack.names import CLASS_TAG, STUDENT_TAG, student_bucket_name, student_schedule_group
from lab_stack.network import class_vpc
from lab_stack.outputs import add_outputs
from lab_stack.producer_host import ProducerHost
from lab_stack.stackset import (
    ASSET_METADATA_CONTEXT,
    PublishedAssetsSynthesizer,
    StackSetPlacement,
    student_id_parameter,
)
from lab_stack.student_login import StudentLogin, own_lab_statements


class LabStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: LabConfig,
        synth_time: datetime,
        placement: ClassPlacement | StackSetPlacement | None = None,
    ) -> None:
        """`synth_time` is now for `cdk deploy`; the lab expires `expiresAfterHours` after it. A student's lab in a
        class (`placement`) stands in the class's VPC, names its bucket for the class policy, carries the student's
        tags and ends with the class. A StackSet's lab (StackSetPlacement, lab_stack/stackset.py) is alone in its
        student's account: its own VPC, the student as a parameter, its files in the class's bucket, and its stack
        deleted by the StackSet at the class's end."""
        stackset = isinstance(placement, StackSetPlacement)
        super().__init__(
            scope,
            construct_id,
            description=(
                "firehose-lab: Kinesis Data Firehose Direct PUT to S3 with an EC2 producer (cdk destroy removes all)"
                if not stackset
                else f"firehose-lab class {placement.class_name}: a student's lab, one per account (a StackSet's)"
            ),
            tags=placement.tags if isinstance(placement, ClassPlacement) else None,
            synthesizer=PublishedAssetsSynthesizer() if stackset else None,
            analytics_reporting=False if stackset else None,
        )
        self.config = config
        self.expiry: LabExpiry | None
        bucket_name = config.bucket_name
        if stackset:
            self.node.set_context(ASSET_METADATA_CONTEXT, False)  # no local paths of assets in the template
            self.student_id = student_id_parameter(self).value_as_string
            Tags.of(self).add(CLASS_TAG, placement.class_name)
            Tags.of(self).add(STUDENT_TAG, self.student_id)
            add_outputs(self, {"Student": (self.student_id, "The student this lab is for (its StudentId)")})
        elif placement:
            for key, value in placement.tags.items():
                Tags.of(self).add(key, value)
            bucket_name = student_bucket_name(placement.class_name, placement.student_id, Aws.ACCOUNT_ID, Aws.REGION)

        self.delivery = DeliveryPipeline(
            self,
            "Delivery",
            lab_name=config.lab_name,
            bucket_name=bucket_name,
            data_retention_days=config.data_retention_days,
            record_format=config.record_format,
            partition_by=config.partition_by,
            buffer_size_mib=config.buffer_size_mib,
            buffer_interval_seconds=config.buffer_interval_seconds,
            compression=config.compression,
            stream_name=config.lab_name if placement else None,
        )
        self.producer_host = ProducerHost(
            self,
            "ProducerHost",
            instance_type=config.instance_type,
            architecture=config.instance_architecture,
            stream=self.delivery.stream,
            rate_per_second=config.producer_rate_per_second,
            minutes=config.producer_minutes,
            packed_records=config.packed_records,
            stop_when_done=config.stop_when_done,
            stream_buffer_seconds=config.buffer_interval_seconds,
            vpc=class_vpc(self, placement.class_name) if isinstance(placement, ClassPlacement) else None,
        )
        # What the producer calls, and only that: grant_put_records() would add firehose:PutRecord too.
        self.delivery.stream.grant(self.producer_host.role, "firehose:PutRecordBatch")
        self.queries = QueryWorkgroup(
            self, "Queries", workgroup_name=config.lab_name, bucket=self.delivery.bucket, catalog=self.delivery.catalog
        )
        self.dashboard = LabDashboard(
            self,
            "Dashboard",
            name=config.lab_name,
            record_format=config.record_format,
            stream=self.delivery.stream,
            instance=self.producer_host.instance,
        )
        if stackset:
            self.expiry = LabExpiry(
                self,
                "Expiry",
                expires_at=placement.expires_at,
                why=f"the end of class {placement.class_name}",
                instance=self.producer_host.instance,
            )
            self.login = StudentLogin(
                self,
                "Login",
                class_name=placement.class_name,
                student_id=self.student_id,
                expires_at=placement.expires_at,
                bucket=self.delivery.bucket,
                statements=own_lab_statements(
                    class_name=placement.class_name,
                    stream_arn=self.delivery.stream.delivery_stream_arn,
                    bucket_arn=self.delivery.bucket.bucket_arn,
                    workgroup=self.queries.workgroup_name,
                    instance_id=self.producer_host.instance.instance_id,
                    dashboard=config.lab_name,
                    schedule_arn=self.expiry.schedule.schedule_arn,
                ),
            )
        elif placement:
            self.expiry = LabExpiry(
                self,
                "Expiry",
                expires_at=placement.expires_at,
                why=f"the end of class {placement.class_name}",
                group_name=student_schedule_group(placement.class_name, placement.student_id),
            )
        elif config.expires_after_hours:
            hours = config.expires_after_hours
            self.expiry = LabExpiry(
                self,
                "Expiry",
                expires_at=expiry_time(synth_time, hours),
                why=f"expiresAfterHours: {hours} h after deploy; a re-deploy moves it",
            )
        else:
            self.expiry = None
            add_outputs(self, {"ExpiresAt": ("never", "expiresAfterHours=0: the lab lives until `make destroy`")})
        # Nothing outlives the lab, including children the L2s default to RETAIN (e.g. Firehose's log stream).
        RemovalPolicies.of(self).destroy()
