"""Every request the emulator serves with IAM enforced, authorized as AWS evaluates IAM.

moto 5.2.5 authorizes in `IAMRequestBase.check_action_permitted`: only the caller's identity policies, no request
context (every condition but StringEquals counts as met), a Deny with NotResource taken for an Allow, resource
patterns as unescaped regular expressions, `*` as the resource of most services' actions, no permissions boundary,
no session policy, Inactive access keys accepted; bucket policies are consulted apart (FakeBucket.get_permission),
for object requests only. Here `ActionAuthenticatorMixin._authenticate_and_authorize_action`, which every service's
request goes through, keeps moto's signature check and takes the decision itself, once per request:
1. the caller (principals.py): an IAM user or a role session; an unknown or Inactive key is refused as AWS refuses
   it (InvalidClientTokenId, UnrecognizedClientException for JSON APIs, S3's InvalidAccessKeyId, EC2's AuthFailure);
2. the action as IAM names it (service_prefix.py, s3_requests.py) and its resources (resources.py: the Service
   Authorization Reference's ARN formats filled from the request), every one of which must be allowed, and what the
   request authorizes besides (sts:TagSession for AssumeRole's tags, iam:PassRole for each role it passes:
   passed_roles.py);
3. the request context of each (context.py), and the policies: identity, boundary, session policies, the
   resource's own policy (a bucket policy, read in the account that owns the bucket, so that another account's request
   is decided as cross-account; a role's trust policy for sts:AssumeRole), and the SCPs of the principal's
   organization where moto's Organizations has one (organizations.py);
4. evaluation.py decides. What cannot be evaluated (a resource the emulator cannot name, a condition on a key it
   cannot know) is refused with AccessDenied naming it, never allowed.
Refusals are rendered as each protocol's AWS error: AccessDeniedException (JSON APIs), AccessDenied (query APIs and
S3), UnauthorizedOperation (EC2), with AWS's message shape ("User: <arn> is not authorized to perform: <action> on
resource: <arn> because ...", IAM user guide, "Troubleshoot access denied error messages").
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import AccessDeniedError, InvalidClientTokenIdError, JsonRESTError
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.request import determine_request_protocol
from moto.core.utils import get_service_model
from moto.iam.access_control import IAMRequestBase, S3IAMRequest
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.s3.exceptions import S3AccessDeniedError, S3ClientError
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from . import context as request_context
from . import organizations, principals, resources, s3_requests
from .evaluation import Decision, Policies, Principal, Request, Unevaluated, evaluate
from .passed_roles import pass_role_calls
from .principals import Caller, InvalidKey
from .resources import ANY, ApiCall, Resource, Unbuildable
from .service_reference import UnknownAction

# Actions AWS allows whatever the policies say: "No permissions are required to perform this operation. If an
# administrator attaches a policy to your identity that explicitly denies access to the sts:GetCallerIdentity
# action, you can still perform this operation" (STS API reference, GetCallerIdentity).
ALWAYS_ALLOWED = {"sts:GetCallerIdentity"}


def enforced() -> bool:
    """IAM is enforced now (the emulator's enforce_iam, through moto's reset-auth)."""
    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


# --- the decision ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A request refused: on which resource, and why (the engine's reason, or what could not be evaluated)."""

    resource: str
    reason: str


def decide(caller: Caller, call: ApiCall, headers: Mapping[str, str] | None = None) -> Refusal | None:
    """None when every resource `call` acts on is allowed to `caller`; else the first refusal."""
    if call.action in ALWAYS_ALLOWED:
        return None
    try:
        targets = resources.resources(call)
    except (Unbuildable, UnknownAction) as error:
        return Refusal(ANY, f"the emulator cannot evaluate this request: {error}")
    for resource in targets:
        refusal = _decide_one(caller, call, resource, headers or {})
        if refusal is not None:
            return refusal
    return None


def _decide_one(caller: Caller, call: ApiCall, resource: Resource, headers: Mapping[str, str]) -> Refusal | None:
    context = request_context.for_request(call, resource, caller, headers)
    policies = Policies(
        identity=tuple(caller.identity),
        resource=tuple(resource_policies(call, resource)),
        boundary=caller.boundary,
        session=tuple(caller.session) if caller.session is not None else None,
    )
    decision = run(call.action, resource, principal_of(caller), context, policies)
    return None if decision.allowed else Refusal(resource.arn, decision.reason)


def principal_of(caller: Caller) -> Principal:
    return Principal(arn=caller.arn, account=caller.account, kind="AWS")


def run(
    action: str, resource: Resource, principal: Principal, context: request_context.Context, policies: Policies
) -> Decision:
    """The engine's decision, with the SCPs of the principal's organization (organizations.py); what it cannot
    evaluate is a refusal naming it."""
    request = Request(
        action=action,
        resource=resource.arn,
        principal=principal,
        context=context.values,
        resource_account=context.resource_account,
        unknowable=frozenset(context.unknowable),
    )
    try:
        organizations.refuse_unmodelled(context.resource_account)
        if principal.kind == "AWS":
            policies = replace(policies, scps=organizations.scps(principal.account))
        return evaluate(request, policies)
    except Unevaluated as error:
        return Decision(False, f"the emulator cannot evaluate {error}")


def resource_policies(call: ApiCall, resource: Resource) -> list[Mapping]:
    """The resource's own policy IAM evaluates with the caller's: a bucket's policy for its bucket and objects, a
    role's trust policy for sts:AssumeRole (and sts:TagSession, sts:SetSourceIdentity), a KMS key's key policy."""
    if call.action.startswith("s3:") and resource.type is not None and resource.type.name in ("bucket", "object"):
        policy = bucket_policy(call.partition, call.extra.get("bucket", ""))
        return [policy] if policy else []
    if call.action.startswith("sts:") and resource.type is not None and resource.type.name == "role":
        try:
            role = iam_backends[call.account][call.partition].get_role_by_arn(resource.arn)
        except NotFoundException:  # no such role: nothing trusts the caller
            return []
        trust = role.assume_role_policy_document
        return [json.loads(trust) if isinstance(trust, str) else trust]
    if call.action.startswith("kms:") and resource.type is not None and resource.type.name == "key":
        key = kms_backends[call.account][call.region].keys.get(resource.arn.rsplit("/", 1)[1])
        return [json.loads(key.policy)] if key is not None and key.policy else []
    return []


def bucket_policy(partition: str, bucket: str) -> dict | None:
    """The bucket's policy, from its owner's account (another account's, for a cross-account request)."""
    owner = request_context.bucket_owner(partition, bucket)
    if owner is None:
        return None
    found = s3_backends[owner][partition].buckets.get(bucket)
    return json.loads(found.policy) if found is not None and found.policy else None


# --- the request, as IAM sees it ----------------------------------------------------------------------------------


def api_call(response: Any, iam_request: IAMRequestBase, resource: str, caller: Caller) -> list[ApiCall]:
    """The calls IAM authorizes for one request: usually one; CopyObject also reads its source."""
    account, region = caller.account, iam_request._region
    partition = get_partition(region)
    if isinstance(iam_request, S3IAMRequest):
        return _s3_calls(response, resource, account, region, partition, caller)
    params = _params(response)
    call = ApiCall(iam_request._action, params, account, region, partition, caller.arn)
    also = dict.fromkeys(extra for parameter, extra in ALSO_AUTHORIZED.get(call.action, ()) if params.get(parameter))
    return [
        call,
        *(ApiCall(extra, params, account, region, partition, caller.arn) for extra in also),
        *pass_role_calls(call),
    ]


# What a request authorizes besides its own action when it passes a parameter: AssumeRole with session tags needs
# sts:TagSession, with a source identity sts:SetSourceIdentity, both in the role's trust policy (IAM user guide,
# "Passing session tags in AWS STS", "Monitor and control actions taken with assumed roles").
ALSO_AUTHORIZED: dict[str, tuple[tuple[str, str], ...]] = {
    "sts:AssumeRole": (
        ("Tags", "sts:TagSession"),
        ("TransitiveTagKeys", "sts:TagSession"),
        ("SourceIdentity", "sts:SetSourceIdentity"),
    ),
}


def _s3_calls(response: Any, resource: str, account: str, region: str, partition: str, caller: Caller) -> list[ApiCall]:
    """moto hands S3 requests over with a resource `arn:aws:s3:::<bucket>[/<key>]` (`*` for ListBuckets)."""
    path = resource.split(":::", 1)[1]
    bucket, _, key = path.partition("/")
    bucket = "" if bucket == "*" else bucket
    query = {k: (v[0] if isinstance(v, list) else v) for k, v in response.querystring.items()}
    name = s3_requests.action(response.method, query, bucket, key or None)
    base = {"account": account, "region": region, "partition": partition, "caller_arn": caller.arn}
    if name == "s3:DeleteObject" and not key:  # DeleteObjects: each key it names
        return [
            ApiCall(name, {}, extra={"bucket": bucket, "key": k, "query": query, "batch": True}, **base)
            for k in _keys_to_delete(response.body)
        ]
    calls = [ApiCall(name, {}, extra={"bucket": bucket, "key": key, "query": query}, **base)]
    source = s3_requests.copy_source(response.headers) if name == "s3:PutObject" else None
    if source:
        calls.append(ApiCall("s3:GetObject", {}, extra={"bucket": source[0], "key": source[1], "query": {}}, **base))
    return calls


def _keys_to_delete(body: Any) -> list[str]:
    text = body.decode() if isinstance(body, bytes) else body or ""
    root = ElementTree.fromstring(text)
    return [element.text or "" for element in root.iter() if element.tag.split("}")[-1] == "Key"]


@cache
def _service_model(name: str) -> Any:
    return get_service_model(name)


def _params(response: Any) -> dict[str, Any]:
    """The request's parameters by botocore's member names, parsed as the service's protocol carries them."""
    model = _service_model(response.boto3_service_name)
    protocol = determine_request_protocol(model, response.headers.get("Content-Type"))
    if protocol == "json":  # members are the body's own keys
        return json.loads(response.body or "{}")
    operation = model.operation_model(response._get_action())
    request = response.normalized_request
    return PROTOCOL_PARSERS[protocol](operation).parse(
        {
            "method": request.method,
            "values": request.values,
            "headers": request.headers,
            "body": request.data,
            "url_path": request.path,
            "url_params": response.uri_match,
        }
    )


# --- refusals as each protocol's AWS error ------------------------------------------------------------------------


class _Refused(AccessDeniedError):
    """moto's 403 error document (ErrorResponse/Errors/Error, which query and EC2 clients read), with AWS's code."""

    def __init__(self, error_type: str, message: str):
        super(AccessDeniedError, self).__init__(error_type, message)


class _S3AccessDenied(S3AccessDeniedError):
    def __init__(self, message: str):
        S3ClientError.__init__(self, "AccessDenied", message)


def _protocol(response: Any) -> str:
    if response.boto3_service_name == "s3":
        return "s3"
    model = _service_model(response.boto3_service_name)
    return determine_request_protocol(model, response.headers.get("Content-Type"))


def _denied(response: Any, caller_arn: str, action: str, refusal: Refusal) -> Exception:
    message = (
        f"User: {caller_arn} is not authorized to perform: {action} on resource: {refusal.resource} "
        f"because {refusal.reason}"
    )
    protocol = _protocol(response)
    if protocol == "s3":
        return _S3AccessDenied(message)
    if protocol == "ec2":
        return _Refused("UnauthorizedOperation", f"You are not authorized to perform this operation. {message}")
    if protocol in ("json", "rest-json"):
        error = JsonRESTError("AccessDeniedException", message)
        error.code = 403
        return error
    return _Refused("AccessDenied", message)


def _invalid_key(response: Any, iam_request: IAMRequestBase) -> None:
    """Raise the error AWS answers a key it does not accept with."""
    if _protocol(response) in ("json", "rest-json"):
        raise JsonRESTError("UnrecognizedClientException", "The security token included in the request is invalid.")
    iam_request._raise_invalid_access_key("InvalidId")


# --- the hook -------------------------------------------------------------------------------------------------------


def _authenticate_and_authorize_action(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    if not enforced():
        ActionAuthenticatorMixin.request_count += 1
        return
    if self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
        return
    path = self.raw_path + (f"?{self.parsed_url.query}" if self.parsed_url.query else "")
    try:
        iam_request = iam_request_cls(
            account_id=self.current_account,
            method=self.method,
            path=path,
            data=self.data,
            body=self.raw_body,
            headers=self.headers,
            action=self._get_action(),
        )
    except InvalidClientTokenIdError:
        if _protocol(self) in ("json", "rest-json"):
            raise JsonRESTError(
                "UnrecognizedClientException", "The security token included in the request is invalid."
            ) from None
        raise
    try:
        caller = principals.caller(self.current_account, get_partition(iam_request._region), self.get_access_key())
    except InvalidKey:
        _invalid_key(self, iam_request)
        raise
    iam_request.check_signature()
    refused_deletions = set()
    for call in api_call(self, iam_request, resource, caller):
        refusal = decide(caller, call, self.headers)
        if refusal is None:
            continue
        if call.extra.get("batch"):
            refused_deletions.add(call.extra["key"])
            continue
        raise _denied(self, caller.arn, call.action, refusal)
    _REFUSED_DELETIONS.set(frozenset(refused_deletions))


# The keys of the DeleteObjects request being answered that its caller may not delete: S3 "performs a delete operation
# [for each key] and returns the result of that delete, success or failure" (S3 API reference, DeleteObjects), so
# they are answered as AccessDenied errors of the batch (s3/policy_evaluation.py) while the others are deleted.
_REFUSED_DELETIONS: ContextVar[frozenset[str]] = ContextVar("refused_deletions", default=frozenset())


def deletion_refused(key: str) -> bool:
    """The caller of the DeleteObjects request being answered may not delete `key` (IAM enforced)."""
    return key in _REFUSED_DELETIONS.get()


def install() -> None:
    """Authorize every request here (idempotent)."""
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action
