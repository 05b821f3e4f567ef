"""The queryable half of the lab as a small stack for the emulator: the lab's bucket, Glue database and table, Athena
workgroup and saved queries exactly as synthesized (no stream, instance or VPC), with the outputs labctl reads."""

from __future__ import annotations

import json

QUERY_TYPES = ("AWS::Glue::Database", "AWS::Glue::Table", "AWS::Athena::WorkGroup", "AWS::Athena::NamedQuery")
OUTPUTS = ("AthenaWorkgroup", "EventsTable")


def stack_template(template, bucket: str) -> str:
    """`template` is the synthesized lab (aws_cdk.assertions.Template); its bucket gets the fixed name `bucket`."""
    resources = template.to_json()["Resources"]
    (table,) = [r for r in resources.values() if r["Type"] == "AWS::Glue::Table"]
    location = table["Properties"]["TableInput"]["StorageDescriptor"]["Location"]["Fn::Join"][1]
    bucket_id = next(part["Ref"] for part in location if isinstance(part, dict))
    kept = {k: r for k, r in resources.items() if r["Type"] in QUERY_TYPES}
    kept[bucket_id] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}}
    lab_outputs = template.to_json()["Outputs"]
    outputs = {name: lab_outputs[name] for name in OUTPUTS}
    outputs.update(
        {
            "BucketName": {"Value": {"Ref": bucket_id}},
            "DeliveryStreamName": {"Value": "no-stream-in-this-stack"},
            "DataPrefix": {"Value": f"s3://{bucket}/data/"},
        }
    )
    return json.dumps({"Resources": kept, "Outputs": outputs})
