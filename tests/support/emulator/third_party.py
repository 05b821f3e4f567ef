"""Firehose -> S3 templates in the shape of other people's: aws-cdk's aws-kinesisfirehose integration tests (built with
the real aws-cdk-lib L2, as those tests are) and AWS Solutions Constructs' aws-kinesisfirehose-s3: its default stack
and two of it in one stack, synthesized by the construct itself (PyPI aws-solutions-constructs.aws-kinesis-firehose-s3:
an access-log bucket whose policy lets S3's logging service write with `ArnLike aws:SourceArn`, retained buckets and
log group), and its existing-key variant written out as the CloudFormation it produces (long logical ids, a
customer-managed KMS key, a bucket without auto-delete). None of them is the lab's own template."""

import aws_cdk as cdk
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from aws_solutions_constructs.aws_kinesis_firehose_s3 import KinesisFirehoseToS3

ALL_PROPERTIES = "aws-cdk-firehose-delivery-stream-s3-all-properties"
DYNAMIC_PARTITIONING = "aws-cdk-firehose-dynamic-partitioning-inline"
SOLUTIONS_CONSTRUCTS = "test-kinesisfirehose-s3-existing-key"
SOLUTIONS_CONSTRUCTS_DEFAULT = "solutions-constructs-kinesisfirehose-s3"
SOLUTIONS_CONSTRUCTS_TWICE = "solutions-constructs-kinesisfirehose-s3-twice"
ASSETS_BUCKET = "cdk-hnb659fds-assets-123456789012-us-east-1"

# A transformation Lambda like the integration test's data processor: upper-case each record, one per line.
DATA_PROCESSOR = """
exports.handler = async (event) => ({
  records: event.records.map((record) => ({
    recordId: record.recordId,
    result: 'Ok',
    data: Buffer.from(Buffer.from(record.data, 'base64').toString('utf8').toUpperCase() + '\\n').toString('base64'),
  })),
});
"""


def _stack(app: cdk.App, name: str) -> cdk.Stack:
    return cdk.Stack(app, name, synthesizer=cdk.DefaultStackSynthesizer(generate_bootstrap_version_rule=False))


def all_properties(app: cdk.App, backup_compression: firehose.Compression) -> cdk.Stack:
    """integ.s3-bucket.lit: every S3 destination property, and a second stream with zero buffering."""
    stack = _stack(app, ALL_PROPERTIES)
    bucket = s3.Bucket(
        stack,
        "FirehoseDeliveryStreamS3AllPropertiesBucket",
        removal_policy=cdk.RemovalPolicy.DESTROY,
        auto_delete_objects=True,
    )
    backup_bucket = s3.Bucket(
        stack,
        "FirehoseDeliveryStreamS3AllPropertiesBackupBucket",
        removal_policy=cdk.RemovalPolicy.DESTROY,
        auto_delete_objects=True,
    )
    log_group = logs.LogGroup(stack, "LogGroup", removal_policy=cdk.RemovalPolicy.DESTROY)
    function = lambda_.Function(
        stack,
        "DataProcessorFunction",
        runtime=lambda_.Runtime.NODEJS_24_X,
        handler="index.handler",
        code=lambda_.Code.from_inline(DATA_PROCESSOR),
        timeout=cdk.Duration.minutes(1),
    )
    processor = firehose.LambdaFunctionProcessor(
        function, buffer_interval=cdk.Duration.seconds(60), buffer_size=cdk.Size.mebibytes(1), retries=1
    )
    key = kms.Key(stack, "Key", removal_policy=cdk.RemovalPolicy.DESTROY)
    backup_key = kms.Key(stack, "BackupKey", removal_policy=cdk.RemovalPolicy.DESTROY)
    stream = firehose.DeliveryStream(
        stack,
        "DeliveryStream",
        destination=firehose.S3Bucket(
            bucket,
            logging_config=firehose.EnableLogging(log_group),
            processors=[processor],
            compression=firehose.Compression.GZIP,
            data_output_prefix="regularPrefix",
            error_output_prefix="errorPrefix",
            file_extension=".log.gz",
            time_zone=cdk.TimeZone.ASIA_TOKYO,
            buffering_interval=cdk.Duration.seconds(60),
            buffering_size=cdk.Size.mebibytes(1),
            encryption_key=key,
            s3_backup=firehose.DestinationS3BackupProps(
                mode=firehose.BackupMode.ALL,
                bucket=backup_bucket,
                compression=backup_compression,
                data_output_prefix="backupPrefix",
                error_output_prefix="backupErrorPrefix",
                buffering_interval=cdk.Duration.seconds(60),
                buffering_size=cdk.Size.mebibytes(1),
                encryption_key=backup_key,
            ),
        ),
    )
    zero = firehose.DeliveryStream(
        stack,
        "ZeroBufferingDeliveryStream",
        destination=firehose.S3Bucket(
            bucket,
            compression=firehose.Compression.GZIP,
            data_output_prefix="regularPrefix",
            error_output_prefix="errorPrefix",
            buffering_interval=cdk.Duration.seconds(0),
        ),
    )
    for output_id, value in (
        ("StreamName", stream.delivery_stream_name),
        ("ZeroStreamName", zero.delivery_stream_name),
        ("BucketName", bucket.bucket_name),
        ("BackupBucketName", backup_bucket.bucket_name),
        ("KeyArn", key.key_arn),
        ("BackupKeyArn", backup_key.key_arn),
    ):
        cdk.CfnOutput(stack, output_id, value=value, export_name=f"all-properties-{output_id}")
    return stack


def dynamic_partitioning(app: cdk.App) -> cdk.Stack:
    """integ.dynamic-partitioning-with-inline-parsing: JQ keys from deaggregated JSON records."""
    stack = _stack(app, DYNAMIC_PARTITIONING)
    bucket = s3.Bucket(stack, "Bucket", auto_delete_objects=True, removal_policy=cdk.RemovalPolicy.DESTROY)
    stream = firehose.DeliveryStream(
        stack,
        "DeliveryStream",
        destination=firehose.S3Bucket(
            bucket,
            buffering_interval=cdk.Duration.seconds(60),
            dynamic_partitioning=firehose.DynamicPartitioningProps(enabled=True),
            processors=[
                firehose.RecordDeAggregationProcessor.json(),
                firehose.MetadataExtractionProcessor.jq16({"key1": ".foo", "key2": ".bar.baz|ascii_upcase"}),
            ],
            data_output_prefix="key1=!{partitionKeyFromQuery:key1}/key2=!{partitionKeyFromQuery:key2}/",
            error_output_prefix="error-output/!{firehose:error-output-type}/",
        ),
    )
    cdk.CfnOutput(stack, "StreamName", value=stream.delivery_stream_name, export_name="dp-StreamName")
    cdk.CfnOutput(stack, "BucketName", value=bucket.bucket_name, export_name="dp-BucketName")
    return stack


def cdk_templates(backup_compression: firehose.Compression = firehose.Compression.GZIP) -> dict[str, dict]:
    """{stack name: template} of the aws-cdk-shaped stacks, synthesized once."""
    app = cdk.App()
    stacks = [all_properties(app, backup_compression), dynamic_partitioning(app)]
    return {stack.stack_name: Template.from_stack(stack).to_json() for stack in stacks}


def kinesisfirehose_s3(stack: cdk.Stack, construct_id: str, prefix: str = "") -> None:
    """One KinesisFirehoseToS3 with its defaults, and outputs naming its stream and buckets."""
    built = KinesisFirehoseToS3(stack, construct_id)
    cdk.CfnOutput(stack, f"{prefix}StreamName", value=built.kinesis_firehose.ref)
    cdk.CfnOutput(stack, f"{prefix}BucketName", value=built.s3_bucket_interface.bucket_name)
    cdk.CfnOutput(stack, f"{prefix}LoggingBucketName", value=built.s3_logging_bucket.bucket_name)


def solutions_constructs_templates() -> dict[str, dict]:
    """{stack name: template}: the construct's default stack, and a stack holding two of it."""
    app = cdk.App()
    default = _stack(app, SOLUTIONS_CONSTRUCTS_DEFAULT)
    kinesisfirehose_s3(default, "test-firehose-s3")
    twice = _stack(app, SOLUTIONS_CONSTRUCTS_TWICE)
    kinesisfirehose_s3(twice, "first", prefix="First")
    kinesisfirehose_s3(twice, "second", prefix="Second")
    return {stack.stack_name: Template.from_stack(stack).to_json() for stack in (default, twice)}


def asset_keys(template: dict) -> set[str]:
    """S3 keys of the CDK assets a template's Lambda functions load (the auto-delete provider)."""
    return {
        r["Properties"]["Code"]["S3Key"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and "S3Key" in r["Properties"].get("Code", {})
    }


def _id(name: str) -> str:
    return f"testkinesisfirehoses3existingkeyKinesisFirehoseToS3{name}"


# What KinesisFirehoseToS3 (existing KMS key, removal policy DESTROY) synthesizes, trimmed to the resources the
# emulator models: a KMS-encrypted Direct PUT stream (customer-managed key), an SSE-S3 bucket with a retention
# lifecycle and no auto-delete, a log group and stream for delivery errors, the Firehose role and its policy.
SOLUTIONS_CONSTRUCTS_TEMPLATE = {
    "Resources": {
        "ExistingKey": {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Delete",
            "Properties": {
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "kms:*",
                            "Resource": "*",
                            "Principal": {
                                "AWS": {
                                    "Fn::Join": [
                                        "",
                                        [
                                            "arn:",
                                            {"Ref": "AWS::Partition"},
                                            ":iam::",
                                            {"Ref": "AWS::AccountId"},
                                            ":root",
                                        ],
                                    ]
                                }
                            },
                        }
                    ],
                },
            },
        },
        _id("S3Bucket9D1DA3F3"): {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Delete",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "LifecycleConfiguration": {"Rules": [{"Id": "expire", "Status": "Enabled", "ExpirationInDays": 90}]},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
            },
        },
        _id("KinesisFirehoseLogGroup4A47F5B1"): {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Delete",
            "Properties": {"RetentionInDays": 7},
        },
        _id("KinesisFirehoseRole9D6A8C4C"): {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "firehose.amazonaws.com"},
                        }
                    ],
                }
            },
        },
        _id("KinesisFirehosePolicy2E9F8BD1"): {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "firehoseToS3Policy",
                "Roles": [{"Ref": _id("KinesisFirehoseRole9D6A8C4C")}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:PutObject", "s3:GetBucketLocation"],
                            "Resource": [
                                {"Fn::GetAtt": [_id("S3Bucket9D1DA3F3"), "Arn"]},
                                {"Fn::Join": ["", [{"Fn::GetAtt": [_id("S3Bucket9D1DA3F3"), "Arn"]}, "/*"]]},
                            ],
                        }
                    ],
                },
            },
        },
        _id("KinesisFirehose8D2B1A29"): {
            "Type": "AWS::KinesisFirehose::DeliveryStream",
            "DependsOn": [_id("KinesisFirehosePolicy2E9F8BD1")],
            "Properties": {
                "DeliveryStreamEncryptionConfigurationInput": {
                    "KeyType": "CUSTOMER_MANAGED_CMK",
                    "KeyARN": {"Fn::GetAtt": ["ExistingKey", "Arn"]},
                },
                "ExtendedS3DestinationConfiguration": {
                    "BucketARN": {"Fn::GetAtt": [_id("S3Bucket9D1DA3F3"), "Arn"]},
                    "BufferingHints": {"IntervalInSeconds": 300, "SizeInMBs": 5},
                    "CloudWatchLoggingOptions": {
                        "Enabled": True,
                        "LogGroupName": {"Ref": _id("KinesisFirehoseLogGroup4A47F5B1")},
                        "LogStreamName": "S3Delivery",
                    },
                    "CompressionFormat": "GZIP",
                    "EncryptionConfiguration": {
                        "KMSEncryptionConfig": {"AWSKMSKeyARN": {"Fn::GetAtt": ["ExistingKey", "Arn"]}}
                    },
                    "RoleARN": {"Fn::GetAtt": [_id("KinesisFirehoseRole9D6A8C4C"), "Arn"]},
                },
            },
        },
    },
    "Outputs": {
        "StreamName": {"Value": {"Ref": _id("KinesisFirehose8D2B1A29")}, "Export": {"Name": "sc-StreamName"}},
        "BucketName": {"Value": {"Ref": _id("S3Bucket9D1DA3F3")}, "Export": {"Name": "sc-BucketName"}},
        "KeyArn": {"Value": {"Fn::GetAtt": ["ExistingKey", "Arn"]}},
    },
}
