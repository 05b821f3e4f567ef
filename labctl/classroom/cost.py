"""`make class-cost`: what a class of N labs costs, from the same price table and per-lab estimate as `make cost`
(labctl/prices.py, labctl/cost.py), plus what only a class has: its dashboards past the account's free three (each
lab's and the class's), and the amount of its Budgets backstop: half again what the class costs forgotten until its
end (the worst case it can cost by itself), in whole dollars. The budget counts the account's whole month, so an
account that spends on other things needs BUDGET= above that too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from labctl import prices
from labctl.cost import Estimate, athena_query, money
from labctl.i18n import _

# The budget past which the backstop stops the class's instances, over the class's own worst case.
BUDGET_MARGIN = 1.5


@dataclass(frozen=True)
class ClassEstimate:
    lab: Estimate
    students: int
    hours: int  # until the class ends

    @property
    def billed_dashboards(self) -> int:
        return max(0, self.students + 1 - prices.FREE_DASHBOARDS)

    @property
    def dashboards_hour(self) -> float:
        return self.billed_dashboards * prices.DASHBOARD_MONTH / prices.HOURS_PER_MONTH

    @property
    def producing_hour(self) -> float:
        return self.students * self.lab.producing_total + self.dashboards_hour

    @property
    def stopped_day(self) -> float:
        return self.students * self.lab.after_total + self.dashboards_hour * 24

    @property
    def forgotten(self) -> float:
        """Every lab producing its run, then stopped, until the class ends, dashboards the whole time."""
        producing = min(self.hours, self.lab.producing_hours)
        per_lab = producing * self.lab.producing_total + (self.hours - producing) * self.lab.after_total / 24
        return self.students * per_lab + self.dashboards_hour * self.hours

    @property
    def default_budget_usd(self) -> int:
        """The backstop's monthly amount without BUDGET=: the forgotten class and half again, in whole dollars."""
        return max(1, math.ceil(self.forgotten * BUDGET_MARGIN))


def lines(est: ClassEstimate) -> list[str]:
    lab = est.lab
    unpriced = (
        ""
        if lab.priced
        else _(" (without the {instance_type} instances: not in the price table)").format(
            instance_type=lab.config.instance_type
        )
    )
    return [
        _("firehose-lab class of {students} labs: {region} list prices ({date}), US$").format(
            students=est.students, region=prices.PRICES_REGION, date=prices.PRICES_DATE
        ),
        _("  while the producers run: {hour} per hour ({students} x {lab}, dashboards {dashboards}){unpriced}").format(
            hour=money(est.producing_hour),
            students=est.students,
            lab=money(lab.producing_total),
            dashboards=money(est.dashboards_hour),
            unpriced=unpriced,
        ),
        _("  once every instance stopped: {day} per day{unpriced}").format(
            day=money(est.stopped_day), unpriced=unpriced
        ),
        _(
            "  forgotten until the class ends {hours} h after class-up (the worst case): {total} in all{unpriced}"
        ).format(hours=est.hours, total=money(est.forgotten, 2), unpriced=unpriced),
        _(
            "  dashboards: {count} ({students} labs and the class's); {billed} past the account's free {free} at "
            "{price} a month each (fewer if the account already has others)"
        ).format(
            count=est.students + 1,
            students=est.students,
            billed=est.billed_dashboards,
            free=prices.FREE_DASHBOARDS,
            price=money(prices.DASHBOARD_MONTH, 2),
        ),
        _(
            "  Athena: {query} per query on lab data; each lab's producer runs {minutes} min (make cost ARGS=... for "
            "one lab's items)"
        ).format(query=money(athena_query(), 5), minutes=lab.config.producer_minutes),
        _(
            "  budget backstop: {budget} a month for the whole account (the forgotten class and half again; BUDGET= "
            "sets another): past it, its action stops every lab's instance; billing data reach it hours late, so the "
            "class's end is the cap"
        ).format(budget=money(est.default_budget_usd, 0)),
    ]
