"""LabConfig: every setting parsed and validated in one place, defaults documented in cdk.json."""

from __future__ import annotations

import pytest

from conftest import cdk_json_context
from lab_stack.config import DEFAULTS, ConfigError, LabConfig


def test_cdk_json_documents_exactly_the_defaults_the_code_uses():
    context = cdk_json_context()
    assert {key: context[key] for key in DEFAULTS} == dict(DEFAULTS)


def test_defaults_are_the_original_lab():
    config = LabConfig.from_context(cdk_json_context())
    assert (config.buffer_size_mib, config.buffer_interval_seconds) == (1, 60)
    assert (config.lab_name, config.instance_type, config.compression) == ("FirehoseLab", "t3.micro", "none")
    assert config.bucket_name is None
    assert config.producer_minutes == 60


def test_command_line_strings_are_parsed_like_cdk_json_numbers():
    config = LabConfig.from_context({"bufferSizeMiB": "128", "bufferIntervalSeconds": "0", "compression": "GZIP"})
    assert (config.buffer_size_mib, config.buffer_interval_seconds, config.compression) == (128, 0, "gzip")


@pytest.mark.parametrize(
    "key, value",
    [
        ("bufferSizeMiB", 129),
        ("bufferSizeMiB", "1.5"),
        ("bufferSizeMiB", True),
        ("bufferIntervalSeconds", -1),
        ("producerMinutes", 0),
        ("producerMinutes", 1441),
        ("dataRetentionDays", "seven"),
        ("labName", "a" * 41),
        ("labName", "lab_name"),
        ("instanceType", "T3.MICRO"),
        ("bucketName", "ab"),
        ("bucketName", "a" * 64),
        ("bucketName", "192.168.5.4"),
        ("bucketName", "my..bucket"),
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
