"""The lab's specification, read off the synthesized CloudFormation template (default settings)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from aws_cdk.assertions import Capture, Match

from producer import options, service
from producer.batching import Linger
from support.template import (
    as_list,
    logical_id,
    only,
    render_user_data,
    rendered_unit,
    resources_of,
    role_assumed_by,
    statements_of_role,
)

# --- the bucket -------------------------------------------------------------------------------------------------


def test_bucket_gets_a_generated_unique_name_by_default(template):
    _, bucket = only(template, "AWS::S3::Bucket")
    assert "BucketName" not in bucket["Properties"]


def test_bucket_blocks_public_access_encrypts_and_disables_acls(template):
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        },
    )


def test_bucket_policy_denies_every_request_without_tls(template):
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_lab_data_expires_after_seven_days_by_default(template):
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": Match.array_with([Match.object_like({"ExpirationInDays": 7, "Status": "Enabled"})])
            }
        },
    )


def test_bucket_is_emptied_and_deleted_on_destroy(template):
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})
    bucket_id = logical_id(template, "AWS::S3::Bucket")
    template.has_resource_properties("Custom::S3AutoDeleteObjects", {"BucketName": {"Ref": bucket_id}})


# --- the delivery stream ----------------------------------------------------------------------------------------


def test_stream_is_direct_put_to_the_lab_bucket(template):
    bucket_id = logical_id(template, "AWS::S3::Bucket")
    template.has_resource_properties(
        "AWS::KinesisFirehose::DeliveryStream",
        {
            "DeliveryStreamType": "DirectPut",
            "ExtendedS3DestinationConfiguration": Match.object_like({"BucketARN": {"Fn::GetAtt": [bucket_id, "Arn"]}}),
        },
    )


def test_stream_buffers_1_mib_or_60_seconds_whichever_comes_first(template):
    template.has_resource_properties(
        "AWS::KinesisFirehose::DeliveryStream",
        {
            "ExtendedS3DestinationConfiguration": Match.object_like(
                {"BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}}
            )
        },
    )


def test_stream_writes_date_partitioned_data_and_separate_errors(template):
    _, stream = only(template, "AWS::KinesisFirehose::DeliveryStream")
    destination = stream["Properties"]["ExtendedS3DestinationConfiguration"]
    assert destination["Prefix"].startswith("data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/")
    assert destination["ErrorOutputPrefix"].startswith("errors/!{firehose:error-output-type}/")


def test_stream_is_uncompressed_by_default_and_encrypted(template):
    _, stream = only(template, "AWS::KinesisFirehose::DeliveryStream")
    destination = stream["Properties"]["ExtendedS3DestinationConfiguration"]
    assert destination.get("CompressionFormat", "UNCOMPRESSED") == "UNCOMPRESSED"
    assert stream["Properties"]["DeliveryStreamEncryptionConfigurationInput"] == {"KeyType": "AWS_OWNED_CMK"}


def test_delivery_errors_go_to_a_log_group_that_expires_and_is_destroyed(template):
    log_group = Capture()
    template.has_resource_properties(
        "AWS::KinesisFirehose::DeliveryStream",
        {
            "ExtendedS3DestinationConfiguration": Match.object_like(
                {"CloudWatchLoggingOptions": Match.object_like({"Enabled": True, "LogGroupName": {"Ref": log_group}})}
            )
        },
    )
    group = template.to_json()["Resources"][log_group.as_string()]
    assert group["Properties"]["RetentionInDays"] == 7
    assert group["DeletionPolicy"] == "Delete"


def test_stream_is_deleted_before_the_bucket_is_emptied(template):
    """A last delivery after emptying would make the bucket delete fail (aws-cdk #20660)."""
    auto_delete_id = logical_id(template, "Custom::S3AutoDeleteObjects")
    _, stream = only(template, "AWS::KinesisFirehose::DeliveryStream")
    assert auto_delete_id in stream["DependsOn"]


def test_firehose_role_can_only_deliver_to_the_lab_bucket_and_log_errors(template):
    role_id = role_assumed_by(template, "firehose.amazonaws.com")
    bucket_id = logical_id(template, "AWS::S3::Bucket")
    statements = list(statements_of_role(template, role_id))
    s3_statements = [s for s in statements if any(a.startswith("s3:") for a in as_list(s["Action"]))]
    assert len(s3_statements) == 1
    assert sorted(as_list(s3_statements[0]["Action"])) == [
        "s3:AbortMultipartUpload",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:PutObject",
    ]
    assert s3_statements[0]["Resource"] == [
        {"Fn::GetAtt": [bucket_id, "Arn"]},
        {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]},
    ]
    other_actions = {a for s in statements if s not in s3_statements for a in as_list(s["Action"])}
    assert other_actions == {"logs:CreateLogStream", "logs:PutLogEvents"}


def test_firehose_role_trusts_only_firehose_for_this_account(template):
    role_id = role_assumed_by(template, "firehose.amazonaws.com")
    role = template.to_json()["Resources"][role_id]
    statement = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}}


# --- IAM across the stack ---------------------------------------------------------------------------------------


def every_statement(template):
    """Every policy statement in the template: IAM policies, roles' inline policies, bucket policies."""
    for resource in template.to_json()["Resources"].values():
        properties = resource.get("Properties", {})
        documents = [properties.get("PolicyDocument")] + [p["PolicyDocument"] for p in properties.get("Policies", [])]
        for document in filter(None, documents):
            yield from as_list(document["Statement"])


def test_no_policy_grants_a_wildcard_action(template):
    """Anywhere: IAM policies, the bucket policy (CDK's auto-delete grant had s3:List*, s3:GetBucket*...)."""
    allowed = [a for s in every_statement(template) if s["Effect"] == "Allow" for a in as_list(s["Action"])]
    assert {"s3:PutObject", "firehose:PutRecordBatch", "s3:ListBucketVersions"} <= set(allowed)
    assert [a for a in allowed if "*" in a] == []


def test_no_role_carries_a_managed_policy(template):
    """Every permission is written in the template (CDK's auto-delete provider had AWSLambdaBasicExecutionRole:
    logs:CreateLogGroup and more on every resource)."""
    for role_id, role in resources_of(template, "AWS::IAM::Role").items():
        assert "ManagedPolicyArns" not in role["Properties"], role_id


# service principal -> the confused-deputy conditions its trust policy must carry. None: the service assumes the
# role only for a resource of this account that was handed the role (iam:PassRole) and gives no source account or
# ARN to condition on (an EC2 instance's profile, a Lambda function's execution role).
TRUSTED_SERVICES = {
    "firehose.amazonaws.com": {"StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}},
    "vpc-flow-logs.amazonaws.com": {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":ec2:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":vpc-flow-log/*",
                    ],
                ]
            }
        },
    },
    # EventBridge Scheduler gives the schedule *group's* ARN as aws:SourceArn: the lab's own group holds only its
    # expiry.
    "scheduler.amazonaws.com": {
        "StringEquals": {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"},
            "aws:SourceArn": {"Fn::GetAtt": [re.compile(r"ExpiryGroup[0-9A-F]{8}"), "Arn"]},
        }
    },
    "ec2.amazonaws.com": None,
    "lambda.amazonaws.com": None,
}


def matches(expected, actual) -> bool:
    """Equality, where a compiled pattern in `expected` stands for a logical id."""
    if isinstance(expected, re.Pattern):
        return isinstance(actual, str) and expected.fullmatch(actual) is not None
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(matches(expected[k], actual[k]) for k in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual))
        )
    return expected == actual


def test_every_service_trust_policy_carries_its_confused_deputy_conditions(template):
    trusts = {}
    for role_id, role in resources_of(template, "AWS::IAM::Role").items():
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            service = statement["Principal"]["Service"]
            assert service in TRUSTED_SERVICES, f"{role_id} trusts {service}: add its conditions to TRUSTED_SERVICES"
            trusts[service] = statement.get("Condition")
    assert trusts.keys() == TRUSTED_SERVICES.keys()
    for service, conditions in trusts.items():
        assert matches(TRUSTED_SERVICES[service], conditions), (service, conditions)


def test_no_admin_policy_no_iam_user_no_access_key_no_key_pair(template):
    as_text = json.dumps(template.to_json())
    assert "AdministratorAccess" not in as_text
    for forbidden in ("AWS::IAM::User", "AWS::IAM::AccessKey", "AWS::EC2::KeyPair"):
        assert resources_of(template, forbidden) == {}
    _, instance = only(template, "AWS::EC2::Instance")
    assert "KeyName" not in instance["Properties"]


def test_instance_role_can_only_put_records_read_its_code_and_use_session_manager(template):
    role_id = role_assumed_by(template, "ec2.amazonaws.com")
    stream_id = logical_id(template, "AWS::KinesisFirehose::DeliveryStream")
    statements = {tuple(sorted(as_list(s["Action"]))): s["Resource"] for s in statements_of_role(template, role_id)}
    # PutRecordBatch only: the producer never calls PutRecord.
    assert statements.pop(("firehose:PutRecordBatch",)) == {"Fn::GetAtt": [stream_id, "Arn"]}
    code_object = statements.pop(("s3:GetObject",))
    assert code_object["Fn::Join"][1][-1].endswith(".zip"), "must name one asset object, not a prefix"
    assert statements == {
        (
            "ssm:UpdateInstanceInformation",
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ): "*"
    }
    role = template.to_json()["Resources"][role_id]
    assert "ManagedPolicyArns" not in role["Properties"]


# --- network and instance ---------------------------------------------------------------------------------------


def test_vpc_has_public_subnets_only_and_no_nat_gateway(template):
    assert resources_of(template, "AWS::EC2::NatGateway") == {}
    subnets = resources_of(template, "AWS::EC2::Subnet")
    assert subnets
    assert all(s["Properties"]["MapPublicIpOnLaunch"] is True for s in subnets.values())
    template.resource_count_is("AWS::EC2::InternetGateway", 1)


def test_security_group_has_no_inbound_rule_and_only_https_out(template):
    assert resources_of(template, "AWS::EC2::SecurityGroupIngress") == {}
    _, group = only(template, "AWS::EC2::SecurityGroup")
    assert "SecurityGroupIngress" not in group["Properties"]
    (egress,) = group["Properties"]["SecurityGroupEgress"]
    assert (egress["IpProtocol"], egress["FromPort"], egress["ToPort"]) == ("tcp", 443, 443)


def test_vpc_traffic_is_logged_to_a_log_group_destroyed_with_the_lab(template):
    log_group = Capture()
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {"LogDestinationType": "cloud-watch-logs", "LogGroupName": {"Ref": log_group}, "TrafficType": "ALL"},
    )
    assert template.to_json()["Resources"][log_group.as_string()]["DeletionPolicy"] == "Delete"


def test_instance_is_amazon_linux_2023_t3_micro(template):
    _, instance = only(template, "AWS::EC2::Instance")
    assert instance["Properties"]["InstanceType"] == "t3.micro"
    image_parameter = instance["Properties"]["ImageId"]["Ref"]
    parameter = template.to_json()["Parameters"][image_parameter]
    assert parameter["Default"] == "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64"


def test_instance_requires_imdsv2(template):
    template.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {"LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "required"}}},
    )


def test_instance_root_volume_is_encrypted_and_deleted_with_it(template):
    template.has_resource_properties(
        "AWS::EC2::Instance",
        {
            "BlockDeviceMappings": [
                {
                    "DeviceName": "/dev/xvda",
                    "Ebs": Match.object_like({"Encrypted": True, "DeleteOnTermination": True, "VolumeType": "gp3"}),
                }
            ]
        },
    )


# --- user-data --------------------------------------------------------------------------------------------------


def test_user_data_is_valid_bash(template):
    result = subprocess.run(["bash", "-n"], input=render_user_data(template), text=True, capture_output=True)
    assert result.returncode == 0, result.stderr


def test_user_data_installs_and_enables_the_producer_service(template):
    script = render_user_data(template)
    assert "aws s3 cp 's3://cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}/" in script
    assert "python3.11 -m venv /opt/firehose-lab/venv" in script
    assert "cat > /etc/systemd/system/firehose-producer.service <<'UNIT'" in script
    assert "systemctl enable --now firehose-producer.service" in script
    assert "DynamicUser=yes" in script


def test_user_data_names_stream_and_region_from_the_stack(template):
    stream_id = logical_id(template, "AWS::KinesisFirehose::DeliveryStream")
    exec_start = next(line for line in render_user_data(template).splitlines() if line.startswith("ExecStart="))
    assert f"--stream ${{Ref:{stream_id}}}" in exec_start
    assert "--region ${Ref:AWS::Region}" in exec_start


def test_the_units_exec_start_is_a_command_line_the_producer_accepts(template):
    """The service contract and the producer's own parser cannot drift: every flag the unit passes is parsed."""
    unit = rendered_unit(template)["Service"]
    argv = shlex.split(unit["ExecStart"])
    assert argv[:3] == [f"{service.VENV_DIR}/bin/python", "-m", "producer"]
    args = options.parser().parse_args(argv[3:])
    assert (args.rate, args.duration, args.stream_buffer_seconds) == (10, 3600, 60)
    assert args.dead_letter == service.DEAD_LETTER_PATH and args.stats_json == service.STATS_PATH
    # What the producer writes lies in the directory systemd makes writable for its DynamicUser.
    assert {args.dead_letter.rsplit("/", 1)[0], args.stats_json.rsplit("/", 1)[0]} == {
        f"/var/lib/{unit['StateDirectory']}"
    }
    assert unit["WorkingDirectory"] == service.INSTALL_DIR


def producer_args(template):
    """The producer's own parse of the ExecStart the stack writes."""
    return options.parser().parse_args(shlex.split(rendered_unit(template)["Service"]["ExecStart"])[3:])


def test_the_producer_lingers_for_a_share_of_the_streams_buffer_interval(template, custom_lab):
    """At 10 events/s a record reaches Firehose's 5 KB billing granule in a few seconds; the
    stream holds data for its interval anyway. With an interval of 0 the producer keeps its
    half-second linger."""
    lingers = {}
    for name, lab_template in (("default", template), ("custom", custom_lab[1])):
        args = producer_args(lab_template)
        lingers[name] = (args.stream_buffer_seconds, Linger.for_stream(args.linger, args.stream_buffer_seconds))
    assert lingers["default"] == (60, Linger(least=0.5, most=3.0))
    assert lingers["custom"] == (0, Linger(least=0.5, most=0.5))


def test_a_flag_the_producer_does_not_know_is_caught(template):
    """Guards the test above: the producer's parser refuses what it does not define."""
    argv = shlex.split(rendered_unit(template)["Service"]["ExecStart"])
    with pytest.raises(options.UsageError, match="unrecognized arguments: --no-such-flag"):
        options.parser().parse_args([*argv[3:], "--no-such-flag", "1"])


def test_producer_runs_for_a_bounded_time(template):
    script = render_user_data(template)
    assert "--duration 3600" in script
    assert "RuntimeMaxSec=3720" in script


# --- outputs and teardown ---------------------------------------------------------------------------------------


def test_outputs_tell_the_student_where_to_look(template):
    outputs = template.to_json()["Outputs"]
    assert {
        "BucketName",
        "DeliveryStreamName",
        "InstanceId",
        "SessionCommand",
        "ListDataCommand",
        "StreamConsoleUrl",
        "BucketConsoleUrl",
    } <= set(outputs)
    session = json.dumps(outputs["SessionCommand"]["Value"])
    assert "aws ssm start-session --target " in session
    listing = json.dumps(outputs["ListDataCommand"]["Value"])
    assert "aws s3 ls s3://" in listing and "/data/" in listing


def test_no_resource_is_retained_on_delete(template):
    for resource_id, resource in template.to_json()["Resources"].items():
        assert resource.get("DeletionPolicy", "Delete") == "Delete", resource_id
        assert resource.get("UpdateReplacePolicy", "Delete") == "Delete", resource_id


def test_every_log_group_is_deleted_and_expires(template):
    groups = resources_of(template, "AWS::Logs::LogGroup")
    assert len(groups) == 3  # Firehose's errors, VPC flow logs, the auto-delete handler's
    for group in groups.values():
        assert group["DeletionPolicy"] == "Delete"
        assert group["Properties"]["RetentionInDays"] >= 1


def test_every_lambda_function_logs_to_a_declared_group_it_cannot_recreate(template):
    """Lambda's runtime writes /aws/lambda/<function>; undeclared, that group outlives `cdk destroy` (aws-cdk #26553).
    Declared, it must also outlive the function's last run (the custom resource's delete) and not come back."""
    resources = template.to_json()["Resources"]
    groups = resources_of(template, "AWS::Logs::LogGroup")
    for function_id, function in resources_of(template, "AWS::Lambda::Function").items():
        name = {"Fn::Join": ["", ["/aws/lambda/", {"Ref": function_id}]]}
        [group_id] = [g for g, group in groups.items() if group["Properties"].get("LogGroupName") == name]
        role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        log_actions = {
            a for s in statements_of_role(template, role_id) for a in as_list(s["Action"]) if a.startswith("logs:")
        }
        assert log_actions == {"logs:CreateLogStream", "logs:PutLogEvents"}
        [policy_id] = [
            p
            for p, policy in resources_of(template, "AWS::IAM::Policy").items()
            if {"Ref": role_id} in policy["Properties"]["Roles"]
        ]
        users = [
            r for r in resources.values() if r["Properties"].get("ServiceToken") == {"Fn::GetAtt": [function_id, "Arn"]}
        ]
        assert users
        for user in users:
            assert {group_id, policy_id} <= set(user.get("DependsOn", []))


# The auto-delete handler's S3 calls (as they appear in its code) and what each needs (S3 API reference).
S3_CALL_PERMISSIONS = {
    "getBucketTagging": {"s3:GetBucketTagging"},
    "getBucketPolicy": {"s3:GetBucketPolicy"},
    "putBucketPolicy": {"s3:PutBucketPolicy"},
    "listObjectVersions": {"s3:ListBucketVersions"},
    "deleteObjects": {"s3:DeleteObject", "s3:DeleteObjectVersion"},  # with version ids: both
}


def test_the_auto_delete_handler_may_do_exactly_what_its_code_calls(default_lab):
    """The bucket policy's grant to CDK's handler, read against the handler shipped with this aws-cdk-lib: a new call
    after an upgrade fails here, before a `cdk destroy` on AWS could fail to empty the bucket."""
    stack, template = default_lab
    [function] = resources_of(template, "AWS::Lambda::Function").values()
    asset = Path(stack.node.root.outdir) / f"asset.{function['Properties']['Code']['S3Key'].removesuffix('.zip')}"
    calls = set(re.findall(r"\.([a-z]\w+)\(\{Bucket:", (asset / "index.js").read_text()))
    assert calls and calls <= set(S3_CALL_PERMISSIONS), (
        f"map the handler's new calls: {calls - set(S3_CALL_PERMISSIONS)}"
    )
    needed = set().union(*(S3_CALL_PERMISSIONS[call] for call in calls))
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    _, bucket_policy = only(template, "AWS::S3::BucketPolicy")
    [granted] = [
        set(as_list(s["Action"]))
        for s in bucket_policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow" and s["Principal"] == {"AWS": {"Fn::GetAtt": [role_id, "Arn"]}}
    ]
    assert granted == needed


# --- every setting flows into the template ----------------------------------------------------------------------


def test_settings_reach_the_template(custom_lab):
    stack, template = custom_lab
    assert stack.stack_name == "Lab2"
    template.has_resource_properties("AWS::S3::Bucket", {"BucketName": "my-firehose-lab-2"})
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {"LifecycleConfiguration": {"Rules": Match.array_with([Match.object_like({"ExpirationInDays": 30})])}},
    )
    template.has_resource_properties(
        "AWS::KinesisFirehose::DeliveryStream",
        {
            "ExtendedS3DestinationConfiguration": Match.object_like(
                {"BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 0}, "CompressionFormat": "GZIP"}
            )
        },
    )
    template.has_resource_properties("AWS::EC2::Instance", {"InstanceType": "t4g.small"})
    script = render_user_data(template)
    assert "--rate 50" in script and "--duration 900" in script


def test_graviton_instance_types_get_the_arm64_image(custom_lab):
    _, template = custom_lab
    defaults = [p.get("Default", "") for p in template.to_json()["Parameters"].values()]
    assert "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64" in defaults
