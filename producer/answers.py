"""What Firehose's answer to a call means: which failures a retry can fix, which are throttling, which stop everything.

Whole-call errors: ServiceUnavailableException (400) is throttling, 5xx and dropped
connections are transient, ResourceNotFoundException and refused credentials are fatal,
InvalidArgumentException and the like no retry can fix (Firehose API reference, PutRecordBatch
errors). Per-record ErrorCodes inside a 200: ServiceUnavailableException (throttling) or
InternalFailure, both retried.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from producer.results import ACCESS, STREAM_NOT_FOUND, Fatal

THROTTLE_CODES = frozenset(
    {"ServiceUnavailableException", "ServiceUnavailable", "ThrottlingException", "Throttling", "SlowDown"}
)
"""Codes that ask the producer to slow down."""

RETRY_CODES = THROTTLE_CODES | {
    "InternalFailure",
    "InternalServerError",
    "InternalError",
    "RequestTimeout",
    "RequestTimeoutException",
}
ACCESS_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "IncompleteSignature",
        "SignatureDoesNotMatch",
        "MissingAuthenticationToken",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "AccessDenied",
        "AccessDeniedException",
        "NotAuthorized",
        "KMSAccessDeniedException",
    }
)


@dataclass(frozen=True)
class CallFailure:
    """A call that failed whole: why (for the summary), the error code (for the counts),
    whether a retry may help, whether it was throttling, and whether it stops everything."""

    reason: str
    code: str
    retry: bool
    throttled: bool = False
    fatal: Fatal | None = None
    answered: bool = True
    """False when no answer came (a dropped connection): the call counts but got no reply."""


def call_failure(err: Exception) -> CallFailure:
    """Classify what `put_record_batch` raised."""
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or err)
        reason = f"{code}: {message}"
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code == "ResourceNotFoundException":
            return CallFailure(reason, code, False, fatal=Fatal(STREAM_NOT_FOUND, code, message))
        if code in ACCESS_CODES:
            return CallFailure(reason, code, False, fatal=Fatal(ACCESS, code, message))
        return CallFailure(reason, code, code in RETRY_CODES or status >= 500, throttled=code in THROTTLE_CODES)
    name = type(err).__name__
    reason = f"{name}: {err}"
    if isinstance(err, (HTTPClientError, BotoConnectionError)):
        return CallFailure(reason, name, True, answered=False)
    if isinstance(err, (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError)):
        return CallFailure(reason, name, False, fatal=Fatal(ACCESS, name, str(err)), answered=False)
    if isinstance(err, BotoCoreError):
        return CallFailure(reason, name, False, answered=False)
    raise err
