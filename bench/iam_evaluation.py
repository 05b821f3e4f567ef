"""What one IAM decision costs: the emulator's engine (rehearsal/emulator/iam/evaluation.py) and the test oracle.

    .venv/bin/python bench/iam_evaluation.py            # ~20 s
    .venv/bin/python bench/iam_evaluation.py --quick    # ~5 s

Two requests:
  lab      the producer's PutRecordBatch as its instance role's session: the role's policy as the lab writes it
           (Session Manager, its code object, the stream), no condition;
  class    a student's GetObject under a class policy: ABAC on tags (aws:ResourceTag against
           ${aws:PrincipalTag/...}), a bucket named by a policy variable, ForAllValues on aws:TagKeys, a Region
           Deny, a TLS-only bucket policy, a permissions boundary and an SCP level.
For each: decisions per second of evaluate() on the same policy documents (as a caller holding them parsed would
call it), and of @cloud-copilot/iam-simulate (npm, AGPL-3.0, a test-only oracle) inside one warm Node process and
as one process per decision (what a caller shelling out to it would pay). Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from rehearsal.emulator.iam import Policies, Principal, Request, evaluate  # noqa: E402
from support.iam_oracle import oracle_case, oracle_decisions  # noqa: E402

ACCOUNT = "111122223333"
STREAM = f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/Lab-Stream"
ASSET = "arn:aws:s3:::cdk-hnb659fds-assets-111122223333-us-east-1/0a1b2c3d.zip"
INSTANCE_ROLE = Principal(f"arn:aws:sts::{ACCOUNT}:assumed-role/Lab-ProducerRole/i-0123456789abcdef0", ACCOUNT, "AWS")
STUDENT = Principal(f"arn:aws:iam::{ACCOUNT}:user/ana", ACCOUNT, "AWS")


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


LAB = (
    Request(
        "firehose:PutRecordBatch",
        STREAM,
        INSTANCE_ROLE,
        {"aws:SecureTransport": "true", "aws:RequestedRegion": "us-east-1", "aws:PrincipalAccount": ACCOUNT},
    ),
    Policies(
        identity=[
            policy(
                {
                    "Effect": "Allow",
                    "Action": [
                        "ssm:UpdateInstanceInformation",
                        "ssmmessages:CreateControlChannel",
                        "ssmmessages:CreateDataChannel",
                        "ssmmessages:OpenControlChannel",
                        "ssmmessages:OpenDataChannel",
                    ],
                    "Resource": "*",
                },
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ASSET},
                {"Effect": "Allow", "Action": "firehose:PutRecordBatch", "Resource": STREAM},
            )
        ]
    ),
)

_TAGGED = {"StringEquals": {"aws:ResourceTag/student": "${aws:PrincipalTag/student}"}}
CLASS = (
    Request(
        "s3:GetObject",
        "arn:aws:s3:::lab-ana/events/2024/05/01/part-1.json",
        STUDENT,
        {
            "aws:username": "ana",
            "aws:PrincipalTag/student": "ana",
            "aws:PrincipalTag/class": "bootcamp-5",
            "aws:SecureTransport": "true",
            "aws:RequestedRegion": "us-east-1",
            "aws:CurrentTime": "2024-05-01T10:00:00Z",
            "aws:PrincipalAccount": ACCOUNT,
            "aws:PrincipalArn": STUDENT.arn,
        },
    ),
    Policies(
        identity=[
            policy(
                {"Sid": "OwnStreams", "Effect": "Allow", "Action": "firehose:*", "Resource": "*", "Condition": _TAGGED},
                {"Sid": "OwnInstances", "Effect": "Allow", "Action": "ec2:*", "Resource": "*", "Condition": _TAGGED},
                {
                    "Sid": "OwnBucket",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                    "Resource": ["arn:aws:s3:::lab-${aws:PrincipalTag/student}", "arn:aws:s3:::lab-${aws:username}/*"],
                },
                {
                    "Sid": "TagOnlyOwn",
                    "Effect": "Deny",
                    "Action": ["firehose:TagDeliveryStream", "ec2:CreateTags"],
                    "Resource": "*",
                    "Condition": {
                        "ForAllValues:StringNotEquals": {"aws:TagKeys": ["student", "class"]},
                        "Null": {"aws:TagKeys": "false"},
                    },
                },
                {
                    "Sid": "Region",
                    "Effect": "Deny",
                    "NotAction": ["iam:*", "sts:*"],
                    "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
                },
                {
                    "Sid": "ClassHours",
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2024-12-31T23:59:59Z"}},
                },
            )
        ],
        resource=[
            policy(
                {
                    "Sid": "TLSOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::lab-ana", "arn:aws:s3:::lab-ana/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            )
        ],
        boundary=policy({"Effect": "Allow", "Action": ["s3:*", "firehose:*", "ec2:*", "athena:*"], "Resource": "*"}),
        scps=[[policy({"Effect": "Allow", "Action": "*", "Resource": "*"})]],
    ),
)


def engine_rate(request: Request, policies: Policies, seconds: float) -> float:
    assert evaluate(request, policies).allowed
    decisions, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(100):
            evaluate(request, policies)
        decisions += 100
    return decisions / (time.perf_counter() - started)


def oracle_rates(request: Request, policies: Policies, repeat: int, processes: int) -> tuple[float, float]:
    case = oracle_case(request, policies)
    [warm] = oracle_decisions([case], repeat=repeat)
    assert warm["result"] == "Allowed", warm
    started = time.perf_counter()
    for _ in range(processes):
        oracle_decisions([case])
    per_process = (time.perf_counter() - started) / processes
    return 1000 / warm["ms"], 1 / per_process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    quick = parser.parse_args().quick
    seconds, repeat, processes = (0.5, 500, 3) if quick else (3.0, 3000, 10)
    print(f"{'request':8} {'engine':>14} {'oracle (warm)':>16} {'oracle (process)':>18}")
    for name, (request, policies) in (("lab", LAB), ("class", CLASS)):
        mine = engine_rate(request, policies, seconds)
        warm, cold = oracle_rates(request, policies, repeat, processes)
        print(f"{name:8} {mine:>10,.0f} d/s {warm:>12,.0f} d/s {cold:>14,.1f} d/s")
    print("d/s: decisions per second on this machine (one core); per decision: 1/rate")


if __name__ == "__main__":
    main()
