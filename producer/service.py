"""The producer as a service on the lab instance: the one contract the stack writes and the rehearsal runs.

The stack's user-data (lab_stack/producer_host.py) runs `boot_commands`: install this package in a venv and start
it as a systemd unit. The rehearsal runs the same user-data in a sandbox and reads back what the unit leaves in
its state directory. A test parses `exec_start` with the producer's own argument parser, so the flags written
here are flags the producer accepts.

No CDK and no boto3 here: the stack passes CloudFormation tokens (the stream name, the region) as plain strings.
"""

from __future__ import annotations

SERVICE_NAME = "firehose-producer"
UNIT_NAME = f"{SERVICE_NAME}.service"
UNIT_PATH = f"/etc/systemd/system/{UNIT_NAME}"

INSTALL_DIR = "/opt/firehose-lab"
CODE_DIR = f"{INSTALL_DIR}/producer"
VENV_DIR = f"{INSTALL_DIR}/venv"
ARCHIVE_PATH = f"{INSTALL_DIR}/producer.zip"

# systemd's StateDirectory= (under /var/lib), writable by the unit's DynamicUser.
STATE_DIRECTORY = "firehose-lab"
STATE_DIR = f"/var/lib/{STATE_DIRECTORY}"
DEAD_LETTER_PATH = f"{STATE_DIR}/dead-letter.jsonl"
STATS_PATH = f"{STATE_DIR}/stats.json"

# AL2023's own python3 is 3.9; the producer targets the 3.11 package that AL2023 also ships.
INSTANCE_PYTHON = "python3.11"

# systemd stops the service this long after the producer's own deadline, whatever happens inside it.
RUNTIME_MARGIN_SECONDS = 120
# systemd's wait between SIGTERM and SIGKILL: the producer sends what it holds within its --shutdown-seconds (20).
TIMEOUT_STOP_SECONDS = 60


def exec_start_args(*, stream: str, region: str, rate: int, duration_seconds: int, buffer_seconds: int) -> list[str]:
    """The producer's command line on the instance. `buffer_seconds` is the stream's buffer
    interval: the producer lets small records fill their 5 KB billing granule for a share of it."""
    return [
        f"{VENV_DIR}/bin/python", "-m", "producer",
        "--stream", stream,
        "--region", region,
        "--rate", str(rate),
        "--duration", str(duration_seconds),
        "--stream-buffer-seconds", str(buffer_seconds),
        "--dead-letter", DEAD_LETTER_PATH,
        "--stats-json", STATS_PATH,
    ]


def unit_text(*, stream: str, region: str, rate: int, duration_seconds: int, buffer_seconds: int) -> str:
    """The systemd unit: an unprivileged, bounded run of the producer, started at boot."""
    exec_start = " ".join(
        exec_start_args(
            stream=stream, region=region, rate=rate, duration_seconds=duration_seconds, buffer_seconds=buffer_seconds
        )
    )
    lines = [
        "[Unit]",
        f"Description=firehose-lab producer: sample events to Firehose stream {stream}",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        f"WorkingDirectory={INSTALL_DIR}",
        f"ExecStart={exec_start}",
        "DynamicUser=yes",
        f"StateDirectory={STATE_DIRECTORY}",
        "Restart=no",
        f"RuntimeMaxSec={duration_seconds + RUNTIME_MARGIN_SECONDS}",
        f"TimeoutStopSec={TIMEOUT_STOP_SECONDS}",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]
    return "\n".join(lines)


def boot_commands(
    *, archive: str, stream: str, region: str, rate: int, duration_seconds: int, buffer_seconds: int
) -> list[str]:
    """Shell lines after the asset download to `archive`: install the producer in a venv, write the unit, start it."""
    unit = unit_text(
        stream=stream, region=region, rate=rate, duration_seconds=duration_seconds, buffer_seconds=buffer_seconds
    )
    return [
        f"dnf install -y {INSTANCE_PYTHON} {INSTANCE_PYTHON}-pip",
        f"rm -rf {CODE_DIR} {VENV_DIR}",
        f"{INSTANCE_PYTHON} -m zipfile -e {archive} {CODE_DIR}",
        f"{INSTANCE_PYTHON} -m venv {VENV_DIR}",
        f"{VENV_DIR}/bin/pip install --quiet --no-cache-dir -r {CODE_DIR}/requirements.txt",
        f"cat > {UNIT_PATH} <<'UNIT'",
        *unit.split("\n"),
        "UNIT",
        "systemctl daemon-reload",
        f"systemctl enable --now {UNIT_NAME}",
    ]
