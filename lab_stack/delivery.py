"""The delivery half of the lab: the bucket where data lands, the schema of what lands, and the stream that fills it.

The Glue table is made here, between bucket and stream, because it needs the bucket (its location) and the stream
needs it (format=parquet converts by it).
"""

from __future__ import annotations

from aws_cdk import (
    Acknowledgment,
    Aws,
    Duration,
    RemovalPolicy,
    Size,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from lab_stack.analytics import EventCatalog
from lab_stack.auto_delete import CUSTOM_RESOURCE_ID, tidy_bucket
from lab_stack.names import DATA_ROOT, ERROR_ROOT
from lab_stack.outputs import add_outputs

# Hive-style date partitions (year=/month=/...): the Glue table projects its partitions from this pattern.
DATE_PREFIX = "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
DATA_PREFIX = f"data/{DATE_PREFIX}"
ERROR_PREFIX = "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"


def data_prefix(partition_by: str) -> str:
    """Where data lands: with dynamic partitioning, a Hive-style partition per value of the event field first
    (`!{partitionKeyFromQuery:ticker}` is what the stream's JQ query extracted; AWS "Dynamic partitioning")."""
    if partition_by == "none":
        return DATA_PREFIX
    return f"{DATA_ROOT}{partition_by}=!{{partitionKeyFromQuery:{partition_by}}}/{DATE_PREFIX}"


def partitioning_processors(partition_by: str, converted: bool) -> list:
    """Inline parsing of the partition key: split packed records into events (at most 500 per record), extract the
    field with JQ 1.6, and put each event back on its own line (deaggregation removes the new lines; AWS "Dynamic
    partitioning of aggregated data", "Adding a new line delimiter"). Converted records become Parquet rows: no
    delimiter then."""
    steps = [
        firehose.RecordDeAggregationProcessor.json(),
        firehose.MetadataExtractionProcessor.jq16({partition_by: f".{partition_by}"}),
    ]
    return steps if converted else [*steps, firehose.AppendDelimiterToRecordProcessor()]


# What Firehose needs to deliver to S3 (AWS: "Grant Firehose access to an Amazon S3 destination"). The L2's own
# grant is bucket.grant_read_write(): s3:GetObject*, s3:List*, s3:DeleteObject*... which is more than delivery needs.
FIREHOSE_S3_ACTIONS = [
    "s3:AbortMultipartUpload",
    "s3:GetBucketLocation",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:PutObject",
]
# aws-cdk-lib's Firehose L2 always adds a region->CIDR mapping that only Redshift/Splunk destinations use.
UNUSED_FIREHOSE_MAPPING_ID = "@aws-cdk--aws-kinesisfirehose.CidrBlocks"


class DeliveryPipeline(Construct):
    """S3 bucket + event table + Direct PUT delivery stream + its error log group, all removed by `cdk destroy`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        lab_name: str,
        bucket_name: str | None,
        data_retention_days: int,
        record_format: str,
        partition_by: str,
        buffer_size_mib: int,
        buffer_interval_seconds: int,
        compression: str,
        stream_name: str | None = None,
    ) -> None:
        """`stream_name`: a class's lab names its stream (its class dashboard graphs it by name); a lab alone lets
        CloudFormation generate one."""
        super().__init__(scope, construct_id)

        self.bucket = tidy_bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-lab-data",
                    expiration=Duration.days(data_retention_days),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
        )
        auto_delete = self.bucket.node.find_child(CUSTOM_RESOURCE_ID)
        Validations.of(self.bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason=(
                    "Server access logs need a second bucket that S3 keeps writing to for hours after the lab "
                    "bucket is deleted, so cdk destroy could not remove it; this bucket holds only synthetic lab "
                    "events that expire after dataRetentionDays."
                ),
            )
        )

        self.log_group = logs.LogGroup(
            self,
            "DeliveryErrors",
            retention=logs.RetentionDays.ONE_WEEK,
            removal_policy=RemovalPolicy.DESTROY,
        )

        self.role = iam.Role(
            self,
            "DeliveryRole",
            assumed_by=iam.ServicePrincipal(
                "firehose.amazonaws.com", conditions={"StringEquals": {"sts:ExternalId": Aws.ACCOUNT_ID}}
            ),
            description="firehose-lab: Firehose delivers to the lab bucket and logs delivery errors",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=FIREHOSE_S3_ACTIONS,
                resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
            )
        )
        self.log_group.grant_write(self.role)
        bucket_logical_id = Stack.of(self).get_logical_id(self.bucket.node.default_child)
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{bucket_logical_id}.Arn>/*]",
                reason="Firehose names every object it delivers (prefix + timestamp + random id); it needs "
                "PutObject on all keys of this one lab bucket.",
            )
        )

        self.catalog = EventCatalog(
            self,
            "Catalog",
            lab_name=lab_name,
            record_format=record_format,
            partition_by=partition_by,
            bucket=self.bucket,
            data_root=DATA_ROOT,
        )
        conversion = None
        if record_format == "parquet":
            # The L2 would grant glue:GetSchemaVersion on "*" too (Schema Registry, unused): read of this table only.
            self.catalog.grant_schema_read(self.role)
            # OpenX JSON splits a record holding several JSON documents into as many rows (AWS: "Convert input data
            # format in Amazon Data Firehose": {"a":1}{"a":2} is valid input), so the producer's packed records of
            # newline-terminated events convert event by event. Snappy: the service's default codec, fast to read
            # for Athena; GZIP would make smaller files that are slower to scan.
            conversion = firehose.DataFormatConversionProps(
                input_format=firehose.InputFormat.OPENX_JSON,
                output_format=firehose.ParquetOutputFormat(compression=firehose.ParquetCompression.SNAPPY),
                schema_configuration=self.catalog.schema_configuration(),
            )

        partitioned = partition_by != "none"
        destination = firehose.S3Bucket(
            self.bucket,
            buffering_size=Size.mebibytes(buffer_size_mib),
            buffering_interval=Duration.seconds(buffer_interval_seconds),
            compression=firehose.Compression.GZIP if compression == "gzip" else None,
            data_format_conversion=conversion,
            file_extension=".parquet" if conversion else None,
            data_output_prefix=data_prefix(partition_by),
            dynamic_partitioning=firehose.DynamicPartitioningProps(enabled=True) if partitioned else None,
            processors=partitioning_processors(partition_by, conversion is not None) if partitioned else None,
            error_output_prefix=ERROR_PREFIX,
            logging_config=firehose.EnableLogging(self.log_group),
            # Immutable view: the L2's broader grants are dropped; the statements above are the whole policy.
            role=self.role.without_policy_updates(),
        )
        self.stream = firehose.DeliveryStream(
            self,
            "Stream",
            delivery_stream_name=stream_name,
            destination=destination,
            encryption=firehose.StreamEncryption.aws_owned_key(),
        )
        # Policy before stream (Firehose checks the role on create); on destroy the stream goes first, then the
        # bucket is emptied: otherwise a last delivery can land after emptying and the bucket delete fails.
        self.stream.node.add_dependency(self.role.node.find_child("DefaultPolicy"), auto_delete)
        Stack.of(self).node.try_remove_child(UNUSED_FIREHOSE_MAPPING_ID)
        self._outputs(partition_by)

    def _outputs(self, partition_by: str) -> None:
        bucket = self.bucket.bucket_name
        stream = self.stream.delivery_stream_name
        region = Aws.REGION
        add_outputs(
            self,
            {
                "BucketName": (bucket, "S3 bucket where Firehose delivers the lab's events"),
                "DeliveryStreamName": (stream, "Firehose Direct PUT stream the producer writes to"),
                "DataPrefix": (
                    f"s3://{bucket}/{DATA_ROOT}",
                    "Where delivered objects land (partitioned by date"
                    + ("" if partition_by == "none" else f", {partition_by} first")
                    + ")",
                ),
                "ListDataCommand": (
                    f"aws s3 ls s3://{bucket}/{DATA_ROOT} --recursive --human-readable --region {region}",
                    "List delivered objects (first ones appear after the buffer interval)",
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
                    self.log_group.log_group_name,
                    "CloudWatch log group where Firehose logs delivery and conversion errors",
                ),
            },
        )
