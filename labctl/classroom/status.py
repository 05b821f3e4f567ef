"""`make class-status`: during class, one row per student: their stack, instance, whether the producer sends, what
landed and how fresh, what failed to convert or deliver, how many queries they ran, time left and cost so far.

Each row is `make status` (labctl/status.py) plus the bucket's data and error prefixes (ListObjectsV2), the
workgroup's query history (ListQueryExecutions) and the cost table of `make cost` (labctl/cost.py) over the time the
lab has stood. It makes no Firehose control-plane call (DescribeDeliveryStream shares the account's 5 per second
with deploys). On a terminal it is redrawn in place until Ctrl-C (rich), otherwise printed once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError

from lab_stack.config import LabConfig
from lab_stack.names import DATA_ROOT, ERROR_ROOT
from labctl.classroom.stacks import find_class, outputs
from labctl.cost import Estimate, estimate, money
from labctl.i18n import N_, _, number
from labctl.status import lab_status

COLUMNS = (
    N_("student"),
    N_("stack"),
    N_("instance"),
    N_("producer"),
    N_("objects"),
    N_("newest"),
    N_("errors"),
    N_("queries"),
    N_("time left"),
    N_("cost"),
)


@dataclass
class Row:
    student: str
    stack: str
    instance: str = "-"
    producer: str = "-"
    objects: int | None = None
    newest_age: timedelta | None = None
    errors: int | None = None
    queries: int | None = None
    time_left: timedelta | None = None
    cost: float | None = None

    def cells(self) -> list[str]:
        return [
            self.student,
            self.stack,
            self.instance,
            self.producer,
            "-" if self.objects is None else number(self.objects, ","),
            _age(self.newest_age),
            "-" if self.errors is None else number(self.errors, ","),
            "-" if self.queries is None else number(self.queries, ","),
            _age(self.time_left),
            "-" if self.cost is None else money(self.cost, 2),
        ]


def _age(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"  # the same in Spanish


def count_objects(s3, bucket: str, prefix: str) -> tuple[int, datetime | None]:
    count, newest = 0, None
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            count += 1
            newest = max(newest or item["LastModified"], item["LastModified"])
    return count, newest


def cost_so_far(estimate: Estimate, stood: timedelta) -> float:
    """What the lab has cost since it was made: producing first, then stopped (make cost's two rates)."""
    hours = stood.total_seconds() / 3600
    producing = min(hours, estimate.producing_hours)
    return producing * estimate.producing_total + (hours - producing) * estimate.after_total / 24


def student_row(
    client: Callable[[str], object], region: str, student: str, stack: dict, estimate: Estimate, now: datetime
) -> Row:
    found = outputs(stack)
    status = lab_status(
        cloudformation=client("cloudformation"),
        ec2=client("ec2"),
        cloudwatch=client("cloudwatch"),
        scheduler=client("scheduler"),
        stack_name=stack["StackName"],
        region=region,
    )
    row = Row(student, status.stack_status or _("gone"))
    row.instance = status.instance_state or _("gone")
    row.producer = (
        _("sending ({records} records/10 min)").format(records=number(status.records_recently, ","))
        if status.records_recently
        else status.producer()
    ).split(":")[0]
    s3 = client("s3")
    bucket = found.get("BucketName")
    if bucket:
        try:
            row.objects, newest = count_objects(s3, bucket, DATA_ROOT)
            row.newest_age = now - newest if newest else None
            row.errors = count_objects(s3, bucket, ERROR_ROOT)[0]
        except ClientError:
            pass
    workgroup = found.get("AthenaWorkgroup")
    if workgroup:
        athena = client("athena")
        row.queries = sum(
            len(page["QueryExecutionIds"])
            for page in athena.get_paginator("list_query_executions").paginate(WorkGroup=workgroup)
        )
    if status.expires_at:
        row.time_left = max(status.expires_at - now, timedelta(0))
    row.cost = cost_so_far(estimate, now - stack["CreationTime"])
    return row


def class_rows(
    client: Callable[[str], object], region: str, class_name: str, config: LabConfig, now: datetime | None = None
) -> list[Row]:
    """A row per lab of the class, by student id; `config` is the labs' settings (for their cost)."""
    now = now or datetime.now(UTC)
    found = find_class(client("cloudformation"), class_name)
    per_lab = estimate(config)
    return [student_row(client, region, student, stack, per_lab, now) for student, stack in sorted(found.labs.items())]


def table_lines(rows: list[Row]) -> list[str]:
    cells = [[_(column) for column in COLUMNS]] + [row.cells() for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells]
