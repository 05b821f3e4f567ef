"""What authorizing every request costs the emulator: PutRecordBatch calls per second with IAM enforced and not.

    .venv/bin/python bench/bench_iam.py              # 2,000 calls each way, ~1 min
    .venv/bin/python bench/bench_iam.py --calls 500

The producer's own loop, as the rehearsal runs it: a role session (the instance role's AssumeRole credentials)
allowed firehose:PutRecordBatch on its one stream, sending batches of 100 records of 120 B to the emulator over
HTTP. The same calls run with IAM not enforced (moto skips authorization) and enforced (the iam package's hook: the
caller, the resource ARN from the Service Authorization Reference, the request context, the engine), alternating in
rounds so load from elsewhere on the machine falls on both. It also times the hook's decision alone, in process.
Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rehearsal.emulator import ACCOUNT_ID, Emulator  # noqa: E402

STREAM = "bench-stream"
BATCH = [{"Data": b"x" * 119 + b"\n"} for _ in range(100)]
ROUNDS = 4


def setup(emu: Emulator) -> dict:
    """A stream, and a role session allowed to put to it only."""
    emu.client("s3").create_bucket(Bucket="bench-bucket")
    emu.client("firehose").create_delivery_stream(
        DeliveryStreamName=STREAM,
        ExtendedS3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/firehose",
            "BucketARN": "arn:aws:s3:::bench-bucket",
            "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 900},
        },
    )
    iam = emu.client("iam")
    trust = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    role = iam.create_role(
        RoleName="producer", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    )["Role"]
    allowed = {
        "Effect": "Allow",
        "Action": "firehose:PutRecordBatch",
        "Resource": f"arn:aws:firehose:us-east-1:{ACCOUNT_ID}:deliverystream/{STREAM}",
    }
    iam.put_role_policy(
        RoleName="producer",
        PolicyName="put",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allowed]}),
    )
    answer = emu.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="bench")["Credentials"]
    return {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }


def calls_per_second(emu: Emulator, client, calls: int, enforced: bool) -> float:
    emu.enforce_iam(enforced)
    try:
        start = time.perf_counter()
        for _ in range(calls):
            client.put_record_batch(DeliveryStreamName=STREAM, Records=BATCH)
        return calls / (time.perf_counter() - start)
    finally:
        emu.enforce_iam(False)


def decision_time(credentials: dict, repeat: int) -> float:
    """Mean seconds of the hook's decision alone (caller, resources, context, engine) for one PutRecordBatch."""
    from rehearsal.emulator.iam import authorization, principals
    from rehearsal.emulator.iam.resources import ApiCall

    caller = principals.caller(ACCOUNT_ID, "aws", credentials["aws_access_key_id"])
    call = ApiCall("firehose:PutRecordBatch", {"DeliveryStreamName": STREAM}, ACCOUNT_ID, "us-east-1")
    start = time.perf_counter()
    for _ in range(repeat):
        caller = principals.caller(ACCOUNT_ID, "aws", credentials["aws_access_key_id"])
        assert authorization.decide(caller, call) is None
    return (time.perf_counter() - start) / repeat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="PutRecordBatch calls each way (default 2000)")
    args = parser.parse_args()
    with Emulator(clock_scale=1.0) as emu:
        credentials = setup(emu)
        client = emu.client("firehose", **credentials)
        calls_per_second(emu, client, 50, enforced=True)  # warm up: imports, caches, the SAR's JSON
        per_round = max(args.calls // ROUNDS, 1)
        off, on = [], []
        for _ in range(ROUNDS):
            off.append(calls_per_second(emu, client, per_round, enforced=False))
            on.append(calls_per_second(emu, client, per_round, enforced=True))
        decision = decision_time(credentials, repeat=500)
    off_rate, on_rate = statistics.median(off), statistics.median(on)
    print(f"PutRecordBatch (100 records of 120 B) over HTTP, {per_round * ROUNDS} calls each way, median of {ROUNDS}:")
    print(f"  IAM not enforced  {off_rate:8.1f} calls/s  ({1000 / off_rate:6.2f} ms/call)")
    print(f"  IAM enforced      {on_rate:8.1f} calls/s  ({1000 / on_rate:6.2f} ms/call)")
    added = 1000 / on_rate - 1000 / off_rate
    print(f"  authorization adds {added:+.2f} ms per call ({on_rate / off_rate - 1:+.0%} calls/s)")
    print(f"  the decision alone, in process: {decision * 1000:.3f} ms (caller, resource ARN, context, engine)")


if __name__ == "__main__":
    main()
