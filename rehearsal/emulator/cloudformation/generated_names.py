"""Generated names that fit their service's limit and keep their random suffix (moto 5.2.5 breaks both).

CloudFormation names an unnamed resource `<stack name>-<logical id>-<random suffix>` (S3 buckets lowercased; the
template reference's example is `MyStack-MyBucket-abcdefghijk1`, "CloudFormation resource custom naming"), and for a
type with a length limit it shortens the middle part, never the random suffix that makes the name unique: a nested
stack's function named `MyStackDev-MyNestedApplicationStack-MyLambdaFunctionName-1U44TLUZ7OR55` (70 characters)
comes out as `MyStackDev-MyNestedApplicatio-MyLambdaFunctionName-1U44TLUZ7OR55` (64).
moto instead cuts only the stack name for buckets, so a long logical id gives a name over S3's 63 characters
(InvalidBucketName out of CreateStack), and this project's Firehose model cut the whole name at 64, which drops the
suffix (two long-named streams of one stack would get the same name). Here the logical-id part is shortened first
(down to its first MIN_LOGICAL_ID characters), then the stack name; the suffix is kept whole.
"""

from moto.cloudformation import parsing

# Name limits of the types whose generated names the emulator shortens.
MAX_NAME_LENGTH = {
    "AWS::S3::Bucket": 63,  # S3 general purpose bucket naming rules
    "AWS::KinesisFirehose::DeliveryStream": 64,  # CreateDeliveryStream, DeliveryStreamName
}

# What is left of a long logical id before the stack name is shortened too (a CDK logical id ends in an
# 8-character hash).
MIN_LOGICAL_ID = 8

_original_generate = parsing.generate_resource_name


def shortened_name(stack_name: str, logical_id: str, suffix: str, limit: int) -> str:
    """`<stack>-<logical id>-<suffix>` within `limit`: the logical id gives way first, the suffix never."""
    room = limit - len(suffix) - 2  # two hyphens
    stack_part = stack_name[: room - min(len(logical_id), MIN_LOGICAL_ID)]
    logical_part = logical_id[: room - len(stack_part)]
    return f"{stack_part}-{logical_part}-{suffix}"


def _generate_resource_name(resource_type: str, stack_name: str, logical_id: str) -> str:
    limit = MAX_NAME_LENGTH.get(resource_type)
    if limit is None:
        return _original_generate(resource_type, stack_name, logical_id)
    name = shortened_name(stack_name, logical_id, parsing.random_suffix(), limit)
    return name.lower() if resource_type == "AWS::S3::Bucket" else name


def install() -> None:
    """Route name generation for the limited types here (idempotent)."""
    parsing.generate_resource_name = _generate_resource_name
