"""Every user setting of the lab, parsed and validated in one place.

Settings arrive as CDK context: from `cdk.json` (JSON types) or from `-c key=value` (always strings).
A bad value must stop synth with one line naming the key, the value and what is allowed, before any
construct exists, so nothing is half-made and no jsii stack trace reaches the user.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

DEFAULTS: Mapping[str, Any] = {
    "labName": "FirehoseLab",
    "format": "json",
    "bufferSizeMiB": "auto",
    "bufferIntervalSeconds": 60,
    "compression": "none",
    "bucketName": "",
    "instanceType": "t3.micro",
    "producerRatePerSecond": 10,
    "producerMinutes": 60,
    "dataRetentionDays": 7,
    "stopWhenDone": True,
    "expiresAfterHours": 24,
}

COMPRESSIONS = ("none", "gzip")
BOOLEANS = {"true": True, "false": False}

# expiresAfterHours: a lab lives at most a week; 0 means it never deletes itself.
MAX_EXPIRY_HOURS = 168
FORMATS = ("json", "parquet")

# bufferSizeMiB=auto: the original lab's 1 MiB, or the service's minimum when Firehose converts records to Parquet
# ("BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled").
AUTO_BUFFER_SIZE_MIB = {"json": 1, "parquet": 64}

# Context keys that belong to the CDK toolkit, not to the lab: feature flags (`@aws-cdk/...`),
# toolkit switches (`aws:cdk:...`) and cached lookups (`availability-zones:account=...`).
_TOOLKIT_KEY = re.compile(r"^(@|aws:|aws-cdk:|cdk-|cli-)|:")

_WHOLE_NUMBER = re.compile(r"\s*[+-]?\d+\s*")
_LAB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,39}$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


class ConfigError(ValueError):
    """A setting the lab cannot be built with; str() is the one line shown to the user."""


@dataclass(frozen=True)
class LabConfig:
    lab_name: str
    record_format: str
    buffer_size_mib: int
    buffer_interval_seconds: int
    compression: str
    bucket_name: Optional[str]
    instance_type: str
    producer_rate_per_second: int
    producer_minutes: int
    data_retention_days: int
    stop_when_done: bool
    expires_after_hours: int  # 0: never

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> "LabConfig":
        """Build from the app's whole context; unknown lab keys are refused (a typo must not be ignored)."""
        unknown = sorted(k for k in context if k not in DEFAULTS and not _TOOLKIT_KEY.search(k))
        if unknown:
            key = unknown[0]
            close = difflib.get_close_matches(key, DEFAULTS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ConfigError(
                f"unknown setting {key}={context[key]!r}{hint}; known settings: {', '.join(DEFAULTS)}"
            )
        values = {key: context.get(key, default) for key, default in DEFAULTS.items()}
        record_format = _parse_choice("format", values["format"], FORMATS)
        return cls(
            lab_name=_parse_lab_name(values["labName"]),
            record_format=record_format,
            buffer_size_mib=_parse_buffer_size(values["bufferSizeMiB"], record_format),
            buffer_interval_seconds=_parse_int(
                "bufferIntervalSeconds", values["bufferIntervalSeconds"], 0, 900, "seconds"
            ),
            compression=_parse_compression(values["compression"], record_format),
            bucket_name=_parse_bucket_name(values["bucketName"]),
            instance_type=_parse_instance_type(values["instanceType"]),
            producer_rate_per_second=_parse_int(
                "producerRatePerSecond", values["producerRatePerSecond"], 1, 10_000, "events per second"
            ),
            producer_minutes=_parse_int("producerMinutes", values["producerMinutes"], 1, 1440, "minutes"),
            data_retention_days=_parse_int(
                "dataRetentionDays", values["dataRetentionDays"], 1, 3650, "days"
            ),
            stop_when_done=_parse_bool("stopWhenDone", values["stopWhenDone"]),
            expires_after_hours=_parse_expiry(values["expiresAfterHours"]),
        )


def _refuse(key: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(f"invalid {key}={value!r}: {allowed}")


def _parse_int(key: str, value: Any, low: int, high: int, unit: str) -> int:
    allowed = f"must be a whole number of {unit} from {low} to {high}"
    if isinstance(value, bool):
        raise _refuse(key, value, allowed)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        number = int(value)
    else:
        raise _refuse(key, value, allowed)
    if not low <= number <= high:
        raise _refuse(key, value, allowed)
    return number


def _parse_choice(key: str, value: Any, choices: tuple) -> str:
    if not isinstance(value, str) or value.strip().lower() not in choices:
        raise _refuse(key, value, f"must be one of {', '.join(choices)}")
    return value.strip().lower()


def _parse_bool(key: str, value: Any) -> bool:
    """cdk.json gives a JSON boolean, `-c key=value` a string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in BOOLEANS:
        return BOOLEANS[value.strip().lower()]
    raise _refuse(key, value, "must be true or false")


def _parse_expiry(value: Any) -> int:
    """0 keeps the lab until `make destroy`; otherwise it deletes itself this many hours after deploy."""
    allowed = f"must be a whole number of hours from 1 to {MAX_EXPIRY_HOURS}, or 0 for a lab that never expires"
    try:
        hours = _parse_int("expiresAfterHours", value, 0, MAX_EXPIRY_HOURS, "hours")
    except ConfigError:
        raise _refuse("expiresAfterHours", value, allowed) from None
    return hours


def _parse_buffer_size(value: Any, record_format: str) -> int:
    """`auto` follows the format; a number is the user's, and Parquet conversion needs at least 64 MiB."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return AUTO_BUFFER_SIZE_MIB[record_format]
    if isinstance(value, str) and not _WHOLE_NUMBER.fullmatch(value):
        raise _refuse("bufferSizeMiB", value, "must be auto or a whole number of MiB from 1 to 128")
    size = _parse_int("bufferSizeMiB", value, 1, 128, "MiB")
    minimum = AUTO_BUFFER_SIZE_MIB["parquet"]
    if record_format == "parquet" and size < minimum:
        raise _refuse(
            "bufferSizeMiB",
            value,
            f"format=parquet needs at least {minimum} MiB (the service's minimum with record format conversion); "
            f"use -c bufferSizeMiB={minimum} or leave it at auto",
        )
    return size


def _parse_compression(value: Any, record_format: str) -> str:
    """With Parquet, Firehose compresses inside the files (Snappy) and refuses S3-level compression on top."""
    compression = _parse_choice("compression", value, COMPRESSIONS)
    if record_format == "parquet" and compression != "none":
        raise _refuse(
            "compression",
            value,
            "format=parquet already compresses inside each Parquet file (Snappy) and Firehose cannot also "
            "compress the whole object; leave compression at none",
        )
    return compression


def _parse_lab_name(value: Any) -> str:
    if not isinstance(value, str) or not _LAB_NAME.fullmatch(value):
        raise _refuse(
            "labName",
            value,
            "must start with a letter and hold only letters, digits and hyphens, 1 to 40 characters "
            "(it becomes the CloudFormation stack name)",
        )
    return value


def _parse_instance_type(value: Any) -> str:
    if not isinstance(value, str) or not _INSTANCE_TYPE.fullmatch(value):
        raise _refuse("instanceType", value, "must be an EC2 instance type such as t3.micro or t4g.micro")
    return value


def _parse_bucket_name(value: Any) -> Optional[str]:
    """Empty means a generated unique name; otherwise S3's general-purpose bucket naming rules."""
    if value is None or value == "":
        return None
    rules = (
        "S3 bucket names are 3-63 lowercase letters, digits, hyphens and dots, begin and end with a letter or "
        "digit; leave bucketName empty for a generated unique name"
    )
    problem = _bucket_name_problem(value) if isinstance(value, str) else "it is not text"
    if problem:
        raise _refuse("bucketName", value, f"{problem}; {rules}")
    return value


def _bucket_name_problem(name: str) -> Optional[str]:
    """The first S3 naming rule the name breaks, in words a student can act on."""
    if not 3 <= len(name) <= 63:
        return f"it has {len(name)} characters"
    if any(c.isupper() for c in name):
        return "uppercase letters are not allowed"
    if not _BUCKET_CHARS.fullmatch(name):
        return "it has a character other than a-z, 0-9, '-' and '.', or does not begin and end with a letter or digit"
    if ".." in name:
        return "two adjacent dots are not allowed"
    if _looks_like_ip(name):
        return "it is shaped like an IP address"
    if name.startswith(_BUCKET_RESERVED_PREFIXES) or name.endswith(_BUCKET_RESERVED_SUFFIXES):
        return "it uses a prefix or suffix that S3 reserves"
    return None


def _looks_like_ip(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True

