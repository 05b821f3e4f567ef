"""The boto3 session for the student's side (deploy checks, verify), with the region the CDK CLI would use.

boto3 reads AWS_DEFAULT_REGION and profiles but not AWS_REGION, which the CDK CLI and README use: without this,
`AWS_REGION=eu-west-1 make deploy verify` would deploy to eu-west-1 and verify nowhere.
"""

from __future__ import annotations

import os

import boto3


def student_session() -> boto3.session.Session:
    region = os.environ.get("AWS_REGION")
    return boto3.session.Session(region_name=region) if region else boto3.session.Session()
