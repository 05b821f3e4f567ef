"""Stack outputs, made beside the construct that owns what they name.

Each is created at the stack's top level under its plain key (BucketName, InstanceId, ...): `make verify`,
`make status`, `make query` and the rehearsal read them by these keys, and an output made inside a construct
would get a longer, hashed logical id.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnOutput, Stack
from constructs import Construct


def add_outputs(scope: Construct, outputs: Mapping[str, tuple[str, str]]) -> None:
    """One output per key: (value, description)."""
    stack = Stack.of(scope)
    for key, (value, description) in outputs.items():
        CfnOutput(stack, key, value=value, description=description)
