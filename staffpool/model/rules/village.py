"""Rule 3 (model.md, hard rules): a village doctor may only be posted at village tier."""

from __future__ import annotations

from dataclasses import replace

from staffpool.domain.instance import Tier, Title
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option
from staffpool.model.horizon import ArcSpace, Klass, YearOptions


def allow_village_title(cm: CommunityModel, cohort: Cohort, options: list[Option]) -> list[Option]:
    r"""Option filter: :math:`x_{k,o} = 0` if title(k) = village_doctor and tier(inst(o)) ≠ village.

    This holds for people who may not move too: a village doctor posted (and immobile)
    at a township leaves no option, and the instance is infeasible, as model.md says.
    """
    if cohort.title != Title.village_doctor:
        return options
    if "village" not in cm.derived:
        cm.derived["village"] = frozenset(j.id for j in cm.institutions if j.tier == Tier.village)
    village = cm.derived["village"]
    return [o for o in options if o.institution in village]


def allow_village_title_years(space: ArcSpace, k: Klass, year: int, options: YearOptions) -> YearOptions:
    r"""Year form: a village doctor's class has no state away from village tier, in any
    year and post:

    .. math:: f_a = 0 \ \text{ for every arc } a \text{ into } (j, q) \text{ if }
              title(k) = village\_doctor \text{ and } tier(j) \ne village
    """
    if k.first.title != Title.village_doctor:
        return options
    if "village" not in space.derived:
        space.derived["village"] = space.per_institution([j.tier == Tier.village for j in space.institutions])
    return replace(options, at=options.at & space.derived["village"])
