"""Rule 5 (model.md, hard rules): post-use rules (county_pool) and vacancy limits (all modes)."""

from __future__ import annotations

import pulp

from ...domain import Funding, Mode
from ..build import CommunityModel, Option, PostKind
from ..cohorts import Cohort


def post_funding_of(cm: CommunityModel, cohort: Cohort, option: Option) -> Funding | None:
    """The funding of the post a person holds under an option (None: no post / unified)."""
    if option.kind == PostKind.existing:
        return cohort.post_funding
    if option.kind == PostKind.new and option.pool is not None:
        return cm.pools[option.pool].funding
    return None


def allow_post_use(cm: CommunityModel, cohort: Cohort, option: Option) -> bool:
    r"""Option filter, county_pool only: a person holding a post of funding f may be
    posted at tier t only where the post-use table of model.md says yes:

    .. math:: x_{k,o} = 0 \ \text{ if } allowed(f(k,o), tier(inst(o))) = \text{no}

    with f the existing post (on_staff) or the pool of the new post (regularised or
    hired). People without a post may be posted at any tier.
    """
    if cm.mode != Mode.county_pool:
        return True
    f = post_funding_of(cm, cohort, option)
    if f is None:
        return True
    return cm.instance.policy.post_use_allowed(f, cm.inst[option.institution].tier)


def define_vacancies(cm: CommunityModel) -> None:
    r"""New posts taken never exceed vacancies, per pool p:

    .. math:: \sum_{k \in contract \cup candidate} \sum_{o: pool(o)=p} x_{k,o} \le vac_p

    with vac_p = max(0, approved posts of p − on_staff holding posts of p), and p an
    institution (`separate`), a (community, funding) (`county_pool`) or the community
    (`unified`). Pools with no vacancy get no `new` options at all (same set of plans).
    Named `vacancy[<pool>]`, e.g. `vacancy[C000,full]`.
    """
    by_pool: dict[str, dict[pulp.LpVariable, int]] = {p: {} for p in cm.pools}
    for (k, o), var in cm.x.items():
        opt = cm.options[k][o]
        if opt.kind == PostKind.new and opt.pool is not None:
            by_pool[opt.pool][var] = 1
    for pid, terms in by_pool.items():
        if not terms:
            continue
        cm.add(
            "vacancy",
            f"vacancy[{pid}]",
            pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, rhs=cm.pools[pid].vacancies),
        )
