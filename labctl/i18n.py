"""labctl's messages in the student's language: its catalog (labctl/locale), read as producer/i18n.py says."""

from __future__ import annotations

from pathlib import Path

from producer.i18n import N_, Catalog, number

__all__ = ["N_", "_", "ngettext", "number"]

_catalog = Catalog("labctl", Path(__file__).resolve().parent)
_ = _catalog.gettext
ngettext = _catalog.ngettext
