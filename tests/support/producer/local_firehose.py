"""A Firehose-compatible HTTP endpoint on 127.0.0.1 that can misbehave on purpose.

It speaks the real wire protocol (JSON 1.1, X-Amz-Target PutRecord /
PutRecordBatch, base64 data, SigV4 Authorization header), enforces the real
limits, and can answer like Firehose does on a bad day: per-record failures
inside a 200, whole-call throttling, 5xx, connections dropped before or after
the records were stored, and a stream throughput quota. Tests point boto3 at
it with AWS_ENDPOINT_URL_FIREHOSE or endpoint_url; the benchmark runs it as a
separate process:

    python tests/support/producer/local_firehose.py --stream NAME [--port N]
        [--quota-mib-per-second Q] [--record-failure P] [--throttle P] [--error500 P] [--seed N]

prints the port, serves until killed, and answers GET /stats with counters.
"""

from __future__ import annotations

import argparse
import binascii
import json
import random
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1000 * 1024
BILLING_UNIT = 5 * 1024

FAULTS = ("ok", "partial", "throttle", "error500", "error503", "drop", "drop_after", "garbage", "invalid")
"""What one request can meet:
ok          store everything, 200
partial     refuse some records inside a 200 (FailedPutCount), store the others
throttle    400 ServiceUnavailableException "Slow down.", nothing stored
error500    500 InternalFailure (JSON), nothing stored
error503    503 with a non-JSON body (as a load balancer sends), nothing stored
drop        close the connection without an answer, nothing stored
drop_after  store everything, then close the connection without an answer
garbage     store everything, then answer 200 with a body that is not JSON
invalid     400 InvalidArgumentException (a call no retry can fix), nothing stored
"""
LOST_ANSWER = ("drop_after", "garbage")
"""Faults after which the client cannot know its records were stored."""

_CREDENTIAL = re.compile(r"Credential=([^/]+)/")


@dataclass
class FaultPlan:
    """Which fault each request meets: `script` in order, then at random
    (`chaos` = probability of a fault drawn from `kinds`, or `mix` = each
    fault with its own probability), seeded. `record_failure` refuses each
    record of a storing call with that probability, on top."""

    script: tuple[str, ...] = ()
    chaos: float = 0.0
    kinds: tuple[str, ...] = ("partial", "throttle", "error500", "error503", "drop", "drop_after", "garbage")
    seed: int = 0
    partial_share: float = 0.5
    """Share of records a `partial` answer refuses."""
    mix: tuple[tuple[str, float], ...] = ()
    """(fault, probability) per call, e.g. (("throttle", 0.10), ("error500", 0.05))."""
    record_failure: float = 0.0
    """Probability that any one record of a storing call is refused (ServiceUnavailableException or InternalFailure)."""

    def __post_init__(self) -> None:
        unknown = (set(self.script) | set(self.kinds) | {fault for fault, _ in self.mix}) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}")
        if sum(p for _, p in self.mix) > 1:
            raise ValueError("the mix's probabilities add up to more than 1")
        self.rng = random.Random(self.seed)

    def draw(self, request_number: int) -> str:
        if request_number < len(self.script):
            return self.script[request_number]
        if self.chaos and self.rng.random() < self.chaos:
            return self.rng.choice(self.kinds)
        if self.mix:
            roll = self.rng.random()
            for fault, probability in self.mix:
                if roll < probability:
                    return fault
                roll -= probability
        return "ok"


class Quota:
    """A stream's throughput quota as Firehose applies it: the records beyond it
    fail with ServiceUnavailableException inside the PutRecordBatch answer
    (a PutRecord call over it fails whole). Per-second token buckets (bytes and
    records), each holding at most one second of quota, full at the start.

    AWS: Amazon Data Firehose quota (Direct PUT: 5 MiB/s, 2,000 calls/s, 500,000
    records/s in us-east-1, us-west-2, eu-west-1; 1 MiB/s, 1,000 calls/s, 100,000
    records/s elsewhere), and the API reference's ServiceUnavailableException:
    "throughput limits for the Firehose stream may have been exceeded"."""

    def __init__(self, bytes_per_second: float, records_per_second: float = float("inf"), clock=time.monotonic) -> None:
        self.rates = (bytes_per_second, records_per_second)
        self.clock = clock
        self.tokens = list(self.rates)
        self.last = clock()

    def take(self, size: int) -> bool:
        """Whether a record of `size` bytes fits now (and if so, count it)."""
        now = self.clock()
        elapsed, self.last = now - self.last, now
        self.tokens = [min(rate, tokens + elapsed * rate) for rate, tokens in zip(self.rates, self.tokens)]
        if self.tokens[0] < size or self.tokens[1] < 1:
            return False
        self.tokens[0] -= size
        self.tokens[1] -= 1
        return True


@dataclass
class StreamStats:
    calls: int = 0
    records: int = 0
    bytes: int = 0
    events: int = 0
    billed_min5k: int = 0
    billed_rounded: int = 0
    refused: int = 0
    """Record attempts refused (any reason, whole failed calls included)."""
    over_quota: int = 0
    """Of those, records refused for being over the stream's quota."""
    first_at: float = 0.0
    last_at: float = 0.0
    """Wall-clock times of the first and last stored record."""


@dataclass
class Request:
    """What happened to one request (for tests to reason about duplicates)."""

    stream: str
    fault: str
    records: int
    stored: list[bytes] = field(default_factory=list)
    at: float = 0.0
    """Wall-clock time (time.time()) the request arrived."""


class LocalFirehose:
    """The endpoint. `keep=True` keeps every stored record (tests); the
    benchmark keeps counters only."""

    def __init__(
        self,
        streams: tuple[str, ...] = ("lab",),
        *,
        faults: FaultPlan | None = None,
        access_keys: tuple[str, ...] | None = None,
        keep: bool = True,
        port: int = 0,
        quota: Quota | None = None,
    ) -> None:
        self.streams = set(streams)
        self.faults = faults or FaultPlan()
        self.quota = quota
        """Applied to each stream alike (one bucket per stream)."""
        self._quotas: dict[str, Quota] = {}
        self.access_keys = None if access_keys is None else set(access_keys)
        self.keep = keep
        self.lock = threading.Lock()
        self.stored: dict[str, list[bytes]] = defaultdict(list)
        self.stats: dict[str, StreamStats] = defaultdict(StreamStats)
        self.requests: list[Request] = []
        self.posts = 0
        """Every POST, including those refused before any fault was drawn."""
        self.faults_met: Counter[str] = Counter()
        self.limit_violations: list[str] = []
        self._record_ids = 0
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.firehose = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalFirehose:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="local-firehose", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LocalFirehose:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def events(self, stream: str = "lab") -> list[bytes]:
        """Every event stored, in arrival order, split at newlines."""
        with self.lock:
            data = b"".join(self.stored[stream])
        return [line + b"\n" for line in data.split(b"\n")[:-1]]

    def lost_answer_events(self, stream: str = "lab") -> list[bytes]:
        """Events stored by requests whose answer the client could not read."""
        with self.lock:
            data = b"".join(b"".join(r.stored) for r in self.requests if r.fault in LOST_ANSWER and r.stream == stream)
        return [line + b"\n" for line in data.split(b"\n")[:-1]]

    # Request handling ------------------------------------------------------

    def handle(self, target: str, auth: str, body: bytes) -> tuple[int, bytes | None]:
        """Answer one request: (status, body), body None = drop the connection."""
        with self.lock:
            self.posts += 1
        operation = target.rpartition(".")[2]
        if operation not in ("PutRecordBatch", "PutRecord"):
            return _error(400, "UnknownOperationException", f"operation {operation} is not served here")
        key = _CREDENTIAL.search(auth)
        if self.access_keys is not None and (key is None or key.group(1) not in self.access_keys):
            return _error(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
        try:
            request = json.loads(body)
            stream = request["DeliveryStreamName"]
            entries = request["Records"] if operation == "PutRecordBatch" else [request["Record"]]
            records = [binascii.a2b_base64(entry["Data"]) for entry in entries]
        except (ValueError, KeyError, TypeError, binascii.Error) as err:
            return _error(400, "SerializationException", f"bad request body: {err}")
        if stream not in self.streams:
            return _error(400, "ResourceNotFoundException", f"Firehose {stream} under account 123456789012 not found.")
        violation = _limit_violation(records)
        if violation:
            with self.lock:
                self.limit_violations.append(violation)
            return _error(400, "InvalidArgumentException", violation)
        with self.lock:
            fault = self.faults.draw(len(self.requests))
            log = Request(stream, fault, len(records), at=time.time())
            self.requests.append(log)
            self.faults_met[fault] += 1
            if fault not in ("ok", "partial", "drop_after", "garbage"):
                self.stats[stream].refused += len(records)
        if fault == "throttle":
            return _error(400, "ServiceUnavailableException", "Slow down.")
        if fault == "error500":
            return _error(500, "InternalFailure", "We encountered an internal error. Please try again.")
        if fault == "error503":
            return 503, b"<html><body>503 Service Unavailable</body></html>"
        if fault == "drop":
            return 0, None
        if fault == "invalid":
            return _error(400, "InvalidArgumentException", "Records size exceeds the limit.")
        refused = set()
        if fault == "partial":  # at least one record refused, and one accepted if there are two
            with self.lock:
                rng = self.faults.rng
                refused = {i for i in range(len(records)) if rng.random() < self.faults.partial_share}
                if not refused:
                    refused.add(rng.randrange(len(records)))
                if len(refused) == len(records) > 1:
                    refused.discard(rng.randrange(len(records)))
        responses = []
        with self.lock:
            stats = self.stats[stream]
            stats.calls += 1
            rng = self.faults.rng
            quota = None
            if self.quota is not None:
                quota = self._quotas.setdefault(stream, Quota(*self.quota.rates, clock=self.quota.clock))
            for i, data in enumerate(records):
                code = None
                if i in refused:
                    code = "ServiceUnavailableException" if i % 2 else "InternalFailure"
                elif self.faults.record_failure and rng.random() < self.faults.record_failure:
                    code = "ServiceUnavailableException" if rng.random() < 0.5 else "InternalFailure"
                elif quota is not None and not quota.take(len(data)):
                    code = "ServiceUnavailableException"
                    stats.over_quota += 1
                if code is not None:
                    stats.refused += 1
                    responses.append(f'{{"ErrorCode":"{code}","ErrorMessage":"Slow down."}}')
                    continue
                self._record_ids += 1
                responses.append(f'{{"RecordId":"{self._record_ids:056d}"}}')
                size = len(data)
                stats.records += 1
                stats.bytes += size
                stats.events += data.count(b"\n")
                stats.billed_min5k += max(size, BILLING_UNIT)
                stats.billed_rounded += -(-max(size, 1) // BILLING_UNIT) * BILLING_UNIT
                stats.last_at = log.at
                stats.first_at = stats.first_at or log.at
                if self.keep:
                    self.stored[stream].append(data)
                    log.stored.append(data)
        if fault == "drop_after":
            return 200, None
        if fault == "garbage":
            return 200, b"<html>proxy error</html>"
        failed = sum('"ErrorCode"' in response for response in responses)
        if operation == "PutRecord":
            if failed:
                return _error(400, "ServiceUnavailableException", "Slow down.")
            return 200, (responses[0][:-1] + ',"Encrypted":false}').encode()
        answer = f'{{"FailedPutCount":{failed},"Encrypted":false,"RequestResponses":[{",".join(responses)}]}}'
        return 200, answer.encode()

    def stats_json(self) -> bytes:
        with self.lock:
            return json.dumps({name: vars(s) for name, s in self.stats.items()}).encode()


def _limit_violation(records: list[bytes]) -> str | None:
    if not records or len(records) > MAX_BATCH_RECORDS:
        return f"{len(records)} records in one call (1 to {MAX_BATCH_RECORDS} allowed)"
    total = sum(map(len, records))
    if total > MAX_BATCH_BYTES:
        return f"{total} bytes in one call (at most {MAX_BATCH_BYTES})"
    largest = max(map(len, records))
    if largest > MAX_RECORD_BYTES:
        return f"a record of {largest} bytes (at most {MAX_RECORD_BYTES})"
    return None


def _error(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"__type": code, "message": message}).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    firehose: LocalFirehose


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # headers and body leave in one segment (no Nagle/delayed-ACK stall)
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(200, self.server.firehose.stats_json(), "application/json")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, answer = self.server.firehose.handle(
            self.headers.get("X-Amz-Target", ""), self.headers.get("Authorization", ""), body
        )
        if answer is None:
            self.close_connection = True
            return
        self._answer(status, answer, "application/x-amz-json-1.1")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", action="append", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--quota-mib-per-second", type=float, help="each stream's throughput quota")
    parser.add_argument("--record-failure", type=float, default=0.0, help="probability a record is refused")
    parser.add_argument("--throttle", type=float, default=0.0, help="probability a call is throttled whole")
    parser.add_argument("--error500", type=float, default=0.0, help="probability a call answers 500")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    faults = FaultPlan(
        mix=(("throttle", args.throttle), ("error500", args.error500)),
        record_failure=args.record_failure,
        seed=args.seed,
    )
    quota = None if args.quota_mib_per_second is None else Quota(args.quota_mib_per_second * 2**20)
    server = LocalFirehose(tuple(args.stream), faults=faults, quota=quota, keep=False, port=args.port)
    print(server.port, flush=True)
    server._server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
