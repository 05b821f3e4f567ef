"""A stream's ProcessingConfiguration applied to incoming records: what reaches the buffers, and what fails.

Processors, as AWS documents them (Firehose developer guide and API reference, `Processor`):
- RecordDeAggregation (SubRecordType JSON or DELIMITED with a base64 Delimiter): one record holding several JSON
  objects, `{"a":1}{"a":2}` or JSON lines, or delimited sub-records, becomes as many records; the parsing removes the
  new lines; at most 500 sub-records per record ("Apply dynamic partitioning to aggregated data"; PutRecord: "If you
  include more than 500 records, the request succeeds but the record de-aggregation doesn't work as expected"). What
  AWS then does is not documented, so the emulator sends such a record whole to the error prefix, with a message
  saying why, instead of guessing;
- Lambda (LambdaArn, NumberOfRetries default 3, BufferSizeInMBs default 1): the function transforms records; results
  Ok (data replaced), Dropped (gone, counted as processed) and ProcessingFailed; a failed invocation is retried
  NumberOfRetries times, then its records are failures; failures go to the error prefix as `processing-failed`, one
  JSON document per record: attemptsMade, arrivalTimestamp, errorCode, errorMessage, attemptEndingTimestamp, rawData,
  lambdaArn ("Data transformation failure handling");
- MetadataExtraction (MetadataExtractionQuery, JsonParsingEngine JQ-1.6): a JQ query over each JSON record gives
  its partition keys for `!{partitionKeyFromQuery:key}` ("Understand partitioning keys"); a record that is not JSON,
  or whose query fails or yields no value for a key the prefix uses, goes to the error prefix as
  `partitioning-failed` with errorCode DynamicPartitioning.MetadataExtractionFailed (aws-cdk's dynamic partitioning
  integration tests, run on AWS, find such records under `.../partitioning-failed/`);
- AppendDelimiterToRecord: a new line after each record ("Adding a new line delimiter when delivering data to S3").
They run in that order: records are deaggregated before they are transformed or partitioned ("If your data is
aggregated, dynamic partitioning can be only be applied if your data is first deaggregated"), the delimiter goes on
what is delivered. Decompression and CloudWatchLogProcessing, and a Lambda together with MetadataExtraction, are
refused at creation (settings.py).
"""

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jq

from . import lambda_

MAX_SUB_RECORDS = 500
DEFAULT_LAMBDA_RETRIES = 3
DEFAULT_LAMBDA_BUFFER_MB = 1.0
MIB = 1024 * 1024
PROCESSING_FAILED = "processing-failed"
PARTITIONING_FAILED = "partitioning-failed"


@dataclass
class Record:
    """A record on its way to the destination."""

    data: bytes
    arrival: datetime
    partition_keys: dict[str, str] = field(default_factory=dict)


@dataclass
class Failure:
    """A record that goes to the error prefix instead."""

    error_output_type: str
    error_code: str
    error_message: str
    raw: bytes
    arrival: datetime
    attempts: int = 1
    lambda_arn: str | None = None

    def document(self) -> bytes:
        """The JSON line Firehose writes for a failed record."""
        doc: dict[str, Any] = {
            "attemptsMade": self.attempts,
            "arrivalTimestamp": int(self.arrival.timestamp() * 1000),
            "errorCode": self.error_code,
            "errorMessage": self.error_message,
            "attemptEndingTimestamp": int(datetime.now(UTC).timestamp() * 1000),
            "rawData": base64.b64encode(self.raw).decode(),
        }
        if self.lambda_arn:
            doc["lambdaArn"] = self.lambda_arn
        return json.dumps(doc).encode() + b"\n"


def processors(destination: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{processor type: {parameter: value}} of an enabled ProcessingConfiguration."""
    config = destination.get("ProcessingConfiguration") or {}
    if str(config.get("Enabled", True)).lower() == "false":
        return {}
    return {
        p["Type"]: {q["ParameterName"]: q["ParameterValue"] for q in p.get("Parameters", [])}
        for p in config.get("Processors", [])
    }


_JQ_CACHE: dict[str, Any] = {}


def compile_query(query: str) -> Any:
    """A compiled JQ program (ValueError for a query JQ cannot compile)."""
    if query not in _JQ_CACHE:
        _JQ_CACHE[query] = jq.compile(query)
    return _JQ_CACHE[query]


def deaggregate(data: bytes, params: dict[str, str]) -> list[bytes]:
    """Split one record into its sub-records (ValueError if it is not what SubRecordType says)."""
    if params.get("SubRecordType", "JSON") == "DELIMITED":
        delimiter = base64.b64decode(params.get("Delimiter", ""))
        parts = data.split(delimiter) if delimiter else [data]
        parts = [p for p in parts if p]
    else:
        text = data.decode("utf-8")
        decoder, parts, at = json.JSONDecoder(), [], 0
        while True:
            while at < len(text) and text[at].isspace():
                at += 1
            if at == len(text):
                break
            _, end = decoder.raw_decode(text, at)
            parts.append(text[at:end].encode("utf-8"))
            at = end
    if len(parts) > MAX_SUB_RECORDS:
        raise ValueError(
            f"the record holds {len(parts)} sub-records; Firehose deaggregates at most {MAX_SUB_RECORDS} per record "
            "and documents no result beyond that: send fewer per record"
        )
    return parts


def extract_keys(data: bytes, query: str, needed: list[str]) -> dict[str, str]:
    """The JQ query's partition keys for one JSON record (ValueError if it cannot give every needed key)."""
    result = compile_query(query).input_text(data.decode("utf-8")).first()
    if not isinstance(result, dict):
        raise ValueError(f"the query gave {json.dumps(result)}, not an object of partition keys")
    keys = {}
    for name, value in result.items():
        if isinstance(value, (dict, list)):
            raise ValueError(f"partition key {name} is {json.dumps(value)}, not a single value")
        if value is not None and value != "":
            keys[name] = value if isinstance(value, str) else json.dumps(value)
    missing = [name for name in needed if name not in keys]
    if missing:
        raise ValueError(f"partitionKeys values must not be null or empty: {', '.join(missing)}")
    return keys


def _transform(
    function_arn: str, params: dict[str, str], stream_arn: str, records: list[Record], account_id: str, region: str
) -> tuple[list[Record], list[Failure]]:
    """One Lambda invocation per BufferSizeInMBs of records, retried NumberOfRetries times."""
    retries = int(params.get("NumberOfRetries", DEFAULT_LAMBDA_RETRIES))
    limit = float(params.get("BufferSizeInMBs", DEFAULT_LAMBDA_BUFFER_MB)) * MIB
    out: list[Record] = []
    failed: list[Failure] = []
    batches: list[list[Record]] = [[]]
    size = 0
    for record in records:
        if batches[-1] and size + len(record.data) > limit:
            batches.append([])
            size = 0
        batches[-1].append(record)
        size += len(record.data)
    for batch in (b for b in batches if b):
        ids = {str(uuid.uuid4()): record for record in batch}
        event = {
            "invocationId": str(uuid.uuid4()),
            "deliveryStreamArn": stream_arn,
            "region": region,
            "records": [
                {
                    "recordId": rid,
                    "approximateArrivalTimestamp": int(r.arrival.timestamp() * 1000),
                    "data": base64.b64encode(r.data).decode(),
                }
                for rid, r in ids.items()
            ],
        }
        attempts, answer, error = 0, None, ""
        while answer is None and attempts <= retries:
            attempts += 1
            try:
                answer = lambda_.invoke(function_arn, event, account_id, region)
            except lambda_.LambdaInvocationError as invocation_error:
                error = str(invocation_error)

        def fail(record: Record, code: str, message: str) -> None:
            failed.append(
                Failure(PROCESSING_FAILED, code, message, record.data, record.arrival, attempts, function_arn)
            )

        if answer is None:
            for record in batch:
                fail(record, "Lambda.FunctionError", error)
            continue
        returned = {r.get("recordId"): r for r in (answer or {}).get("records", []) if isinstance(r, dict)}
        for rid, record in ids.items():
            result = returned.get(rid)
            if result is None:
                fail(record, "Lambda.MissingRecordId", f"record {rid} is missing from the function's response")
            elif result.get("result") == "Ok":
                out.append(
                    Record(base64.b64decode(result.get("data", "")), record.arrival, dict(record.partition_keys))
                )
            elif result.get("result") == "Dropped":
                continue
            elif result.get("result") == "ProcessingFailed":
                fail(record, "Lambda.ProcessingFailedStatus", "the function returned ProcessingFailed")
            else:
                fail(record, "Lambda.InvalidRecordResult", f"invalid result {result.get('result')!r}")
    return out, failed


def process(
    destination: dict[str, Any],
    records: list[Record],
    *,
    stream_arn: str,
    account_id: str,
    region: str,
    partition_keys_needed: list[str],
) -> tuple[list[Record], list[Failure]]:
    """The records to buffer and the failures, after the destination's processors."""
    steps = processors(destination)
    failed: list[Failure] = []
    if "RecordDeAggregation" in steps:
        split: list[Record] = []
        for record in records:
            try:
                split.extend(
                    Record(part, record.arrival) for part in deaggregate(record.data, steps["RecordDeAggregation"])
                )
            except ValueError as error:
                # Deaggregation is dynamic partitioning's parsing step: "If Firehose is not able to parse data
                # records ... these data records are delivered to the S3 error bucket prefix" ("Dynamic partitioning
                # error handling").
                failed.append(
                    Failure(
                        PARTITIONING_FAILED,
                        "DynamicPartitioning.DeAggregationFailed",
                        str(error),
                        record.data,
                        record.arrival,
                    )
                )
        records = split
    if "Lambda" in steps:
        params = steps["Lambda"]
        records, lambda_failed = _transform(params["LambdaArn"], params, stream_arn, records, account_id, region)
        failed.extend(lambda_failed)
    if "MetadataExtraction" in steps:
        query = steps["MetadataExtraction"]["MetadataExtractionQuery"]
        keyed = []
        for record in records:
            try:
                record.partition_keys = extract_keys(record.data, query, partition_keys_needed)
                keyed.append(record)
            except ValueError as error:  # bad JSON, a JQ runtime error, or a missing key
                failed.append(
                    Failure(
                        PARTITIONING_FAILED,
                        "DynamicPartitioning.MetadataExtractionFailed",
                        str(error),
                        record.data,
                        record.arrival,
                    )
                )
        records = keyed
    if "AppendDelimiterToRecord" in steps:
        for record in records:
            record.data += b"\n"
    return records, failed
