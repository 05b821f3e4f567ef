"""A class across accounts: a class's settings (class_config.py) and where its labs go, parsed and validated once.

Context keys of the StackSet app (stackset_app.py), besides the class's (className, roster, classExpiresAt) and the lab
settings every lab shares:
- `organizationId`: the organization whose principals may read the class bucket's lab files (`o-...`);
- `accounts`: a self-managed StackSet on these accounts, comma-separated; the roster's students get them in the
  roster's order, or, when the roster has an account_id column, `accounts` must list exactly the roster's accounts;
- `organizationalUnit`: a service-managed StackSet on this OU (`ou-...`); the roster's account_id column says which
  student is which account.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lab_stack.class_config import ClassConfig
from lab_stack.config import ConfigError, LabConfig
from lab_stack.i18n import _
from lab_stack.roster import ACCOUNT_COLUMN, Roster
from lab_stack.stackset_operations import StackSetTargets

STACKSET_KEYS = ("organizationId", "accounts", "organizationalUnit")
# AWS Organizations' patterns (Organizations API reference: Organization Id, OrganizationalUnit Id, Account Id).
_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")


@dataclass(frozen=True)
class StackSetClassConfig:
    classroom: ClassConfig
    organization_id: str
    targets: StackSetTargets
    accounts: dict[str, str]  # student id -> their account

    @property
    def class_name(self) -> str:
        return self.classroom.class_name

    @property
    def expires_at(self) -> datetime:
        return self.classroom.expires_at

    @property
    def lab(self) -> LabConfig:
        """Every student's lab: alone in its account, it is named after the class (its student is a parameter)."""
        return dataclasses.replace(self.classroom.lab, lab_name=self.class_name)

    @classmethod
    def from_context(cls, context: Mapping[str, Any], now: datetime) -> StackSetClassConfig:
        """ConfigError (one line) for a bad setting, RosterError for a bad roster."""
        classroom = ClassConfig.from_context({k: v for k, v in context.items() if k not in STACKSET_KEYS}, now)
        organization_id = context.get("organizationId")
        if not isinstance(organization_id, str) or not _ORGANIZATION_ID.fullmatch(organization_id):
            raise ConfigError(
                _(
                    "invalid organizationId={value}: the organization whose accounts read the class's lab files, o- "
                    "and 10 to 32 lowercase letters or digits (aws organizations describe-organization)"
                ).format(value=repr(organization_id))
            )
        accounts, ou = context.get("accounts") or "", context.get("organizationalUnit") or ""
        if bool(accounts) == bool(ou):
            raise ConfigError(
                _("a class across accounts needs accounts=ID,ID,... or organizationalUnit=ou-..., one of the two")
            )
        if ou:
            return cls(
                classroom,
                organization_id,
                StackSetTargets(organizational_unit=_parse_ou(ou)),
                _roster_accounts(classroom.roster, "organizationalUnit"),
            )
        listed = _parse_accounts(accounts)
        return cls(classroom, organization_id, StackSetTargets(accounts=listed), _pair(classroom.roster, listed))


def _parse_ou(value: Any) -> str:
    if not isinstance(value, str) or not _OU_ID.fullmatch(value):
        raise ConfigError(_("invalid organizationalUnit={value}: an OU id, ou-xxxx-xxxxxxxx").format(value=repr(value)))
    return value


def _parse_accounts(value: Any) -> list[str]:
    listed = [a.strip() for a in str(value).split(",")]
    bad = [a for a in listed if not _ACCOUNT_ID.fullmatch(a)]
    if bad:
        raise ConfigError(
            _("invalid accounts={value}: {account} is not an AWS account id (12 digits)").format(
                value=repr(value), account=repr(bad[0])
            )
        )
    twice = sorted({a for a in listed if listed.count(a) > 1})
    if twice:
        raise ConfigError(
            _("invalid accounts={value}: {account} is listed twice; one account per student").format(
                value=repr(value), account=twice[0]
            )
        )
    return listed


def _roster_accounts(roster: Roster, why: str) -> dict[str, str]:
    if not roster.has_accounts:
        raise ConfigError(
            _("{setting}: the roster must name each student's account (its {column} column)").format(
                setting=why, column=ACCOUNT_COLUMN
            )
        )
    return {s.student_id: s.account_id for s in roster.students}


def _pair(roster: Roster, listed: list[str]) -> dict[str, str]:
    """The roster's accounts, checked against the list; without the column, the list in the roster's order."""
    if roster.has_accounts:
        named = _roster_accounts(roster, "accounts")
        if sorted(named.values()) != sorted(listed):
            only_listed = sorted(set(listed) - set(named.values()))
            only_roster = sorted(set(named.values()) - set(listed))
            raise ConfigError(
                _(
                    "accounts and the roster's {column} column differ: listed only {listed}, in the roster only "
                    "{in_roster}"
                ).format(column=ACCOUNT_COLUMN, listed=only_listed or _("none"), in_roster=only_roster or _("none"))
            )
        return named
    if len(listed) != len(roster):
        raise ConfigError(
            _(
                "accounts lists {accounts} accounts for {students} students: one account per student, in the "
                "roster's order (or give the roster an {column} column)"
            ).format(accounts=len(listed), students=len(roster), column=ACCOUNT_COLUMN)
        )
    return dict(zip(roster.ids, listed, strict=True))
