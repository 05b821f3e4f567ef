"""The language the lab speaks to a student, and its numbers: English, or Spanish when the student asks for it.

LAB_LANG (`es`, `en`) wins; without it, the locale variables gettext reads, in gettext's order (LANGUAGE, LC_ALL,
LC_MESSAGES, LANG): the first one set decides. A value starting with `es` (`es`, `es_MX.UTF-8`) is Spanish; anything
else, or nothing, is English, the messages as written in the code. The language is read at each message, so a test
(or a command that sets LAB_LANG) changes it for what follows.

Each package that prints keeps its own catalog beside it (`<package>/locale/es/LC_MESSAGES/<package>.po`, compiled
to .mo by `make setup`), read with the standard library's gettext through a Catalog; the producer's ships in its
asset with it. Messages are marked `_("...")` (or `N_("...")` where they are translated later, at print time), with
named fields filled by `.format()`; a number goes in as `number(value, spec)`, written as the language writes it.
Standard library only: this module ships.
"""

from __future__ import annotations

import argparse
import gettext
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

LANGUAGE_ENV = "LAB_LANG"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
ENGLISH, SPANISH = "en", "es"
TRANSLATED = (SPANISH,)


_speaking: list[str] = []  # in_language's, innermost last


def language(environ: Mapping[str, str] = os.environ) -> str:
    """ENGLISH or SPANISH: what `in_language` says, or LAB_LANG, or else the first locale variable set."""
    if _speaking:
        return _speaking[-1]
    chosen = environ.get(LANGUAGE_ENV, "").strip()
    if not chosen:
        chosen = next((environ[name] for name in LOCALE_VARIABLES if environ.get(name)), "").split(":")[0]
    return SPANISH if chosen.strip().lower().startswith(SPANISH) else ENGLISH


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Speak `lang` whatever the student's language, for text that has one language of its own (the README's cost
    table is English)."""
    _speaking.append(lang)
    try:
        yield
    finally:
        _speaking.pop()


class Catalog:
    """One package's messages (its gettext domain, in `<package>/locale`), in the language of the moment."""

    def __init__(self, domain: str, package_dir: Path) -> None:
        self.domain = domain
        self.localedir = package_dir / "locale"

    def translation(self, lang: str | None = None) -> gettext.NullTranslations:
        """The catalog for `lang` (default: the language of the moment); English is the messages themselves. A
        catalog not compiled (no `make setup`) falls back to English rather than failing."""
        lang = lang or language()
        if lang == ENGLISH:
            return _ENGLISH
        return gettext.translation(self.domain, self.localedir, languages=[lang], fallback=True)

    def gettext(self, message: str) -> str:
        return self.translation().gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translation().ngettext(singular, plural, count)


_ENGLISH = gettext.NullTranslations()


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it)
    """Marks a message for the catalog where it is defined (a table, a phase's name); it is translated with `_`
    where it is printed."""
    return message


def number(value: float, spec: str = "", lang: str | None = None) -> str:
    """`value` formatted by `spec` (a format spec without width: `,`, `.1f`, `,.0f`, `g`) as the language writes it:
    in English exactly `format(value, spec)`; in Spanish, as the guide does, with a decimal comma and, from five
    digits on, the thousands apart by a space (`1000`, `15 000`, `3,5`), whether or not `spec` groups them."""
    if (lang or language()) == ENGLISH:
        return format(value, spec)
    text = format(value, spec.replace(",", ""))
    sign = text[0] if text[:1] in "+-" else ""
    whole, point, fraction = text[len(sign) :].partition(".")
    if whole.isdigit() and len(whole) >= 5:
        head = len(whole) % 3 or 3
        whole = " ".join([whole[:head], *(whole[i : i + 3] for i in range(head, len(whole), 3))])
    return sign + whole + ("," if point else "") + fraction


# The producer's own messages, and argparse's below.
_catalog = Catalog("producer", Path(__file__).resolve().parent)
_ = _catalog.gettext
ngettext = _catalog.ngettext


# argparse's own words. Python marks them for gettext, but in gettext's global domain, which knows nothing of
# LAB_LANG and has no Spanish catalog: the messages a student can meet are matched here by their English (Python
# 3.11's argparse) and said in the student's language; anything else is left as argparse wrote it.
_ARGPARSE_MESSAGES = (
    (r"argument (?P<argument>\S+): (?P<problem>.*)", N_("argument {argument}: {problem}")),
    (r"unrecognized arguments: (?P<arguments>.*)", N_("unrecognized arguments: {arguments}")),
    (
        r"the following arguments are required: (?P<arguments>.*)",
        N_("the following arguments are required: {arguments}"),
    ),
    (r"one of the arguments (?P<arguments>.*) is required", N_("one of the arguments {arguments} is required")),
    (
        r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)",
        N_("invalid choice: {value} (choose from {choices})"),
    ),
    (r"invalid (?P<type>\w+) value: (?P<value>.*)", N_("invalid {type} value: {value}")),
    (r"expected one argument", N_("expected one argument")),
    (r"expected at most one argument", N_("expected at most one argument")),
    (r"expected at least one argument", N_("expected at least one argument")),
    (r"not allowed with argument (?P<argument>.*)", N_("not allowed with argument {argument}")),
    (r"ignored explicit argument (?P<value>.*)", N_("ignored explicit argument {value}")),
)


def argparse_words(message: str) -> str:
    """An argparse error message in the student's language (an argument's own problem too)."""
    if language() == ENGLISH:
        return message
    for pattern, said in _ARGPARSE_MESSAGES:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if match:
            fields = match.groupdict()
            if "problem" in fields:
                fields["problem"] = argparse_words(fields["problem"])
            return _(said).format(**fields)
    return message


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser with its own words in the student's language: usage, section titles, --help's line and
    error messages (subclasses that print errors their own way pass them through `argparse_words`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = _("show this help message and exit")

    def _get_formatter(self) -> argparse.HelpFormatter:
        formatter = super()._get_formatter()
        add_usage = formatter.add_usage

        def usage_in_language(usage, actions, groups, prefix=None):
            return add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)

        formatter.add_usage = usage_in_language
        return formatter

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, _("{prog}: error: {problem}").format(prog=self.prog, problem=argparse_words(message)) + "\n")
