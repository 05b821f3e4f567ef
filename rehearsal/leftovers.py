"""After `cdk destroy` (or the lab's expiry): list everything of the lab still present in the emulated account.

The emulator starts empty, so anything found is a leftover, except the CDK bootstrap stack (shared by every
CDK app of an account/region, kept on purpose) and what the emulator itself makes (default VPC, the default
schedule group).
"""

from __future__ import annotations

from collections.abc import Callable

from lab_stack.names import (
    ATHENA_BUILTIN_WORKGROUP,
    BOOTSTRAP_QUALIFIER,
    BOOTSTRAP_STACK,
)


def find_leftovers(client: Callable[[str], object]) -> dict:
    """{kind: [names]} of every stack, bucket, stream, VPC, flow log, instance, role, profile, IAM user, group and
    customer managed policy, function, log group, KMS key (not pending deletion), Glue database, Athena workgroup,
    schedule, schedule group, SSM parameter, SNS topic, budget and budget action left."""
    cloudformation = client("cloudformation")
    stacks = [
        s["StackName"]
        for s in cloudformation.describe_stacks()["Stacks"]
        if s["StackName"] != BOOTSTRAP_STACK and s["StackStatus"] != "DELETE_COMPLETE"
    ]
    buckets = [
        b["Name"]
        for b in client("s3").list_buckets().get("Buckets", [])
        if not b["Name"].startswith(BOOTSTRAP_QUALIFIER)
    ]
    streams = client("firehose").list_delivery_streams()["DeliveryStreamNames"]
    ec2 = client("ec2")
    vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    flow_logs = [f["FlowLogId"] for f in ec2.describe_flow_logs()["FlowLogs"]]
    instances = [
        i["InstanceId"]
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] not in ("terminated", "shutting-down")
    ]
    iam = client("iam")
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"] if not r["RoleName"].startswith(BOOTSTRAP_QUALIFIER)]
    profiles = [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]]
    users = [u["UserName"] for u in iam.list_users()["Users"]]
    groups = [g["GroupName"] for g in iam.list_groups()["Groups"]]
    policies = [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
    functions = [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]]
    log_groups = [g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]]
    kms = client("kms")  # a deleted stack's keys are scheduled for deletion (PendingDeletion), not left enabled
    bootstrap_keys = set()
    if BOOTSTRAP_STACK in [s["StackName"] for s in cloudformation.describe_stacks()["Stacks"]]:
        bootstrap_keys = {
            r["PhysicalResourceId"]
            for r in cloudformation.describe_stack_resources(StackName=BOOTSTRAP_STACK)["StackResources"]
            if r.get("ResourceType") == "AWS::KMS::Key"
        }
    # AWS managed keys (alias/aws/s3...) are the service's own, made on first use, not billed: not leftovers.
    aws_managed = {
        a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"] if a["AliasName"].startswith("alias/aws/")
    }
    keys = []
    for key in kms.list_keys()["Keys"]:
        metadata = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if (
            key["KeyId"] not in bootstrap_keys | aws_managed
            and metadata["KeyManager"] == "CUSTOMER"
            and metadata["KeyState"] != "PendingDeletion"
        ):
            keys.append(key["KeyId"])
    databases = [d["Name"] for d in client("glue").get_databases()["DatabaseList"]]
    workgroups = [
        w["Name"] for w in client("athena").list_work_groups()["WorkGroups"] if w["Name"] != ATHENA_BUILTIN_WORKGROUP
    ]
    scheduler = client("scheduler")
    schedules = [f"{s['GroupName']}/{s['Name']}" for s in scheduler.list_schedules()["Schedules"]]
    schedule_groups = [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"] if g["Name"] != "default"]
    # The bootstrap stack's own parameter, and AWS's public ones (the AMI), are not the lab's.
    parameters = [
        p["Name"]
        for p in client("ssm").describe_parameters().get("Parameters", [])
        if not p["Name"].startswith(("/cdk-bootstrap/", "/aws/"))
    ]
    topics = [t["TopicArn"] for t in client("sns").list_topics().get("Topics", [])]
    budgets = client("budgets")
    account = client("sts").get_caller_identity()["Account"]
    budget_names = [b["BudgetName"] for b in budgets.describe_budgets(AccountId=account).get("Budgets", [])]
    budget_actions = [
        f"{a['BudgetName']}/{a['ActionId']}"
        for a in budgets.describe_budget_actions_for_account(AccountId=account).get("Actions", [])
    ]
    found = {
        "stacks": stacks,
        "buckets": buckets,
        "delivery streams": streams,
        "VPCs": vpcs,
        "flow logs": flow_logs,
        "instances": instances,
        "IAM roles": roles,
        "instance profiles": profiles,
        "IAM users": users,
        "IAM groups": groups,
        "customer managed policies": policies,
        "Lambda functions": functions,
        "log groups": log_groups,
        "KMS keys": keys,
        "Glue databases": databases,
        "Athena workgroups": workgroups,
        "schedules": schedules,
        "schedule groups": schedule_groups,
        "SSM parameters": parameters,
        "SNS topics": topics,
        "budgets": budget_names,
        "budget actions": budget_actions,
    }
    return {kind: names for kind, names in found.items() if names}
