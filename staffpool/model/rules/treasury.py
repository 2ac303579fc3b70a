"""Rule 9 (money): the community's treasury budget, and the optional `treasury_cost` level."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from staffpool.domain.instance import Level, Title
from staffpool.model.community import CommunityModel
from staffpool.model.linear import Expr, Sense


def post_price(salary: int, share: float) -> float:
    """What the treasury pays a year for one post holder: salary × share, to the fen (half up)."""
    return float((Decimal(salary) * Decimal(repr(share))).quantize(Decimal("0.01"), ROUND_HALF_UP))


def treasury_added(cm: CommunityModel) -> Expr:
    r"""The treasury's added payroll: every new post (regularised or hired) at its price,

    .. math:: added = \sum_{g,p,t} price(t, p)\,(reg_{g,p,t} + hire_{g,p,t}), \quad
              price(t, p) = salary(t) \cdot share(funding(p))

    funding(p) is the pool's (an institution's own in separate, full/differential in
    county_pool, `unified` in unified). on_staff posts are the same before and after, so
    they add nothing. Needs the per-title post counts (`cm.by_title`).
    """
    assert cm.by_title, "the treasury needs post counts per title"
    policy = cm.instance.policy
    terms: dict[int, float] = {}
    for store in (cm.reg, cm.hire):
        for (_g, pid, title), var in store.items():
            pool = cm.pools[pid]
            share = policy.treasury_share.of("unified" if pool.funding is None else pool.funding.value)
            price = post_price(cm.instance.salary(Title(title)), share)
            if price:
                terms[var] = price
    return Expr(terms)


def define_treasury_budget(cm: CommunityModel) -> None:
    r"""If the community has a `treasury_budget` B (yuan a year):

    .. math:: \sum_{g,p,t} salary(t)\, share(funding(p))\,(reg_{g,p,t} + hire_{g,p,t}) \le B

    Named `treasury_budget[<community>]`.
    """
    budget = cm.community.treasury_budget
    if budget is None:
        return
    cm.add("treasury_budget", f"treasury_budget[{cm.community.id}]", treasury_added(cm).terms, Sense.le, budget)


def define_treasury_cost(cm: CommunityModel) -> None:
    r"""The optional level `treasury_cost` = the treasury's added payroll (`treasury_added`),
    in yuan a year; made only when it is in the objective or a budget needs the counts."""
    if cm.by_title:
        cm.levels[Level.treasury_cost] = treasury_added(cm)
