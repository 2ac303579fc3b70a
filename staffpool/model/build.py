"""One community's allocation program: options, variables, named constraints, levels.

The pipeline is PyPSA's: `build_community` makes the cohorts, asks every option rule of
the registry which (institution, post) each cohort may take, creates one integer variable
per cohort and option, then calls every constraint rule's `define_*` in registry order.
"""

from __future__ import annotations

from operator import attrgetter

from staffpool.domain.instance import (
    Instance,
    Level,
    Mode,
)
from staffpool.model.cohorts import build_cohorts
from staffpool.model.community import CommunityModel, _distances, candidate_options, vacancy_pools
from staffpool.model.linear import LinearProgram
from staffpool.model.rules import RULES

_INSTITUTION = attrgetter("institution")
















def build_community(
    instance: Instance, community: str, mode: Mode | None = None, skip: frozenset[str] = frozenset(),
    elastic: frozenset[str] = frozenset(),
) -> CommunityModel:
    """Build one community's program. `skip` names rules left out and `elastic` constraint
    families given a slack (both used to explain infeasibility)."""

    mode = mode or instance.policy.mode
    insts = sorted((i for i in instance.institutions if i.community == community), key=lambda i: i.id)
    dist = _distances(insts)
    cm = CommunityModel(
        instance=instance,
        community=instance.community_by_id[community],
        mode=mode,
        institutions=insts,
        cohorts=build_cohorts(instance, community, mode),
        pools=vacancy_pools(instance, community, mode),
        dist=dist,
        lp=LinearProgram(f"staffpool_{community}"),
        elastic=elastic,
    )
    com = cm.community
    cm.by_title = (com.treasury_budget is not None and "treasury_budget" not in skip) or (
        Level.treasury_cost in instance.policy.objective
    )
    allows = [r.allow for r in RULES if r.allow is not None and r.name not in skip]
    for cohort in cm.cohorts:
        opts = candidate_options(cm, cohort)
        for allow in allows:
            opts = allow(cm, cohort, opts)
        cm.options.append(list(opts))  # never the shared list of candidate_options
        cm.cols.append(cm.lp.vars(len(opts), 0.0, float(cohort.size), True))  # named x_<col> when exported
    insts_here = {i.id for i in insts}
    cm.requirements = [
        (n, r) for n, r in enumerate(instance.requirements) if r.institution in insts_here
    ]
    for rule in RULES:
        if rule.define is not None and rule.name not in skip:
            rule.define(cm)
    return cm









