"""Firehose's CloudWatch metrics for Direct PUT (moto 5.2.5 publishes none).

The service publishes, per delivery stream (dimension DeliveryStreamName, namespace AWS/Firehose), IncomingRecords,
IncomingBytes and IncomingPutRequests for the records it accepted (Firehose developer guide, "Monitor Amazon Data
Firehose with CloudWatch metrics", data ingestion metrics). `labctl status` reads IncomingRecords to tell whether a
producer is sending; without this the rehearsal's status would always say it is not. Only accepted calls count,
as on AWS; the other Firehose metrics (delivery, throttling, freshness) are not published here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.firehose.models import FirehoseBackend

NAMESPACE = "AWS/Firehose"

# Captured when installed, not imported: buffering.py wraps the same method, and both must stay in the chain.
_original_put_record_batch: Callable[..., Any] = FirehoseBackend.put_record_batch


def _put_record_batch(self: FirehoseBackend, delivery_stream_name: str, records: list[dict[str, bytes]]) -> Any:
    result = _original_put_record_batch(self, delivery_stream_name, records)
    dimensions = [{"Name": "DeliveryStreamName", "Value": delivery_stream_name}]
    cloudwatch_backends[self.account_id][self.region_name].put_metric_data(
        NAMESPACE,
        [
            {"MetricName": "IncomingRecords", "Value": float(len(records)), "Unit": "Count", "Dimensions": dimensions},
            {
                "MetricName": "IncomingBytes",
                "Value": float(sum(len(r["Data"]) for r in records)),
                "Unit": "Bytes",
                "Dimensions": dimensions,
            },
            {"MetricName": "IncomingPutRequests", "Value": 1.0, "Unit": "Count", "Dimensions": dimensions},
        ],
    )
    return result


def install() -> None:
    """Publish the ingestion metrics of every accepted PutRecord/PutRecordBatch (idempotent)."""
    global _original_put_record_batch
    if FirehoseBackend.put_record_batch is not _put_record_batch:
        _original_put_record_batch = FirehoseBackend.put_record_batch
        FirehoseBackend.put_record_batch = _put_record_batch
