"""LabStack wires the delivery pipeline to the producer host, the queries and the dashboard, and tells the student
where to look."""

from __future__ import annotations

from datetime import datetime

from aws_cdk import Aws, CfnOutput, RemovalPolicies, Stack
from constructs import Construct

from lab_stack.analytics import QueryWorkgroup
from lab_stack.config import LabConfig
from lab_stack.dashboard import LabDashboard
from lab_stack.delivery import DATA_ROOT, ERROR_ROOT, DeliveryPipeline
from lab_stack.lifetime import LabExpiry, expiry_time
from lab_stack.producer_host import ProducerHost
from producer import service


class LabStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: LabConfig, synth_time: datetime) -> None:
        """`synth_time` is now for `cdk deploy`; the lab expires `expiresAfterHours` after it."""
        super().__init__(
            scope,
            construct_id,
            description="firehose-lab: Kinesis Data Firehose Direct PUT to S3 with an EC2 producer (cdk destroy removes all)",
        )
        self.config = config

        self.delivery = DeliveryPipeline(self, "Delivery", config=config)
        self.producer_host = ProducerHost(
            self, "ProducerHost", config=config, stream=self.delivery.stream
        )
        # What the producer calls, and only that: grant_put_records() would add firehose:PutRecord too.
        self.delivery.stream.grant(self.producer_host.role, "firehose:PutRecordBatch")
        self.queries = QueryWorkgroup(
            self, "Queries", config=config, bucket=self.delivery.bucket, catalog=self.delivery.catalog
        )
        self.dashboard = LabDashboard(
            self,
            "Dashboard",
            config=config,
            stream=self.delivery.stream,
            instance=self.producer_host.instance,
        )
        self.expiry = (
            LabExpiry(self, "Expiry", expires_at=expiry_time(synth_time, config.expires_after_hours))
            if config.expires_after_hours
            else None
        )
        # Nothing outlives the lab, including children the L2s default to RETAIN (e.g. Firehose's log stream).
        RemovalPolicies.of(self).destroy()

        self._outputs()

    def _outputs(self) -> None:
        bucket = self.delivery.bucket.bucket_name
        stream = self.delivery.stream.delivery_stream_name
        instance_id = self.producer_host.instance.instance_id
        catalog = self.delivery.catalog
        region = Aws.REGION
        outputs = {
            "BucketName": (bucket, "S3 bucket where Firehose delivers the lab's events"),
            "DeliveryStreamName": (stream, "Firehose Direct PUT stream the producer writes to"),
            "InstanceId": (instance_id, "EC2 instance running the producer service"),
            "DataPrefix": (
                f"s3://{bucket}/{DATA_ROOT}",
                "Where delivered objects land (partitioned by date"
                + ("" if self.config.partition_by == "none" else f", {self.config.partition_by} first") + ")",
            ),
            "PackedRecords": (
                str(self.config.packed_records).lower(),
                "Whether a Firehose record may hold many events (false: dynamic partitioning, one event per record)",
            ),
            "ListDataCommand": (
                f"aws s3 ls s3://{bucket}/{DATA_ROOT} --recursive --human-readable --region {region}",
                "List delivered objects (first ones appear after the buffer interval)",
            ),
            "SessionCommand": (
                f"aws ssm start-session --target {instance_id} --region {region}",
                f"Shell on the producer instance (Session Manager; then: journalctl -u {service.SERVICE_NAME})",
            ),
            "StreamConsoleUrl": (
                f"https://{region}.console.aws.amazon.com/firehose/home?region={region}#/details/{stream}/monitoring",
                "Firehose console: monitoring of the delivery stream",
            ),
            "BucketConsoleUrl": (
                f"https://s3.console.aws.amazon.com/s3/buckets/{bucket}?region={region}&prefix={DATA_ROOT}",
                "S3 console: delivered objects",
            ),
            "ListErrorsCommand": (
                f"aws s3 ls s3://{bucket}/{ERROR_ROOT} --recursive --region {region}",
                "Records Firehose could not deliver or convert, by error type (e.g. format-conversion-failed/)",
            ),
            "DeliveryErrorLogGroup": (
                self.delivery.log_group.log_group_name,
                "CloudWatch log group where Firehose logs delivery and conversion errors",
            ),
            "DashboardUrl": (self.dashboard.url, "CloudWatch dashboard: records in, delivery to S3, freshness, CPU"),
            # Names, as the saved queries and the Firehose role's policy write them (labctl query reads these two).
            "AthenaWorkgroup": (self.queries.workgroup_name, "Athena workgroup to pick in the query editor"),
            "EventsTable": (
                f"{catalog.database_name}.{catalog.table_name}",
                f"Glue table over the delivered events ({self.config.record_format}), partitioned by date",
            ),
            "SavedQueries": (
                ", ".join(self.queries.named_queries),
                "Example queries saved in the workgroup (query editor: Saved queries)",
            ),
            "AthenaConsoleUrl": (
                f"https://{region}.console.aws.amazon.com/athena/home?region={region}#/query-editor",
                f"Athena query editor (choose workgroup {self.queries.workgroup_name})",
            ),
        }
        outputs.update(self._lifetime_outputs())
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)

    def _lifetime_outputs(self) -> dict:
        """When the lab ends: read by `make status` (labctl/status.py)."""
        stops = "true" if self.config.stop_when_done else "false"
        outputs = {
            "StopWhenDone": (stops, "true: the instance stops itself when the producer's run is over (stopWhenDone)"),
        }
        if self.expiry is None:
            outputs["ExpiresAt"] = ("never", "expiresAfterHours=0: the lab lives until `make destroy`")
        else:
            outputs["ExpiresAt"] = (
                self.expiry.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                f"UTC time the lab deletes itself ({self.config.expires_after_hours} h after deploy; "
                "a re-deploy moves it)",
            )
            outputs["ExpirySchedule"] = (
                self.expiry.schedule_id,
                "EventBridge Scheduler schedule (group/name) that deletes this stack at ExpiresAt",
            )
        return outputs
