"""Querying and watching the lab: the Glue table, JSON-to-Parquet conversion, the Athena workgroup, the dashboard."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk.assertions import Match

from lab_stack.analytics import PARTITION_COLUMNS
from lab_stack.delivery import DATA_PREFIX
from lab_stack.names import DATABASE_OWNER_PARAMETER
from producer.schema import EVENT_FIELDS
from support.template import all_statements, as_list, logical_id, only, role_assumed_by, statements_of_role

# Firehose's timestamp fields in DATA_PREFIX, and the partition column each one fills.
PREFIX_FIELDS = {"yyyy": "year", "MM": "month", "dd": "day", "HH": "hour"}
TODAY = "year = year(current_date) AND month = month(current_date) AND day = day(current_date)"
TABLE_TYPES = ("AWS::Glue::Database", "AWS::Glue::Table", "AWS::Athena::WorkGroup", "AWS::Athena::NamedQuery")


def show(value):
    """A template value as text, CloudFormation references shown as ${Ref:X}."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"${{Ref:{value['Ref']}}}"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(show(part) for part in parts)
    raise AssertionError(f"unexpected intrinsic: {value}")


def table_input(template):
    return only(template, "AWS::Glue::Table")[1]["Properties"]["TableInput"]


def dashboard_metrics(template):
    """{(namespace, metric name, dimension, value)} graphed on the lab's dashboard."""
    _, dashboard = only(template, "AWS::CloudWatch::Dashboard")
    body = json.loads(show(dashboard["Properties"]["DashboardBody"]))
    return {tuple(metric[:4]) for widget in body["widgets"] for metric in widget["properties"]["metrics"]}


# --- the Glue table -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lab", ["default_lab", "parquet_lab"])
def test_table_columns_are_the_event_fields_in_both_formats(lab, request):
    _, template = request.getfixturevalue(lab)
    columns = table_input(template)["StorageDescriptor"]["Columns"]
    assert [(c["Name"], c["Type"]) for c in columns] == list(EVENT_FIELDS)
    assert {"Name": "event_time", "Type": "timestamp"} in columns


def test_database_and_table_are_named_from_the_lab(template, custom_lab):
    template.has_resource_properties(
        "AWS::Glue::Database", {"DatabaseInput": Match.object_like({"Name": "firehoselab"})}
    )
    template.has_resource_properties("AWS::Glue::Table", {"DatabaseName": "firehoselab"})
    assert table_input(template)["Name"] == "events"
    custom_lab[1].has_resource_properties("AWS::Glue::Table", {"DatabaseName": "lab2"})


def test_table_reads_the_data_prefix_of_the_lab_bucket(template):
    bucket_id = logical_id(template, "AWS::S3::Bucket")
    location = show(table_input(template)["StorageDescriptor"]["Location"])
    assert location == f"s3://${{Ref:{bucket_id}}}/data/"


def test_partitions_are_projected_from_the_streams_date_prefix(template):
    """No crawler, no MSCK REPAIR: Athena computes each hour's location from the same pattern Firehose writes."""
    table = table_input(template)
    parameters = table["Parameters"]
    assert [(k["Name"], k["Type"]) for k in table["PartitionKeys"]] == [
        ("year", "int"),
        ("month", "int"),
        ("day", "int"),
        ("hour", "int"),
    ]
    assert parameters["projection.enabled"] == "true"
    bucket_id = logical_id(template, "AWS::S3::Bucket")
    as_projected = re.sub(r"!\{timestamp:(\w+)\}", lambda m: f"${{{PREFIX_FIELDS[m[1]]}}}", DATA_PREFIX)
    assert show(parameters["storage.location.template"]) == f"s3://${{Ref:{bucket_id}}}/{as_projected}"
    for field, name in PREFIX_FIELDS.items():
        assert parameters[f"projection.{name}.type"] == "integer"
        assert parameters[f"projection.{name}.digits"] == str(len(field)), name
    assert (parameters["projection.month.range"], parameters["projection.day.range"]) == ("1,12", "1,31")
    assert parameters["projection.hour.range"] == "0,23"
    first, last = map(int, parameters["projection.year.range"].split(","))
    assert first <= 2026 < last


def test_json_lab_reads_newline_delimited_json(template):
    table = table_input(template)
    storage = table["StorageDescriptor"]
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert storage["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert table["Parameters"]["classification"] == "json"


def test_parquet_lab_reads_parquet(parquet_template):
    table = table_input(parquet_template)
    storage = table["StorageDescriptor"]
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    assert storage["InputFormat"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    assert table["Parameters"]["classification"] == "parquet"


# --- record format conversion -------------------------------------------------------------------------------


def destination(template):
    return only(template, "AWS::KinesisFirehose::DeliveryStream")[1]["Properties"]["ExtendedS3DestinationConfiguration"]


def test_json_lab_delivers_events_as_sent(template):
    assert "DataFormatConversionConfiguration" not in destination(template)
    assert "FileExtension" not in destination(template)


def test_parquet_lab_converts_openx_json_to_snappy_parquet_by_the_table(parquet_template):
    table_id = logical_id(parquet_template, "AWS::Glue::Table")
    role_id = role_assumed_by(parquet_template, "firehose.amazonaws.com")
    parquet_template.has_resource_properties(
        "AWS::KinesisFirehose::DeliveryStream",
        {
            "ExtendedS3DestinationConfiguration": Match.object_like(
                {
                    "DataFormatConversionConfiguration": {
                        "Enabled": True,
                        "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
                        "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": "SNAPPY"}}},
                        "SchemaConfiguration": {
                            "CatalogId": {"Ref": "AWS::AccountId"},
                            "DatabaseName": "firehoselab",
                            "TableName": {"Ref": table_id},
                            "Region": {"Ref": "AWS::Region"},
                            "RoleARN": {"Fn::GetAtt": [role_id, "Arn"]},
                            "VersionId": "LATEST",
                        },
                    },
                    "FileExtension": ".parquet",
                }
            )
        },
    )
    # Parquet compresses inside the file; S3-level compression must stay off.
    assert destination(parquet_template).get("CompressionFormat", "UNCOMPRESSED") == "UNCOMPRESSED"


def test_parquet_lab_buffers_the_services_minimum_64_mib_and_still_flushes_every_interval(parquet_template):
    assert destination(parquet_template)["BufferingHints"] == {"SizeInMBs": 64, "IntervalInSeconds": 60}


def test_conversion_failures_go_to_their_own_error_prefix(parquet_template):
    """Firehose fills !{firehose:error-output-type} with `format-conversion-failed` for records it cannot convert."""
    assert destination(parquet_template)["ErrorOutputPrefix"].startswith("errors/!{firehose:error-output-type}/")


def test_parquet_firehose_role_may_read_only_the_event_tables_schema(parquet_template):
    role_id = role_assumed_by(parquet_template, "firehose.amazonaws.com")
    glue = [s for s in statements_of_role(parquet_template, role_id) if as_list(s["Action"])[0].startswith("glue:")]
    assert len(glue) == 1
    assert sorted(as_list(glue[0]["Action"])) == ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"]
    glue_arn = "arn:${Ref:AWS::Partition}:glue:${Ref:AWS::Region}:${Ref:AWS::AccountId}:"
    assert [show(arn) for arn in glue[0]["Resource"]] == [
        glue_arn + "catalog",
        glue_arn + "database/firehoselab",
        glue_arn + "table/firehoselab/events",
    ]


def test_json_firehose_role_has_no_glue_access(template):
    role_id = role_assumed_by(template, "firehose.amazonaws.com")
    assert not [a for s in statements_of_role(template, role_id) for a in as_list(s["Action"]) if a.startswith("glue:")]


def test_no_policy_grants_a_wildcard_action_in_parquet_mode(parquet_template):
    actions = [a for s in all_statements(parquet_template) if s["Effect"] == "Allow" for a in as_list(s["Action"])]
    assert "glue:GetTable" in actions
    assert [a for a in actions if "*" in a] == []


# --- Athena -------------------------------------------------------------------------------------------------


def test_workgroup_enforces_encrypted_results_in_the_lab_bucket(template):
    bucket_id = logical_id(template, "AWS::S3::Bucket")
    _, workgroup = only(template, "AWS::Athena::WorkGroup")
    properties = workgroup["Properties"]
    configuration = properties["WorkGroupConfiguration"]
    assert properties["Name"] == "FirehoseLab"
    assert configuration["EnforceWorkGroupConfiguration"] is True
    results = configuration["ResultConfiguration"]
    assert show(results["OutputLocation"]) == f"s3://${{Ref:{bucket_id}}}/athena-results/"
    assert results["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    assert configuration["BytesScannedCutoffPerQuery"] <= 1024**3


def test_workgroup_is_deleted_with_its_queries_and_history(template):
    template.has_resource_properties("AWS::Athena::WorkGroup", {"RecursiveDeleteOption": True})


def test_two_example_queries_are_saved_in_the_workgroup_over_todays_partitions(template):
    workgroup_id = logical_id(template, "AWS::Athena::WorkGroup")
    found = template.find_resources("AWS::Athena::NamedQuery").values()
    queries = {q["Properties"]["Name"]: q["Properties"] for q in found}
    assert set(queries) == {"events per minute", "top tickers"}
    for query in queries.values():
        assert query["WorkGroup"] == {"Ref": workgroup_id}
        assert query["Database"] == "firehoselab"
        assert 'FROM "firehoselab"."events"' in query["QueryString"]
        assert TODAY in query["QueryString"]
    assert "date_trunc('minute', event_time)" in queries["events per minute"]["QueryString"]
    assert "GROUP BY ticker" in queries["top tickers"]["QueryString"]


def test_queries_use_only_columns_of_the_table(template):
    columns = {name for name, _ in EVENT_FIELDS} | {name for name, _, _ in PARTITION_COLUMNS}
    sql_words = set(
        "select from where and group by order desc limit as count sum avg round date_trunc current_date "
        "minute events trades shares avg_price".split()
    )
    for query in template.find_resources("AWS::Athena::NamedQuery").values():
        sql = re.sub(r"'[^']*'|\"[^\"]*\"", "", query["Properties"]["QueryString"])
        words = {w.lower() for w in re.findall(r"[A-Za-z_]+", sql)}
        assert words - sql_words <= columns, words - sql_words - columns


# --- the dashboard ------------------------------------------------------------------------------------------


def test_dashboard_graphs_the_stream_and_the_producer_host(template):
    stream = f"${{Ref:{logical_id(template, 'AWS::KinesisFirehose::DeliveryStream')}}}"
    instance = f"${{Ref:{logical_id(template, 'AWS::EC2::Instance')}}}"
    metrics = dashboard_metrics(template)
    for name in (
        "IncomingRecords",
        "IncomingBytes",
        "DeliveryToS3.Success",
        "DeliveryToS3.DataFreshness",
        "ThrottledRecords",
    ):
        assert ("AWS/Firehose", name, "DeliveryStreamName", stream) in metrics
    assert ("AWS/EC2", "CPUUtilization", "InstanceId", instance) in metrics


def test_parquet_dashboard_also_graphs_conversion(template, parquet_template):
    conversion = {m[1] for m in dashboard_metrics(parquet_template)} - {m[1] for m in dashboard_metrics(template)}
    assert conversion == {"SucceedConversion.Records", "FailedConversion.Records"}


# --- outputs and teardown -----------------------------------------------------------------------------------


def test_outputs_name_the_workgroup_table_saved_queries_and_dashboard(template):
    outputs = template.to_json()["Outputs"]
    _, dashboard = only(template, "AWS::CloudWatch::Dashboard")
    assert outputs["AthenaWorkgroup"]["Value"] == "FirehoseLab"
    assert outputs["EventsTable"]["Value"] == "firehoselab.events"
    saved = {q["Properties"]["Name"] for q in template.find_resources("AWS::Athena::NamedQuery").values()}
    assert set(outputs["SavedQueries"]["Value"].split(", ")) == saved
    assert "/athena/home?region=${Ref:AWS::Region}#/query-editor" in show(outputs["AthenaConsoleUrl"]["Value"])
    url = show(outputs["DashboardUrl"]["Value"])
    assert url.endswith(f"#dashboards/dashboard/{dashboard['Properties']['DashboardName']}")


def test_outputs_say_where_failed_records_and_error_logs_are(template):
    outputs = template.to_json()["Outputs"]
    bucket_id = logical_id(template, "AWS::S3::Bucket")
    assert show(outputs["ListErrorsCommand"]["Value"]).startswith(f"aws s3 ls s3://${{Ref:{bucket_id}}}/errors/ ")
    logged_to = destination(template)["CloudWatchLoggingOptions"]["LogGroupName"]
    assert outputs["DeliveryErrorLogGroup"]["Value"] == logged_to


@pytest.mark.parametrize("lab", ["default_lab", "parquet_lab"])
def test_glue_athena_and_dashboard_are_deleted_with_the_stack(lab, request):
    _, template = request.getfixturevalue(lab)
    for type_name in (*TABLE_TYPES, "AWS::CloudWatch::Dashboard"):
        found = template.find_resources(type_name)
        assert found, type_name
        for resource_id, resource in found.items():
            assert resource["DeletionPolicy"] == "Delete", resource_id
            assert resource.get("UpdateReplacePolicy", "Delete") == "Delete", resource_id


def test_parquet_lab_retains_nothing(parquet_template):
    for resource_id, resource in parquet_template.to_json()["Resources"].items():
        assert resource.get("DeletionPolicy", "Delete") == "Delete", resource_id


def test_the_lab_database_names_its_lab(template):
    """What the preflight reads to tell a lab's own database from another's."""
    database = next(iter(template.find_resources("AWS::Glue::Database").values()))
    assert database["Properties"]["DatabaseInput"]["Parameters"] == {DATABASE_OWNER_PARAMETER: "FirehoseLab"}
