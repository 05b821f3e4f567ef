"""With IAM enforced, the emulator decides as AWS documents: each row is a decision taken from AWS's documentation
(the page is named in the row), made through real API calls (boto3 against the emulator) by an IAM user or role
session set up as the page describes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from typing import Any

import pytest

from rehearsal.emulator import ACCOUNT_ID, Emulator
from support.emulator.iam import (
    ALLOWED,
    DENIED,
    INVALID_KEY,
    UNEVALUATED,
    Credentials,
    account_trust,
    allow,
    deny,
    managed_policy,
    outcome,
    policy,
    role,
    session,
    user,
)

IAM_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
S3_HOME = IAM_GUIDE + "reference_policies_examples_s3_home-directory-console.html"
VARIABLES = IAM_GUIDE + "reference_policies_variables.html"
ABAC_TUTORIAL = IAM_GUIDE + "tutorial_attribute-based-access-control.html"
EC2_OWNER = IAM_GUIDE + "reference_policies_examples_ec2_tag-owner.html"
EC2_MATCH_TAGS = IAM_GUIDE + "reference_policies_examples_ec2-start-stop-match-tags.html"
EC2_INSTANCES = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-instances"
EC2_RESOURCES = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html"
ATHENA_WORKGROUPS = "https://docs.aws.amazon.com/athena/latest/ug/example-policies-workgroup.html"
ATHENA_TAGS = "https://docs.aws.amazon.com/athena/latest/ug/tags-access-control.html"
SSM_TAGS = "https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-restrict-access-examples.html"
SSM_DEFAULT_DOCUMENT = (
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-default-session-document.html"
)
BOUNDARIES = IAM_GUIDE + "access_policies_boundaries.html"
SESSION_POLICIES = IAM_GUIDE + "access_policies.html#policies_session"
SESSION_TAGS = IAM_GUIDE + "id_session-tags.html"
EXTERNAL_ID = IAM_GUIDE + "id_roles_common-scenarios_third-party.html"
TRUST = IAM_GUIDE + "id_roles_manage-assume.html"
ACCESS_KEYS = IAM_GUIDE + "id_credentials_access-keys.html"
BUCKET_POLICIES = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html"
S3_PREFIX = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html"
EVALUATION = IAM_GUIDE + "reference_policies_evaluation-logic.html"
NOT_RESOURCE = IAM_GUIDE + "reference_policies_elements_notresource.html"
NOT_ACTION = IAM_GUIDE + "reference_policies_elements_notaction.html"
DATES = IAM_GUIDE + "reference_policies_examples_aws-dates.html"
REGION = IAM_GUIDE + "reference_policies_examples_aws_deny-requested-region.html"
OPERATORS = IAM_GUIDE + "reference_policies_elements_condition_operators.html"
GLOBAL_KEYS = IAM_GUIDE + "reference_policies_condition-keys.html"
FORCE_MFA = IAM_GUIDE + "reference_policies_examples_aws_my-sec-creds-self-manage.html"
GLUE_ARNS = "https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html"
SCHEDULER_POLICIES = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/security_iam_id-based-policy-examples.html"
LOGS_ARNS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html"
CFN_ACCESS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/control-access-with-iam.html"
FIREHOSE_ACCESS = "https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html"
PASS_ROLE = IAM_GUIDE + "id_roles_use_passrole.html"
S3_KEYS = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"
KEY_POLICIES = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"

HOME_BUCKET = "amzn-s3-demo-bucket"
STREAM_BUCKET = "stream-destination"
RESULTS = "athena-results"


@dataclass
class World:
    """The emulator and the resources every row may act on, made with the test credentials."""

    emu: Emulator
    image: str
    names: Any = None
    made: dict = field(default_factory=dict)  # principal name -> the resource made for its row

    def client(self, service: str, creds: Credentials | None = None) -> Any:
        return self.emu.client(service, **(creds or {}))

    @property
    def iam(self) -> Any:
        return self.client("iam")

    def instance(self, **tags: str) -> str:
        reservation = self.client("ec2").run_instances(
            ImageId=self.image,
            MinCount=1,
            MaxCount=1,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
            if tags
            else [],
        )
        return reservation["Instances"][0]["InstanceId"]

    def stream(self, name: str, **tags: str) -> str:
        self.client("firehose").create_delivery_stream(
            DeliveryStreamName=name,
            S3DestinationConfiguration={
                "RoleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/firehose",
                "BucketARN": f"arn:aws:s3:::{STREAM_BUCKET}",
            },
            **({"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else {}),
        )
        return name

    def bucket(self, name: str, *keys: str) -> str:
        s3 = self.client("s3")
        s3.create_bucket(Bucket=name)
        for key in keys:
            s3.put_object(Bucket=name, Key=key, Body=b"x")
        return name


@pytest.fixture(scope="module")
def world():
    with Emulator() as emu:
        ec2 = emu.client("ec2")
        image = ec2.describe_images()["Images"][0]["ImageId"]
        built = World(emu, image)
        built.bucket(HOME_BUCKET, "home/other/file.txt", "company-wide/file.txt", "projects")
        built.bucket(STREAM_BUCKET)
        built.bucket(RESULTS)
        for student in ("s1", "s2"):
            built.bucket(f"lab-{student}-data", "data/x.json")
            emu.client("athena").create_work_group(
                Name=f"wg-{student}",
                Configuration={"ResultConfiguration": {"OutputLocation": f"s3://{RESULTS}/{student}/"}},
                Tags=[{"Key": "student", "Value": student}],
            )
            glue = emu.client("glue")
            glue.create_database(DatabaseInput={"Name": f"lab_{student}"})
            glue.create_table(
                DatabaseName=f"lab_{student}",
                TableInput={"Name": "events", "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "string"}]}},
            )
            scheduler = emu.client("scheduler")
            scheduler.create_schedule_group(Name=f"lab-{student}", Tags=[{"Key": "student", "Value": student}])
            scheduler.create_schedule(
                Name="expiry",
                GroupName=f"lab-{student}",
                ScheduleExpression="at(2099-01-01T00:00:00)",
                FlexibleTimeWindow={"Mode": "OFF"},
                Target={
                    "Arn": "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack",
                    "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/expiry",
                    "Input": json.dumps({"StackName": f"Lab{student.upper()}"}),
                },
            )
            template = {
                "Resources": {
                    "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": f"/lab/{student}"}}
                }
            }
            emu.client("cloudformation").create_stack(
                StackName=f"Lab{student.upper()}", TemplateBody=json.dumps(template)
            )
        built.names = count()
        yield built


@dataclass(frozen=True)
class Case:
    page: str  # the AWS documentation the decision is taken from
    what: str
    who: Callable[[World, str], Credentials]  # the principal, made with the test credentials; name is unique
    call: Callable[[World, Credentials, str], Any]  # the request, made with the principal's credentials
    expected: str  # ALLOWED, DENIED, INVALID_KEY or UNEVALUATED


def as_user(*statements: dict, **kwargs: Any) -> Callable[[World, str], Credentials]:
    return lambda w, name: user(w.iam, name, *statements, **kwargs)


def as_session(*statements: dict, role_tags: dict | None = None, boundary: list | None = None, **assume: Any):
    def make(w: World, name: str) -> Credentials:
        arn = role(w.iam, name, *statements, tags=role_tags, boundary=boundary)
        return session(w.client("sts"), arn, **assume)

    return make


def with_setup(setup: Callable[[World, str], None], who: Callable[[World, str], Credentials]):
    """A principal whose resources are made for it first (a home directory, a tagged instance)."""

    def make(w: World, name: str) -> Credentials:
        setup(w, name)
        return who(w, name)

    return make


def s3(w: World, creds: Credentials) -> Any:
    return w.client("s3", creds)


def home(w: World, name: str) -> None:
    w.client("s3").put_object(Bucket=HOME_BUCKET, Key=f"home/{name}/file.txt", Body=b"x")


HOME_STATEMENTS = (
    allow(
        "s3:ListBucket",
        f"arn:aws:s3:::{HOME_BUCKET}",
        Condition={"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}},
    ),
    allow(
        "s3:*",
        [f"arn:aws:s3:::{HOME_BUCKET}/home/${{aws:username}}", f"arn:aws:s3:::{HOME_BUCKET}/home/${{aws:username}}/*"],
    ),
)
ABAC_PUT = allow(
    "firehose:PutRecord",
    "*",
    Condition={"StringEquals": {"aws:ResourceTag/access-project": "${aws:PrincipalTag/access-project}"}},
)
ABAC_TAG = allow(
    "firehose:TagDeliveryStream",
    "*",
    Condition={
        "StringEquals": {"aws:RequestTag/access-project": "${aws:PrincipalTag/access-project}"},
        "ForAllValues:StringEquals": {"aws:TagKeys": ["access-project", "cost-center"]},
    },
)


def put_record(stream: str) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: w.client("firehose", c).put_record(DeliveryStreamName=stream, Record={"Data": b"x\n"})


def tag_stream(**tags: str) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: w.client("firehose", c).tag_delivery_stream(
        DeliveryStreamName="abac-peg", Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )


OWNER_STATEMENTS = (
    allow(
        ["ec2:StartInstances", "ec2:StopInstances"],
        "arn:aws:ec2:*:*:instance/*",
        Condition={"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}},
    ),
    allow("ec2:DescribeInstances", "*"),
)


def tagged_instance(**tags: str) -> Callable[[World, str], None]:
    """An instance for the row, tagged so ({name} in a value: the principal's name)."""

    def setup(w: World, name: str) -> None:
        w.made[name] = w.instance(**{k: v.format(name=name) for k, v in tags.items()})

    return setup


def stop_made(w: World, creds: Credentials, name: str) -> Any:
    return w.client("ec2", creds).stop_instances(InstanceIds=[w.made[name]])


def start_session_made(w: World, creds: Credentials, name: str) -> Any:
    return w.client("ssm", creds).start_session(Target=w.made[name])


def instance_arn_policy(w: World, name: str) -> Credentials:
    """Stop one instance, named by its ARN (the EC2 user guide's resource-level example); another is made too."""
    own = w.instance(Name=name)
    w.made[name] = w.instance(Name=f"{name}-other")
    arn = f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/{own}"
    w.made[f"{name}-own"] = own
    return user(w.iam, name, allow("ec2:StopInstances", arn), allow("ec2:DescribeInstances", arn))


def stop_own(w: World, creds: Credentials, name: str) -> Any:
    return w.client("ec2", creds).stop_instances(InstanceIds=[w.made[f"{name}-own"]])


def start_query(workgroup: str | None) -> Callable[[World, Credentials, str], Any]:
    args = {"WorkGroup": workgroup} if workgroup else {"ResultConfiguration": {"OutputLocation": f"s3://{RESULTS}/"}}
    return lambda w, c, n: w.client("athena", c).start_query_execution(QueryString="SELECT 1", **args)


def workgroup_arn(name: str) -> str:
    return f"arn:aws:athena:us-east-1:{ACCOUNT_ID}:workgroup/{name}"


SESSION_DOCUMENT = allow("ssm:StartSession", "arn:aws:ssm:*:*:document/SSM-SessionManagerRunShell")


def get_object(bucket: str, key: str) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: s3(w, c).get_object(Bucket=bucket.format(name=n), Key=key.format(name=n))


def put_object(bucket: str, key: str) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: s3(w, c).put_object(Bucket=bucket.format(name=n), Key=key.format(name=n), Body=b"y")


def list_objects(bucket: str, **args: str) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: s3(w, c).list_objects_v2(
        Bucket=bucket.format(name=n), **{k: v.format(name=n) for k, v in args.items()}
    )


def assume(role_name_suffix: str = "-target", **args: Any) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: w.client("sts", c).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{n}{role_name_suffix}", RoleSessionName="assumed", **args
    )


def target_role(trust: Callable[[str], str], *statements: dict, **user_kwargs: Any):
    """A user, and a role `<user>-target` whose trust policy `trust(user ARN)` gives."""

    def make(w: World, name: str) -> Credentials:
        creds = user(w.iam, name, *statements, **user_kwargs)
        role(w.iam, f"{name}-target", trust=trust(f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"))
        return creds

    return make


def external_id_trust(user_arn: str) -> str:
    return policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": user_arn},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "Unique-123"}},
        }
    )


def team_trust(user_arn: str) -> str:
    return policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "devs"}},
        }
    )


def user_only_trust(user_arn: str) -> str:
    return policy({"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"})


def inactive(reactivate: bool = False) -> Callable[[World, str], Credentials]:
    def make(w: World, name: str) -> Credentials:
        creds = user(w.iam, name, allow("*", "*"))
        w.iam.update_access_key(UserName=name, AccessKeyId=creds["aws_access_key_id"], Status="Inactive")
        if reactivate:
            w.iam.update_access_key(UserName=name, AccessKeyId=creds["aws_access_key_id"], Status="Active")
        return creds

    return make


def bucket_with_policy(*statements: Callable[[str], dict]) -> Callable[[World, str], None]:
    """A bucket `<name>-bucket` with a policy whose statements are made from the user's ARN."""

    def setup(w: World, name: str) -> None:
        bucket = w.bucket(f"{name}-bucket", "k")
        user_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
        documents = [
            {**s(user_arn), "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]} for s in statements
        ]
        w.client("s3").put_bucket_policy(Bucket=bucket, Policy=policy(*documents))

    return setup


def dates(start: timedelta, end: timedelta) -> Callable[[World, str], Credentials]:
    def make(w: World, name: str) -> Credentials:
        now = w.emu.clock.now()
        window = {
            "DateGreaterThan": {"aws:CurrentTime": (now + start).strftime("%Y-%m-%dT%H:%M:%SZ")},
            "DateLessThan": {"aws:CurrentTime": (now + end).strftime("%Y-%m-%dT%H:%M:%SZ")},
        }
        return user(w.iam, name, allow("s3:ListAllMyBuckets", "*", Condition=window))

    return make


def list_buckets(w: World, creds: Credentials, name: str) -> Any:
    return s3(w, creds).list_buckets()


def glue_get_table(database: str) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: w.client("glue", c).get_table(DatabaseName=database, Name="events")


def student_glue(w: World, name: str) -> Credentials:
    own = "lab_${aws:PrincipalTag/student}"
    return user(
        w.iam,
        name,
        allow(
            ["glue:GetTable", "glue:GetDatabase"],
            [
                f"arn:aws:glue:us-east-1:{ACCOUNT_ID}:catalog",
                f"arn:aws:glue:us-east-1:{ACCOUNT_ID}:database/{own}",
                f"arn:aws:glue:us-east-1:{ACCOUNT_ID}:table/{own}/*",
            ],
        ),
        tags={"student": "s1"},
    )


def get_schedule(group: str) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: w.client("scheduler", c).get_schedule(Name="expiry", GroupName=group)


def filter_logs(group: str) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: w.client("logs", c).filter_log_events(logGroupName=group)


def describe_stack(name: str) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: w.client("cloudformation", c).describe_stacks(StackName=name)


def get_user(other: str | None) -> Callable[[World, Credentials, str], Any]:
    return lambda w, c, n: w.client("iam", c).get_user(UserName=other or n)


STUDENT = {"student": "s1"}


def passed_role(service: str | None, *statements: dict) -> Callable[[World, str], Credentials]:
    """A user allowed `statements` and, with `service`, to pass the role `<name>-passed` to that service only."""

    def make(w: World, name: str) -> Credentials:
        arn = role(w.iam, f"{name}-passed")
        passing = [allow("iam:PassRole", arn, Condition={"StringEquals": {"iam:PassedToService": service}})]
        return user(w.iam, name, *statements, *(passing if service else []))

    return make


def create_schedule(w: World, creds: Credentials, name: str) -> Any:
    return w.client("scheduler", creds).create_schedule(
        Name=name,
        ScheduleExpression="at(2099-01-01T00:00:00)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": "arn:aws:scheduler:::aws-sdk:cloudformation:deleteStack",
            "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}-passed",
            "Input": json.dumps({"StackName": "LabS1"}),
        },
    )


def create_stream(w: World, creds: Credentials, name: str) -> Any:
    return w.client("firehose", creds).create_delivery_stream(
        DeliveryStreamName=f"{name}-created",
        ExtendedS3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}-passed",
            "BucketARN": f"arn:aws:s3:::{STREAM_BUCKET}",
        },
    )


def key_with_policy(*key_statements: dict) -> Callable[[World, str], Credentials]:
    """A user allowed kms:DescribeKey on a key whose key policy has `key_statements` (the default key policy's
    root statement lets IAM policies grant access to the key; without it they cannot)."""

    def make(w: World, name: str) -> Credentials:
        key = w.client("kms").create_key(Policy=policy(*key_statements), BypassPolicyLockoutSafetyCheck=True)
        w.made[name] = key["KeyMetadata"]["Arn"]
        return user(w.iam, name, allow("kms:DescribeKey", w.made[name]))

    return make


ROOT_MAY_USE_KEY = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
ADMIN_ONLY_KEY = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:role/admin"},
    "Action": "kms:*",
    "Resource": "*",
}
CREATE_SCHEDULE = allow("scheduler:CreateSchedule")
CREATE_STREAM = allow("firehose:CreateDeliveryStream")
LOG_GROUP_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT_ID}:log-group:/lab/s1"


CASES = [
    # Home directories and policy variables in Resource and Condition.
    Case(
        S3_HOME,
        "list my own home folder",
        with_setup(home, as_user(*HOME_STATEMENTS)),
        list_objects(HOME_BUCKET, Prefix="home/{name}/"),
        ALLOWED,
    ),
    Case(
        S3_HOME,
        "list another user's home folder",
        with_setup(home, as_user(*HOME_STATEMENTS)),
        list_objects(HOME_BUCKET, Prefix="home/other/"),
        DENIED,
    ),
    Case(
        S3_HOME,
        "read my own file",
        with_setup(home, as_user(*HOME_STATEMENTS)),
        get_object(HOME_BUCKET, "home/{name}/file.txt"),
        ALLOWED,
    ),
    Case(
        S3_HOME,
        "read another user's file",
        with_setup(home, as_user(*HOME_STATEMENTS)),
        get_object(HOME_BUCKET, "home/other/file.txt"),
        DENIED,
    ),
    Case(
        S3_HOME,
        "write in my own home folder",
        as_user(*HOME_STATEMENTS),
        put_object(HOME_BUCKET, "home/{name}/new.txt"),
        ALLOWED,
    ),
    Case(S3_HOME, "write at the bucket's top", as_user(*HOME_STATEMENTS), put_object(HOME_BUCKET, "new.txt"), DENIED),
    Case(
        S3_PREFIX,
        "list with the one allowed s3:prefix",
        as_user(
            allow("s3:ListBucket", f"arn:aws:s3:::{HOME_BUCKET}", Condition={"StringEquals": {"s3:prefix": "projects"}})
        ),
        list_objects(HOME_BUCKET, Prefix="projects"),
        ALLOWED,
    ),
    Case(
        S3_PREFIX,
        "list without a prefix when s3:prefix must be 'projects'",
        as_user(
            allow("s3:ListBucket", f"arn:aws:s3:::{HOME_BUCKET}", Condition={"StringEquals": {"s3:prefix": "projects"}})
        ),
        list_objects(HOME_BUCKET),
        DENIED,
    ),
    Case(
        VARIABLES,
        "bucket-${aws:username} names my bucket",
        with_setup(
            lambda w, n: w.bucket(f"bucket-{n}"), as_user(allow("s3:ListBucket", "arn:aws:s3:::bucket-${aws:username}"))
        ),
        list_objects("bucket-{name}"),
        ALLOWED,
    ),
    Case(
        VARIABLES,
        "bucket-${aws:username} does not name another's",
        with_setup(
            lambda w, n: w.bucket(f"bucket-other-{n}"),
            as_user(allow("s3:ListBucket", "arn:aws:s3:::bucket-${aws:username}")),
        ),
        list_objects("bucket-other-{name}"),
        DENIED,
    ),
    Case(
        VARIABLES,
        "a variable's default value stands in for a missing tag",
        as_user(allow("s3:GetObject", f"arn:aws:s3:::{HOME_BUCKET}/${{aws:PrincipalTag/team, 'company-wide'}}/*")),
        get_object(HOME_BUCKET, "company-wide/file.txt"),
        ALLOWED,
    ),
    Case(
        VARIABLES,
        "'?' in a resource is one character, not a regex quantifier",
        as_user(allow("s3:GetObject", f"arn:aws:s3:::{HOME_BUCKET}/projectx?")),
        get_object(HOME_BUCKET, "projects"),
        DENIED,
    ),
    # Attribute-based access control: principal tags against resource and request tags.
    Case(
        ABAC_TUTORIAL,
        "put to a stream tagged with my project",
        with_setup(
            lambda w, n: w.stream(f"{n}-peg", **{"access-project": "peg"}),
            as_user(ABAC_PUT, tags={"access-project": "peg"}),
        ),
        lambda w, c, n: put_record(f"{n}-peg")(w, c, n),
        ALLOWED,
    ),
    Case(
        ABAC_TUTORIAL,
        "put to a stream tagged with another project",
        with_setup(
            lambda w, n: w.stream(f"{n}-hay", **{"access-project": "hay"}),
            as_user(ABAC_PUT, tags={"access-project": "peg"}),
        ),
        lambda w, c, n: put_record(f"{n}-hay")(w, c, n),
        DENIED,
    ),
    Case(
        ABAC_TUTORIAL,
        "put to an untagged stream",
        with_setup(lambda w, n: w.stream(f"{n}-none"), as_user(ABAC_PUT, tags={"access-project": "peg"})),
        lambda w, c, n: put_record(f"{n}-none")(w, c, n),
        DENIED,
    ),
    Case(
        ABAC_TUTORIAL,
        "put without a project tag of my own",
        with_setup(lambda w, n: w.stream(f"{n}-peg", **{"access-project": "peg"}), as_user(ABAC_PUT)),
        lambda w, c, n: put_record(f"{n}-peg")(w, c, n),
        DENIED,
    ),
    Case(
        ABAC_TUTORIAL,
        "tag with my own project",
        with_setup(
            lambda w, n: (
                None
                if "abac-peg" in w.client("firehose").list_delivery_streams()["DeliveryStreamNames"]
                else w.stream("abac-peg")
            ),
            as_user(ABAC_TAG, tags={"access-project": "peg"}),
        ),
        tag_stream(**{"access-project": "peg"}),
        ALLOWED,
    ),
    Case(
        ABAC_TUTORIAL,
        "tag with another project",
        with_setup(
            lambda w, n: (
                None
                if "abac-peg" in w.client("firehose").list_delivery_streams()["DeliveryStreamNames"]
                else w.stream("abac-peg")
            ),
            as_user(ABAC_TAG, tags={"access-project": "peg"}),
        ),
        tag_stream(**{"access-project": "hay"}),
        DENIED,
    ),
    Case(
        ABAC_TUTORIAL,
        "tag with a key outside aws:TagKeys",
        with_setup(
            lambda w, n: (
                None
                if "abac-peg" in w.client("firehose").list_delivery_streams()["DeliveryStreamNames"]
                else w.stream("abac-peg")
            ),
            as_user(ABAC_TAG, tags={"access-project": "peg"}),
        ),
        tag_stream(**{"access-project": "peg", "owner": "me"}),
        DENIED,
    ),
    # EC2: tags, and resource-level permissions on instance ARNs.
    Case(
        EC2_OWNER,
        "stop an instance tagged Owner=me",
        with_setup(tagged_instance(Owner="{name}"), as_user(*OWNER_STATEMENTS)),
        stop_made,
        ALLOWED,
    ),
    Case(
        EC2_OWNER,
        "stop an instance tagged Owner=someone else",
        with_setup(tagged_instance(Owner="other"), as_user(*OWNER_STATEMENTS)),
        stop_made,
        DENIED,
    ),
    Case(
        EC2_OWNER,
        "describe instances (Resource *)",
        as_user(*OWNER_STATEMENTS),
        lambda w, c, n: w.client("ec2", c).describe_instances(),
        ALLOWED,
    ),
    Case(
        EC2_MATCH_TAGS,
        "stop when CostCenter tags match",
        with_setup(
            tagged_instance(CostCenter="123"),
            as_user(
                allow(
                    "ec2:StopInstances",
                    "*",
                    Condition={"StringEquals": {"aws:ResourceTag/CostCenter": "${aws:PrincipalTag/CostCenter}"}},
                ),
                tags={"CostCenter": "123"},
            ),
        ),
        stop_made,
        ALLOWED,
    ),
    Case(
        EC2_MATCH_TAGS,
        "stop when CostCenter tags differ",
        with_setup(
            tagged_instance(CostCenter="456"),
            as_user(
                allow(
                    "ec2:StopInstances",
                    "*",
                    Condition={"StringEquals": {"aws:ResourceTag/CostCenter": "${aws:PrincipalTag/CostCenter}"}},
                ),
                tags={"CostCenter": "123"},
            ),
        ),
        stop_made,
        DENIED,
    ),
    Case(
        EC2_OWNER,
        "the ec2:ResourceTag form of the Owner condition",
        with_setup(
            tagged_instance(Owner="{name}"),
            as_user(
                allow(
                    "ec2:StopInstances", "*", Condition={"StringEquals": {"ec2:ResourceTag/Owner": "${aws:username}"}}
                )
            ),
        ),
        stop_made,
        ALLOWED,
    ),
    Case(EC2_INSTANCES, "stop the instance an Allow names by ARN", instance_arn_policy, stop_own, ALLOWED),
    Case(EC2_INSTANCES, "stop an instance the Allow does not name", instance_arn_policy, stop_made, DENIED),
    Case(
        EC2_RESOURCES,
        "DescribeInstances allowed on an instance ARN only (it takes Resource *)",
        instance_arn_policy,
        lambda w, c, n: w.client("ec2", c).describe_instances(),
        DENIED,
    ),
    # Athena workgroups by ARN and by tag.
    Case(
        ATHENA_WORKGROUPS,
        "run a query in the workgroup the policy names",
        as_user(allow("athena:StartQueryExecution", workgroup_arn("wg-s1"))),
        start_query("wg-s1"),
        ALLOWED,
    ),
    Case(
        ATHENA_WORKGROUPS,
        "run a query in another workgroup",
        as_user(allow("athena:StartQueryExecution", workgroup_arn("wg-s1"))),
        start_query("wg-s2"),
        DENIED,
    ),
    Case(
        ATHENA_WORKGROUPS,
        "run a query naming no workgroup (primary)",
        as_user(allow("athena:StartQueryExecution", workgroup_arn("wg-s1"))),
        start_query(None),
        DENIED,
    ),
    Case(
        ATHENA_WORKGROUPS,
        "list workgroups (Resource *)",
        as_user(allow("athena:ListWorkGroups", "*")),
        lambda w, c, n: w.client("athena", c).list_work_groups(),
        ALLOWED,
    ),
    Case(
        ATHENA_TAGS,
        "run a query in the workgroup tagged with my student",
        as_user(
            allow(
                "athena:StartQueryExecution",
                "*",
                Condition={"StringEquals": {"aws:ResourceTag/student": "${aws:PrincipalTag/student}"}},
            ),
            tags=STUDENT,
        ),
        start_query("wg-s1"),
        ALLOWED,
    ),
    Case(
        ATHENA_TAGS,
        "run a query in another student's workgroup",
        as_user(
            allow(
                "athena:StartQueryExecution",
                "*",
                Condition={"StringEquals": {"aws:ResourceTag/student": "${aws:PrincipalTag/student}"}},
            ),
            tags=STUDENT,
        ),
        start_query("wg-s2"),
        DENIED,
    ),
    # Session Manager: ssm:resourceTag on the target, and the default session document.
    Case(
        SSM_TAGS,
        "start a session on an instance tagged Finance=WebServers",
        with_setup(
            tagged_instance(Finance="WebServers"),
            as_user(
                allow(
                    "ssm:StartSession",
                    "arn:aws:ec2:*:*:instance/*",
                    Condition={"StringLike": {"ssm:resourceTag/Finance": ["WebServers"]}},
                ),
                SESSION_DOCUMENT,
            ),
        ),
        start_session_made,
        ALLOWED,
    ),
    Case(
        SSM_TAGS,
        "start a session on an instance without that tag",
        with_setup(
            tagged_instance(Finance="Payroll"),
            as_user(
                allow(
                    "ssm:StartSession",
                    "arn:aws:ec2:*:*:instance/*",
                    Condition={"StringLike": {"ssm:resourceTag/Finance": ["WebServers"]}},
                ),
                SESSION_DOCUMENT,
            ),
        ),
        start_session_made,
        DENIED,
    ),
    Case(
        SSM_DEFAULT_DOCUMENT,
        "start a default session without the default session document allowed",
        with_setup(tagged_instance(), as_user(allow("ssm:StartSession", "arn:aws:ec2:*:*:instance/*"))),
        start_session_made,
        DENIED,
    ),
    Case(
        SSM_TAGS,
        "start a session on another student's instance",
        with_setup(
            tagged_instance(student="s2"),
            as_user(
                allow(
                    "ssm:StartSession",
                    "arn:aws:ec2:*:*:instance/*",
                    Condition={"StringEquals": {"ssm:resourceTag/student": "${aws:PrincipalTag/student}"}},
                ),
                SESSION_DOCUMENT,
                tags=STUDENT,
            ),
        ),
        start_session_made,
        DENIED,
    ),
    # Permissions boundaries: the intersection with the identity policies.
    Case(
        BOUNDARIES,
        "read within both the identity policy and the boundary",
        with_setup(home, as_user(allow("s3:*"), boundary=[allow(["s3:GetObject", "s3:ListBucket"])])),
        get_object(HOME_BUCKET, "home/{name}/file.txt"),
        ALLOWED,
    ),
    Case(
        BOUNDARIES,
        "write: the identity policy allows it, the boundary does not",
        as_user(allow("s3:*"), boundary=[allow(["s3:GetObject", "s3:ListBucket"])]),
        put_object(HOME_BUCKET, "home/{name}/new.txt"),
        DENIED,
    ),
    Case(
        BOUNDARIES,
        "read: the boundary allows it, the identity policy does not",
        with_setup(home, as_user(allow("s3:ListBucket"), boundary=[allow("s3:*")])),
        get_object(HOME_BUCKET, "home/{name}/file.txt"),
        DENIED,
    ),
    Case(
        BOUNDARIES,
        "a Deny in the boundary",
        with_setup(
            home,
            as_user(allow("s3:*"), boundary=[allow("s3:*"), deny("s3:GetObject", f"arn:aws:s3:::{HOME_BUCKET}/*")]),
        ),
        get_object(HOME_BUCKET, "home/{name}/file.txt"),
        DENIED,
    ),
    Case(
        BOUNDARIES,
        "a role's boundary limits its sessions",
        with_setup(
            lambda w, n: w.stream(f"{n}-s"), as_session(allow("firehose:*"), boundary=[allow("firehose:PutRecord")])
        ),
        lambda w, c, n: w.client("firehose", c).delete_delivery_stream(DeliveryStreamName=f"{n}-s"),
        DENIED,
    ),
    Case(
        BOUNDARIES,
        "a session may do what its role's boundary and policies allow",
        with_setup(
            lambda w, n: w.stream(f"{n}-s"), as_session(allow("firehose:*"), boundary=[allow("firehose:PutRecord")])
        ),
        lambda w, c, n: put_record(f"{n}-s")(w, c, n),
        ALLOWED,
    ),
    # Session policies passed to AssumeRole.
    Case(
        SESSION_POLICIES,
        "read, which the role and the session policy allow",
        with_setup(home, as_session(allow("s3:*"), Policy=policy(allow("s3:GetObject")))),
        get_object(HOME_BUCKET, "home/{name}/file.txt"),
        ALLOWED,
    ),
    Case(
        SESSION_POLICIES,
        "write, which the session policy does not allow",
        as_session(allow("s3:*"), Policy=policy(allow("s3:GetObject"))),
        put_object(HOME_BUCKET, "x.txt"),
        DENIED,
    ),
    Case(
        SESSION_POLICIES,
        "a session policy grants nothing the role lacks",
        as_session(allow("s3:GetObject"), Policy=policy(allow("s3:*"))),
        put_object(HOME_BUCKET, "x.txt"),
        DENIED,
    ),
    Case(
        SESSION_POLICIES,
        "a managed session policy (PolicyArns) limits too",
        with_setup(
            home,
            lambda w, n: session(
                w.client("sts"),
                role(w.iam, n, allow("s3:*")),
                PolicyArns=[{"arn": managed_policy(w.iam, f"{n}-sp", allow("s3:ListBucket"))}],
            ),
        ),
        get_object(HOME_BUCKET, "home/{name}/file.txt"),
        DENIED,
    ),
    Case(
        SESSION_POLICIES,
        "what the managed session policy allows",
        lambda w, n: session(
            w.client("sts"),
            role(w.iam, n, allow("s3:*")),
            PolicyArns=[{"arn": managed_policy(w.iam, f"{n}-sp", allow("s3:ListBucket"))}],
        ),
        list_objects(HOME_BUCKET),
        ALLOWED,
    ),
    # Session tags.
    Case(
        SESSION_TAGS,
        "a session tag is the session's aws:PrincipalTag",
        with_setup(
            lambda w, n: w.stream(f"{n}-peg", **{"access-project": "peg"}),
            as_session(ABAC_PUT, Tags=[{"Key": "access-project", "Value": "peg"}]),
        ),
        lambda w, c, n: put_record(f"{n}-peg")(w, c, n),
        ALLOWED,
    ),
    Case(
        SESSION_TAGS,
        "a session tag overrides the role's tag of the same key",
        with_setup(
            lambda w, n: w.stream(f"{n}-hay", **{"access-project": "hay"}),
            as_session(ABAC_PUT, role_tags={"access-project": "hay"}, Tags=[{"Key": "access-project", "Value": "peg"}]),
        ),
        lambda w, c, n: put_record(f"{n}-hay")(w, c, n),
        DENIED,
    ),
    Case(
        SESSION_TAGS,
        "the role's own tag when no session tag is passed",
        with_setup(
            lambda w, n: w.stream(f"{n}-hay", **{"access-project": "hay"}),
            as_session(ABAC_PUT, role_tags={"access-project": "hay"}),
        ),
        lambda w, c, n: put_record(f"{n}-hay")(w, c, n),
        ALLOWED,
    ),
    Case(
        SESSION_TAGS,
        "passing session tags needs sts:TagSession in the trust policy",
        target_role(user_only_trust),
        assume(Tags=[{"Key": "team", "Value": "devs"}]),
        DENIED,
    ),
    # AssumeRole: the trust policy is the role's resource-based policy.
    Case(
        EXTERNAL_ID,
        "assume with the external ID the trust policy requires",
        target_role(external_id_trust),
        assume(ExternalId="Unique-123"),
        ALLOWED,
    ),
    Case(
        EXTERNAL_ID,
        "assume with another external ID",
        target_role(external_id_trust),
        assume(ExternalId="guess"),
        DENIED,
    ),
    Case(EXTERNAL_ID, "assume without an external ID", target_role(external_id_trust), assume(), DENIED),
    Case(
        TRUST,
        "a trust policy naming the account needs the user's own permission",
        target_role(lambda arn: account_trust()),
        assume(),
        DENIED,
    ),
    Case(
        TRUST,
        "a trust policy naming the account, and the user's own Allow",
        target_role(lambda arn: account_trust(), allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT_ID}:role/*")),
        assume(),
        ALLOWED,
    ),
    Case(
        TRUST,
        "a trust policy naming the user allows without an identity policy",
        target_role(user_only_trust),
        assume(),
        ALLOWED,
    ),
    Case(
        SESSION_TAGS,
        "a trust condition on aws:PrincipalTag: tagged devs",
        target_role(team_trust, allow("sts:AssumeRole"), tags={"team": "devs"}),
        assume(),
        ALLOWED,
    ),
    Case(
        SESSION_TAGS,
        "a trust condition on aws:PrincipalTag: tagged ops",
        target_role(team_trust, allow("sts:AssumeRole"), tags={"team": "ops"}),
        assume(),
        DENIED,
    ),
    # Inactive access keys.
    Case(
        ACCESS_KEYS,
        "an Inactive key calling STS",
        inactive(),
        lambda w, c, n: w.client("sts", c).get_caller_identity(),
        INVALID_KEY,
    ),
    Case(ACCESS_KEYS, "an Inactive key calling S3", inactive(), list_buckets, INVALID_KEY),
    Case(
        ACCESS_KEYS,
        "an Inactive key calling Firehose (JSON)",
        inactive(),
        lambda w, c, n: w.client("firehose", c).list_delivery_streams(),
        INVALID_KEY,
    ),
    Case(ACCESS_KEYS, "a key made Active again", inactive(reactivate=True), list_buckets, ALLOWED),
    # Bucket policies with the caller's identity policies.
    Case(
        BUCKET_POLICIES,
        "a bucket policy's Deny of ListBucket to me",
        with_setup(
            bucket_with_policy(lambda arn: deny("s3:ListBucket", Principal={"AWS": arn})), as_user(allow("s3:*"))
        ),
        list_objects("{name}-bucket"),
        DENIED,
    ),
    Case(
        BUCKET_POLICIES,
        "a bucket policy's Deny naming someone else",
        with_setup(
            bucket_with_policy(lambda arn: deny("s3:ListBucket", Principal={"AWS": arn + "-other"})),
            as_user(allow("s3:*")),
        ),
        list_objects("{name}-bucket"),
        ALLOWED,
    ),
    Case(
        EVALUATION,
        "a bucket policy naming me allows without an identity policy (one account)",
        with_setup(bucket_with_policy(lambda arn: allow("s3:GetObject", Principal={"AWS": arn})), as_user()),
        get_object("{name}-bucket", "k"),
        ALLOWED,
    ),
    Case(
        BUCKET_POLICIES,
        "the TLS-only Deny does not refuse a request (taken as made over TLS)",
        with_setup(
            bucket_with_policy(
                lambda arn: deny("s3:*", Principal="*", Condition={"Bool": {"aws:SecureTransport": "false"}})
            ),
            as_user(allow("s3:*")),
        ),
        get_object("{name}-bucket", "k"),
        ALLOWED,
    ),
    # NotResource, NotAction.
    Case(
        NOT_RESOURCE,
        "a Deny with NotResource refuses the bucket it does not list",
        with_setup(
            lambda w, n: (w.bucket(f"{n}-a"), w.bucket(f"{n}-b")),
            lambda w, n: user(
                w.iam,
                n,
                allow("s3:*"),
                {"Effect": "Deny", "Action": "s3:*", "NotResource": [f"arn:aws:s3:::{n}-a", f"arn:aws:s3:::{n}-a/*"]},
            ),
        ),
        list_objects("{name}-b"),
        DENIED,
    ),
    Case(
        NOT_RESOURCE,
        "... and not the one it lists",
        with_setup(
            lambda w, n: (w.bucket(f"{n}-a"), w.bucket(f"{n}-b")),
            lambda w, n: user(
                w.iam,
                n,
                allow("s3:*"),
                {"Effect": "Deny", "Action": "s3:*", "NotResource": [f"arn:aws:s3:::{n}-a", f"arn:aws:s3:::{n}-a/*"]},
            ),
        ),
        list_objects("{name}-a"),
        ALLOWED,
    ),
    Case(
        NOT_ACTION,
        "an Allow with NotAction iam:* does not allow IAM",
        as_user({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        lambda w, c, n: w.client("iam", c).list_users(),
        DENIED,
    ),
    Case(
        NOT_ACTION,
        "... and allows the rest",
        as_user({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        list_buckets,
        ALLOWED,
    ),
    # Global condition keys.
    Case(
        DATES,
        "aws:CurrentTime inside the allowed dates",
        dates(timedelta(days=-1), timedelta(days=1)),
        list_buckets,
        ALLOWED,
    ),
    Case(
        DATES,
        "aws:CurrentTime after the allowed dates",
        dates(timedelta(days=-3), timedelta(days=-1)),
        list_buckets,
        DENIED,
    ),
    Case(
        REGION,
        "aws:RequestedRegion is this region",
        as_user(allow("s3:ListAllMyBuckets", "*", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}})),
        list_buckets,
        ALLOWED,
    ),
    Case(
        REGION,
        "aws:RequestedRegion must be another region",
        as_user(allow("s3:ListAllMyBuckets", "*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})),
        list_buckets,
        DENIED,
    ),
    Case(
        OPERATORS,
        "Null aws:TokenIssueTime: a long-term key has none",
        as_user(allow("s3:*"), deny("*", Condition={"Null": {"aws:TokenIssueTime": "true"}})),
        list_buckets,
        DENIED,
    ),
    Case(
        OPERATORS,
        "Null aws:TokenIssueTime: a role session has one",
        as_session(allow("s3:*"), deny("*", Condition={"Null": {"aws:TokenIssueTime": "true"}})),
        list_buckets,
        ALLOWED,
    ),
    Case(
        GLOBAL_KEYS,
        "Bool aws:MultiFactorAuthPresent true: absent for long-term keys",
        as_user(allow("s3:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})),
        list_buckets,
        DENIED,
    ),
    Case(
        FORCE_MFA,
        "BoolIfExists aws:MultiFactorAuthPresent false denies a long-term key",
        as_user(
            allow("s3:*"),
            {
                "Effect": "Deny",
                "NotAction": "iam:*",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            },
        ),
        list_buckets,
        DENIED,
    ),
    Case(
        GLOBAL_KEYS,
        "aws:SourceIp: AWS decides on the caller's address, the emulator cannot",
        as_user(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
        list_buckets,
        UNEVALUATED,
    ),
    Case(
        GLOBAL_KEYS,
        "aws:PrincipalType of a user",
        as_user(allow("s3:*", Condition={"StringEquals": {"aws:PrincipalType": "User"}})),
        list_buckets,
        ALLOWED,
    ),
    Case(
        GLOBAL_KEYS,
        "aws:PrincipalArn of a role session is the role's",
        lambda w, n: session(
            w.client("sts"),
            role(
                w.iam,
                n,
                allow("s3:*", Condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{n}"}}),
            ),
        ),
        list_buckets,
        ALLOWED,
    ),
    # A class of students in one account.
    Case(
        VARIABLES,
        "a student lists its own lab bucket (lab-${aws:PrincipalTag/student}-*)",
        as_user(allow("s3:ListBucket", "arn:aws:s3:::lab-${aws:PrincipalTag/student}-*"), tags=STUDENT),
        list_objects("lab-s1-data"),
        ALLOWED,
    ),
    Case(
        VARIABLES,
        "a student lists another student's lab bucket",
        as_user(allow("s3:ListBucket", "arn:aws:s3:::lab-${aws:PrincipalTag/student}-*"), tags=STUDENT),
        list_objects("lab-s2-data"),
        DENIED,
    ),
    Case(
        GLUE_ARNS,
        "a student reads its own database's table (catalog, database, table)",
        student_glue,
        glue_get_table("lab_s1"),
        ALLOWED,
    ),
    Case(GLUE_ARNS, "a student reads another student's table", student_glue, glue_get_table("lab_s2"), DENIED),
    Case(
        GLUE_ARNS,
        "GetTable allowed on the table alone, not its database and catalog",
        as_user(allow("glue:GetTable", f"arn:aws:glue:us-east-1:{ACCOUNT_ID}:table/lab_s1/events")),
        glue_get_table("lab_s1"),
        DENIED,
    ),
    Case(
        SCHEDULER_POLICIES,
        "a student reads a schedule of its own group",
        as_user(
            allow(
                "scheduler:GetSchedule",
                f"arn:aws:scheduler:us-east-1:{ACCOUNT_ID}:schedule/lab-${{aws:PrincipalTag/student}}/*",
            ),
            tags=STUDENT,
        ),
        get_schedule("lab-s1"),
        ALLOWED,
    ),
    Case(
        SCHEDULER_POLICIES,
        "a student reads a schedule of another's group",
        as_user(
            allow(
                "scheduler:GetSchedule",
                f"arn:aws:scheduler:us-east-1:{ACCOUNT_ID}:schedule/lab-${{aws:PrincipalTag/student}}/*",
            ),
            tags=STUDENT,
        ),
        get_schedule("lab-s2"),
        DENIED,
    ),
    Case(
        LOGS_ARNS,
        "read a log group allowed with its ARN and :*",
        as_user(allow("logs:FilterLogEvents", LOG_GROUP_ARN + ":*")),
        filter_logs("/lab/s1"),
        ALLOWED,
    ),
    Case(
        LOGS_ARNS,
        "read a log group allowed with its ARN without :*",
        as_user(allow("logs:FilterLogEvents", LOG_GROUP_ARN)),
        filter_logs("/lab/s1"),
        DENIED,
    ),
    Case(
        CFN_ACCESS,
        "describe the stack a policy names",
        as_user(allow("cloudformation:DescribeStacks", f"arn:aws:cloudformation:us-east-1:{ACCOUNT_ID}:stack/LabS1/*")),
        describe_stack("LabS1"),
        ALLOWED,
    ),
    Case(
        CFN_ACCESS,
        "describe another stack",
        as_user(allow("cloudformation:DescribeStacks", f"arn:aws:cloudformation:us-east-1:{ACCOUNT_ID}:stack/LabS1/*")),
        describe_stack("LabS2"),
        DENIED,
    ),
    Case(
        FORCE_MFA,
        "GetUser on my own user (user/${aws:username})",
        as_user(allow("iam:GetUser", "arn:aws:iam::*:user/${aws:username}")),
        get_user(None),
        ALLOWED,
    ),
    Case(
        FORCE_MFA,
        "GetUser on another user",
        as_user(allow("iam:GetUser", "arn:aws:iam::*:user/${aws:username}")),
        get_user("someone-else"),
        DENIED,
    ),
    Case(
        EC2_RESOURCES,
        "a condition on an instance key AWS carries and the emulator does not fill",
        with_setup(
            tagged_instance(),
            as_user(
                allow("ec2:StopInstances", "*", Condition={"StringEquals": {"ec2:MetadataHttpTokens": "required"}})
            ),
        ),
        stop_made,
        UNEVALUATED,
    ),
    Case(
        S3_KEYS,
        "s3:prefix is no key of GetObject: a condition on it does not hold",
        with_setup(home, as_user(allow("s3:GetObject", "*", Condition={"StringEquals": {"s3:prefix": "home/"}}))),
        get_object(HOME_BUCKET, "home/{name}/file.txt"),
        DENIED,
    ),
    Case(
        KEY_POLICIES,
        "an IAM policy on a key whose key policy lets IAM policies grant it",
        key_with_policy(ROOT_MAY_USE_KEY),
        lambda w, c, n: w.client("kms", c).describe_key(KeyId=w.made[n]),
        ALLOWED,
    ),
    Case(
        KEY_POLICIES,
        "an IAM policy on a key whose key policy does not",
        key_with_policy(ADMIN_ONLY_KEY),
        lambda w, c, n: w.client("kms", c).describe_key(KeyId=w.made[n]),
        DENIED,
    ),
    Case(
        PASS_ROLE,
        "create a schedule passing a role I may pass to Scheduler",
        passed_role("scheduler.amazonaws.com", CREATE_SCHEDULE),
        create_schedule,
        ALLOWED,
    ),
    Case(
        PASS_ROLE,
        "create a schedule passing a role without iam:PassRole",
        passed_role(None, CREATE_SCHEDULE),
        create_schedule,
        DENIED,
    ),
    Case(
        PASS_ROLE,
        "pass to Scheduler a role I may pass to EC2 only",
        passed_role("ec2.amazonaws.com", CREATE_SCHEDULE),
        create_schedule,
        DENIED,
    ),
    Case(
        PASS_ROLE,
        "create a stream passing its delivery role, allowed",
        passed_role("firehose.amazonaws.com", CREATE_STREAM),
        create_stream,
        ALLOWED,
    ),
    Case(
        PASS_ROLE,
        "create a stream passing its delivery role without iam:PassRole",
        passed_role(None, CREATE_STREAM),
        create_stream,
        DENIED,
    ),
    Case(
        FIREHOSE_ACCESS,
        "put to the stream the policy names",
        with_setup(
            lambda w, n: w.stream(f"{n}-s"),
            lambda w, n: user(
                w.iam, n, allow("firehose:PutRecord", f"arn:aws:firehose:us-east-1:{ACCOUNT_ID}:deliverystream/{n}-s")
            ),
        ),
        lambda w, c, n: put_record(f"{n}-s")(w, c, n),
        ALLOWED,
    ),
    Case(
        FIREHOSE_ACCESS,
        "delete the stream a put-only policy names",
        with_setup(
            lambda w, n: w.stream(f"{n}-s"),
            lambda w, n: user(
                w.iam, n, allow("firehose:PutRecord", f"arn:aws:firehose:us-east-1:{ACCOUNT_ID}:deliverystream/{n}-s")
            ),
        ),
        lambda w, c, n: w.client("firehose", c).delete_delivery_stream(DeliveryStreamName=f"{n}-s"),
        DENIED,
    ),
]


def test_the_table_holds_at_least_sixty_documented_decisions():
    assert len(CASES) >= 60
    assert all(case.page.startswith("https://docs.aws.amazon.com/") for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{i:02d}-{c.what}" for i, c in enumerate(CASES)])
def test_the_emulator_decides_as_aws_documents(world, case):
    name = f"p{next(world.names)}"
    creds = case.who(world, name)
    world.emu.enforce_iam(True)
    try:
        decided, detail = outcome(lambda: case.call(world, creds, name))
    finally:
        world.emu.enforce_iam(False)
    assert decided == case.expected, f"{case.page}: {case.what}: {detail}"
