"""IAM policy evaluation as the IAM User Guide documents it: the one decision for every request the emulator
authorizes.

moto 5.2.5's own (moto/iam/access_control.py) knows only StringEquals, passes no request context, takes a NotResource
Deny as an Allow and turns resource patterns into unescaped regular expressions: it allows what AWS denies. This
engine decides from the request alone (action, resource ARN, principal, context keys, the resource's owner account)
and the policies that apply to it, in the order "Policy evaluation logic" and its pages "How AWS enforcement code
logic evaluates requests to allow or deny access" and "Cross-account policy evaluation logic" give:

1. An explicit Deny in any applicable policy (SCPs, resource-based, identity, permissions boundary, session) wins.
2. SCPs ("AWS Organizations SCPs"): each level of the organization must allow (scps=None: not in an organization).
   They limit IAM principals only; a service principal is not subject to them.
3. Same account: an Allow in a resource-based policy naming the IAM user or the role session (or everyone, `*`)
   allows even where the identity policies, the boundary or the session policy do not; one naming the role ARN is
   limited by the boundary and the session policy; one naming the account delegates to the identity policies. IAM
   role trust policies and KMS key policies are the documented exception: they must allow the principal or its
   account themselves ("they must explicitly allow access for principals").
   Cross account: the resource-based policy must allow (the principal, its role, or its account) and the
   principal's own identity policies must allow too.
4. Identity policies must allow, within the permissions boundary ("Permissions boundaries for IAM entities": the
   intersection) and within the session policies ("Session policies": the intersection). A boundary's or session
   policy's explicit Deny applies to every path.
Principals: IAM users, role sessions (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), the root user, service
principals (firehose.amazonaws.com) and federated providers in trust policies.
NotPrincipal ("AWS JSON policy elements: NotPrincipal"): a Deny applies to every principal it does not name; it must
name the principal and all it belongs to (its role, its account), and when it names only some of them AWS documents
that the Deny "might" apply: that is Unknown. A Deny with NotPrincipal always applies to a principal with a
permissions boundary (documented). An Allow with NotPrincipal allows only a principal none of whose names it lists.

A key the request does not carry is absent, as AWS treats it. Keys AWS carries in requests but the emulator cannot
know (UNKNOWABLE_KEYS, the one list; a Request may give its own) make a condition or variable that reads them
Unknown. Unknown parts are carried through the decision; if the outcome depends on one, evaluate() raises
Unevaluated naming it, and the caller refuses the request. Anything malformed or unknown (an element, an operator,
a Version, a principal form) raises Unevaluated as well: never an allow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .conditions import Condition, compile_condition
from .policy_text import (
    VARIABLES_VERSION,
    VERSIONS,
    Match,
    Pieces,
    Template,
    Unevaluated,
    Unknown,
    all_of,
    any_of,
    resolve,
    resource_match,
    template,
    wildcard_match,
)

__all__ = ["UNKNOWABLE_KEYS", "Decision", "Policies", "Principal", "Request", "Unevaluated", "evaluate"]

# Keys AWS puts in a request's context that the emulator cannot fill truthfully (IAM User Guide, "AWS global
# condition context keys"). A condition or variable reading one that the request does not carry is Unknown, not
# absent. Names are case-insensitive; one ending in "/" or ":" names every key it starts (a tag family, a service).
UNKNOWABLE_KEYS = frozenset(
    {
        # The caller's own address: the emulator sees 127.0.0.1, AWS the public (or VPC) address.
        "aws:SourceIp",
        "aws:VpcSourceIp",
        # Whether, and through which VPC or VPC endpoint, the request reached AWS.
        "aws:SourceVpc",
        "aws:SourceVpcArn",
        "aws:SourceVpce",
        "aws:VpceAccount",
        "aws:VpceOrgID",
        "aws:VpceOrgPaths",
        "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4",
        "ec2:SourceInstancePrivateIPv4",
        # Whether the accounts belong to an AWS Organization (a class's accounts often do): outside the emulator,
        # except aws:PrincipalOrgID where moto's Organizations holds the principal's account (context.py fills it).
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:ResourceOrgID",
        "aws:ResourceOrgPaths",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        # The TLS version of the client's connection to AWS: the emulator's own socket is plain HTTP.
        "s3:TlsVersion",
    }
)


@dataclass(frozen=True)
class Principal:
    arn: str  # arn:aws:iam::123456789012:user/alice, an assumed-role session ARN, or "firehose.amazonaws.com"
    account: str | None  # None for a service or federated principal
    kind: str  # "AWS" | "Service" | "Federated"


@dataclass(frozen=True)
class Request:
    action: str  # "s3:GetObject": service prefix and action, matched case-insensitively
    resource: str  # the ARN acted on; "*" where the Service Authorization Reference lists no resource type
    principal: Principal
    context: Mapping[str, str | Sequence[str]]  # condition keys (names case-insensitive); a list = multivalued
    resource_account: str | None = None  # owner of the resource; None = the principal's account
    unknowable: Collection[str] = UNKNOWABLE_KEYS  # keys AWS would carry that this request cannot fill


@dataclass(frozen=True)
class Policies:
    identity: Sequence[Mapping] = ()  # inline, managed and group policies of the user; a session's role policies
    resource: Sequence[Mapping] = ()  # the target's resource-based policies (bucket, key, trust policy)
    boundary: Mapping | None = None  # the user's or role's permissions boundary; None = none set
    session: Sequence[Mapping] | None = None  # session policies passed to AssumeRole; None = none passed
    scps: Sequence[Sequence[Mapping]] | None = None  # per level, root first; None = not in an organization


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # e.g. "explicitly denied by identity policy statement DenyOthers", "no statement allows it"


def evaluate(request: Request, policies: Policies) -> Decision:
    """AWS's decision on `request`, or Unevaluated naming what it rests on that cannot be evaluated."""
    who = _who(request.principal)
    _check_applicable(who, policies)
    action = _action(request.action)
    env = _Env(
        action=action,
        resource=request.resource,
        context=_context(request.context),
        unknowable=_unknowable(frozenset(request.unknowable)),
        who=who,
        has_boundary=policies.boundary is not None,
    )
    compiled = _compile(policies)
    pending_deny: Unknown | None = None
    for statement in compiled.denies:
        applies = statement.applies(env)
        if applies is True:
            return Decision(False, f"explicitly denied by {statement.where}")
        if isinstance(applies, Unknown) and pending_deny is None:
            pending_deny = applies
    allowed, reason = _allow(env, compiled, request.resource_account)
    if pending_deny is not None:
        if allowed is False:
            return Decision(False, reason)
        raise Unevaluated(pending_deny.why)
    if isinstance(allowed, Unknown):
        raise Unevaluated(allowed.why)
    return Decision(allowed, reason)


# --- the request -------------------------------------------------------------------------------------------------
_USER = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):user/(.+)$")
_ROOT = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):root$")
_SESSION = re.compile(r"^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/(.+)$")
_ROLE = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/(.+)$")
_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class _Who:
    """The requesting principal under each name a Principal element can give it (IAM names are not
    case-sensitive: "User names are not distinguished by case", the same for roles)."""

    kind: str
    primary: tuple  # the name that grants directly: ("user", ...), ("session", ...), ("account", ...), ...
    account: str | None
    role: tuple | None = None  # ("role", partition, account, role name) for a role session
    is_root: bool = False
    is_session: bool = False

    def names(self) -> list[tuple]:
        names = [self.primary]
        if self.role:
            names.append(self.role)
        if self.kind == "AWS" and not self.is_root:
            names.append(("account", self.account))
        return names


def _who(principal: Principal) -> _Who:
    if principal.kind in ("Service", "Federated"):
        return _Who(principal.kind, (principal.kind.lower(), principal.arn), None)
    if principal.kind != "AWS":
        raise Unevaluated(f"principal kind {principal.kind}: AWS, Service or Federated")
    arn = principal.arn
    if found := _USER.match(arn):
        who = _Who("AWS", ("user", found[1], found[2], found[3].lower()), found[2])
    elif found := _ROOT.match(arn):
        who = _Who("AWS", ("account", found[2]), found[2], is_root=True)
    elif found := _SESSION.match(arn):
        role = ("role", found[1], found[2], found[3].lower())
        who = _Who("AWS", ("session", found[1], found[2], found[3].lower(), found[4]), found[2], role, is_session=True)
    else:
        raise Unevaluated(
            f"principal {arn}: the engine evaluates IAM users, role sessions, the root user and service principals"
        )
    if principal.account != who.account:
        raise Unevaluated(f"principal {arn}: its account is {who.account}, not {principal.account}")
    return who


def _check_applicable(who: _Who, policies: Policies) -> None:
    if who.kind != "AWS" and (policies.identity or policies.boundary or policies.session or policies.scps):
        raise Unevaluated(
            f"{who.kind.lower()} principal {who.primary[1]}: only resource-based policies apply to it (no identity "
            "policies, boundary, session policies or SCPs)"
        )
    if who.is_root and (policies.boundary is not None or policies.session is not None):
        raise Unevaluated("the root user has no permissions boundary and no session policies")
    if policies.session is not None and not who.is_session:
        raise Unevaluated("session policies apply to role sessions only")


def _action(action: str) -> str:
    if not _ACTION.match(action):
        raise Unevaluated(f"action {action!r}: not service:Action")
    return action.lower()


def _context(context: Mapping[str, Any]) -> dict[str, str | tuple[str, ...]]:
    """Names in lower case; a list is a multivalued key, an empty one an absent key (the empty data set)."""
    normalized: dict[str, str | tuple[str, ...]] = {}
    for key, value in context.items():
        if isinstance(value, str):
            item: str | tuple[str, ...] = value
        elif isinstance(value, Sequence) and all(isinstance(element, str) for element in value):
            if not value:
                continue
            item = tuple(value)
        else:
            raise TypeError(f"context key {key}: a string or a list of strings, not {value!r}")
        name = key.lower()
        if normalized.get(name, item) != item:
            raise Unevaluated(f"context key {key}: given twice with different values (names are case-insensitive)")
        normalized[name] = item
    return normalized


@lru_cache(maxsize=64)
def _unknowable(names: frozenset[str]) -> Callable[[str], bool]:
    exact = frozenset(name.lower() for name in names if not name.endswith(("/", ":")))
    families = tuple(name.lower() for name in names if name.endswith(("/", ":")))
    return lambda key: key in exact or key.startswith(families)


@dataclass(frozen=True)
class _Env:
    action: str
    resource: str
    context: Mapping[str, str | tuple[str, ...]]
    unknowable: Callable[[str], bool]
    who: _Who
    has_boundary: bool


# --- policies ----------------------------------------------------------------------------------------------------
_POLICY_ELEMENTS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_ELEMENTS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"}
)
_PRINCIPAL_TYPES = ("AWS", "Service", "Federated")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class _Statement:
    where: str  # "identity policy statement DenyOthers"
    allow: bool
    actions: tuple[Pieces, ...]
    not_action: bool
    resources: tuple[Template, ...] | None  # None: no Resource element (a trust policy): the resource it is on
    not_resource: bool
    principals: tuple[tuple, ...] | None  # None: no Principal element (identity-side policies)
    not_principal: bool
    conditions: tuple[Condition, ...]

    def applies(self, env: _Env) -> Match:
        """Action, resource, principal (for a Deny) and conditions all match."""
        if self.not_action == any(wildcard_match(pattern, env.action) for pattern in self.actions):
            return False
        principal = True
        if self.principals is not None and not self.allow:
            principal = self._denies(env)
            if principal is False:
                return False
        matched = all_of((principal, self._resource(env)))
        if matched is False:
            return False
        for condition in self.conditions:
            matched = all_of((matched, condition.holds(env.context, env.unknowable)))
            if matched is False:
                return False
        return Unknown(f"{self.where}: {matched.why}") if isinstance(matched, Unknown) else matched

    def grant(self, who: _Who) -> str | None:
        """How an Allow in a resource-based policy names the principal: "direct" (the user, the session,
        everyone), "role" (the session's role), "account" (its account), or None."""
        if self.not_principal:
            return None if _listed(self.principals, who) else "direct"
        kinds = {_names(entry, who) for entry in self.principals}
        return next((kind for kind in ("direct", "role", "account") if kind in kinds), None)

    def _denies(self, env: _Env) -> Match:
        if not self.not_principal:
            return any(_names(entry, env.who) is not None for entry in self.principals)
        if env.has_boundary:
            return True  # "NotPrincipal ... with a Deny effect will always deny any IAM principal that has a
            # permissions boundary policy attached" (Permissions boundaries for IAM entities)
        listed = _listed(self.principals, env.who)
        if env.who.primary not in listed:
            return True
        missing = [name for name in env.who.names() if name not in listed]
        if not missing:
            return False
        return Unknown(
            f"{self.where}: NotPrincipal names the principal but not its {', '.join(name[0] for name in missing)}; "
            "AWS documents that the Deny then 'might' apply (AWS JSON policy elements: NotPrincipal)"
        )

    def _resource(self, env: _Env) -> Match:
        if self.resources is None:
            return True
        found = any_of(_resource_matches(pattern, env) for pattern in self.resources)
        return found if isinstance(found, Unknown) else found != self.not_resource


def _resource_matches(pattern: Template, env: _Env) -> Match:
    pieces = resolve(pattern, env.context, env.unknowable)
    if pieces is None:
        return False  # "a policy variable with no value will not match any resource"
    if isinstance(pieces, Unknown):
        return pieces
    return resource_match(pieces, env.resource)


def _names(entry: tuple, who: _Who) -> str | None:
    """Whether one Principal entry names the requester: "direct", "role", "account" or None."""
    if entry[0] == "any":
        return "direct"
    if entry == who.primary:
        return "direct"
    if who.role is not None and entry == who.role:
        return "role"
    if entry[0] == "account" and who.kind == "AWS" and entry[1] == who.account:
        return "account"
    return None


def _listed(entries: tuple[tuple, ...], who: _Who) -> set[tuple]:
    """Which of the requester's names a NotPrincipal lists."""
    if any(entry[0] == "any" for entry in entries):
        return set(who.names())
    return {name for name in who.names() if name in entries}


@dataclass
class _Compiled:
    denies: list[_Statement] = field(default_factory=list)
    scp_levels: list[list[_Statement]] | None = None
    identity: list[_Statement] = field(default_factory=list)
    resource: list[_Statement] = field(default_factory=list)
    boundary: list[_Statement] | None = None
    session: list[_Statement] | None = None


def _compile(policies: Policies) -> _Compiled:
    compiled = _Compiled()
    if policies.scps is not None:
        compiled.scp_levels = []
        for level, documents in enumerate(policies.scps, start=1):
            allows = _statements(documents, f"SCP (level {level})", "scp", compiled.denies)
            compiled.scp_levels.append(allows)
    compiled.resource = _statements(policies.resource, "resource-based policy", "resource", compiled.denies)
    compiled.identity = _statements(policies.identity, "identity policy", "identity", compiled.denies)
    if policies.boundary is not None:
        compiled.boundary = _statements([policies.boundary], "permissions boundary", "boundary", compiled.denies)
    if policies.session is not None:
        compiled.session = _statements(policies.session, "session policy", "session", compiled.denies)
    return compiled


def _statements(documents: Sequence[Mapping], name: str, kind: str, denies: list[_Statement]) -> list[_Statement]:
    """The Allow statements of these policies; their Deny statements go to `denies`."""
    allows = []
    for number, document in enumerate(documents, start=1):
        label = name if len(documents) == 1 else f"{name} {number}"
        for statement in _policy(document, label, kind):
            (allows if statement.allow else denies).append(statement)
    return allows


def _policy(document: Mapping, label: str, kind: str) -> tuple[_Statement, ...]:
    """A policy's statements, compiled once per text (compiling costs more than deciding)."""
    try:
        text = json.dumps(document, sort_keys=True)
    except (TypeError, ValueError):
        return _compile_policy(document, label, kind)
    return _compiled_policy(text, label, kind)


@lru_cache(maxsize=1024)
def _compiled_policy(text: str, label: str, kind: str) -> tuple[_Statement, ...]:
    return _compile_policy(json.loads(text), label, kind)


def _compile_policy(document: Any, label: str, kind: str) -> tuple[_Statement, ...]:
    if not isinstance(document, Mapping):
        raise Unevaluated(f"{label}: not a JSON object")
    unknown = set(document) - _POLICY_ELEMENTS
    if unknown:
        raise Unevaluated(f"{label}: unknown policy element {', '.join(sorted(unknown))}")
    version = document.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise Unevaluated(f"{label}: Version {version!r} (2012-10-17 or 2008-10-17)")
    if "Statement" not in document:
        raise Unevaluated(f"{label}: no Statement")
    raw = document["Statement"]
    statements = raw if isinstance(raw, list) else [raw]
    return tuple(
        _statement(statement, label, number, kind, version == VARIABLES_VERSION)
        for number, statement in enumerate(statements, start=1)
    )


def _statement(raw: Any, label: str, number: int, kind: str, variables: bool) -> _Statement:
    sid = raw.get("Sid") if isinstance(raw, Mapping) else None
    where = f"{label} statement {sid}" if sid else f"{label} statement {number}"
    if not isinstance(raw, Mapping):
        raise Unevaluated(f"{where}: not a JSON object")
    unknown = set(raw) - _STATEMENT_ELEMENTS
    if unknown:
        raise Unevaluated(f"{where}: unknown policy element {', '.join(sorted(unknown))}")
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise Unevaluated(f"{where}: Effect {raw.get('Effect')!r} (Allow or Deny, case-sensitive)")
    action_key = _one_of(raw, "Action", "NotAction", where, required=True)
    resource_key = _one_of(raw, "Resource", "NotResource", where, required=kind != "resource")
    principal_key = _one_of(raw, "Principal", "NotPrincipal", where, required=kind == "resource")
    if principal_key and kind != "resource":
        raise Unevaluated(f"{where}: {principal_key} belongs in resource-based policies only")
    conditions = raw.get("Condition", {})
    if not isinstance(conditions, Mapping) or not all(isinstance(keys, Mapping) for keys in conditions.values()):
        raise Unevaluated(f"{where}: Condition must map operators to {{key: value(s)}}")
    return _Statement(
        where=where,
        allow=raw["Effect"] == "Allow",
        actions=tuple(_action_pattern(text, where) for text in _strings(raw[action_key], where, action_key)),
        not_action=action_key == "NotAction",
        resources=(
            tuple(_resource_pattern(text, variables, where) for text in _strings(raw[resource_key], where, "Resource"))
            if resource_key
            else None
        ),
        not_resource=resource_key == "NotResource",
        principals=_principal_entries(raw[principal_key], where) if principal_key else None,
        not_principal=principal_key == "NotPrincipal",
        conditions=tuple(
            compile_condition(operator, key, values, variables)
            for operator, keys in conditions.items()
            for key, values in keys.items()
        ),
    )


def _one_of(raw: Mapping, plain: str, negated: str, where: str, *, required: bool) -> str | None:
    present = [key for key in (plain, negated) if key in raw]
    if len(present) > 1:
        raise Unevaluated(f"{where}: both {plain} and {negated}")
    if not present and required:
        raise Unevaluated(f"{where}: needs {plain} or {negated}")
    return present[0] if present else None


def _strings(value: Any, where: str, element: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) for item in items):
        raise Unevaluated(f"{where}: {element} must be a string or a list of strings")
    return items


def _action_pattern(text: str, where: str) -> Pieces:
    service, colon, name = text.partition(":")
    if text != "*" and not (colon and service and name and ":" not in name):
        raise Unevaluated(f"{where}: action {text!r} is not service:Action (or *)")
    return ((text.lower(), True),)


def _resource_pattern(text: str, variables: bool, where: str) -> Template:
    if text != "*" and not text.startswith("arn:"):
        raise Unevaluated(f"{where}: resource {text!r} is not an ARN (or *)")
    parts = template(text, variables)
    colons = 0
    for part in parts:
        if isinstance(part, str):
            colons += part.count(":")
        elif part.key and colons < 5:
            raise Unevaluated(
                f"{where}: resource {text!r} has a policy variable before the resource part of the ARN (after its "
                "fifth colon), where IAM allows none"
            )
    return parts


def _principal_entries(value: Any, where: str) -> tuple[tuple, ...]:
    if value == "*":
        return (("any",),)
    if not isinstance(value, Mapping) or not value:
        raise Unevaluated(f'{where}: Principal must be "*" or {{type: name(s)}}')
    entries = []
    for principal_type, names in value.items():
        if principal_type not in _PRINCIPAL_TYPES:
            raise Unevaluated(f"{where}: principal type {principal_type} is not evaluated (AWS, Service, Federated)")
        for name in _strings(names, where, "Principal"):
            entries.append(_principal_entry(principal_type, name, where))
    return tuple(entries)


def _principal_entry(principal_type: str, name: str, where: str) -> tuple:
    if principal_type == "AWS" and name == "*":
        return ("any",)  # "Principal": {"AWS": "*"} is "Principal": "*" (AWS JSON policy elements: Principal)
    if "*" in name or "?" in name:
        raise Unevaluated(
            f"{where}: principal {name!r}: 'You cannot use a wildcard to match part of a principal name or ARN' "
            "(AWS JSON policy elements: Principal)"
        )
    if principal_type != "AWS":
        return (principal_type.lower(), name)
    if _ACCOUNT.match(name):
        return ("account", name)
    if found := _ROOT.match(name):
        return ("account", found[2])
    if found := _USER.match(name):
        return ("user", found[1], found[2], found[3].lower())
    if found := _ROLE.match(name):
        return ("role", found[1], found[2], found[3].rsplit("/", 1)[-1].lower())  # sessions omit the role's path
    if found := _SESSION.match(name):
        return ("session", found[1], found[2], found[3].lower(), found[4])
    raise Unevaluated(f"{where}: AWS principal {name!r} is not an account, user, role or role session ARN")


# --- the decision ------------------------------------------------------------------------------------------------
_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)
_ROLE_RESOURCE = re.compile(r"^arn:[^:]+:iam::\d{12}:role/")
_KEY_RESOURCE = re.compile(r"^arn:[^:]+:kms:[^:]*:\d{12}:key/")


def _own_policy_required(action: str, resource: str) -> str | None:
    """The resource-based policy that must allow even within the account: a role's trust policy, a KMS key
    policy ("Policy evaluation logic": they "must explicitly allow access for principals")."""
    if action in _TRUST_ACTIONS and _ROLE_RESOURCE.match(resource):
        return "the role's trust policy"
    if action.startswith("kms:") and _KEY_RESOURCE.match(resource):
        return "the key policy"
    return None


def _first(statements: Sequence[_Statement], env: _Env) -> tuple[Match, str | None]:
    """Whether any statement applies, and which one first did."""
    unknown: Unknown | None = None
    for statement in statements:
        applies = statement.applies(env)
        if applies is True:
            return True, statement.where
        if isinstance(applies, Unknown) and unknown is None:
            unknown = applies
    return (False if unknown is None else unknown), None


def _allow(env: _Env, compiled: _Compiled, resource_account: str | None) -> tuple[Match, str]:
    """Whether the policies allow (no explicit Deny applying), and why."""
    who = env.who
    grants: dict[str | None, list[_Statement]] = {"direct": [], "role": [], "account": [], None: []}
    for statement in compiled.resource:
        grants[statement.grant(who)].append(statement)
    direct, direct_by = _first(grants["direct"], env)
    if who.kind != "AWS":
        return direct, f"allowed by {direct_by}" if direct is True else "no resource-based policy allows it"
    scps, scps_why = _scps(env, compiled)
    identity, identity_by = (True, "the root user's own access") if who.is_root else _first(compiled.identity, env)
    boundary = True if compiled.boundary is None else _first(compiled.boundary, env)[0]
    session = True if compiled.session is None else _first(compiled.session, env)[0]
    role, role_by = _first(grants["role"], env)
    account, account_by = _first(grants["account"], env)
    identity_path = all_of((identity, boundary, session))
    if resource_account not in (None, who.account):
        resource_side = any_of((direct, role, account))
        allowed = all_of((scps, resource_side, identity_path))
        if allowed is True:
            return True, f"allowed across accounts by {direct_by or role_by or account_by} and {identity_by}"
        if allowed is not False:
            return allowed, ""
        if scps is False:
            return False, scps_why
        if resource_side is False:
            return False, "cross-account: no resource-based policy statement allows this principal"
        return False, "cross-account: " + _identity_side_why(identity, boundary, session)
    own = _own_policy_required(env.action, env.resource)
    delegated = all_of((account, identity_path)) if own else identity_path
    role_path = all_of((role, boundary, session))
    allowed = all_of((scps, any_of((direct, role_path, delegated))))
    if allowed is True:
        by = direct_by if direct is True else role_by if role_path is True else identity_by
        return True, f"allowed by {by}"
    if allowed is not False:
        return allowed, ""
    if scps is False:
        return False, scps_why
    if own and direct is False and role is False and account is False:
        return False, f"{own} does not allow this principal"
    if role is True:  # a grant to the role: limited by the boundary and the session policy
        return False, _identity_side_why(True, boundary, session)
    return False, _identity_side_why(identity, boundary, session)


def _identity_side_why(identity: Match, boundary: Match, session: Match) -> str:
    if identity is False:
        return "no statement allows it"
    if boundary is False:
        return "outside the permissions boundary"
    return "outside the session policy"


def _scps(env: _Env, compiled: _Compiled) -> tuple[Match, str]:
    if compiled.scp_levels is None:
        return True, ""
    levels = []
    for number, allows in enumerate(compiled.scp_levels, start=1):
        allowed = _first(allows, env)[0]
        if allowed is False:
            return False, f"no SCP at level {number} of the organization allows it"
        levels.append(allowed)
    return all_of(levels), ""
