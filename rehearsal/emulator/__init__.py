"""The rehearsal's AWS: moto (pinned) plus the gaps this project fills, one package per AWS service (cloudformation,
firehose, athena, glue, s3, iam, scheduler, ec2, kms, ssm, budgets, sns). In each, one module per gap, with an
`install()` and a docstring naming the moto gap; the package's __init__ lists them and has `install()`, `start()`
and `stop()`. `server.Emulator` installs every package, serves the result on 127.0.0.1 and starts and stops them.

No CDK import here: the rehearsal drives the real CDK CLI from the outside. The server's names are imported on first
use, so importing clock.py alone (the sandbox's systemctl does, on every call) loads neither moto nor the gap-fixes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import ACCOUNT_ID, REGION, TEST_CREDENTIALS, Emulator, skipped_settings, unmodelled_types

__all__ = ["ACCOUNT_ID", "REGION", "TEST_CREDENTIALS", "Emulator", "skipped_settings", "unmodelled_types"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
