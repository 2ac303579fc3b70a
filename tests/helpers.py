"""Small builders and an independent brute-force solver for tests."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from staffpool.domain.instance import (
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
from staffpool.domain.plan import Assignment, Plan


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

# ---------------------------------------------------------------- an oracle from model.md
# The brute force enumerates plans and judges them with its own reading of model.md: it
# shares no code with staffpool's model, its checker (check.py) or the naive model.

RANK = {"village_doctor": 0, "resident": 1, "attending": 2, "deputy_chief": 3, "chief": 4}
POST_USE = {("differential", "county"): True, ("differential", "township"): "county_managed_township_used",
            ("differential", "village"): "county_managed_village_used", ("full", "county"): "township_used_at_county",
            ("full", "township"): True, ("full", "village"): "township_recruited_village_used"}


def metres(a: Institution, b: Institution) -> int:
    """Euclidean km to 3 decimals, half up, as whole metres (ties as the decimals are written)."""
    from decimal import ROUND_HALF_UP, Decimal

    km = (Decimal(repr(a.x_km)) - Decimal(repr(b.x_km))) ** 2 + (Decimal(repr(a.y_km)) - Decimal(repr(b.y_km))) ** 2
    return int((km.sqrt() * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def within(m: int, limit_km: float | None) -> bool:
    return limit_km is None or m <= round(limit_km * 1000, 6)


def matches(r: Requirement, specialty: str, title: Title) -> bool:
    return r.specialty in ("*", specialty) and RANK[title.value] >= RANK[r.min_title.value]


def post_use_ok(policy: Policy, funding: str, tier: str) -> bool:
    rule = POST_USE[(funding, tier)]
    return rule if isinstance(rule, bool) else bool(getattr(policy, rule))


def senior_gaps(instance: Instance, plan: Plan) -> dict[str, int]:
    """model.md: a host's unmet need, after the allocation, of its rows with min_title ≥ attending."""
    gaps: dict[str, int] = {}
    for r in instance.requirements:
        if RANK[r.min_title.value] < RANK["attending"]:
            continue
        have = sum(1 for s in instance.staff if (a := plan.get(s.id)) is not None and a.to_institution == r.institution
                   and matches(r, s.specialty, s.title))
        gaps[r.institution] = gaps.get(r.institution, 0) + max(0, r.need - have)
    return gaps


def _person_options(instance: Instance, mode: Mode, s: StaffMember) -> list[tuple[Assignment, str | None]]:
    """Each decision for one person that model.md's per-person rules (community, mobility,
    village title, distance, post use; pins and grassroots service) allow, with the vacancy
    pool of a new post."""
    p = instance.policy
    year = instance.horizon.start
    pins = [q for q in instance.pins if q.staff_id == s.id and (q.year is None or q.year == year)]
    hired_for_sure = any(q.at is not None for q in pins)  # a candidate pinned at a place is hired there
    out: list[tuple[Assignment, str | None]] = (
        [(Assignment(s.id, None), None)] if s.status.value == "candidate" and not hired_for_sure else [])
    for j in instance.institutions:
        if j.community != s.community or (s.title.value == "village_doctor" and j.tier.value != "village"):
            continue
        if any((q.at is not None and q.at != j.id) or (q.stay and j.id != s.posted_at) or q.not_at == j.id for q in pins):
            continue
        if s.grassroots_years > 0 and j.tier.value == "county":  # owes grassroots service this year
            continue
        if s.status.value != "candidate" and j.id != s.posted_at:
            assert s.posted_at is not None
            if not s.mobile or mode == Mode.separate:
                continue
            if not within(metres(instance.institution_by_id[s.posted_at], j), p.max_distance_km):
                continue
        if s.status.value == "on_staff":
            assert s.post_funding is not None
            if mode != Mode.county_pool or post_use_ok(p, s.post_funding.value, j.tier.value):
                out.append((Assignment(s.id, j.id, s.post_funding.value, "existing"), None))
            continue
        if s.status.value == "contract":
            out.append((Assignment(s.id, j.id, None, None), None))
        source = "hired" if s.status.value == "candidate" else "regularised"
        if mode == Mode.separate:
            if j.funding.value != "none":
                out.append((Assignment(s.id, j.id, j.funding.value, source), j.id))
        elif mode == Mode.county_pool:
            for f in ("full", "differential"):
                if post_use_ok(p, f, j.tier.value):
                    out.append((Assignment(s.id, j.id, f, source), f"{s.community}/{f}"))
        else:
            out.append((Assignment(s.id, j.id, "unified", source), s.community))
    return out


def _vacancies(instance: Instance, mode: Mode) -> dict[str, int]:
    on = [s for s in instance.staff if s.status.value == "on_staff"]
    vac: dict[str, int] = {}
    for i in instance.institutions:
        if mode == Mode.separate:
            vac[i.id] = max(0, i.approved_posts - sum(1 for s in on if s.quota_holder == i.id))
    for c in instance.communities:
        mine = [i for i in instance.institutions if i.community == c.id]
        if mode == Mode.county_pool:
            for f in ("full", "differential"):
                vac[f"{c.id}/{f}"] = max(0, sum(i.approved_posts for i in mine if i.funding.value == f)
                                         - sum(1 for s in on if s.community == c.id and s.post_funding
                                               and s.post_funding.value == f))
        elif mode == Mode.unified:
            vac[c.id] = max(0, sum(i.approved_posts for i in mine) - sum(1 for s in on if s.community == c.id))
    return vac


def _oracle_levels(instance: Instance, plan: Plan) -> dict[Level, float]:
    """model.md's levels of a plan (distance in km)."""
    ib = instance.institution_by_id
    moved = [s for s in instance.staff if s.status.value != "candidate" and plan[s.id].to_institution != s.posted_at]
    short = 0.0
    for r in instance.requirements:
        have = sum(1 for s in instance.staff if plan[s.id].to_institution == r.institution
                   and matches(r, s.specialty, s.title))
        short += r.weight * max(0, r.need - have)
    return {
        Level.shortfall: short,
        Level.moves: float(len(moved)),
        Level.distance: sum(metres(ib[str(s.posted_at)], ib[str(plan[s.id].to_institution)]) for s in moved) / 1000,
        Level.hiring_cost: float(sum(instance.policy.salary[s.title] for s in instance.staff
                                     if s.status.value == "candidate" and plan[s.id].to_institution)),
        Level.unregularised: float(sum(1 for s in instance.staff
                                       if s.status.value == "contract" and plan[s.id].post_source != "regularised")),
        Level.treasury_cost: float(sum(_treasury(instance, plan).values())),
        Level.preference: float(_wish_level(instance, plan)),
    }


def _wish_level(instance: Instance, plan: Plan) -> int:
    """docs/model.md's wishes: Σ over people posted of rank − 1 where listed, their number of
    rows where not, 0 without rows."""
    total = 0
    for s in instance.staff:
        rows = {p.institution: p.rank for p in instance.preferences if p.staff_id == s.id}
        to = plan[s.id].to_institution
        if rows and to is not None:
            total += rows[to] - 1 if to in rows else len(rows)
    return total


def _treasury(instance: Instance, plan: Plan) -> dict[str, float]:
    """Per community: Σ over people regularised or hired of salary × the share of the funding of
    the post they took (the plan's post_funding: full, differential or unified), to the fen."""
    from decimal import ROUND_HALF_UP, Decimal

    shares = instance.policy.treasury_share.model_dump()
    out: dict[str, float] = {}
    for s in instance.staff:
        a = plan[s.id]
        if a.post_source in ("regularised", "hired"):
            yuan = Decimal(instance.policy.salary[s.title]) * Decimal(str(shares[str(a.post_funding)]))
            out[s.community] = out.get(s.community, 0.0) + float(yuan.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return out


def brute_force(instance: Instance, mode: Mode | None = None) -> tuple[float, ...] | None:
    """The lexicographic optimum by enumerating every plan (None: infeasible)."""
    from collections import Counter

    mode = mode or instance.policy.mode
    choices = [_person_options(instance, mode, s) for s in instance.staff]
    vac = _vacancies(instance, mode)
    comm = {s.id: s.community for s in instance.staff}
    staff = instance.staff_by_id
    best: tuple[float, ...] | None = None
    for combo in itertools.product(*choices):
        plan: Plan = {a.staff_id: a for a, _pool in combo}
        taken = Counter(pool for _a, pool in combo if pool is not None)
        if any(n > vac.get(pool, 0) for pool, n in taken.items()):
            continue
        posted = Counter(a.to_institution for a, _pool in combo if a.to_institution)
        if any(i.capacity is not None and posted[i.id] > i.capacity for i in instance.institutions):
            continue
        moves = Counter(comm[a.staff_id] for a, _p in combo
                        if staff[a.staff_id].status.value != "candidate" and a.to_institution != staff[a.staff_id].posted_at)
        cost: Counter[str] = Counter()
        for a, _p in combo:
            if staff[a.staff_id].status.value == "candidate" and a.to_institution:
                cost[comm[a.staff_id]] += instance.policy.salary[staff[a.staff_id].title]
        treasury = _treasury(instance, plan)
        if any((c.max_moves is not None and moves[c.id] > c.max_moves)
               or (c.hiring_budget is not None and cost[c.id] > c.hiring_budget)
               or (c.treasury_budget is not None and treasury.get(c.id, 0.0) > c.treasury_budget + 1e-6)
               for c in instance.communities):
            continue
        lv = _oracle_levels(instance, plan)
        key = tuple(lv[lvl] for lvl in instance.policy.objective)
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


__all__ = ["Level", "brute_force", "inst", "make", "matches", "metres", "person", "req", "senior_gaps", "within"]


def run_on_pty(args: list[str], columns: int = 100, timeout: float = 300) -> tuple[int, bytes, bytes]:
    """Run `staffpool ARGS` with stderr on a terminal: exit status, stdout, and what was drawn."""
    import os
    import pty
    import subprocess
    import sys
    import threading

    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def read() -> None:  # drain the terminal while the command runs, or its writes would block
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm",
           "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-c", "from staffpool.cli import main; raise SystemExit(main())", *args],
                          stdout=subprocess.PIPE, stderr=slave, env=env, timeout=timeout, check=False)
    os.close(slave)
    reader.join(timeout=5)
    os.close(master)
    return proc.returncode, proc.stdout, b"".join(chunks)
