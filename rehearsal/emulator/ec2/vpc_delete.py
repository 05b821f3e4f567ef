"""CloudFormation deletes for the VPC pieces moto 5.2.5 can create but not delete.

RouteTable, Route, InternetGateway, VPCGatewayAttachment, SubnetRouteTableAssociation and FlowLog have
no delete in moto (a flow log stayed on, logging to a group already gone), so delete_stack skips them
silently and then fails on the VPC with DependencyViolation (or leaves it behind). moto's ResourceMap first calls
`resource.delete(account_id, region_name)` on the created model object, so each class gets that
method; it uses the object's own ids (the raw template JSON moto passes otherwise is unresolved).
A dependency error propagates, and moto's delete loop retries it after the others, which gives
CloudFormation's reverse-dependency order. Something already gone counts as deleted.
"""

from moto.ec2.exceptions import (
    GatewayNotAttachedError,
    InvalidInternetGatewayIdError,
    InvalidRouteError,
    InvalidRouteTableIdError,
    InvalidVpnGatewayAttachmentError,
    InvalidVpnGatewayIdError,
)
from moto.ec2.models import ec2_backends
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.subnets import SubnetRouteTableAssociation
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment


def _delete_route_table(self: RouteTable, account_id: str, region_name: str) -> None:
    try:
        self.ec2_backend.delete_route_table(self.id)
    except InvalidRouteTableIdError:
        pass


def _delete_route(self: Route, account_id: str, region_name: str) -> None:
    try:
        ec2_backends[account_id][region_name].delete_route(
            self.route_table.id,
            self.destination_cidr_block,
            self.destination_ipv6_cidr_block,
            self.destination_prefix_list.id if self.destination_prefix_list else None,
        )
    except (InvalidRouteError, InvalidRouteTableIdError):
        pass


def _delete_internet_gateway(self: InternetGateway, account_id: str, region_name: str) -> None:
    try:
        self.ec2_backend.delete_internet_gateway(self.id)
    except InvalidInternetGatewayIdError:
        pass


def _delete_gateway_attachment(self: VPCGatewayAttachment, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    try:
        if self.gateway_id.startswith("igw-"):
            backend.detach_internet_gateway(self.gateway_id, self.vpc_id)
        else:
            backend.detach_vpn_gateway(self.gateway_id, self.vpc_id)
    except (
        GatewayNotAttachedError,
        InvalidInternetGatewayIdError,
        InvalidVpnGatewayAttachmentError,
        InvalidVpnGatewayIdError,
    ):
        pass


def _delete_subnet_association(self: SubnetRouteTableAssociation, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    backend.subnet_associations.pop(f"{self.route_table_id}:{self.subnet_id}", None)


def _delete_flow_log(self: FlowLogs, account_id: str, region_name: str) -> None:
    ec2_backends[account_id][region_name].flow_logs.pop(self.id, None)


def install() -> None:
    """Give the six models a `delete` (idempotent)."""
    RouteTable.delete = _delete_route_table
    Route.delete = _delete_route
    InternetGateway.delete = _delete_internet_gateway
    VPCGatewayAttachment.delete = _delete_gateway_attachment
    SubnetRouteTableAssociation.delete = _delete_subnet_association
    FlowLogs.delete = _delete_flow_log
