"""Helpers shared by the emulator tests."""
