"""The extensions patch moto internals of one exact release: a different moto must fail loudly."""

import re

import moto
import pytest
from moto.cloudformation import parsing
from moto.firehose.models import FirehoseBackend

from labctl.toolkit import ROOT
from rehearsal.emulator import server
from rehearsal.emulator.firehose import buffering
from rehearsal.emulator.s3 import auto_delete

REQUIREMENTS_DEV = ROOT / "requirements-dev.txt"


def test_installed_moto_is_the_pinned_release():
    assert moto.__version__ == server.MOTO_PIN, (
        f"moto {moto.__version__} is installed but rehearsal/emulator/ patches moto=={server.MOTO_PIN}: "
        "re-check every patched internal before changing the pin"
    )


def test_requirements_pin_matches_the_extensions_pin():
    pins = re.findall(r"^moto\[server\]==(\S+)$", REQUIREMENTS_DEV.read_text(), re.MULTILINE)
    assert pins == [server.MOTO_PIN]


def test_install_refuses_another_moto(monkeypatch):
    monkeypatch.setattr(moto, "__version__", "5.2.6")
    with pytest.raises(RuntimeError, match="5.2.5"):
        server.install_extensions()


def test_install_is_idempotent():
    server.install_extensions()
    patched = (parsing.resource_class_from_type, FirehoseBackend.put_s3_records)
    server.install_extensions()
    assert (parsing.resource_class_from_type, FirehoseBackend.put_s3_records) == patched
    assert parsing.resource_class_from_type("Custom::S3AutoDeleteObjects") is auto_delete.S3AutoDeleteObjects
    assert FirehoseBackend.put_s3_records is buffering._put_s3_records
