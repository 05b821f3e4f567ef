"""partitionBy=ticker: Firehose dynamic partitioning by the event's ticker (JQ inline parsing), and a Glue table that
lets Athena read only the tickers a query names."""

import pytest

from lab_stack.config import ConfigError, LabConfig
from producer.schema import EVENT_FIELDS, TICKER_SYMBOLS, VERIFY_TICKER
from rehearsal.emulator.firehose import deaggregate, extract_keys


def destination(template):
    [stream] = template.find_resources("AWS::KinesisFirehose::DeliveryStream").values()
    return stream["Properties"]["ExtendedS3DestinationConfiguration"]


def processors(dest):
    return {
        p["Type"]: {q["ParameterName"]: q["ParameterValue"] for q in p.get("Parameters", [])}
        for p in dest["ProcessingConfiguration"]["Processors"]
    }


def table(template):
    [resource] = template.find_resources("AWS::Glue::Table").values()
    return resource["Properties"]["TableInput"]


def test_partitioned_stream_extracts_the_ticker_with_jq_and_prefixes_by_it(partitioned_lab):
    dest = destination(partitioned_lab[1])
    assert dest["DynamicPartitioningConfiguration"]["Enabled"] is True
    assert dest["Prefix"] == (
        "data/ticker=!{partitionKeyFromQuery:ticker}/year=!{timestamp:yyyy}/"
        "month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
    )
    assert "!{firehose:error-output-type}" in dest["ErrorOutputPrefix"]
    steps = processors(dest)
    assert list(steps) == ["RecordDeAggregation", "MetadataExtraction", "AppendDelimiterToRecord"]
    assert steps["RecordDeAggregation"]["SubRecordType"] == "JSON"
    assert steps["MetadataExtraction"]["JsonParsingEngine"] == "JQ-1.6"
    # The query really yields the ticker of a producer event (evaluated by the emulator's JQ).
    event = b'{"ticker": "AAPL", "price": 1.5}'
    assert extract_keys(event, steps["MetadataExtraction"]["MetadataExtractionQuery"], ["ticker"]) == {"ticker": "AAPL"}


def test_partitioned_stream_buffers_at_least_64_mib_and_60_s(partitioned_lab):
    hints = destination(partitioned_lab[1])["BufferingHints"]
    assert hints == {"SizeInMBs": 64, "IntervalInSeconds": 60}


def test_default_lab_is_not_partitioned(template):
    dest = destination(template)
    assert "DynamicPartitioningConfiguration" not in dest and "ProcessingConfiguration" not in dest
    assert "ticker" not in dest["Prefix"]


def test_glue_table_projects_a_ticker_partition_from_the_producers_tickers(partitioned_lab):
    table_input = table(partitioned_lab[1])
    assert [(k["Name"], k["Type"]) for k in table_input["PartitionKeys"]] == [
        ("ticker", "string"),
        ("year", "int"),
        ("month", "int"),
        ("day", "int"),
        ("hour", "int"),
    ]
    parameters = table_input["Parameters"]
    assert parameters["projection.ticker.type"] == "enum"
    assert parameters["projection.ticker.values"].split(",") == [*TICKER_SYMBOLS, VERIFY_TICKER]
    assert "/data/ticker=${ticker}/year=${year}/" in str(parameters["storage.location.template"])
    columns = [c["Name"] for c in table_input["StorageDescriptor"]["Columns"]]
    assert columns == [name for name, _ in EVENT_FIELDS if name != "ticker"]


def test_partitioned_lab_sends_one_event_per_record(partitioned_lab, template):
    """Deaggregation stops at 500 events per record; the producer's packed records hold thousands."""

    def user_data(tpl):
        [instance] = tpl.find_resources("AWS::EC2::Instance").values()
        return str(instance["Properties"]["UserData"])

    assert "--no-aggregate" in user_data(partitioned_lab[1])
    assert "--no-aggregate" not in user_data(template)
    outputs = partitioned_lab[1].find_outputs("PackedRecords")
    assert [o["Value"] for o in outputs.values()] == ["false"]
    assert [o["Value"] for o in template.find_outputs("PackedRecords").values()] == ["true"]
    with pytest.raises(ValueError, match="at most 500"):
        deaggregate(b'{"ticker":"AAPL"}\n' * 501, {"SubRecordType": "JSON"})


def test_partition_by_ticker_needs_the_services_minimums_and_says_what_to_use():
    config = LabConfig.from_context({"partitionBy": "ticker"})
    assert (config.buffer_size_mib, config.buffer_interval_seconds, config.packed_records) == (64, 60, False)
    with pytest.raises(ConfigError) as small:
        LabConfig.from_context({"partitionBy": "ticker", "bufferSizeMiB": "5"})
    assert str(small.value) == (
        "invalid bufferSizeMiB='5': partitionBy=ticker needs at least 64 MiB (the service's minimum with dynamic "
        "partitioning); use -c bufferSizeMiB=64 or leave it at auto"
    )
    with pytest.raises(ConfigError) as short:
        LabConfig.from_context({"partitionBy": "Ticker", "bufferIntervalSeconds": 0})
    assert str(short.value).startswith("invalid bufferIntervalSeconds=0: partitionBy=ticker needs at least 60 seconds")
    with pytest.raises(ConfigError, match="invalid partitionBy='exchange': must be one of none, ticker"):
        LabConfig.from_context({"partitionBy": "exchange"})
