"""Deleting a CDK-shaped public-only VPC stack (no NAT, flow logs) + instance leaves no VPC pieces behind."""

import json

import pytest

from rehearsal.emulator import Emulator

AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64"


@pytest.fixture(scope="module")
def emu():
    with Emulator() as emulator:
        yield emulator


def ref(logical_id):
    return {"Ref": logical_id}


# What `ec2.Vpc(nat_gateways=0, max_azs=1, subnet_configuration=[PUBLIC])` + `ec2.Instance` with a
# role and security group synthesize to, trimmed to the properties moto reads.
TEMPLATE = {
    "Parameters": {"Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": AMI_PARAMETER}},
    "Resources": {
        "Vpc": {
            "Type": "AWS::EC2::VPC",
            "Properties": {"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": True, "EnableDnsSupport": True},
        },
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": ref("Vpc"),
                "CidrBlock": "10.0.0.0/24",
                "AvailabilityZone": "us-east-1a",
                "MapPublicIpOnLaunch": True,
            },
        },
        "RouteTable": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": ref("Vpc")}},
        "RouteTableAssociation": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"RouteTableId": ref("RouteTable"), "SubnetId": ref("Subnet")},
        },
        "Igw": {"Type": "AWS::EC2::InternetGateway"},
        "VpcGw": {
            "Type": "AWS::EC2::VPCGatewayAttachment",
            "Properties": {"VpcId": ref("Vpc"), "InternetGatewayId": ref("Igw")},
        },
        "DefaultRoute": {
            "Type": "AWS::EC2::Route",
            "DependsOn": ["VpcGw"],
            "Properties": {
                "RouteTableId": ref("RouteTable"),
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": ref("Igw"),
            },
        },
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}
                    ],
                }
            },
        },
        "Sg": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "producer",
                "VpcId": ref("Vpc"),
                "SecurityGroupEgress": [{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"}],
            },
        },
        "Profile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [ref("Role")]}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}},
        "FlowLog": {
            "Type": "AWS::EC2::FlowLog",
            "Properties": {
                "ResourceId": ref("Vpc"),
                "ResourceType": "VPC",
                "TrafficType": "ALL",
                "LogDestinationType": "cloud-watch-logs",
                "LogGroupName": ref("Logs"),
                "DeliverLogsPermissionArn": {"Fn::GetAtt": ["Role", "Arn"]},
            },
        },
        "Host": {
            "Type": "AWS::EC2::Instance",
            "DependsOn": ["Role"],
            "Properties": {
                "ImageId": ref("Ami"),
                "InstanceType": "t3.micro",
                "SubnetId": ref("Subnet"),
                "IamInstanceProfile": ref("Profile"),
                "SecurityGroupIds": [{"Fn::GetAtt": ["Sg", "GroupId"]}],
                "UserData": {"Fn::Base64": "#!/bin/bash\necho hi"},
            },
        },
    },
}


def test_stack_delete_leaves_no_vpc_behind(emu):
    cfn, ec2, iam = emu.client("cloudformation"), emu.client("ec2"), emu.client("iam")
    default_vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    change_set = cfn.create_change_set(
        StackName="vpc", ChangeSetName="cs", ChangeSetType="CREATE", TemplateBody=json.dumps(TEMPLATE)
    )
    cfn.execute_change_set(ChangeSetName=change_set["Id"])
    created = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName="vpc")["StackResourceSummaries"]
    }
    assert ec2.describe_route_tables(RouteTableIds=[created["RouteTable"]])["RouteTables"][0]["Routes"]

    cfn.delete_stack(StackName="vpc")

    def in_stack_vpc(items):
        return [i for i in items if i.get("VpcId") not in default_vpcs]

    assert in_stack_vpc(ec2.describe_vpcs()["Vpcs"]) == []
    assert in_stack_vpc(ec2.describe_subnets()["Subnets"]) == []
    assert in_stack_vpc(ec2.describe_route_tables()["RouteTables"]) == []
    assert in_stack_vpc(ec2.describe_security_groups()["SecurityGroups"]) == []
    assert ec2.describe_internet_gateways()["InternetGateways"] == []
    assert ec2.describe_flow_logs()["FlowLogs"] == []
    [instance] = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert instance["State"]["Name"] == "terminated"
    assert iam.list_instance_profiles()["InstanceProfiles"] == []
    assert iam.list_roles()["Roles"] == []


FLOW_LOG_TEMPLATE = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.1.0.0/16"}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}},
        "FlowLog": {
            "Type": "AWS::EC2::FlowLog",
            "Properties": {
                "ResourceId": ref("Vpc"),
                "ResourceType": "VPC",
                "TrafficType": "ALL",
                "LogDestinationType": "cloud-watch-logs",
                "LogGroupName": ref("Logs"),
                "DeliverLogsPermissionArn": "arn:aws:iam::123456789012:role/flow-logs",
                "Tags": [{"Key": "class", "Value": "flows"}],
            },
        },
    }
}


def test_stack_delete_deletes_the_vpcs_flow_log(emu):
    """moto 5.2.5 has no delete for AWS::EC2::FlowLog: it outlived its stack, and the tagging API kept listing it."""
    cfn, ec2 = emu.client("cloudformation"), emu.client("ec2")
    cfn.create_stack(StackName="flows", TemplateBody=json.dumps(FLOW_LOG_TEMPLATE))
    [flow_log] = ec2.describe_flow_logs()["FlowLogs"]
    tagged = emu.client("resourcegroupstaggingapi").get_resources(TagFilters=[{"Key": "class", "Values": ["flows"]}])
    assert [r["ResourceARN"].rsplit("/", 1)[-1] for r in tagged["ResourceTagMappingList"]] == [flow_log["FlowLogId"]]

    cfn.delete_stack(StackName="flows")

    assert ec2.describe_flow_logs()["FlowLogs"] == []
    tagged = emu.client("resourcegroupstaggingapi").get_resources(TagFilters=[{"Key": "class", "Values": ["flows"]}])
    assert tagged["ResourceTagMappingList"] == []
