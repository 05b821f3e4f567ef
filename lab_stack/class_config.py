"""A class's settings, parsed and validated once: its name, its roster, its end, and the lab settings every student's
lab shares.

They arrive as CDK context of the class app (class_app.py): `className`, `roster` (a CSV path), `classExpiresAt`
(UTC, `YYYY-MM-DDTHH:MM:SSZ`; `make class-up` fixes it on the first deploy and keeps it on every later one, so a late
student's lab ends with the others), the Budgets backstop's `budgetUsd` (whole US dollars a month; `make class-up`
derives one from the class's cost when BUDGET= is not given) and `budgetEmail` (the instructor's address for its
notices, optional), and any lab setting of cdk.json (`-c format=parquet`...), except those a class sets per student or
for all: labName, bucketName, expiresAfterHours.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lab_stack.config import DEFAULTS, MAX_EXPIRY_HOURS, ConfigError, LabConfig
from lab_stack.i18n import N_, _
from lab_stack.names import student_lab_name
from lab_stack.roster import Roster, RosterError, parse_class_name, read_roster

CLASS_KEYS = ("className", "roster", "classExpiresAt", "budgetUsd", "budgetEmail")
# Lab settings a class decides: per student (names) or for the whole class (its end).
SET_BY_THE_CLASS = {
    "labName": N_("each lab is named <className>-<student_id>"),
    "bucketName": N_("each lab's bucket is named <className>-<student_id>-<account>-<region>"),
    "expiresAfterHours": N_("every lab ends at the class's end (classExpiresAt; make class-up HOURS=...)"),
}
DEFAULT_CLASS_HOURS = 24
MAX_BUDGET_USD = 100_000
_EXPIRES_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_WHOLE_DOLLARS = re.compile(r"^[0-9]{1,6}$")
# An address Budgets can mail (local part, one @, a domain with a dot), one line, no spaces.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}$")


@dataclass(frozen=True)
class ClassConfig:
    class_name: str
    roster: Roster
    expires_at: datetime
    lab: LabConfig  # the settings every student's lab shares (its labName is the first student's)
    budget_usd: int | None = None  # the Budgets backstop's monthly amount; None: not given
    budget_email: str | None = None  # where its notices go besides the class's SNS topic

    @property
    def required_budget_usd(self) -> int:
        """The budget the class app builds: make class-up always gives one (BUDGET=, else derived from the cost)."""
        if self.budget_usd is None:
            raise ConfigError(
                _("budgetUsd: give the class's budget in US dollars (make class-up derives one from its cost)")
            )
        return self.budget_usd

    def lab_config(self, student_id: str) -> LabConfig:
        return dataclasses.replace(self.lab, lab_name=student_lab_name(self.class_name, student_id))

    @classmethod
    def from_context(cls, context: Mapping[str, Any], now: datetime) -> ClassConfig:
        """ConfigError (one line) for a bad setting, RosterError (a line per problem) for a bad roster."""
        for key, why in SET_BY_THE_CLASS.items():
            if key in context and context[key] != DEFAULTS[key]:  # cdk.json's value: the CLI always passes it
                raise ConfigError(_("{key} cannot be set for a class: {why}").format(key=key, why=_(why)))
        try:
            class_name = parse_class_name(context.get("className"))
        except RosterError as error:
            raise ConfigError("className: " + str(error)) from None
        roster_path = context.get("roster")
        if not isinstance(roster_path, str) or not roster_path:
            raise ConfigError(_("roster: give the class's roster CSV (-c roster=PATH)"))
        roster = read_roster(Path(roster_path))
        expires_at = parse_expires_at(context.get("classExpiresAt"), now)
        lab_context = {k: v for k, v in context.items() if k not in CLASS_KEYS and k not in SET_BY_THE_CLASS}
        lab = LabConfig.from_context(
            {**lab_context, "labName": student_lab_name(class_name, roster.ids[0]), "expiresAfterHours": 0}
        )
        budget_usd = parse_budget_usd(context.get("budgetUsd"))
        budget_email = parse_budget_email(context.get("budgetEmail"))
        return cls(class_name, roster, expires_at, lab, budget_usd, budget_email)


def parse_budget_usd(value: Any) -> int | None:
    """Whole US dollars a month, 1 to MAX_BUDGET_USD; None when not given."""
    if value is None or value == "":
        return None
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not _WHOLE_DOLLARS.fullmatch(text) or not 1 <= int(text) <= MAX_BUDGET_USD:
        raise ConfigError(
            _(
                "invalid budgetUsd={value}: a whole number of US dollars from 1 to {most} (make class-up BUDGET=...)"
            ).format(value=repr(value), most=MAX_BUDGET_USD)
        )
    return int(text)


def parse_budget_email(value: Any) -> str | None:
    """The instructor's email address for the budget's notices; None when not given."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _EMAIL.fullmatch(value):
        raise ConfigError(
            _("invalid budgetEmail={value}: an email address, or nothing (make class-up BUDGET_EMAIL=...)").format(
                value=repr(value)
            )
        )
    return value


def parse_expires_at(value: Any, now: datetime) -> datetime:
    """The class's end: a UTC time in the next week, whole seconds; absent, DEFAULT_CLASS_HOURS from now."""
    if value is None or value == "":
        return (now + timedelta(hours=DEFAULT_CLASS_HOURS)).replace(microsecond=0)
    refused = ConfigError(
        _(
            "invalid classExpiresAt={value}: must be a UTC time YYYY-MM-DDTHH:MM:SSZ after now and at most {most} h "
            "from now"
        ).format(value=repr(value), most=MAX_EXPIRY_HOURS)
    )
    if not isinstance(value, str) or not _EXPIRES_AT.fullmatch(value):
        raise refused
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise refused from None
    if not now < moment <= now + timedelta(hours=MAX_EXPIRY_HOURS):
        raise refused
    return moment
