"""Athena's query engine for the emulator: Athena's SQL (Trino) translated by sqlglot and run by DuckDB over the
objects the Glue catalog points at (not a gap-fix itself: queries.py plugs it into moto's Athena).

A query runs as Athena runs it, or it fails with the reason (Athena's FAILED state); it never answers differently:
- one statement, a query (SELECT, WITH, UNION...) in Athena's dialect; DDL, DML, SHOW, DESCRIBE and EXPLAIN fail
  as not emulated, and so does information_schema;
- tables come from the Glue catalog (AwsDataCatalog; the database from the query or the execution context). Data:
  "Athena reads all data stored in the Amazon S3 folder that you specify" (Athena user guide, "Specify a table
  location in Amazon S3"), except files that "start with an underscore (_) or a dot (.)", which it treats as hidden
  ("Considerations and limitations for SQL queries in Amazon Athena"). JSON tables are read line by line with the
  OpenX JSON SerDe (firehose/openx_json.py; `.gz` objects decompressed; a malformed line fails the query unless the
  table sets `ignore.malformed.json`), Parquet tables by column name; other formats fail as not emulated. Objects are
  read through the emulator's S3 backend into Arrow tables (DuckDB's httpfs is not needed);
- partitions are projected when `projection.enabled` is set ("Partition projection with Amazon Athena"): keys are
  matched to `storage.location.template` (default: Hive-style col=value/ under the location) and kept when they
  are values the projection would produce: `integer` (range, interval, digits: 5 with digits 2 is "05"), `enum`
  (values) and `injected` (the values of the query's static equality conditions; without one the query fails with
  Athena's CONSTRAINT_VIOLATION). `date` projection fails as not emulated. Without projection the catalog's own
  partitions are read. A single-table SELECT reads only the partitions its WHERE clause selects, so
  DataScannedInBytes (sizes of the objects read) follows partition pruning, and a query over the workgroup's
  BytesScannedCutoffPerQuery is cancelled as Athena cancels it (for Parquet the emulator counts whole objects,
  Athena only the columns read);
- a query can be stopped from another thread (Control.interrupt(): between the objects it reads, and inside DuckDB),
  and DuckDB holds it to a memory limit, never spilling to disk, which the objects read into memory before DuckDB
  (MemoryBudget) count against too; past it the query fails as Athena's does when it runs out of resources;
- the translation is typed with the tables' schema (sqlglot's type annotation), so Trino semantics such as integer
  division hold, and sequence() holds to Trino's 10,000 entries; what DuckDB cannot run fails with DuckDB's message;
- results carry Trino's column names (`_colN` for unnamed expressions), Athena's type names, and values as Athena
  prints them: timestamps with milliseconds, doubles as Java prints them (1.0E7), NULL as no value.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from ..firehose.openx_json import DocumentError, FieldError, Reader, arrow_type, documents
from .limits import MEMORY_ENV, Limits

CATALOG = "awsdatacatalog"
USER_ERROR, SYSTEM_ERROR = 2, 1  # AthenaError.ErrorCategory ("Athena error catalog")
_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
_JSON_SERDES = ("org.openx.data.jsonserde.JsonSerDe",)
_PARQUET = (
    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
)
_ATHENA_TYPES = {
    "BIGINT": "bigint",
    "HUGEINT": "bigint",
    "UBIGINT": "bigint",
    "INTEGER": "integer",
    "UINTEGER": "bigint",
    "SMALLINT": "smallint",
    "USMALLINT": "integer",
    "TINYINT": "tinyint",
    "UTINYINT": "smallint",
    "DOUBLE": "double",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "VARCHAR": "varchar",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "TIME": "time",
    "INTERVAL": "interval day to second",
    "BLOB": "varbinary",
    "UUID": "uuid",
    "JSON": "json",
    '"NULL"': "unknown",
}
_CONSTRAINT = (
    "CONSTRAINT_VIOLATION: For the injected projected partition column {}, the WHERE clause must contain "
    "only static equality conditions, and at least one such condition must be present."
)


class QueryFailed(Exception):
    """Why a query did not run: the text of Athena's StateChangeReason, the final state, the error category and the
    bytes it counts as scanned."""

    def __init__(self, message: str, *, state: str = "FAILED", category: int = USER_ERROR, scanned_bytes: int = 0):
        super().__init__(message)
        self.state = state
        self.category = category
        self.scanned_bytes = scanned_bytes


class Interrupted(Exception):
    """The query was stopped from outside (Control.interrupt()); whoever stopped it says why."""


class Control:
    """One running query as another thread sees it: interrupt() stops it as soon as it can be (between the objects it
    reads, and inside DuckDB through its connection's interrupt()); scanned_bytes is what it has read so far."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self.interrupted = False
        self.scanned_bytes = 0

    def interrupt(self) -> None:
        """Idempotent, from any thread. DuckDB forgets an interrupt that comes before its statement starts, so an
        interrupter repeats it until the query has ended (running.py's watchdog does)."""
        with self._lock:
            self.interrupted = True
            if self._connection is not None:
                self._connection.interrupt()

    def check(self) -> None:
        if self.interrupted:
            raise Interrupted

    @contextmanager
    def connected(self, connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """interrupt() reaches `connection` while the block runs, and never after it (closed connections)."""
        with self._lock:
            self._connection = connection
        try:
            yield
        finally:
            with self._lock:
                self._connection = None


class MemoryBudget:
    """A query's memory limit, charged with what it reads into memory outside DuckDB (each object's decompressed
    JSON text, the Arrow tables handed to DuckDB): past it the query fails as past DuckDB's own limit, before the
    host holds it. (An object's parsed rows, held one object at a time, are not counted: the text stands for them.)"""

    def __init__(self, memory_mib: int):
        self.left = memory_mib * 1024 * 1024

    def charge(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise duckdb.OutOfMemoryException("objects read past the query's memory limit")

    def release(self, size: int) -> None:
        self.left += size


@dataclass
class Result:
    columns: list[tuple[str, str]]  # (name, Athena type)
    rows: list[list[str | None]]  # values as Athena prints them; None is NULL
    scanned_bytes: int


class Catalog(Protocol):
    """The Glue Data Catalog as the engine reads it (GetDatabase, GetTable, GetPartitions)."""

    def has_database(self, database: str) -> bool: ...

    def table(self, database: str, name: str) -> dict[str, Any] | None: ...

    def partitions(self, database: str, name: str) -> list[dict[str, Any]]: ...


class Storage(Protocol):
    """S3 as the engine reads it."""

    def list(self, bucket: str, prefix: str) -> Iterable[tuple[str, int]]: ...

    def get(self, bucket: str, key: str) -> bytes: ...


@dataclass
class _Object:
    bucket: str
    key: str
    size: int


@dataclass
class _Partition:
    values: dict[str, str]  # column -> the value as written in the key
    objects: list[_Object] = field(default_factory=list)


@dataclass
class _Table:
    database: str
    name: str
    glue: dict[str, Any]

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(c["Name"].lower(), c["Type"]) for c in self.glue.get("StorageDescriptor", {}).get("Columns", [])]

    @property
    def partition_keys(self) -> list[tuple[str, str]]:
        return [(c["Name"].lower(), c["Type"]) for c in self.glue.get("PartitionKeys", [])]

    @property
    def parameters(self) -> dict[str, str]:
        return {k.strip(): str(v).strip() for k, v in (self.glue.get("Parameters") or {}).items()}

    @property
    def projected(self) -> bool:
        return self.parameters.get("projection.enabled", "").lower() == "true"

    def projection(self, column: str, setting: str) -> str | None:
        return self.parameters.get(f"projection.{column}.{setting}")

    @property
    def qualified(self) -> str:
        return f"{CATALOG}.{self.database}.{self.name}"


# --- the statement ---------------------------------------------------------------------------------------------------


def _where(sql: str, start: int) -> str:
    """A position in the query as Trino says it: "line 1:20: " (1-based)."""
    return f"line {sql.count(chr(10), 0, start) + 1}:{start - sql.rfind(chr(10), 0, start)}: "


def _open_quote(sql: str) -> int | None:
    """Where a string literal or a quoted identifier that never closes begins (`''` inside one is a quote)."""
    opened: tuple[str, int] | None = None
    index = 0
    while index < len(sql):
        char = sql[index]
        if opened is None and char in "'\"":
            opened = (char, index)
        elif opened is not None and char == opened[0]:
            if sql[index + 1 : index + 2] == char:
                index += 1
            else:
                opened = None
        index += 1
    return None if opened is None else opened[1]


def _parse(sql: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read="trino") if s is not None]
    except TokenError:
        start = _open_quote(sql)
        where = "" if start is None else _where(sql, start)
        what = "a quoted text that is never closed" if start is not None else "text that is not SQL"
        raise QueryFailed(f"SYNTAX_ERROR: {where}mismatched input: {what}") from None
    except ParseError as error:
        first = error.errors[0] if error.errors else {}
        raise QueryFailed(
            f"SYNTAX_ERROR: line {first.get('line', 1)}:{first.get('col', 1)}: {first.get('description', error)}"
        ) from None
    if len(statements) != 1:
        raise QueryFailed(f"Only one sql statement is allowed. Got: {len(statements)}")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        kind = statement.key.upper() if not isinstance(statement, exp.Command) else statement.name.upper()
        raise QueryFailed(f"NOT_SUPPORTED: the emulator runs queries (SELECT) only, not {kind} statements")
    return statement


# DuckDB's own functions that read files, list directories or report its settings and secrets. Trino (so Athena)
# registers none of these names: a query naming one fails there as here.
_HOST_FUNCTIONS = re.compile(
    r"(current_setting|getenv|which_secret|glob|sniff_csv|duckdb_\w+|pragma_\w+|read_\w+|parquet_\w+)", re.I
)


def _at(node: exp.Expression, sql: str) -> str:
    start = node.meta.get("start")
    return "" if start is None else _where(sql, start)


def _refuse_host_access(statement: exp.Expression, sql: str) -> None:
    """A query reads the lab's tables and nothing else: a table function in FROM (DuckDB's read_text, glob,
    duckdb_settings ...; UNNEST is no table here) or one of DuckDB's host functions anywhere fails as Trino fails
    a function it has not registered, before DuckDB sees the query."""
    for node in statement.find_all(exp.Table):
        if isinstance(node.this, exp.Identifier):
            continue
        functions = [f for f in node.this.find_all(exp.Anonymous) if f.name.upper() != "TABLE"] or [node.this]
        function = functions[0]
        raise QueryFailed(
            f"FUNCTION_NOT_FOUND: {_at(function, sql)}Table function '{function.name or function.sql()}' not registered"
        )
    for function in statement.find_all(exp.Anonymous):
        if _HOST_FUNCTIONS.fullmatch(function.name):
            raise QueryFailed(f"FUNCTION_NOT_FOUND: {_at(function, sql)}Function '{function.name}' not registered")


def _tables(
    statement: exp.Expression, sql: str, database: str | None, catalog: Catalog
) -> dict[tuple[str, str], _Table]:
    """The catalog tables the statement reads (CTE names aside)."""
    ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    found: dict[tuple[str, str], _Table] = {}
    for node in statement.find_all(exp.Table):
        if not isinstance(node.this, exp.Identifier):
            continue  # table functions: refused by _refuse_host_access
        name, schema, catalog_name = node.name.lower(), node.db.lower(), node.catalog.lower()
        if not schema and name in ctes:
            continue
        where = _position(node, sql)
        if catalog_name and catalog_name != CATALOG:
            raise QueryFailed(
                f"CATALOG_NOT_FOUND: {where}Catalog '{catalog_name}' does not exist (the emulator "
                f"has the {CATALOG} catalog only)"
            )
        schema = schema or (database or "").lower()
        if not schema:
            raise QueryFailed(f"SCHEMA_NOT_FOUND: {where}Schema must be specified when session schema is not set")
        if schema == "information_schema":
            raise QueryFailed(f"NOT_SUPPORTED: {where}information_schema is not emulated; see the table in Glue")
        if not catalog.has_database(schema):
            raise QueryFailed(f"SCHEMA_NOT_FOUND: {where}Schema '{schema}' does not exist")
        glue = catalog.table(schema, name)
        if glue is None:
            raise QueryFailed(f"TABLE_NOT_FOUND: {where}Table '{CATALOG}.{schema}.{name}' does not exist")
        kind = glue.get("TableType") or (glue.get("Parameters") or {}).get("table_type") or ""
        if kind.upper() in ("VIRTUAL_VIEW", "ICEBERG"):  # reading their files as they lie would answer wrongly
            raise QueryFailed(f"NOT_SUPPORTED: {where}{CATALOG}.{schema}.{name} is a {kind} table, not emulated")
        found[(schema, name)] = _Table(schema, name, glue)
    return found


def _position(node: exp.Expression, sql: str) -> str:
    """Where the node's name starts, as Trino says it (see _where)."""
    meta = node.this.meta if isinstance(node.this, exp.Expression) else {}
    return _where(sql, meta["start"]) if "start" in meta else ""


def _sqlglot_schema(tables: dict[tuple[str, str], _Table]) -> MappingSchema:
    if not tables:
        return MappingSchema()
    mapping: dict[str, Any] = {CATALOG: {}}
    for table in tables.values():
        mapping[CATALOG].setdefault(table.database, {})[table.name] = dict(table.columns + table.partition_keys)
    return MappingSchema(mapping, dialect="hive")


def _typed(statement: exp.Expression, tables: dict[tuple[str, str], _Table], database: str | None) -> exp.Expression:
    """The statement qualified and type-annotated with the tables' schema, so it translates with Trino semantics."""
    schema = _sqlglot_schema(tables)
    try:
        qualified = qualify(
            statement.copy(),
            schema=schema,
            dialect="trino",
            catalog=CATALOG,
            db=(database or "").lower() or None,
            quote_identifiers=False,
            validate_qualify_columns=False,
        )
        return annotate_types(qualified, schema=schema, dialect="trino")
    except SqlglotError as error:
        raise QueryFailed(f"SYNTAX_ERROR: {error} (the emulator's SQL translation)") from None


def _unresolved_column(statement: exp.Expression, tables: dict[tuple[str, str], _Table], database: str | None) -> None:
    """A failed query that names a column no table has fails as Athena says it (COLUMN_NOT_FOUND)."""
    try:
        qualify(
            statement.copy(),
            schema=_sqlglot_schema(tables),
            dialect="trino",
            catalog=CATALOG,
            db=(database or "").lower() or None,
            validate_qualify_columns=True,
        )
    except SqlglotError as error:
        if "could not be resolved" in str(error):
            raise QueryFailed(f"COLUMN_NOT_FOUND: {error}") from None


# --- partitions ------------------------------------------------------------------------------------------------------


def _split(location: str) -> tuple[str, str]:
    if not location.startswith("s3://"):
        raise QueryFailed(f"HIVE_METASTORE_ERROR: table location {location!r} is not an s3:// location")
    bucket, _, prefix = location[len("s3://") :].partition("/")
    return bucket, prefix


def _hidden(key: str) -> bool:
    return key.endswith("/") or key.rsplit("/", 1)[-1].startswith(("_", "."))


def _integer_value(table: _Table, column: str, text: str) -> bool:
    """Would integer projection produce this text? (range, interval, digits)"""
    value_range = table.projection(column, "range")
    if not value_range or not re.fullmatch(r"-?\d+", text):
        return False
    low, high = (int(v) for v in value_range.split(","))
    value, interval = int(text), int(table.projection(column, "interval") or 1)
    digits = table.projection(column, "digits")
    formatted = f"{value:0{int(digits)}d}" if digits else str(value)
    return low <= value <= high and (value - low) % interval == 0 and text == formatted


def _projected_partitions(table: _Table, storage: Storage, injected: dict[str, set[str]]) -> list[_Partition]:
    kinds = {}
    for column, _ in table.partition_keys:
        kind = (table.projection(column, "type") or "").lower()
        if kind not in ("integer", "enum", "injected"):
            raise QueryFailed(
                f"NOT_SUPPORTED: partition projection type {kind or '(none)'!r} of column {column} "
                "is not emulated (integer, enum and injected are)"
            )
        kinds[column] = kind
    location = table.glue.get("StorageDescriptor", {}).get("Location", "")
    template = table.parameters.get("storage.location.template") or location.rstrip("/") + "/" + "".join(
        f"{column}=${{{column}}}/" for column, _ in table.partition_keys
    )
    bucket, key_template = _split(template.rstrip("/") + "/")
    static_prefix = key_template.split("${", 1)[0]
    columns = _PLACEHOLDER.findall(key_template)
    pattern = re.compile(
        "".join(re.escape(part) if i % 2 == 0 else "([^/]+)" for i, part in enumerate(_PLACEHOLDER.split(key_template)))
    )
    partitions: dict[tuple[str, ...], _Partition] = {}
    for key, size in storage.list(bucket, static_prefix):
        match = pattern.match(key)
        if not match or _hidden(key):
            continue
        values = dict(zip(columns, match.groups()))
        if not all(_projects(table, column, kinds[column], text, injected) for column, text in values.items()):
            continue
        ordered = tuple(values[column] for column, _ in table.partition_keys)
        partitions.setdefault(ordered, _Partition(values)).objects.append(_Object(bucket, key, size))
    return list(partitions.values())


def _projects(table: _Table, column: str, kind: str, text: str, injected: dict[str, set[str]]) -> bool:
    if kind == "integer":
        return _integer_value(table, column, text)
    if kind == "enum":
        return text in (table.projection(column, "values") or "").split(",")
    return text in injected.get(column, set())


def _catalog_partitions(table: _Table, catalog: Catalog, storage: Storage) -> list[_Partition]:
    partitions = []
    names = [column for column, _ in table.partition_keys]
    for glue in catalog.partitions(table.database, table.name):
        bucket, prefix = _split(glue.get("StorageDescriptor", {}).get("Location", ""))
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        objects = [_Object(bucket, key, size) for key, size in storage.list(bucket, prefix) if not _hidden(key)]
        partitions.append(_Partition(dict(zip(names, glue.get("Values", []))), objects))
    return partitions


def _all_partitions(
    table: _Table, catalog: Catalog, storage: Storage, injected: dict[str, set[str]]
) -> list[_Partition]:
    if not table.partition_keys:
        bucket, prefix = _split(table.glue.get("StorageDescriptor", {}).get("Location", ""))
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        return [_Partition({}, [_Object(bucket, k, s) for k, s in storage.list(bucket, prefix) if not _hidden(k)])]
    if table.projected:
        return _projected_partitions(table, storage, injected)
    return _catalog_partitions(table, catalog, storage)


# --- partition pruning -----------------------------------------------------------------------------------------------


def _occurrences(typed: exp.Expression, table: _Table) -> list[tuple[str, list[exp.Expression]]] | None:
    """(alias, WHERE conjuncts on its partition columns) per place the table is read; None if one of them is not a
    single-table SELECT (then every partition is read)."""
    names = {column for column, _ in table.partition_keys}
    found = []
    for node in typed.find_all(exp.Table):
        if (node.catalog.lower(), node.db.lower(), node.name.lower()) != (CATALOG, table.database, table.name):
            continue
        select = node.parent.parent if isinstance(node.parent, exp.From) else None
        if not isinstance(select, exp.Select) or select.args.get("joins"):
            return None
        alias = node.alias_or_name
        where = select.args.get("where")
        conjuncts = (
            list(where.this.flatten()) if where and isinstance(where.this, exp.And) else ([where.this] if where else [])
        )
        found.append((alias, [c for c in conjuncts if _on_partitions(c, alias, names)]))
    return found


def _on_partitions(conjunct: exp.Expression, alias: str, names: set[str]) -> bool:
    columns = list(conjunct.find_all(exp.Column))
    return (
        bool(columns)
        and not conjunct.find(exp.Subquery, exp.Select)
        and all(c.table == alias and c.name in names for c in columns)
    )


def _injected_values(
    con: duckdb.DuckDBPyConnection, table: _Table, occurrences: list[tuple[str, list[exp.Expression]]] | None
) -> dict[str, set[str]]:
    """The values a query's static equality conditions give each injected column (Athena's rule, or it fails)."""
    injected = [c for c, _ in table.partition_keys if (table.projection(c, "type") or "").lower() == "injected"]
    if not table.projected or not injected:
        return {}
    values: dict[str, set[str]] = {column: set() for column in injected}
    for column in injected:
        for _, conjuncts in occurrences or [("", [])]:
            found = [v for c in conjuncts for v in _static_values(con, c, column)]
            if not found:
                raise QueryFailed(_CONSTRAINT.format(column))
            values[column].update(found)
    return values


def _static_values(con: duckdb.DuckDBPyConnection, conjunct: exp.Expression, column: str) -> list[str]:
    if isinstance(conjunct, exp.EQ):
        sides = [(conjunct.this, [conjunct.expression]), (conjunct.expression, [conjunct.this])]
    elif isinstance(conjunct, exp.In) and conjunct.expressions:
        sides = [(conjunct.this, conjunct.expressions)]
    else:
        return []
    for target, others in sides:
        if isinstance(target, exp.Column) and target.name == column and not any(o.find(exp.Column) for o in others):
            return [str(con.execute(f"SELECT CAST(({o.sql('duckdb')}) AS VARCHAR)").fetchall()[0][0]) for o in others]
    return []


def _prune(
    con: duckdb.DuckDBPyConnection,
    table: _Table,
    partitions: list[_Partition],
    occurrences: list[tuple[str, list[exp.Expression]]] | None,
) -> list[_Partition]:
    """The partitions some reading of the table may need: those its WHERE conditions on partition columns allow."""
    if not occurrences or not table.partition_keys or any(not conjuncts for _, conjuncts in occurrences):
        return partitions
    values = _partition_values(table, partitions)
    kept: set[int] = set()
    for alias, conjuncts in occurrences:
        condition = " AND ".join(f"({c.sql('duckdb')})" for c in conjuncts)
        con.register("__partitions", values)
        try:
            selected = con.sql(f'SELECT __i FROM __partitions AS "{alias}" WHERE {condition}').fetchall()
            kept.update(i for (i,) in selected)
        except duckdb.Error:
            return partitions  # a condition the engine cannot evaluate alone: read everything, as is always correct
        finally:
            con.unregister("__partitions")
    return [partition for i, partition in enumerate(partitions) if i in kept]


def _partition_values(table: _Table, partitions: list[_Partition]) -> pa.Table:
    arrays = {"__i": pa.array(range(len(partitions)), pa.int64())}
    for column, kind in table.partition_keys:
        arrays[column] = _typed_values([p.values.get(column) for p in partitions], kind, column)
    return pa.table(arrays)


def _typed_values(texts: list[str | None], kind: str, column: str) -> pa.Array:
    try:
        return pa.array(texts, pa.string()).cast(arrow_type(kind))
    except (pa.ArrowInvalid, ValueError) as error:
        raise QueryFailed(f"HIVE_INVALID_PARTITION_VALUE: partition column {column} ({kind}): {error}") from None


# --- reading the objects ---------------------------------------------------------------------------------------------


def _format(table: _Table) -> str:
    storage = table.glue.get("StorageDescriptor", {})
    serde = (storage.get("SerdeInfo") or {}).get("SerializationLibrary", "")
    if serde in _JSON_SERDES:
        return "json"
    if serde in _PARQUET or storage.get("InputFormat") in _PARQUET:
        return "parquet"
    raise QueryFailed(
        f"NOT_SUPPORTED: table {table.qualified} is stored with {serde or storage.get('InputFormat')}; "
        "the emulator reads JSON (OpenX JSON SerDe) and Parquet tables only"
    )


def _schema(table: _Table) -> list[tuple[str, pa.DataType]]:
    try:
        return [(name, _athena_precision(arrow_type(kind))) for name, kind in table.columns]
    except ValueError as error:
        raise QueryFailed(f"NOT_SUPPORTED: table {table.qualified}: {error}") from None


def _athena_precision(arrow: pa.DataType) -> pa.DataType:
    """Athena engine 3 keeps timestamps to the millisecond; DuckDB's TIMESTAMP (microseconds) carries them."""
    return pa.timestamp("us") if pa.types.is_timestamp(arrow) else arrow


def _to_milliseconds(column: pa.ChunkedArray | pa.Array, arrow: pa.DataType) -> pa.ChunkedArray | pa.Array:
    """A timestamp column as Athena holds it: UTC, to the millisecond (in DuckDB's microsecond TIMESTAMP)."""
    if column.type.tz is not None:
        column = column.cast(pa.timestamp(column.type.unit))  # UTC instants, as naive UTC
    return column.cast(pa.timestamp("ms"), safe=False).cast(arrow)


def _inflated(body: bytes, key: str, budget: MemoryBudget) -> bytes:
    """A gzip object's content, every member of it, charged to the budget as it inflates (never whole first)."""
    pieces, rest = [], body
    while rest:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        piece = inflater.decompress(rest, max(budget.left, 0) + 1)
        budget.charge(len(piece))
        if not inflater.eof:
            raise QueryFailed(f"HIVE_CURSOR_ERROR: {key} is not a complete gzip object")
        pieces.append(piece)
        rest = inflater.unused_data
    return b"".join(pieces)


def _read_json(
    table: _Table,
    body: bytes,
    key: str,
    schema: list[tuple[str, pa.DataType]],
    check: Callable[[], None],
    budget: MemoryBudget,
) -> pa.Table:
    parameters = {
        k.lower(): str(v).lower()
        for k, v in (table.glue.get("StorageDescriptor", {}).get("SerdeInfo", {}).get("Parameters") or {}).items()
    }
    reader = Reader(
        schema,
        case_insensitive=parameters.get("case.insensitive", "true") != "false",
        dots_to_underscores=parameters.get("dots.in.keys", "false") == "true",
        mappings={k[len("mapping.") :]: v for k, v in parameters.items() if k.startswith("mapping.")},
    )
    ignore_malformed = parameters.get("ignore.malformed.json", "false") == "true"
    rows = []
    if key.endswith(".gz"):
        body = _inflated(body, key, budget)
    else:
        budget.charge(len(body))
    text = body.decode("utf-8", errors="replace")
    read = len(body)  # released once the rows are an Arrow table, which is charged instead
    for number, line in enumerate(text.splitlines(), start=1):
        if number % 4096 == 0:
            check()  # a stop takes effect within an object, however large
        try:
            found = documents(line)
            if len(found) != 1:
                raise DocumentError("A JSONObject text must be one object per line")
            rows.append(reader.row(found[0]))
        except DocumentError as error:
            if not ignore_malformed:
                raise QueryFailed(
                    f"HIVE_CURSOR_ERROR: Row is not a valid JSON Object - {error} ({key}, line {number})"
                ) from None
            rows.append([None] * len(schema))
        except FieldError as error:
            raise QueryFailed(f"HIVE_BAD_DATA: Error parsing field value in {key}, line {number}: {error}") from None
    table_rows = reader.table(rows)
    budget.release(read)
    return pa.Table.from_arrays(
        [
            _to_milliseconds(table_rows.column(i), arrow) if pa.types.is_timestamp(arrow) else table_rows.column(i)
            for i, (_, arrow) in enumerate(schema)
        ],
        schema=table_rows.schema,
    )


def _read_parquet(table: _Table, body: bytes, key: str, schema: list[tuple[str, pa.DataType]]) -> pa.Table:
    try:
        # No thread at all: Arrow's pools can abort the interpreter at exit (apache/arrow#34314), and read_table
        # starts its IO pool even with use_threads=False; a ParquetFile over the bytes, not pre-buffered, does not.
        data = pq.ParquetFile(pa.BufferReader(body), pre_buffer=False).read(use_threads=False)
    except (pa.ArrowInvalid, OSError) as error:
        raise QueryFailed(f"HIVE_CANNOT_OPEN_SPLIT: {key} is not a readable Parquet file: {error}") from None
    by_name = {name.lower(): data.column(i) for i, name in enumerate(data.column_names)}
    arrays = []
    for name, arrow in schema:
        column = by_name.get(name)
        if column is None:
            arrays.append(pa.nulls(data.num_rows, arrow))
            continue
        if not _readable_as(column.type, arrow):
            raise QueryFailed(
                f"HIVE_BAD_DATA: Field {name}'s type {column.type} in parquet file {key} is "
                f"incompatible with type {arrow} defined in table schema"
            )
        arrays.append(_to_milliseconds(column, arrow) if pa.types.is_timestamp(arrow) else column.cast(arrow))
    return pa.Table.from_arrays(arrays, schema=pa.schema([pa.field(n, a) for n, a in schema]))


def _readable_as(stored: pa.DataType, declared: pa.DataType) -> bool:
    """The Parquet type reads as the table's type: the same kind, or a widening (int to bigint, float to double),
    as the Hive connector allows; anything else (a string read as a number, say) is a bad-data error."""
    if pa.types.is_dictionary(stored):
        stored = stored.value_type
    kinds = (
        pa.types.is_string,
        pa.types.is_large_string,
        pa.types.is_boolean,
        pa.types.is_date,
        pa.types.is_timestamp,
        pa.types.is_decimal,
    )
    if pa.types.is_integer(stored) and pa.types.is_integer(declared):
        return stored.bit_width <= declared.bit_width
    if pa.types.is_floating(stored) and pa.types.is_floating(declared):
        return stored.bit_width <= declared.bit_width
    return any(
        kind(stored) and (kind(declared) or (kind is pa.types.is_large_string and pa.types.is_string(declared)))
        for kind in kinds
    )


def _load(
    table: _Table, partitions: list[_Partition], storage: Storage, control: Control, budget: MemoryBudget
) -> pa.Table:
    schema = _schema(table)
    json_lines = _format(table) == "json"
    pieces = []
    for partition in partitions:
        for obj in partition.objects:
            control.check()
            body = storage.get(obj.bucket, obj.key)
            if json_lines:
                data = _read_json(table, body, obj.key, schema, control.check, budget)
            else:
                data = _read_parquet(table, body, obj.key, schema)
            budget.charge(data.nbytes)
            control.scanned_bytes += obj.size
            for column, kind in table.partition_keys:
                value = _typed_values([partition.values.get(column)], kind, column)[0]
                data = data.append_column(column, pa.array([value.as_py()] * data.num_rows, value.type))
            pieces.append(data)
    if pieces:
        return pa.concat_tables(pieces)
    fields = [pa.field(n, a) for n, a in schema] + [pa.field(c, arrow_type(k)) for c, k in table.partition_keys]
    return pa.schema(fields).empty_table()


# --- results ---------------------------------------------------------------------------------------------------------


def _names(original: exp.Expression, typed: exp.Expression) -> list[str]:
    """Trino's names for the result columns: the alias, the column's name, or _colN."""
    outer = original if isinstance(original, exp.Select) else original.find(exp.Select)
    projections = outer.expressions if outer else []
    if not projections or any(p.is_star for p in projections) or len(projections) != len(typed.selects):
        return [re.sub(r"^_col_(\d+)$", r"_col\1", p.alias_or_name) for p in typed.selects]
    names = []
    for i, projection in enumerate(projections):
        if isinstance(projection, exp.Alias):
            identifier = projection.args["alias"]
            names.append(identifier.name if identifier.quoted else identifier.name.lower())
        elif isinstance(projection, exp.Column):
            names.append(projection.name)
        else:
            names.append(f"_col{i}")
    return names


def athena_type(duckdb_type: str) -> str:
    kind = str(duckdb_type).upper()
    if kind.endswith("]"):
        return "array"
    for prefix, name in (("STRUCT", "row"), ("MAP", "map"), ("DECIMAL", "decimal"), ("UNION", "row")):
        if kind.startswith(prefix):
            return name
    return _ATHENA_TYPES.get(kind, kind.lower())


def java_double(value: float) -> str:
    """A double as Java's Double.toString prints it, as Athena does: 123.45, 1.0E7, 1.0E-4."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if str(value).startswith("-") else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text else f"{text}.0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    decimal_exponent = len(digits) + exponent - 1
    mantissa = "".join(map(str, digits))
    return f"{'-' if sign else ''}{mantissa[0]}.{mantissa[1:] or '0'}E{decimal_exponent}"


def printed(value: Any) -> str | None:
    """A value as Athena's VarCharValue shows it; None for NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
            return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d} UTC"
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(printed(v) or "null" for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{printed(k)}={printed(v) or 'null'}" for k, v in value.items()) + "}"
    if isinstance(value, (bytes, bytearray)):
        return " ".join(f"{b:02x}" for b in value)
    if isinstance(value, timedelta):
        return f"{value.days} {timedelta(seconds=value.seconds)}.{value.microseconds // 1000:03d}"
    return str(value)


# --- errors as Athena names them ------------------------------------------------------------------------------------
# Athena's error types are Trino's standard error codes (Athena user guide, "Athena error catalog"): an arithmetic
# overflow is NUMERIC_VALUE_OUT_OF_RANGE, integer division or modulo by zero DIVISION_BY_ZERO (a double divided by
# zero is Infinity, as in DuckDB), a cast that cannot convert INVALID_CAST_ARGUMENT.

_TRINO_INTEGERS = {"INT8": "tinyint", "INT16": "smallint", "INT32": "integer", "INT64": "bigint", "INT128": "bigint"}
_TRINO_CAST_NAMES = {"INT8": "TINYINT", "INT16": "SMALLINT", "INT32": "INT", "INT64": "BIGINT", "FLOAT": "REAL"}
_OVERFLOW = re.compile(r"Overflow in (addition|subtraction|multiplication) of (INT\d+) \((.*)\)!")
_BY_ZERO = re.compile(r"Division by zero|Type DOUBLE with value (-?inf|nan) can't be cast")
_BAD_CAST = re.compile(r"Could not convert string '(.*?)' to (\w+)")
_BIGINT = range(-(2**63), 2**63)


# Trino's sequence() refuses a longer result (its SequenceFunction: "result of sequence function must not have more
# than 10000 entries"); DuckDB's GENERATE_SERIES has no such cap, so each one is wrapped in a macro that checks it.
SEQUENCE_ENTRIES = 10_000
_CAPPED_SEQUENCE = "__trino_sequence"
_TOO_LONG_SEQUENCE = (
    f"INVALID_FUNCTION_ARGUMENT: result of sequence function must not have more than {SEQUENCE_ENTRIES} entries"
)
_SEQUENCE_MACRO = (
    f"CREATE TEMP MACRO {_CAPPED_SEQUENCE}(s) AS "
    f"CASE WHEN len(s) > {SEQUENCE_ENTRIES} THEN error('{_TOO_LONG_SEQUENCE}') ELSE s END"
)


def _capped_sequences(statement: exp.Expression) -> exp.Expression:
    def cap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.GenerateSeries):
            return exp.Anonymous(this=_CAPPED_SEQUENCE, expressions=[node])
        return node

    return statement.transform(cap)


def _athena_error(duckdb_message: str) -> str | None:
    """DuckDB's runtime error as Athena reports the same failure, or None when it has no Athena counterpart here."""
    if _TOO_LONG_SEQUENCE in duckdb_message:
        return _TOO_LONG_SEQUENCE
    if match := _OVERFLOW.search(duckdb_message):
        operation, kind, operands = match.groups()
        return f"NUMERIC_VALUE_OUT_OF_RANGE: {_TRINO_INTEGERS.get(kind, kind.lower())} {operation} overflow: {operands}"
    if _BY_ZERO.search(duckdb_message):
        return "DIVISION_BY_ZERO: Division by zero"
    if match := _BAD_CAST.search(duckdb_message):
        text, kind = match.groups()
        return f"INVALID_CAST_ARGUMENT: Cannot cast '{text}' to {_TRINO_CAST_NAMES.get(kind, kind)}"
    return None


def _refuse_bigint_overflow(types: list, rows: list) -> None:
    """DuckDB sums bigints into a 128-bit integer; Athena's sum is a bigint and overflows past its maximum."""
    wide = [i for i, kind in enumerate(types) if str(kind).upper() == "HUGEINT"]
    for row in rows:
        for i in wide:
            if row[i] is not None and row[i] not in _BIGINT:
                raise QueryFailed("NUMERIC_VALUE_OUT_OF_RANGE: bigint addition overflow")


# --- run -------------------------------------------------------------------------------------------------------------


# DuckDB as the engine Athena is: the tables are loaded by this module from the emulator's own S3 objects, so DuckDB
# needs no file, no network and no extension ("Securing DuckDB": enable_external_access off refuses read_*, glob,
# COPY, ATTACH of files and URLs; no extension is installed or loaded on demand; no Python variable is scanned as a
# table; lock_configuration, set once TimeZone is UTC as Athena's, keeps a query from turning any of it back on).
# No temporary directory: past its memory_limit a query fails instead of spilling to the host's disk.
SANDBOX = {
    "threads": 1,
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "python_enable_replacements": False,
    "temp_directory": "",
}
# Athena's words for a query that needed more than it could have (Athena error catalog, error types 0-8); a service
# error type, so the SYSTEM category.
EXHAUSTED = "Query exhausted resources at this scale factor"


def run(
    sql: str,
    *,
    database: str | None,
    catalog: Catalog,
    storage: Storage,
    bytes_cutoff: int | None = None,
    memory_mib: int = Limits().memory_mib,
    control: Control | None = None,
) -> Result:
    """Run one Athena query; QueryFailed says why not, Interrupted that `control` stopped it."""
    control = control or Control()
    statement = _parse(sql)
    _refuse_host_access(statement, sql)
    tables = _tables(statement, sql, database, catalog)
    typed = _typed(statement, tables, database)
    con = duckdb.connect(config={**SANDBOX, "memory_limit": f"{memory_mib}MiB"})
    try:
        with control.connected(con):
            con.execute("SET TimeZone = 'UTC'")  # ICU's setting: known once the connection is open
            con.execute("SET error_on_division_by_zero = true")  # integer division and modulo by zero fail, as in Trino
            con.execute("SET lock_configuration = true")
            con.execute(_SEQUENCE_MACRO)
            con.execute(f"ATTACH ':memory:' AS {CATALOG}")
            scanned, budget = 0, MemoryBudget(memory_mib)
            for table in tables.values():
                control.check()
                occurrences = _occurrences(typed, table)
                injected = _injected_values(con, table, occurrences)
                partitions = _prune(con, table, _all_partitions(table, catalog, storage, injected), occurrences)
                scanned += sum(obj.size for partition in partitions for obj in partition.objects)
                if bytes_cutoff and scanned > bytes_cutoff:
                    # Athena stops reading at the limit and cancels the query, with this reason; it has scanned (and
                    # bills) the limit.
                    raise QueryFailed("Bytes scanned limit was exceeded", state="CANCELLED", scanned_bytes=bytes_cutoff)
                con.execute(f'CREATE SCHEMA IF NOT EXISTS {CATALOG}."{table.database}"')
                con.register("__load", _load(table, partitions, storage, control, budget))
                con.execute(f'CREATE TABLE {CATALOG}."{table.database}"."{table.name}" AS SELECT * FROM __load')
                con.unregister("__load")
            control.check()
            try:
                relation = con.sql(_capped_sequences(typed).sql(dialect="duckdb"))
                rows, types = relation.fetchall(), relation.types
            except (duckdb.InterruptException, duckdb.OutOfMemoryException):
                raise
            except duckdb.Error as error:
                _unresolved_column(statement, tables, database)
                athena = _athena_error(str(error))
                if athena:
                    raise QueryFailed(athena) from None
                raise QueryFailed(
                    f"{type(error).__name__}: {error} (the emulator runs Athena's SQL with DuckDB)"
                ) from None
    except duckdb.InterruptException:
        raise Interrupted from None
    except duckdb.OutOfMemoryException:
        raise QueryFailed(
            f"{EXHAUSTED} (the emulator holds a query to {memory_mib} MiB of memory: {MEMORY_ENV})",
            category=SYSTEM_ERROR,
        ) from None
    finally:
        con.close()
    _refuse_bigint_overflow(types, rows)
    names = _names(statement, typed)
    columns = [(name, athena_type(kind)) for name, kind in zip(names, types)]
    return Result(columns, [[printed(value) for value in row] for row in rows], scanned)
