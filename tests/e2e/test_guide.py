"""The student guide runs: each marked command of docs/guia-es.md, in order, against the offline lab, prints what the
guide says to look for; and the English guide holds exactly the same commands.

The Spanish guide (the original audience's language) is the one walked through, by a student whose lab speaks
Spanish (LAB_LANG=es), so its look-for texts are the lab's Spanish; the English one is held to the same blocks and as
many look-for texts, each the English of the Spanish one where they differ, so one walk covers both. The lab runs on
a buffer clock ten times faster than real time (a 60 s interval passes in 6 s); nothing else differs from what a
student types.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from labctl.lab import CLOCK_SCALE_ENV
from labctl.toolkit import ROOT
from support.guide_runner import BACKGROUND, CTRL_C, RUN, GuideError, Session, parse, scratch_checkout
from support.processes import processes_mentioning

GUIDES = {"es": ROOT / "docs" / "guia-es.md", "en": ROOT / "docs" / "guide-en.md"}
WALKED = "es"
CLOCK_SCALE = 0.1
STEPS = parse(GUIDES[WALKED], WALKED).steps


def step_id(step) -> str:
    first = step.code.splitlines()[0] if step.code else "Ctrl-C"
    return f"line {step.line}: {first[:50]}"


def test_both_guides_hold_the_same_commands_in_the_same_order():
    spanish, english = parse(GUIDES["es"], "es"), parse(GUIDES["en"], "en")
    assert spanish.blocks == english.blocks
    assert [(s.kind, s.code, s.exit_code, len(s.look_for)) for s in spanish.steps] == [
        (s.kind, s.code, s.exit_code, len(s.look_for)) for s in english.steps
    ]


WORD = re.compile(r"[^\W\d_]{3,}")


def catalog_words(texts) -> set:
    return {word.lower() for text in texts for word in WORD.findall(text)}


def test_where_the_guides_look_for_different_text_it_is_the_labs_english_and_its_spanish():
    """Text the lab prints (the AWS CLI's, a file's, a query's columns) is looked for alike in both guides; where the
    Spanish guide looks for other text, every word of it is the lab's Spanish, and of the English one the lab's
    English (the Spanish walk then finds the Spanish in the lab's output)."""
    english_words, spanish_words = set(), set()
    for path in sorted(ROOT.glob("*/locale/es/LC_MESSAGES/*.po")):
        with open(path, "rb") as po:
            for message in read_po(po):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                english_words |= catalog_words(ids)
                spanish_words |= catalog_words(strings)
    spanish, english = parse(GUIDES["es"], "es"), parse(GUIDES["en"], "en")
    differing = [
        (es, en)
        for es_step, en_step in zip(spanish.steps, english.steps)
        for es, en in zip(es_step.look_for, en_step.look_for)
        if es != en
    ]
    assert differing, "the Spanish guide looks for the lab's Spanish"
    for es, en in differing:
        assert catalog_words([es]) <= spanish_words, es
        assert catalog_words([en]) <= english_words, en


def test_the_guide_stands_each_lab_up_before_using_it_and_takes_it_down_before_the_next():
    """make lab-local in the background, then its Ctrl-C, as often as the guide needs a lab with other settings;
    the first is the default lab, and the last Ctrl-C comes before only the clean-up of the student's files."""
    kinds = [step.kind for step in STEPS]
    labs = [kind for kind in kinds if kind != RUN]
    assert labs == [BACKGROUND, CTRL_C] * (len(labs) // 2) and labs
    first = STEPS[kinds.index(BACKGROUND)]
    assert first.code == "make lab-local"
    assert all(STEPS[i].code.startswith("make lab-local") for i, kind in enumerate(kinds) if kind == BACKGROUND)


def test_the_guide_markup_is_read_as_written(tmp_path):
    guide = tmp_path / "g.md"
    guide.write_text(
        "intro `not a command`\n\n<!-- run: background -->\n```bash\nmake lab-local\n```\n\n"
        "**Look for:** `the lab is up`, then\n`more`.\n\n```bash\nmake deploy\n```\n\n"
        "<!-- run: exit=1 -->\n```bash\nfalse\n```\n\n```text\n<!-- run -->\n```\n\n<!-- run: ctrl-c -->\n\n"
        "**Look for:** `bye`\n"
    )
    parsed = parse(guide, "en")
    assert [(s.kind, s.code, s.exit_code, s.look_for) for s in parsed.steps] == [
        (BACKGROUND, "make lab-local", 0, ("the lab is up", "more")),
        (RUN, "false", 1, ()),
        (CTRL_C, "", 0, ("bye",)),
    ]
    assert [(b.kind, b.code) for b in parsed.blocks] == [
        (BACKGROUND, "make lab-local"),
        (None, "make deploy"),
        (RUN, "false"),
        (CTRL_C, ""),
    ]


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("<!-- run -->\nsome prose\n```bash\nls\n```\n", "must be followed by its ```bash block"),
        ("<!-- run -->\n", "no ```bash block after it"),
        ("<!-- run: sometimes -->\n```bash\nls\n```\n", "unknown run option 'sometimes'"),
        ("<!-- run -->\n```python\nprint()\n```\n", "a run marker before a ```python block"),
    ],
)
def test_bad_guide_markup_is_refused_with_where_and_why(tmp_path, text, complaint):
    guide = tmp_path / "g.md"
    guide.write_text(text)
    with pytest.raises(GuideError, match=re.escape(complaint)):
        parse(guide, "en")


def student_env() -> dict:
    """A student's shell: none of this machine's AWS settings, and the project's venv not on PATH (make finds it)."""
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_")) and k != CLOCK_SCALE_ENV}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    env["LAB_LOCAL_ARGS"] = f"--clock-scale {CLOCK_SCALE}"  # read by the Makefile's lab-local target
    env["LAB_LANG"] = WALKED  # the walked guide's student's lab speaks its language
    return env


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """Every step, in order, until one fails; {step: Outcome}."""
    session = Session(scratch_checkout(ROOT, tmp_path_factory.mktemp("guide") / "checkout"), student_env())
    outcomes = {}
    try:
        for step in STEPS:
            outcome = outcomes[step] = session.run(step)
            expected = None if step.kind == BACKGROUND else step.exit_code
            if outcome.missing() or (step.kind != CTRL_C and outcome.exit_code != expected):
                break
    finally:
        session.close()
    return outcomes


@pytest.mark.parametrize("step", STEPS, ids=step_id)
def test_each_step_prints_what_the_guide_says_to_look_for(walk, step):
    assert step in walk, "not run: an earlier step failed"
    outcome = walk[step]
    if step.kind == RUN:
        assert outcome.exit_code == step.exit_code, outcome.output
    elif step.kind == BACKGROUND:
        assert outcome.exit_code is None, f"ended with {outcome.exit_code}:\n{outcome.output}"
    assert outcome.missing() == [], outcome.output


def test_the_walk_leaves_no_process_or_sandbox_behind(walk):
    ups = [step for step in STEPS if step.kind == BACKGROUND]
    assert all(step in walk for step in STEPS if step.kind != RUN), "the walk did not finish"
    for up in ups:
        sandbox = re.search(r": (/\S+?)/instance/", walk[up].output).group(1)  # the producer's log
        assert not Path(sandbox).exists()
        assert processes_mentioning(sandbox) == []
