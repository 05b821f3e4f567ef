"""The text of an IAM policy: wildcards, policy variables, and matches the emulator cannot decide.

Wildcards (IAM User Guide, "IAM JSON policy elements: Resource" and "Condition operators"): only `*` (any run of
characters) and `?` (one character) are special; every other character, `.`, `$`, `+`, `(`, `[` included, is
itself. In a Resource ARN the wildcards of the first five colon-separated parts stay inside their part, except a `*`
that ends its part: "If the * wildcard is the last character of a resource ARN segment, it can expand to match
beyond the colon boundaries". Matching is linear in the text (no regular-expression backtracking), so no policy can
stall the emulator.

Policy variables ("IAM policy elements: Variables and tags"): `${key}` takes the request's value of a context key
(names case-insensitive), `${key, 'default'}` a default when the key is absent, `${*}` `${?}` `${$}` stand for those
characters literally. They exist only in policies whose Version is 2012-10-17 ("Earlier versions of the policy
language don't support policy variables ... treated as literal strings"). A variable whose key the request does not
carry has no value: "the value is effectively null. There is no equal or like value" (its pattern matches nothing,
so inverted operators like StringNotEquals match it). A multivalued key cannot be a variable ("Single-valued vs.
multivalued context keys").

A match is True, False or Unknown: Unknown when AWS would decide on something the emulator cannot know (a key AWS
carries that the emulator cannot fill, a case AWS does not document). The decision goes on with it (Kleene logic):
an Unknown that cannot change the outcome is harmless, one that could is refused (Unevaluated) naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

VARIABLES_VERSION = "2012-10-17"
# A policy without Version is 2008-10-17 ("IAM JSON policy elements: Version").
VERSIONS = (VARIABLES_VERSION, "2008-10-17")
_SPECIALS = {"*": "*", "?": "?", "$": "$"}
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^(?P<key>[^,']+), '(?P<default>[^']*)'$")


class Unevaluated(Exception):
    """What the emulator cannot evaluate as AWS would: str() names the element, key or operator. The caller refuses
    the request naming it; it is never taken as an allow."""


@dataclass(frozen=True)
class Unknown:
    """A match AWS decides on something the emulator cannot know; `why` names it."""

    why: str

    def __bool__(self) -> bool:
        raise TypeError(f"an Unknown match has no truth value ({self.why}): combine it with all_of/any_of")


Match = bool | Unknown


def all_of(matches: Iterable[Match]) -> Match:
    """Kleene AND: False if any is False, else Unknown if any is, else True."""
    unknown = None
    for match in matches:
        if match is False:
            return False
        if match is not True and unknown is None:
            unknown = match
    return True if unknown is None else unknown


def any_of(matches: Iterable[Match]) -> Match:
    """Kleene OR: True if any is True, else Unknown if any is, else False."""
    unknown = None
    for match in matches:
        if match is True:
            return True
        if match is not False and unknown is None:
            unknown = match
    return False if unknown is None else unknown


def negate(match: Match) -> Match:
    return match if isinstance(match, Unknown) else not match


# --- wildcards ---------------------------------------------------------------------------------------------------
# A pattern is a tuple of pieces: (text, wild). In wild text `*` and `?` are wildcards; in literal text (a resolved
# variable, ${*}) every character is itself.
Pieces = tuple[tuple[str, bool], ...]


def wildcard_match(pieces: Pieces, text: str, *, ignore_case: bool = False) -> bool:
    """`*` and `?` match any characters, colons included (actions, StringLike, each part of ArnLike)."""
    if ignore_case:
        pieces, text = tuple((piece.lower(), wild) for piece, wild in pieces), text.lower()
    return _matcher(pieces, arn=False)(text)


def resource_match(pieces: Pieces, text: str) -> bool:
    """A Resource/NotResource ARN pattern: case-sensitive, wildcards kept within the first five parts of the ARN
    unless a `*` ends its part."""
    return _matcher(pieces, arn=True)(text)


_STAR, _ONE = "*", "?"


@lru_cache(maxsize=8192)
def _matcher(pieces: Pieces, arn: bool) -> Callable[[str], bool]:
    tokens = _tokens(pieces, arn)
    if all(kind == "c" for kind, _ in tokens):
        literal = "".join(char for _, char in tokens)
        return literal.__eq__
    if sum(kind == _STAR for kind, _ in tokens) <= 1:  # one star cannot backtrack more than linearly
        return _regex(tokens)
    return _automaton(tokens)


def _tokens(pieces: Pieces, arn: bool) -> tuple[tuple[str, object], ...]:
    """(kind, arg): ("c", character), or (_STAR/_ONE, crosses colons). Adjacent stars merge."""
    flat = [(char, wild) for piece, wild in pieces for char in piece]
    tokens: list[tuple[str, object]] = []
    colons = 0
    for index, (char, wild) in enumerate(flat):
        in_head = arn and colons < 5
        if in_head and char == ":":
            colons += 1
        if not wild or char not in "*?":
            tokens.append(("c", char))
            continue
        if char == _ONE:
            tokens.append((_ONE, not in_head))
            continue
        ends_part = index + 1 == len(flat) or flat[index + 1][0] == ":"
        crosses = not in_head or ends_part
        if tokens and tokens[-1][0] == _STAR:
            tokens[-1] = (_STAR, tokens[-1][1] or crosses)
        else:
            tokens.append((_STAR, crosses))
    return tuple(tokens)


def _regex(tokens) -> Callable[[str], bool]:
    parts = []
    for kind, arg in tokens:
        if kind == "c":
            parts.append(re.escape(arg))
        elif kind == _ONE:
            parts.append("." if arg else "[^:]")
        else:
            parts.append(".*" if arg else "[^:]*")
    compiled = re.compile("".join(parts), re.DOTALL)
    return lambda text: compiled.fullmatch(text) is not None


def _automaton(tokens) -> Callable[[str], bool]:
    """Bit-parallel NFA: bit i set = the first i tokens match what was read so far."""
    literal: dict[str, int] = {}
    one_any = one_plain = star_any = star_plain = 0
    for position, (kind, arg) in enumerate(tokens):
        bit = 1 << position
        if kind == "c":
            literal[arg] = literal.get(arg, 0) | bit
        elif kind == _ONE:
            one_plain |= bit
            one_any |= bit if arg else 0
        else:
            star_plain |= bit
            star_any |= bit if arg else 0
    accept = 1 << len(tokens)

    def match(text: str) -> bool:
        states = 1 | ((1 & star_plain) << 1)
        for char in text:
            colon = char == ":"
            stay = states & (star_any if colon else star_plain)
            step = states & (literal.get(char, 0) | (one_any if colon else one_plain))
            states = stay | (step << 1)
            states |= (states & star_plain) << 1
            if not states:
                return False
        return bool(states & accept)

    return match


# --- policy variables --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variable:
    key: str  # lower case
    default: str | None
    text: str  # as written, for messages


Template = tuple[str | Variable, ...]  # wild text and variables, in order


@lru_cache(maxsize=8192)
def template(text: str, variables: bool) -> Template:
    """Split policy text into wild text and variables (none when the policy's Version has no variables)."""
    if not variables or "${" not in text:
        return (text,)
    parts: list[str | Variable] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        parts.append(text[position : found.start()])
        inside = found.group(1)
        if inside in _SPECIALS:
            parts.append(Variable("", _SPECIALS[inside], found.group(0)))
        else:
            parts.append(_variable(inside, found.group(0)))
        position = found.end()
    parts.append(text[position:])
    return tuple(part for part in parts if part != "")


def _variable(inside: str, written: str) -> Variable:
    default = _DEFAULT.match(inside)
    key, value = (default["key"], default["default"]) if default else (inside, None)
    if ":" not in key or key != key.strip() or "," in key or "'" in key:
        raise Unevaluated(f"policy variable {written}: not a context key (IAM policy elements: Variables and tags)")
    return Variable(key.lower(), value, written)


def has_variables(parts: Template) -> bool:
    """Whether the template reads the request (${*} ${?} ${$} do not)."""
    return any(isinstance(part, Variable) and part.key for part in parts)


def resolve(
    parts: Template, context: Mapping[str, str | tuple[str, ...]], unknowable: Callable[[str], bool]
) -> Pieces | None | Unknown:
    """Pieces with each variable replaced by its literal value; None when a variable has no value (the pattern
    matches nothing); Unknown when the value is one the emulator cannot know or AWS does not define."""
    pieces: list[tuple[str, bool]] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append((part, True))
            continue
        if not part.key:  # ${*} ${?} ${$}
            pieces.append((part.default or "", False))
            continue
        value = context.get(part.key)
        if value is None:
            if unknowable(part.key):
                return Unknown(f"policy variable {part.text}: AWS fills it, the emulator cannot know its value")
            if part.default is None:
                return None
            value = part.default
        elif isinstance(value, tuple):
            return Unknown(
                f"policy variable {part.text}: a multivalued key cannot be a policy variable (Single-valued vs. "
                "multivalued context keys), AWS does not document what it then matches"
            )
        pieces.append((value, False))
    return tuple(pieces)


def literal_text(parts: Template) -> str | None:
    """The text of a template without variables (None if it has any)."""
    if has_variables(parts):
        return None
    return "".join(part if isinstance(part, str) else (part.default or "") for part in parts)
