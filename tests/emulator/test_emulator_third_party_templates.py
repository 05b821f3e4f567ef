"""Firehose -> S3 templates nobody here wrote (aws-cdk integration-test and Solutions Constructs shapes) deploy on the
emulator, deliver what each setting says, and delete without leftovers; what the emulator cannot honour fails the
stack at creation, naming the setting."""

import io
import json
import re
import zipfile

import pytest
from aws_cdk import aws_kinesisfirehose as firehose

from rehearsal.emulator import Emulator, skipped_settings
from rehearsal.leftovers import find_leftovers
from support.emulator.firehose import error_documents, objects, wait_for
from support.emulator.stacks import events
from support.emulator.third_party import (
    ALL_PROPERTIES,
    ASSETS_BUCKET,
    DYNAMIC_PARTITIONING,
    SOLUTIONS_CONSTRUCTS,
    SOLUTIONS_CONSTRUCTS_DEFAULT,
    SOLUTIONS_CONSTRUCTS_TEMPLATE,
    SOLUTIONS_CONSTRUCTS_TWICE,
    asset_keys,
    cdk_templates,
    solutions_constructs_templates,
)

# 60 s of buffer time pass in 0.6 s.
CLOCK_SCALE = 0.01


@pytest.fixture(scope="module")
def templates():
    return {**cdk_templates(), **solutions_constructs_templates()}


@pytest.fixture(scope="module")
def deployed(templates):
    """The stacks created with CreateStack, as a third party would; their outputs by stack."""
    with Emulator(clock_scale=CLOCK_SCALE) as emu:
        s3 = emu.client("s3")
        s3.create_bucket(Bucket=ASSETS_BUCKET)
        for key in set().union(*(asset_keys(t) for t in templates.values())):
            code = io.BytesIO()
            with zipfile.ZipFile(code, "w") as archive:
                archive.writestr("index.js", "exports.handler = async () => ({});")
            s3.put_object(Bucket=ASSETS_BUCKET, Key=key, Body=code.getvalue())
        cfn = emu.client("cloudformation")
        outputs = {}
        for name, template in {**templates, SOLUTIONS_CONSTRUCTS: SOLUTIONS_CONSTRUCTS_TEMPLATE}.items():
            cfn.create_stack(StackName=name, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"])
            [stack] = cfn.describe_stacks(StackName=name)["Stacks"]
            assert stack["StackStatus"] == "CREATE_COMPLETE", events(cfn, name)
            outputs[name] = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        yield emu, outputs


def test_all_properties_stream_transforms_compresses_encrypts_names_and_backs_up(deployed):
    emu, outputs = deployed
    out = outputs[ALL_PROPERTIES]
    emu.client("firehose").put_record_batch(
        DeliveryStreamName=out["StreamName"], Records=[{"Data": b"testData123"}, {"Data": b"more"}]
    )
    [(key, body)] = wait_for(emu, out["BucketName"], prefix="regularPrefix").items()
    # Prefix without a timestamp: the time prefix is appended, in Asia/Tokyo (CustomTimeZone); FileExtension.
    assert re.fullmatch(rf"regularPrefix\d{{4}}/\d{{2}}/\d{{2}}/\d{{2}}/{out['StreamName']}-1-[-0-9a-f]+\.log\.gz", key)
    assert body == b"TESTDATA123\nMORE\n"  # the Node Lambda ran; GZIP (objects() gunzips)
    head = emu.client("s3").head_object(Bucket=out["BucketName"], Key=key)
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", out["KeyArn"])
    [(backup_key, backup)] = wait_for(emu, out["BackupBucketName"], prefix="backupPrefix").items()
    assert backup_key.endswith(".gz") and backup == b"testData123more"  # source records, before the Lambda
    assert (
        emu.client("s3").head_object(Bucket=out["BackupBucketName"], Key=backup_key)["SSEKMSKeyId"]
        == out["BackupKeyArn"]
    )


def test_zero_buffering_stream_delivers_every_put_at_once(deployed):
    emu, outputs = deployed
    out = outputs[ALL_PROPERTIES]
    firehose_client = emu.client("firehose")
    before = set(objects(emu, out["BucketName"]))
    for data in (b"one", b"two"):
        firehose_client.put_record(DeliveryStreamName=out["ZeroStreamName"], Record={"Data": data})
    new = {k: v for k, v in objects(emu, out["BucketName"]).items() if k not in before}
    assert sorted(new.values()) == [b"one", b"two"]
    assert all(k.endswith(".gz") and out["ZeroStreamName"] in k for k in new)


def test_dynamic_partitioning_stream_partitions_by_the_jq_keys(deployed):
    emu, outputs = deployed
    out = outputs[DYNAMIC_PARTITIONING]
    records = [
        '{"foo":"recordA","bar":{"baz":"Partition1","blah":"blah"},"data":"data1"}',
        '{"foo":"recordB","bar":{"baz":"Partition2","blah":"quux"},"data":"data2"}',
        '{"data":"data3"}',
    ]
    emu.client("firehose").put_record(DeliveryStreamName=out["StreamName"], Record={"Data": "".join(records)})
    landed = wait_for(emu, out["BucketName"], count=3)
    # No timestamp in the prefix: the default yyyy/MM/dd/HH/ follows the partition keys ("semantic rules").
    by_prefix = {re.sub(r"\d{4}/\d{2}/\d{2}/\d{2}/[^/]+$", "", k): v for k, v in landed.items()}
    assert by_prefix["key1=recordA/key2=PARTITION1/"] == records[0].encode()
    assert by_prefix["key1=recordB/key2=PARTITION2/"] == records[1].encode()
    [failed] = [v for k, v in by_prefix.items() if k.startswith("error-output/partitioning-failed/")]
    assert [d["errorCode"] for d in error_documents(failed)] == ["DynamicPartitioning.MetadataExtractionFailed"]


def test_solutions_constructs_stream_is_encrypted_and_delivers_with_the_key(deployed):
    emu, outputs = deployed
    out = outputs[SOLUTIONS_CONSTRUCTS]
    answer = emu.client("firehose").put_record_batch(
        DeliveryStreamName=out["StreamName"], Records=[{"Data": b'{"event":1}\n'}]
    )
    assert (answer["FailedPutCount"], answer["Encrypted"]) == (0, True)
    emu.flush_firehose()  # a 300 s buffer: deliver now
    [(key, body)] = objects(emu, out["BucketName"]).items()
    assert body == b'{"event":1}\n' and key.endswith(".gz")
    assert len(out["BucketName"]) <= 63  # generated from a 70-character logical id
    assert emu.client("s3").head_object(Bucket=out["BucketName"], Key=key)["SSEKMSKeyId"] == out["KeyArn"]


def test_solutions_constructs_default_stack_deploys_and_delivers(deployed):
    """The construct's own default: its access-log bucket's policy lets logging.s3.amazonaws.com write with
    `ArnLike aws:SourceArn` (the emulator used to refuse it at creation), its stream writes SSE-KMS with aws/s3."""
    emu, outputs = deployed
    out = outputs[SOLUTIONS_CONSTRUCTS_DEFAULT]
    s3 = emu.client("s3")
    log_policy = json.loads(s3.get_bucket_policy(Bucket=out["LoggingBucketName"])["Policy"])
    [from_logging] = [
        st for st in log_policy["Statement"] if st.get("Principal") == {"Service": "logging.s3.amazonaws.com"}
    ]
    assert from_logging["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:s3:::{out['BucketName']}"
    answer = emu.client("firehose").put_record_batch(
        DeliveryStreamName=out["StreamName"], Records=[{"Data": b'{"event":1}\n'}, {"Data": b'{"event":2}\n'}]
    )
    assert answer["FailedPutCount"] == 0
    emu.flush_firehose()  # a 300 s buffer: deliver now
    [(key, body)] = objects(emu, out["BucketName"]).items()
    assert body == b'{"event":1}\n{"event":2}\n' and key.endswith(".gz")
    assert s3.head_object(Bucket=out["BucketName"], Key=key)["ServerSideEncryption"] == "aws:kms"


def test_two_solutions_constructs_in_one_stack_keep_apart(deployed):
    emu, outputs = deployed
    out = outputs[SOLUTIONS_CONSTRUCTS_TWICE]
    assert out["FirstStreamName"] != out["SecondStreamName"] and out["FirstBucketName"] != out["SecondBucketName"]
    firehose_client = emu.client("firehose")
    for which in ("First", "Second"):
        firehose_client.put_record(DeliveryStreamName=out[f"{which}StreamName"], Record={"Data": f"{which}\n".encode()})
    emu.flush_firehose()
    for which in ("First", "Second"):
        assert list(objects(emu, out[f"{which}BucketName"]).values()) == [f"{which}\n".encode()]


def retained(templates, resource_type: str) -> int:
    """Resources of a type the templates keep when their stack goes (DeletionPolicy Retain)."""
    return sum(
        1
        for t in templates.values()
        for r in t["Resources"].values()
        if r["Type"] == resource_type and r.get("DeletionPolicy") == "Retain"
    )


def retained_log_groups(templates) -> int:
    """What AWS too would leave: the log groups aws-cdk-lib's Firehose L2 and the Solutions Construct make with
    DeletionPolicy Retain (aws-cdk #11549), and the /aws/lambda/ group CDK's auto-delete Lambda creates when it empties
    a bucket (aws-cdk #26553)."""
    retained_groups = retained(templates, "AWS::Logs::LogGroup")
    auto_delete_providers = {
        (name, json.dumps(r["Properties"]["ServiceToken"]))
        for name, t in templates.items()
        for r in t["Resources"].values()
        if r["Type"] == "Custom::S3AutoDeleteObjects"
    }
    return retained_groups + len(auto_delete_providers)


def test_deleting_every_stack_leaves_only_what_the_templates_retain(deployed, templates):
    emu, outputs = deployed
    cfn, s3 = emu.client("cloudformation"), emu.client("s3")
    stack_ids = {name: cfn.describe_stacks(StackName=name)["Stacks"][0]["StackId"] for name in outputs}
    for name in outputs:
        cfn.delete_stack(StackName=name)
    # The Solutions Constructs bucket has no auto-delete: its delete fails until it is emptied, then a retry works.
    assert cfn.describe_stacks(StackName=SOLUTIONS_CONSTRUCTS)["Stacks"][0]["StackStatus"] == "DELETE_FAILED"
    bucket = outputs[SOLUTIONS_CONSTRUCTS]["BucketName"]
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    cfn.delete_stack(StackName=SOLUTIONS_CONSTRUCTS)
    for name, stack_id in stack_ids.items():  # read back by id, as the CDK CLI does: nothing comes back
        assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
        cfn.describe_stack_resources(StackName=stack_id)
    leftovers = find_leftovers(emu.client)
    kept_groups, kept_buckets = leftovers.pop("log groups", []), leftovers.pop("buckets", [])
    assert leftovers == {}
    assert len(kept_groups) == retained_log_groups(templates) > 0
    assert len(kept_buckets) == retained(templates, "AWS::S3::Bucket") == 6  # the constructs' data and log buckets
    for name in kept_groups:
        emu.client("logs").delete_log_group(logGroupName=name)
    for bucket in kept_buckets:
        for version in s3.list_object_versions(Bucket=bucket).get("Versions", []):
            s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
        s3.delete_bucket(Bucket=bucket)
    assert find_leftovers(emu.client) == {}


def test_a_setting_the_emulator_cannot_honour_fails_the_stack_naming_it():
    """aws-cdk's own all-properties test backs up with ZIP, whose object layout AWS does not document."""
    [template] = [t for name, t in cdk_templates(firehose.Compression.ZIP).items() if name == ALL_PROPERTIES]
    with Emulator() as emu:
        emu.client("s3").create_bucket(Bucket=ASSETS_BUCKET)
        for key in asset_keys(template):
            emu.client("s3").put_object(Bucket=ASSETS_BUCKET, Key=key, Body=b"PK\x05\x06" + b"\x00" * 18)
        cfn = emu.client("cloudformation")
        cfn.create_stack(StackName="zip-backup", TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"])
        assert cfn.describe_stacks(StackName="zip-backup")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
        [(logical_id, _, reason)] = [e for e in events(cfn, "zip-backup") if e[1] == "CREATE_FAILED"]
        assert logical_id.startswith("DeliveryStream")
        assert "S3BackupConfiguration.CompressionFormat=ZIP" in reason and "not implemented" in reason
        cfn.delete_stack(StackName="zip-backup")
        # The rollback removed what was made but the log group with DeletionPolicy Retain, which CloudFormation keeps
        # on a rolled-back create too (that is what the RetainExceptOnCreate policy exists to change).
        leftovers = find_leftovers(emu.client)
        assert [name.split("-DeliveryStreamLogGroup")[0] for name in leftovers.pop("log groups")] == ["zip-backup"]
        assert leftovers == {}


def test_what_a_template_sets_and_the_emulator_goes_on_without_is_named(templates):
    # The Solutions Construct logs its bucket's requests to a second bucket (S3 server access logs): the emulator
    # writes no access log, so a rehearsal of it says so instead of passing it as checked.
    names = skipped_settings(templates[SOLUTIONS_CONSTRUCTS_DEFAULT])
    assert "S3 server access logs (a bucket's LoggingConfiguration: the emulator writes none)" in names
    assert "the Firehose delivery role's permissions (not evaluated)" in names
    lab = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketEncryption": {}}}}}
    assert skipped_settings(lab) == []
