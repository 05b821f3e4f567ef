"""Delivery and processing errors logged to the destination's CloudWatchLoggingOptions log stream.

AWS, "Monitor Amazon Data Firehose using CloudWatch Logs": with error logging enabled, Firehose writes an event per
error to the configured log group and stream, a JSON document naming the stream, the destination, the stream version,
a message and an error code (e.g. S3.AccessDenied, Lambda.FunctionError). If the group or stream does not exist,
nothing is logged (the service cannot write there either). The emulator also logs every error through Python's
logging, so a rehearsal shows it whatever the stream's options.
"""

import json
import logging
import time
from typing import Any

from moto.logs.models import logs_backends

logger = logging.getLogger(__name__)


def log_error(
    account_id: str,
    region: str,
    destination: dict[str, Any],
    *,
    stream_arn: str,
    version_id: str,
    error_code: str,
    message: str,
) -> None:
    logger.error("Firehose %s: %s: %s", stream_arn.split("/")[-1], error_code, message)
    options = destination.get("CloudWatchLoggingOptions") or {}
    if str(options.get("Enabled", False)).lower() != "true":
        return
    event = {
        "deliveryStreamARN": stream_arn,
        "destination": destination.get("BucketARN", ""),
        "deliveryStreamVersionId": int(version_id),
        "message": message,
        "errorCode": error_code,
    }
    group = logs_backends[account_id][region].groups.get(options.get("LogGroupName", ""))
    if group is None or options.get("LogStreamName") not in group.streams:
        return
    group.put_log_events(
        options["LogStreamName"], [{"timestamp": int(time.time() * 1000), "message": json.dumps(event)}]
    )
