"""A class's isolation, as AWS decides it: each student may do every action of the guide on their own lab and none on
another student's (lab_stack/student_access.py says by which condition keys).

`matrix()` makes each call with a student's own credentials against their own lab and against the next student's,
and classifies the answer: allowed (it succeeded, or failed for a reason AWS gives only once it has authorized the
call: DryRunOperation, a Session Manager target with no agent), refused (AccessDenied and its kin) or neither (an
error that proves nothing either way, named). A cell holds when own is allowed and other refused.

`probe()` first asks whether the emulator evaluates what the class policy relies on, each with a policy of its own
whose AWS decision is known: a tag condition against a principal tag (StringEquals aws:ResourceTag/student =
${aws:PrincipalTag/student}), a policy variable in a Resource, a permissions boundary, and aws:CurrentTime. moto 5.2.5
evaluates none of them (a conditioned Allow is an unconditional one; `${...}` in a resource never matches); what the
emulator does not evaluate is named, and the class rehearsal fails rather than pass a matrix it could not decide.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from lab_stack.names import database_name, student_lab_name
from producer.schema import event_line

# Answers that say the call was authorized, and those that say it was not.
AUTHORIZED_ERRORS = ("DryRunOperation", "TargetNotConnected")
REFUSALS = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden")
ALLOWED, REFUSED = "allowed", "refused"


@dataclass(frozen=True)
class Target:
    """A student's lab as the guide's actions name it."""

    student: str
    stack: str
    stream: str
    bucket: str
    data_key: str
    workgroup: str
    database: str
    instance: str
    dashboard: str
    schedule_group: str
    schedule: str

    @classmethod
    def of(cls, class_name: str, student: str, lab_outputs: dict, data_key: str) -> Target:
        lab = student_lab_name(class_name, student)
        group, schedule = lab_outputs["ExpirySchedule"].split("/", 1)
        return cls(
            student=student,
            stack=lab,
            stream=lab_outputs["DeliveryStreamName"],
            bucket=lab_outputs["BucketName"],
            data_key=data_key,
            workgroup=lab_outputs["AthenaWorkgroup"],
            database=database_name(lab),
            instance=lab_outputs["InstanceId"],
            dashboard=lab,
            schedule_group=group,
            schedule=schedule,
        )


Client = Callable[[str], Any]
# The guide's actions (docs/guide-en.md, and the handout's commands), each one call on a target lab.
GUIDE_ACTIONS: dict[str, Callable[[Client, Target], Any]] = {
    "cloudformation:DescribeStacks": lambda c, t: c("cloudformation").describe_stacks(StackName=t.stack),
    "cloudformation:ListStackResources": lambda c, t: c("cloudformation").list_stack_resources(StackName=t.stack),
    "firehose:DescribeDeliveryStream": lambda c, t: c("firehose").describe_delivery_stream(DeliveryStreamName=t.stream),
    "firehose:PutRecord": lambda c, t: c("firehose").put_record(
        DeliveryStreamName=t.stream, Record={"Data": _event("put-record")}
    ),
    "firehose:PutRecordBatch": lambda c, t: c("firehose").put_record_batch(
        DeliveryStreamName=t.stream, Records=[{"Data": _event("put-record-batch")}]
    ),
    "s3:ListBucket": lambda c, t: c("s3").list_objects_v2(Bucket=t.bucket, Prefix="data/"),
    "s3:GetObject": lambda c, t: c("s3").get_object(Bucket=t.bucket, Key=t.data_key),
    "s3:PutObject (query results)": lambda c, t: c("s3").put_object(
        Bucket=t.bucket, Key="athena-results/isolation-matrix.txt", Body=b"matrix"
    ),
    "athena:ListNamedQueries": lambda c, t: c("athena").list_named_queries(WorkGroup=t.workgroup),
    "athena:StartQueryExecution": lambda c, t: c("athena").start_query_execution(
        QueryString="SELECT 1", WorkGroup=t.workgroup, QueryExecutionContext={"Database": t.database}
    ),
    "glue:GetTable": lambda c, t: c("glue").get_table(DatabaseName=t.database, Name="events"),
    "ec2:StopInstances": lambda c, t: c("ec2").stop_instances(InstanceIds=[t.instance], DryRun=True),
    "ec2:StartInstances": lambda c, t: c("ec2").start_instances(InstanceIds=[t.instance], DryRun=True),
    "ssm:StartSession": lambda c, t: c("ssm").start_session(Target=t.instance),
    "cloudwatch:GetDashboard": lambda c, t: c("cloudwatch").get_dashboard(DashboardName=t.dashboard),
    "scheduler:GetSchedule": lambda c, t: c("scheduler").get_schedule(GroupName=t.schedule_group, Name=t.schedule),
}


def _event(marker: str) -> bytes:
    return event_line(
        event_time="2026-01-01T00:00:00.000Z",
        event_id=f"isolation-{marker}",
        producer_id="isolation-matrix",
        seq=0,
        ticker="AAPL",
        exchange="NYSE",
        side="buy",
        price=1.0,
        quantity=1,
    )


def outcome(call: Callable[[], Any]) -> str:
    """ALLOWED, REFUSED, or the error that decides neither (named)."""
    try:
        call()
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code in AUTHORIZED_ERRORS:
            return ALLOWED
        if code in REFUSALS or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403:
            return REFUSED
        return f"error {code}: {error.response['Error'].get('Message', '')[:120]}"
    except Exception as error:  # the emulator answered something no AWS client expects: not a decision
        return f"error {type(error).__name__}: {str(error)[:120]}"
    return ALLOWED


@dataclass(frozen=True)
class Cell:
    actor: str
    action: str
    own: str
    other: str  # the next student's lab
    other_student: str

    @property
    def holds(self) -> bool:
        return self.own == ALLOWED and self.other == REFUSED


def matrix(client: Callable[..., Any], credentials: dict[str, dict], targets: dict[str, Target]) -> list[Cell]:
    """Every student x every guide action x (their own lab, the next student's)."""
    students = sorted(targets)
    cells = []
    for index, actor in enumerate(students):
        other = students[(index + 1) % len(students)]

        def as_actor(service: str, actor: str = actor) -> Any:
            return client(service, **credentials[actor])

        for action, call in GUIDE_ACTIONS.items():
            own = outcome(lambda: call(as_actor, targets[actor]))
            theirs = outcome(lambda: call(as_actor, targets[other])) if other != actor else REFUSED
            cells.append(Cell(actor, action, own, theirs, other))
    return cells


def summary(cells: list[Cell]) -> list[str]:
    cross_allowed = [c for c in cells if c.other == ALLOWED]
    own_refused = [c for c in cells if c.own == REFUSED]
    undecided = [c for c in cells if ALLOWED != c.own != REFUSED or ALLOWED != c.other != REFUSED]
    lines = [
        f"matrix: {len(cells)} cells ({len({c.actor for c in cells})} students x {len(GUIDE_ACTIONS)} actions x own/"
        f"other): {sum(c.holds for c in cells)} hold, {len(cross_allowed)} cross-student actions allowed, "
        f"{len(own_refused)} own actions refused, {len(undecided)} undecided"
    ]
    for action in GUIDE_ACTIONS:
        row = [c for c in cells if c.action == action]
        own = {c.own for c in row}
        other = {c.other for c in row}
        lines.append(f"  {action:<34} own: {', '.join(sorted(own))}; another's: {', '.join(sorted(other))}")
    return lines


def problems(probes: list[Probe], cells: list[Cell]) -> list[str]:
    """Why the isolation is not proven: first what the emulator does not evaluate (then no cell is a decision AWS
    would make), else each cell that does not hold."""
    unevaluated = [f"{p.feature} ({p.seen})" for p in probes if not p.evaluated]
    if unevaluated:
        return [f"the emulator does not evaluate what the class policy relies on: {'; '.join(unevaluated)}"]
    found = [f"{c.actor} was allowed {c.action} on {c.other_student}'s lab" for c in cells if c.other == ALLOWED]
    found += [f"{c.actor} was refused {c.action} on their own lab" for c in cells if c.own == REFUSED]
    found += [
        f"{c.actor}'s {c.action} was not decided ({c.own if c.own not in (ALLOWED, REFUSED) else c.other})"
        for c in cells
        if c.own not in (ALLOWED, REFUSED) or c.other not in (ALLOWED, REFUSED)
    ]
    return found


# --- what the emulator evaluates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    feature: str
    evaluated: bool
    seen: str

    def __str__(self) -> str:
        return f"{self.feature}: {'evaluated' if self.evaluated else 'NOT evaluated'} ({self.seen})"


PROBE_USER = "isolation-probe"


def probe(client: Callable[..., Any], labs: dict[str, dict], admin: dict, boundary_arn: str) -> list[Probe]:
    """One user per feature, with a policy whose AWS decision is known, asked once IAM is enforced; `boundary_arn` is
    the class's own boundary (it allows the guide's actions only)."""
    iam = client("iam", **admin)
    some_lab = labs[sorted(labs)[0]]
    stream = some_lab["DeliveryStreamName"]
    found = []

    def user(name: str, policy: dict, boundary: str | None = None) -> dict:
        iam.create_user(UserName=name, Tags=[{"Key": "student", "Value": "probe"}])
        iam.put_user_policy(UserName=name, PolicyName="probe", PolicyDocument=json.dumps(policy))
        if boundary is not None:
            iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}

    def allow(action: str, resource: str, condition: dict | None = None) -> dict:
        statement = {"Effect": "Allow", "Action": action, "Resource": resource}
        return {
            "Version": "2012-10-17",
            "Statement": [{**statement, **({"Condition": condition} if condition else {})}],
        }

    def tag_condition() -> Probe:
        """a tag condition against a principal tag"""
        creds = user(
            f"{PROBE_USER}-tags",
            allow(
                "firehose:DescribeDeliveryStream",
                "*",
                {"StringEquals": {"aws:ResourceTag/student": "${aws:PrincipalTag/student}"}},
            ),
        )
        seen = outcome(lambda: client("firehose", **creds).describe_delivery_stream(DeliveryStreamName=stream))
        return Probe(
            "a tag condition against a principal tag (aws:ResourceTag/student = ${aws:PrincipalTag/student})",
            seen == REFUSED,
            f"a user tagged student=probe describing a stream tagged student={sorted(labs)[0]}: {seen}",
        )

    def variable_in_resource() -> Probe:
        """a policy variable in a Resource"""
        bucket = some_lab["BucketName"]
        creds = user(f"{PROBE_USER}-variable", allow("s3:ListBucket", "arn:aws:s3:::${aws:username}"))
        named = f"{PROBE_USER}-variable"
        client("s3", **admin).create_bucket(Bucket=named)
        own = outcome(lambda: client("s3", **creds).list_objects_v2(Bucket=named))
        other = outcome(lambda: client("s3", **creds).list_objects_v2(Bucket=bucket))
        client("s3", **admin).delete_bucket(Bucket=named)
        return Probe(
            "a policy variable in a Resource (arn:aws:s3:::${aws:username})",
            own == ALLOWED and other == REFUSED,
            f"its own bucket: {own}; another: {other}",
        )

    def boundary() -> Probe:
        """a permissions boundary"""
        creds = user(f"{PROBE_USER}-boundary", allow("iam:ListRoles", "*"), boundary=boundary_arn)
        seen = outcome(lambda: client("iam", **creds).list_roles())
        return Probe(
            "a permissions boundary (the class's: an action the policy allows and the boundary does not)",
            seen == REFUSED,
            f"ListRoles: {seen}",
        )

    def current_time() -> Probe:
        """aws:CurrentTime"""
        creds = user(
            f"{PROBE_USER}-time",
            allow("firehose:ListDeliveryStreams", "*", {"DateLessThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}}),
        )
        seen = outcome(lambda: client("firehose", **creds).list_delivery_streams())
        return Probe("aws:CurrentTime (an Allow that ended in 2001)", seen == REFUSED, f"ListDeliveryStreams: {seen}")

    for run in (tag_condition, variable_in_resource, boundary, current_time):
        try:
            found.append(run())
        except (ClientError, BotoCoreError, ResponseParserError) as error:  # the emulator cannot hold the probe
            found.append(Probe(run.__doc__, False, f"could not be set up: {str(error).splitlines()[0][:160]}"))
    for name in [u["UserName"] for u in iam.list_users()["Users"] if u["UserName"].startswith(PROBE_USER)]:
        _delete_probe_user(iam, name)
    return found


def _delete_probe_user(iam: Any, name: str) -> None:
    """What a probe made, whatever part of it the emulator took."""
    for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName=name, PolicyName="probe")
    if iam.get_user(UserName=name)["User"].get("PermissionsBoundary"):
        iam.delete_user_permissions_boundary(UserName=name)
    iam.delete_user(UserName=name)
