"""A deployed lab, found by its stack name: where its stream delivers, read from the stack's outputs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from botocore.exceptions import ClientError

from labctl.i18n import _

# Set by the offline lab (`make lab-local`) when its emulator's buffer clock runs faster than real time (0.1: a 60 s
# interval passes in 6 s), so commands that reason about time (`make watch`) read the stream's hints at that speed.
CLOCK_SCALE_ENV = "FIREHOSE_LAB_CLOCK_SCALE"


class LabNotFound(Exception):
    """One line for the user."""


@dataclass(frozen=True)
class Lab:
    stack_name: str
    bucket: str
    stream: str
    data_prefix: str
    packed_records: bool = True  # PackedRecords output; labs deployed before it existed always packed
    workgroup: str = ""  # Athena workgroup (output AthenaWorkgroup)
    events_table: str = ""  # "database.table" in Glue (output EventsTable)


def find_lab(cloudformation, stack_name: str) -> Lab:
    """The lab's bucket, stream and data prefix, from its stack outputs."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        raise LabNotFound(
            _("no deployed lab named {name} ({problem}); run `make deploy` first, or pass -c labName=NAME").format(
                name=repr(stack_name), problem=error.response["Error"]["Message"]
            )
        ) from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    missing = {"BucketName", "DeliveryStreamName", "DataPrefix"} - set(outputs)
    if missing:
        raise LabNotFound(
            _("stack {name} has no {outputs} output: is it a firehose-lab?").format(
                name=repr(stack_name), outputs=", ".join(sorted(missing))
            )
        )
    prefix = urlparse(outputs["DataPrefix"]).path.lstrip("/")
    return Lab(
        stack_name,
        outputs["BucketName"],
        outputs["DeliveryStreamName"],
        prefix,
        packed_records=outputs.get("PackedRecords", "true") != "false",
        workgroup=outputs.get("AthenaWorkgroup", ""),
        events_table=outputs.get("EventsTable", ""),
    )
