"""Helpers for the emulator's Firehose tests: make a bucket + stream, put records, read what landed."""

import gzip
import json
import time

from rehearsal.emulator import ACCOUNT_ID

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/firehose"


def make_stream(emu, name, *, size_mb=1, interval_s=0, **destination):
    """An ExtendedS3 stream into a new bucket `<name>-bucket`; extra keys go into the destination."""
    emu.client("s3").create_bucket(Bucket=f"{name}-bucket")
    emu.client("firehose").create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{name}-bucket",
            "BufferingHints": {"SizeInMBs": size_mb, "IntervalInSeconds": interval_s},
            **destination,
        },
    )


def put(emu, name, *payloads):
    return emu.client("firehose").put_record_batch(DeliveryStreamName=name, Records=[{"Data": p} for p in payloads])


def objects(emu, bucket, prefix=""):
    """{key: body} of every object in the bucket (bodies gunzipped when the key ends in .gz)."""
    s3 = emu.client("s3")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    found = {}
    for item in listed:
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        found[item["Key"]] = gzip.decompress(body) if item["Key"].endswith(".gz") else body
    return found


def wait_for(emu, bucket, prefix="", count=1, timeout_s=60):
    """Poll until `count` objects are under `prefix`; the deadline only bounds a hung test."""
    deadline = time.monotonic() + timeout_s
    while len(found := objects(emu, bucket, prefix)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def error_documents(body: bytes) -> list[dict]:
    return [json.loads(line) for line in body.splitlines()]


def processors(*specs):
    """ProcessingConfiguration from (type, {parameter: value}) pairs."""
    return {
        "Enabled": True,
        "Processors": [
            {"Type": kind, "Parameters": [{"ParameterName": k, "ParameterValue": v} for k, v in params.items()]}
            for kind, params in specs
        ],
    }
