"""What AssumeRole passes for the session it makes (moto 5.2.5 keeps only the inline session policy and ExternalId).

AWS evaluates a role session with the session tags passed to AssumeRole (aws:PrincipalTag, over the role's own
tags), the managed session policies (PolicyArns, with the inline Policy limiting the session), its SourceIdentity,
whether MFA was given (SerialNumber and TokenCode: aws:MultiFactorAuthPresent) and when it was issued
(aws:TokenIssueTime). Transitive tags of a session that assumes another role carry over to the new session ("Chaining
roles with session tags", IAM user guide). moto drops all of them; here they are recorded on moto's AssumedRole, with
the issue time on the emulator's clock (the clock aws:CurrentTime is read from).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse

from ..clock import CLOCK

ATTRIBUTE = "emulator_session"


@dataclass(frozen=True)
class Recorded:
    tags: dict[str, str] = field(default_factory=dict)
    transitive_keys: frozenset[str] = frozenset()
    policy_arns: tuple[str, ...] = ()
    source_identity: str | None = None
    mfa: bool = False
    issued_at: datetime | None = None


def recorded(session: Any) -> Recorded:
    """What AssumeRole passed for `session` (a moto AssumedRole); empty for a session made behind the API's back."""
    return getattr(session, ATTRIBUTE, Recorded())


_original_assume_role = TokenResponse.assume_role


def _assume_role(self: TokenResponse) -> ActionResult:
    answer = _original_assume_role(self)
    session = answer.result["Credentials"]  # type: ignore[index]
    inherited = _caller_session(self)
    tags = {k: v for k, v in inherited.tags.items() if k in inherited.transitive_keys}
    tags.update({t["Key"]: t["Value"] for t in self._get_param("Tags") or []})
    transitive = inherited.transitive_keys | set(self._get_param("TransitiveTagKeys") or [])
    setattr(
        session,
        ATTRIBUTE,
        Recorded(
            tags=tags,
            transitive_keys=frozenset(transitive),
            policy_arns=tuple(p["arn"] for p in self._get_param("PolicyArns") or []),
            source_identity=self._get_param("SourceIdentity") or inherited.source_identity,
            mfa=bool(self._get_param("SerialNumber") and self._get_param("TokenCode")),
            issued_at=CLOCK.now(),
        ),
    )
    return answer


def _caller_session(response: TokenResponse) -> Recorded:
    """The session calling AssumeRole, when a role session chains into another role."""
    for session in sts_backends[response.current_account][response.partition].assumed_roles:
        if session.access_key_id == response.get_access_key():
            return recorded(session)
    return Recorded()


def install() -> None:
    """Record what AssumeRole passes (idempotent)."""
    TokenResponse.assume_role = _assume_role
