"""The lab speaks Spanish to a student who asks (LAB_LANG=es, or a Spanish locale) and English otherwise: every message
the code marks has its Spanish in its package's catalog, no line a student reads goes round the catalog, and numbers
are written as each language's guide writes them.

Messages are found as `make i18n` finds them: Babel's own extractor over each package, with the Makefile's keywords.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from labctl.toolkit import ROOT
from producer import i18n
from producer.i18n import ENGLISH, SPANISH, in_language, language, number

PACKAGES = ("producer", "lab_stack", "labctl", "rehearsal")
MAKEFILE = (ROOT / "Makefile").read_text()
# Spanish that is the English word for word, on purpose.
SAME_IN_SPANISH = {
    "error: ",
    "total",
    "{prog}: error: {problem}",
    "{time} ({when}), {at_expiry}",
    "stack",
    "stack: {name}",
}


def makefile_keywords() -> dict:
    """The Makefile's I18N_KEYWORDS (`name:singular,plural`), as Babel's keyword table."""
    line = re.search(r"^I18N_KEYWORDS := (.*)$", MAKEFILE, re.MULTILINE).group(1)
    keywords = {}
    for item in line.split():
        name, _, spec = item.partition(":")
        keywords[name] = tuple(int(n) for n in spec.split(",")) if spec else None
    return keywords


def test_the_makefile_compiles_and_extracts_the_packages_tested_here():
    assert re.search(r"^I18N_PACKAGES := (.*)$", MAKEFILE, re.MULTILINE).group(1).split() == list(PACKAGES)


def po_path(package: str) -> Path:
    return ROOT / package / "locale" / SPANISH / "LC_MESSAGES" / f"{package}.po"


def extracted(package: str) -> dict:
    """{msgid: file} of every message the package's code marks (msgid: a str, or (singular, plural))."""
    keywords = {**DEFAULT_KEYWORDS, **makefile_keywords()}
    found = {}
    for filename, _, message, _, _ in extract_from_dir(ROOT / package, keywords=keywords):
        found[message] = f"{package}/{filename}"
    return found


def catalog(package: str):
    with open(po_path(package), "rb") as po:
        return read_po(po)


PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def placeholders(text: str) -> list:
    return sorted(PLACEHOLDER.findall(text))


def problems_with(package: str) -> list:
    spanish = {message.id: message for message in catalog(package) if message.id}
    problems = []
    for msgid, where in extracted(package).items():
        message = spanish.get(msgid)
        ids = list(msgid) if isinstance(msgid, tuple) else [msgid]
        strings = (
            list(message.string) if message and isinstance(message.string, tuple) else [getattr(message, "string", "")]
        )
        if message is None:
            problems.append(f"{where}: {msgid!r} is not in the catalog (run `make i18n`)")
        elif message.fuzzy or not all(strings):
            problems.append(f"{where}: {msgid!r} has no reviewed Spanish")
        elif any(s == i for s, i in zip(strings, ids)) and ids[0] not in SAME_IN_SPANISH:
            problems.append(f"{where}: {msgid!r} is English in the Spanish catalog")
        elif any(placeholders(s) != placeholders(ids[0]) for s in strings):
            problems.append(f"{where}: {msgid!r} and its Spanish name other fields: {strings}")
    return problems


@pytest.mark.parametrize("package", PACKAGES)
def test_every_message_has_its_spanish_with_the_same_fields(package):
    assert extracted(package), "the extractor finds the package's messages"
    assert problems_with(package) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_the_catalog_holds_no_message_the_code_no_longer_says(package):
    stale = {message.id for message in catalog(package) if message.id} - set(extracted(package))
    assert stale == set(), "run `make i18n`: it drops them"


@pytest.mark.parametrize("package", PACKAGES)
def test_the_compiled_catalog_is_its_source(package):
    """`make setup` compiles each .po; a .po edited since (or a checkout never set up) is a stale or missing .mo."""
    compiled = io.BytesIO()
    write_mo(compiled, catalog(package))
    mo = po_path(package).with_suffix(".mo")
    assert mo.exists() and mo.read_bytes() == compiled.getvalue(), "run `make setup`"


def test_a_message_marked_inside_an_f_string_would_be_missed_so_none_is():
    """Babel reads no code inside f-strings: `f"{_('ok')}"` would never reach the catalog."""
    offenders = []
    for path in user_facing_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr):
                offenders += [
                    f"{path.relative_to(ROOT)}:{call.lineno}"
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call) and getattr(call.func, "id", None) in MARKERS
                ]
    assert offenders == []


# --- no line a student reads goes round the catalog --------------------------------------------------------------

# Every module that prints to a student (or raises the one-line errors that are printed).
USER_FACING = (
    "lab_stack/config.py",
    "lab_stack/class_config.py",
    "lab_stack/names.py",
    "lab_stack/roster.py",
    "lab_stack/stackset_config.py",
    "labctl/*.py",
    "labctl/classroom/*.py",
    "producer/*.py",
    "rehearsal/cli.py",
    "rehearsal/offline_lab.py",
    "rehearsal/rehearse.py",
    "rehearsal/lab_local.py",
    "rehearsal/killed_runs.py",
    "rehearsal/lifeline.py",
    "rehearsal/stackset_class.py",
)
# Whole modules that speak to no student, and why.
NOT_TO_STUDENTS = {
    "producer/service.py": "the instance's unit file and shell script: systemd's and the instance journal's words",
    "producer/wheelhouse.py": "synth's check of the wheels; every make target runs `make setup` before synth",
    "producer/schema.py": "a programming error (an event built without its fields), never a student's input",
}
# Text in those modules that reads like a sentence but is not said to anyone, and why.
NOT_SAID = {
    "does not exist": "matched against CloudFormation's error message",
    "unrecognized arguments: ": "matched against argparse's message",
    "bold green": "a rich style",
    "bold cyan": "a rich style",
    "Tried to parse AWS::": "matched against moto's warnings",
    "after the producer's run": "a key of the rehearsal's result, for its tests",
    "after the expiry": "a key of the rehearsal's result, for its tests",
    "^# firehose-lab offline lab, pid": "the env file's owner line, read back by the lab that wrote it",
    "# firehose-lab offline lab, pid": "the env file's owner line, read back by the lab that wrote it",
    "unset AWS_PROFILE": "a shell line of the env file",
    "export PATH=": "a shell line of the env file",
    "make lab-local": "the command's name, as --help shows it",
    "events per minute": "a saved query's name, which the student types: `make query QUERY=...`",
    "top tickers": "a saved query's name, which the student types: `make query QUERY=...`",
    "cannot evaluate": "matched against the emulator's IAM refusal",
    "IAM roles": "a key of the leftovers check's result (rehearsal/leftovers.py)",
    "firehose-lab {": "a class's StackSet's Description, an AWS field, English as the AWS resources' descriptions",
    "Running On-Demand Standard": "Service Quotas' own name of the quota, as its console shows it",
    "VPCs per Region": "Service Quotas' own name of the quota, as its console shows it",
    "Internet gateways per Region": "Service Quotas' own name of the quota, as its console shows it",
    "Active DML queries": "Service Quotas' own name of the quota, as its console shows it",
    "delivery streams": "matched against Service Quotas' quota names",
    "active dml queries": "matched against Service Quotas' quota names",
    "active ddl queries": "matched against Service Quotas' quota names",
    "export AWS_ACCESS_KEY_ID=": "a shell line of the handout, read back by access_key_of",
    "export AWS_SECRET_ACCESS_KEY=": "a shell line of the handout, read back by access_key_of",
}
# Functions, and module-level names, whose text has a language of its own, and why.
OWN_LANGUAGE = {
    ("labctl/cost.py", "markdown"): "the README's cost table, English as the README",
    ("labctl/classroom/handouts.py", "_ENGLISH"): "the handout of a student whose roster row says en",
    ("labctl/classroom/handouts.py", "_SPANISH"): "the handout of a student whose roster row says es",
    ("labctl/classroom/handouts.py", "_KIT"): "the handout's kit steps, in each roster language",
    ("labctl/classroom/handouts.py", "_SHARED_ACCOUNT"): "the handout's account sentence, in each roster language",
    ("labctl/classroom/handouts.py", "_OWN_ACCOUNT"): "the handout's account sentence, in each roster language",
    ("labctl/classroom/handouts.py", "_ACCESS_KEYS"): "the handout's access keys, in each roster language",
    ("labctl/classroom/handouts.py", "PASSWORD_LABELS"): "the handout's password line, in each roster language",
}
MARKERS = {"_", "N_", "ngettext", "counted"}
# Two words of letters in a row: a sentence, not a name, a key or a format.
SENTENCE = re.compile(r"[A-Za-z]{2,}[,;:.]?\s+\(?[A-Za-z]{2,}")


def user_facing_modules() -> list:
    paths = sorted({path for pattern in USER_FACING for path in ROOT.glob(pattern)})
    return [path for path in paths if str(path.relative_to(ROOT)) not in NOT_TO_STUDENTS and path.name != "i18n.py"]


def literal_text(node: ast.AST) -> str | None:
    """A string constant's text, or an f-string's with each field as `{}`; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def sentences_outside_the_catalog(source: str, own_language: tuple = ()) -> list:
    """(line, text) of every string or f-string in `source` that reads like a sentence and is not a message (inside
    `_()`, `N_()`, `ngettext()`, `counted()`), a docstring, a part of a bigger f-string, or in the functions named in
    `own_language` (functions, or names assigned at module level)."""
    tree = ast.parse(source)
    skip: set = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in own_language:
            skip.update(id(inner) for inner in ast.walk(node))
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) in own_language for t in node.targets):
            skip.update(id(inner) for inner in ast.walk(node))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))  # docstrings, of modules, classes, functions and attributes
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in MARKERS:
            skip.update(id(inner) for inner in ast.walk(node))
        elif isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in node.values)
    found = []
    for node in ast.walk(tree):
        text = None if id(node) in skip else literal_text(node)
        if text and SENTENCE.search(text) and not text.startswith(tuple(NOT_SAID)):
            found.append((node.lineno, text))
    return found


def test_no_sentence_a_student_reads_goes_round_the_catalog():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in user_facing_modules()
        for line, text in sentences_outside_the_catalog(
            path.read_text(), tuple(name for module, name in OWN_LANGUAGE if ROOT / module == path)
        )
    ]
    assert offenders == []


def test_every_exception_is_still_needed():
    sources = {str(path.relative_to(ROOT)): path.read_text() for path in user_facing_modules()}
    assert [text for text in NOT_SAID if not any(text in source for source in sources.values())] == []
    assert [module for module in NOT_TO_STUDENTS if not (ROOT / module).exists()] == []
    defined = ("def {name}(", "\n{name} = ")
    assert [
        (module, name)
        for module, name in OWN_LANGUAGE
        if not any(form.format(name=name) in sources.get(module, "") for form in defined)
    ] == []


def test_the_check_does_see_a_sentence_going_round_the_catalog():
    source = '''
def run(lab):
    """Docstrings are not said."""
    print(f"lab {lab} is up")
    raise ValueError("no such lab")
    print(_("lab {lab} is up").format(lab=lab), "-c", f"{lab}: {lab}")
'''
    assert sentences_outside_the_catalog(source) == [(4, "lab {} is up"), (5, "no such lab")]


# --- choosing the language ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "environ, spoken",
    [
        ({}, ENGLISH),
        ({"LANG": "C.UTF-8"}, ENGLISH),
        ({"LANG": "es_MX.UTF-8"}, SPANISH),
        ({"LANG": "es_AR.UTF-8", "LC_ALL": "en_US.UTF-8"}, ENGLISH),  # gettext's order: LC_ALL before LANG
        ({"LC_MESSAGES": "es_CO.UTF-8", "LANG": "en_US.UTF-8"}, SPANISH),
        ({"LANGUAGE": "es:en", "LC_ALL": "en_US.UTF-8"}, SPANISH),
        ({"LANGUAGE": "", "LANG": "es_CL.UTF-8"}, SPANISH),  # set but empty is not set
        ({"LAB_LANG": "es", "LANG": "en_US.UTF-8"}, SPANISH),
        ({"LAB_LANG": "en", "LANG": "es_MX.UTF-8"}, ENGLISH),  # LAB_LANG wins
        ({"LAB_LANG": "fr", "LANG": "es_MX.UTF-8"}, ENGLISH),  # no French: English, the messages as written
        ({"LAB_LANG": " ", "LANG": "es_MX.UTF-8"}, SPANISH),
    ],
)
def test_lab_lang_wins_then_the_first_locale_variable_set(environ, spoken):
    assert language(environ) == spoken


def test_text_with_a_language_of_its_own_keeps_it(monkeypatch):
    monkeypatch.setenv("LAB_LANG", "es")
    assert i18n._("warning: ") == "aviso: "
    with in_language(ENGLISH):
        assert i18n._("warning: ") == "warning: "
    assert i18n._("warning: ") == "aviso: "


@pytest.mark.parametrize(
    "value, spec, english, spanish",
    [
        (1000, "", "1000", "1000"),
        (1000, ",", "1,000", "1000"),  # four digits stay together in Spanish
        (15000, "", "15000", "15 000"),
        (30000, ",", "30,000", "30 000"),
        (1100001, ",", "1,100,001", "1 100 001"),
        (1024000, ",", "1,024,000", "1 024 000"),
        (-25000, ",", "-25,000", "-25 000"),
        (3.5, ".1f", "3.5", "3,5"),
        (0.0104, ".4f", "0.0104", "0,0104"),
        (12345.678, ",.2f", "12,345.68", "12 345,68"),
        (0.1, "g", "0.1", "0,1"),
        (float("inf"), ".1f", "inf", "inf"),
    ],
)
def test_numbers_are_written_as_each_guide_writes_them(value, spec, english, spanish):
    assert number(value, spec, lang=ENGLISH) == english == format(value, spec)
    assert number(value, spec, lang=SPANISH) == spanish


# --- the producer's asset carries its catalog ----------------------------------------------------------------------


def test_the_producer_speaks_spanish_from_its_asset_with_the_standard_library_alone(default_lab, tmp_path):
    """What the instance unpacks: the catalog is in the asset, and a usage error needs nothing but Python (-S: no
    site-packages, so no boto3)."""
    stack, _ = default_lab
    asset = Path(stack.node.root.outdir) / f"asset.{stack.producer_host.code.asset_hash}"
    assert (asset / "locale" / SPANISH / "LC_MESSAGES" / "producer.mo").is_file()
    shutil.copytree(asset, tmp_path / "producer")
    run = subprocess.run(
        [sys.executable, "-S", "-m", "producer", "--stream", "not a name"],
        cwd=tmp_path,
        env={"LAB_LANG": "es", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr == (
        "producer: error: --stream 'not a name' no es un nombre de flujo válido "
        "(de 1 a 64 caracteres: letras, dígitos, '.', '_', '-')\n"
    )


# --- argparse's own words -----------------------------------------------------------------------------------------


class _Refused(Exception):
    pass


class _Parser(i18n.ArgumentParser):
    def error(self, message):
        raise _Refused(message)


def _parser() -> _Parser:
    parser = _Parser(prog="p", allow_abbrev=False)
    parser.add_argument("--count", type=int)
    parser.add_argument("--name", required=True)
    parser.add_argument("--pick", choices=["a", "b"])
    parser.add_argument("--maybe", nargs="?")
    parser.add_argument("--many", nargs="+")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--one", action="store_true")
    shape.add_argument("--other", action="store_true")
    needed = parser.add_mutually_exclusive_group(required=True)
    needed.add_argument("--x", action="store_true")
    needed.add_argument("--y", action="store_true")
    parser.add_argument("--flag", action="store_true")
    return parser


@pytest.mark.parametrize(
    "argv",
    [
        ["--name", "n", "--x", "extra"],  # unrecognized arguments
        ["--x"],  # the following arguments are required
        ["--name", "n"],  # one of the arguments ... is required
        ["--name", "n", "--x", "--pick", "c"],  # argument --pick: invalid choice
        ["--name", "n", "--x", "--count", "many"],  # argument --count: invalid int value
        ["--name", "n", "--x", "--name"],  # argument --name: expected one argument
        ["--name", "n", "--x", "--many"],  # expected at least one argument
        ["--name", "n", "--x", "--one", "--other"],  # not allowed with argument
        ["--name", "n", "--x", "--flag=yes"],  # ignored explicit argument
    ],
)
def test_every_argparse_refusal_a_student_can_meet_is_said_in_spanish(monkeypatch, argv):
    """Python's own argparse produces each message; a new Python that words one differently fails here."""
    with pytest.raises(_Refused) as english:
        _parser().parse_args(argv)
    monkeypatch.setenv("LAB_LANG", "es")
    spanish = i18n.argparse_words(str(english.value))
    assert spanish != str(english.value)
    assert not re.search(r"\b(argument|arguments|expected|invalid|allowed|ignored|required)\b", spanish), spanish


def test_argparse_words_a_student_cannot_meet_stay_as_argparse_wrote_them(monkeypatch):
    monkeypatch.setenv("LAB_LANG", "es")
    assert i18n.argparse_words("something argparse says one day") == "something argparse says one day"
    assert i18n.argparse_words("argument --rate: debe ser un número") == "argumento --rate: debe ser un número"


def test_help_says_usage_and_its_sections_in_spanish(monkeypatch):
    monkeypatch.setenv("LAB_LANG", "es")
    text = _parser().format_help()
    assert text.startswith("uso: p [-h] ")
    assert "\nopciones:\n  -h, --help  " in text and "muestra esta ayuda y sale" in text
