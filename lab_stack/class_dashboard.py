"""One CloudWatch page for the instructor: every lab's stream of the class on the same graphs.

A class's lab names its stream like itself (`<class>-<id>`), so each graph holds one line per student of the roster;
a late student's `make class-up` deploys the class stack again, which adds their line.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from lab_stack.names import student_lab_name
from lab_stack.outputs import add_outputs
from lab_stack.roster import Roster

PERIOD = Duration.minutes(1)
# (metric, statistic, title): what the instructor watches during class.
GRAPHS = (
    ("IncomingRecords", "Sum", "Records into each lab's stream (is every producer sending?)"),
    ("DeliveryToS3.DataFreshness", "Maximum", "Age of the oldest record not yet in S3, s (is every lab delivering?)"),
    ("DeliveryToS3.Success", "Average", "Delivery to S3 success (1 = every delivery succeeded)"),
    ("ThrottledRecords", "Sum", "Throttled records (over a stream's quota)"),
)


class ClassDashboard(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, class_name: str, name: str, roster: Roster) -> None:
        super().__init__(scope, construct_id)
        graphs = [
            cloudwatch.GraphWidget(
                title=title,
                left=[
                    cloudwatch.Metric(
                        namespace="AWS/Firehose",
                        metric_name=metric,
                        dimensions_map={"DeliveryStreamName": student_lab_name(class_name, s.student_id)},
                        statistic=statistic,
                        period=PERIOD,
                        label=s.student_id,
                    )
                    for s in roster.students
                ],
                width=12,
                height=6,
            )
            for metric, statistic, title in GRAPHS
        ]
        students = "\n".join(f"- `{s.student_id}`: {s.display_name}" for s in roster.students)
        roll = cloudwatch.TextWidget(
            markdown=f"## firehose-lab class {class_name}\n\n{len(roster)} students at deploy:\n\n{students}",
            width=24,
            height=min(2 + len(roster), 24),
        )
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=name,
            default_interval=Duration.hours(3),
            widgets=[[roll], *(graphs[i : i + 2] for i in range(0, len(graphs), 2))],
        )
        add_outputs(
            self,
            {
                "ClassDashboardUrl": (
                    f"https://{Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region={Aws.REGION}"
                    f"#dashboards/dashboard/{name}",
                    "CloudWatch dashboard of every lab's stream in the class",
                ),
            },
        )
