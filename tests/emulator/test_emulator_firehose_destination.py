"""The S3 destination's settings as AWS documents them: FileExtension, CustomTimeZone, the destination's KMS key on
every object, S3 backup of source records, error logging, stream encryption; a failed write is retried, not
dropped; what the emulator cannot honour is refused at creation, naming the setting."""

import json
import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from labctl.toolkit import ROOT
from rehearsal.emulator import Emulator
from rehearsal.emulator.firehose import settings_table, skipped
from support.emulator.firehose import ROLE, make_stream, processors, put, wait_for

CLOCK_SCALE = 0.01


@pytest.fixture(scope="module")
def emu():
    with Emulator(clock_scale=CLOCK_SCALE) as emulator:
        yield emulator


def key_arn(emu):
    return emu.client("kms").create_key()["KeyMetadata"]["Arn"]


def test_file_extension_replaces_the_compression_default(emu):
    make_stream(emu, "ext", CompressionFormat="GZIP", FileExtension=".log.gz")
    put(emu, "ext", b"x\n")
    [(key, body)] = wait_for(emu, "ext-bucket").items()
    assert key.endswith(".log.gz") and not key.endswith(".gz.gz")
    assert body == b"x\n"


def test_custom_time_zone_applies_to_the_time_prefix_and_the_object_name(emu):
    make_stream(emu, "tokyo", CustomTimeZone="Asia/Tokyo")
    before = datetime.now(timezone(timedelta(hours=9)))
    put(emu, "tokyo", b"x")
    [key] = wait_for(emu, "tokyo-bucket")
    prefix_hour, name_hour = re.fullmatch(
        r"\d{4}/\d{2}/\d{2}/(\d{2})/tokyo-1-\d{4}-\d{2}-\d{2}-(\d{2})-.*", key
    ).groups()
    assert prefix_hour == name_hour
    assert int(prefix_hour) in (before.hour, (before.hour + 1) % 24)


def test_delivered_objects_carry_the_destination_kms_key(emu):
    key = key_arn(emu)
    make_stream(emu, "kms", EncryptionConfiguration={"KMSEncryptionConfig": {"AWSKMSKeyARN": key}})
    put(emu, "kms", b"secret")
    [object_key] = wait_for(emu, "kms-bucket")
    head = emu.client("s3").head_object(Bucket="kms-bucket", Key=object_key)
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key)


def test_s3_backup_keeps_the_source_records_before_processing(emu):
    backup_key = key_arn(emu)
    emu.client("s3").create_bucket(Bucket="raw-bucket")
    make_stream(
        emu,
        "backed-up",
        ProcessingConfiguration=processors(("AppendDelimiterToRecord", {})),
        S3BackupMode="Enabled",
        S3BackupConfiguration={
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::raw-bucket",
            "Prefix": "raw/",
            "CompressionFormat": "GZIP",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            "EncryptionConfiguration": {"KMSEncryptionConfig": {"AWSKMSKeyARN": backup_key}},
        },
    )
    put(emu, "backed-up", b"a", b"b")
    assert list(wait_for(emu, "backed-up-bucket").values()) == [b"a\nb\n"]
    [(key, body)] = wait_for(emu, "raw-bucket").items()
    assert re.fullmatch(r"raw/\d{4}/\d{2}/\d{2}/\d{2}/backed-up-1-.*\.gz", key), key
    assert body == b"ab"  # as sent: the delimiter processor ran on the delivered copy only
    assert emu.client("s3").head_object(Bucket="raw-bucket", Key=key)["SSEKMSKeyId"] == backup_key


def test_errors_are_logged_to_the_stream_log_group(emu):
    logs = emu.client("logs")
    logs.create_log_group(logGroupName="firehose-errors")
    logs.create_log_stream(logGroupName="firehose-errors", logStreamName="DestinationDelivery")
    make_stream(
        emu,
        "logged",
        size_mb=64,
        interval_s=60,
        Prefix="t=!{partitionKeyFromQuery:t}/",
        ErrorOutputPrefix="e/!{firehose:error-output-type}/",
        DynamicPartitioningConfiguration={"Enabled": True},
        CloudWatchLoggingOptions={
            "Enabled": True,
            "LogGroupName": "firehose-errors",
            "LogStreamName": "DestinationDelivery",
        },
        ProcessingConfiguration=processors(
            ("MetadataExtraction", {"MetadataExtractionQuery": "{t: .t}", "JsonParsingEngine": "JQ-1.6"})
        ),
    )
    put(emu, "logged", b'{"u": 1}')
    [event] = logs.get_log_events(logGroupName="firehose-errors", logStreamName="DestinationDelivery")["events"]
    logged = json.loads(event["message"])
    assert logged["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
    assert logged["deliveryStreamARN"].endswith(":deliverystream/logged")


def test_put_answers_encrypted_when_the_stream_has_server_side_encryption(emu):
    firehose = emu.client("firehose")
    emu.client("s3").create_bucket(Bucket="sse-bucket")
    firehose.create_delivery_stream(
        DeliveryStreamName="sse",
        DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"},
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::sse-bucket"},
    )
    assert put(emu, "sse", b"x")["Encrypted"] is True
    assert firehose.put_record(DeliveryStreamName="sse", Record={"Data": b"y"})["Encrypted"] is True
    make_stream(emu, "plain")
    assert put(emu, "plain", b"x")["Encrypted"] is False


def test_a_failed_delivery_is_retried_until_it_succeeds(emu):
    make_stream(emu, "retried")
    emu.client("s3").delete_bucket(Bucket="retried-bucket")
    put(emu, "retried", b"not lost")
    time.sleep(0.2)
    emu.client("s3").create_bucket(Bucket="retried-bucket")
    assert list(wait_for(emu, "retried-bucket").values()) == [b"not lost"]


@pytest.mark.parametrize(
    "destination,named",
    [
        (dict(CompressionFormat="ZIP"), "CompressionFormat=ZIP"),
        (dict(CompressionFormat="Snappy"), "CompressionFormat=Snappy"),
        (dict(FileExtension="gz"), "FileExtension"),
        (dict(CustomTimeZone="Mars/Olympus"), "CustomTimeZone"),
        (dict(Prefix="!{timestamp:yyyy}/"), "ErrorOutputPrefix: can't be null"),
        (dict(Prefix="p/", ErrorOutputPrefix="e/!{timestamp:yyyy}/"), "must include !{firehose:error-output-type}"),
        (dict(S3BackupMode="Enabled"), "S3BackupConfiguration: is required"),
    ],
)
def test_destination_settings_the_emulator_cannot_honour_are_refused(emu, destination, named):
    with pytest.raises(ClientError, match="InvalidArgumentException") as refused:
        make_stream(emu, "refused", **destination)
    assert named in str(refused.value)


@pytest.mark.parametrize(
    "stream,named",
    [
        (
            dict(
                DeliveryStreamType="KinesisStreamAsSource",
                KinesisStreamSourceConfiguration={
                    "KinesisStreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/s",
                    "RoleARN": ROLE,
                },
            ),
            "DeliveryStreamType=KinesisStreamAsSource",
        ),
        (
            dict(
                HttpEndpointDestinationConfiguration={
                    "EndpointConfiguration": {"Url": "https://example.com"},
                    "S3Configuration": {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b"},
                }
            ),
            "HttpEndpointDestinationConfiguration",
        ),
    ],
)
def test_sources_and_destinations_other_than_direct_put_to_s3_are_refused(emu, stream, named):
    with pytest.raises(ClientError, match="InvalidArgumentException") as refused:
        emu.client("firehose").create_delivery_stream(DeliveryStreamName="other", **stream)
    assert named in str(refused.value)


def test_settings_the_rehearsal_goes_on_without_are_named():
    names = skipped(
        {
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": ROLE,
                "DataFormatConversionConfiguration": {"Enabled": True},
                "DynamicPartitioningConfiguration": {"Enabled": True, "RetryOptions": {"DurationInSeconds": 300}},
            }
        }
    )
    assert names == [
        "Firehose DynamicPartitioningConfiguration.RetryOptions",
        "the Firehose delivery role's permissions (not evaluated)",
    ]


def test_the_readme_table_is_the_settings_list():
    """README "The emulator never lies" is SETTINGS as markdown(): neither says what the other does not."""
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- firehose-settings:begin -->\n(.*)\n<!-- firehose-settings:end -->", readme, re.S)
    assert table is not None
    assert table.group(1).splitlines() == settings_table(), (
        'regenerate: .venv/bin/python -c "from rehearsal.emulator.firehose.settings import markdown; '
        'print(chr(10).join(markdown()))"'
    )
