"""Session Manager's StartSession, answered as SSM answers a target with no agent connected (moto 5.2.5 has no
StartSession: HTTP 500).

The emulator's instances run no SSM Agent (the rehearsal runs an instance's user-data in a sandbox instead), so no
session can open. The request is authorized first, as every request is (ssm:StartSession on the target instance and
the session document, ssm:resourceTag), then refused with SSM's own TargetNotConnected ("The specified target
instance for the session isn't fully configured for use with Session Manager", SSM API reference, StartSession),
saying why.
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.ssm.responses import SimpleSystemManagerResponse


def _start_session(self: SimpleSystemManagerResponse) -> Any:
    target = self._get_param("Target")
    raise JsonRESTError(
        "TargetNotConnected",
        f"{target} is not connected: the emulator's instances run no SSM Agent, so no session can be opened "
        "(the rehearsal runs the instance's user-data in a sandbox instead)",
    )


def install() -> None:
    """Answer StartSession (idempotent)."""
    SimpleSystemManagerResponse.start_session = _start_session  # type: ignore[attr-defined]
