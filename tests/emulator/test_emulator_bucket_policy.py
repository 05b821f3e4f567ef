"""AWS::S3::BucketPolicy is stored through S3, evaluated on object requests, and refused when it cannot be."""

import json
import re

import pytest
from botocore.exceptions import ClientError

from rehearsal.emulator import Emulator
from support.emulator.iam import allow, user

# The lab's bucket policy as CDK writes it: TLS only, plus the auto-delete provider's grant.
TLS_ONLY = {
    "Sid": "TlsOnly",
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "s3:*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
AUTO_DELETE_GRANT = {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:role/auto-delete"},
    "Action": ["s3:DeleteObject*", "s3:GetBucket*", "s3:List*", "s3:PutBucketPolicy"],
}
NO_READS = {"Sid": "NoReads", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject"}
FROM_ONE_ADDRESS = {
    "Sid": "OneAddress",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
}


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def policy(bucket, *statements):
    resources = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    return {"Version": "2012-10-17", "Statement": [{**s, "Resource": resources} for s in statements]}


def template(bucket, *statements, with_policy=True):
    resources = {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket}}}
    if with_policy:
        resources["Policy"] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": policy(bucket, *statements)},
        }
    return json.dumps({"Resources": resources})


def test_the_stack_stores_the_labs_policy_and_objects_still_flow_over_tls(emu):
    cfn, s3 = emu.client("cloudformation"), emu.client("s3")
    cfn.create_stack(StackName="policy-lab", TemplateBody=template("policy-lab", TLS_ONLY, AUTO_DELETE_GRANT))
    stored = json.loads(s3.get_bucket_policy(Bucket="policy-lab")["Policy"])
    assert stored == policy("policy-lab", TLS_ONLY, AUTO_DELETE_GRANT)
    s3.put_object(Bucket="policy-lab", Key="data/a.json", Body=b'{"a":1}\n')
    assert s3.get_object(Bucket="policy-lab", Key="data/a.json")["Body"].read() == b'{"a":1}\n'


def test_the_tls_only_policy_set_through_the_api_leaves_reads_allowed(emu):
    """moto alone counts the Bool condition as met and refuses every object request of the lab's bucket."""
    s3 = emu.client("s3")
    s3.create_bucket(Bucket="policy-api")
    s3.put_object(Bucket="policy-api", Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket="policy-api", Policy=json.dumps(policy("policy-api", TLS_ONLY)))
    assert s3.get_object(Bucket="policy-api", Key="k")["Body"].read() == b"x"


def test_a_deny_for_everyone_is_enforced(emu):
    cfn, s3 = emu.client("cloudformation"), emu.client("s3")
    cfn.create_stack(StackName="policy-deny", TemplateBody=template("policy-deny", NO_READS))
    s3.put_object(Bucket="policy-deny", Key="k", Body=b"x")
    with pytest.raises(ClientError, match="403|AccessDenied"):
        s3.get_object(Bucket="policy-deny", Key="k")


def test_a_condition_the_emulator_cannot_evaluate_fails_the_stack_naming_it(emu):
    cfn, s3 = emu.client("cloudformation"), emu.client("s3")
    cfn.create_stack(StackName="policy-ip", TemplateBody=template("policy-ip", FROM_ONE_ADDRESS))
    assert cfn.describe_stacks(StackName="policy-ip")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    reasons = [
        e.get("ResourceStatusReason") or ""
        for e in cfn.describe_stack_events(StackName="policy-ip")["StackEvents"]
        if e["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert any(re.search(r"OneAddress.*NotIpAddress on aws:SourceIp.*MalformedPolicy", r) for r in reasons), reasons
    s3.create_bucket(Bucket="policy-ip-api")
    with pytest.raises(ClientError, match="MalformedPolicy"):
        s3.put_bucket_policy(Bucket="policy-ip-api", Policy=json.dumps(policy("policy-ip-api", FROM_ONE_ADDRESS)))


def test_removing_the_resource_deletes_the_policy_and_keeps_the_bucket(emu):
    cfn, s3 = emu.client("cloudformation"), emu.client("s3")
    cfn.create_stack(StackName="policy-rm", TemplateBody=template("policy-rm", TLS_ONLY))
    assert s3.get_bucket_policy(Bucket="policy-rm")["Policy"]
    cfn.update_stack(StackName="policy-rm", TemplateBody=template("policy-rm", with_policy=False))
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket="policy-rm")
    assert s3.head_bucket(Bucket="policy-rm")["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_batch_delete_deletes_the_keys_the_caller_may_and_lists_the_others_as_errors(emu):
    # S3 API reference, DeleteObjects: "For each key, Amazon S3 performs a delete operation and returns the result of
    # that delete, success or failure, in the response": one key refused does not refuse the batch.
    s3 = emu.client("s3")
    s3.create_bucket(Bucket="batch-delete")
    for key in ("mine/1", "mine/2", "theirs/1"):
        s3.put_object(Bucket="batch-delete", Key=key, Body=b"x")
    creds = user(emu.client("iam"), "deleter", allow("s3:DeleteObject", "arn:aws:s3:::batch-delete/mine/*"))
    emu.enforce_iam(True)
    try:
        answer = emu.client("s3", **creds).delete_objects(
            Bucket="batch-delete", Delete={"Objects": [{"Key": k} for k in ("mine/1", "theirs/1", "mine/2")]}
        )
    finally:
        emu.enforce_iam(False)
    assert sorted(d["Key"] for d in answer["Deleted"]) == ["mine/1", "mine/2"]
    assert [(e["Key"], e["Code"]) for e in answer["Errors"]] == [("theirs/1", "AccessDenied")]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="batch-delete")["Contents"]] == ["theirs/1"]
