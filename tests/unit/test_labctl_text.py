"""What the commands print reads as plain words: one event, 2 events, never "1 events"."""

from __future__ import annotations

from labctl.buffering import Delivery
from labctl.text import counted
from labctl.watch import events_text


def test_a_count_of_one_is_singular_and_larger_ones_are_grouped():
    assert counted(1, "{count} event", "{count} events") == "1 event"
    assert counted(0, "{count} object", "{count} objects") == "0 objects"
    assert counted(15000, "{count} event", "{count} events") == "15,000 events"


def test_an_object_of_one_event_says_one_event():
    delivery = Delivery(key="data/x", landed_at=0.0, stored_bytes=10, data_bytes=10, events=1, foreign_lines=0)
    assert events_text(delivery) == "1 event"
