"""The AWS Organizations organization an account is in, as moto's Organizations holds it: what IAM evaluates of it.

The emulator models an organization only where moto's Organizations has one (CreateOrganization in the management
account, CreateAccount for each member); then, for a principal of one of its accounts:
- aws:PrincipalOrgID is the organization's id ("The identifier of the organization that the requesting principal
  belongs to"; "This key is included in the request context only if the principal is a member of an organization",
  IAM user guide, "AWS global condition context keys"). For an account in no organization moto knows, the key stays
  unknowable (evaluation.py's UNKNOWABLE_KEYS): the emulator's accounts stand for real ones that may well be in one;
- its service control policies limit it when the SCP policy type is enabled on the organization's root, each level
  (the root, every OU down to the account, the account) having to allow; they do not limit the management account's
  principals (Organizations user guide, "Service control policies (SCPs)": "SCPs don't affect users or roles in the
  management account");
- resource control policies, which would limit requests on the accounts' resources, are not evaluated: a request on a
  resource of an account whose organization has them enabled is refused (Unevaluated), never allowed past them.
"""

from __future__ import annotations

import json
from typing import Any

from moto.organizations.models import organizations_backends

from .policy_text import Unevaluated

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"


def _organization(account: str | None) -> tuple[Any, str] | None:
    """(moto's backend of the organization's management account, `account`) if an organization holds `account`."""
    if not account:
        return None
    own = organizations_backends[account]["aws"]
    if own.org is not None:
        return own, account
    management = organizations_backends.master_accounts.get(account)
    if management is None:
        return None
    return organizations_backends[management[0]][management[1]], account


def organization_id(account: str | None) -> str | None:
    """aws:PrincipalOrgID of a principal of `account`; None when no organization moto knows holds it."""
    found = _organization(account)
    return found[0].org.id if found else None


def _enabled(backend: Any, policy_type: str) -> bool:
    root = next(unit for unit in backend.ou if unit.type == "ROOT")
    return any(t["Type"] == policy_type and t["Status"] == "ENABLED" for t in root.policy_types)


def scps(account: str | None) -> list[list[dict]] | None:
    """The SCPs that limit `account`'s principals, per level, root first; None when none do (evaluation.Policies)."""
    found = _organization(account)
    if found is None:
        return None
    backend, member = found
    if member == backend.account_id or not _enabled(backend, SCP):
        return None
    units = {unit.id: unit for unit in backend.ou}
    target = backend.get_account_by_id(member)
    levels = [target]
    while levels[0].parent_id in units:
        levels.insert(0, units[levels[0].parent_id])
    return [[json.loads(p.content) for p in level.attached_policies if p.type == SCP] for level in levels]


def refuse_unmodelled(resource_account: str | None) -> None:
    """Raise Unevaluated when the resource's account is under resource control policies."""
    found = _organization(resource_account)
    if found is not None and _enabled(found[0], RCP):
        raise Unevaluated(
            f"the resource control policies of organization {found[0].org.id}, which holds account "
            f"{resource_account}: the emulator does not evaluate them"
        )
