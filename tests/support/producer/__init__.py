"""Test helpers for the producer (a local Firehose endpoint, fixtures)."""
