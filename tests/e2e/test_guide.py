"""The student guide runs: each marked command of docs/guia-es.md, in order, against the offline lab, prints what the
guide says to look for, and the numbers its prose promises (objects' sizes, latencies, costs) fall in the ranges
its `expect` markers give; and the English guide holds exactly the same commands, look-for texts and claims.

The Spanish guide (the original audience's language) is the one walked through, by a student whose lab speaks
Spanish (LAB_LANG=es), so its look-for texts are the lab's Spanish; the English one is held to the same blocks and
claims and as many look-for texts, each the English of the Spanish one where they differ, so one walk covers both.
The lab runs on a buffer clock ten times faster than real time (a 60 s interval passes in 6 s); nothing else differs
from what a student types. bench/guide_walkthrough.py walks both on the real clock and prints each step's time.
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
from support.guide_claims import parse_claim
from support.guide_runner import BACKGROUND, CTRL_C, GUIDES, RUN, GuideError, Session, parse, scratch_checkout
from support.processes import processes_mentioning

WALKED = "es"
CLOCK_SCALE = 0.1
STEPS = parse(GUIDES[WALKED], WALKED).steps


def step_id(step) -> str:
    first = step.code.splitlines()[0] if step.code else "Ctrl-C"
    return f"line {step.line}: {first[:50]}"


def test_both_guides_hold_the_same_commands_in_the_same_order():
    spanish, english = parse(GUIDES["es"], "es"), parse(GUIDES["en"], "en")
    assert spanish.blocks == english.blocks
    assert [(s.kind, s.code, s.exit_code, len(s.look_for), s.claims) for s in spanish.steps] == [
        (s.kind, s.code, s.exit_code, len(s.look_for), s.claims) for s in english.steps
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


def test_the_numbers_the_guide_promises_about_the_buffer_and_the_bill_are_held_by_claims():
    """Where the guide shows the buffer at the producer's own rate and at 2,000 events a second, makes verify
    measure the latency, or prints the cost, its prose says what comes out: each of those steps carries claims."""
    measures = {}
    for step in STEPS:  # a command the guide runs again (make watch) is held where it first runs
        measures.setdefault(step.code, {claim.measure for claim in step.claims})
    fast = next(step.code for step in STEPS if "--rate 2000" in step.code)
    assert "interval-flush-rate" in measures['make watch ARGS="--objects 1"']
    assert "size-flush-object-size" in measures[fast]
    assert {"latency-max"} <= measures["make verify"]
    assert {"latency-p50"} <= measures['make verify ARGS="--count 15000"']
    assert {"cost-per-hour", "cost-forgotten"} <= measures["make cost"]


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
        "## 1. Up\n\nintro `not a command`\n\n<!-- run: background -->\n```bash\nmake lab-local\n```\n\n"
        "**Look for:** `the lab is up`, then\n`more`.\n\nProse.\n<!-- expect: latency-max 0..1.25 interval -->\n\n"
        "```bash\nmake deploy\n```\n\n## 2. Down\n\n"
        "<!-- run: exit=1 -->\n```bash\nfalse\n```\n\n```text\n<!-- run -->\n```\n\n<!-- run: ctrl-c -->\n\n"
        "**Look for:** `bye`\n"
    )
    parsed = parse(guide, "en")
    assert [(s.kind, s.code, s.exit_code, s.look_for, s.exercise) for s in parsed.steps] == [
        (BACKGROUND, "make lab-local", 0, ("the lab is up", "more"), "1. Up"),
        (RUN, "false", 1, (), "2. Down"),
        (CTRL_C, "", 0, ("bye",), "2. Down"),
    ]
    assert [[c.text for c in s.claims] for s in parsed.steps] == [["latency-max 0..1.25 interval"], [], []]
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
        ("<!-- expect: latency-max 0..1 interval -->\n", "an expect marker belongs after a run block"),
        ("<!-- run -->\n```bash\nls\n```\n<!-- expect: latency 0..1 s -->\n", "MEASURE one of size-flush-object-"),
        ("<!-- run -->\n```bash\nls\n```\n<!-- expect: latency-max 0..1 MiB -->\n", "in s or interval, not 'MiB'"),
        ("<!-- run -->\n```bash\nls\n```\n<!-- expect: latency-max 2..1 s -->\n", "an empty range 2..1"),
    ],
)
def test_bad_guide_markup_is_refused_with_where_and_why(tmp_path, text, complaint):
    guide = tmp_path / "g.md"
    guide.write_text(text)
    with pytest.raises(GuideError, match=re.escape(complaint)):
        parse(guide, "en")


WATCHED = """\
new 12:00:01  121.5 KiB  625 events  10 events/s  flush: interval (121.5 KiB of 1.0 MiB in 62.1 s)  data/a
new 12:00:03    1.2 MiB  6,095 events  2,019 events/s  flush: size hint (1.2 MiB of 1.0 MiB in 3.0 s)  data/b
new 12:00:04  812.0 KiB  4,000 events  -  flush: early (812.0 KiB of 1.0 MiB in 1.0 s)  data/c
  12:00:05    9.9 MiB  1 event  10 events/s  flush: size hint (9.9 MiB of 1.0 MiB in 3.0 s)  data/already-there
delivery latency: p50 0.1s, p95 31.0s, max 60.0s
"""


@pytest.mark.parametrize(
    "claim, values, on_the_real_clock, ten_times_faster",
    [
        ("size-flush-object-size 0.9..2 MiB", [1.2], True, True),
        ("size-flush-object-size 900..1000 KiB", [1.2], False, False),
        ("interval-flush-rate 7..13 events/s", [10.0], True, True),
        ("latency-p50 0..0.5 interval", [0.1], True, True),
        ("latency-max 0..1.25 interval", [60.0], True, False),  # 60 s is ten intervals of 6 s
        ("latency-max 0..61 s", [60.0], True, True),
    ],
)
def test_a_claim_reads_what_watch_and_verify_print_and_holds_on_either_clock(
    claim, values, on_the_real_clock, ten_times_faster
):
    parsed = parse_claim(claim)
    assert parsed.values(WATCHED) == values
    assert parsed.holds(values, 1.0) is on_the_real_clock
    assert parsed.holds(values, 0.1) is ten_times_faster


# The same, as the lab prints it to a student with LAB_LANG=es; and make cost's totals in both languages.
WATCHED_ES = """\
nuevo 12:00:01  121,5 KiB  625 eventos  10 eventos/s  vaciado: intervalo (121,5 KiB de 1,0 MiB en 62,1 s)  data/a
nuevo 12:00:03    1,2 MiB  6095 eventos  2019 eventos/s  vaciado: tamaño (1,2 MiB de 1,0 MiB en 3,0 s)  data/b
nuevo 12:00:04  812,0 KiB  4000 eventos  - eventos/s  vaciado: anticipado (812,0 KiB de 1,0 MiB en 1,0 s)  data/c
  12:00:05    9,9 MiB  1 evento  10 eventos/s  vaciado: tamaño (9,9 MiB de 1,0 MiB en 3,0 s)  data/already-there
latencia de entrega: p50 0,1s, p95 31,0s, máx. 60,0s
"""
COST = {
    "en": "  while the producer runs: $0.0170 per hour\n"
    "  forgotten (the worst case): 1 h 3 min producing, then stopped until the lab deletes itself 24 h after deploy: "
    "$0.04 in all (+$0.10 if the account already has 3 other dashboards)\n",
    "es": "  mientras el productor funciona: 0,0170 USD por hora\n"
    "  olvidado (el peor caso): 1 h 3 min produciendo, luego detenido hasta que el laboratorio se borra solo 24 h "
    "después del despliegue: 0,04 USD en total (+0,10 USD si la cuenta ya tiene otros 3 paneles)\n",
}


@pytest.mark.parametrize(
    "claim",
    [
        "size-flush-object-size 0.9..2 MiB",
        "interval-flush-rate 7..13 events/s",
        "latency-p50 0..1 s",
        "latency-max 0..1 s",
    ],
)
def test_a_claim_reads_the_labs_spanish_as_its_english(claim):
    """The walk's student gets the lab's Spanish (a decimal comma, thousands apart): a claim reads the same values."""
    parsed = parse_claim(claim)
    assert parsed.values(WATCHED_ES) == parsed.values(WATCHED) != []


def test_a_cost_claim_reads_the_bill_in_either_language():
    for claim, value in [("cost-per-hour 0..1 USD/h", 0.017), ("cost-forgotten 0..1 USD", 0.04)]:
        assert parse_claim(claim).values(COST["en"]) == parse_claim(claim).values(COST["es"]) == [value]


def test_a_claim_with_nothing_printed_to_check_does_not_hold():
    assert not parse_claim("latency-max 0..1 interval").holds([], 1.0)


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
    assert outcome.broken_claims(CLOCK_SCALE) == [], outcome.output


def test_the_walk_leaves_no_process_or_sandbox_behind(walk):
    ups = [step for step in STEPS if step.kind == BACKGROUND]
    assert all(step in walk for step in STEPS if step.kind != RUN), "the walk did not finish"
    for up in ups:
        sandbox = re.search(r": (/\S+?)/instance/", walk[up].output).group(1)  # the producer's log
        assert not Path(sandbox).exists()
        assert processes_mentioning(sandbox) == []
