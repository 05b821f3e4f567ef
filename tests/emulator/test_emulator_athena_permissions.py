"""With IAM enforced, a query reads and writes with its caller's Glue and S3 permissions, as Athena's do.

Athena user guide, "Control access to Amazon S3 from Athena": users' "permissions pass through Athena to determine
what Athena can access"; "Configure access to databases and tables in the AWS Glue Data Catalog": permission on the
table and all its ancestors (database, catalog); Athena API reference, GetQueryResults: the caller also needs
s3:GetObject on the results location. A principal allowed everything the query needs gets its rows; each permission
taken away fails the query (or GetQueryResults) naming what was refused, and nothing of the query is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import ACCOUNT_ID, REGION, Emulator
from support.emulator.athena import execution_when, one_table_lab
from support.emulator.iam import Credentials, allow, deny, policy, role, session, user

BUCKET = "lab-permissions"
CATALOG = f"arn:aws:glue:{REGION}:{ACCOUNT_ID}:catalog"
DATABASE = f"arn:aws:glue:{REGION}:{ACCOUNT_ID}:database/lab"
TABLE = f"arn:aws:glue:{REGION}:{ACCOUNT_ID}:table/lab/events"
WORKGROUP = f"arn:aws:athena:{REGION}:{ACCOUNT_ID}:workgroup/lab"
DATA, RESULTS = f"arn:aws:s3:::{BUCKET}/events/*", f"arn:aws:s3:::{BUCKET}/results/*"
ATHENA = allow(["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"], WORKGROUP)
GLUE = allow(["glue:GetDatabase", "glue:GetTable"], [CATALOG, DATABASE, TABLE])
LIST = allow("s3:ListBucket", f"arn:aws:s3:::{BUCKET}")
READ = allow("s3:GetObject", DATA)
WRITE = allow("s3:PutObject", RESULTS)
READ_RESULTS = allow("s3:GetObject", RESULTS)
EVERYTHING = (ATHENA, GLUE, LIST, READ, WRITE, READ_RESULTS)
VIA_ATHENA = {"ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        one_table_lab(emulator, BUCKET, {"a": "int"}, b'{"a": 1}\n{"a": 2}\n')
        emulator.names = count()
        yield emulator


@pytest.fixture
def as_principal(emu) -> Iterator[Callable[..., object]]:
    """An Athena client of a new user with these statements (made with the test credentials), IAM enforced."""

    def make(*statements: dict, name: str = "reader") -> object:
        emu.enforce_iam(False)
        creds = user(emu.client("iam"), f"{name}{next(emu.names)}", *statements)
        emu.enforce_iam(True)
        return emu.client("athena", **creds)

    yield make
    emu.enforce_iam(False)


def query(athena) -> tuple[str, dict]:
    query_id = athena.start_query_execution(
        QueryString="SELECT sum(a) FROM events", QueryExecutionContext={"Database": "lab"}, WorkGroup="lab"
    )["QueryExecutionId"]
    return query_id, execution_when(athena, query_id)["Status"]


def results_written(emu) -> set[str]:
    """The objects under the results prefix (listed with the test credentials, IAM enforced again after)."""
    emu.enforce_iam(False)
    listed = emu.client("s3").list_objects_v2(Bucket=BUCKET, Prefix="results/")
    emu.enforce_iam(True)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_a_principal_allowed_what_the_query_needs_gets_its_rows(as_principal):
    athena = as_principal(*EVERYTHING)
    query_id, status = query(athena)
    assert status["State"] == "SUCCEEDED", status
    rows = athena.get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"]
    assert rows[1]["Data"][0]["VarCharValue"] == "3"


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        (GLUE, "glue:GetDatabase on resource: " + CATALOG),
        (LIST, f"(Path: s3://{BUCKET}/events/): s3:ListBucket refused"),
        (READ, f"(Path: s3://{BUCKET}/events/a.json): s3:GetObject refused"),
        (WRITE, f"Access denied when writing output to url: s3://{BUCKET}/results/"),
    ],
    ids=["no-glue", "no-list", "no-read", "no-write"],
)
def test_each_permission_taken_away_fails_the_query_naming_it(emu, as_principal, missing, named):
    written_before = results_written(emu)
    query_id, status = query(as_principal(*(s for s in EVERYTHING if s is not missing)))
    assert status["State"] == "FAILED"
    assert named in status["StateChangeReason"]
    assert results_written(emu) == written_before  # neither the result nor anything else of it


def test_the_table_needs_its_own_grant_not_only_its_database(as_principal):
    only_database = allow(["glue:GetDatabase", "glue:GetTable"], [CATALOG, DATABASE])
    _, status = query(as_principal(ATHENA, only_database, LIST, READ, WRITE))
    assert status["State"] == "FAILED"
    assert f"glue:GetTable on resource: {TABLE}" in status["StateChangeReason"]


def test_an_explicit_deny_on_the_data_fails_the_query(as_principal):
    _, status = query(as_principal(*EVERYTHING, deny("s3:GetObject", DATA)))
    assert status["State"] == "FAILED"
    assert "explicitly denied" in status["StateChangeReason"]


def test_a_bucket_policy_that_denies_the_caller_fails_the_query(emu, as_principal):
    athena = as_principal(*EVERYTHING, name="denied")
    emu.enforce_iam(False)
    denied = f"arn:aws:iam::{ACCOUNT_ID}:user/denied{next(emu.names) - 1}"
    s3 = emu.client("s3")
    s3.put_bucket_policy(
        Bucket=BUCKET,
        Policy=policy({"Effect": "Deny", "Principal": {"AWS": denied}, "Action": "s3:GetObject", "Resource": DATA}),
    )
    emu.enforce_iam(True)
    try:
        _, status = query(athena)
    finally:
        emu.enforce_iam(False)
        s3.delete_bucket_policy(Bucket=BUCKET)
    assert status["State"] == "FAILED"
    assert "s3:GetObject refused" in status["StateChangeReason"]


def test_reading_the_results_needs_s3_get_object_on_them(as_principal):
    athena = as_principal(*(s for s in EVERYTHING if s is not READ_RESULTS))
    query_id, status = query(athena)
    assert status["State"] == "SUCCEEDED"
    with pytest.raises(ClientError) as refused:
        athena.get_query_results(QueryExecutionId=query_id)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "s3:GetObject" in refused.value.response["Error"]["Message"]


def test_glue_and_s3_granted_only_through_athena_serve_the_query_and_nothing_else(emu, as_principal):
    through_athena = [{**statement, "Condition": VIA_ATHENA} for statement in (GLUE, LIST, READ, WRITE, READ_RESULTS)]
    emu.enforce_iam(False)
    creds = user(emu.client("iam"), f"viaathena{next(emu.names)}", ATHENA, *through_athena)
    emu.enforce_iam(True)
    _, status = query(emu.client("athena", **creds))
    assert status["State"] == "SUCCEEDED", status
    with pytest.raises(ClientError) as direct:
        emu.client("s3", **creds).get_object(Bucket=BUCKET, Key="events/a.json")
    assert direct.value.response["Error"]["Code"] == "AccessDenied"


def test_a_role_session_queries_with_the_role_s_permissions(emu, as_principal):
    iam = emu.client("iam")
    arn = role(iam, f"analyst{next(emu.names)}", ATHENA)
    name = arn.rsplit("/", 1)[1]
    iam.put_role_policy(RoleName=name, PolicyName="data", PolicyDocument=policy(*EVERYTHING[1:]))
    creds: Credentials = session(emu.client("sts"), arn)
    emu.enforce_iam(True)
    _, status = query(emu.client("athena", **creds))
    assert status["State"] == "SUCCEEDED", status
    emu.enforce_iam(False)
    iam.delete_role_policy(RoleName=name, PolicyName="data")
    emu.enforce_iam(True)
    _, status = query(emu.client("athena", **creds))
    assert status["State"] == "FAILED"
    assert "assumed-role/analyst" in status["StateChangeReason"]


def test_a_table_with_catalog_partitions_needs_glue_get_partitions(emu, as_principal):
    emu.enforce_iam(False)
    glue, location = emu.client("glue"), f"s3://{BUCKET}/parted/"
    descriptor = {
        "Columns": [{"Name": "a", "Type": "int"}],
        "Location": location,
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
    }
    glue.create_table(
        DatabaseName="lab",
        TableInput={
            "Name": "parted",
            "StorageDescriptor": descriptor,
            "PartitionKeys": [{"Name": "d", "Type": "string"}],
        },
    )
    glue.create_partition(
        DatabaseName="lab",
        TableName="parted",
        PartitionInput={"Values": ["x"], "StorageDescriptor": {**descriptor, "Location": f"{location}d=x/"}},
    )
    emu.client("s3").put_object(Bucket=BUCKET, Key="parted/d=x/a.json", Body=b'{"a": 5}\n')
    tables = allow(
        ["glue:GetDatabase", "glue:GetTable"], [CATALOG, DATABASE, f"{DATABASE.replace(':database/', ':table/')}/*"]
    )
    data = allow("s3:GetObject", f"arn:aws:s3:::{BUCKET}/parted/*")
    partitions = allow(
        "glue:GetPartitions", [CATALOG, DATABASE, f"arn:aws:glue:{REGION}:{ACCOUNT_ID}:table/lab/parted"]
    )
    for statements, expected in (((), "FAILED"), ((partitions,), "SUCCEEDED")):
        athena = as_principal(ATHENA, tables, LIST, data, WRITE, READ_RESULTS, *statements)
        query_id = athena.start_query_execution(
            QueryString="SELECT sum(a) FROM parted", QueryExecutionContext={"Database": "lab"}, WorkGroup="lab"
        )["QueryExecutionId"]
        status = execution_when(athena, query_id)["Status"]
        assert status["State"] == expected, status
        if expected == "FAILED":
            assert "glue:GetPartitions on resource" in status["StateChangeReason"]
