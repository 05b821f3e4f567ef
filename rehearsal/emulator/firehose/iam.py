"""Stream-scoped IAM evaluation for Firehose calls, with Firehose's own AccessDeniedException.

moto 5.2.5's `BaseResponse.call_action` authorizes against `self._determine_resource()` when a
response class defines it and against `*` otherwise; FirehoseResponse defines none, so a correct
least-privilege allow (`Resource: <stream ARN>`) is denied. This adds it: the request body's
DeliveryStreamName resolves to the stream ARN (derived, so an unknown stream is authorized like
the service does, then reported not found); calls without one stay `*`.
moto also renders the denial as a 403 XML body, which a JSON-protocol client (boto3, the AWS
SDKs) can only read as error code "403"; it is re-raised as the JSON AccessDeniedException the
service returns, naming the resource.
"""

import json

from moto.core.exceptions import AccessDeniedError, JsonRESTError
from moto.firehose.responses import FirehoseResponse
from moto.iam.access_control import IAMRequest
from moto.utilities.utils import get_partition


def _determine_resource(self: FirehoseResponse) -> str:
    try:
        name = json.loads(self.body or "{}").get("DeliveryStreamName")
    except (ValueError, AttributeError):
        name = None
    if not name:
        return "*"
    return f"arn:{get_partition(self.region)}:firehose:{self.region}:{self.current_account}:deliverystream/{name}"


def _authorize(self: FirehoseResponse, resource: str = "*") -> None:
    try:
        self._authenticate_and_authorize_action(IAMRequest, resource)
    except AccessDeniedError as denied:
        raise JsonRESTError("AccessDeniedException", f"{denied.message} on resource: {resource}")


def install() -> None:
    """Give FirehoseResponse a resource and a JSON denial (idempotent)."""
    FirehoseResponse._determine_resource = _determine_resource
    FirehoseResponse._authenticate_and_authorize_normal_action = _authorize
