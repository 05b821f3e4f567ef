"""The request context of one request on one resource: every condition key AWS would carry, filled from the request
and the emulator's state, or declared unknowable.

Three kinds of key (IAM user guide, "AWS global condition context keys"; the Service Authorization Reference for
each service's keys):
- filled: the principal (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:username,
  aws:PrincipalTag/k, aws:PrincipalIsAWSService, aws:MultiFactorAuthPresent and aws:TokenIssueTime for sessions),
  the request (aws:RequestedRegion, aws:CurrentTime and aws:EpochTime on the emulator's clock, aws:SecureTransport
  "true" because the emulator stands in for AWS's HTTPS endpoints, as s3/policy_evaluation.py's bucket policies do,
  aws:UserAgent, aws:RequestTag/k and aws:TagKeys from tags passed on create or TagResource, aws:ViaAWSService
  "false" for a direct call), the resource (aws:ResourceAccount, aws:ResourceTag/k and its service forms
  ec2:ResourceTag/k, ssm:resourceTag/k, iam:ResourceTag/k, from moto's backends), a calling service principal
  (aws:SourceArn, aws:SourceAccount, aws:PrincipalServiceName), and the service keys below that the request carries
  (s3:prefix, s3:delimiter, sts:ExternalId, ...);
- absent: what AWS would not carry either (aws:username of a role session, aws:MultiFactorAuthPresent for long-term
  keys, aws:CalledVia of a direct call, a tag key the resource does not have, s3:BucketTag without bucket ABAC,
  s3:prefix of a ListBucket without prefix): conditions see a missing key, as on AWS;
- unknowable: what AWS carries but the emulator cannot know (evaluation.py's UNKNOWABLE_KEYS: aws:SourceIp,
  aws:SourceVpc(e), the organization keys, ...; the EC2 instance-credential keys of a role session; every service
  key the SAR lists for the action that no filler below reads): a condition on one is refused, never guessed.
  One of them is filled when the emulator's own state holds the answer: aws:PrincipalOrgID of a principal whose account
  moto's Organizations has in an organization (organizations.py); for any other account it stays unknowable.
The resource's account is its owner's: for S3, the account moto keeps the bucket in (its ARN names none).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from moto.athena.models import athena_backends
from moto.cloudformation.models import cloudformation_backends
from moto.ec2.models import ec2_backends
from moto.firehose.models import firehose_backends
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.logs.models import logs_backends
from moto.s3.exceptions import MissingBucket, MissingKey
from moto.s3.models import s3_backends
from moto.scheduler.models import scheduler_backends
from moto.ssm.exceptions import InvalidResourceId
from moto.ssm.models import ssm_backends

from ..clock import CLOCK
from . import organizations
from .evaluation import UNKNOWABLE_KEYS
from .principals import Caller
from .resources import ANY, ApiCall, Resource
from .service_reference import action

Value = str | tuple[str, ...]

# A role session's credentials may be an EC2 instance's (the rehearsal's producer stands for one): AWS then carries
# these, and the emulator cannot tell.
UNKNOWABLE_FOR_SESSIONS = frozenset(
    {
        "aws:ec2instancesourcevpc",
        "aws:ec2instancesourceprivateipv4",
        "ec2:sourceinstancearn",
        "ssm:sourceinstancearn",
        "ec2:roledelivery",
    }
)


# Unknowable keys the emulator fills from its own state when it holds the answer (see the module's docstring).
FILLED_FROM_STATE = frozenset({"aws:principalorgid"})


@dataclass
class Context:
    """Condition keys with their values, the keys a condition may not be decided on (evaluation.py's
    `unknowable`: lower-case names, one ending in "/" or ":" for every key it starts), and the resource's owner."""

    values: dict[str, Value] = field(default_factory=dict)
    unknowable: set[str] = field(default_factory=lambda: {k.lower() for k in UNKNOWABLE_KEYS})
    resource_account: str | None = None

    def declare_unknowable(self, pattern: str) -> None:
        """A SAR key name, lower case: `aws:resourcetag/${tagkey}` stands for the family `aws:resourcetag/`."""
        self.unknowable.add(pattern.split("${", 1)[0] if "${" in pattern else pattern)


@dataclass(frozen=True)
class Root:
    """The account's root user (the emulator's test credentials stand for it when IAM is not enforced)."""

    account: str
    arn: str


@dataclass(frozen=True)
class ServiceCaller:
    """A service principal acting for a resource of the account (Scheduler assuming a schedule's role)."""

    service: str  # e.g. scheduler.amazonaws.com
    source_arn: str
    source_account: str


def for_request(
    call: ApiCall,
    resource: Resource,
    caller: Caller | ServiceCaller | Root,
    headers: Mapping[str, str] | None = None,
) -> Context:
    """The context AWS would evaluate `call` on `resource` by `caller` with."""
    headers = headers or {}
    context = Context()
    values = context.values
    now = CLOCK.now()
    values["aws:RequestedRegion"] = call.region
    values["aws:SecureTransport"] = "true"
    values["aws:CurrentTime"] = _iso(now)
    values["aws:EpochTime"] = str(int(now.timestamp()))
    if isinstance(caller, ServiceCaller):
        values["aws:PrincipalIsAWSService"] = "true"
        values["aws:PrincipalServiceName"] = caller.service
        values["aws:SourceArn"] = caller.source_arn
        values["aws:SourceAccount"] = caller.source_account
    elif isinstance(caller, Root):
        values.update(
            {
                "aws:PrincipalArn": caller.arn,
                "aws:PrincipalAccount": caller.account,
                "aws:PrincipalType": "Account",
                "aws:userid": caller.account,
                "aws:PrincipalIsAWSService": "false",
                "aws:ViaAWSService": "false",
            }
        )
        _organization(context, caller.account)
    else:
        _principal(context, caller)
        _organization(context, caller.account)
        values["aws:ViaAWSService"] = "false"
    if "User-Agent" in headers:
        values["aws:UserAgent"] = headers["User-Agent"]
    if "Referer" in headers:
        values["aws:Referer"] = headers["Referer"]
    owner = context.resource_account = _resource_account(call, resource)
    if owner:
        values["aws:ResourceAccount"] = owner
    else:
        context.declare_unknowable("aws:resourceaccount")
    _service_keys(context, call, resource, caller, headers)
    return context


def _principal(context: Context, caller: Caller) -> None:
    values = context.values
    values["aws:PrincipalArn"] = caller.principal_arn
    values["aws:PrincipalAccount"] = caller.account
    values["aws:PrincipalType"] = caller.kind
    values["aws:PrincipalIsAWSService"] = "false"
    values["aws:userid"] = caller.userid
    if caller.username:
        values["aws:username"] = caller.username
    for key, value in caller.tags.items():
        values[f"aws:PrincipalTag/{key}"] = value
    if caller.kind == "AssumedRole":
        values["aws:MultiFactorAuthPresent"] = "true" if caller.mfa else "false"
        if caller.issued_at is not None:
            values["aws:TokenIssueTime"] = _iso(caller.issued_at)
            if caller.mfa:
                values["aws:MultiFactorAuthAge"] = str(int((CLOCK.now() - caller.issued_at).total_seconds()))
        context.unknowable |= UNKNOWABLE_FOR_SESSIONS
    if caller.source_identity:
        values["aws:SourceIdentity"] = caller.source_identity


def _organization(context: Context, account: str) -> None:
    """aws:PrincipalOrgID, when moto's Organizations has `account` in an organization."""
    organization = organizations.organization_id(account)
    if organization:
        context.values["aws:PrincipalOrgID"] = organization
        context.unknowable.discard("aws:principalorgid")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _resource_account(call: ApiCall, resource: Resource) -> str | None:
    if resource.arn == ANY:
        return None
    if call.action.startswith("s3:"):
        return bucket_owner(call.partition, call.extra.get("bucket", "")) or call.account  # or the bucket to be made
    return resource.account


def bucket_owner(partition: str, bucket: str) -> str | None:
    """The account moto keeps `bucket` in (bucket names are global), None when there is no such bucket."""
    owner = s3_backends.bucket_accounts.get(bucket)
    return owner[1] if owner and owner[0] == partition else None


# --- service keys ------------------------------------------------------------------------------------------------

Filler = Callable[["_Request"], Mapping[str, Value]]


@dataclass(frozen=True)
class _Request:
    call: ApiCall
    resource: Resource
    caller: Caller | ServiceCaller | Root
    headers: Mapping[str, str]


def _service_keys(
    context: Context,
    call: ApiCall,
    resource: Resource,
    caller: Caller | ServiceCaller | Root,
    headers: Mapping[str, str],
) -> None:
    """Every key the SAR lists for this action and resource type: filled, absent, or unknowable."""
    described = action(call.action)
    listed = set(described.condition_keys) | (set(resource.type.condition_keys) if resource.type else set())
    request = _Request(call, resource, caller, headers)
    for pattern in sorted(listed):
        filler = FILLERS.get(pattern.split("${", 1)[0] + "*" if "${" in pattern else pattern)
        if filler is None:
            context.declare_unknowable(pattern)
            continue
        try:
            filled = filler(request)
        except _Unknowable:
            context.declare_unknowable(pattern)
            continue
        for key, value in filled.items():
            context.values.setdefault(key, value)


class _Unknowable(Exception):
    """A filler that cannot fill its key for this request (a resource whose tags the emulator cannot read)."""


def _absent(request: _Request) -> Mapping[str, Value]:
    return {}


def _param(name: str, key: str) -> Filler:
    def fill(request: _Request) -> Mapping[str, Value]:
        value = request.call.params.get(name)
        if value in (None, "", []):
            return {}
        return {key: tuple(_text(v) for v in value) if isinstance(value, list) else _text(value)}

    return fill


def _text(value: Any) -> str:
    """A request value as a condition sees it: booleans as `true`/`false`."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _constant(key: str, value: Callable[[_Request], str]) -> Filler:
    return lambda request: {key: value(request)}


# Tags passed with the request: the shapes services use for them.
def request_tags(params: Mapping[str, Any], resource_type: str | None = None) -> dict[str, str] | None:
    """{key: value} of the tags a request passes, None if it passes none."""
    for name in ("Tags", "tags", "TagList"):
        if name in params:
            return _tag_dict(params[name])
    if "TagSpecifications" in params:  # EC2: one list per resource type being created
        tags: dict[str, str] = {}
        for spec in params["TagSpecifications"]:
            if resource_type is None or spec.get("ResourceType") == resource_type:
                tags.update(_tag_dict(spec.get("Tags", [])))
        return tags
    return None


def _tag_dict(tags: Any) -> dict[str, str]:
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    found = {}
    for tag in tags:
        key = tag.get("Key", tag.get("TagKey", tag.get("key")))
        found[str(key)] = str(tag.get("Value", tag.get("TagValue", tag.get("value", ""))))
    return found


def _request_tags(request: _Request) -> Mapping[str, Value]:
    type_name = request.resource.type.name if request.resource.type else None
    tags = request_tags(request.call.params, type_name)
    if tags is None:
        return {}
    values: dict[str, Value] = {f"aws:RequestTag/{k}": v for k, v in tags.items()}
    values["aws:TagKeys"] = tuple(tags)
    return values


_UNTAG_CALLS = ("UntagResource", "UntagDeliveryStream", "UntagRole", "UntagUser")


def _tag_keys(request: _Request) -> Mapping[str, Value]:
    """The tag keys a request passes: with their values on create and tag calls, alone on untag calls."""
    if request.call.name in _UNTAG_CALLS:
        keys = request.call.params.get("TagKeys") or request.call.params.get("tagKeys") or []
        return {"aws:TagKeys": tuple(keys)} if keys else {}
    return {k: v for k, v in _request_tags(request).items() if k == "aws:TagKeys"}


# --- resource tags, read from moto's backends --------------------------------------------------------------------


def resource_tags(call: ApiCall, resource: Resource) -> dict[str, str] | None:
    """The tags of the resource a request acts on ({} when it has none or does not exist yet); None when the
    emulator cannot read them for this resource type."""
    if resource.type is None:
        return {}
    reader = TAG_READERS.get((call.action.partition(":")[0], resource.type.name))
    if reader is None:
        return None
    return reader(call, resource)


def _tail(arn: str, marker: str) -> str:
    return arn.split(marker, 1)[1]


def _tagger_dict(backend: Any, arn: str) -> dict[str, str]:
    return dict(backend.tagger.get_tag_dict_for_resource(arn))


def _ec2_tags(call: ApiCall, resource: Resource) -> dict[str, str]:
    resource_id = resource.arn.rsplit("/", 1)[1]
    return dict(ec2_backends[call.account][call.region].tags.get(resource_id, {}))


def _role_tags(call: ApiCall, resource: Resource) -> dict[str, str]:
    try:
        role = iam_backends[call.account][call.partition].get_role_by_arn(resource.arn)
    except NotFoundException:  # not made yet (CreateRole): no tags
        return {}
    return {t["Key"]: t["Value"] for t in role.tags}


def _user_tags(call: ApiCall, resource: Resource) -> dict[str, str]:
    backend = iam_backends[call.account][call.partition]
    return {t["Key"]: t["Value"] for t in backend.tagger.list_tags_for_resource(resource.arn)["Tags"]}


def _stack_tags(call: ApiCall, resource: Resource) -> dict[str, str]:
    backend = cloudformation_backends[call.account][call.region]
    stack = backend.stacks.get(resource.arn)
    return dict(stack.tags or {}) if stack else {}


def _log_group_tags(call: ApiCall, resource: Resource) -> dict[str, str]:
    name = _tail(resource.arn, ":log-group:").split(":log-stream:")[0].removesuffix(":*")
    backend = logs_backends[call.account][call.region]
    group = backend.groups.get(name)
    return _tagger_dict(backend, group.arn) if group else {}


def _kms_tags(call: ApiCall, resource: Resource) -> dict[str, str]:
    backend = kms_backends[call.account][call.region]
    key_id = _tail(resource.arn, ":key/")
    if key_id not in backend.keys:
        return {}
    return {t["TagKey"]: t["TagValue"] for t in backend.list_resource_tags(key_id)["Tags"]}


def _ssm_tags(kind: str) -> Callable[[ApiCall, Resource], dict[str, str]]:
    def read(call: ApiCall, resource: Resource) -> dict[str, str]:
        name = _tail(resource.arn, ":document/" if kind == "Document" else ":parameter/")
        name = name if kind == "Document" or "/" not in name else "/" + name
        try:
            return dict(ssm_backends[call.account][call.region].list_tags_for_resource(kind, name))
        except InvalidResourceId:  # no such document or parameter (AWS's own documents are not in moto)
            return {}

    return read


def _object_tags(call: ApiCall, resource: Resource) -> dict[str, str]:
    bucket, _, key = _tail(resource.arn, ":::").partition("/")
    backend = s3_backends[call.account][call.partition]
    try:
        found = backend.get_object(bucket, key)
    except (MissingBucket, MissingKey):
        return {}
    if found is None:
        return {}
    return {t["Key"]: t["Value"] for t in backend.get_object_tagging(found)["Tags"]}


TAG_READERS: dict[tuple[str, str], Callable[[ApiCall, Resource], dict[str, str]]] = {
    ("firehose", "deliverystream"): lambda call, r: _tagger_dict(firehose_backends[call.account][call.region], r.arn),
    ("athena", "workgroup"): lambda call, r: _tagger_dict(athena_backends[call.account][call.region], r.arn),
    ("scheduler", "schedule-group"): lambda call, r: _tagger_dict(scheduler_backends[call.account][call.region], r.arn),
    ("logs", "log-group"): _log_group_tags,
    ("logs", "log-stream"): _log_group_tags,
    ("kms", "key"): _kms_tags,
    ("cloudformation", "stack"): _stack_tags,
    ("iam", "role"): _role_tags,
    ("sts", "role"): _role_tags,
    ("iam", "user"): _user_tags,
    ("ssm", "instance"): _ec2_tags,
    ("ssm", "document"): _ssm_tags("Document"),
    ("ssm", "parameter"): _ssm_tags("Parameter"),
    **{("ec2", name): _ec2_tags for name in ("instance", "volume", "security-group", "subnet", "vpc", "image")},
}


def _resource_tag_keys(prefix: str) -> Filler:
    """aws:ResourceTag/k, or a service's own form of it (ec2:ResourceTag/k, ssm:resourceTag/k, iam:ResourceTag/k)."""

    def fill(request: _Request) -> Mapping[str, Value]:
        tags = resource_tags(request.call, request.resource)
        if tags is None:
            raise _Unknowable
        return {f"{prefix}/{k}": v for k, v in tags.items()}

    return fill


def _existing_object_tags(request: _Request) -> Mapping[str, Value]:
    if request.resource.type is None or request.resource.type.name != "object":
        return {}
    return {f"s3:ExistingObjectTag/{k}": v for k, v in _object_tags(request.call, request.resource).items()}


def _request_object_tags(request: _Request) -> Mapping[str, Value]:
    """PutObject's tags, from its x-amz-tagging header (URL-encoded key=value pairs)."""
    header = next((v for k, v in request.headers.items() if k.lower() == "x-amz-tagging"), None)
    if header is None:
        return {}
    tags = dict(parse_qsl(header, keep_blank_values=True))
    values: dict[str, Value] = {f"s3:RequestObjectTag/{k}": v for k, v in tags.items()}
    values["s3:RequestObjectTagKeys"] = tuple(tags)
    return values


def _s3_query(name: str, key: str) -> Filler:
    """ListBucket's prefix, delimiter and max-keys: present only when the request passes them (S3 user guide, "Example
    key condition for Amazon S3": a ListObjects without prefix does not satisfy a condition on s3:prefix)."""

    def fill(request: _Request) -> Mapping[str, Value]:
        query = request.call.extra.get("query", {})
        return {key: query[name]} if name in query else {}

    return fill


def _header(name: str, key: str) -> Filler:
    def fill(request: _Request) -> Mapping[str, Value]:
        for header, value in request.headers.items():
            if header.lower() == name:
                return {key: value}
        return {}

    return fill


def _instance_attribute(key: str, read: Callable[[Any], str | None]) -> Filler:
    def fill(request: _Request) -> Mapping[str, Value]:
        if request.resource.type is None or request.resource.type.name != "instance":
            raise _Unknowable
        instance_id = request.resource.arn.rsplit("/", 1)[1]
        instance = ec2_backends[request.call.account][request.call.region].get_instance_by_id(instance_id)
        value = read(instance) if instance is not None else None
        return {key: value} if value else {}

    return fill


def _kms_request_alias(request: _Request) -> Mapping[str, Value]:
    named = str(request.call.params.get("KeyId", ""))
    alias = named.split(":", 5)[-1] if named.startswith("arn:") else named
    return {"kms:RequestAlias": alias} if alias.startswith("alias/") else {}


def _encryption_context(request: _Request) -> Mapping[str, Value]:
    given = request.call.params.get("EncryptionContext") or {}
    values: dict[str, Value] = {f"kms:EncryptionContext:{k}": str(v) for k, v in given.items()}
    if given:
        values["kms:EncryptionContextKeys"] = tuple(given)
    return values


def _caller_account(request: _Request) -> str:
    caller = request.caller
    return caller.source_account if isinstance(caller, ServiceCaller) else caller.account


def never_known(key: str) -> bool:
    """A key AWS carries on requests whose value the emulator can never know (aws:SourceIp), not even from its own
    state (FILLED_FROM_STATE)."""
    return key.lower() not in FILLED_FROM_STATE and any(
        key.lower().startswith(k.lower()) if k.endswith(("/", ":")) else key.lower() == k.lower()
        for k in UNKNOWABLE_KEYS
    )


# SAR condition keys (lower case, `prefix/*` for a family) -> how the emulator fills them from the request.
FILLERS: dict[str, Filler] = {
    "aws:requesttag/*": _request_tags,
    "aws:tagkeys": _tag_keys,
    "aws:resourcetag/*": _resource_tag_keys("aws:ResourceTag"),
    "ec2:resourcetag/*": _resource_tag_keys("ec2:ResourceTag"),
    "ssm:resourcetag/*": _resource_tag_keys("ssm:resourceTag"),
    "iam:resourcetag/*": _resource_tag_keys("iam:ResourceTag"),
    # S3: bucket tags are for access control only once ABAC is enabled on the bucket (S3 user guide, "Enabling ABAC
    # in general purpose buckets"), which the emulator's S3 has no way to do: the keys are absent.
    "s3:buckettag/*": _absent,
    "s3:existingobjecttag/*": _existing_object_tags,
    "s3:requestobjecttag/*": _request_object_tags,
    "s3:requestobjecttagkeys": _request_object_tags,
    "s3:prefix": _s3_query("prefix", "s3:prefix"),
    "s3:delimiter": _s3_query("delimiter", "s3:delimiter"),
    "s3:max-keys": _s3_query("max-keys", "s3:max-keys"),
    "s3:versionid": _s3_query("versionId", "s3:versionid"),
    "s3:resourceaccount": lambda request: {
        "s3:ResourceAccount": _resource_account(request.call, request.resource) or request.call.account
    },
    "s3:authtype": lambda request: {"s3:authType": "REST-HEADER"},  # the hook sees header-signed requests only
    "s3:signatureversion": lambda request: {"s3:signatureversion": "AWS4-HMAC-SHA256"},
    "s3:x-amz-content-sha256": _header("x-amz-content-sha256", "s3:x-amz-content-sha256"),
    "s3:x-amz-acl": _header("x-amz-acl", "s3:x-amz-acl"),
    "s3:x-amz-server-side-encryption": _header("x-amz-server-side-encryption", "s3:x-amz-server-side-encryption"),
    "s3:x-amz-server-side-encryption-aws-kms-key-id": _header(
        "x-amz-server-side-encryption-aws-kms-key-id", "s3:x-amz-server-side-encryption-aws-kms-key-id"
    ),
    "s3:x-amz-storage-class": _header("x-amz-storage-class", "s3:x-amz-storage-class"),
    "s3:x-amz-copy-source": _header("x-amz-copy-source", "s3:x-amz-copy-source"),
    "s3:x-amz-metadata-directive": _header("x-amz-metadata-directive", "s3:x-amz-metadata-directive"),
    "s3:if-match": _header("if-match", "s3:if-match"),
    "s3:if-none-match": _header("if-none-match", "s3:if-none-match"),
    # Access points and Access Grants: the emulator's S3 serves neither, so no request comes through one.
    "s3:accessgrantsinstancearn": _absent,
    "s3:accesspointnetworkorigin": _absent,
    "s3:dataaccesspointaccount": _absent,
    "s3:dataaccesspointarn": _absent,
    "s3:accesspointtag/*": _absent,
    "ec2:region": lambda request: {"ec2:Region": request.call.region},
    "ec2:instancetype": _instance_attribute("ec2:InstanceType", lambda i: i.instance_type),
    "ec2:instanceid": _instance_attribute("ec2:InstanceID", lambda i: i.id),
    "ec2:availabilityzone": _instance_attribute("ec2:AvailabilityZone", lambda i: i.placement.zone),
    "iam:permissionsboundary": _param("PermissionsBoundary", "iam:PermissionsBoundary"),
    "iam:policyarn": _param("PolicyArn", "iam:PolicyARN"),
    "iam:passedtoservice": _param("PassedToService", "iam:PassedToService"),
    "sts:externalid": _param("ExternalId", "sts:ExternalId"),
    "sts:rolesessionname": _param("RoleSessionName", "sts:RoleSessionName"),
    "sts:sourceidentity": _param("SourceIdentity", "sts:SourceIdentity"),
    "sts:transitivetagkeys": _param("TransitiveTagKeys", "sts:TransitiveTagKeys"),
    "cloudformation:rolearn": _param("RoleARN", "cloudformation:RoleArn"),
    "cloudformation:templateurl": _param("TemplateURL", "cloudformation:TemplateUrl"),
    "cloudformation:stackpolicyurl": _param("StackPolicyURL", "cloudformation:StackPolicyUrl"),
    "cloudformation:resourcetypes": _param("ResourceTypes", "cloudformation:ResourceTypes"),
    "cloudformation:changesetname": _param("ChangeSetName", "cloudformation:ChangeSetName"),
    "kms:calleraccount": _constant("kms:CallerAccount", _caller_account),
    "kms:viaservice": _absent,  # a direct call; the emulator's services call KMS through no request
    "kms:requestalias": _kms_request_alias,
    "kms:encryptioncontext:*": _encryption_context,
    "kms:encryptioncontextkeys": _encryption_context,
    "ssm:overwrite": _param("Overwrite", "ssm:Overwrite"),
    "cloudwatch:namespace": _param("Namespace", "cloudwatch:namespace"),
}
