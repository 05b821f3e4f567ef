"""How long the student guide takes offline: every marked command block, in order, against `make lab-local`.

    .venv/bin/python bench/guide_walkthrough.py                   # the Spanish guide, real buffer clock (a student)
    .venv/bin/python bench/guide_walkthrough.py --clock-scale 0.1 # as tests/e2e/test_guide.py runs it
    .venv/bin/python bench/guide_walkthrough.py --guide en

Runs the guide with tests/support/guide_runner.py in a scratch copy of the checkout, as tests/e2e/test_guide.py
does, and prints each step's seconds, whether it printed what the guide says to look for, and the total. Typing and
reading time are not counted: this is the time the lab makes a student wait. Not a test: it prints numbers.
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
from support.guide_runner import BACKGROUND, CTRL_C, Session, parse, scratch_checkout  # noqa: E402

GUIDES = {"es": ROOT / "docs" / "guia-es.md", "en": ROOT / "docs" / "guide-en.md"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guide", choices=GUIDES, default="es")
    parser.add_argument("--clock-scale", type=float, default=1.0, help="the offline lab's buffer clock (default 1)")
    args = parser.parse_args()
    steps = parse(GUIDES[args.guide], args.guide).steps
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_")) and k != CLOCK_SCALE_ENV}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    env["LAB_LOCAL_ARGS"] = f"--clock-scale {args.clock_scale:g}"
    failed = False
    with tempfile.TemporaryDirectory(prefix="guide-walk-") as scratch:
        session = Session(scratch_checkout(ROOT, Path(scratch) / "checkout"), env)
        started = time.monotonic()
        try:
            for step in steps:
                outcome = session.run(step)
                expected = None if step.kind == BACKGROUND else step.exit_code
                ok = not outcome.missing() and (step.kind == CTRL_C or outcome.exit_code == expected)
                first = step.code.splitlines()[0] if step.code else "Ctrl-C"
                print(
                    f"{outcome.seconds:7.1f} s  {'ok    ' if ok else 'FAILED'}  line {step.line:>3}  {first[:70]}",
                    flush=True,
                )
                if not ok:
                    print(outcome.output[-3000:])
                    failed = True
                    break
        finally:
            session.close()
        total = time.monotonic() - started
    print(
        f"{total:7.1f} s  total, {args.guide} guide, buffer clock x{args.clock_scale:g}"
        f"{' (stopped at the failed step)' if failed else ''}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
