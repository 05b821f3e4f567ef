"""The guide's runnable blocks, and a runner that types them in order as a student would (tests/e2e/test_guide.py).

A guide (docs/guide-en.md, docs/guia-es.md) marks each command block to run with an HTML comment, invisible on
GitHub, on the line before its ```bash fence. Nothing unmarked is run.

    <!-- run -->              run the block with bash, in order; exported variables carry over to later blocks
                              (one terminal's session); it must exit 0
    <!-- run: exit=1 -->      ... and exit with this code instead
    <!-- run: background -->  start it and leave it running, as in a terminal of its own (`make lab-local`);
                              go on once every "look for" text has appeared in its output
    <!-- run: ctrl-c -->      (no block) Ctrl-C in that terminal: the background command must end

The paragraph right after a block (or after a ctrl-c marker) that starts with the guide's look-for label
(LOOK_FOR) lists, as inline code, text the command prints: each must appear in its output (for ctrl-c, in what
the background command printed after the interrupt). So write inline code there only for text the lab prints,
and a guide that promises output the lab no longer prints fails.

A number the guide's prose promises ("objects of about 1 MiB", "the latency falls to seconds") is held by an
`<!-- expect: MEASURE LOW..HIGH UNIT -->` marker anywhere after the step's block and before the next one, next to
the sentence that makes it (guide_claims.py): each value the step printed must lie in that range.

To add an exercise, write its blocks, markers and look-for paragraphs in both guides: nothing here changes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from labctl.toolkit import ROOT
from support.guide_claims import Claim, parse_claim

GUIDES = {"es": ROOT / "docs" / "guia-es.md", "en": ROOT / "docs" / "guide-en.md"}
LOOK_FOR = {"en": "**Look for:**", "es": "**Busca:**"}
RUN, BACKGROUND, CTRL_C = "run", "background", "ctrl-c"

_MARKER = re.compile(r"^<!--\s*run(?::\s*(?P<options>[^>]*?))?\s*-->\s*$")
_EXPECT = re.compile(r"^<!--\s*expect:\s*(?P<claim>.*?)\s*-->\s*$")
_FENCE = re.compile(r"^```(?P<info>\S*)\s*$")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_EXERCISE = re.compile(r"^## (?P<title>\d+\..*)$")


class GuideError(Exception):
    """The guide's markup is wrong: where and why."""


@dataclass(frozen=True)
class Step:
    kind: str  # RUN, BACKGROUND or CTRL_C
    code: str  # the block's commands ("" for CTRL_C)
    look_for: tuple[str, ...]
    exit_code: int
    line: int  # of the marker, 1-based
    exercise: str = ""  # the heading of the guide's section the step is in
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True)
class Block:
    """Any ```bash block of a guide, run or not: what the two guides must hold alike."""

    kind: str | None  # the marker's kind, None when not run
    code: str
    exit_code: int


@dataclass
class Guide:
    path: Path
    steps: list[Step] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


def parse(path: Path, language: str) -> Guide:
    """The guide's runnable steps and all of its bash blocks, in order; GuideError on bad markup."""
    label = LOOK_FOR[language]
    lines = path.read_text().splitlines()
    guide = Guide(path)
    pending: tuple[str, int, int] | None = None  # (kind, exit code, line) of a marker waiting for its block
    exercise = ""
    index = 0
    while index < len(lines):
        text = lines[index]
        marker = _MARKER.match(text.strip())
        expect = _EXPECT.match(text.strip())
        fence = _FENCE.match(text)
        heading = _EXERCISE.match(text)
        if heading:
            exercise = heading["title"]
        if expect:
            if pending or not guide.steps:
                raise GuideError(f"{path.name}:{index + 1}: an expect marker belongs after a run block, not before")
            step = guide.steps[-1]
            try:
                claim = parse_claim(expect["claim"])
            except ValueError as error:
                raise GuideError(f"{path.name}:{index + 1}: {error}; got {expect['claim']!r}") from None
            guide.steps[-1] = replace(step, claims=(*step.claims, claim))
            index += 1
        elif marker:
            if pending:
                raise GuideError(f"{path.name}:{pending[2]}: a run marker with no ```bash block after it")
            kind, exit_code = _options(marker.group("options") or "", path, index + 1)
            if kind == CTRL_C:
                look_for, end = _look_for(lines, index + 1, label)
                guide.steps.append(Step(CTRL_C, "", look_for, 0, index + 1, exercise))
                guide.blocks.append(Block(CTRL_C, "", 0))
                index = max(end, index + 1)
                continue
            pending = (kind, exit_code, index + 1)
            index += 1
        elif fence:
            end = next((i for i in range(index + 1, len(lines)) if lines[i].strip() == "```"), None)
            if end is None:
                raise GuideError(f"{path.name}:{index + 1}: a code block that never ends")
            code = "\n".join(lines[index + 1 : end])
            if fence.group("info") == "bash":
                kind, exit_code, line = pending or (None, 0, index + 1)
                guide.blocks.append(Block(kind, code, exit_code))
                if pending:
                    look_for, _ = _look_for(lines, end + 1, label)
                    guide.steps.append(Step(kind, code, look_for, exit_code, line, exercise))
            elif pending:
                raise GuideError(f"{path.name}:{pending[2]}: a run marker before a ```{fence.group('info')} block")
            pending = None
            index = end + 1
        else:
            if pending and text.strip():
                raise GuideError(f"{path.name}:{pending[2]}: a run marker must be followed by its ```bash block")
            index += 1
    if pending:
        raise GuideError(f"{path.name}:{pending[2]}: a run marker with no ```bash block after it")
    return guide


def _options(text: str, path: Path, line: int) -> tuple[str, int]:
    kind, exit_code = RUN, 0
    for option in text.split():
        if option in (BACKGROUND, CTRL_C):
            kind = option
        elif option.startswith("exit=") and option[5:].isdigit():
            exit_code = int(option[5:])
        else:
            raise GuideError(f"{path.name}:{line}: unknown run option {option!r} (background, ctrl-c, exit=N)")
    return kind, exit_code


def _look_for(lines: list[str], start: int, label: str) -> tuple[tuple[str, ...], int]:
    """The inline code of the look-for paragraph starting at or after blank lines from `start`; and where it ends."""
    index = start
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines) or not lines[index].lstrip().startswith(label):
        return (), start
    paragraph = []
    while index < len(lines) and lines[index].strip():
        paragraph.append(lines[index])
        index += 1
    return tuple(_CODE_SPAN.findall(" ".join(paragraph))), index


# --- running -----------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    step: Step
    output: str
    exit_code: int | None
    seconds: float

    def missing(self) -> list[str]:
        return [text for text in self.step.look_for if text not in self.output]

    def broken_claims(self, clock_scale: float) -> list[str]:
        """Each claim the output does not bear out, with the values it held instead."""
        return [
            f"{claim.text} ({claim.describe(clock_scale)}): saw {claim.values(self.output) or 'no value'}"
            for claim in self.step.claims
            if not claim.holds(claim.values(self.output), clock_scale)
        ]


# Top-level entries of the checkout the scratch copy leaves out: the repository itself, and what a student's own
# runs leave behind, which the guide's commands would otherwise see (or write over).
_NOT_LINKED = {".git", "cdk.out", "cdk-outputs.json", "lab-local.env", "lab-data", ".pytest_cache", ".hypothesis"}
# Variables the shell sets for itself; carried over they would only confuse the next block.
_SHELL_OWN = {"_", "SHLVL", "PWD", "OLDPWD"}


def scratch_checkout(root: Path, into: Path) -> Path:
    """A directory that looks like the checkout (a symlink per top-level entry), where the guide's commands run
    and write their files, so a test never touches the real checkout or a student's own lab files in it.

    The real checkout's set-up is brought up to date first (`make setup` there, a no-op when it is): a stale one
    would make the copy's first `make` rerun `npm ci`, which empties node_modules through its symlink."""
    subprocess.run(["make", "--no-print-directory", "setup"], cwd=root, check=True, capture_output=True, timeout=900)
    into.mkdir(parents=True, exist_ok=True)
    for entry in root.iterdir():
        if entry.name not in _NOT_LINKED:
            (into / entry.name).symlink_to(entry)
    return into


class Session:
    """One student at one checkout: a terminal for the background command, another for everything else."""

    def __init__(self, workdir: Path, env: dict[str, str], timeout: float = 300.0) -> None:
        self.workdir = workdir
        self.env = dict(env)
        self.timeout = timeout
        self.background: subprocess.Popen | None = None
        self.background_log: Path | None = None

    def run(self, step: Step) -> Outcome:
        started = time.monotonic()
        if step.kind == RUN:
            output, code = self._run(step.code)
        elif step.kind == BACKGROUND:
            output, code = self._start(step)
        else:
            output, code = self._interrupt()
        return Outcome(step, output, code, time.monotonic() - started)

    def _run(self, code: str) -> tuple[str, int]:
        with tempfile.NamedTemporaryFile(prefix="guide-env-", delete=False) as saved:
            env_out = saved.name
        # The EXIT trap hands the shell's exported variables to the next block, whatever the last command did.
        script = f"set -e\ntrap 'env -0 > {env_out}' EXIT\n{code}\n"
        try:
            run = subprocess.run(
                ["bash", "-c", script],
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=self.timeout,
            )
            variables = Path(env_out).read_bytes().split(b"\0")
        finally:
            os.unlink(env_out)
        self.env = {
            name: value
            for name, _, value in (item.decode().partition("=") for item in variables if item)
            if name not in _SHELL_OWN
        }
        return run.stdout, run.returncode

    def _start(self, step: Step) -> tuple[str, int | None]:
        if self.background is not None:
            raise GuideError("a second background command while the first still runs")
        self.background_log = self.workdir / ".guide-background.log"
        with open(self.background_log, "wb") as log:
            self.background = subprocess.Popen(
                ["bash", "-c", step.code],
                cwd=self.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            output = self.background_log.read_text(errors="replace")
            if all(text in output for text in step.look_for):
                return output, None
            if self.background.poll() is not None:
                return output, self.background.returncode
            time.sleep(0.5)
        return self.background_log.read_text(errors="replace"), None

    def _interrupt(self) -> tuple[str, int | None]:
        if self.background is None:
            raise GuideError("Ctrl-C with no background command running")
        offset = self.background_log.stat().st_size
        os.killpg(self.background.pid, signal.SIGINT)
        code = self.background.wait(timeout=self.timeout)  # on a timeout close() ends it
        self.background = None
        with open(self.background_log, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace"), code

    def close(self) -> None:
        """End a background command still running, as a student closing its terminal would (Ctrl-C, then kill)."""
        if self.background is None or self.background.poll() is not None:
            return
        os.killpg(self.background.pid, signal.SIGINT)
        try:
            self.background.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(self.background.pid, signal.SIGKILL)
            self.background.wait()
