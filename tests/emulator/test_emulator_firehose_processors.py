"""Firehose processors run as AWS documents them: the delimiter is appended, sub-records split, a Lambda (Python or
Node, in a subprocess) transforms, drops or fails records; failures land under processing-failed/."""

import base64
import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import ACCOUNT_ID, Emulator
from support.emulator.firehose import error_documents, make_stream, objects, processors, put, wait_for

LAMBDA_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/lambda"
ERRORS = "errors/!{firehose:error-output-type}/"

PYTHON_HANDLER = """
import base64

def handler(event, context):
    out = []
    for record in event["records"]:
        data = base64.b64decode(record["data"])
        if data.startswith(b"drop"):
            out.append({"recordId": record["recordId"], "result": "Dropped"})
        elif data.startswith(b"bad"):
            out.append({"recordId": record["recordId"], "result": "ProcessingFailed", "data": record["data"]})
        else:
            upper = base64.b64encode(data.upper() + b"\\n").decode()
            out.append({"recordId": record["recordId"], "result": "Ok", "data": upper})
    return {"records": out}
"""
NODE_HANDLER = """
exports.handler = async (event) => ({
  records: event.records.map((r) => ({
    recordId: r.recordId, result: 'Ok',
    data: Buffer.from(Buffer.from(r.data, 'base64').toString().split('').reverse().join('') + '\\n').toString('base64'),
  })),
});
"""


def zipped(name, source):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(name, source)
    return archive.getvalue()


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        emulator.client("iam").create_role(
            RoleName="lambda",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ],
                }
            ),
        )
        lam = emulator.client("lambda")
        for name, runtime, handler, source in (
            ("upper", "python3.12", "app.handler", ("app.py", PYTHON_HANDLER)),
            ("reverse", "nodejs24.x", "index.handler", ("index.js", NODE_HANDLER)),
            (
                "broken",
                "python3.12",
                "app.handler",
                ("app.py", "def handler(event, context):\n    raise ValueError('boom')\n"),
            ),
            ("java", "java21", "Handler::handleRequest", ("Handler.class", "")),
        ):
            lam.create_function(
                FunctionName=name, Runtime=runtime, Role=LAMBDA_ROLE, Handler=handler, Code={"ZipFile": zipped(*source)}
            )
        yield emulator


def arn(name):
    return f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{name}"


def test_append_delimiter_puts_each_record_on_its_own_line(emu):
    make_stream(emu, "lines", ProcessingConfiguration=processors(("AppendDelimiterToRecord", {})))
    put(emu, "lines", b'{"a":1}', b'{"a":2}')
    assert list(wait_for(emu, "lines-bucket").values()) == [b'{"a":1}\n{"a":2}\n']


def test_delimited_deaggregation_splits_records(emu):
    make_stream(
        emu,
        "split",
        ProcessingConfiguration=processors(
            ("RecordDeAggregation", {"SubRecordType": "DELIMITED", "Delimiter": base64.b64encode(b"##").decode()}),
            ("AppendDelimiterToRecord", {}),
        ),
    )
    put(emu, "split", b"one##two##three")
    assert list(wait_for(emu, "split-bucket").values()) == [b"one\ntwo\nthree\n"]


def test_a_python_lambda_transforms_drops_and_fails_records(emu):
    make_stream(
        emu,
        "python",
        ErrorOutputPrefix=ERRORS,
        ProcessingConfiguration=processors(("Lambda", {"LambdaArn": arn("upper")})),
    )
    put(emu, "python", b"hello", b"drop me", b"bad one", b"world")
    landed = wait_for(emu, "python-bucket", count=2)
    [data] = [body for key, body in landed.items() if not key.startswith("errors/")]
    assert data == b"HELLO\nWORLD\n"
    [failed] = [body for key, body in landed.items() if key.startswith("errors/processing-failed/")]
    [document] = error_documents(failed)
    assert (document["errorCode"], base64.b64decode(document["rawData"]), document["lambdaArn"]) == (
        "Lambda.ProcessingFailedStatus",
        b"bad one",
        arn("upper"),
    )


def test_a_node_lambda_runs_too(emu):
    make_stream(emu, "node", ProcessingConfiguration=processors(("Lambda", {"LambdaArn": arn("reverse")})))
    put(emu, "node", b"abc", b"xyz")
    assert list(wait_for(emu, "node-bucket").values()) == [b"cba\nzyx\n"]


def test_a_failing_lambda_is_retried_then_its_records_go_to_processing_failed(emu):
    make_stream(
        emu,
        "broken",
        ErrorOutputPrefix=ERRORS,
        ProcessingConfiguration=processors(("Lambda", {"LambdaArn": arn("broken"), "NumberOfRetries": "1"})),
    )
    put(emu, "broken", b"kept")
    [(key, body)] = wait_for(emu, "broken-bucket").items()
    assert key.startswith("errors/processing-failed/")
    [document] = error_documents(body)
    assert document["attemptsMade"] == 2 and "boom" in document["errorMessage"]
    assert base64.b64decode(document["rawData"]) == b"kept"


@pytest.mark.parametrize(
    "processor,named",
    [
        (("Lambda", {"LambdaArn": arn("java")}), "runtime java21"),
        (("Decompression", {"CompressionFormat": "GZIP"}), "processor Decompression"),
        (
            ("MetadataExtraction", {"MetadataExtractionQuery": "{a: .a", "JsonParsingEngine": "JQ-1.6"}),
            "does not compile",
        ),
        (("AppendDelimiterToRecord", {"Delimiter": "Iw=="}), "parameter Delimiter"),
    ],
)
def test_processors_the_emulator_cannot_run_as_aws_does_are_refused(emu, processor, named):
    with pytest.raises(ClientError, match="InvalidArgumentException") as refused:
        make_stream(emu, "refused", ProcessingConfiguration=processors(processor))
    assert named in str(refused.value)
    assert objects(emu, "refused-bucket") == {}
