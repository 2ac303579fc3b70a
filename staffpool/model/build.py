"""One community's allocation program: options, variables, named constraints, levels.

The pipeline is PyPSA's: `build_community` makes the cohorts, asks every option rule of
the registry which (institution, post) each cohort may take, creates one integer variable
per cohort and option, then calls every constraint rule's `define_*` in registry order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pulp

from ..domain import Community, Funding, Instance, Institution, Level, Mode, Requirement, Status, Tier
from .cohorts import Cohort, build_cohorts


class PostKind(StrEnum):
    existing = "existing"  # an on_staff member keeps their post
    none = "none"  # a contract member stays without a post
    new = "new"  # a vacant post taken (regularised or hired)


@dataclass(frozen=True)
class Option:
    institution: str
    kind: PostKind
    pool: str | None = None  # vacancy pool of a new post (see `pools`)


@dataclass
class Pool:
    """Where vacancies are counted: an institution (separate), a (community, funding)
    (county_pool) or a community (unified)."""

    id: str
    funding: Funding | None  # None: unified
    institution: str | None  # set in separate mode
    vacancies: int


@dataclass
class CommunityModel:
    instance: Instance
    community: Community
    mode: Mode
    institutions: list[Institution]
    cohorts: list[Cohort]
    pools: dict[str, Pool]
    dist: dict[tuple[str, str], int]
    options: list[list[Option]] = field(default_factory=list)
    prob: pulp.LpProblem = field(default_factory=lambda: pulp.LpProblem("staffpool", pulp.LpMinimize))
    x: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    short: dict[int, pulp.LpVariable] = field(default_factory=dict)
    requirements: list[tuple[int, Requirement]] = field(default_factory=list)
    levels: dict[Level, pulp.LpAffineExpression] = field(default_factory=dict)
    families: dict[str, list[str]] = field(default_factory=dict)

    @property
    def inst(self) -> dict[str, Institution]:
        return self.instance.institution_by_id

    def add(self, family: str, name: str, constraint: pulp.LpConstraint) -> None:
        """Add a constraint under a name built from the data, e.g. `capacity[C000-T04]`."""
        self.prob.addConstraint(constraint, name)
        self.families.setdefault(family, []).append(name)

    def vars_where(self, pred: object = None) -> list[tuple[Cohort, Option, pulp.LpVariable]]:
        out = []
        for (k, o), var in self.x.items():
            out.append((self.cohorts[k], self.options[k][o], var))
        return out

    def moved(self, cohort: Cohort, option: Option) -> bool:
        return cohort.status != Status.candidate and option.institution != cohort.posted_at


def vacancy_pools(instance: Instance, community: str, mode: Mode) -> dict[str, Pool]:
    """model.md vacancies: max(0, approved posts − on_staff holding posts of the pool)."""
    insts = [i for i in instance.institutions if i.community == community]
    on_staff = [s for s in instance.staff if s.community == community and s.status == Status.on_staff]
    pools: dict[str, Pool] = {}
    if mode == Mode.separate:
        for i in insts:
            held = sum(1 for s in on_staff if s.quota_holder == i.id)
            pools[i.id] = Pool(i.id, i.funding, i.id, max(0, i.approved_posts - held))
    elif mode == Mode.county_pool:
        for f in (Funding.differential, Funding.full):
            approved = sum(i.approved_posts for i in insts if i.funding == f)
            held = sum(1 for s in on_staff if s.post_funding == f)
            pid = f"{community},{f.value}"
            pools[pid] = Pool(pid, f, None, max(0, approved - held))
    else:
        approved = sum(i.approved_posts for i in insts)
        pools[community] = Pool(community, None, None, max(0, approved - len(on_staff)))
    return pools


def candidate_options(cm: CommunityModel, cohort: Cohort) -> list[Option]:
    """Every (institution, post) before the option rules prune: model.md rule 1."""
    out: list[Option] = []
    open_pools = [p for p in cm.pools.values() if p.vacancies > 0]
    for j in cm.institutions:
        if cohort.status == Status.on_staff:
            out.append(Option(j.id, PostKind.existing))
            continue
        if cohort.status == Status.contract:
            out.append(Option(j.id, PostKind.none))
        for p in open_pools:
            if p.institution is not None and p.institution != j.id:
                continue
            out.append(Option(j.id, PostKind.new, p.id))
    return out


def build_community(
    instance: Instance, community: str, mode: Mode | None = None, skip: frozenset[str] = frozenset()
) -> CommunityModel:
    """Build one community's program. `skip` names rules left out (used to diagnose infeasibility)."""
    from .rules import RULES

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
        prob=pulp.LpProblem(_safe(f"staffpool_{community}"), pulp.LpMinimize),
    )
    option_rules = [r for r in RULES if r.allow is not None and r.name not in skip]
    for cohort in cm.cohorts:
        opts = [
            o for o in candidate_options(cm, cohort)
            if all(r.allow(cm, cohort, o) for r in option_rules)  # type: ignore[misc]
        ]
        cm.options.append(opts)
        for oi, _o in enumerate(opts):
            cm.x[(cohort.index, oi)] = pulp.LpVariable(
                f"x_{cohort.index:05d}_{oi:04d}", lowBound=0, upBound=cohort.size, cat=pulp.LpInteger
            )
    insts_here = {i.id for i in insts}
    cm.requirements = [
        (n, r) for n, r in enumerate(instance.requirements) if r.institution in insts_here
    ]
    for rule in RULES:
        if rule.define is not None and rule.name not in skip:
            rule.define(cm)
    return cm


def _distances(insts: list[Institution]) -> dict[tuple[str, str], int]:
    from ..domain import distance_m

    return {(a.id, b.id): distance_m(a, b) for a in insts for b in insts}


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def tier_of(cm: CommunityModel, institution: str) -> Tier:
    return cm.inst[institution].tier
