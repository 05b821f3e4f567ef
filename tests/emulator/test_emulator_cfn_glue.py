"""AWS::Glue::Database and AWS::Glue::Table as CloudFormation resources, visible to the Glue API."""

import json

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import Emulator


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def template(columns=(("event_id", "string"), ("price", "double")), database="Lab_DB", table="Events"):
    """A database and a partitioned table shaped like the lab's (names in mixed case: Glue folds them)."""
    return json.dumps(
        {
            "Resources": {
                "Database": {
                    "Type": "AWS::Glue::Database",
                    "Properties": {
                        "CatalogId": {"Ref": "AWS::AccountId"},
                        "DatabaseInput": {"Name": database, "Description": "lab events"},
                    },
                },
                "Table": {
                    "Type": "AWS::Glue::Table",
                    "DependsOn": ["Database"],
                    "Properties": {
                        "CatalogId": {"Ref": "AWS::AccountId"},
                        "DatabaseName": {"Ref": "Database"},
                        "TableInput": {
                            "Name": table,
                            "TableType": "EXTERNAL_TABLE",
                            "Parameters": {"classification": "json", "projection.enabled": "true"},
                            "PartitionKeys": [{"Name": "year", "Type": "int"}],
                            "StorageDescriptor": {
                                "Columns": [{"Name": n, "Type": t} for n, t in columns],
                                "Location": "s3://bucket/data/",
                                "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
                            },
                        },
                    },
                },
            },
            "Outputs": {"DatabaseRef": {"Value": {"Ref": "Database"}}, "TableRef": {"Value": {"Ref": "Table"}}},
        }
    )


def outputs(cfn, stack):
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}


def test_the_stack_creates_the_database_and_table_that_glue_answers_for(emu):
    cfn, glue = emu.client("cloudformation"), emu.client("glue")
    cfn.create_stack(StackName="glue-create", TemplateBody=template())
    assert outputs(cfn, "glue-create") == {"DatabaseRef": "lab_db", "TableRef": "events"}
    assert glue.get_database(Name="lab_db")["Database"]["Description"] == "lab events"
    table = glue.get_table(DatabaseName="lab_db", Name="events")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["event_id", "price"]
    assert table["PartitionKeys"] == [{"Name": "year", "Type": "int"}]
    assert table["Parameters"]["projection.enabled"] == "true"
    cfn.delete_stack(StackName="glue-create")


def test_an_update_adds_a_table_version_in_place(emu):
    cfn, glue = emu.client("cloudformation"), emu.client("glue")
    cfn.create_stack(StackName="glue-update", TemplateBody=template(database="upd"))
    cfn.update_stack(
        StackName="glue-update",
        TemplateBody=template(
            columns=(("event_id", "string"), ("price", "double"), ("side", "string")), database="upd"
        ),
    )
    table = glue.get_table(DatabaseName="upd", Name="events")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["event_id", "price", "side"]
    assert table["VersionId"] == "2"
    cfn.delete_stack(StackName="glue-update")


def test_stack_delete_deletes_table_and_database(emu):
    cfn, glue = emu.client("cloudformation"), emu.client("glue")
    cfn.create_stack(StackName="glue-delete", TemplateBody=template(database="gone"))
    assert glue.get_table(DatabaseName="gone", Name="events")["Table"]["Name"] == "events"
    cfn.delete_stack(StackName="glue-delete")
    with pytest.raises(ClientError, match="EntityNotFoundException"):
        glue.get_database(Name="gone")
    assert "gone" not in [d["Name"] for d in glue.get_databases()["DatabaseList"]]
