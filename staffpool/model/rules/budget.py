"""Rule 7 (model.md, hard rules): the community's hiring budget."""

from __future__ import annotations

from collections.abc import Iterable

from staffpool.domain.instance import StaffStatus
from staffpool.model.community import CommunityModel
from staffpool.model.horizon import HorizonModel
from staffpool.model.linear import Sense

# The checker's tolerance on the budget (check.check_hiring_budget): a plan spending up to
# this much over the budget obeys the rule, so the count below must allow it too.
BUDGET_TOL = 1e-6


def affordable_hires(salaries: Iterable[float], budget: float) -> int:
    """The most people of `salaries` (one entry per person) whose salaries add up to at most
    `budget`: the cheapest first, as many as fit."""
    count, spent = 0, 0.0
    for s in sorted(salaries):
        if spent + s > budget + BUDGET_TOL:
            break
        count, spent = count + 1, spent + s
    return count


def hireable_salaries(cm: CommunityModel) -> list[int]:
    """The salary of each candidate of the community who has an option (one entry per
    person): those the count of hires (`define_hiring_budget`) is about."""
    return [cm.instance.salary(c.title) for c in cm.cohorts
            if c.status == StaffStatus.candidate and len(cm.cols[c.index]) for _m in c.members]


def define_hiring_budget(cm: CommunityModel) -> None:
    r"""If the community has a `hiring_budget` B:

    .. math:: \sum_{k \in candidates} salary(title_k) \sum_o x_{k,o} \le B

    Named `hiring_budget[<community>]`. And, implied by it (a valid inequality that no plan
    can break, so the rule's set of plans is the same), the count of hires

    .. math:: \sum_{k \in candidates} \sum_o x_{k,o} \le K, \qquad
              K = \max\{m : s_{(1)} + \dots + s_{(m)} \le B\}

    where s_(1) ≤ s_(2) ≤ … are the salaries of the community's hireable candidates, one
    per person. Any m hires cost at least the m cheapest salaries, so more than K cost more
    than B. Named `hiring_count[<community>]`, made only when K is below the number of
    hireable candidates (otherwise the posting rows already say it). The LP relaxation of
    the budget row alone hires a fraction of a dearer candidate with what is left of B;
    this row forbids that (a generated county's shortfall LP bound 199.75 → 202, its
    optimum). Left out of an elastic build that relaxes the budget (`staffpool explain`);
    a sweep that changes the budget row's bound sets this row's to the scenario's K
    (`staffpool.scale.chain`).
    """
    budget = cm.community.hiring_budget
    if budget is None:
        return
    terms: dict[int, float] = {
        var: cm.instance.salary(c.title)
        for c in cm.cohorts if c.status == StaffStatus.candidate
        for var in cm.cols[c.index]
    }
    cm.add(
        "hiring_budget",
        f"hiring_budget[{cm.community.id}]",
        terms, Sense.le, budget,
    )
    if "hiring_budget" in cm.elastic:
        return
    salaries = hireable_salaries(cm)  # candidates without an option cannot be hired
    limit = affordable_hires(salaries, budget)
    if limit < len(salaries):
        cm.add("hiring_count", f"hiring_count[{cm.community.id}]", dict.fromkeys(terms, 1.0), Sense.le, limit)


def hiring_cost_years(hm: HorizonModel, year: int) -> dict[int, float]:
    """The year's hires at their salaries: {column of an arc from `out` to an institution:
    salary(title)} (also the `hiring_cost` level of the year, `define_levels_years`)."""
    key = ("hiring_cost", year)
    if key not in hm.derived:
        a = hm.year_arcs(year)
        hires = hm.hired(year)
        hm.derived[key] = dict(zip(a.col[hires].tolist(), hm.salaries()[a.klass[hires]].tolist(), strict=True))
    return hm.derived[key]


def define_hiring_budget_years(hm: HorizonModel, year: int) -> None:
    r"""Year form. If the community has a `hiring_budget` B_y in year y (budgets.csv, else
    its own), the salaries of the year's hires (arcs from `out`):

    .. math:: \sum_{a \in A_y: from(a) = out,\ to(a) \ne out} salary(title_a)\, f_a \le B_y

    A hire's salary counts in the year of hiring only. Named `hiring_budget[<community>,<y>]`.
    (The count of hires of one year, `hiring_count`, is not made over years.)
    """
    budget = hm.community_in(year).hiring_budget
    if budget is None:
        return
    hm.add("hiring_budget", f"hiring_budget[{hm.community},{year}]", hiring_cost_years(hm, year), Sense.le, budget)
