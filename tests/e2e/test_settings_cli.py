"""Settings tried as a newcomer would, through the real CDK CLI: one clear line and a non-zero exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from labctl.toolkit import CDK_CLI, ROOT

# The only other line the CLI adds when the app exits non-zero.
CLI_SUMMARY = re.compile(r"^.*app\.py: Subprocess exited with error \d+$")

BAD_SETTINGS = {
    # the original lab's bucket name: uppercase is not a valid S3 bucket name
    "bucketName=aws-firehose-KSCC01": ("bucketName", "uppercase letters are not allowed"),
    "bufferSizeMiB=0": ("bufferSizeMiB", "from 1 to 128"),
    "bufferIntervalSeconds=901": ("bufferIntervalSeconds", "from 0 to 900"),
    "compression=zip": ("compression", "one of none, gzip"),
    "labName=1lab": ("labName", "must start with a letter"),
    "instanceType=micro": ("instanceType", "such as t3.micro"),
    "producerRatePerSecond=-5": ("producerRatePerSecond", "from 1 to 10000"),
    "producerMinutes=abc": ("producerMinutes", "whole number of minutes"),
    "dataRetentionDays=0": ("dataRetentionDays", "from 1 to 3650"),
    "bufersize=3": ("bufersize", "did you mean bufferSizeMiB?"),
    "format=csv": ("format", "one of json, parquet"),
    "bufferSizeMiB=big": ("bufferSizeMiB", "must be auto or a whole number of MiB"),
    "expiresAfterHours=0.5": ("expiresAfterHours", "from 1 to 168, or 0 for a lab that never expires"),
    "expiresAfterHours=tomorrow": ("expiresAfterHours", "from 1 to 168, or 0 for a lab that never expires"),
    "stopWhenDone=maybe": ("stopWhenDone", "must be true or false"),
    # Several settings to one run, space-separated: each becomes its own `-c`.
    "format=parquet bufferSizeMiB=1": (
        "bufferSizeMiB",
        "format=parquet needs at least 64 MiB (the service's minimum with record format conversion); "
        "use -c bufferSizeMiB=64",
    ),
    "format=parquet compression=gzip": ("compression", "leave compression at none"),
    # Names an account already uses: the shared CDK bootstrap stack, Athena's built-in workgroup.
    "labName=CDKToolkit": ("labName", "the CDK bootstrap stack's name"),
    "labName=primary": ("labName", "Athena's built-in workgroup"),
    # Each used to end in a 50-line jsii traceback from CDK's own checks.
    "instanceType=x.y": ("instanceType", "such as t3.micro"),
    "instanceType=t.micro": ("instanceType", "such as t3.micro"),
    "bucketName=a-.b": ("bucketName", "a dot next to a hyphen"),
    "partitionBy=exchange": ("partitionBy", "one of none, ticker"),
    "partitionBy=ticker bufferIntervalSeconds=30": (
        "bufferIntervalSeconds",
        "partitionBy=ticker needs at least 60 seconds (the service's minimum with dynamic partitioning)",
    ),
}
# Not here: a control character. The CLI itself cuts a `-c` value at a newline (its parser), so the app never sees
# one; the commands that read `-c` themselves refuse it (tests/cli/test_labctl.py, tests/e2e/test_rehearsal.py).


def offline_env(tmp_path):
    """No credentials, no metadata service, the venv's Node first: what a newcomer without AWS has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{env['PATH']}",
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_EC2_METADATA_DISABLED="true",
        CDK_HOME=str(tmp_path / "cdk-home"),
    )
    return env


def cdk_synth(setting, out_dir, env):
    args = [str(CDK_CLI), "synth", "--quiet", "--output", str(out_dir)]
    for one in (setting or "").split(" "):
        if one:
            args += ["-c", one]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


# Settings that must synthesize: real instance types CDK's own parser misses, and a key given twice (the CLI keeps
# the last, as verify and the rehearsal do).
GOOD_SETTINGS = ("instanceType=u-6tb1.metal", "labName=LabOne labName=LabTwo")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every CLI run of this module, two at a time (each costs a jsii start-up)."""
    base = tmp_path_factory.mktemp("cli")
    env = offline_env(base)
    settings = [None, *BAD_SETTINGS, *GOOD_SETTINGS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda s: cdk_synth(s, base / f"out-{settings.index(s)}", env), settings)
        return dict(zip(settings, results)), base


@pytest.mark.parametrize("setting", BAD_SETTINGS)
def test_a_bad_setting_stops_synth_with_one_clear_line(runs, setting):
    result = runs[0][setting]
    key, allowed = BAD_SETTINGS[setting]
    value = dict(one.split("=", 1) for one in setting.split(" "))[key]
    lines = [line for line in result.stderr.splitlines() if line.strip() and "npm warn" not in line]
    ours = [line for line in lines if line.startswith("firehose-lab: ")]
    assert result.returncode != 0
    assert len(ours) == 1, result.stderr
    assert key in ours[0] and value in ours[0] and allowed in ours[0]
    assert [line for line in lines if line not in ours and not CLI_SUMMARY.match(line)] == [], result.stderr
    assert "Traceback" not in result.stderr and "jsii" not in result.stderr


def test_a_bad_setting_leaves_no_template_behind(runs):
    results, base = runs
    index = [None, *BAD_SETTINGS].index("bufferSizeMiB=0")
    assert not list((base / f"out-{index}").glob("*.template.json"))


def test_default_synth_works_offline_without_credentials_or_banner(runs):
    results, base = runs
    result = results[None]
    assert result.returncode == 0, result.stderr
    assert (base / "out-0" / "FirehoseLab.template.json").is_file()
    assert "end-of-life" not in result.stderr + result.stdout


def test_a_real_instance_type_cdk_cannot_parse_still_synthesizes(runs):
    results, base = runs
    result = results["instanceType=u-6tb1.metal"]
    assert result.returncode == 0, result.stderr
    index = [None, *BAD_SETTINGS, *GOOD_SETTINGS].index("instanceType=u-6tb1.metal")
    template = (base / f"out-{index}" / "FirehoseLab.template.json").read_text()
    assert '"InstanceType": "u-6tb1.metal"' in template
    assert "al2023-ami-kernel-6.1-x86_64" in template


def test_a_repeated_key_takes_the_last_value_as_verify_and_the_rehearsal_do(runs):
    from labctl.toolkit import lab_config

    results, base = runs
    setting = "labName=LabOne labName=LabTwo"
    assert results[setting].returncode == 0, results[setting].stderr
    index = [None, *BAD_SETTINGS, *GOOD_SETTINGS].index(setting)
    assert [p.name for p in (base / f"out-{index}").glob("*.template.json")] == ["LabTwo.template.json"]
    assert lab_config(setting.split(" ")).lab_name == "LabTwo"
