"""Templates of one-time EventBridge Scheduler schedules, as the lab's lifetime makes them: a group, a role Scheduler
may assume for that group only (aws:SourceAccount and aws:SourceArn, as Scheduler sets them), that role's one policy,
and the schedule calling a universal target with it."""

from __future__ import annotations

from typing import Any

GROUP_ARN = {"Fn::GetAtt": ["Group", "Arn"]}


def schedule_resources(
    *,
    target: str,
    statement: dict[str, Any],
    expression: str,
    request: Any,
    policy_name: str = "the-call",
    group: dict[str, Any] | None = None,
    source_arn: Any = None,
) -> dict[str, Any]:
    """The template's resources: `target` the universal target's ARN, `statement` the role's one policy statement,
    `request` the target's Input (a string or an intrinsic function)."""
    return {
        "Group": {"Type": "AWS::Scheduler::ScheduleGroup", **({"Properties": group} if group else {})},
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "scheduler.amazonaws.com"},
                            "Condition": {
                                "StringEquals": {
                                    "aws:SourceAccount": {"Ref": "AWS::AccountId"},
                                    "aws:SourceArn": source_arn or GROUP_ARN,
                                }
                            },
                        }
                    ],
                }
            },
        },
        "Policy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": policy_name,
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
            },
        },
        "Schedule": {
            "Type": "AWS::Scheduler::Schedule",
            "DependsOn": "Policy",
            "Properties": {
                "GroupName": {"Ref": "Group"},
                "ScheduleExpression": expression,
                "ScheduleExpressionTimezone": "Etc/UTC",
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "Target": {"Arn": target, "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}, "Input": request},
            },
        },
    }
