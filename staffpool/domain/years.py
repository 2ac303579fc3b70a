"""The instance of one year (`year_view`) and the world after a plan (`advance`)."""

from __future__ import annotations

from typing import Any

from staffpool.domain.instance import (
    Funding,
    Horizon,
    Instance,
    StaffMember,
    StaffStatus,
    present,
    year_communities,
    year_requirements,
)
from staffpool.domain.plan import Plan, PostSource


def _uses_years(instance: Instance) -> bool:
    return bool(
        instance.budgets
        or instance.horizon.years > 1
        or any(r.year is not None for r in instance.requirements)
        or any(s.leaves is not None or s.birth_year is not None or s.arrives is not None for s in instance.staff)
    )


def year_view(instance: Instance, year: int | None = None) -> Instance:
    """The instance of one year of the horizon (default: its first), as a solve sees it."""
    year = year if year is not None else instance.horizon.start
    if year is None or (year == instance.horizon.start and not _uses_years(instance)):
        return instance
    staff = tuple(s for s in instance.staff if present(instance, s, year))
    ids = {s.id for s in staff}
    return instance.model_copy(update={
        "staff": staff,
        "requirements": year_requirements(instance.requirements, year),
        "communities": year_communities(instance, year),
        "pins": tuple(p for p in instance.pins if p.applies(year) and p.staff_id in ids),
        "preferences": tuple(p for p in instance.preferences if p.staff_id in ids),
        "budgets": (),
        "horizon": Horizon(start=year, years=1),
    })


def _post_of(instance: Instance, s: StaffMember, to: str, funding: str | None) -> tuple[Funding, str]:
    """(post_funding, quota_holder) of a post just taken at `to`. A unified post gets the
    funding of the institution where posted (a village clinic's: full, the township
    quota that serves villages); the quota holder is `to` when its funding is the post's,
    else the nearest institution of the community with that funding."""
    inst = instance.institution_by_id
    here = inst[to]
    if funding in (Funding.full.value, Funding.differential.value):
        f = Funding(funding)
    else:
        f = here.funding if here.funding != Funding.none else Funding.full
    if here.funding == f:
        return f, here.id
    same = [j for j in instance.institutions if j.community == here.community and j.funding == f]
    if not same:
        return f, here.id  # cannot happen for a post of a pool that had a vacancy
    holder = min(same, key=lambda j: (instance.distance_m(here.id, j.id), j.id))
    return f, holder.id


def advance(instance: Instance, plan: Plan) -> Instance:
    """The world after `plan` (a plan of the year `horizon.start`, or of the instance when it
    has no calendar year): everyone starts where the plan posted them; the regularised and
    hired hold their posts; candidates not hired stay candidates; those who leave by the
    next year are gone (their posts fall vacant); rows of past years are dropped."""
    year = instance.horizon.start
    nxt = year + 1 if year is not None else None
    view = year_view(instance)
    planned = {s.id for s in view.staff}
    staff: list[StaffMember] = []
    for s in instance.staff:
        if nxt is not None and not _stays_to(instance, s, nxt):
            continue
        if s.id not in planned:
            staff.append(s)  # a candidate not arrived yet
            continue
        a = plan.get(s.id)
        to = a.to_institution if a is not None else None
        owed = max(0, s.grassroots_years - 1) if s.status != StaffStatus.candidate else s.grassroots_years
        update: dict[str, Any] = {}
        if s.status == StaffStatus.candidate:
            if to is None:
                staff.append(s)
                continue
            assert a is not None
            funding, holder = _post_of(instance, s, to, a.post_funding)
            owed = max(0, s.grassroots_years - 1)
            update = {"status": StaffStatus.on_staff, "posted_at": to, "post_funding": funding, "quota_holder": holder,
                      "arrives": None}
        elif to is not None:
            update = {"posted_at": to}
            if s.status == StaffStatus.contract and a is not None and a.post_source == PostSource.regularised:
                funding, holder = _post_of(instance, s, to, a.post_funding)
                update.update(status=StaffStatus.on_staff, post_funding=funding, quota_holder=holder)
        update["grassroots_years"] = owed
        staff.append(s.model_copy(update=update))
    ids = {s.id for s in staff}

    def current(y: int | None) -> bool:
        return y is None or nxt is None or y >= nxt

    horizon = instance.horizon if nxt is None else Horizon(start=nxt, years=max(1, instance.horizon.years - 1))
    return instance.model_copy(update={
        "staff": tuple(staff),
        "pins": tuple(p for p in instance.pins if p.staff_id in ids and current(p.year)),
        "preferences": tuple(p for p in instance.preferences if p.staff_id in ids),
        "requirements": tuple(r for r in instance.requirements if current(r.year)),
        "budgets": tuple(b for b in instance.budgets if current(b.year)),
        "horizon": horizon,
    })


def _stays_to(instance: Instance, s: StaffMember, year: int) -> bool:
    gone = s.leaves_in(instance.policy)
    return gone is None or gone > year

