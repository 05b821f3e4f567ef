"""The boto3 session for the student's side (deploy checks, verify, status, query, watch).

boto3 reads AWS_DEFAULT_REGION and profiles but not AWS_REGION, which the CDK CLI and README use: without this,
`AWS_REGION=eu-west-1 make deploy verify` would deploy to eu-west-1 and verify nowhere.

An endpoint that answers with a web page (a wrong AWS_ENDPOINT_URL, an emulator that does not route the call) is
no AWS answer: botocore would show the page's HTML as an error message, or fail to parse it with a traceback, so
the session refuses it first, naming the status and the operation (NotAnAwsAnswer).
"""

from __future__ import annotations

import os
from typing import Any

import boto3

from labctl.i18n import _
from producer import aws_settings


class NotAnAwsAnswer(Exception):
    """An endpoint answered a call with a web page; str() is one line: the endpoint, the HTTP status, the call."""

    def __init__(self, status: int, operation: str) -> None:
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or _("the AWS endpoint")
        super().__init__(
            _("{endpoint} answered HTTP {status} to {operation} with a web page, not an AWS answer").format(
                endpoint=endpoint, status=status, operation=operation
            )
        )


def _refuse_web_pages(operation_model: Any, response_dict: dict, **_: Any) -> None:
    body = response_dict.get("body")
    if not isinstance(body, bytes):
        return  # a streamed payload (an S3 object's own bytes): whatever it holds is the object, not the answer
    # By the body, not Content-Type: moto's server labels its JSON answers text/html.
    if body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        raise NotAnAwsAnswer(response_dict["status_code"], operation_model.name)


class BadAwsSetting(ValueError):
    """An AWS SDK setting in the environment boto3 cannot use; str() is the one line (producer/aws_settings.py)."""


def student_session() -> boto3.session.Session:
    bad_setting = aws_settings.problem()
    if bad_setting:
        raise BadAwsSetting(bad_setting)
    region = os.environ.get("AWS_REGION")
    session = boto3.session.Session(region_name=region) if region else boto3.session.Session()
    session.events.register("before-parse", _refuse_web_pages)
    return session
