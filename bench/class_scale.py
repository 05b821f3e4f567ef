"""How a class scales on the emulator: rehearse classes of 1, 5, 10 and 20 labs (scaled clock, the isolation matrix
skipped), each in a fresh process, and print per class the time to deploy it (class-up: one synth, the class stack,
the labs 4 at a time), to boot its instances (each lab's user-data in a sandbox: the rehearsal's cost, not AWS's), to
tear it down (class-down: credentials, labs 4 at a time, the class stack, the leftovers check), and the emulator's
memory: the rehearsal process's resident memory (it holds the emulator) once every producer delivered, and what each
lab adds to it over a class of one (most of the first lab's is the emulator loading what it serves).
Run: .venv/bin/python bench/class_scale.py [1 5 10 20]
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rehearsal.classroom import ClassRehearsal, PhaseFailed  # noqa: E402

SIZES = (1, 5, 10, 20)
CLOCK_SCALE = 0.1


def phase_seconds(result, prefix: str) -> float:
    return sum(seconds for name, seconds, _ in result.phases if name.startswith(prefix))


def one(students: int) -> dict:
    """One class, in this process."""
    log = io.StringIO()
    rehearsal = ClassRehearsal(
        students=students,
        clock_scale=CLOCK_SCALE,
        context=[],
        concurrency=4,
        out=log,
        isolation=False,
        remove_one=False,
    )
    with tempfile.TemporaryDirectory(prefix="class-scale-") as work:
        try:
            result = rehearsal.run(Path(work))
        except PhaseFailed as error:
            return {"failed": f"{rehearsal.result.failed_phase}: {error}", "log": log.getvalue()[-3000:]}
    memory = dict(result.emulator_rss_mib)
    return {
        "deploy": phase_seconds(result, "class up"),
        "boot": phase_seconds(result, "boot"),
        "teardown": phase_seconds(result, "class down"),
        "started": memory["started"],
        "producing": memory["producing"],
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(one(int(argv[1]))))
        return 0
    rows = []
    for students in [int(a) for a in argv] or list(SIZES):
        run = subprocess.run(
            [sys.executable, __file__, "--one", str(students)], capture_output=True, text=True, check=False
        )
        found = json.loads(run.stdout.strip().splitlines()[-1])
        if "failed" in found:
            print(f"class of {students}: FAILED in {found['failed']}\n{found['log']}")
            return 1
        rows.append((students, found))
        print(f"class of {students}: done", flush=True)
    print(f"{'labs':>5} {'deploy s':>9} {'boot s':>7} {'teardown s':>11} {'RSS MiB':>8} {'MiB/lab':>8}")
    smallest, first = rows[0]
    for students, f in rows:
        added = students - smallest
        per_lab = (f["producing"] - first["producing"]) / added if added else f["producing"] - f["started"]
        print(
            f"{students:>5} {f['deploy']:>9.1f} {f['boot']:>7.1f} {f['teardown']:>11.1f} {f['producing']:>8.0f} "
            f"{per_lab:>8.1f}"
        )
    print(f"MiB/lab: what each lab added over the class of {smallest} (for it: its growth from the emulator's start)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
