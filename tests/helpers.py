"""Small builders and an independent brute-force solver for tests."""

from __future__ import annotations

import itertools
from typing import Any

from staffpool.check import Assignment, Plan, check_plan, compute_levels
from staffpool.domain import (
    Community,
    Funding,
    Instance,
    Institution,
    Level,
    Mode,
    Policy,
    Requirement,
    StaffMember,
    StaffStatus,
    Tier,
    Title,
)


def inst(id: str, tier: str, posts: int = 0, x: float = 0, y: float = 0, cap: int | None = None,
         community: str = "C1", funding: str | None = None) -> Institution:
    f = funding or {"county": "differential", "township": "full", "village": "none"}[tier]
    return Institution(id=id, name=id, community=community, tier=Tier(tier), funding=Funding(f),
                       approved_posts=posts, x_km=x, y_km=y, capacity=cap)


def person(id: str, status: str, title: str, specialty: str = "gp", at: str | None = None,
           post: str | None = None, holder: str | None = None, mobile: bool = True,
           community: str = "C1", due: bool = False) -> StaffMember:
    return StaffMember(id=id, name=id, status=StaffStatus(status), title=Title(title), specialty=specialty,
                       post_funding=Funding(post) if post else None, quota_holder=holder, posted_at=at,
                       community=community, mobile=mobile, grassroots_due=due)


def req(at: str, specialty: str, min_title: str, need: int, weight: float = 1.0) -> Requirement:
    return Requirement(institution=at, specialty=specialty, min_title=Title(min_title), need=need, weight=weight)


def make(institutions: list[Institution], staff: list[StaffMember], requirements: list[Requirement] | None = None,
         policy: dict[str, Any] | None = None, communities: list[Community] | None = None) -> Instance:
    comms = communities or [Community(id=c, name=c) for c in sorted({i.community for i in institutions})]
    return Instance(name="t", policy=Policy.model_validate(policy or {}), communities=tuple(comms),
                    institutions=tuple(institutions), staff=tuple(staff), requirements=tuple(requirements or ()))


LEX_TOL = 1e-6


def _person_options(instance: Instance, mode: Mode, s: StaffMember) -> list[Assignment]:
    """Every decision for one person that the per-person rules allow, from the independent
    per-person model (benchmarks/naive.py), which shares no code with staffpool.model."""
    from benchmarks.naive import person_options

    out: list[Assignment] = [Assignment(s.id, None)] if s.status == StaffStatus.candidate else []
    for o in person_options(instance, mode, s.id):
        if o.post == "existing":
            out.append(Assignment(s.id, o.institution, o.funding, "existing"))
        elif o.post is None:
            out.append(Assignment(s.id, o.institution, None, None))
        else:
            out.append(Assignment(s.id, o.institution, o.funding,
                                  "hired" if s.status == StaffStatus.candidate else "regularised"))
    return out


def brute_force(instance: Instance, mode: Mode | None = None) -> tuple[float, ...] | None:
    """The lexicographic optimum by enumerating every plan (None: infeasible)."""
    mode = mode or instance.policy.mode
    choices = [_person_options(instance, mode, s) for s in instance.staff]
    best: tuple[float, ...] | None = None
    for combo in itertools.product(*choices):
        plan: Plan = {a.staff_id: a for a in combo}
        report = check_plan(instance, plan, mode)
        if not report.ok:
            continue
        key = tuple(report.levels[lvl] for lvl in instance.policy.objective)
        if best is None or _lex_less(key, best):
            best = key
    return best


def _lex_less(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    for x, y in zip(a, b, strict=True):
        if x < y - LEX_TOL:
            return True
        if x > y + LEX_TOL:
            return False
    return False


def levels_tuple(instance: Instance, plan: Plan) -> tuple[float, ...]:
    lv = compute_levels(instance, plan)
    return tuple(lv[lvl] for lvl in instance.policy.objective)


__all__ = ["Level", "brute_force", "inst", "levels_tuple", "make", "person", "req"]
