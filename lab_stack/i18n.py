"""The lab's settings errors in the student's language: lab_stack's catalog (lab_stack/locale), read as
producer/i18n.py says. labctl, the rehearsal and `cdk synth` all print them."""

from __future__ import annotations

from pathlib import Path

from producer.i18n import N_, Catalog

__all__ = ["N_", "_"]

_catalog = Catalog("lab_stack", Path(__file__).resolve().parent)
_ = _catalog.gettext
