"""Athena queries that really run, asynchronously (moto 5.2.5 answers every StartQueryExecution with canned, empty
results, and its executions are SUCCEEDED as soon as they are described; its StopQueryExecution cancels even a
finished query).

StartQueryExecution answers at once with the execution's id: the query is QUEUED, then RUNNING on a worker
(running.py, owned by the package's start() and stop(), within limits.py's time, memory and concurrency limits),
where engine.py runs it over the Glue catalog and the S3 objects of moto's own backends; then, as Athena does:
- it writes the result to `<output location>/<QueryExecutionId>.csv` (every value quoted, NULL as nothing), with the
  workgroup's result configuration when it is enforced (`EnforceWorkGroupConfiguration`) and its SSE-S3/KMS
  encryption; with no output location at all the call is refused with Athena's message;
- the execution ends SUCCEEDED, or FAILED with the reason in `Status.StateChangeReason` and `Status.AthenaError`
  (a query the emulator cannot translate or run is a failed query, not an emulator error; so is one past the time
  or memory limit), or CANCELLED when it would scan more than the workgroup's `BytesScannedCutoffPerQuery` or is
  stopped; GetQueryExecution gives the state with its dates, and `Statistics` the bytes read and times so far;
- StopQueryExecution cancels a queued or running query (a running one is interrupted; no result of it is written)
  and changes nothing on a finished one;
- GetQueryResults answers from that CSV object (a header row of column names first, then the rows, paged by
  MaxResults/NextToken, at most 1,000 a page) with the column types kept from the run, as Athena keeps them beside
  the CSV; before the query has ended, or when it did not succeed, it is refused as Athena refuses it.
A disabled workgroup refuses queries; past the active queries quota, StartQueryExecution is throttled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from moto.athena.models import AthenaBackend, Execution
from moto.athena.responses import AthenaResponse
from moto.core.exceptions import ServiceException
from moto.glue.exceptions import EntityNotFoundException
from moto.glue.models import glue_backends
from moto.s3.models import s3_backends
from moto.s3.utils import bucket_and_name_from_url
from moto.utilities.utils import get_partition

from . import engine, permissions
from .engine import Control, QueryFailed
from .limits import Limits
from .permissions import Caller, CheckedCatalog, CheckedStorage
from .running import FAILED, FINAL, RUNNER, SUCCEEDED, Outcome, QueryRun

PRIMARY = "primary"
MAX_RESULTS = 1000  # GetQueryResults' largest page
NO_OUTPUT_LOCATION = (
    "No output location provided. An output location is required either through the Workgroup "
    "result configuration setting or as an API input."
)
_ENCRYPTION = {"SSE_S3": "AES256", "SSE_KMS": "aws:kms", "CSE_KMS": None}


class InvalidRequest(ServiceException):
    code = "InvalidRequestException"


class MotoCatalog:
    """The Glue catalog of moto's backend, as engine.py reads it."""

    def __init__(self, account_id: str, region_name: str):
        self.glue = glue_backends[account_id][region_name]

    def has_database(self, database: str) -> bool:
        return database in {name.lower() for name in self.glue.databases}

    def table(self, database: str, name: str) -> dict[str, Any] | None:
        for db_name, db in self.glue.databases.items():
            if db_name.lower() == database:
                for table_name, table in db.tables.items():
                    if table_name.lower() == name:
                        return table.as_dict()
        return None

    def partitions(self, database: str, name: str) -> list[dict[str, Any]]:
        try:
            return [p.as_dict() for p in self.glue.get_table(database, name).partitions.values()]
        except EntityNotFoundException:
            return []


class MotoStorage:
    """The objects of moto's S3 backend, as engine.py reads them."""

    def __init__(self, account_id: str, region_name: str):
        self.s3 = s3_backends[account_id][get_partition(region_name)]

    def list(self, bucket: str, prefix: str) -> Iterable[tuple[str, int]]:
        keys, _, _, _ = self.s3.list_objects(self.s3.get_bucket(bucket), prefix, None, None, None)
        return [(key.name, key.size) for key in keys]

    def get(self, bucket: str, key: str) -> bytes:
        return self.s3.get_object(bucket, key).value


def result_csv(columns: list[tuple[str, str]], rows: list[list[str | None]]) -> bytes:
    """Athena's result file: a header of column names, every value double-quoted, NULL as an empty field."""

    def cell(value: str | None) -> str:
        return "" if value is None else '"' + value.replace('"', '""') + '"'

    lines = [",".join(cell(name) for name, _ in columns)] + [",".join(cell(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def parse_result_csv(text: str) -> list[list[str | None]]:
    """The rows of a result file, telling NULL (nothing) from the empty string ("")."""
    rows: list[list[str | None]] = []
    row: list[str | None] = []
    i = 0
    while i < len(text):
        if text[i] == '"':
            parts, j = [], i + 1
            while True:
                end = text.index('"', j)
                parts.append(text[j:end])
                if text[end + 1 : end + 2] == '"':
                    parts.append('"')
                    j = end + 2
                    continue
                i = end + 1
                break
            row.append("".join(parts))
        else:
            row.append(None)
        if text[i : i + 1] == ",":
            i += 1
            continue
        rows.append(row)
        row = []
        i += 1  # the newline
    return rows


def _result_configuration(workgroup: Any, requested: dict[str, Any] | None) -> dict[str, Any]:
    """The workgroup's result configuration when enforced, else the request's over the workgroup's."""
    own = dict((workgroup.configuration.get("ResultConfiguration") or {}) if workgroup else {})
    if workgroup and workgroup.configuration.get("EnforceWorkGroupConfiguration", True):
        return own
    return {**own, **(requested or {})}


def _job(
    backend: AthenaBackend, execution: Execution, workgroup: Any, caller: Caller | None
) -> Callable[[Control, Limits], Outcome]:
    """What a worker runs for this execution: the query, with `caller`'s permissions when IAM is enforced
    (permissions.py), and how its result is published if it stands."""
    bytes_cutoff = (workgroup.configuration if workgroup else {}).get("BytesScannedCutoffPerQuery")
    catalog: engine.Catalog = MotoCatalog(backend.account_id, backend.region_name)
    storage: engine.Storage = MotoStorage(backend.account_id, backend.region_name)
    if caller is not None:
        catalog, storage = CheckedCatalog(catalog, caller), CheckedStorage(storage, caller)

    def job(control: Control, limits: Limits) -> Outcome:
        try:
            result = engine.run(
                execution.query,
                database=(execution.context or {}).get("Database"),
                catalog=catalog,
                storage=storage,
                bytes_cutoff=bytes_cutoff,
                memory_mib=limits.memory_mib,
                control=control,
            )
        except QueryFailed as failure:
            return Outcome(
                failure.state, scanned_bytes=failure.scanned_bytes, failure=str(failure), category=failure.category
            )
        refusal = permissions.result_refusal(caller, *bucket_and_name_from_url(execution.config["OutputLocation"]))
        if refusal is not None:
            return Outcome(FAILED, scanned_bytes=result.scanned_bytes, failure=refusal)
        body = result_csv(result.columns, result.rows)
        return Outcome(
            SUCCEEDED,
            columns=result.columns,
            scanned_bytes=result.scanned_bytes,
            publish=lambda: _write_result(backend, execution, body),
        )

    return job


def _write_result(backend: AthenaBackend, execution: Execution, body: bytes) -> None:
    bucket, key = bucket_and_name_from_url(execution.config["OutputLocation"])
    encryption = execution.config.get("EncryptionConfiguration") or {}
    s3_backends[backend.account_id][backend.partition].put_object(
        bucket,
        key,
        body,
        encryption=_ENCRYPTION.get(encryption.get("EncryptionOption", "")),
        kms_key_id=encryption.get("KmsKey"),
    )


_original_get_execution: Callable[..., str] = AthenaResponse.get_query_execution


def _start_query_execution(
    self: AthenaBackend,
    query: str,
    context: Any,
    config: dict[str, Any] | None,
    workgroup: str | None,
    execution_parameters: list[str] | None,
) -> str:
    group = self.work_groups.get(workgroup or PRIMARY)
    if group is not None and getattr(group, "state", "ENABLED") == "DISABLED":
        raise InvalidRequest(f"Unable to submit query: WorkGroup {group.name} is disabled")
    effective = _result_configuration(group, config)
    if not effective.get("OutputLocation"):
        raise InvalidRequest(NO_OUTPUT_LOCATION)
    # Not moto's own start: it also records the database of a query that reads as CREATE DATABASE (and forgets it
    # at DROP DATABASE), which the engine fails as DDL it does not emulate.
    execution = Execution(
        query=query,
        context=context,
        config=effective,
        workgroup=self.work_groups.get(workgroup or PRIMARY),
        execution_parameters=execution_parameters,
    )
    execution_id = execution.id
    self.executions[execution_id] = execution
    caller = permissions.request_caller(self.account_id, self.region_name)
    execution.emulated = QueryRun(_job(self, execution, group, caller))
    try:
        RUNNER.submit(execution.emulated)
    except Exception:
        del self.executions[execution_id]  # refused: Athena keeps no execution of it
        raise
    return execution_id


def _run_of(backend: AthenaBackend, execution_id: str) -> QueryRun:
    execution = backend.executions.get(execution_id)
    run: QueryRun | None = getattr(execution, "emulated", None)
    if run is None:
        raise InvalidRequest(f"QueryExecution {execution_id} was not found")
    return run


def _stop_query_execution(self: AthenaBackend, exec_id: str) -> None:
    RUNNER.cancel(_run_of(self, exec_id))


def forget(execution: Execution) -> None:
    """An execution deleted with its workgroup: if it still runs, it stops, and writes nothing."""
    run: QueryRun | None = getattr(execution, "emulated", None)
    if run is not None:
        RUNNER.cancel(run)


def _get_query_execution(self: AthenaResponse) -> str:
    run = _run_of(self.athena_backend, self._get_param("QueryExecutionId"))
    answer = json.loads(_original_get_execution(self))
    described = answer["QueryExecution"]
    described["EngineVersion"] = {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": "Athena engine version 3"}
    statistics = run.statistics()
    with run.lock:
        status: dict[str, Any] = {"State": run.state, "SubmissionDateTime": run.submitted}
        if run.completed is not None:
            status["CompletionDateTime"] = run.completed
        outcome = run.outcome
    if outcome.failure:
        status["StateChangeReason"] = outcome.failure
        status["AthenaError"] = {"ErrorCategory": outcome.category, "Retryable": False, "ErrorMessage": outcome.failure}
    described["Status"] = status
    described["Statistics"].update(statistics)
    return json.dumps(answer)


def _get_query_results(self: AthenaResponse) -> str:
    execution_id = self._get_param("QueryExecutionId")
    run = _run_of(self.athena_backend, execution_id)
    with run.lock:
        state, outcome = run.state, run.outcome
    if state not in FINAL:  # Athena's words, as its clients report them (mtanda/grafana-aws-athena-datasource#38)
        raise InvalidRequest(f"Query has not yet finished. Current state: {state}")
    if state != SUCCEEDED:
        reason = f": {outcome.failure}" if outcome.failure else ""
        raise InvalidRequest(f"Query did not finish successfully. Final query state: {state}{reason}")
    execution = self.athena_backend.executions[execution_id]
    bucket, key = bucket_and_name_from_url(execution.config["OutputLocation"])
    permissions.require_result_read(self.current_account, self.region, bucket, key)
    stored = s3_backends[self.current_account][get_partition(self.region)].get_object(bucket, key)
    if stored is None:
        raise InvalidRequest(f"Unable to read the query result {execution.config['OutputLocation']}: it was deleted")
    rows = parse_result_csv(stored.value.decode())
    size = min(int(self._get_param("MaxResults") or MAX_RESULTS), MAX_RESULTS)
    start = int(self._get_param("NextToken") or 0)
    page = rows[start : start + size]
    answer: dict[str, Any] = {
        "UpdateCount": 0,
        "ResultSet": {
            "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in page],
            "ResultSetMetadata": {"ColumnInfo": [_column_info(name, kind) for name, kind in outcome.columns]},
        },
    }
    if start + size < len(rows):
        answer["NextToken"] = str(start + size)
    return json.dumps(answer)


def _column_info(name: str, kind: str) -> dict[str, Any]:
    return {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": name,
        "Label": name,
        "Type": kind,
        "Precision": 0,
        "Scale": 0,
        "Nullable": "UNKNOWN",
        "CaseSensitive": kind == "varchar",
    }


def install() -> None:
    """Queue queries at StartQueryExecution, stop them at StopQueryExecution, answer from their runs (idempotent)."""
    AthenaBackend.start_query_execution = _start_query_execution
    AthenaBackend.stop_query_execution = _stop_query_execution
    AthenaResponse.get_query_execution = _get_query_execution
    AthenaResponse.get_query_results = _get_query_results
