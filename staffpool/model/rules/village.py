"""Rule 3 (model.md, hard rules): a village doctor may only be posted at village tier."""

from __future__ import annotations

from staffpool.domain.instance import Tier, Title
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option


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
