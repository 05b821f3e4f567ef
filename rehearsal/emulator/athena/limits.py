"""How much the offline Athena lets one query take: Athena's own limits where a lab on a laptop can afford them,
scaled down where it cannot, each settable from the environment (read by the athena package's start(), and checked
by `make lab-local` and `make rehearse` before anything starts).

- Run time: Athena's "DML query timeout" service quota is 30 minutes by default, adjustable up to 240 ("Service
  Quotas", Amazon Athena user guide); a query past it fails. Here the default is 5 minutes of real time: a lab's
  queries read a few MiB and end in well under a second, one at the workgroup's 1 GiB scan cutoff takes about a
  minute to read here, and a runaway query should not hold a laptop's core for half an hour.
- Memory: Athena fails a query that needs more than its share ("Query exhausted resources at this scale factor").
  Here DuckDB holds each query to 512 MiB and never spills to disk: room for some 800 MiB of the lab's JSON events
  as a table (a lab hour at the default rate is about 8 MB), and two queries hold at most 1 GiB of the host.
- Concurrency: WORKERS queries run at once (DuckDB on one thread each: the lab's producer and emulator keep the
  other cores); more wait QUEUED. Athena's "Active DML queries" quota counts running and queued queries and refuses
  more with TooManyRequestsException; here ACTIVE_QUERIES, a lab's worth.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

TIMEOUT_ENV = "FIREHOSE_LAB_ATHENA_TIMEOUT_SECONDS"
MEMORY_ENV = "FIREHOSE_LAB_ATHENA_MEMORY_MIB"
WORKERS = 2
ACTIVE_QUERIES = 20
LONGEST_TIMEOUT_S = 240 * 60  # the largest DML query timeout Athena grants on request
MEMORY_MIB = range(16, 65536 + 1)


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float = 300.0
    memory_mib: int = 512


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= LONGEST_TIMEOUT_S:  # nan and inf fail this too
        raise ValueError(
            f"invalid {TIMEOUT_ENV}={text!r}: must be a number of seconds above 0, at most {LONGEST_TIMEOUT_S} "
            "(Athena's largest DML query timeout, 240 minutes)"
        )
    return value


def _memory(text: str) -> int:
    value = int(text) if text.strip().isdigit() else 0
    if value not in MEMORY_MIB:
        raise ValueError(
            f"invalid {MEMORY_ENV}={text!r}: must be a whole number of MiB from {MEMORY_MIB.start} to "
            f"{MEMORY_MIB.stop - 1} (DuckDB's memory for one query)"
        )
    return value


def from_environment(environ: Mapping[str, str]) -> Limits:
    """The limits the environment sets, the defaults for the rest; ValueError (one line) for a value not allowed."""
    defaults = Limits()
    return Limits(
        timeout_seconds=_timeout(environ[TIMEOUT_ENV]) if TIMEOUT_ENV in environ else defaults.timeout_seconds,
        memory_mib=_memory(environ[MEMORY_ENV]) if MEMORY_ENV in environ else defaults.memory_mib,
    )
