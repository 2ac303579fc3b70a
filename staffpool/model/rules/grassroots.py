"""Grassroots service of targeted graduates (staff `grassroots_years`)."""

from __future__ import annotations

from staffpool.domain.instance import Tier
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option

GRASSROOTS_TIERS = (Tier.township, Tier.village)


def allow_grassroots(cm: CommunityModel, cohort: Cohort, options: list[Option]) -> list[Option]:
    r"""Option filter. A person who owes grassroots service this year (`grassroots_years`
    ≥ 1: a targeted graduate, once hired, for that many years) serves at township or
    village tier:

    .. math:: x_{k,o} = 0 \ \text{ if } owed(k) \ge 1 \text{ and } tier(inst(o)) = county

    For a candidate this binds only if they are hired (a candidate's options are all hires).
    """
    if not cohort.grassroots:
        return options
    inst = cm.inst
    return [o for o in options if inst[o.institution].tier in GRASSROOTS_TIERS]
