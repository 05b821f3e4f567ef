"""The producer as a service on the lab instance: the one contract the stack writes and the rehearsal runs.

The stack's user-data (lab_stack/producer_host.py) runs `boot_commands`: install this package's locked wheels in a
venv, offline (wheelhouse.py), and start it as a systemd unit. The rehearsal runs the same user-data in a sandbox
and reads back what the unit leaves in its state directory. A test parses `exec_start` with the producer's own
argument parser, so the flags written here are flags the producer accepts.

No CDK and no boto3 here: the stack passes CloudFormation tokens (the stream name, the region) as plain strings.
"""

from __future__ import annotations

from producer import wheelhouse

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

# Run by the unit's ExecStopPost (as root) after every end of the service: powers the instance off when the run
# ended by itself (stopWhenDone). Lives outside CODE_DIR, which a re-run of the user-data replaces.
STOP_WHEN_DONE_PATH = f"{INSTALL_DIR}/stop-when-done"

# AL2023's own python3 is 3.9; the producer targets the 3.11 package that AL2023 also ships.
INSTANCE_PYTHON = "python3.11"

# systemd stops the service this long after the producer's own deadline, whatever happens inside it.
RUNTIME_MARGIN_SECONDS = 120
# systemd's wait between SIGTERM and SIGKILL: the producer sends what it holds within its --shutdown-seconds (20).
TIMEOUT_STOP_SECONDS = 60


def exec_start_args(
    *, stream: str, region: str, rate: int, duration_seconds: int, buffer_seconds: int, packed: bool = True
) -> list[str]:
    """The producer's command line on the instance. `buffer_seconds` is the stream's buffer interval: the producer
    lets small records fill their 5 KB billing granule for a share of it; `packed=False`: one event per record."""
    return [
        f"{VENV_DIR}/bin/python",
        "-m",
        "producer",
        "--stream",
        stream,
        "--region",
        region,
        "--rate",
        str(rate),
        "--duration",
        str(duration_seconds),
        "--stream-buffer-seconds",
        str(buffer_seconds),
        "--dead-letter",
        DEAD_LETTER_PATH,
        "--stats-json",
        STATS_PATH,
        *([] if packed else ["--no-aggregate"]),
    ]


def install_args() -> list[str]:
    """The producer's dependencies into its venv, from the wheels its asset carries: no package index, every file
    checked against the lock's hashes (wheelhouse.py), nothing built or resolved on the instance."""
    return [
        f"{VENV_DIR}/bin/pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-cache-dir",
        "--no-index",
        "--find-links",
        f"{CODE_DIR}/{wheelhouse.WHEELS_NAME}",
        "--require-hashes",
        "--only-binary",
        ":all:",
        "--no-deps",
        "-r",
        f"{CODE_DIR}/{wheelhouse.LOCK_NAME}",
    ]


def stop_when_done_script() -> str:
    """ExecStopPost's script: power off when the run ended by itself, stay up when someone stopped the service.

    systemd (252 on AL2023) runs ExecStopPost after every end of the service and keeps a stop/restart job on the
    unit while it is being stopped on request (`systemctl stop`/`restart`, a shutdown); a run that ended by itself
    (the producer's --duration, RuntimeMaxSec, a fatal error) has none. OnSuccess=/SuccessAction= cannot tell the
    two apart: they also fire on `systemctl stop` and `restart`. EC2 turns the power-off into a *stopped* instance
    (InstanceInitiatedShutdownBehavior=stop); starting it again runs the producer again.
    """
    return "\n".join(
        [
            "#!/bin/sh",
            f"# firehose-lab: ExecStopPost of {UNIT_NAME}; see producer/service.py",
            f'if [ -n "$(systemctl show --property=Job --value {UNIT_NAME})" ]; then',
            f'  echo "firehose-lab: {UNIT_NAME} stopped on request ($SERVICE_RESULT): the instance stays up"',
            "  exit 0",
            "fi",
            'echo "firehose-lab: producer run over ($SERVICE_RESULT, $EXIT_CODE $EXIT_STATUS): powering off, '
            'the instance stops (start it again to run the producer again)"',
            "exec systemctl poweroff --no-block",
        ]
    )


def unit_text(
    *,
    stream: str,
    region: str,
    rate: int,
    duration_seconds: int,
    buffer_seconds: int,
    stop_when_done: bool,
    packed: bool = True,
) -> str:
    """The systemd unit: an unprivileged, bounded run of the producer, started at boot; with `stop_when_done`
    its end powers the instance off unless someone stopped it on purpose (see stop_when_done_script)."""
    exec_start = " ".join(
        exec_start_args(
            stream=stream,
            region=region,
            rate=rate,
            duration_seconds=duration_seconds,
            buffer_seconds=buffer_seconds,
            packed=packed,
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
        # `+`: with full privileges, not as the DynamicUser (powering off needs root).
        *([f"ExecStopPost=+{STOP_WHEN_DONE_PATH}"] if stop_when_done else []),
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]
    return "\n".join(lines)


def boot_commands(
    *,
    archive: str,
    stream: str,
    region: str,
    rate: int,
    duration_seconds: int,
    buffer_seconds: int,
    stop_when_done: bool,
    packed: bool = True,
) -> list[str]:
    """Shell lines after the asset download to `archive`: install the producer in a venv, write the unit (and its
    stop-when-done script), start it."""
    unit = unit_text(
        stream=stream,
        region=region,
        rate=rate,
        duration_seconds=duration_seconds,
        buffer_seconds=buffer_seconds,
        stop_when_done=stop_when_done,
        packed=packed,
    )
    stop_script = [
        f"cat > {STOP_WHEN_DONE_PATH} <<'SCRIPT'",
        *stop_when_done_script().split("\n"),
        "SCRIPT",
        f"chmod 755 {STOP_WHEN_DONE_PATH}",
    ]
    return [
        f"dnf install -y {INSTANCE_PYTHON} {INSTANCE_PYTHON}-pip",
        f"rm -rf {CODE_DIR} {VENV_DIR}",
        f"{INSTANCE_PYTHON} -m zipfile -e {archive} {CODE_DIR}",
        f"{INSTANCE_PYTHON} -m venv {VENV_DIR}",
        " ".join(install_args()),
        *(stop_script if stop_when_done else []),
        f"cat > {UNIT_PATH} <<'UNIT'",
        *unit.split("\n"),
        "UNIT",
        "systemctl daemon-reload",
        f"systemctl enable --now {UNIT_NAME}",
    ]
