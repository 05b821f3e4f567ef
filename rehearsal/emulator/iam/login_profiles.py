"""A login profile keeps what CreateLoginProfile was told: moto 5.2.5 drops PasswordResetRequired, so GetLoginProfile
answered False for a password the user must change at first sign-in (IAM API reference, CreateLoginProfile
`PasswordResetRequired`). The class's one-time passwords rely on it.
"""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse

_original_create = IamResponse.create_login_profile


def _create_login_profile(self: IamResponse) -> ActionResult:
    required = str(self._get_param("PasswordResetRequired", False)).lower() == "true"
    self.backend.get_user(self._get_param("UserName")).password_reset_required = required
    answer = _original_create(self)
    answer.result["LoginProfile"]["PasswordResetRequired"] = required  # type: ignore[index]
    return answer


def install() -> None:
    IamResponse.create_login_profile = _create_login_profile
