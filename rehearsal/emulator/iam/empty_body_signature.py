"""SigV4 checks of requests with an empty body (moto 5.2.5 rejects them when IAM is enforced).

To check a signature, moto's IAMRequestBase rebuilds the request with `data=self._body or self._data`: when the body
is empty, as in every REST GET (Scheduler's GetSchedule, ListSchedules), it hashes moto's parsed request data
instead, so the payload hash never matches the client's hash of an empty payload and every such call fails with
SignatureDoesNotMatch. A GET, HEAD or DELETE without a body is signed as empty here (SigV4: the hash of the empty
string). POSTs keep moto's way: for form-encoded query APIs (IAM, EC2) its raw body is empty and its parsed data is
what the client signed.
"""

from __future__ import annotations

from botocore.awsrequest import AWSRequest
from moto.iam.access_control import IAMRequestBase

BODILESS = ("GET", "HEAD", "DELETE")

_original_create_aws_request = IAMRequestBase._create_aws_request


def _create_aws_request(self: IAMRequestBase) -> AWSRequest:
    request = _original_create_aws_request(self)
    if self._method in BODILESS and not self._body:
        request.data = b""
    return request


def install() -> None:
    """Rebuild empty-bodied requests with their empty body (idempotent)."""
    IAMRequestBase._create_aws_request = _create_aws_request
