"""LabConfig: every setting parsed and validated in one place, defaults documented in cdk.json."""

from __future__ import annotations

import pytest

from lab_stack.config import DEFAULTS, ConfigError, LabConfig
from support.synth import lab_context


def test_cdk_json_documents_exactly_the_defaults_the_code_uses():
    context = lab_context()
    assert {key: context[key] for key in DEFAULTS} == dict(DEFAULTS)


def test_defaults_are_the_original_lab():
    config = LabConfig.from_context(lab_context())
    assert config.record_format == "json"
    assert (config.buffer_size_mib, config.buffer_interval_seconds) == (1, 60)
    assert (config.lab_name, config.instance_type, config.compression) == ("FirehoseLab", "t3.micro", "none")
    assert config.bucket_name is None
    assert config.producer_minutes == 60


def test_by_default_a_lab_stops_its_instance_when_done_and_deletes_itself_after_a_day():
    config = LabConfig.from_context(lab_context())
    assert (config.stop_when_done, config.expires_after_hours) == (True, 24)


@pytest.mark.parametrize("value, hours", [("0", 0), (0, 0), ("1", 1), (168, 168)])
def test_expires_after_hours_is_0_for_never_or_1_to_168(value, hours):
    assert LabConfig.from_context({"expiresAfterHours": value}).expires_after_hours == hours


@pytest.mark.parametrize("value, stops", [("false", False), ("True", True), (False, False)])
def test_stop_when_done_takes_json_booleans_and_their_command_line_spelling(value, stops):
    assert LabConfig.from_context({"stopWhenDone": value}).stop_when_done is stops


def test_command_line_strings_are_parsed_like_cdk_json_numbers():
    config = LabConfig.from_context({"bufferSizeMiB": "128", "bufferIntervalSeconds": "0", "compression": "GZIP"})
    assert (config.buffer_size_mib, config.buffer_interval_seconds, config.compression) == (128, 0, "gzip")


def test_auto_buffer_is_1_mib_for_json_and_the_services_64_mib_minimum_for_parquet():
    assert LabConfig.from_context(lab_context()).buffer_size_mib == 1
    assert LabConfig.from_context(lab_context(format="parquet")).buffer_size_mib == 64
    assert LabConfig.from_context({"format": "PARQUET", "bufferSizeMiB": "Auto"}).buffer_size_mib == 64


def test_an_explicit_buffer_size_is_kept_in_either_format():
    assert LabConfig.from_context({"bufferSizeMiB": "5"}).buffer_size_mib == 5
    assert LabConfig.from_context({"format": "parquet", "bufferSizeMiB": "64"}).buffer_size_mib == 64
    assert LabConfig.from_context({"format": "parquet", "bufferSizeMiB": 128}).buffer_size_mib == 128


def test_parquet_refuses_a_buffer_below_64_mib_and_says_what_to_use():
    with pytest.raises(ConfigError) as refused:
        LabConfig.from_context({"format": "parquet", "bufferSizeMiB": "1"})
    assert str(refused.value) == (
        "invalid bufferSizeMiB='1': format=parquet needs at least 64 MiB (the service's minimum with record format "
        "conversion); use -c bufferSizeMiB=64 or leave it at auto"
    )


def test_parquet_refuses_gzip_because_parquet_files_are_compressed_inside():
    with pytest.raises(ConfigError) as refused:
        LabConfig.from_context({"format": "parquet", "compression": "gzip"})
    message = str(refused.value)
    assert message.startswith("invalid compression='gzip': format=parquet")
    assert "leave compression at none" in message


@pytest.mark.parametrize(
    "key, value",
    [
        ("format", "csv"),
        ("format", 1),
        ("bufferSizeMiB", "big"),
        ("bufferSizeMiB", 129),
        ("bufferSizeMiB", "1.5"),
        ("bufferSizeMiB", True),
        ("bufferIntervalSeconds", -1),
        ("producerMinutes", 0),
        ("producerMinutes", 1441),
        ("dataRetentionDays", "seven"),
        ("expiresAfterHours", "0.5"),
        ("expiresAfterHours", 0.5),
        ("expiresAfterHours", "-1"),
        ("expiresAfterHours", 169),
        ("expiresAfterHours", "tomorrow"),
        ("expiresAfterHours", True),
        ("stopWhenDone", "maybe"),
        ("stopWhenDone", "yes"),
        ("stopWhenDone", 1),
        ("labName", "a" * 41),
        ("labName", "lab_name"),
        ("instanceType", "T3.MICRO"),
        ("bucketName", "ab"),
        ("bucketName", "a" * 64),
        ("bucketName", "192.168.5.4"),
        ("bucketName", "my..bucket"),
        ("bucketName", "a-.b"),
        ("bucketName", "a.-b"),
        ("bucketName", "-starts-with-hyphen"),
        ("bucketName", "xn--reserved"),
        ("bucketName", "ends-s3alias"),
        ("bucketName", "under_score"),
    ],
)
def test_a_bad_value_is_refused_naming_key_and_value(key, value):
    with pytest.raises(ConfigError) as refused:
        LabConfig.from_context({key: value})
    message = str(refused.value)
    assert key in message and repr(value) in message
    assert "\n" not in message


def test_a_bad_expiry_says_what_is_allowed_including_never():
    with pytest.raises(ConfigError) as refused:
        LabConfig.from_context({"expiresAfterHours": "tomorrow"})
    assert str(refused.value) == (
        "invalid expiresAfterHours='tomorrow': must be a whole number of hours from 1 to 168, "
        "or 0 for a lab that never expires"
    )


@pytest.mark.parametrize("name", ["abc", "my-lab-bucket-2026", "lab.data.example", "a" * 63])
def test_valid_bucket_names_are_kept(name):
    assert LabConfig.from_context({"bucketName": name}).bucket_name == name


def test_toolkit_context_is_not_mistaken_for_a_lab_setting():
    context = {
        "@aws-cdk/core:checkSecretUsage": True,
        "aws:cdk:enable-path-metadata": True,
        "availability-zones:account=123456789012:region=us-east-1": ["us-east-1a"],
    }
    assert LabConfig.from_context(context).lab_name == "FirehoseLab"


def test_config_is_frozen():
    config = LabConfig.from_context({})
    with pytest.raises(AttributeError):
        config.buffer_size_mib = 2


@pytest.mark.parametrize(
    "instance_type, architecture",
    [
        ("t3.micro", "x86_64"),
        ("t4g.micro", "arm64"),
        ("a1.medium", "arm64"),
        ("c7gn.metal", "arm64"),
        ("is4gen.medium", "arm64"),
        ("r8g.metal-24xl", "arm64"),
        ("m7i-flex.large", "x86_64"),
        ("g5.xlarge", "x86_64"),
        ("g5g.xlarge", "arm64"),
        ("u-6tb1.metal", "x86_64"),
        ("u7i-12tb.224xlarge", "x86_64"),
        ("inf2.xlarge", "x86_64"),
    ],
)
def test_real_instance_types_are_accepted_with_their_architecture(instance_type, architecture):
    config = LabConfig.from_context({"instanceType": instance_type})
    assert (config.instance_type, config.instance_architecture) == (instance_type, architecture)


@pytest.mark.parametrize("value", ["x.y", "t.micro", "t3.", ".micro", "t3.micro.large", "t3.huge", "t3 .micro"])
def test_names_shaped_unlike_an_instance_type_are_refused(value):
    with pytest.raises(ConfigError, match="such as t3.micro"):
        LabConfig.from_context({"instanceType": value})


def test_mac_instances_are_refused_because_they_need_a_dedicated_host():
    with pytest.raises(ConfigError, match="Dedicated Host"):
        LabConfig.from_context({"instanceType": "mac2-m2pro.metal"})


@pytest.mark.parametrize("name", ["CDKToolkit", "cdktoolkit", "primary", "Primary"])
def test_lab_names_an_account_already_uses_are_refused(name):
    with pytest.raises(ConfigError) as refused:
        LabConfig.from_context({"labName": name})
    assert str(refused.value).startswith(f"invalid labName={name!r}: it is ")


@pytest.mark.parametrize("key", ["labName", "instanceType", "format", "bucketName", "bufferSizeMiB", "producerMinutes"])
@pytest.mark.parametrize("control", ["\n", "\t", "\r", "\x00", "\x1b"])
def test_control_characters_are_refused_in_every_setting(key, control):
    value = f"{DEFAULTS[key] or 'abc'}{control}x"
    with pytest.raises(ConfigError) as refused:
        LabConfig.from_context({key: value})
    assert str(refused.value) == f"invalid {key}={value!r}: must be one line of printable text (no control characters)"
