"""The AWS SDK's own settings from the environment, checked before boto3 reads them.

boto3 turns a malformed AWS_ENDPOINT_URL (no scheme: `127.0.0.1:4566`) or AWS_MAX_ATTEMPTS (`abc`) into a ValueError
traceback from deep inside client creation. `problem()` names the variable, its value and what it takes, in one
line; the producer and every labctl command ask it first. Standard library only: this module ships.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from producer.i18n import _

ENDPOINT_PREFIX = "AWS_ENDPOINT_URL"


def _endpoint_problem(name: str, value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname:
        return None
    host = value.split("://", 1)[-1] or "localhost:4566"
    return _("{name}={value} is not a URL: give it a scheme, e.g. http://{host}").format(
        name=name, value=repr(value), host=host
    )


def problem(environ: Mapping[str, str] = os.environ) -> str | None:
    """The first AWS setting in `environ` that boto3 cannot use, as one line, or None."""
    for name in sorted(environ):
        if name == ENDPOINT_PREFIX or name.startswith(ENDPOINT_PREFIX + "_"):
            found = _endpoint_problem(name, environ[name])
            if found:
                return found
    attempts = environ.get("AWS_MAX_ATTEMPTS")
    if attempts is not None and not (attempts.strip().isdigit() and int(attempts) >= 1):
        return _("AWS_MAX_ATTEMPTS={value} must be a whole number, 1 or more").format(value=repr(attempts))
    return None
