"""SQL that Athena fails, fails here with Athena's error type (Athena error catalog; Trino's standard error codes):
a syntax error is SYNTAX_ERROR with its position, never an engine crash; integer overflow, a sum past the bigint
maximum, integer division by zero and a cast that cannot convert fail as Athena fails them, never an answer."""

from __future__ import annotations

import gzip

import pytest
from botocore.exceptions import ClientError
from moto.s3.models import s3_backends

from rehearsal.emulator import ACCOUNT_ID, Emulator
from support.emulator.athena import one_table_lab, outcome

BUCKET = "errors-bucket"
BIGINT_MAX = 9223372036854775807


@pytest.fixture(scope="module")
def athena():
    with Emulator() as emulator:
        lines = f'{{"n": {BIGINT_MAX}, "i": 2147483647}}\n{{"n": 1, "i": 0}}\n'.encode()
        yield one_table_lab(emulator, BUCKET, {"n": "bigint", "i": "int"}, lines)


def reason(athena, sql: str) -> str:
    state, why, rows = outcome(athena, sql)
    assert state == "FAILED", (sql, rows)
    return why


def test_an_unterminated_string_is_a_syntax_error_with_its_position(athena):
    assert reason(athena, "SELECT 'abc FROM events").startswith("SYNTAX_ERROR: line 1:8: ")


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("SELECT sum(n) FROM events", "NUMERIC_VALUE_OUT_OF_RANGE: bigint addition overflow"),
        ("SELECT n + 1 FROM events", "NUMERIC_VALUE_OUT_OF_RANGE: bigint addition overflow"),
        ("SELECT i + 1 FROM events", "NUMERIC_VALUE_OUT_OF_RANGE: integer addition overflow"),
        ("SELECT n * 2 FROM events", "NUMERIC_VALUE_OUT_OF_RANGE: bigint multiplication overflow"),
        ("SELECT 1 / 0", "DIVISION_BY_ZERO: Division by zero"),
        ("SELECT n / i FROM events", "DIVISION_BY_ZERO: Division by zero"),
        ("SELECT n % 0 FROM events", "DIVISION_BY_ZERO: Division by zero"),
        ("SELECT CAST('abc' AS integer)", "INVALID_CAST_ARGUMENT: Cannot cast 'abc' to INT"),
        ("SELECT CAST('1.5x' AS bigint)", "INVALID_CAST_ARGUMENT: Cannot cast '1.5x' to BIGINT"),
    ],
)
def test_overflow_division_by_zero_and_bad_casts_fail_as_athena_fails_them(athena, sql, expected):
    assert reason(athena, sql).startswith(expected)


def test_a_sequence_past_trino_s_10000_entries_fails_and_one_at_the_cap_answers(athena):
    # Trino's sequence(): "result of sequence function must not have more than 10000 entries" (SequenceFunction).
    too_long = reason(athena, "SELECT cardinality(sequence(1, 10001))")
    assert too_long.startswith(
        "INVALID_FUNCTION_ARGUMENT: result of sequence function must not have more than 10000 entries"
    )
    assert reason(athena, "SELECT x FROM UNNEST(sequence(0, 100000, 5)) AS t(x)").startswith(
        "INVALID_FUNCTION_ARGUMENT"
    )
    state, _, rows = outcome(athena, "SELECT cardinality(sequence(1, 10000)), cardinality(sequence(10, 1, -3))")
    assert (state, rows[1]) == ("SUCCEEDED", ["10000", "4"])


def test_a_truncated_gzip_object_fails_the_query_naming_it(athena):
    s3 = s3_backends[ACCOUNT_ID]["aws"]
    s3.put_object(BUCKET, "events/cut.json.gz", gzip.compress(b'{"n": 1, "i": 1}\n' * 1000)[:-12])
    try:
        why = reason(athena, "SELECT count(*) FROM events")
    finally:
        s3.delete_object(BUCKET, "events/cut.json.gz")
    assert why.startswith("HIVE_CURSOR_ERROR: events/cut.json.gz is not a complete gzip object")


def test_ddl_the_emulator_fails_changes_no_catalog(athena):
    # DDL is not emulated: the query fails, and nothing of it may happen anyway (moto's Athena records the database
    # of any query that reads as CREATE DATABASE, and forgets it at DROP DATABASE).
    state, why, _ = outcome(athena, "CREATE DATABASE made_by_sql")
    assert state == "FAILED", why
    with pytest.raises(ClientError) as missing:
        athena.get_database(CatalogName="AwsDataCatalog", DatabaseName="made_by_sql")
    assert missing.value.response["Error"]["Code"] == "MetadataException"
