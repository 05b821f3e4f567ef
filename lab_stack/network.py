"""The lab's network: one public subnet, no NAT gateway, flow logs kept a week. A lab alone makes its own; a class
makes one for all its labs (an account has 5 VPCs per region, the default one included), and each lab takes it by
the SSM parameters the class writes, resolved by CloudFormation at deploy time (no lookup at synth: it stays
offline, and the lab's template does not change when the class's VPC does).
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Aws, RemovalPolicy, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from lab_stack.names import class_parameter

# What a lab needs of the class's VPC, by the name of the SSM parameter that holds it.
VPC_ID, SUBNET_ID, AVAILABILITY_ZONE = "vpc-id", "public-subnet-id", "availability-zone"


def public_vpc(scope: Construct) -> ec2.Vpc:
    """`FlowLogs`, `FlowLogRole` and `Vpc` in `scope`: one public /24 subnet in one AZ, no NAT, all traffic logged."""
    flow_log_group = logs.LogGroup(
        scope,
        "FlowLogs",
        retention=logs.RetentionDays.ONE_WEEK,
        removal_policy=RemovalPolicy.DESTROY,
    )
    # The VPC User Guide ("IAM role for publishing flow logs to CloudWatch Logs") recommends both condition keys
    # against the confused deputy: the flow log's owner and its ARN (its id is unknown until it exists).
    flow_log_role = iam.Role(
        scope,
        "FlowLogRole",
        assumed_by=iam.ServicePrincipal(
            "vpc-flow-logs.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}:{Aws.ACCOUNT_ID}:vpc-flow-log/*"},
            },
        ),
        description="firehose-lab: VPC flow logs write to their log group",
    )
    return ec2.Vpc(
        scope,
        "Vpc",
        max_azs=1,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24)],
        # The default security group is never used here; restricting it costs a Lambda-backed custom resource.
        restrict_default_security_group=False,
        flow_logs={
            "all": ec2.FlowLogOptions(
                destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_log_group, flow_log_role),
                traffic_type=ec2.FlowLogTrafficType.ALL,
            )
        },
    )


class ClassNetwork(Construct):
    """The class's VPC, and the SSM parameters its labs read it by."""

    def __init__(self, scope: Construct, construct_id: str, *, class_name: str) -> None:
        super().__init__(scope, construct_id)
        self.vpc = public_vpc(self)
        [subnet] = self.vpc.public_subnets
        for key, value in (
            (VPC_ID, self.vpc.vpc_id),
            (SUBNET_ID, subnet.subnet_id),
            (AVAILABILITY_ZONE, subnet.availability_zone),
        ):
            ssm.StringParameter(
                self,
                f"Parameter-{key}",
                parameter_name=class_parameter(class_name, key),
                string_value=value,
                description=f"firehose-lab class {class_name}: the shared VPC's {key}, read by its labs at deploy",
            )


def class_vpc(scope: Construct, class_name: str) -> ec2.IVpc:
    """The class's VPC in a lab stack: CloudFormation parameters of SSM type, resolved when the lab deploys."""

    def value(key: str) -> str:
        return ssm.StringParameter.value_for_string_parameter(scope, class_parameter(class_name, key))

    vpc = ec2.Vpc.from_vpc_attributes(
        scope,
        "ClassVpc",
        vpc_id=value(VPC_ID),
        availability_zones=[value(AVAILABILITY_ZONE)],
        public_subnet_ids=[value(SUBNET_ID)],
    )
    Validations.of(vpc).acknowledge(
        Acknowledgment(
            id="Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId",
            reason="A class lab only places its instance and security group in the class's subnet; its routes are "
            "the class stack's, and nothing in a lab stack reads the subnet's route table.",
        )
    )
    return vpc
