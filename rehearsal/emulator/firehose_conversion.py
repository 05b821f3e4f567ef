"""Firehose record format conversion, JSON to Parquet by a Glue table (moto 5.2.5 ignores the setting).

Without it, a stream with `DataFormatConversionConfiguration` delivers the JSON it was sent and the rehearsal
cannot show what the lab teaches. Here, as the Firehose developer guide describes ("Convert input data format in
Amazon Data Firehose"):
- each record is read with the OpenX JSON SerDe rules the stream configures: one JSON document after another,
  newline-separated or not (`{"a":1}{"a":2}` is valid input, an array of documents is not), keys case-insensitive
  unless `CaseInsensitive` is false, `ColumnToJsonKeyMappings`, `ConvertDotsInJsonKeysToUnderscores`;
  timestamps in the formats the guide lists for OpenX (`yyyy-MM-dd'T'HH:mm:ss[.S]'Z'`, `yyyy-[M]M-[d]d
  HH:mm:ss[.S]`, epoch seconds, epoch milliseconds, fractional epoch seconds; OpenX tells seconds from
  milliseconds by the number of digits, 13 or more being milliseconds), numbers given as strings parsed as OpenX
  does. Where a SerDe would wrap or truncate (an int column given 2**31 or 1.5), the record fails instead: the
  emulator never writes a row that differs from what was sent;
- every document becomes a row typed by the Glue table's columns, looked up at flush time (SchemaConfiguration:
  catalog, database, table, region, version), and one flush of a buffer becomes one Parquet object written with
  pyarrow: ParquetSerDe `Compression` (SNAPPY by default), `EnableDictionaryCompression`, `PageSizeBytes` and
  `WriterVersion` applied; timestamps stored as INT96, as Hive's Parquet writer (whose options ParquetSerDe
  mirrors) does; `BlockSizeBytes` (>= 64 MiB) and `MaxPaddingBytes` only lay out row groups for HDFS, and one
  flush (at most 128 MiB of JSON) fits one row group whatever they are. The key ends with the destination's
  `FileExtension`, or `.parquet`;
- a record that cannot be read or does not fit the table fails as a whole (a packed record of many events with
  it) and goes, with its error, to the stream's error prefix with `!{firehose:error-output-type}` =
  `format-conversion-failed`, one JSON document per line in the schema of "Handling errors for data format
  conversion" (Firehose developer guide). That page's editions spell the error fields `lastErrorCode` /
  `lastErrorMessage` and `ErrorCode` / `ErrorMessage`; the first is written here. Codes: unreadable JSON is
  `DataFormatConversion.ParseError`, data that does not fit is `DataFormatConversion.MalformedData`. Record
  sequence numbers are the service's own and are left out. Nothing is dropped.
What the emulator cannot do is refused when the stream is created or updated, naming the setting: ORC output
(its Athena, DuckDB, cannot read ORC), the Hive JSON deserializer, a table that does not exist (as Firehose
refuses it), column types other than primitive ones, and the service's own rules for converting streams
(CompressionFormat UNCOMPRESSED; BufferingHints.SizeInMBs at least 64).
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable

import pyarrow as pa
import pyarrow.parquet as pq
from moto.firehose.exceptions import InvalidArgumentException
from moto.firehose.models import FirehoseBackend
from moto.glue.exceptions import EntityNotFoundException
from moto.glue.models import glue_backends
from moto.utilities.utils import get_partition

ERROR_OUTPUT_TYPE = "format-conversion-failed"
PARSE_ERROR = "DataFormatConversion.ParseError"
MALFORMED_DATA = "DataFormatConversion.MalformedData"
TABLE_NOT_FOUND = "DataFormatConversion.EntityNotFound"  # the emulator's code: a table deleted after creation
DEFAULT_EXTENSION = ".parquet"
MIN_BUFFER_MIB = 64  # "BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled"
_COMPRESSION = {"SNAPPY": "snappy", "GZIP": "gzip", "UNCOMPRESSED": "none"}
_DATA_PAGE_VERSION = {"V1": "1.0", "V2": "2.0"}
_EPOCH = datetime(1970, 1, 1)
_OPENX_TIMESTAMP = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z?)")
_SIMPLE_TYPES = {
    "string": pa.string(), "boolean": pa.bool_(), "tinyint": pa.int8(), "smallint": pa.int16(), "int": pa.int32(),
    "integer": pa.int32(), "bigint": pa.int64(), "float": pa.float32(), "double": pa.float64(),
    "date": pa.date32(), "timestamp": pa.timestamp("ns"),
}
_SIZED = re.compile(r"(varchar|char)\(\d+\)|decimal\((\d+),\s*(\d+)\)|decimal")


class RecordError(ValueError):
    """Why one record cannot be converted: the Firehose error code and message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Converted:
    """One flushed buffer after conversion: the data object (None if no record converted) and the error object."""

    data: bytes | None
    extension: str
    errors: bytes | None
    rows: int
    failed: int


def enabled(destination: dict[str, Any]) -> bool:
    configuration = destination.get("DataFormatConversionConfiguration") or {}
    return bool(configuration) and configuration.get("Enabled", True) is not False


# --- the table --------------------------------------------------------------------------------------------------


def arrow_type(glue_type: str) -> pa.DataType:
    """The Parquet column type for a primitive Glue/Hive type; ValueError for the others (array, map...)."""
    kind = glue_type.strip().lower()
    if kind in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[kind]
    sized = _SIZED.fullmatch(kind)
    if sized and sized.group(1):
        return pa.string()
    if sized:
        return pa.decimal128(int(sized.group(2) or 10), int(sized.group(3) or 0))
    raise ValueError(f"column type {glue_type!r} (the emulator converts primitive types only)")


def _schema_configuration(destination: dict[str, Any], account_id: str, region_name: str) -> dict[str, str]:
    schema = destination["DataFormatConversionConfiguration"].get("SchemaConfiguration") or {}
    return {
        "catalogId": schema.get("CatalogId") or account_id,
        "databaseName": schema.get("DatabaseName", ""),
        "tableName": schema.get("TableName", ""),
        "region": schema.get("Region") or region_name,
        "versionId": schema.get("VersionId") or "LATEST",
    }


def _table_columns(schema: dict[str, str]) -> list[tuple[str, str]]:
    """(name, Glue type) of the table's data columns (not its partition keys), at this version."""
    table = glue_backends[schema["catalogId"]][schema["region"]].get_table(
        schema["databaseName"].lower(), schema["tableName"].lower()
    )
    version = None if schema["versionId"] == "LATEST" else schema["versionId"]
    columns = table.as_dict(version)["StorageDescriptor"]["Columns"]
    return [(column["Name"].lower(), column["Type"]) for column in columns]


# --- OpenX JSON ---------------------------------------------------------------------------------------------------


def documents(record: bytes) -> list[dict[str, Any]]:
    """The JSON objects in one record, one after another; RecordError if it is not such a sequence."""
    try:
        text = record.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordError(PARSE_ERROR, f"Encountered malformed JSON: the record is not UTF-8 ({error})") from None
    if not text.strip():
        raise RecordError(MALFORMED_DATA, "The record was empty or contained only whitespace.")
    decoder, position, found = json.JSONDecoder(), 0, []
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return found
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise RecordError(PARSE_ERROR, f"Encountered malformed JSON: {error}") from None
        if not isinstance(document, dict):
            raise RecordError(PARSE_ERROR, f"Encountered malformed JSON: expected a JSON object, found "
                                           f"{type(document).__name__} (an array of documents is not valid input)")
        found.append(document)


def _keyed(document: dict[str, Any], openx: dict[str, Any]) -> dict[str, Any]:
    """The document's keys as OpenX matches them to column names."""
    keyed = {}
    for key, value in document.items():
        if openx.get("ConvertDotsInJsonKeysToUnderscores"):
            key = key.replace(".", "_")
        keyed[key.lower() if openx.get("CaseInsensitive", True) else key] = value
    return keyed


def _integer(value: Any, bits: int) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, str):
        value = int(value.strip(), 0 if value.strip().lower().startswith(("0x", "-0x")) else 10)
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        value = int(value)
    elif not isinstance(value, int):
        raise ValueError(f"{type(value).__name__} is not a number")
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise ValueError(f"{value} does not fit in {bits} bits")
    return value


def _floating(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{type(value).__name__} is not a number")
    return float(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"{value!r} is not a boolean")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def timestamp(value: Any) -> datetime:
    """A timestamp as OpenX reads it (rcongiu/Hive-JSON-Serde ParsePrimitiveUtils.parseTimestamp), in UTC."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{type(value).__name__} is not a timestamp")
    text = value.strip() if isinstance(value, str) else json.dumps(value)
    if ":" in text:
        match = _OPENX_TIMESTAMP.fullmatch(text)
        if not match or (match.group(8) and "T" not in text) or ("T" in text and not match.group(8)):
            raise ValueError(f"{text!r} is not yyyy-MM-dd'T'HH:mm:ss[.S]'Z' nor yyyy-[M]M-[d]d HH:mm:ss[.S]")
        year, month, day, hour, minute, second = (int(g) for g in match.group(1, 2, 3, 4, 5, 6))
        nanos = int((match.group(7) or "0").ljust(9, "0"))
        return datetime(year, month, day, hour, minute, second, nanos // 1000)
    if "." in text:
        return _EPOCH + timedelta(milliseconds=int(float(text) * 1000))
    digits = text.lstrip("-")
    if not digits.isdigit():
        raise ValueError(f"{text!r} is not a timestamp")
    return _EPOCH + (timedelta(milliseconds=int(text)) if len(digits) >= 13 else timedelta(seconds=int(text)))


def _decimal(value: Any, arrow: pa.Decimal128Type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{type(value).__name__} is not a number")
    try:
        number = Decimal(str(value).strip()).quantize(Decimal(1).scaleb(-arrow.scale), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if len(number.as_tuple().digits) > arrow.precision:
        raise ValueError(f"{value} does not fit decimal({arrow.precision},{arrow.scale})")
    return number


def _coercer(arrow: pa.DataType) -> Callable[[Any], Any]:
    if pa.types.is_string(arrow):
        return _text
    if pa.types.is_boolean(arrow):
        return _boolean
    if pa.types.is_integer(arrow):
        return lambda value: _integer(value, arrow.bit_width)
    if pa.types.is_floating(arrow):
        return _floating
    if pa.types.is_decimal(arrow):
        return lambda value: _decimal(value, arrow)
    if pa.types.is_date(arrow):
        return lambda value: date.fromisoformat(value.strip()) if isinstance(value, str) else _refuse(value)
    return timestamp


def _refuse(value: Any) -> Any:
    raise ValueError(f"{value!r} is not a date (yyyy-MM-dd)")


def _rows(record: bytes, columns: list[tuple[str, pa.DataType]], openx: dict[str, Any]) -> list[list[Any]]:
    """The record's documents as rows of the columns' types; RecordError for the whole record if one does not fit."""
    mappings = {column.lower(): key for column, key in (openx.get("ColumnToJsonKeyMappings") or {}).items()}
    case_insensitive = openx.get("CaseInsensitive", True)
    rows = []
    for document in documents(record):
        keyed = _keyed(document, openx)
        row = []
        for name, arrow in columns:
            key = mappings.get(name, name)
            value = keyed.get(key.lower() if case_insensitive else key)
            try:
                row.append(None if value is None else _coercer(arrow)(value))
            except (ValueError, OverflowError) as error:
                raise RecordError(MALFORMED_DATA, f"Data does not match the schema: column {name} ({arrow}): "
                                                  f"{error}") from None
        rows.append(row)
    return rows


# --- one flush ------------------------------------------------------------------------------------------------------


def _parquet(rows: list[list[Any]], columns: list[tuple[str, pa.DataType]], serde: dict[str, Any]) -> bytes:
    arrays = [pa.array([row[i] for row in rows], type=arrow) for i, (_, arrow) in enumerate(columns)]
    table = pa.Table.from_arrays(arrays, schema=pa.schema([pa.field(name, arrow) for name, arrow in columns]))
    sink = io.BytesIO()
    pq.write_table(
        table,
        sink,
        compression=_COMPRESSION[serde.get("Compression", "SNAPPY")],
        use_dictionary=serde.get("EnableDictionaryCompression", True),
        data_page_size=serde.get("PageSizeBytes", 1024 * 1024),
        data_page_version=_DATA_PAGE_VERSION[serde.get("WriterVersion", "V1")],
        use_deprecated_int96_timestamps=True,
        row_group_size=max(1, len(rows)),
    )
    return sink.getvalue()


def _error_document(record: bytes, error: RecordError, schema: dict[str, str], arrival: datetime) -> bytes:
    catalog_arn = f"arn:{get_partition(schema['region'])}:glue:{schema['region']}:{schema['catalogId']}:catalog"
    document = {
        "attemptsMade": 1,
        "arrivalTimestamp": int(arrival.timestamp() * 1000),
        "lastErrorCode": error.code,
        "lastErrorMessage": str(error),
        "attemptEndingTimestamp": int(time.time() * 1000),
        "rawData": base64.b64encode(record).decode(),
        "dataCatalogTable": {**schema, "catalogArn": catalog_arn},
    }
    return json.dumps(document, separators=(",", ":")).encode() + b"\n"


def convert(records: list[bytes], destination: dict[str, Any], *, account_id: str, region_name: str,
            arrival: datetime) -> Converted:
    """One flushed buffer's records as the Parquet object and the error documents of the records that failed."""
    configuration = destination["DataFormatConversionConfiguration"]
    openx = configuration["InputFormatConfiguration"]["Deserializer"].get("OpenXJsonSerDe") or {}
    serde = configuration["OutputFormatConfiguration"]["Serializer"].get("ParquetSerDe") or {}
    schema = _schema_configuration(destination, account_id, region_name)
    extension = destination.get("FileExtension") or DEFAULT_EXTENSION
    try:
        columns = [(name, arrow_type(kind)) for name, kind in _table_columns(schema)]
    except (EntityNotFoundException, ValueError) as error:  # the table changed after the stream was created
        reason = RecordError(TABLE_NOT_FOUND if isinstance(error, EntityNotFoundException) else MALFORMED_DATA,
                             f"The schema cannot be read from the Glue table: {error}")
        errors = b"".join(_error_document(record, reason, schema, arrival) for record in records)
        return Converted(None, extension, errors, 0, len(records))
    rows: list[list[Any]] = []
    errors = []
    for record in records:
        try:
            rows.extend(_rows(record, columns, openx))
        except RecordError as error:
            errors.append(_error_document(record, error, schema, arrival))
    data = _parquet(rows, columns, serde) if rows else None
    return Converted(data, extension, b"".join(errors) or None, len(rows), len(errors))


# --- refused at creation ------------------------------------------------------------------------------------------


def validate(destination: dict[str, Any] | None, account_id: str, region_name: str) -> None:
    """InvalidArgumentException naming the setting when this conversion cannot be done as Firehose does it."""
    if not destination or not enabled(destination):
        return
    configuration = destination["DataFormatConversionConfiguration"]
    where = "ExtendedS3DestinationConfiguration.DataFormatConversionConfiguration"
    serializer = (configuration.get("OutputFormatConfiguration") or {}).get("Serializer") or {}
    deserializer = (configuration.get("InputFormatConfiguration") or {}).get("Deserializer") or {}
    if "OrcSerDe" in serializer:
        raise InvalidArgumentException(f"{where}: OrcSerDe is not emulated (the emulator's Athena, DuckDB, cannot "
                                       "read ORC); use ParquetSerDe")
    if "ParquetSerDe" not in serializer:
        raise InvalidArgumentException(f"{where}.OutputFormatConfiguration needs a Serializer")
    if "HiveJsonSerDe" in deserializer or "OpenXJsonSerDe" not in deserializer:
        raise InvalidArgumentException(f"{where}.InputFormatConfiguration: the emulator converts with the "
                                       "OpenXJsonSerDe deserializer only")
    compression = serializer["ParquetSerDe"].get("Compression", "SNAPPY")
    if compression not in _COMPRESSION:
        raise InvalidArgumentException(f"{where}: ParquetSerDe.Compression {compression!r} is not one of "
                                       f"{sorted(_COMPRESSION)}")
    if destination.get("CompressionFormat", "UNCOMPRESSED") != "UNCOMPRESSED":
        raise InvalidArgumentException("CompressionFormat must be UNCOMPRESSED when data format conversion is "
                                       "enabled (the serializer compresses)")
    size = (destination.get("BufferingHints") or {}).get("SizeInMBs")
    if size is not None and int(size) < MIN_BUFFER_MIB:
        raise InvalidArgumentException(f"BufferingHints.SizeInMBs must be at least {MIN_BUFFER_MIB} when data "
                                       "format conversion is enabled")
    schema = _schema_configuration(destination, account_id, region_name)
    try:
        columns = _table_columns(schema)
    except EntityNotFoundException as error:
        raise InvalidArgumentException(f"{where}.SchemaConfiguration: {error.message} (database "
                                       f"{schema['databaseName']!r}, table {schema['tableName']!r})") from None
    for name, kind in columns:
        try:
            arrow_type(kind)
        except ValueError as error:
            raise InvalidArgumentException(f"{where}.SchemaConfiguration: column {name}: {error}") from None


# Captured when installed, not imported, so another gap fix wrapping the same methods stays in the chain.
_original_create: Callable[..., str] = FirehoseBackend.create_delivery_stream
_original_update: Callable[..., None] = FirehoseBackend.update_destination


def _create_delivery_stream(self: FirehoseBackend, *args: Any, **kwargs: Any) -> str:
    # (region, name, type, Kinesis source, encryption, S3 destination, extended S3 destination, ...)
    extended = args[6] if len(args) > 6 else kwargs.get("extended_s3_destination_configuration")
    validate(extended, self.account_id, self.region_name)
    return _original_create(self, *args, **kwargs)


def _update_destination(self: FirehoseBackend, *args: Any, **kwargs: Any) -> None:
    # (name, version id, destination id, S3 update, extended S3 update, ...)
    update = args[4] if len(args) > 4 else kwargs.get("extended_s3_destination_update")
    if update and enabled(update):
        name = args[0] if args else kwargs.get("delivery_stream_name")
        stream = self.delivery_streams.get(name)
        current = stream.destinations[0].get("ExtendedS3", {}) if stream else {}
        validate({**current, **update}, self.account_id, self.region_name)
    _original_update(self, *args, **kwargs)


def install() -> None:
    """Refuse at CreateDeliveryStream/UpdateDestination what convert() cannot do (idempotent)."""
    global _original_create, _original_update
    if FirehoseBackend.create_delivery_stream is not _create_delivery_stream:
        _original_create = FirehoseBackend.create_delivery_stream
        FirehoseBackend.create_delivery_stream = _create_delivery_stream
    if FirehoseBackend.update_destination is not _update_destination:
        _original_update = FirehoseBackend.update_destination
        FirehoseBackend.update_destination = _update_destination
