"""The numbers a student guide promises, as ranges checked against what the lab printed (guide_runner.py).

A guide's prose says what a student will see: "objects of about 1 MiB", "the latency falls to seconds". An
`expect` marker after the step's block holds the guide to it:

    <!-- expect: MEASURE LOW..HIGH UNIT -->   every value of MEASURE in the step's output lies in [LOW, HIGH]

MEASURE is one of MEASURES, read from what `make watch`, `make verify` or `make cost` prints, in English or, for a
student whose lab speaks Spanish (LAB_LANG=es), in the catalogs' Spanish; UNIT is the measure's own or, for a time,
`interval`: that many of the lab's buffer intervals on the walk's clock (60 s, or 6 s when the offline lab's clock
runs ten times faster), so one marker holds on every clock. A range is what the lab's settings and AWS's
documentation allow, not the value one walk saw, so that a check fails only when the guide is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lab_stack.config import DEFAULTS

# Both of the guide's labs keep the default buffer interval: what the `interval` unit stands for.
INTERVAL_SECONDS = float(DEFAULTS["bufferIntervalSeconds"])


@dataclass(frozen=True)
class _Printed:
    """How the lab prints the measures in one language: its lines, and how it writes a number."""

    number: Callable[[str], float]
    new_object: re.Pattern  # one object `make watch` saw land while it ran (not the ones already there)
    reasons: dict[str, str]  # why an object was flushed, as watch says it: its English name
    latency: re.Pattern  # make verify
    cost_per_hour: re.Pattern  # make cost, while the producer runs
    cost_forgotten: re.Pattern  # make cost, a lab forgotten until it expires


_PRINTED = (
    _Printed(
        # 2,019 and 121.5 (producer/i18n.py's number() in English)
        number=lambda text: float(text.replace(",", "")),
        # new 12:00:01  118.5 KiB  600 events  10 events/s  flush: interval (118.5 KiB of 1.0 MiB in 60.2 s)  data/...
        new_object=re.compile(
            r"^new \d\d:\d\d:\d\d\s+(?P<size>[\d.]+) (?P<unit>B|KiB|MiB|GiB)\s+[\d,]+ events?\b.*?"
            r"\s(?P<rate>[\d,.]+|-) events/s\s+flush: (?P<reason>size hint|interval|early) \(",
            re.MULTILINE,
        ),
        reasons={"size hint": "size hint", "interval": "interval", "early": "early"},
        # delivery latency: p50 0.1s, p95 0.1s, max 0.1s
        latency=re.compile(r"delivery latency: p50 (?P<p50>[\d.]+)s, p95 [\d.]+s, max (?P<max>[\d.]+)s"),
        # while the producer runs: $0.0170 per hour
        cost_per_hour=re.compile(r"while the producer runs: \$(?P<usd>[\d.]+) per hour"),
        # forgotten (the worst case): ...: $0.04 in all
        cost_forgotten=re.compile(r"forgotten \(the worst case\):.*?: \$(?P<usd>[\d.]+) in all"),
    ),
    _Printed(
        # 2019, 15 000 and 121,5 (number() in Spanish: a decimal comma, thousands apart from five digits on)
        number=lambda text: float(text.replace(" ", "").replace(",", ".")),
        # nuevo 12:00:01  118,5 KiB  600 eventos  10 eventos/s  vaciado: intervalo (118,5 KiB de 1,0 MiB en 60,2 s)  ...
        new_object=re.compile(
            r"^nuevo \d\d:\d\d:\d\d\s+(?P<size>[\d,]+) (?P<unit>B|KiB|MiB|GiB)\s+\d+(?: \d{3})* eventos?\b.*?"
            r"\s(?P<rate>\d+(?: \d{3})*(?:,\d)?|-) eventos/s\s+vaciado: (?P<reason>tamaño|intervalo|anticipado) \(",
            re.MULTILINE,
        ),
        reasons={"tamaño": "size hint", "intervalo": "interval", "anticipado": "early"},
        # latencia de entrega: p50 0,1s, p95 0,1s, máx. 0,1s
        latency=re.compile(r"latencia de entrega: p50 (?P<p50>[\d,]+)s, p95 [\d,]+s, máx\. (?P<max>[\d,]+)s"),
        # mientras el productor funciona: 0,0170 USD por hora
        cost_per_hour=re.compile(r"mientras el productor funciona: (?P<usd>[\d,]+) USD por hora"),
        # olvidado (el peor caso): ...: 0,04 USD en total
        cost_forgotten=re.compile(r"olvidado \(el peor caso\):.*?: (?P<usd>[\d,]+) USD en total"),
    ),
)
_BYTES = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}


def _objects(reason: str, value: Callable[[_Printed, re.Match], float]) -> Callable[[str], list[float]]:
    return lambda output: [
        value(printed, match)
        for printed in _PRINTED
        for match in printed.new_object.finditer(output)
        if printed.reasons[match["reason"]] == reason and match["rate"] != "-"
    ]


def _found(pattern: Callable[[_Printed], re.Pattern], group: str) -> Callable[[str], list[float]]:
    return lambda output: [
        printed.number(match[group]) for printed in _PRINTED for match in pattern(printed).finditer(output)
    ]


def _mib(printed: _Printed, match: re.Match) -> float:
    return printed.number(match["size"]) * _BYTES[match["unit"]] / _BYTES["MiB"]


def _rate(printed: _Printed, match: re.Match) -> float:
    return printed.number(match["rate"])


@dataclass(frozen=True)
class Measure:
    read: Callable[[str], list[float]]  # the values in a step's output
    unit: str
    what: str


MEASURES = {
    "size-flush-object-size": Measure(
        _objects("size hint", _mib), "MiB", "each new object `make watch` saw flushed by the size hint, its size"
    ),
    "interval-flush-rate": Measure(
        _objects("interval", _rate), "events/s", "each new object flushed by the interval, events/s into its buffer"
    ),
    "latency-p50": Measure(_found(lambda p: p.latency, "p50"), "s", "make verify's median delivery latency"),
    "latency-max": Measure(_found(lambda p: p.latency, "max"), "s", "make verify's longest delivery latency"),
    "cost-per-hour": Measure(_found(lambda p: p.cost_per_hour, "usd"), "USD/h", "make cost, while the producer runs"),
    "cost-forgotten": Measure(
        _found(lambda p: p.cost_forgotten, "usd"), "USD", "make cost, a lab forgotten until it expires"
    ),
}
# The units a claim may be written in, per measure unit: how many of the measure's unit one is, on a clock scale.
_UNITS: dict[str, dict[str, Callable[[float], float]]] = {
    "s": {"s": lambda scale: 1.0, "interval": lambda scale: INTERVAL_SECONDS * scale},
    "MiB": {"MiB": lambda scale: 1.0, "KiB": lambda scale: 1 / 1024},
}
_CLAIM = re.compile(r"^(?P<measure>[\w-]+) (?P<low>\d+(?:\.\d+)?)\.\.(?P<high>\d+(?:\.\d+)?) (?P<unit>\S+)$")


@dataclass(frozen=True)
class Claim:
    """A number the guide promises about a step's output, as a range."""

    text: str  # as written in the marker
    measure: str
    low: float
    high: float
    unit: str

    def values(self, output: str) -> list[float]:
        """The measure's values in the output, in the measure's own unit."""
        return MEASURES[self.measure].read(output)

    def bounds(self, clock_scale: float) -> tuple[float, float]:
        """The range in the measure's own unit, on a walk whose buffer clock runs `clock_scale` times real time."""
        unit = MEASURES[self.measure].unit
        factor = _UNITS.get(unit, {unit: lambda scale: 1.0})[self.unit](clock_scale)
        return self.low * factor, self.high * factor

    def holds(self, values: list[float], clock_scale: float) -> bool:
        """Some value was printed, and every one lies in the range."""
        low, high = self.bounds(clock_scale)
        return bool(values) and all(low <= value <= high for value in values)

    def describe(self, clock_scale: float) -> str:
        low, high = self.bounds(clock_scale)
        return f"{low:g}..{high:g} {MEASURES[self.measure].unit} on a x{clock_scale:g} clock"


def parse_claim(text: str) -> Claim:
    """A marker's `MEASURE LOW..HIGH UNIT`; ValueError saying what is allowed."""
    match = _CLAIM.match(text)
    if not match or match["measure"] not in MEASURES:
        raise ValueError(f"an expect marker reads MEASURE LOW..HIGH UNIT, MEASURE one of {', '.join(MEASURES)}")
    measure, unit = MEASURES[match["measure"]], match["unit"]
    units = _UNITS.get(measure.unit, {measure.unit: None})
    if unit not in units:
        raise ValueError(f"{match['measure']} is measured in {' or '.join(units)}, not {unit!r}")
    low, high = float(match["low"]), float(match["high"])
    if low > high:
        raise ValueError(f"an empty range {match['low']}..{match['high']}")
    return Claim(text, match["measure"], low, high, unit)
