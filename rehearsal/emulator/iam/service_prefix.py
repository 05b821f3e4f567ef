"""IAM actions named by IAM's service prefix, not the SigV4 signing name (moto 5.2.5 uses the signing name).

moto's IAMRequestBase builds the action it authorizes from the request's credential scope, so a CloudWatch call
(signed for "monitoring") is checked as `monitoring:GetMetricStatistics`, which no policy written for AWS allows:
IAM's prefix is `cloudwatch` (Service Authorization Reference, Amazon CloudWatch). The action is renamed after
moto built it, for each service whose two names differ among those the lab's users call.
"""

from __future__ import annotations

from typing import Any

from moto.iam.access_control import IAMRequestBase

# SigV4 signing name -> IAM service prefix, where they differ.
IAM_PREFIX = {"monitoring": "cloudwatch"}

_original_init = IAMRequestBase.__init__


def _init(self: IAMRequestBase, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    service, _, action = self._action.partition(":")
    if service in IAM_PREFIX:
        self._action = f"{IAM_PREFIX[service]}:{action}"


def install() -> None:
    """Rename the action moto authorizes (idempotent)."""
    IAMRequestBase.__init__ = _init
