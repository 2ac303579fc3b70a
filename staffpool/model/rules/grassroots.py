"""Grassroots service of targeted graduates (staff `grassroots_years`)."""

from __future__ import annotations

from dataclasses import replace

from staffpool.domain.instance import StaffStatus, Tier
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option
from staffpool.model.horizon import ArcSpace, Klass, YearOptions

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


def allow_grassroots_years(space: ArcSpace, k: Klass, year: int, options: YearOptions) -> YearOptions:
    r"""Year form. With g = grassroots_years of the class, a member owes service in year y

    .. math:: owed(q, y) \iff y \le hired(q) + g - 1 \ \text{(a graduate hired in } hired(q)\text{)}
              \ \lor\ (status \ne candidate \land y < y_0 + g)

    (a candidate's posts carry the year of hiring), and then has no state at county tier:
    :math:`f_a = 0` for every arc a into (j, q) with owed(q, y) and tier(j) = county.
    """
    g = k.first.grassroots_years
    if g <= 0:
        return options
    start = space.years[0]
    staff = k.first.status != StaffStatus.candidate
    owed = [(p.hired is not None and year <= p.hired + g - 1) or (staff and year < start + g) for p in k.posts]
    if not any(owed):
        return options
    if "grassroots" not in space.derived:
        space.derived["grassroots"] = space.per_institution([j.tier in GRASSROOTS_TIERS for j in space.institutions])
    free = space.per_post([not o for o in owed])
    return replace(options, at=options.at & (space.derived["grassroots"] | free))
