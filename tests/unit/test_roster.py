"""The class roster and name: what a class may be called and who may be in it, refused one line per problem."""

from __future__ import annotations

import re

import pytest

from lab_stack.names import (
    class_budget_stack_name,
    class_stack_name,
    database_name,
    student_bucket_name,
    student_lab_name,
)
from lab_stack.roster import (
    MAX_STUDENTS,
    RosterError,
    Student,
    parse_class_name,
    parse_roster,
    read_roster,
)

HEADER = "student_id,display_name,language\n"


def problems(text: str) -> list[str]:
    with pytest.raises(RosterError) as caught:
        parse_roster(text)
    return caught.value.problems


def test_a_roster_is_read_in_order_with_each_students_language():
    roster = parse_roster(HEADER + 'ana,Ana Pérez,es\nbob7,"Bob, Jr.",EN\n')
    assert roster.students == (Student("ana", "Ana Pérez", "es"), Student("bob7", "Bob, Jr.", "en"))
    assert roster.ids == ["ana", "bob7"]


def test_columns_may_come_in_any_order_and_blank_lines_are_skipped():
    roster = parse_roster("language,student_id,display_name\n\nes,ana,Ana\n\n")
    assert roster.students == (Student("ana", "Ana", "es"),)


def test_a_spreadsheets_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(("\ufeff" + HEADER + "ana,Ana,es\n").encode())
    assert read_roster(path).ids == ["ana"]


def test_every_bad_row_is_one_line_naming_its_row():
    found = problems(
        HEADER
        + "ana,Ana,es\n"  # row 2
        + "Ana.P,Ana P,es\n"  # row 3: uppercase and a dot
        + "bob,,en\n"  # row 4: no name
        + "cy,Cy,fr\n"  # row 5: language
        + "ana,Ana again,es\n"  # row 6: duplicate
        + "dee,Dee\n"  # row 7: a field short
    )
    assert len(found) == 5
    assert all(line.count("\n") == 0 for line in found)
    assert [re.search(r"row (\d+)", line).group(1) for line in found] == ["3", "4", "5", "6", "7"]
    assert "lowercase letters a-z and digits 0-9" in found[0]
    assert "already on row 2" in found[3]
    assert "one of es, en" in found[2]


@pytest.mark.parametrize(
    "student_id",
    ["", "ana-p", "ana_p", "ana.p", "Ana", "ñandú", "a" * 17, "ana p", "class", "unassigned"],
)
def test_ids_that_would_break_a_name_are_refused(student_id):
    [line] = problems(f"{HEADER}{student_id},Someone,es\n")
    assert line.startswith("roster row 2: invalid student_id")


def test_a_header_is_required():
    [line] = problems("ana,Ana,es\n")
    assert "row 1" in line and "header" in line


@pytest.mark.parametrize("text", ["", "\n\n", HEADER])
def test_an_empty_roster_is_refused(text):
    assert len(problems(text)) == 1


def test_a_class_has_a_size_limit():
    rows = "".join(f"s{i},Student {i},es\n" for i in range(MAX_STUDENTS + 1))
    [line] = problems(HEADER + rows)
    assert f"at most {MAX_STUDENTS}" in line


def test_a_control_character_in_a_name_is_refused():
    [line] = problems(HEADER + "ana,Ana\u202eevil,es\n")
    assert "control character" in line


def test_a_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes((HEADER + "ana,Ana Pérez,es\n").encode("latin-1"))
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    [line] = caught.value.problems
    assert line.startswith(f"roster {path}: not UTF-8 text") and line.endswith("save it as CSV UTF-8")


@pytest.mark.parametrize("name", ["bda-2026", "ab", "c" + "1" * 15])
def test_class_names(name):
    assert parse_class_name(name) == name


@pytest.mark.parametrize("name", ["a", "2026", "Bda", "bda-", "bda_2026", "b" * 17, "", None])
def test_bad_class_names_are_one_line(name):
    with pytest.raises(RosterError) as caught:
        parse_class_name(name)
    assert len(caught.value.problems) == 1


def test_the_longest_class_and_id_fit_every_name_they_make():
    """labName (40), an S3 bucket in the longest region name (63), a Glue database Athena reads unquoted."""
    class_name, student_id = "c" * 16, "s" * 16
    assert len(student_lab_name(class_name, student_id)) <= 40
    assert len(student_bucket_name(class_name, student_id, "1" * 12, "ap-southeast-5")) <= 63
    assert re.fullmatch(r"[a-z0-9_]+", database_name(student_lab_name("bda-2026", "ana7")))


@pytest.mark.parametrize("reserved, stack_name", [("class", class_stack_name), ("budget", class_budget_stack_name)])
def test_no_student_can_take_the_name_of_one_of_the_class_stacks(reserved, stack_name):
    """`<class>-class` and `<class>-budget` are the class's; neither is a student id, and ids hold no hyphen."""
    assert stack_name("bda-2026") == student_lab_name("bda-2026", reserved)
    assert problems(HEADER + f"{reserved},Someone,es\n")


# --- a class across accounts: each student's own account -----------------------------------------------------


def test_a_roster_may_name_each_students_account():
    roster = parse_roster(
        "student_id,display_name,language,account_id\nana,Ana,es,111111111111\nbob,Bob,en,222222222222\n"
    )
    assert [s.account_id for s in roster.students] == ["111111111111", "222222222222"]
    assert roster.has_accounts


def test_a_roster_without_the_column_names_no_account():
    roster = parse_roster(HEADER + "ana,Ana,es\n")
    assert roster.students[0].account_id is None
    assert not roster.has_accounts


def test_a_bad_or_repeated_account_is_one_line_naming_its_row():
    found = problems(
        "account_id,student_id,display_name,language\n"
        "111111111111,ana,Ana,es\n"  # row 2
        "11111111111,bob,Bob,en\n"  # row 3: 11 digits
        "111111111111,cy,Cy,es\n"  # row 4: ana's account again
    )
    assert [re.search(r"row (\d+)", line).group(1) for line in found] == ["3", "4"]
    assert "12 digits" in found[0]
    assert "account_id 111111111111 is already on row 2" in found[1]
