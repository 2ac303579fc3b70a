"""Rule 9 (money): the community's treasury budget, and the optional `treasury_cost` level."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from staffpool.domain.instance import Funding, Instance, Level, Title
from staffpool.model.community import CommunityModel
from staffpool.model.horizon import HorizonModel
from staffpool.model.linear import Expr, Sense


def post_price(salary: int, share: float) -> float:
    """What the treasury pays a year for one post holder: salary × share, to the fen (half up)."""
    return float((Decimal(salary) * Decimal(repr(share))).quantize(Decimal("0.01"), ROUND_HALF_UP))


def new_post_price(instance: Instance, title: Title, funding: Funding | None) -> float:
    """What the treasury adds a year when a person of `title` takes a post of a pool of
    `funding` (None: unified): salary × the treasury's share of that funding."""
    share = instance.policy.treasury_share.of("unified" if funding is None else funding.value)
    return post_price(instance.salary(title), share)


def treasury_added(cm: CommunityModel) -> Expr:
    r"""The treasury's added payroll: every new post (regularised or hired) at its price,

    .. math:: added = \sum_{g,p,t} price(t, p)\,(reg_{g,p,t} + hire_{g,p,t}), \quad
              price(t, p) = salary(t) \cdot share(funding(p))

    funding(p) is the pool's (an institution's own in separate, full/differential in
    county_pool, `unified` in unified). on_staff posts are the same before and after, so
    they add nothing. Needs the per-title post counts (`cm.by_title`).
    """
    assert cm.by_title, "the treasury needs post counts per title"
    terms: dict[int, float] = {}
    for store in (cm.reg, cm.hire):
        for (_g, pid, title), var in store.items():
            price = new_post_price(cm.instance, Title(title), cm.pools[pid].funding)
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


def treasury_added_years(hm: HorizonModel, year: int) -> dict[int, float]:
    r"""The treasury's payroll added in year y: every post taken that year (an arc from
    `out` or `none` to a pool's post) at its price,

    .. math:: added_y = \sum_{a \in A_y: from(a) \in \{out, none\},\ to(a) \in pool\ p}
              salary(title_a)\, share(funding(p))\, f_a

    as {column: price}, columns of price 0 left out. A post kept from an earlier year adds
    nothing again."""
    key = ("treasury", year)
    if key not in hm.derived:
        a = hm.year_arcs(year)
        taken = hm.taken(year)
        funding = [p.funding for p in hm.pools.values()]
        prices: dict[tuple[int, int], float] = {}
        terms: dict[int, float] = {}
        for col, k, p in zip(a.col[taken].tolist(), a.klass[taken].tolist(), a.target_pool[taken].tolist(), strict=True):
            if (k, p) not in prices:
                prices[(k, p)] = new_post_price(hm.instance, hm.title_of(k), funding[p])
            if prices[(k, p)]:
                terms[col] = prices[(k, p)]
        hm.derived[key] = terms
    return hm.derived[key]


def define_treasury_budget_years(hm: HorizonModel, year: int) -> None:
    r"""Year form. If the community has a `treasury_budget` B_y in year y (budgets.csv,
    else its own): :math:`added_y \le B_y` (`treasury_added_years`). Named
    `treasury_budget[<community>,<y>]`.
    """
    budget = hm.community_in(year).treasury_budget
    if budget is None:
        return
    hm.add("treasury_budget", f"treasury_budget[{hm.community},{year}]", treasury_added_years(hm, year),
           Sense.le, budget)


def define_treasury_cost_years(hm: HorizonModel, year: int) -> None:
    r"""Year form of the level: :math:`treasury\_cost = \sum_y added_y`, made whether or
    not the objective names it (it costs nothing unless minimised)."""
    hm.levels.setdefault(Level.treasury_cost, Expr()).terms.update(treasury_added_years(hm, year))
