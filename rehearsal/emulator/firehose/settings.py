"""Every Firehose stream setting is implemented as AWS documents it, refused when the stream is created, or named as
skipped (moto 5.2.5 accepts any setting and ignores most of them).

The rule: the emulator never tells a client "accepted" and then does something else with the data. `check()` runs on
CreateDeliveryStream and UpdateDestination (and so on CloudFormation's create, where a refusal becomes the resource's
CREATE_FAILED reason) while an Emulator runs. It enforces the AWS validations that decide where data lands (dynamic
partitioning's buffer minimums and prefixes, prefix semantic rules, FileExtension's pattern, ...) and refuses, naming
the setting, what the emulator does not implement. SETTINGS is the list, with what happens to each; `skipped()` names
the settings a rehearsal goes on without (shown in its "skipped" line).
AWS references: API reference CreateDeliveryStream, ExtendedS3DestinationConfiguration, Processor(Parameter),
DynamicPartitioningConfiguration; developer guide "Understand custom prefixes" (semantic rules), "Dynamic
partitioning", "Configure Amazon S3 object name format".
"""

import base64
import binascii
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from moto.firehose.exceptions import InvalidArgumentException
from moto.firehose.models import FirehoseBackend
from moto.kms.models import kms_backends

from . import buffering, lambda_
from .prefix import (
    NAMESPACE,
    PARTITION_KEY_FROM_LAMBDA,
    PARTITION_KEY_FROM_QUERY,
)
from .processing import compile_query, processors

IMPLEMENTED, REFUSED, SKIPPED = "implemented", "refused at create", "named as skipped"

# (setting, outcome, what the emulator does). The report's table; `check` and `skipped` are what enforce it.
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("DeliveryStreamName", IMPLEMENTED, "1-64 of [a-zA-Z0-9_.-]"),
    ("DeliveryStreamType DirectPut", IMPLEMENTED, "PutRecord / PutRecordBatch"),
    (
        "DeliveryStreamType KinesisStreamAsSource, MSKAsSource, DatabaseAsSource (and their source configurations)",
        REFUSED,
        "the emulator reads no Kinesis stream, MSK topic or database",
    ),
    ("DirectPutSourceConfiguration", SKIPPED, "a throughput hint; the emulator enforces no throughput quota"),
    (
        "DeliveryStreamEncryptionConfigurationInput",
        IMPLEMENTED,
        "PutRecord(Batch) answer Encrypted=true; a CUSTOMER_MANAGED_CMK key must exist and be enabled",
    ),
    ("Tags", IMPLEMENTED, "moto's own"),
    ("S3DestinationConfiguration", IMPLEMENTED, "as the ExtendedS3 settings of the same names"),
    (
        "Redshift, Elasticsearch, AmazonopensearchService, AmazonOpenSearchServerless, Splunk, HttpEndpoint, "
        "Snowflake, Iceberg destinations",
        REFUSED,
        "the emulator delivers to S3 only",
    ),
    ("BucketARN", IMPLEMENTED, "objects written to that bucket"),
    ("BufferingHints", IMPLEMENTED, "size or interval, whichever first; per dynamic partition"),
    ("CompressionFormat UNCOMPRESSED, GZIP", IMPLEMENTED, "gzip of the whole object, .gz"),
    (
        "CompressionFormat ZIP, Snappy, HADOOP_SNAPPY",
        REFUSED,
        "AWS documents no object layout the emulator could match",
    ),
    ("CustomTimeZone", IMPLEMENTED, "time prefix and object name in that zone"),
    ("FileExtension", IMPLEMENTED, "replaces the default extension; AWS's pattern enforced"),
    (
        "Prefix (timestamp, firehose:random-string, partitionKeyFromQuery)",
        IMPLEMENTED,
        "evaluated per object; default time prefix appended when no timestamp",
    ),
    ("Prefix with partitionKeyFromLambda", REFUSED, "needs a Lambda's partition keys (not run for partitioning)"),
    ("ErrorOutputPrefix", IMPLEMENTED, "failed records under it, by error-output-type"),
    (
        "EncryptionConfiguration (KMSEncryptionConfig, NoEncryptionConfig)",
        IMPLEMENTED,
        "objects written SSE-KMS with the key (their SSEKMSKeyId), or with the bucket's default",
    ),
    ("CloudWatchLoggingOptions", IMPLEMENTED, "errors logged to that log group and stream"),
    (
        "DynamicPartitioningConfiguration Enabled",
        IMPLEMENTED,
        "a buffer per partition; >= 64 MiB and >= 60 s enforced; failures to partitioning-failed/",
    ),
    (
        "DynamicPartitioningConfiguration RetryOptions",
        SKIPPED,
        "a failed S3 write is retried until it succeeds or the stream goes, for up to 24 h, as for any S3 destination",
    ),
    ("Processor RecordDeAggregation (JSON, DELIMITED)", IMPLEMENTED, "sub-records, at most 500 per record"),
    ("Processor MetadataExtraction (JQ-1.6)", IMPLEMENTED, "jq (PyPI) evaluates the query; keys for the prefix"),
    ("Processor AppendDelimiterToRecord", IMPLEMENTED, "a new line after each record"),
    (
        "Processor Lambda (python3.* or nodejs* zip function)",
        IMPLEMENTED,
        "the handler runs in a subprocess; Ok / Dropped / ProcessingFailed, retries, processing-failed/",
    ),
    (
        "Processor Lambda (other runtimes, container images, layers; with MetadataExtraction)",
        REFUSED,
        "cannot run here / AWS does not document the order of the two",
    ),
    ("Processor Decompression, CloudWatchLogProcessing", REFUSED, "CloudWatch Logs subscription payloads not modelled"),
    (
        "S3BackupMode Enabled + S3BackupConfiguration",
        IMPLEMENTED,
        "source records, before processing, with the backup's own buffering, prefix, compression and key",
    ),
    (
        "DataFormatConversionConfiguration (OpenX JSON in, Parquet out)",
        IMPLEMENTED,
        "typed by the Glue table at flush, one Parquet object per flush; misfits to format-conversion-failed/",
    ),
    (
        "DataFormatConversionConfiguration (ORC out, Hive JSON in)",
        REFUSED,
        "the emulator converts OpenX JSON to Parquet",
    ),
    ("RoleARN (destination, backup, processors)", SKIPPED, "the delivery role's permissions are not evaluated"),
    ("any other setting", REFUSED, "named in the refusal as a setting the emulator does not know"),
)


def markdown() -> list[str]:
    """SETTINGS as the README's table ("The emulator never lies"), in their order; a test keeps the two equal."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    return [
        "| setting | what the emulator does with it | how |",
        "|---|---|---|",
        *(f"| {cell(setting)} | {outcome} | {cell(how)} |" for setting, outcome, how in SETTINGS),
    ]


DESTINATIONS = ("S3DestinationConfiguration", "ExtendedS3DestinationConfiguration")
OTHER_DESTINATIONS = (
    "RedshiftDestinationConfiguration",
    "ElasticsearchDestinationConfiguration",
    "AmazonopensearchserviceDestinationConfiguration",
    "AmazonOpenSearchServerlessDestinationConfiguration",
    "SplunkDestinationConfiguration",
    "HttpEndpointDestinationConfiguration",
    "SnowflakeDestinationConfiguration",
    "IcebergDestinationConfiguration",
)
SOURCES = ("KinesisStreamSourceConfiguration", "MSKSourceConfiguration", "DatabaseSourceConfiguration")
STREAM_KEYS = {
    "DeliveryStreamName",
    "DeliveryStreamType",
    "DeliveryStreamEncryptionConfigurationInput",
    "Tags",
    "DirectPutSourceConfiguration",
    *DESTINATIONS,
    *OTHER_DESTINATIONS,
    *SOURCES,
}
S3_KEYS = {
    "BucketARN",
    "RoleARN",
    "BufferingHints",
    "CompressionFormat",
    "EncryptionConfiguration",
    "Prefix",
    "ErrorOutputPrefix",
    "CloudWatchLoggingOptions",
}
EXTENDED_KEYS = S3_KEYS | {
    "CustomTimeZone",
    "FileExtension",
    "DynamicPartitioningConfiguration",
    "ProcessingConfiguration",
    "S3BackupMode",
    "S3BackupConfiguration",
    "DataFormatConversionConfiguration",
}
COMPRESSIONS = ("UNCOMPRESSED", "GZIP")
PROCESSOR_PARAMETERS = {
    "RecordDeAggregation": {"SubRecordType", "Delimiter"},
    "MetadataExtraction": {"MetadataExtractionQuery", "JsonParsingEngine"},
    "AppendDelimiterToRecord": set(),
    "Lambda": {"LambdaArn", "NumberOfRetries", "RoleArn", "BufferSizeInMBs", "BufferIntervalInSeconds"},
}
_STREAM_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
_FILE_EXTENSION = re.compile(r"\.[0-9a-z!\-_.*'()]+")
MIN_PARTITIONED_SIZE_MB = 64
MIN_PARTITIONED_INTERVAL_S = 60


def _refuse(setting: str, problem: str) -> InvalidArgumentException:
    return InvalidArgumentException(f"{setting}: {problem}")


def _not_here(setting: str, why: str) -> InvalidArgumentException:
    return _refuse(
        setting,
        f"not implemented by the rehearsal's emulator ({why}); it refuses the stream rather "
        "than accept records it would not treat as AWS does",
    )


def _enabled(config: Any, default: bool = True) -> bool:
    if not isinstance(config, dict):
        return bool(config)
    return str(config.get("Enabled", default)).lower() == "true"


def check(props: dict[str, Any], account_id: str, region: str) -> list[str]:
    """Refuse (InvalidArgumentException naming the setting) what cannot be honoured; the settings skipped."""
    for key in props:
        if key not in STREAM_KEYS:
            raise _not_here(key, "a setting it does not know")
    name = props.get("DeliveryStreamName")
    if name is not None and not _STREAM_NAME.fullmatch(str(name)):
        raise _refuse("DeliveryStreamName", f"{name!r} must be 1-64 characters of a-z, A-Z, 0-9, _ . -")
    stream_type = props.get("DeliveryStreamType") or "DirectPut"
    if stream_type != "DirectPut":
        raise _not_here(f"DeliveryStreamType={stream_type}", "it reads no Kinesis stream, MSK topic or database")
    for key in SOURCES + OTHER_DESTINATIONS:
        if props.get(key):
            raise _not_here(key, "it delivers Direct PUT records to S3 only")
    _check_stream_encryption(props.get("DeliveryStreamEncryptionConfigurationInput"), account_id, region)
    for key in DESTINATIONS:
        if props.get(key):
            _check_destination(key, props[key], account_id, region)
    return skipped(props)


def _check_stream_encryption(config: dict[str, Any] | None, account_id: str, region: str) -> None:
    if not config:
        return
    setting = "DeliveryStreamEncryptionConfigurationInput"
    key_type = config.get("KeyType", "AWS_OWNED_CMK")
    if key_type not in ("AWS_OWNED_CMK", "CUSTOMER_MANAGED_CMK"):
        raise _refuse(f"{setting}.KeyType", f"{key_type!r} must be AWS_OWNED_CMK or CUSTOMER_MANAGED_CMK")
    if key_type == "CUSTOMER_MANAGED_CMK":
        arn = config.get("KeyARN")
        backend = kms_backends[account_id][region]
        try:
            key = backend.describe_key(arn) if arn else None
        except KeyError:
            key = None
        if key is None or key.key_state != "Enabled":
            raise _refuse(f"{setting}.KeyARN", f"{arn!r} is not an enabled KMS key (InvalidKMSResourceException)")


def _check_destination(setting: str, destination: dict[str, Any], account_id: str, region: str) -> None:
    allowed = EXTENDED_KEYS if setting == "ExtendedS3DestinationConfiguration" else S3_KEYS
    for key in destination:
        if key not in allowed:
            raise _not_here(f"{setting}.{key}", "a setting it does not know")
    _check_s3(setting, destination, allowed_namespaces=("timestamp", "firehose", PARTITION_KEY_FROM_QUERY))
    zone = destination.get("CustomTimeZone")
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise _refuse(f"{setting}.CustomTimeZone", f"{zone!r} is not a time zone Firehose supports") from None
    extension = destination.get("FileExtension")
    if extension and (len(extension) > 128 or not _FILE_EXTENSION.fullmatch(extension)):
        raise _refuse(
            f"{setting}.FileExtension",
            f"{extension!r} must start with a period and hold only 0-9 a-z ! - _ . * ' ( ) (at most 128)",
        )
    steps = processors(destination)
    _check_processors(f"{setting}.ProcessingConfiguration", steps, account_id, region)
    _check_partitioning(setting, destination, steps)
    # DataFormatConversionConfiguration is checked by conversion.validate.
    if destination.get("S3BackupMode", "Disabled") not in ("Disabled", "Enabled"):
        raise _refuse(f"{setting}.S3BackupMode", "must be Disabled or Enabled")
    if destination.get("S3BackupMode") == "Enabled":
        backup = destination.get("S3BackupConfiguration")
        if not backup:
            raise _refuse(f"{setting}.S3BackupConfiguration", "is required when S3BackupMode is Enabled")
        for key in backup:
            if key not in S3_KEYS:
                raise _not_here(f"{setting}.S3BackupConfiguration.{key}", "a setting it does not know")
        _check_s3(f"{setting}.S3BackupConfiguration", backup, allowed_namespaces=("timestamp", "firehose"), backup=True)


def _size_mb(destination: dict[str, Any]) -> int:
    return int((destination.get("BufferingHints") or {}).get("SizeInMBs", buffering.DEFAULT_SIZE_MB))


def _check_s3(
    setting: str, destination: dict[str, Any], allowed_namespaces: tuple[str, ...], backup: bool = False
) -> None:
    compression = destination.get("CompressionFormat", "UNCOMPRESSED")
    if compression not in COMPRESSIONS:
        raise _not_here(
            f"{setting}.CompressionFormat={compression}",
            "AWS documents no object layout for it that the emulator could match; UNCOMPRESSED and "
            "GZIP are implemented",
        )
    prefix, error_prefix = destination.get("Prefix") or "", destination.get("ErrorOutputPrefix") or ""
    for field, template in (("Prefix", prefix), ("ErrorOutputPrefix", error_prefix)):
        for match in NAMESPACE.finditer(template):
            namespace, value = match.group(1), match.group(2)
            if namespace == PARTITION_KEY_FROM_LAMBDA:
                raise _not_here(
                    f"{setting}.{field} {match.group(0)}",
                    "partition keys from a Lambda; use partitionKeyFromQuery with MetadataExtraction",
                )
            if namespace not in allowed_namespaces or (
                namespace == "firehose" and value not in ("random-string", "error-output-type")
            ):
                raise _refuse(f"{setting}.{field}", f"{match.group(0)} is not a valid expression here")
        if "!{" in NAMESPACE.sub("", template):
            raise _refuse(f"{setting}.{field}", "the sequence !{ can only appear in !{namespace:value} expressions")
    # "Understand custom prefixes", semantic rules.
    if "!{firehose:error-output-type}" in prefix:
        raise _refuse(f"{setting}.Prefix", "can't contain !{firehose:error-output-type}")
    if NAMESPACE.search(prefix) and not error_prefix and not backup:  # a backup's ErrorOutputPrefix is ignored
        raise _refuse(f"{setting}.ErrorOutputPrefix", "can't be null when Prefix contains expressions")
    if NAMESPACE.search(error_prefix) and "!{firehose:error-output-type}" not in error_prefix:
        raise _refuse(
            f"{setting}.ErrorOutputPrefix", "must include !{firehose:error-output-type} when it contains expressions"
        )


def _check_processors(setting: str, steps: dict[str, dict[str, str]], account_id: str, region: str) -> None:
    for kind, params in steps.items():
        if kind not in PROCESSOR_PARAMETERS:
            raise _not_here(
                f"{setting} processor {kind}",
                "CloudWatch Logs subscription payloads are not modelled"
                if kind in ("Decompression", "CloudWatchLogProcessing")
                else "an unknown processor",
            )
        for name in params:
            if name not in PROCESSOR_PARAMETERS[kind]:
                raise _refuse(f"{setting} processor {kind}", f"parameter {name} is not one of its parameters")
    if "Lambda" in steps and "MetadataExtraction" in steps:
        raise _not_here(
            f"{setting} processors Lambda and MetadataExtraction together",
            "AWS does not document whether the JQ query reads records before or after the Lambda",
        )
    deaggregation = steps.get("RecordDeAggregation")
    if deaggregation is not None:
        sub_type = deaggregation.get("SubRecordType", "JSON")
        if sub_type not in ("JSON", "DELIMITED"):
            raise _refuse(
                f"{setting} processor RecordDeAggregation", f"SubRecordType {sub_type!r} must be JSON or DELIMITED"
            )
        if sub_type == "DELIMITED":
            try:
                if not base64.b64decode(deaggregation.get("Delimiter", ""), validate=True):
                    raise ValueError
            except (binascii.Error, ValueError):
                raise _refuse(
                    f"{setting} processor RecordDeAggregation", "DELIMITED needs a base64-encoded Delimiter"
                ) from None
    extraction = steps.get("MetadataExtraction")
    if extraction is not None:
        engine = extraction.get("JsonParsingEngine")
        if engine != "JQ-1.6":
            raise _refuse(f"{setting} processor MetadataExtraction", f"JsonParsingEngine {engine!r} must be JQ-1.6")
        try:
            compile_query(extraction.get("MetadataExtractionQuery", ""))
        except ValueError as error:
            raise _refuse(
                f"{setting} processor MetadataExtraction", f"MetadataExtractionQuery does not compile: {error}"
            ) from None
    function = steps.get("Lambda")
    if function is not None:
        arn = function.get("LambdaArn")
        if not arn:
            raise _refuse(f"{setting} processor Lambda", "LambdaArn is required")
        found = lambda_.find_function(arn, account_id, region)
        problem = found and lambda_.why_not_runnable(found)
        if problem:
            raise _not_here(f"{setting} processor Lambda {arn}", problem)


def _check_partitioning(setting: str, destination: dict[str, Any], steps: dict[str, dict[str, str]]) -> None:
    partitioning = destination.get("DynamicPartitioningConfiguration")
    enabled = bool(partitioning) and _enabled(partitioning, default=False)
    prefix = destination.get("Prefix") or ""
    uses_keys = any(m.group(1) == PARTITION_KEY_FROM_QUERY for m in NAMESPACE.finditer(prefix))
    if not enabled:
        if uses_keys:
            raise _refuse(f"{setting}.Prefix", "partitionKeyFromQuery needs DynamicPartitioningConfiguration Enabled")
        return
    # AWS: dynamic partitioning needs a buffer of at least 64 MiB and 60 s, a prefix with partition keys, an error
    # prefix, and a way to get the keys (MetadataExtraction here).
    hints = destination.get("BufferingHints") or {}
    if _size_mb(destination) < MIN_PARTITIONED_SIZE_MB:
        raise _refuse(
            f"{setting}.BufferingHints.SizeInMBs",
            f"must be at least {MIN_PARTITIONED_SIZE_MB} when dynamic partitioning is enabled",
        )
    if int(hints.get("IntervalInSeconds", buffering.DEFAULT_INTERVAL_S)) < MIN_PARTITIONED_INTERVAL_S:
        raise _refuse(
            f"{setting}.BufferingHints.IntervalInSeconds",
            f"must be at least {MIN_PARTITIONED_INTERVAL_S} when dynamic partitioning is enabled",
        )
    if not uses_keys:
        raise _refuse(
            f"{setting}.Prefix",
            "must contain !{partitionKeyFromQuery:key} expressions when dynamic partitioning is enabled",
        )
    if not destination.get("ErrorOutputPrefix"):
        raise _refuse(f"{setting}.ErrorOutputPrefix", "is required when dynamic partitioning is enabled")
    if "MetadataExtraction" not in steps:
        raise _refuse(
            f"{setting}.ProcessingConfiguration",
            "partitionKeyFromQuery needs a MetadataExtraction processor (inline parsing)",
        )


def skipped(props: dict[str, Any]) -> list[str]:
    """The settings present that the emulator goes on without (only keys are read: values may be unresolved)."""
    names = []
    if props.get("DirectPutSourceConfiguration"):
        names.append("DirectPutSourceConfiguration (throughput hint)")
    for key in DESTINATIONS:
        destination = props.get(key)
        if not isinstance(destination, dict):
            continue
        partitioning = destination.get("DynamicPartitioningConfiguration")
        if isinstance(partitioning, dict) and partitioning.get("RetryOptions"):
            names.append("Firehose DynamicPartitioningConfiguration.RetryOptions")
        roles = [destination.get("RoleARN"), (destination.get("S3BackupConfiguration") or {}).get("RoleARN")]
        if any(roles):
            names.append("the Firehose delivery role's permissions (not evaluated)")
    return sorted(set(names))


def skipped_in_template(template: dict[str, Any]) -> list[str]:
    """What the emulator would skip for a template's delivery streams."""
    names: set[str] = set()
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::KinesisFirehose::DeliveryStream":
            names.update(skipped(resource.get("Properties", {})))
    return sorted(names)


_original_create = FirehoseBackend.create_delivery_stream
_original_update = FirehoseBackend.update_destination


def _create_delivery_stream(
    self: FirehoseBackend,
    region: str,
    delivery_stream_name: str,
    delivery_stream_type: str,
    kinesis_stream_source_configuration: Any,
    delivery_stream_encryption_configuration_input: Any,
    s3_destination_configuration: Any,
    extended_s3_destination_configuration: Any,
    redshift_destination_configuration: Any,
    elasticsearch_destination_configuration: Any,
    splunk_destination_configuration: Any,
    http_endpoint_destination_configuration: Any,
    snowflake_destination_configuration: Any,
    iceberg_destination_configuration: Any,
    tags: Any,
) -> str:
    if buffering.active():
        check(
            {
                "DeliveryStreamName": delivery_stream_name,
                "DeliveryStreamType": delivery_stream_type,
                "KinesisStreamSourceConfiguration": kinesis_stream_source_configuration,
                "DeliveryStreamEncryptionConfigurationInput": delivery_stream_encryption_configuration_input,
                "S3DestinationConfiguration": s3_destination_configuration,
                "ExtendedS3DestinationConfiguration": extended_s3_destination_configuration,
                "RedshiftDestinationConfiguration": redshift_destination_configuration,
                "ElasticsearchDestinationConfiguration": elasticsearch_destination_configuration,
                "SplunkDestinationConfiguration": splunk_destination_configuration,
                "HttpEndpointDestinationConfiguration": http_endpoint_destination_configuration,
                "SnowflakeDestinationConfiguration": snowflake_destination_configuration,
                "IcebergDestinationConfiguration": iceberg_destination_configuration,
            },
            self.account_id,
            region,
        )
    arn = _original_create(
        self,
        region,
        delivery_stream_name,
        delivery_stream_type,
        kinesis_stream_source_configuration,
        delivery_stream_encryption_configuration_input,
        s3_destination_configuration,
        extended_s3_destination_configuration,
        redshift_destination_configuration,
        elasticsearch_destination_configuration,
        splunk_destination_configuration,
        http_endpoint_destination_configuration,
        snowflake_destination_configuration,
        iceberg_destination_configuration,
        tags,
    )
    encryption = self.delivery_streams[delivery_stream_name].delivery_stream_encryption_configuration
    if encryption and "Status" not in encryption:
        encryption["Status"] = "ENABLED"  # what DescribeDeliveryStream shows for a stream created encrypted
    return arn


def _update_destination(
    self: FirehoseBackend,
    delivery_stream_name: str,
    current_delivery_stream_version_id: str,
    destination_id: str,
    s3_destination_update: Any,
    extended_s3_destination_update: Any,
    *args: Any,
    **kwargs: Any,
) -> None:
    """The merged destination must pass the same check; dynamic partitioning cannot be switched on later."""
    if buffering.active() and delivery_stream_name in self.delivery_streams:
        stream = self.delivery_streams[delivery_stream_name]
        current = stream.destinations[0].get("ExtendedS3") or stream.destinations[0].get("S3") or {}
        for key, update in (
            ("S3DestinationConfiguration", s3_destination_update),
            ("ExtendedS3DestinationConfiguration", extended_s3_destination_update),
        ):
            if update:
                merged = {**current, **update}
                backup = merged.pop("S3BackupDescription", None)  # moto's name for the stored backup configuration
                if backup and "S3BackupConfiguration" not in merged:
                    merged["S3BackupConfiguration"] = backup
                check({key: merged}, self.account_id, self.region_name)
                was = current.get("DynamicPartitioningConfiguration") or {}
                if _enabled(merged.get("DynamicPartitioningConfiguration") or {}, False) and not _enabled(was, False):
                    raise _refuse(
                        f"{key}.DynamicPartitioningConfiguration",
                        "dynamic partitioning can only be enabled when the stream is created",
                    )
    return _original_update(
        self,
        delivery_stream_name,
        current_delivery_stream_version_id,
        destination_id,
        s3_destination_update,
        extended_s3_destination_update,
        *args,
        **kwargs,
    )


def install() -> None:
    """Check every stream the emulator creates or updates (idempotent)."""
    FirehoseBackend.create_delivery_stream = _create_delivery_stream
    FirehoseBackend.update_destination = _update_destination
