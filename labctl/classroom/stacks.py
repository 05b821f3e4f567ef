"""A class's stacks in the account, found by the `class` tag every one of them carries, and deleted with bounded
concurrency.

Deleting is CloudFormation's DeleteStack, what `cdk destroy` calls: CloudFormation deletes a stack with the role it
was deployed with (CDK's cfn-exec role), so the caller needs only cloudformation:DeleteStack/DescribeStacks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from botocore.exceptions import ClientError

from lab_stack.names import CLASS_TAG, STUDENT_TAG, class_budget_stack_name, class_stack_name

GONE = "DELETE_COMPLETE"
# What a deletion waits for, in seconds between looks and at most (a lab's bucket is emptied first: minutes on AWS).
POLL_SECONDS, DELETE_TIMEOUT_SECONDS = 5.0, 1800.0


@dataclass
class ClassStacks:
    """The class stack and its budget stack (None when there is none) and each student's lab stack, by student id."""

    class_name: str
    class_stack: dict | None = None
    labs: dict[str, dict] = field(default_factory=dict)
    budget_stack: dict | None = None

    @property
    def all(self) -> list[dict]:
        own = [stack for stack in (self.budget_stack, self.class_stack) if stack]
        return [*self.labs.values(), *own]


def outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def tags(stack: dict) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in stack.get("Tags", [])}


def find_class(cloudformation, class_name: str) -> ClassStacks:
    """Every live stack tagged with the class: its own two, and the labs (tagged with their student)."""
    found = ClassStacks(class_name)
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            stack_tags = tags(stack)
            if stack_tags.get(CLASS_TAG) != class_name or stack["StackStatus"] == GONE:
                continue
            if stack["StackName"] == class_stack_name(class_name):
                found.class_stack = stack
            elif stack["StackName"] == class_budget_stack_name(class_name):
                found.budget_stack = stack
            elif STUDENT_TAG in stack_tags:
                found.labs[stack_tags[STUDENT_TAG]] = stack
    return found


def labs_expire_at(class_stack: dict | None) -> datetime | None:
    """When the deployed class's labs end (its LabsExpireAt output), or None before the class exists."""
    value = outputs(class_stack).get("LabsExpireAt") if class_stack else None
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def delete_stacks(
    cloudformation_client: Callable[[], object],
    names: Iterable[str],
    *,
    concurrency: int,
    say: Callable[[str], None],
    poll_seconds: float = POLL_SECONDS,
    timeout_seconds: float = DELETE_TIMEOUT_SECONDS,
) -> dict[str, str]:
    """DeleteStack on each, `concurrency` at a time, each waited for; {name: final status or the error} of those
    that did not end DELETE_COMPLETE (empty when all did)."""

    def delete(name: str) -> tuple[str, str]:
        cloudformation = cloudformation_client()
        try:
            stack_id = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackId"]
            cloudformation.delete_stack(StackName=stack_id)
        except ClientError as error:
            if "does not exist" in error.response["Error"]["Message"]:
                return name, GONE
            return name, error.response["Error"]["Message"]
        deadline = time.monotonic() + timeout_seconds
        while True:
            status = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
            if status in (GONE, "DELETE_FAILED") or time.monotonic() > deadline:
                say(f"  {name}: {status}")
                return name, status
            time.sleep(poll_seconds)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = dict(pool.map(delete, list(names)))
    return {name: status for name, status in results.items() if status != GONE}
