"""The resources a request acts on, as the ARNs IAM evaluates it against (Service Authorization Reference formats).

An action's resource types and their ARN formats come from service_reference.py (the SAR as data). Each `${Variable}`
of a format is filled from the request's parameters by the resolvers below, one table per service the lab and the
class use (s3, firehose, ec2, athena, glue, scheduler, logs, kms, ssm, iam, sts, cloudformation, cloudwatch); a few
read the emulator's state (a stack's id, a query's workgroup, a role's path, a key behind an alias).

A resolver answers None when the request names no such value (an optional resource type then does not apply); a
variable with no resolver, or a resource type the action needs that the request does not name, raises Unbuildable
naming the action: the request is refused, never evaluated against `*`. Only an action the SAR lists without a
resource type (List*/Describe* calls mostly) is evaluated against `*`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import product
from typing import Any

from moto.athena.models import athena_backends
from moto.cloudformation.models import cloudformation_backends
from moto.iam.exceptions import NoSuchEntity, NotFoundException
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends

from .service_reference import ResourceType, action

ANY = "*"


class Unbuildable(Exception):
    """The resource of a request that cannot be named; str() says which action and what is missing."""


@dataclass(frozen=True)
class ApiCall:
    """One request as IAM sees it: the action (IAM's name), its parameters (botocore's names), where and by whom."""

    action: str
    params: Mapping[str, Any]
    account: str
    region: str
    partition: str = "aws"
    caller_arn: str = ""  # the IAM user or role session making the call (IAM's implicit-self actions)
    extra: Mapping[str, Any] = field(default_factory=dict)  # protocol facts a resolver needs (S3's bucket and key)

    @property
    def name(self) -> str:
        return self.action.partition(":")[2]


@dataclass(frozen=True)
class Resource:
    arn: str
    type: ResourceType | None  # None: the action takes no resource, the ARN is "*"

    @property
    def account(self) -> str | None:
        parts = self.arn.split(":", 5)
        return parts[4] or None if len(parts) == 6 else None


Resolver = Callable[[ApiCall], Sequence[str] | None]


def resources(call: ApiCall) -> list[Resource]:
    """Every resource `call` acts on; each must be allowed for the call to be."""
    described = action(call.action)
    if not described.resource_types:
        return [Resource(ANY, None)]
    unsupported = [p for p in _UNSUPPORTED_PARAMS.get(call.action, ()) if p in call.params]
    if unsupported:
        raise Unbuildable(f"{call.action}: the emulator cannot name the resources of {', '.join(unsupported)}")
    by_arn = _arn_param(call)
    found: list[Resource] = []
    for resource_type in described.resource_types:
        if by_arn is not None:  # tagging and other calls naming their resource by ARN: the ARN says which type
            arns = [arn for arn in by_arn if _format_pattern(resource_type.arn_format).fullmatch(arn)]
        else:
            arns = _build(call, resource_type)
            if not arns and resource_type.required:
                raise Unbuildable(f"{call.action}: the request names no {resource_type.name}, which the action needs")
        found.extend(Resource(arn, resource_type) for arn in arns)
    if found:
        return found
    if by_arn is None and not any(t.required for t in described.resource_types):
        return [Resource(ANY, None)]  # every resource type is optional, and this request names none
    names = ", ".join(t.name for t in described.resource_types)
    raise Unbuildable(f"{call.action}: the request names none of its resources ({names})")


def resource_of(action_name: str, arn: str) -> Resource:
    """`arn` as a resource of `action_name`: its resource type is the one whose ARN format it matches (None for `*`
    or an ARN of no type the action lists)."""
    for resource_type in action(action_name).resource_types:
        if _format_pattern(resource_type.arn_format).fullmatch(arn):
            return Resource(arn, resource_type)
    return Resource(arn, None)


def _build(call: ApiCall, resource_type: ResourceType) -> list[str]:
    """The ARNs of `resource_type` the request names (none: it names no such resource)."""
    values: dict[str, Sequence[str]] = {}
    for variable in re.findall(r"\$\{(\w+)\}", resource_type.arn_format):
        resolver = _resolver(call, resource_type, variable)
        if resolver is None:
            raise Unbuildable(
                f"{call.action}: the emulator cannot name its {resource_type.name} resource "
                f"(it does not read ${{{variable}}} from the request)"
            )
        resolved = resolver(call)
        if not resolved:
            return []
        values[variable] = resolved
    arns = []
    for combination in product(*values.values()):
        arn = resource_type.arn_format
        for variable, value in zip(values, combination):
            arn = arn.replace(f"${{{variable}}}", value)
        arns.append(_service_quirk(call, resource_type, arn))
    return arns


def _service_quirk(call: ApiCall, resource_type: ResourceType, arn: str) -> str:
    """CloudWatch Logs authorizes log-group actions against the ARN with a trailing `:*`, but for TagResource,
    UntagResource and ListTagsForResource ("Overview of managing access permissions to your CloudWatch Logs resources",
    CloudWatch Logs user guide)."""
    if call.action.startswith("logs:") and resource_type.name == "log-group" and call.name not in _LOGS_PLAIN_ARN:
        return arn + ":*"
    return arn


_LOGS_PLAIN_ARN = {"TagResource", "UntagResource", "ListTagsForResource"}
_ARN_PARAMS = ("ResourceARN", "ResourceArn", "resourceArn", "ResourceARNs", "resourceArns")


def _arn_param(call: ApiCall) -> list[str] | None:
    for name in _ARN_PARAMS:
        if name in call.params:
            return _as_list(call.params[name])
    return None


@cache
def _format_pattern(arn_format: str) -> re.Pattern:
    """An ARN format as a pattern: each ${Variable} one or more characters (a name may hold `/`)."""
    parts = re.split(r"(\$\{\w+\})", arn_format)
    return re.compile("".join(".+?" if p.startswith("${") else re.escape(p) for p in parts))


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _param(*paths: str, default: str | None = None) -> Resolver:
    """The first of `paths` (dotted for nested members) the request carries, as a list; else `default` or None."""

    def resolve(call: ApiCall) -> list[str] | None:
        for path in paths:
            value: Any = call.params
            for part in path.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            if value not in (None, "", []):
                return _as_list(value)
        return [default] if default is not None else None

    return resolve


def _by_action(table: Mapping[str, Resolver], otherwise: Resolver) -> Resolver:
    """A variable read from a different parameter by some actions."""
    return lambda call: table.get(call.name, otherwise)(call)


def _constant(value: str) -> Resolver:
    return lambda call: [value]


def _resolver(call: ApiCall, resource_type: ResourceType, variable: str) -> Resolver | None:
    """The resolver of a variable: a resource type's own ("instance.InstanceId"), else the service's, else EC2's
    generic id; None when the emulator does not know how to read it."""
    if variable in _COMMON:
        return _COMMON[variable]
    if variable in _CREATED.get(call.action, ()):
        return _constant(ANY)
    prefix = call.action.partition(":")[0]
    table = RESOLVERS.get(prefix, {})
    found = table.get(f"{resource_type.name}.{variable}") or table.get(variable)
    return found or (_ec2_id(variable) if prefix == "ec2" else None)


_COMMON: dict[str, Resolver] = {
    "Partition": lambda call: [call.partition],
    "Region": lambda call: [call.region],
    "Account": lambda call: [call.account],
}

# Resources an action creates have no id yet: IAM evaluates the ARN with `*` for it (EC2 user guide, "Resource-level
# permissions for RunInstances": arn:aws:ec2:region:account:instance/*).
_CREATED: dict[str, tuple[str, ...]] = {
    "ec2:RunInstances": ("InstanceId", "VolumeId", "NetworkInterfaceId"),
}
# Parameters naming resources the resolvers do not read (nested ids): a request carrying one is refused.
_UNSUPPORTED_PARAMS: dict[str, tuple[str, ...]] = {
    "ec2:RunInstances": (
        "LaunchTemplate",
        "NetworkInterfaces",
        "Placement",
        "CapacityReservationSpecification",
        "ElasticGpuSpecification",
        "ElasticInferenceAccelerators",
        "LicenseSpecifications",
        "SecurityGroups",
    ),
}


# --- S3: the bucket and key moto's S3 handler parsed from the path or host --------------------------------------

S3: dict[str, Resolver] = {
    "BucketName": lambda call: [call.extra["bucket"]] if call.extra.get("bucket") else None,
    "ObjectName": lambda call: [call.extra["key"]] if call.extra.get("key") else None,
    # Access points, Object Lambda and multi-region access points: the emulator's S3 (moto's) serves buckets only,
    # so no request comes through one.
    "AccessPointName": lambda call: None,
    "AccessPointAlias": lambda call: None,
}


# --- EC2: most ids are their own parameter (InstanceId or InstanceIds) ------------------------------------------

# EC2 variables read from a parameter of another name.
EC2_PARAMS: dict[str, tuple[str, ...]] = {
    "SecurityGroupId": ("GroupId", "GroupIds", "SecurityGroupIds"),
    "NaclId": ("NetworkAclId", "NetworkAclIds"),
    "VpcFlowLogId": ("FlowLogIds",),
    "KeyPairName": ("KeyName", "KeyNames"),
    "ElasticGpuId": ("ElasticGpuIds",),
}
# CreateTags and DeleteTags name their resources by id: the id's prefix says the resource type.
EC2_ID_PREFIXES = {
    "InstanceId": "i-",
    "VolumeId": "vol-",
    "SecurityGroupId": "sg-",
    "SubnetId": "subnet-",
    "VpcId": "vpc-",
    "ImageId": "ami-",
    "SnapshotId": "snap-",
    "NetworkInterfaceId": "eni-",
    "InternetGatewayId": "igw-",
    "RouteTableId": "rtb-",
    "NaclId": "acl-",
    "NatGatewayId": "nat-",
    "LaunchTemplateId": "lt-",
    "AllocationId": "eipalloc-",
    "VpcEndpointId": "vpce-",
    "DhcpOptionsId": "dopt-",
}


def _ec2_id(variable: str) -> Resolver | None:
    if not variable.endswith(("Id", "Name")):
        return None
    names = EC2_PARAMS.get(variable, (variable, variable + "s"))

    def resolve(call: ApiCall) -> list[str] | None:
        if call.name in ("CreateTags", "DeleteTags"):
            prefix = EC2_ID_PREFIXES.get(variable)
            ids = [i for i in _as_list(call.params.get("Resources", [])) if prefix and i.startswith(prefix)]
            return ids or None
        return _param(*names)(call)

    return resolve


# --- Athena: the workgroup, named or found through the query it ran -----------------------------------------------

PRIMARY_WORKGROUP = "primary"
# Calls that run in the primary workgroup when they name none (Athena API reference, WorkGroup parameters).
_PRIMARY_BY_DEFAULT = {
    "StartQueryExecution",
    "CreateNamedQuery",
    "ListNamedQueries",
    "ListQueryExecutions",
    "ListPreparedStatements",
}


def _athena_workgroup(call: ApiCall) -> list[str] | None:
    if call.name in ("CreateWorkGroup",):
        return _param("Name")(call)
    named = _param("WorkGroup")(call)
    if named:
        return named
    backend = athena_backends[call.account][call.region]
    owners: list[Any] = []
    for query_id in _as_list(call.params.get("QueryExecutionId") or call.params.get("QueryExecutionIds") or []):
        execution = backend.executions.get(query_id)
        owners.append(execution.workgroup if execution else _missing(call, f"query execution {query_id}"))
    for query_id in _as_list(call.params.get("NamedQueryId") or call.params.get("NamedQueryIds") or []):
        named_query = backend.named_queries.get(query_id)
        owners.append(named_query.workgroup if named_query else _missing(call, f"named query {query_id}"))
    if owners:
        return sorted({_workgroup_name(owner) for owner in owners})
    return [PRIMARY_WORKGROUP] if call.name in _PRIMARY_BY_DEFAULT else None


def _workgroup_name(workgroup: Any) -> str:
    if workgroup is None:
        return PRIMARY_WORKGROUP
    return workgroup if isinstance(workgroup, str) else workgroup.name


def _missing(call: ApiCall, what: str) -> Any:
    """A resource found only through another that does not exist: AWS answers with the service's not-found error, the
    emulator refuses, naming it (it cannot know which resource IAM would have checked)."""
    raise Unbuildable(f"{call.action}: there is no {what} to find its resource through")


ATHENA: dict[str, Resolver] = {
    "WorkGroupName": _athena_workgroup,
    "DataCatalogName": _param("Name", "CatalogName"),
    "CapacityReservationName": _param("Name", "CapacityReservationName"),
    "SessionId": _param("SessionId"),
}


# --- Glue: the catalog, the database and the table, each checked ---------------------------------------------------

# Calls whose `Name` is the database (the table calls' `Name` is the table).
_GLUE_DATABASE_BY_NAME = {"GetDatabase", "DeleteDatabase", "UpdateDatabase"}
# Calls over every database or every table of one: IAM evaluates `database/*`, `table/<db>/*` (AWS Glue developer
# guide, "Specifying AWS Glue resource ARNs": the plural calls act on all of them).
_GLUE_ALL_DATABASES = {"GetDatabases", "SearchTables"}
_GLUE_ALL_TABLES = {"GetTables", "SearchTables", "GetTableVersions"}


def _glue_database(call: ApiCall) -> list[str] | None:
    if call.name in _GLUE_ALL_DATABASES:
        return [ANY]
    if call.name in _GLUE_DATABASE_BY_NAME:
        return _param("Name")(call)
    return _param("DatabaseName", "DatabaseInput.Name")(call)


def _glue_table(call: ApiCall) -> list[str] | None:
    if call.name in _GLUE_ALL_TABLES:
        return [ANY]
    if call.name == "BatchDeleteTable":
        return _param("TablesToDelete")(call)
    return _param("TableName", "TableInput.Name", "Name")(call)


GLUE: dict[str, Resolver] = {
    "DatabaseName": _glue_database,
    "TableName": _glue_table,
    "CatalogName": lambda call: None,  # federated catalogs (S3 Tables): the emulator's Glue has only the account's
}


# --- Scheduler: a schedule lives in a group ("default" when none is named) ------------------------------------------

_SCHEDULE_GROUP_CALLS = {"CreateScheduleGroup", "GetScheduleGroup", "DeleteScheduleGroup"}

SCHEDULER: dict[str, Resolver] = {
    "GroupName": _by_action(
        {name: _param("Name") for name in _SCHEDULE_GROUP_CALLS}, _param("GroupName", default="default")
    ),
    "ScheduleName": _param("Name"),
}


# --- CloudWatch Logs -------------------------------------------------------------------------------------------------


def _log_group(call: ApiCall) -> list[str] | None:
    named = _param("logGroupName", "logGroupIdentifier")(call)
    if named is None:
        return None
    return [n.split(":log-group:", 1)[1].removesuffix(":*") if n.startswith("arn:") else n for n in named]


LOGS: dict[str, Resolver] = {
    "LogGroupName": _log_group,
    "LogStreamName": _param("logStreamName"),
}


# --- KMS: a key named by id, ARN, alias name or alias ARN ------------------------------------------------------------


def _kms_key(call: ApiCall) -> list[str] | None:
    named = _param("KeyId", "TargetKeyId")(call)
    if named is None:
        return None
    backend = kms_backends[call.account][call.region]
    found = []
    for key in named:
        key_id = backend.get_key_id(backend.get_alias_name(key))  # an ARN to its key id or alias name
        if key_id.startswith("alias/"):
            target = backend.get_key_id_from_alias(key_id)
            if target is None:
                _missing(call, f"KMS alias {key}")
            key_id = backend.get_key_id(target)
        found.append(key_id)
    return found


KMS: dict[str, Resolver] = {
    "KeyId": _kms_key,
    "Alias": lambda call: [a.removeprefix("alias/") for a in _param("AliasName")(call) or []] or None,
}


# --- SSM: Session Manager's targets, documents and parameters -------------------------------------------------------

# StartSession runs SSM-SessionManagerRunShell when it names no document (Session Manager user guide, "Sample IAM
# policies for Session Manager": the policy grants that document's ARN).
_DEFAULT_SESSION_DOCUMENT = "SSM-SessionManagerRunShell"


def _ssm_targets(prefix: str) -> Resolver:
    """Session and command targets: EC2 instances (i-) and hybrid managed instances (mi-) are two resource types."""

    def resolve(call: ApiCall) -> list[str] | None:
        targets = _param("Target", "InstanceId", "InstanceIds")(call) or []
        return [t for t in targets if t.startswith(prefix)] or None

    return resolve


def _ssm_document(call: ApiCall) -> list[str] | None:
    default = _DEFAULT_SESSION_DOCUMENT if call.name == "StartSession" else None
    return _param("DocumentName", "Name", default=default)(call)


def _ssm_parameter(call: ApiCall) -> list[str] | None:
    named = _param("Name", "Names")(call)
    return [n.removeprefix("/") for n in named] if named else None


SSM: dict[str, Resolver] = {
    "instance.InstanceId": _ssm_targets("i-"),
    "managed-instance.InstanceId": _ssm_targets("mi-"),
    "DocumentName": _ssm_document,
    "ParameterNameWithoutLeadingSlash": _ssm_parameter,
    "SessionId": _param("SessionId"),
    "TaskId": lambda call: None,  # ECS task targets: not emulated
    "BucketName": _param("OutputS3BucketName"),
}


# --- IAM: users and roles with their path; a user's own calls name no user --------------------------------------


def _with_path(kind: str) -> Resolver:
    """`${RoleNameWithPath}`: the role's path and name (path "/" for one that does not exist yet)."""

    def resolve(call: ApiCall) -> list[str] | None:
        if kind == "role" and call.params.get("RoleArn"):  # iam:PassRole: the role passed, by ARN
            return [call.params["RoleArn"].split(":role/", 1)[1]]
        name = call.params.get(f"{kind.capitalize()}Name")
        if not name:
            if kind == "user" and ":user/" in call.caller_arn:  # "If you do not specify a user name, IAM determines
                return [call.caller_arn.split(":user/", 1)[1]]  # the user name implicitly" (IAM API reference)
            return None
        backend = iam_backends[call.account][call.partition]
        try:
            path = (backend.get_role(name) if kind == "role" else backend.get_user(name)).path
        except (NoSuchEntity, NotFoundException):  # not made yet (CreateRole, CreateUser): the path it asks for
            path = call.params.get("Path") or "/"
        return [f"{path.lstrip('/')}{name}"]

    return resolve


def _policy_with_path(call: ApiCall) -> list[str] | None:
    """`${PolicyNameWithPath}`: from the policy's ARN, or for CreatePolicy the path and name it asks for."""
    if call.name == "CreatePolicy" and call.params.get("PolicyName"):
        return [f"{(call.params.get('Path') or '/').lstrip('/')}{call.params['PolicyName']}"]
    return [a.split(":policy/", 1)[1] for a in _param("PolicyArn")(call) or []] or None


IAM: dict[str, Resolver] = {
    "RoleNameWithPath": _with_path("role"),
    "UserNameWithPath": _with_path("user"),
    "RoleName": _param("RoleName"),
    "UserName": _param("UserName"),
    "PolicyNameWithPath": _policy_with_path,
    "InstanceProfileNameWithPath": _param("InstanceProfileName"),
    "GroupNameWithPath": _param("GroupName"),
}


# --- STS: the role to assume, by ARN ---------------------------------------------------------------------------------

STS: dict[str, Resolver] = {
    "RoleNameWithPath": lambda call: [a.split(":role/", 1)[1] for a in _param("RoleArn")(call) or []] or None,
    "FederatedUserName": _param("Name"),
}


# --- CloudFormation: a stack's ARN holds its id ----------------------------------------------------------------------


def _stack_parts(call: ApiCall) -> list[tuple[str, str]] | None:
    """(name, id) of the stack a call names, by name or ARN; id `*` for one that does not exist (yet)."""
    named = _param("StackName")(call)
    if named is None:
        return None
    backend = cloudformation_backends[call.account][call.region]
    parts = []
    for name in named:
        if name.startswith("arn:"):
            stack_name, _, stack_id = name.split(":stack/", 1)[1].partition("/")
            parts.append((stack_name, stack_id))
            continue
        live = [s for s in backend.stacks.values() if s.name == name and s.status != "DELETE_COMPLETE"]
        parts.append((name, live[0].stack_id.split("/")[-1] if live else ANY))
    return parts


CLOUDFORMATION: dict[str, Resolver] = {
    "StackName": lambda call: [n for n, _ in _stack_parts(call) or []] or None,
    "Id": lambda call: [i for _, i in _stack_parts(call) or []] or None,
    "ChangeSetName": _param("ChangeSetName"),
}

CLOUDWATCH: dict[str, Resolver] = {
    "AlarmName": _param("AlarmName", "AlarmNames"),
    "DashboardName": _param("DashboardName", "DashboardNames"),
    "DatasetId": lambda call: None,  # PutMetricData into a dataset: not emulated
}

FIREHOSE: dict[str, Resolver] = {"DeliveryStreamName": _param("DeliveryStreamName")}

RESOLVERS: dict[str, dict[str, Resolver]] = {
    "s3": S3,
    "firehose": FIREHOSE,
    "athena": ATHENA,
    "glue": GLUE,
    "scheduler": SCHEDULER,
    "logs": LOGS,
    "kms": KMS,
    "ssm": SSM,
    "iam": IAM,
    "sts": STS,
    "cloudformation": CLOUDFORMATION,
    "cloudwatch": CLOUDWATCH,
}
