"""One CloudWatch page for the lab: what enters the stream, what reaches S3 and how late, and the producer host."""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kinesisfirehose as firehose
from constructs import Construct

from lab_stack.outputs import add_outputs

# Firehose publishes its stream metrics every minute; basic EC2 monitoring every five (see AwsSolutions-EC28).
STREAM_PERIOD = Duration.minutes(1)
INSTANCE_PERIOD = Duration.minutes(5)


class LabDashboard(Construct):
    """Graphs of the stream (AWS/Firehose by DeliveryStreamName) and the producer instance (AWS/EC2 by InstanceId)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        record_format: str,
        stream: firehose.IDeliveryStream,
        instance: ec2.Instance,
    ) -> None:
        super().__init__(scope, construct_id)

        def stream_metric(name: str, statistic: str, label: str) -> cloudwatch.Metric:
            return stream.metric(name, statistic=statistic, period=STREAM_PERIOD, label=label)

        def graph(title: str, left: list, right: tuple = ()) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(title=title, left=left, right=list(right), width=12, height=6)

        widgets = [
            graph(
                "Into the stream",
                [stream_metric("IncomingRecords", "Sum", "records")],
                [stream_metric("IncomingBytes", "Sum", "bytes")],
            ),
            graph(
                "Delivery to S3",
                [stream_metric("DeliveryToS3.Success", "Average", "success (1 = all deliveries succeeded)")],
                [stream_metric("DeliveryToS3.DataFreshness", "Maximum", "age of oldest record not yet in S3 (s)")],
            ),
            graph(
                "Throttled records (over the stream's quota)",
                [stream_metric("ThrottledRecords", "Sum", "throttled records")],
            ),
            graph(
                "Producer instance CPU",
                [
                    cloudwatch.Metric(
                        namespace="AWS/EC2",
                        metric_name="CPUUtilization",
                        dimensions_map={"InstanceId": instance.instance_id},
                        statistic="Average",
                        period=INSTANCE_PERIOD,
                        label="CPU %",
                    )
                ],
            ),
        ]
        if record_format == "parquet":
            widgets.append(
                graph(
                    "JSON to Parquet conversion (failures land under errors/format-conversion-failed/)",
                    [
                        stream_metric("SucceedConversion.Records", "Sum", "converted records"),
                        stream_metric("FailedConversion.Records", "Sum", "failed records"),
                    ],
                )
            )
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=name,
            default_interval=Duration.hours(3),
            widgets=[widgets[i : i + 2] for i in range(0, len(widgets), 2)],
        )
        self.url = (
            f"https://{Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region={Aws.REGION}"
            f"#dashboards/dashboard/{name}"
        )
        add_outputs(
            self,
            {
                "DashboardUrl": (self.url, "CloudWatch dashboard: records in, delivery to S3, freshness, CPU"),
            },
        )
