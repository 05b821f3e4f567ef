"""How a class scales on the emulator: rehearse classes of 1, 5, 10 and 20 labs (scaled clock, the isolation matrix
skipped) and print, per class, the time to deploy it (class-up: one synth, the class stack, the labs 4 at a time),
the time to tear it down (class-down: credentials, labs 4 at a time, the class stack, the leftovers check) and the
emulator's memory per lab (this process's resident memory, which holds the emulator, after every producer delivered,
over a baseline taken once the emulator started). Run: .venv/bin/python bench/class_scale.py [1 5 10 20]
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rehearsal.classroom import ClassRehearsal, PhaseFailed, rss_mib  # noqa: E402

SIZES = (1, 5, 10, 20)
CLOCK_SCALE = 0.1


def phase_seconds(result, prefix: str) -> float:
    return sum(seconds for name, seconds, _ in result.phases if name.startswith(prefix))


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or list(SIZES)
    rows = []
    for students in sizes:
        log = io.StringIO()
        baseline = rss_mib()
        rehearsal = ClassRehearsal(
            students=students, clock_scale=CLOCK_SCALE, context=[], concurrency=4, out=log, isolation=False
        )
        with tempfile.TemporaryDirectory(prefix="class-scale-") as work:
            try:
                result = rehearsal.run(Path(work))
            except PhaseFailed as error:
                print(f"class of {students}: FAILED in {rehearsal.result.failed_phase}: {error}\n{log.getvalue()}")
                return 1
        producing = dict(result.emulator_rss_mib).get("producing", 0.0)
        rows.append(
            (
                students,
                phase_seconds(result, "class up"),
                phase_seconds(result, "boot"),
                phase_seconds(result, "class down"),
                (producing - baseline) / students,
                producing,
            )
        )
        print(f"class of {students}: done", flush=True)
    print(f"{'labs':>5} {'deploy s':>9} {'boot s':>7} {'teardown s':>11} {'MiB/lab':>8} {'RSS MiB':>8}")
    for students, deploy, boot, teardown, per_lab, total in rows:
        print(f"{students:>5} {deploy:>9.1f} {boot:>7.1f} {teardown:>11.1f} {per_lab:>8.1f} {total:>8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
