"""The fast PutRecordBatch path: same wire format as botocore's, and it leaves
the client usable for everything else."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from producer.firehose import make_client, put_record_batch
from producer.sender import send_events
from support.producer.local_firehose import FaultPlan, LocalFirehose


def local_client(server: LocalFirehose):
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return make_client("us-east-1", session=session, endpoint_url=server.url)


def test_records_arrive_as_sent_and_refusals_are_reported_by_index():
    records = [b"plain\n", b'{"json": "\\u00e9 \\"q\\""}\n', bytes(range(256)) + b"\n"]
    with LocalFirehose(faults=FaultPlan(script=("ok", "partial"), partial_share=1.0)) as server:
        client = local_client(server)
        assert put_record_batch(client, "lab", records) == []
        refused = put_record_batch(client, "lab", [b"x\n", b"y\n"])
        assert server.stored["lab"][:3] == records
    assert len(refused) == 1
    ((index, code, message),) = refused
    assert index in (0, 1) and code in ("ServiceUnavailableException", "InternalFailure")
    assert message == "Slow down."


def test_an_unreadable_answer_is_not_taken_for_success():
    with LocalFirehose(faults=FaultPlan(script=("garbage",))) as server:
        assert put_record_batch(local_client(server), "lab", [b"a\n"]) is None


def test_the_client_still_works_for_other_calls():
    with LocalFirehose() as server:
        client = local_client(server)
        put_record_batch(client, "lab", [b"batch\n"])
        answer = client.put_record(DeliveryStreamName="lab", Record={"Data": b"single\n"})
        assert answer["RecordId"]
        # botocore's own PutRecordBatch (with its own body) is untouched too.
        answer = client.put_record_batch(DeliveryStreamName="lab", Records=[{"Data": b"botocore\n"}])
        assert answer["FailedPutCount"] == 0 and len(answer["RequestResponses"]) == 1
        assert server.events() == [b"batch\n", b"single\n", b"botocore\n"]


def test_works_with_a_stubber_wrapped_client():
    client = boto3.client("firehose", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    with Stubber(client) as stub:
        stub.add_response(
            "put_record_batch",
            {
                "FailedPutCount": 1,
                "RequestResponses": [{"RecordId": "r1"}, {"ErrorCode": "InternalFailure", "ErrorMessage": "oops"}],
            },
        )
        stub.add_response("put_record_batch", {"FailedPutCount": 0, "RequestResponses": [{"RecordId": "r2"}]})
        result = send_events(client, "lab", [b"a\n", b"b\n"], aggregate=False, senders=1)
        stub.assert_no_pending_responses()
    assert result.ok and result.events_sent == 2 and result.retries == 1 and result.calls == 2
    assert result.errors == {"InternalFailure": 1}


def test_make_client_turns_botocores_retries_off():
    client = make_client("eu-west-1", connections=7)
    config = client.meta.config
    assert config.retries["total_max_attempts"] == 1
    assert config.max_pool_connections == 7
    assert client.meta.region_name == "eu-west-1"
    assert config.user_agent_extra == "firehose-lab-producer"
