"""A student's SQL stays inside the lab: the emulator's Athena reads only the objects of the tables a query names,
read by the engine itself. No table function, setting or statement DuckDB documents as touching files, extensions or
the network reaches the host (DuckDB's "Securing DuckDB": enable_external_access, autoload/autoinstall of extensions,
lock_configuration), and the query ends FAILED with a reason, as Athena refuses what it does not know."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rehearsal.emulator import Emulator
from support.emulator.athena import one_table_lab, outcome

BUCKET = "sandbox-bucket"
SECRET = "emulator-sandbox-secret-7f3a"  # in this process's environment and in a host file: no answer may hold it


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    os.environ["FIREHOSE_LAB_SANDBOX_SECRET"] = SECRET
    host_file = tmp_path_factory.mktemp("host") / "secret.csv"
    host_file.write_text(f"secret\n{SECRET}\n")
    with Emulator() as emulator:
        athena = one_table_lab(emulator, BUCKET, {"n": "int"}, b'{"n": 1}\n{"n": 2}\n')
        yield athena, host_file
    os.environ.pop("FIREHOSE_LAB_SANDBOX_SECRET", None)


# DuckDB's table functions and forms that read files, list directories, fetch URLs or reveal the host.
HOST_READS = [
    "SELECT * FROM read_text('{file}')",
    "SELECT * FROM read_blob('{file}')",
    "SELECT * FROM read_csv('{file}')",
    "SELECT * FROM read_csv_auto('{file}')",
    "SELECT * FROM read_json('{file}')",
    "SELECT * FROM read_json_auto('{file}')",
    "SELECT * FROM read_json_objects('{file}')",
    "SELECT * FROM read_ndjson('{file}')",
    "SELECT * FROM read_parquet('{file}')",
    "SELECT * FROM parquet_scan('{file}')",
    "SELECT * FROM parquet_metadata('{file}')",
    "SELECT * FROM parquet_schema('{file}')",
    "SELECT * FROM sniff_csv('{file}')",
    "SELECT * FROM glob('{dir}/*')",
    "SELECT * FROM read_text('/proc/self/environ')",
    "SELECT * FROM read_csv('https://example.invalid/data.csv')",
    "SELECT * FROM read_parquet('s3://{bucket}/events/a.json')",
    "SELECT * FROM TABLE(read_text('{file}'))",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM events, read_text('{file}')",
    "WITH t AS (SELECT * FROM read_text('{file}')) SELECT * FROM t",
    "SELECT (SELECT content FROM read_text('{file}')) AS c FROM events",
    "SELECT current_setting('home_directory')",
    "SELECT getenv('FIREHOSE_LAB_SANDBOX_SECRET')",
]
# Statements that change settings, load extensions or write files: not queries, refused before anything runs.
STATEMENTS = [
    "SET enable_external_access = true",
    "INSTALL httpfs",
    "LOAD httpfs",
    "ATTACH '{dir}/x.db' AS x",
    "COPY (SELECT 1) TO '{dir}/out.csv'",
    "EXPORT DATABASE '{dir}/export'",
    "PRAGMA enable_profiling",
    "CALL duckdb_settings()",
    "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
]


@pytest.mark.parametrize("template", HOST_READS + STATEMENTS)
def test_nothing_outside_the_labs_objects_is_read_listed_or_fetched(emu, template):
    athena, host_file = emu
    sql = template.format(file=host_file, dir=host_file.parent, bucket=BUCKET)
    before = sorted(p.name for p in host_file.parent.iterdir())

    state, reason, rows = outcome(athena, sql)

    assert state == "FAILED", (sql, rows)
    assert reason and SECRET not in reason, reason
    assert sorted(p.name for p in host_file.parent.iterdir()) == before  # nothing written beside it
    assert not any((Path.home() / ".duckdb").rglob("*httpfs*"))  # no extension was installed


def test_a_table_function_is_refused_as_athena_refuses_an_unknown_one(emu):
    athena, host_file = emu
    state, reason, _ = outcome(athena, f"SELECT * FROM read_text('{host_file}')")
    assert state == "FAILED"
    assert reason.startswith("FUNCTION_NOT_FOUND: line 1:15: Table function 'read_text' not registered"), reason


def test_the_labs_own_table_still_answers(emu):
    athena, _ = emu
    state, reason, rows = outcome(athena, "SELECT sum(n) AS total FROM events")
    assert (state, rows) == ("SUCCEEDED", [["total"], ["3"]]), reason
