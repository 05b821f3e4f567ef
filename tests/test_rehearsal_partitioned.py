"""`make rehearse ARGS="-c partitionBy=ticker"` on a scaled clock: the emulator partitions by ticker as Firehose does,
the rehearsal shows objects per ticker, verify finds every event, destroy leaves nothing."""

from __future__ import annotations

import io
import re

import pytest

from producer.events import TICKER_SYMBOLS
from rehearsal.rehearse import Rehearsal, objects_per_partition

CLOCK_SCALE = 0.1  # the stream's 60 s interval passes in 6 s
VERIFY_EVENTS = 2000  # one event per record when partitioned: four PutRecordBatch calls


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    log = io.StringIO()
    rehearsal = Rehearsal(context=["partitionBy=ticker"], clock_scale=CLOCK_SCALE, verify_count=VERIFY_EVENTS,
                          out=log)
    result = rehearsal.run(tmp_path_factory.mktemp("rehearsal"))
    return result, log.getvalue()


def test_every_object_lands_under_its_tickers_partition(rehearsal):
    result, _ = rehearsal
    data = [item for item in result.landed if item.key.startswith("data/")]
    assert data and all(re.match(r"data/ticker=[A-Z]+/year=\d{4}/month=\d{2}/day=\d{2}/hour=\d{2}/", i.key)
                        for i in data)
    per_ticker = objects_per_partition(result.landed)
    assert per_ticker["VERIFY"][1] == VERIFY_EVENTS  # the tagged burst, in its own partition
    producer_tickers = set(per_ticker) - {"VERIFY"}
    assert len(producer_tickers) >= 2 and producer_tickers <= set(TICKER_SYMBOLS)


def test_the_rehearsal_shows_objects_per_ticker(rehearsal):
    _, log = rehearsal
    assert re.search(r"objects \(events\) per partition: .*VERIFY \d+ \(2000\)", log)


def test_verify_found_every_event_and_destroy_left_nothing(rehearsal):
    result, log = rehearsal
    assert result.verify_exit == 0, log
    assert f"sent {VERIFY_EVENTS}, found {VERIFY_EVENTS}, lost 0, duplicated 0" in result.verify_report
    assert result.leftovers == {}
    assert result.failed_phase is None


def test_the_rehearsal_names_the_firehose_settings_it_goes_on_without(rehearsal):
    result, _ = rehearsal
    assert "the Firehose delivery role's permissions (not evaluated)" in result.skipped_types
