"""Whether the installed botocore still speaks to the installed moto, service by service.

botocore picks each service's wire protocol from its model, and a patch release may change it: botocore 1.44.18
models Athena as `rest-json` (a GET per resource path) where 1.44.8 spoke `json` (one POST to `/`, the operation in
`X-Amz-Target`). moto 5.2.5 routes only the `json` form, so every Athena call got Flask's HTML 404, deep in a
rehearsal. `mismatches()` names such a drift in one line per service, both protocols and both versions, before
anything runs. The locks hold the pair (README, "Dependencies"); this is what moving either pin must keep true.
"""

from __future__ import annotations

import botocore
import botocore.session
import moto
from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug.exceptions import HTTPException

# Every AWS service the lab's code, the rehearsal and the tests call on the emulator through boto3, and the
# protocol moto serves it in: what the locked botocore (1.44.8) speaks, on which the suite and the rehearsal pass
# with moto 5.2.5 (moto 5.2.6 routes Athena the same way: its athena/urls.py is unchanged).
MOTO_PROTOCOLS = {
    "athena": "json",
    "budgets": "json",
    "cloudformation": "query",
    "cloudwatch": "smithy-rpc-v2-cbor",
    "ec2": "ec2",
    "firehose": "json",
    "glue": "json",
    "iam": "query",
    "kms": "json",
    "lambda": "rest-json",
    "logs": "json",
    "organizations": "json",
    "resourcegroupstaggingapi": "smithy-rpc-v2-cbor",
    "s3": "rest-xml",
    "scheduler": "rest-json",
    "service-quotas": "json",
    "sns": "query",
    "ssm": "json",
    "sts": "query",
}
# Protocols that send every operation to one path: moto must route a POST there for the service.
_ONE_ENDPOINT = {"json", "query", "ec2", "smithy-rpc-v2-cbor"}


def botocore_protocol(service: str, session: botocore.session.Session | None = None) -> str:
    """The protocol the installed botocore uses for `service` (its model's choice among those it supports)."""
    return (session or botocore.session.get_session()).get_service_model(service).protocol


def _routes_one_endpoint(service: str) -> bool:
    try:
        create_backend_app(service).url_map.bind("localhost").match("/", method="POST")
    except HTTPException:
        return False
    return True


def mismatch(service: str, session: botocore.session.Session | None = None) -> str | None:
    """One line naming the service, both protocols and both versions when botocore and moto disagree, else None."""
    spoken, routed = botocore_protocol(service, session), MOTO_PROTOCOLS[service]
    if spoken == routed and (routed not in _ONE_ENDPOINT or _routes_one_endpoint(service)):
        return None
    return (
        f"{service}: botocore {botocore.__version__} speaks {spoken}, moto {moto.__version__} routes {routed}"
        f"{'' if spoken != routed else ' (but not at POST /)'}: install the locks (`make setup`), or move both pins "
        "together (README, Dependencies)"
    )


def mismatches() -> list[str]:
    """Every served service whose protocol the installed pair disagrees on."""
    return [line for line in map(mismatch, MOTO_PROTOCOLS) if line is not None]
