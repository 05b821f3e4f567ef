"""How long the student guides take offline, and what they show: every marked command block, in order, against
`make lab-local`, on the real buffer clock (a 60 s interval takes 60 s), as a student waits for it.

    .venv/bin/python bench/guide_walkthrough.py                     # both guides, Spanish then English
    .venv/bin/python bench/guide_walkthrough.py --lang es           # one guide
    .venv/bin/python bench/guide_walkthrough.py --clock-scale 0.1   # as tests/e2e/test_guide.py runs it
    .venv/bin/python bench/guide_walkthrough.py --transcript /tmp/walk-es.log   # and every command's whole output

Runs each guide with tests/support/guide_runner.py in a scratch copy of the checkout, as tests/e2e/test_guide.py
does. For each step it prints the seconds it took and every text the guide says to look for, next to the output
line where it was seen; for each claim the guide makes with a number (its `expect` markers), the range the guide
allows next to the values seen; then each exercise's time and the guide's total. Typing and reading time are not
counted: this is the time the lab makes a student wait. Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from labctl.lab import CLOCK_SCALE_ENV  # noqa: E402
from support.guide_runner import BACKGROUND, CTRL_C, GUIDES, Outcome, Session, parse, scratch_checkout  # noqa: E402


def student_env(clock_scale: float, language: str) -> dict[str, str]:
    """A student's shell: none of this machine's AWS settings, the project's venv not on PATH (make finds it), and
    the lab speaking the guide's language (the Spanish guide looks for the lab's Spanish)."""
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_")) and k != CLOCK_SCALE_ENV}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    env["LAB_LOCAL_ARGS"] = f"--clock-scale {clock_scale:g}"
    env["LAB_LANG"] = language
    return env


def seen_line(output: str, text: str) -> str:
    """The first output line holding `text`, trimmed, or a note that it never came."""
    for line in output.splitlines():
        if text in line:
            return line.strip()[:150]
    return "NOT PRINTED"


def report(outcome: Outcome, ok: bool, clock_scale: float) -> list[str]:
    step = outcome.step
    first = step.code.splitlines()[0] if step.code else "Ctrl-C"
    lines = [f"  {outcome.seconds:7.1f} s  {'ok    ' if ok else 'FAILED'}  line {step.line:>3}  {first[:90]}"]
    for text in step.look_for:
        lines.append(f"             look for  {text!r}")
        lines.append(f"                 seen  {seen_line(outcome.output, text)}")
    for claim in step.claims:
        values = claim.values(outcome.output)
        shown = ", ".join(f"{value:g}" for value in values) if values else "none printed"
        verdict = "within" if claim.holds(values, clock_scale) else "OUTSIDE"
        lines.append(f"             expect    {claim.text}  [{claim.describe(clock_scale)}]")
        lines.append(f"                 seen  {shown}  ({verdict})")
    return lines


def walk(language: str, clock_scale: float, transcript) -> tuple[list[tuple[str, float]], float, bool]:
    """Walk one guide; ([(exercise, seconds)], total seconds, whether every step did what the guide says)."""
    guide = parse(GUIDES[language], language)
    print(f"== {GUIDES[language].relative_to(ROOT)} ({language}), buffer clock x{clock_scale:g}", flush=True)
    exercises: dict[str, float] = {}
    all_ok = True
    with tempfile.TemporaryDirectory(prefix="guide-walk-") as scratch:
        session = Session(scratch_checkout(ROOT, Path(scratch) / "checkout"), student_env(clock_scale, language))
        started = time.monotonic()
        current = None
        try:
            for step in guide.steps:
                if step.exercise != current:
                    current = step.exercise
                    print(f"{current}", flush=True)
                outcome = session.run(step)
                exercises[current] = exercises.get(current, 0.0) + outcome.seconds
                expected = None if step.kind == BACKGROUND else step.exit_code
                ran = step.kind == CTRL_C or outcome.exit_code == expected
                ok = ran and not outcome.missing() and not outcome.broken_claims(clock_scale)
                print("\n".join(report(outcome, ok, clock_scale)), flush=True)
                if transcript:
                    transcript.write(f"\n===== {language} line {step.line}: {step.code or 'Ctrl-C'}\n{outcome.output}")
                    transcript.flush()
                all_ok = all_ok and ok
                if not ran or outcome.missing():
                    print(outcome.output[-3000:])
                    break
        finally:
            session.close()
        total = time.monotonic() - started
    return list(exercises.items()), total, all_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=[*GUIDES, "both"], default="both", help="which guide (default both)")
    parser.add_argument("--clock-scale", type=float, default=1.0, help="the offline lab's buffer clock (default 1)")
    parser.add_argument("--transcript", type=Path, help="also write every command's whole output to this file")
    args = parser.parse_args()
    languages = list(GUIDES) if args.lang == "both" else [args.lang]
    transcript = open(args.transcript, "w") if args.transcript else None  # noqa: SIM115 (closed below)
    results = {}
    try:
        for language in languages:
            results[language] = walk(language, args.clock_scale, transcript)
    finally:
        if transcript:
            transcript.close()
    print(f"\n== times, buffer clock x{args.clock_scale:g}")
    for language, (exercises, total, ok) in results.items():
        print(f"{language}: " + ", ".join(f"{name.split('.')[0]} {seconds:.0f} s" for name, seconds in exercises))
        print(f"{language}: total {total:.0f} s ({total / 60:.1f} min){'' if ok else ', NOT as the guide says'}")
    return 0 if all(ok for _, _, ok in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
