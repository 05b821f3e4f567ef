"""The firehose-lab producer: sends events to an Amazon Data Firehose stream
without losing any, batched to the service limits, packed to cut the bill.

Runtime code only (boto3 + the standard library). Library use (kept out of
this file so that `python -m producer` answers usage errors before boto3 loads)::

    from producer.deadletter import DeadLetter
    from producer.firehose import make_client
    from producer.sender import send_events

    result = send_events(make_client("us-east-1"), "my-stream", [b'{"a": 1}'],
                         dead_letter=DeadLetter("undelivered.jsonl"))
    assert result.ok
"""
