"""A class of labs: its name and its roster (CSV `student_id,display_name,language[,account_id]`), parsed and validated
once.

Both become parts of AWS names, so they are held to what every name they enter allows (lab_stack/names.py derives
the names):
- a student id names the student's IAM user (`<class>-<id>`), lab stack, Athena workgroup and dashboard (letters,
  digits, hyphens), S3 bucket (lowercase letters, digits, hyphens, dots), Glue database (Athena: lowercase letters,
  digits, underscore) and is the value of the `student` tag the class policy compares (tag values allow letters,
  digits, spaces and `_.:/=+-@`). The intersection of all of them, with a separator that can never be part of an id
  (so no id is the prefix of another id's names), is lowercase letters a-z and digits 0-9;
- the class name prefixes every one of those names and the class's own stack: lowercase letters, digits and
  hyphens, beginning with a letter, not ending with a hyphen.
Lengths keep the longest derived name within its limit: labName 40, S3 bucket 63 (`<class>-<id>-<account>-<region>`).

A class across accounts (a CloudFormation StackSet, one AWS account per student) may name each student's account in
the optional `account_id` column: 12 digits, no account twice.

A bad roster is every problem it has, one line each with its row number (row 1 is the header), before anything is
made; a bad class name is one line.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lab_stack.i18n import N_, _

COLUMNS = ("student_id", "display_name", "language")
# A class across accounts: the student's own AWS account (StackSets' Accounts take 12 digits: ^[0-9]{12}$).
ACCOUNT_COLUMN = "account_id"
LANGUAGES = ("es", "en")
MAX_STUDENTS = 100
MAX_DISPLAY_NAME = 64

_CLASS_NAME = re.compile(r"^[a-z][a-z0-9-]{0,14}[a-z0-9]$")
STUDENT_ID_PATTERN = r"^[a-z0-9]{1,16}$"  # also the AllowedPattern of a StackSet lab's StudentId parameter
_STUDENT_ID = re.compile(STUDENT_ID_PATTERN)
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
# Ids that are no student's: the class's own stacks are `<class>-class` and `<class>-budget` (names.py), and a class
# across accounts gives its StackSet this placeholder StudentId, which every stack instance overrides with its
# student's.
UNASSIGNED_STUDENT = "unassigned"
RESERVED_STUDENT_IDS = {
    "class": N_("it names the class's own stack"),
    "budget": N_("it names the class's budget stack"),
    UNASSIGNED_STUDENT: N_("it is the StackSet's placeholder for a lab of no student"),
}

CLASS_NAME_RULE = N_(
    "2 to 16 lowercase letters, digits and hyphens, beginning with a letter and not ending with a hyphen "
    "(it begins every name the class makes: stacks, IAM users, buckets)"
)
STUDENT_ID_RULE = N_(
    "1 to 16 lowercase letters a-z and digits 0-9 (it names the student's IAM user, lab stack, bucket and Glue "
    "database, and is their `student` tag)"
)


class RosterError(ValueError):
    """A roster or class name the class cannot be built with; str() is one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Student:
    student_id: str
    display_name: str
    language: str  # "es" or "en": the language of their handout
    account_id: str | None = None  # their own AWS account, in a class across accounts


@dataclass(frozen=True)
class Roster:
    students: tuple[Student, ...]

    @property
    def ids(self) -> list[str]:
        return [student.student_id for student in self.students]

    def __len__(self) -> int:
        return len(self.students)

    def student(self, student_id: str) -> Student | None:
        return next((s for s in self.students if s.student_id == student_id), None)

    @property
    def has_accounts(self) -> bool:
        """Whether the roster names each student's account (its account_id column)."""
        return bool(self.students) and self.students[0].account_id is not None


def parse_class_name(value: object) -> str:
    if not isinstance(value, str) or not _CLASS_NAME.fullmatch(value):
        raise RosterError([_("invalid class name {value}: {rule}").format(value=repr(value), rule=_(CLASS_NAME_RULE))])
    return value


def read_roster(path: Path) -> Roster:
    """The roster in a CSV file (UTF-8, a spreadsheet's byte-order mark allowed)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise RosterError(
            [_("roster {path}: cannot be read ({error})").format(path=path, error=error.strerror or error)]
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RosterError(
            [_("roster {path}: not UTF-8 text (byte {byte}); save it as CSV UTF-8").format(path=path, byte=error.start)]
        ) from None
    return parse_roster(text, source=str(path))


def parse_roster(text: str, *, source: str = "roster") -> Roster:
    """Every row checked; all problems raised together, one line each, naming the row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise RosterError(
            [_("{source} row {row}: not valid CSV ({error})").format(source=source, row=reader.line_num, error=error)]
        ) from None
    rows = [(number, row) for number, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise RosterError(
            [
                _("{source}: empty; the first row must be the header {header}").format(
                    source=source, header=",".join(COLUMNS)
                )
            ]
        )
    header_row, header = rows[0]
    columns = [cell.strip().lower() for cell in header]
    if sorted(columns) not in (sorted(COLUMNS), sorted((*COLUMNS, ACCOUNT_COLUMN))):
        raise RosterError(
            [
                _(
                    "{source} row {row}: the header must name the columns {columns} (any order; and {account} for a "
                    "class across accounts), found {found}"
                ).format(
                    source=source,
                    row=header_row,
                    columns=",".join(COLUMNS),
                    account=ACCOUNT_COLUMN,
                    found=",".join(header) or _("nothing"),
                )
            ]
        )
    position = {name: columns.index(name) for name in columns}
    problems: list[str] = []
    students: list[Student] = []
    first_row_of: dict[str, int] = {}
    first_row_of_account: dict[str, int] = {}
    for number, row in rows[1:]:
        where = _("{source} row {row}").format(source=source, row=number)
        if len(row) != len(columns):
            problems.append(
                _("{where}: {fields} fields, the header has {count} ({columns})").format(
                    where=where, fields=len(row), count=len(columns), columns=",".join(columns)
                )
            )
            continue
        student_id = row[position["student_id"]].strip()
        account_id = row[position[ACCOUNT_COLUMN]].strip() if ACCOUNT_COLUMN in position else None
        row_problems = [
            problem
            for problem in (
                _student_id_problem(student_id),
                _display_name_problem(row[position["display_name"]].strip()),
                _language_problem(row[position["language"]].strip()),
                _account_id_problem(account_id) if account_id is not None else None,
            )
            if problem
        ]
        if not row_problems and student_id in first_row_of:
            row_problems.append(
                _("student_id {id} is already on row {row}").format(id=student_id, row=first_row_of[student_id])
            )
        if not row_problems and account_id in first_row_of_account:
            row_problems.append(
                _("account_id {id} is already on row {row}").format(id=account_id, row=first_row_of_account[account_id])
            )
        problems += [f"{where}: {problem}" for problem in row_problems]
        if row_problems:
            continue
        first_row_of[student_id] = number
        if account_id is not None:
            first_row_of_account[account_id] = number
        students.append(
            Student(
                student_id,
                row[position["display_name"]].strip(),
                row[position["language"]].strip().lower(),
                account_id,
            )
        )
    if not problems and not students:
        problems.append(_("{source}: no students, only the header").format(source=source))
    if len(students) > MAX_STUDENTS:
        problems.append(
            _("{source}: {count} students; a class holds at most {most}").format(
                source=source, count=len(students), most=MAX_STUDENTS
            )
        )
    if problems:
        raise RosterError(problems)
    return Roster(tuple(students))


def _student_id_problem(value: str) -> str | None:
    if not _STUDENT_ID.fullmatch(value):
        return _("invalid student_id {value}: {rule}").format(value=repr(value), rule=_(STUDENT_ID_RULE))
    if value in RESERVED_STUDENT_IDS:
        return _("invalid student_id {value}: {why}; choose another").format(
            value=repr(value), why=_(RESERVED_STUDENT_IDS[value])
        )
    return None


def _account_id_problem(value: str) -> str | None:
    if not _ACCOUNT_ID.fullmatch(value):
        return _("invalid account_id {value}: an AWS account id, 12 digits").format(value=repr(value))
    return None


def _display_name_problem(value: str) -> str | None:
    if not value:
        return _("display_name is empty")
    if len(value) > MAX_DISPLAY_NAME:
        return _("display_name has {count} characters, at most {most}").format(count=len(value), most=MAX_DISPLAY_NAME)
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        return _("display_name {value} holds a control character").format(value=repr(value))
    return None


def _language_problem(value: str) -> str | None:
    if value.lower() not in LANGUAGES:
        return _("invalid language {value}: one of {languages} (the language of the student's handout)").format(
            value=repr(value), languages=", ".join(LANGUAGES)
        )
    return None
