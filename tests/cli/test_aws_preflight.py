"""`make deploy`/`make destroy` without AWS credentials stop with one line saying what to set."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request

import boto3
import pytest
from moto import mock_aws

from lab_stack.names import DATABASE_OWNER_PARAMETER
from labctl.preflight import is_bootstrapped
from labctl.toolkit import ROOT


def run_preflight(tmp_path, *args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        **env_overrides,
    )
    return subprocess.run(
        [sys.executable, "-m", "labctl", "preflight", "--bootstrap", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_credentials_gives_one_line_and_exit_2(tmp_path):
    result = run_preflight(tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("firehose-lab: no AWS credentials found: set AWS_PROFILE")


def test_no_region_gives_one_line_and_exit_2(tmp_path):
    result = run_preflight(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("firehose-lab: no AWS region set")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def cloudformation(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield boto3.client("cloudformation", region_name="us-east-1")


def test_an_account_without_the_cdk_toolkit_stack_needs_bootstrap(cloudformation):
    assert is_bootstrapped(cloudformation) is False


def test_an_account_with_the_cdk_toolkit_stack_is_bootstrapped(cloudformation):
    cloudformation.create_stack(
        StackName="CDKToolkit",
        TemplateBody='{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}',
    )
    assert is_bootstrapped(cloudformation) is True


def test_aws_region_is_honoured_like_the_cdk_cli_does(tmp_path):
    """boto3 alone ignores AWS_REGION; without it preflight would claim no region is set."""
    result = run_preflight(
        tmp_path,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="eu-west-1",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
    )
    assert "no AWS region set" not in result.stderr
    assert result.returncode == 2 and "could not reach AWS to check the credentials" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def aws_server(tmp_path):
    """A moto server standing in for an account that is bootstrapped and already has lab Lab-A's Glue database."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))  # moto is per process
    clients = dict(
        region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    boto3.client("cloudformation", **clients).create_stack(
        StackName="CDKToolkit", TemplateBody='{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}'
    )
    boto3.client("glue", **clients).create_database(
        DatabaseInput={"Name": "lab_a", "Parameters": {DATABASE_OWNER_PARAMETER: "Lab-A"}}
    )
    yield dict(
        AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1"
    )
    server.stop()


def test_a_lab_name_that_differs_only_in_case_from_another_lab_is_refused_before_deploy(tmp_path, aws_server):
    result = run_preflight(tmp_path, "-c", "labName=lab-a", **aws_server)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "firehose-lab: using account 123456789012, region us-east-1"
    assert lines[1:] == [
        "firehose-lab: invalid labName='lab-a': its Glue database 'lab_a' already belongs to lab 'Lab-A' in this "
        "account and region (Glue names are lowercase, so lab names that differ only in case share one); "
        "choose another labName"
    ]


def test_the_same_lab_deployed_again_keeps_its_own_database(tmp_path, aws_server):
    result = run_preflight(tmp_path, "-c", "labName=Lab-A", **aws_server)
    assert result.returncode == 0, result.stderr
