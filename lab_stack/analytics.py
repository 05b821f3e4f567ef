"""SQL over what Firehose delivered: a Glue table that describes the events, and an Athena workgroup to query it.

The table is the event's schema (producer/schema.py) in the catalog: Athena reads the delivered objects through it,
and with format=parquet Firehose converts each JSON event to a Parquet row by it. Its partitions are *projected*
from the stream's Hive-style date prefix (year=/month=/day=/hour=), so no crawler runs and no `MSCK REPAIR TABLE` is
needed as new hours arrive.
"""

from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_s3 as s3
from constructs import Construct

from lab_stack.names import DATABASE_OWNER_PARAMETER, EVENTS_PER_MINUTE, TOP_TICKERS, database_name
from lab_stack.outputs import add_outputs
from producer.schema import EVENT_FIELDS, TICKER_SYMBOLS, VERIFY_TICKER

# The stream's DATA_PREFIX written as partition projection: (column, projection range, digits in the S3 key).
PARTITION_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("year", "2025,2099", 4),
    ("month", "1,12", 2),
    ("day", "1,31", 2),
    ("hour", "0,23", 2),
)

# partitionBy: the partition column first in the key (data/ticker=AAPL/year=...), projected as an enum of the values
# the producer and `labctl verify` send, so Athena reads only the tickers a query names ("Partition projection with
# Amazon Athena": enum type). Events with other values land in S3 but are not projected.
PARTITION_VALUES = {"ticker": (*TICKER_SYMBOLS, VERIFY_TICKER)}

TABLE_NAME = "events"
RESULTS_PREFIX = "athena-results/"
# A runaway query over a lab's few MiB cannot happen, but a mistyped one over years of projected partitions is cut
# off at 1 GiB (Athena bills $5/TB scanned: at most half a cent).
BYTES_SCANNED_CUTOFF = 1024**3

_JSON_STORAGE = dict(
    input_format="org.apache.hadoop.mapred.TextInputFormat",
    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    serde_info=glue.CfnTable.SerdeInfoProperty(serialization_library="org.openx.data.jsonserde.JsonSerDe"),
)
_PARQUET_STORAGE = dict(
    input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    serde_info=glue.CfnTable.SerdeInfoProperty(
        serialization_library="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        parameters={"serialization.format": "1"},
    ),
)
# Firehose reads the schema from the catalog at delivery time (AWS: "Grant Firehose access to AWS Glue for data
# format conversion"); nothing else of Glue.
SCHEMA_READ_ACTIONS = ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"]


class EventCatalog(Construct):
    """Glue database + `events` table over the delivered data (JSON lines or Parquet, as the stream writes)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        lab_name: str,
        record_format: str,
        partition_by: str,
        bucket: s3.IBucket,
        data_root: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.database_name = database_name(lab_name)
        self.table_name = TABLE_NAME
        location = f"s3://{bucket.bucket_name}/{data_root}"
        partitions = [] if partition_by == "none" else [partition_by]
        template = location + "".join(
            f"{name}=${{{name}}}/" for name in [*partitions, *(name for name, _, _ in PARTITION_COLUMNS)]
        )

        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="firehose-lab: events delivered by the lab's stream",
                parameters={DATABASE_OWNER_PARAMETER: lab_name},
            ),
        )
        projection = {"projection.enabled": "true", "storage.location.template": template}
        for name in partitions:
            projection.update(
                {f"projection.{name}.type": "enum", f"projection.{name}.values": ",".join(PARTITION_VALUES[name])}
            )
        for name, value_range, digits in PARTITION_COLUMNS:
            projection.update(
                {
                    f"projection.{name}.type": "integer",
                    f"projection.{name}.range": value_range,
                    f"projection.{name}.digits": str(digits),
                }
            )
        storage = _PARQUET_STORAGE if record_format == "parquet" else _JSON_STORAGE
        self.table = glue.CfnTable(
            self,
            "Table",
            catalog_id=Aws.ACCOUNT_ID,
            # The literal name, not a Ref: the same name the Firehose role's policy and the queries use.
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=self.table_name,
                description=f"firehose-lab sample trade events, delivered as {record_format}",
                table_type="EXTERNAL_TABLE",
                parameters={"classification": record_format, "EXTERNAL": "TRUE", **projection},
                partition_keys=[
                    *(glue.CfnTable.ColumnProperty(name=name, type="string") for name in partitions),
                    *(glue.CfnTable.ColumnProperty(name=name, type="int") for name, *_ in PARTITION_COLUMNS),
                ],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    # A partition column is not also a data column (Glue/Athena refuse duplicate names): the
                    # partition value is the event's own field, taken from the key.
                    columns=[
                        glue.CfnTable.ColumnProperty(name=name, type=kind)
                        for name, kind in EVENT_FIELDS
                        if name not in partitions
                    ],
                    location=location,
                    **storage,
                ),
            ),
        )
        self.table.node.add_dependency(self.database)
        add_outputs(
            self,
            {
                "EventsTable": (
                    f"{self.database_name}.{self.table_name}",
                    f"Glue table over the delivered events ({record_format}), partitioned by date",
                ),
            },
        )

    def schema_configuration(self) -> firehose.SchemaConfiguration:
        """The table as Firehose's conversion schema (always its latest version)."""
        return firehose.SchemaConfiguration.from_cfn_table(self.table)

    def grant_schema_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read of this table's schema: the catalog, the database and the table, nothing else in Glue."""
        stack = Stack.of(self)
        resources = [
            stack.format_arn(service="glue", resource="catalog"),
            stack.format_arn(service="glue", resource="database", resource_name=self.database_name),
            stack.format_arn(service="glue", resource="table", resource_name=f"{self.database_name}/{self.table_name}"),
        ]
        return iam.Grant.add_to_principal(grantee=grantee, actions=SCHEMA_READ_ACTIONS, resource_arns=resources)


class QueryWorkgroup(Construct):
    """Athena workgroup writing encrypted results into the lab bucket, with the lab's saved example queries."""

    def __init__(
        self, scope: Construct, construct_id: str, *, workgroup_name: str, bucket: s3.IBucket, catalog: EventCatalog
    ) -> None:
        super().__init__(scope, construct_id)
        self.workgroup_name = workgroup_name
        self.results_location = f"s3://{bucket.bucket_name}/{RESULTS_PREFIX}"
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=self.workgroup_name,
            description="firehose-lab: query the delivered events (results in the lab bucket, removed with it)",
            # Lets `cdk destroy` delete the workgroup with its saved queries and query history.
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=BYTES_SCANNED_CUTOFF,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=self.results_location,
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                ),
            ),
        )
        table = f'"{catalog.database_name}"."{catalog.table_name}"'
        # Partition filters keep every query to today's few objects instead of all projected partitions (UTC, as
        # the stream's date prefix).
        today = "year = year(current_date) AND month = month(current_date) AND day = day(current_date)"
        queries = {
            "EventsPerMinute": (
                EVENTS_PER_MINUTE,
                "Events delivered per minute today, newest first: watch the producer's rate arrive.",
                f"SELECT date_trunc('minute', event_time) AS minute, count(*) AS events\n"
                f"FROM {table}\nWHERE {today}\nGROUP BY 1\nORDER BY 1 DESC\nLIMIT 60;",
            ),
            "TopTickers": (
                TOP_TICKERS,
                "Today's most traded tickers: trades, shares and average price.",
                f"SELECT ticker, count(*) AS trades, sum(quantity) AS shares, round(avg(price), 2) AS avg_price\n"
                f"FROM {table}\nWHERE {today}\nGROUP BY ticker\nORDER BY trades DESC\nLIMIT 10;",
            ),
        }
        self.named_queries = {
            name: athena.CfnNamedQuery(
                self,
                query_id,
                name=name,
                description=description,
                database=catalog.database_name,
                work_group=self.workgroup.ref,
                query_string=sql,
            )
            for query_id, (name, description, sql) in queries.items()
        }
        region = Aws.REGION
        add_outputs(
            self,
            {
                # Names, as the saved queries and the Firehose role's policy write them (labctl query reads these).
                "AthenaWorkgroup": (self.workgroup_name, "Athena workgroup to pick in the query editor"),
                "SavedQueries": (
                    ", ".join(self.named_queries),
                    "Example queries saved in the workgroup (query editor: Saved queries)",
                ),
                "AthenaConsoleUrl": (
                    f"https://{region}.console.aws.amazon.com/athena/home?region={region}#/query-editor",
                    f"Athena query editor (choose workgroup {self.workgroup_name})",
                ),
            },
        )
