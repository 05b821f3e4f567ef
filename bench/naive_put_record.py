"""The original lab's way, as the benchmark's baseline: one put_record call per event.

(The original `write-to-kinesis-firehose.py` also sent no delimiter and checked
nothing; this one keeps each line's newline so the byte counts compare.)
"""

import argparse

import boto3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--input", required=True)
    parser.add_argument("--count", type=int, required=True, help="events to send, from the top of --input")
    args = parser.parse_args()
    client = boto3.client("firehose", region_name=args.region)
    with open(args.input, "rb") as lines:
        for number, line in enumerate(lines):
            if number == args.count:
                break
            client.put_record(DeliveryStreamName=args.stream, Record={"Data": line})


if __name__ == "__main__":
    main()
