"""The installed botocore speaks, for every service the emulator serves, the protocol the installed moto routes:
a drift is named here in one line, not met as an HTML 404 in a rehearsal's ninth phase."""

from __future__ import annotations

import json
import re

import botocore
import botocore.session
import moto

from labctl.toolkit import ROOT
from rehearsal.emulator import protocols


def test_botocore_and_moto_agree_on_every_served_service():
    assert protocols.mismatches() == []


def test_a_botocore_that_moved_athena_to_rest_json_is_named_in_one_line(tmp_path):
    # The drift as botocore 1.44.18 shipped it: the installed Athena model, its protocol changed, found first on
    # botocore's data path (how botocore loads a model that overrides its own).
    session = botocore.session.get_session()
    model = session.get_service_data("athena")
    api_version = model["metadata"]["apiVersion"]
    model["metadata"].update(protocol="rest-json", protocols=["rest-json"])
    target = tmp_path / "athena" / api_version / "service-2.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(model))
    drifted = botocore.session.get_session()
    drifted.set_config_variable("data_path", str(tmp_path))

    line = protocols.mismatch("athena", drifted)

    assert line is not None and "\n" not in line
    assert line.startswith(
        f"athena: botocore {botocore.__version__} speaks rest-json, moto {moto.__version__} routes json"
    )
    assert protocols.mismatch("firehose", drifted) is None


def test_the_table_covers_every_service_the_code_calls():
    # `client("name"` in the project's packages and tests: each must be a service the guard checks.
    called = set()
    for folder in ("labctl", "producer", "rehearsal", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            called.update(re.findall(r"""client\(\s*["']([a-z0-9-]+)["']""", path.read_text()))
    session = botocore.session.get_session()
    services = called & set(session.get_available_services())
    assert services <= set(protocols.MOTO_PROTOCOLS), sorted(services - set(protocols.MOTO_PROTOCOLS))
