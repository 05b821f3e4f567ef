"""The emulated Firehose publishes its ingestion metrics, as `labctl status` reads them on AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rehearsal.emulator import ACCOUNT_ID, Emulator


def test_accepted_records_are_counted_per_stream():
    with Emulator() as emu:
        emu.client("s3").create_bucket(Bucket="metrics-bucket")
        firehose = emu.client("firehose")
        for name in ("counted", "quiet"):
            firehose.create_delivery_stream(
                DeliveryStreamName=name,
                ExtendedS3DestinationConfiguration={
                    "RoleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/firehose",
                    "BucketARN": "arn:aws:s3:::metrics-bucket",
                },
            )
        firehose.put_record_batch(DeliveryStreamName="counted", Records=[{"Data": b"a\n"}, {"Data": b"bcd\n"}])
        firehose.put_record(DeliveryStreamName="counted", Record={"Data": b"e\n"})

        def total(metric, stream):
            now = datetime.now(UTC)
            points = emu.client("cloudwatch").get_metric_statistics(
                Namespace="AWS/Firehose",
                MetricName=metric,
                Statistics=["Sum"],
                Period=60,
                Dimensions=[{"Name": "DeliveryStreamName", "Value": stream}],
                StartTime=now - timedelta(minutes=5),
                EndTime=now + timedelta(minutes=1),
            )["Datapoints"]
            return sum(p["Sum"] for p in points)

        assert total("IncomingRecords", "counted") == 3
        assert total("IncomingBytes", "counted") == 2 + 4 + 2
        assert total("IncomingPutRequests", "counted") == 2
        assert total("IncomingRecords", "quiet") == 0
