"""Every user setting of the lab, parsed and validated in one place.

Settings arrive as CDK context: from `cdk.json` (JSON types) or from `-c key=value` (always strings).
A bad value must stop synth with one line naming the key, the value and what is allowed, before any
construct exists, so nothing is half-made and no jsii stack trace reaches the user.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lab_stack.i18n import N_, _
from lab_stack.names import RESERVED_LAB_NAMES

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
    "partitionBy": "none",
    "stopWhenDone": True,
    "expiresAfterHours": 24,
}

COMPRESSIONS = ("none", "gzip")
BOOLEANS = {"true": True, "false": False}

# expiresAfterHours: a lab lives at most a week; 0 means it never deletes itself.
MAX_EXPIRY_HOURS = 168
FORMATS = ("json", "parquet")
# Firehose dynamic partitioning by an event field (JQ inline parsing), or none.
PARTITIONS = ("none", "ticker")
# The service's minimums with dynamic partitioning: "BufferingHints.SizeInMBs must be at least 64" and an interval of
# at least 60 s (CloudFormation refuses less; aws-cdk-lib's S3Bucket validates both).
PARTITIONED_MIN_BUFFER_SIZE_MIB = 64
PARTITIONED_MIN_INTERVAL_SECONDS = 60

# bufferSizeMiB=auto: the original lab's 1 MiB, or the service's minimum when Firehose converts records to Parquet
# ("BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled").
AUTO_BUFFER_SIZE_MIB = {"json": 1, "parquet": 64}

# Context keys that belong to the CDK toolkit, not to the lab: feature flags (`@aws-cdk/...`),
# toolkit switches (`aws:cdk:...`) and cached lookups (`availability-zones:account=...`).
_TOOLKIT_KEY = re.compile(r"^(@|aws:|aws-cdk:|cdk-|cli-)|:")

_WHOLE_NUMBER = re.compile(r"\s*[+-]?\d+\s*")
_LAB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,39}$")
# EC2's naming: a family (class letters, generation digits, option letters, and for some families a suffix such as
# `-flex` or `-6tb1`) and a size. Graviton families carry `g` among their option letters (t4g, c7gn, is4gen), or
# are the first generation a1 (EC2 User Guide, "Amazon EC2 instance type naming conventions").
_INSTANCE_TYPE = re.compile(
    r"(?P<family>(?P<letters>[a-z]+)(?P<generation>[0-9]*)(?P<options>[a-z]*)(?:-[a-z0-9]+)*)"
    r"\.(?P<size>nano|micro|small|medium|large|[0-9]*xlarge|metal(?:-[0-9]+xl)?)"
)
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
    bucket_name: str | None
    instance_type: str
    instance_architecture: str  # "arm64" or "x86_64": which Amazon Linux image the instance boots
    producer_rate_per_second: int
    producer_minutes: int
    data_retention_days: int
    stop_when_done: bool
    expires_after_hours: int  # 0: never
    partition_by: str

    @property
    def packed_records(self) -> bool:
        """Whether producers may pack many events into one Firehose record. Dynamic partitioning deaggregates at most
        500 sub-records per record (AWS: "Record deaggregation by JSON or by delimiter is capped at 500 per record";
        beyond that "the record de-aggregation doesn't work as expected"), and a packed record holds thousands of
        events, so a partitioned lab sends one event per record."""
        return self.partition_by == "none"

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> LabConfig:
        """Build from the app's whole context; unknown lab keys are refused (a typo must not be ignored)."""
        unknown = sorted(k for k in context if k not in DEFAULTS and not _TOOLKIT_KEY.search(k))
        if unknown:
            key = unknown[0]
            close = difflib.get_close_matches(key, DEFAULTS, n=1)
            hint = _(" (did you mean {setting}?)").format(setting=close[0]) if close else ""
            raise ConfigError(
                _("unknown setting {key}={value}{hint}; known settings: {known}").format(
                    key=key, value=repr(context[key]), hint=hint, known=", ".join(DEFAULTS)
                )
            )
        values = {key: context.get(key, default) for key, default in DEFAULTS.items()}
        for key, value in values.items():
            _refuse_control_characters(key, value)
        record_format = _parse_choice("format", values["format"], FORMATS)
        instance_type, instance_architecture = _parse_instance_type(values["instanceType"])
        partition_by = _parse_choice("partitionBy", values["partitionBy"], PARTITIONS)
        return cls(
            lab_name=_parse_lab_name(values["labName"]),
            record_format=record_format,
            buffer_size_mib=_parse_buffer_size(values["bufferSizeMiB"], record_format, partition_by),
            buffer_interval_seconds=_parse_buffer_interval(values["bufferIntervalSeconds"], partition_by),
            compression=_parse_compression(values["compression"], record_format),
            bucket_name=_parse_bucket_name(values["bucketName"]),
            instance_type=instance_type,
            instance_architecture=instance_architecture,
            producer_rate_per_second=_parse_int(
                "producerRatePerSecond", values["producerRatePerSecond"], 1, 10_000, N_("events per second")
            ),
            producer_minutes=_parse_int("producerMinutes", values["producerMinutes"], 1, 1440, N_("minutes")),
            data_retention_days=_parse_int("dataRetentionDays", values["dataRetentionDays"], 1, 3650, N_("days")),
            stop_when_done=_parse_bool("stopWhenDone", values["stopWhenDone"]),
            expires_after_hours=_parse_expiry(values["expiresAfterHours"]),
            partition_by=partition_by,
        )


def _refuse(key: str, value: Any, allowed: str) -> ConfigError:
    return ConfigError(_("invalid {key}={value}: {allowed}").format(key=key, value=repr(value), allowed=allowed))


def _refuse_control_characters(key: str, value: Any) -> None:
    """A newline in labName would name the stack by the part before it: every setting is one printable line."""
    if isinstance(value, str) and any(unicodedata.category(c) == "Cc" for c in value):
        raise _refuse(key, value, _("must be one line of printable text (no control characters)"))


def _parse_int(key: str, value: Any, low: int, high: int, unit: str) -> int:
    """`unit` is English, marked N_() where it is given."""
    allowed = _("must be a whole number of {unit} from {low} to {high}").format(unit=_(unit), low=low, high=high)
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
        raise _refuse(key, value, _("must be one of {choices}").format(choices=", ".join(choices)))
    return value.strip().lower()


def _parse_bool(key: str, value: Any) -> bool:
    """cdk.json gives a JSON boolean, `-c key=value` a string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in BOOLEANS:
        return BOOLEANS[value.strip().lower()]
    raise _refuse(key, value, _("must be true or false"))


def _parse_expiry(value: Any) -> int:
    """0 keeps the lab until `make destroy`; otherwise it deletes itself this many hours after deploy."""
    allowed = _("must be a whole number of hours from 1 to {most}, or 0 for a lab that never expires").format(
        most=MAX_EXPIRY_HOURS
    )
    try:
        hours = _parse_int("expiresAfterHours", value, 0, MAX_EXPIRY_HOURS, N_("hours"))
    except ConfigError:
        raise _refuse("expiresAfterHours", value, allowed) from None
    return hours


def _parse_buffer_size(value: Any, record_format: str, partition_by: str = "none") -> int:
    """`auto` follows the format (and partitioning); a number is the user's, and Parquet conversion and dynamic
    partitioning need at least 64 MiB."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        if partition_by != "none":
            return max(AUTO_BUFFER_SIZE_MIB[record_format], PARTITIONED_MIN_BUFFER_SIZE_MIB)
        return AUTO_BUFFER_SIZE_MIB[record_format]
    if isinstance(value, str) and not _WHOLE_NUMBER.fullmatch(value):
        raise _refuse("bufferSizeMiB", value, _("must be auto or a whole number of MiB from 1 to 128"))
    size = _parse_int("bufferSizeMiB", value, 1, 128, "MiB")  # a unit, the same in every language
    minimum = AUTO_BUFFER_SIZE_MIB["parquet"]
    if record_format == "parquet" and size < minimum:
        raise _refuse(
            "bufferSizeMiB",
            value,
            _(
                "format=parquet needs at least {minimum} MiB (the service's minimum with record format conversion); "
                "use -c bufferSizeMiB={minimum} or leave it at auto"
            ).format(minimum=minimum),
        )
    if partition_by != "none" and size < PARTITIONED_MIN_BUFFER_SIZE_MIB:
        raise _refuse(
            "bufferSizeMiB",
            value,
            _(
                "partitionBy={partition_by} needs at least {minimum} MiB (the service's minimum with dynamic "
                "partitioning); use -c bufferSizeMiB={minimum} or leave it at auto"
            ).format(partition_by=partition_by, minimum=PARTITIONED_MIN_BUFFER_SIZE_MIB),
        )
    return size


def _parse_buffer_interval(value: Any, partition_by: str) -> int:
    """0-900 s; dynamic partitioning needs at least 60 s."""
    interval = _parse_int("bufferIntervalSeconds", value, 0, 900, N_("seconds"))
    if partition_by != "none" and interval < PARTITIONED_MIN_INTERVAL_SECONDS:
        raise _refuse(
            "bufferIntervalSeconds",
            value,
            _(
                "partitionBy={partition_by} needs at least {minimum} seconds (the service's minimum with dynamic "
                "partitioning); use -c bufferIntervalSeconds={minimum} or more"
            ).format(partition_by=partition_by, minimum=PARTITIONED_MIN_INTERVAL_SECONDS),
        )
    return interval


def _parse_compression(value: Any, record_format: str) -> str:
    """With Parquet, Firehose compresses inside the files (Snappy) and refuses S3-level compression on top."""
    compression = _parse_choice("compression", value, COMPRESSIONS)
    if record_format == "parquet" and compression != "none":
        raise _refuse(
            "compression",
            value,
            _(
                "format=parquet already compresses inside each Parquet file (Snappy) and Firehose cannot also "
                "compress the whole object; leave compression at none"
            ),
        )
    return compression


def _parse_lab_name(value: Any) -> str:
    if not isinstance(value, str) or not _LAB_NAME.fullmatch(value):
        raise _refuse(
            "labName",
            value,
            _(
                "must start with a letter and hold only letters, digits and hyphens, 1 to 40 characters "
                "(it becomes the CloudFormation stack name)"
            ),
        )
    taken = RESERVED_LAB_NAMES.get(value.lower())
    if taken:
        raise _refuse(
            "labName", value, _("it is {taken} in every AWS account; choose another lab name").format(taken=_(taken))
        )
    return value


def _parse_instance_type(value: Any) -> tuple[str, str]:
    """(instance type, its architecture), from the name alone: CDK's own parser misses real names (u-6tb1.metal)."""
    match = _INSTANCE_TYPE.fullmatch(value) if isinstance(value, str) else None
    # Every family has a generation number but the high-memory `u-*` ones (u-6tb1, u-12tb1).
    if not match or not match["generation"] and match["letters"] != "u":
        raise _refuse("instanceType", value, _("must be an EC2 instance type such as t3.micro or t4g.micro"))
    if match["letters"] == "mac":
        raise _refuse(
            "instanceType", value, _("mac instances run only on a Dedicated Host, which the lab does not use")
        )
    graviton = "g" in match["options"] or match["family"] == "a1"
    return value, "arm64" if graviton else "x86_64"


def _parse_bucket_name(value: Any) -> str | None:
    """Empty means a generated unique name; otherwise S3's general-purpose bucket naming rules."""
    if value is None or value == "":
        return None
    rules = _(
        "S3 bucket names are 3-63 lowercase letters, digits, hyphens and dots, begin and end with a letter or "
        "digit; leave bucketName empty for a generated unique name"
    )
    problem = _bucket_name_problem(value) if isinstance(value, str) else _("it is not text")
    if problem:
        raise _refuse("bucketName", value, f"{problem}; {rules}")
    return value


def _bucket_name_problem(name: str) -> str | None:
    """The first S3 naming rule the name breaks, in words a student can act on."""
    if not 3 <= len(name) <= 63:
        return _("it has {count} characters").format(count=len(name))
    if any(c.isupper() for c in name):
        return _("uppercase letters are not allowed")
    if not _BUCKET_CHARS.fullmatch(name):
        return _(
            "it has a character other than a-z, 0-9, '-' and '.', or does not begin and end with a letter or digit"
        )
    if ".." in name:
        return _("two adjacent dots are not allowed")
    if "-." in name or ".-" in name:
        return _("a dot next to a hyphen is not allowed")
    if _looks_like_ip(name):
        return _("it is shaped like an IP address")
    if name.startswith(_BUCKET_RESERVED_PREFIXES) or name.endswith(_BUCKET_RESERVED_SUFFIXES):
        return _("it uses a prefix or suffix that S3 reserves")
    return None


def _looks_like_ip(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True
