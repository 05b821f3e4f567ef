"""AWS::Athena::WorkGroup and AWS::Athena::NamedQuery as CloudFormation resources, visible to the Athena API."""

import json

import pytest

from rehearsal.emulator import Emulator
from support.emulator.athena import execution_when


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        emulator.client("s3").create_bucket(Bucket="athena-results-bucket")
        yield emulator


def template(workgroup, recursive=True, cutoff=1024**3, queries=("events per minute", "top tickers")):
    resources = {
        "WorkGroup": {
            "Type": "AWS::Athena::WorkGroup",
            "Properties": {
                "Name": workgroup,
                "Description": "lab queries",
                "RecursiveDeleteOption": recursive,
                "WorkGroupConfiguration": {
                    "EnforceWorkGroupConfiguration": True,
                    "BytesScannedCutoffPerQuery": cutoff,
                    "ResultConfiguration": {
                        "OutputLocation": "s3://athena-results-bucket/athena-results/",
                        "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
                    },
                },
            },
        },
    }
    for number, name in enumerate(queries):
        resources[f"Query{number}"] = {
            "Type": "AWS::Athena::NamedQuery",
            "Properties": {
                "Name": name,
                "Database": "lab",
                "QueryString": f"SELECT {number}",
                "WorkGroup": {"Ref": "WorkGroup"},
                "Description": f"query {number}",
            },
        }
    outputs = {"WorkGroupRef": {"Value": {"Ref": "WorkGroup"}}}
    if queries:
        outputs["Query0"] = {"Value": {"Ref": "Query0"}}
    return json.dumps({"Resources": resources, "Outputs": outputs})


def outputs(cfn, stack):
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}


def saved(athena, workgroup):
    ids = athena.list_named_queries(WorkGroup=workgroup)["NamedQueryIds"]
    return {q["Name"]: q for q in (athena.get_named_query(NamedQueryId=i)["NamedQuery"] for i in ids)}


def test_the_workgroup_and_its_saved_queries_answer_through_the_api(emu):
    cfn, athena = emu.client("cloudformation"), emu.client("athena")
    cfn.create_stack(StackName="athena-create", TemplateBody=template("LabOne"))
    out = outputs(cfn, "athena-create")
    assert out["WorkGroupRef"] == "LabOne"
    workgroup = athena.get_work_group(WorkGroup="LabOne")["WorkGroup"]
    assert workgroup["State"] == "ENABLED"
    assert workgroup["Configuration"]["BytesScannedCutoffPerQuery"] == 1024**3
    assert workgroup["Configuration"]["ResultConfiguration"]["OutputLocation"] == (
        "s3://athena-results-bucket/athena-results/"
    )
    queries = saved(athena, "LabOne")
    assert set(queries) == {"events per minute", "top tickers"}
    assert queries["events per minute"]["NamedQueryId"] == out["Query0"]
    assert queries["top tickers"]["Database"] == "lab"
    assert queries["top tickers"]["WorkGroup"] == "LabOne"


def test_a_query_runs_in_the_workgroup_and_writes_its_result_where_the_workgroup_says(emu):
    cfn, athena, s3 = emu.client("cloudformation"), emu.client("athena"), emu.client("s3")
    cfn.create_stack(StackName="athena-run", TemplateBody=template("LabRun"))
    query_id = athena.start_query_execution(
        QueryString="SELECT 5 / 2 AS half, 'x' AS letter",
        WorkGroup="LabRun",
        ResultConfiguration={"OutputLocation": "s3://elsewhere/"},  # the workgroup's setting is enforced
    )["QueryExecutionId"]
    execution = execution_when(athena, query_id)
    location = f"s3://athena-results-bucket/athena-results/{query_id}.csv"
    assert execution["ResultConfiguration"]["OutputLocation"] == location
    result = s3.get_object(Bucket="athena-results-bucket", Key=f"athena-results/{query_id}.csv")
    assert result["Body"].read() == b'"half","letter"\n"2","x"\n'
    assert result["ServerSideEncryption"] == "AES256"


def test_stack_delete_removes_the_workgroup_with_its_queries_and_history(emu):
    cfn, athena = emu.client("cloudformation"), emu.client("athena")
    cfn.create_stack(StackName="athena-delete", TemplateBody=template("LabGone"))
    query_id = athena.start_query_execution(QueryString="SELECT 1", WorkGroup="LabGone")["QueryExecutionId"]
    cfn.delete_stack(StackName="athena-delete")
    assert "LabGone" not in [w["Name"] for w in athena.list_work_groups()["WorkGroups"]]
    assert query_id not in athena.list_query_executions()["QueryExecutionIds"]
    assert saved(athena, "LabGone") == {}


def test_a_workgroup_without_recursive_delete_is_kept_while_it_has_history(emu):
    cfn, athena = emu.client("cloudformation"), emu.client("athena")
    cfn.create_stack(StackName="athena-keep", TemplateBody=template("LabKeep", recursive=False, queries=()))
    athena.start_query_execution(QueryString="SELECT 1", WorkGroup="LabKeep")
    cfn.delete_stack(StackName="athena-keep")
    stack = cfn.describe_stacks(StackName="athena-keep")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED"
    reasons = [
        e.get("ResourceStatusReason", "")
        for e in cfn.describe_stack_events(StackName="athena-keep")["StackEvents"]
        if e["LogicalResourceId"] == "WorkGroup" and e["ResourceStatus"] == "DELETE_FAILED"
    ]
    assert any("WorkGroup LabKeep is not empty" in reason for reason in reasons), reasons
    assert athena.get_work_group(WorkGroup="LabKeep")["WorkGroup"]["Name"] == "LabKeep"


def test_changing_a_saved_query_replaces_it(emu):
    cfn, athena = emu.client("cloudformation"), emu.client("athena")
    cfn.create_stack(StackName="athena-update", TemplateBody=template("LabUpd"))
    before = outputs(cfn, "athena-update")["Query0"]
    cfn.update_stack(
        StackName="athena-update", TemplateBody=template("LabUpd", queries=("events per hour", "top tickers"))
    )
    after = outputs(cfn, "athena-update")["Query0"]
    assert after != before
    assert set(saved(athena, "LabUpd")) == {"events per hour", "top tickers"}
