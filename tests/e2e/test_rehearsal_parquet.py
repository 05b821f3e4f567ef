"""The rehearsal with format=parquet: Firehose converts by the Glue table, a bad record is kept with its error, and
the saved queries read the Parquet objects (a smaller verify burst: the 64 MiB buffer flushes on the interval)."""

from __future__ import annotations

import base64
import io
import json

import pytest

from rehearsal.analytics import BAD_TICKER
from rehearsal.rehearse import Rehearsal

CLOCK_SCALE = 0.05  # the stream's 60 s interval passes in 3 s
VERIFY_EVENTS = 2000


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    log = io.StringIO()
    rehearsal = Rehearsal(context=["format=parquet"], clock_scale=CLOCK_SCALE, verify_count=VERIFY_EVENTS, out=log)
    result = rehearsal.run(tmp_path_factory.mktemp("rehearsal-parquet"))
    return result, log.getvalue()


def test_it_passes_every_phase_and_leaves_nothing(rehearsal):
    result, _ = rehearsal
    assert [ok for _, _, ok in result.phases] == [True] * len(result.phases)
    assert "conversion error (a record not fitting the table)" in [name for name, _, _ in result.phases]
    assert result.leftovers == {}


def test_delivered_objects_are_parquet_of_the_tables_types(rehearsal):
    result, log = rehearsal
    assert result.landed and all(obj.key.endswith(".parquet") for obj in result.landed)
    assert "every object is Parquet with the table's columns: event_time timestamp, event_id string" in log


def test_the_bad_record_is_kept_with_its_error_and_not_counted(rehearsal):
    result, log = rehearsal
    error = result.conversion_error
    assert error["lastErrorCode"] == "DataFormatConversion.MalformedData"
    assert "price" in error["lastErrorMessage"]
    assert json.loads(base64.b64decode(error["rawData"]))["ticker"] == BAD_TICKER
    assert "errors/format-conversion-failed/year=" in log
    tickers = [row[0] for row in result.query_results["top tickers"].rows]
    assert BAD_TICKER not in tickers


def test_the_saved_queries_read_the_parquet_objects(rehearsal):
    result, _ = rehearsal
    assert result.verify_exit == 0
    assert result.query_results["top tickers"].rows[0][:2] == ["VERIFY", str(VERIFY_EVENTS)]
    per_minute = sum(int(events) for _, events in result.query_results["events per minute"].rows)
    assert per_minute == sum(obj.events for obj in result.landed)
