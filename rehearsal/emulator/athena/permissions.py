"""A query reads and writes with its caller's permissions, as Athena's do (moto's Athena checks none).

"When actors interact with Athena, their permissions pass through Athena to determine what Athena can access. This
means that users must have permission to access Amazon S3 buckets in order to query them with Athena" (Athena user
guide, "Control access to Amazon S3 from Athena"); the same holds for the Glue Data Catalog ("Configure access to
databases and tables in the AWS Glue Data Catalog": an action needs permission "on the resource (table or database)
and all ancestors of the resource in the Data Catalog"). So, with IAM enforced, a query started by an IAM user or
role session is run by `Checked` over its catalog and storage, and each read is first decided by the IAM engine
(iam.authorize) for that caller:
- glue:GetDatabase on the catalog and the database, glue:GetTable on the catalog, the database and the table, and
  glue:GetPartitions on the three for a table whose partitions come from the catalog (not projected);
- s3:ListBucket on the table's bucket with its location as s3:prefix, s3:GetObject on each object read;
- s3:PutObject on the result object before the result is written;
each with the keys a call made through Athena carries: aws:CalledVia, aws:CalledViaFirst and aws:CalledViaLast
athena.amazonaws.com, aws:ViaAWSService true (IAM user guide, "AWS global condition context keys": Athena is among
the services that use forward access sessions). A refusal fails the query with Athena's words (below) and the
engine's reason; nothing of it is written. GetQueryResults reads the result as its own caller: s3:GetObject on it
(Athena API reference, GetQueryResults: the principal "also must have permissions to the Amazon S3 GetObject action
for the Athena query results location").
With IAM not enforced the emulator's test credentials stand for the account's root user, whom no identity policy
limits: nothing is checked (s3/'s bucket policies still refuse what they deny).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from moto.athena.responses import AthenaResponse
from moto.core.exceptions import JsonRESTError
from moto.utilities.utils import get_partition

from .. import iam
from ..iam import principals
from .engine import Catalog, QueryFailed, Storage

ATHENA = "athena.amazonaws.com"
VIA_ATHENA = {
    "aws:CalledVia": [ATHENA],
    "aws:CalledViaFirst": ATHENA,
    "aws:CalledViaLast": ATHENA,
    "aws:ViaAWSService": "true",
}
# The access key of the request being answered, set while an Athena request is handled with IAM enforced.
_REQUEST_KEY: ContextVar[str | None] = ContextVar("athena_request_key", default=None)


class Caller:
    """Who started a query: the IAM user or role session owning `access_key_id`."""

    def __init__(self, access_key_id: str, account_id: str, region: str):
        self.access_key_id = access_key_id
        self.account_id = account_id
        self.region = region
        self.partition = get_partition(region)
        self.arn = principals.caller(account_id, self.partition, access_key_id).arn

    def refusal(self, action: str, resource: str, context: dict[str, Any] | None = None) -> str | None:
        """Why the caller may not do `action` on `resource` through Athena; None when it may."""
        decision = iam.authorize(self.access_key_id, action, resource, {**VIA_ATHENA, **(context or {})})
        return None if decision.allowed else decision.reason

    def glue_arn(self, resource: str) -> str:
        return f"arn:{self.partition}:glue:{self.region}:{self.account_id}:{resource}"

    def s3_arn(self, bucket: str, key: str | None = None) -> str:
        return f"arn:{self.partition}:s3:::{bucket}" + (f"/{key}" if key is not None else "")


def request_caller(account_id: str, region: str) -> Caller | None:
    """The caller of the Athena request being answered; None when IAM is not enforced."""
    key = _REQUEST_KEY.get()
    return Caller(key, account_id, region) if key else None


class CheckedCatalog:
    """The Glue catalog as the caller may read it (Catalog, engine.py)."""

    def __init__(self, catalog: Catalog, caller: Caller):
        self.catalog, self.caller = catalog, caller

    def has_database(self, database: str) -> bool:
        self._require("glue:GetDatabase", "catalog", f"database/{database}")
        return self.catalog.has_database(database)

    def table(self, database: str, name: str) -> dict[str, Any] | None:
        self._require("glue:GetTable", "catalog", f"database/{database}", f"table/{database}/{name}")
        return self.catalog.table(database, name)

    def partitions(self, database: str, name: str) -> list[dict[str, Any]]:
        self._require("glue:GetPartitions", "catalog", f"database/{database}", f"table/{database}/{name}")
        return self.catalog.partitions(database, name)

    def _require(self, action: str, *resources: str) -> None:
        for resource in resources:
            arn = self.caller.glue_arn(resource)
            reason = self.caller.refusal(action, arn)
            if reason is not None:
                # Glue's AccessDeniedException as Athena passes it on (the caller, the action, the resource).
                raise QueryFailed(
                    f"Insufficient permissions to execute the query. User: {self.caller.arn} is not authorized to "
                    f"perform: {action} on resource: {arn} (Service: AWSGlue; Status Code: 400; Error Code: "
                    f"AccessDeniedException) because {reason}"
                )


class CheckedStorage:
    """The S3 objects as the caller may read them (Storage, engine.py)."""

    def __init__(self, storage: Storage, caller: Caller):
        self.storage, self.caller = storage, caller

    def list(self, bucket: str, prefix: str) -> Iterable[tuple[str, int]]:
        self._require("s3:ListBucket", self.caller.s3_arn(bucket), f"s3://{bucket}/{prefix}", {"s3:prefix": prefix})
        return self.storage.list(bucket, prefix)

    def get(self, bucket: str, key: str) -> bytes:
        self._require("s3:GetObject", self.caller.s3_arn(bucket, key), f"s3://{bucket}/{key}")
        return self.storage.get(bucket, key)

    def _require(self, action: str, arn: str, path: str, context: dict[str, Any] | None = None) -> None:
        reason = self.caller.refusal(action, arn, context)
        if reason is not None:
            # As Athena reports S3's refusal of a source object (AWS Knowledge Center, "Why do I get Access Denied
            # errors when I run Amazon Athena queries?").
            raise QueryFailed(
                "Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied) "
                f"(Path: {path}): {action} refused to {self.caller.arn} because {reason}"
            )


def result_refusal(caller: Caller | None, bucket: str, key: str) -> str | None:
    """Why the query's result may not be written where it goes; None when it may."""
    if caller is None:
        return None
    reason = caller.refusal("s3:PutObject", caller.s3_arn(bucket, key))
    if reason is None:
        return None
    return (
        f"Access denied when writing output to url: s3://{bucket}/{key} . Please ensure you are allowed to access the "
        f"S3 bucket. s3:PutObject refused to {caller.arn} because {reason}"
    )


def require_result_read(account_id: str, region: str, bucket: str, key: str) -> None:
    """GetQueryResults: its caller must be allowed s3:GetObject on the result (refused as Athena refuses a call)."""
    caller = request_caller(account_id, region)
    if caller is None:
        return
    arn = caller.s3_arn(bucket, key)
    reason = caller.refusal("s3:GetObject", arn)
    if reason is not None:  # as the IAM hook refuses a JSON protocol's call (iam/authorization.py)
        error = JsonRESTError(
            "AccessDeniedException",
            f"User: {caller.arn} is not authorized to perform: s3:GetObject on resource: {arn} because {reason}",
        )
        error.code = 403
        raise error


@contextmanager
def _answering(response: AthenaResponse) -> Iterator[None]:
    token = _REQUEST_KEY.set(response.get_access_key() if iam.enforced() else None)
    try:
        yield
    finally:
        _REQUEST_KEY.reset(token)


def _with_caller(method: Any) -> Any:
    def answer(self: AthenaResponse) -> str:
        with _answering(self):
            return method(self)

    answer.__wrapped__ = method
    return answer


def install() -> None:
    """Know the caller while StartQueryExecution and GetQueryResults are answered (idempotent)."""
    for name in ("start_query_execution", "get_query_results"):
        method = getattr(AthenaResponse, name)
        if not hasattr(method, "__wrapped__"):
            setattr(AthenaResponse, name, _with_caller(method))
