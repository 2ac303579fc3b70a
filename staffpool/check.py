"""The solver-free checker: a plan + an instance -> violations and recomputed levels.

It knows nothing of cohorts or PuLP: it reads model.md's rules person by person, so it
can judge our plans and a plan a personnel office wrote by hand alike. Each rule has one
function here, named as in the model registry (`staffpool.model.rules.RULES`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from typing import Any

from staffpool.domain.instance import (
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
from staffpool.domain.plan import Assignment, Plan, PostSource
from staffpool.domain.years import year_view
from staffpool.i18n import _, ngettext
from staffpool.inputs import labels

# ---------------------------------------------------------------- model.md, read again
# The checker verifies the model, so it shares none of the model's rule logic (domain's
# distance_m, within_km, Requirement.matches, Policy.post_use_allowed): these are its own
# readings of model.md, kept small enough to compare with the page.

_TITLE_ORDER = ("village_doctor", "resident", "attending", "deputy_chief", "chief")  # model.md ranks 0..4
_TITLE_RANK = {t: n for n, t in enumerate(_TITLE_ORDER)}  # by the title's text (a StrEnum is its text)

# model.md, post-use table: (post funding, tier) -> always allowed (None) or the policy switch.
_POST_USE = {
    ("differential", "county"): None,
    ("differential", "township"): "county_managed_township_used",
    ("differential", "village"): "county_managed_village_used",
    ("full", "county"): "township_used_at_county",
    ("full", "township"): None,
    ("full", "village"): "township_recruited_village_used",
}


def _metres(a: Institution, b: Institution) -> int:
    """Euclidean distance rounded to whole metres, half up; decided on whole micrometres so
    that coordinates written with decimals tie as written (model.md: km to 3 decimals)."""
    um = round(math.sqrt((a.x_km - b.x_km) ** 2 + (a.y_km - b.y_km) ** 2) * 1e9)
    return (um + 500_000) // 1_000_000


def _within(metres: int, limit_km: float | None) -> bool:
    """A move of `metres` obeys a limit in km (None: no limit); compared in whole millimetres."""
    return limit_km is None or metres * 1000 <= round(limit_km * 1e6)


def _matches(r: Requirement, s: StaffMember) -> bool:
    """model.md: the specialty matches (`*` any) and the title ranks at least min_title's."""
    return r.specialty in ("*", s.specialty) and _TITLE_RANK[s.title] >= _TITLE_RANK[r.min_title]


def _post_use_ok(policy: Policy, funding: Funding, tier: Tier) -> bool:
    switch = _POST_USE.get((funding.value, tier.value), "")
    if switch == "":
        return False  # funding `none` holds no post
    return True if switch is None else bool(getattr(policy, switch))








@dataclass(frozen=True)
class Violation:
    rule: str
    subject: str  # a staff id, institution, pool or community
    message: str

    def __str__(self) -> str:
        subject = labels.pool(self.subject) if self.rule == "vacancy" else self.subject
        return _("[{rule}] {subject}: {message}").format(rule=labels.value("rule", self.rule), subject=subject,
                                                         message=self.message)


@dataclass
class CheckReport:
    """What `check_plan` found: the `violations` (none: `ok`), the recomputed `levels`, and
    the `mode` the plan was checked in."""

    violations: list[Violation] = field(default_factory=list)
    levels: dict[Level, float] = field(default_factory=dict)
    mode: Mode | None = None

    @property
    def ok(self) -> bool:
        return not self.violations


def vacancies(instance: Instance, mode: Mode) -> dict[tuple[str, str], int]:
    """Vacancies per pool key: (institution, "") separate; (community, funding) county_pool;
    (community, "unified") unified. model.md, Modes."""
    out: dict[tuple[str, str], int] = {}
    on_staff = [s for s in instance.staff if s.status == StaffStatus.on_staff]
    if mode == Mode.separate:
        held = Counter(s.quota_holder for s in on_staff)
        for i in instance.institutions:
            out[(i.id, "")] = max(0, i.approved_posts - held[i.id])
    elif mode == Mode.county_pool:
        approved_f = Counter[tuple[str, str]]()
        for i in instance.institutions:
            approved_f[(i.community, i.funding.value)] += i.approved_posts
        held_f = Counter((s.community, s.post_funding.value) for s in on_staff if s.post_funding is not None)
        for c in instance.communities:
            for f in (Funding.differential, Funding.full):
                out[(c.id, f.value)] = max(0, approved_f[(c.id, f.value)] - held_f[(c.id, f.value)])
    else:
        approved_c = Counter[str]()
        for i in instance.institutions:
            approved_c[i.community] += i.approved_posts
        held_c = Counter(s.community for s in on_staff)
        for c in instance.communities:
            out[(c.id, "unified")] = max(0, approved_c[c.id] - held_c[c.id])
    return out


class _Ctx:
    def __init__(self, instance: Instance, mode: Mode, plan: Plan):
        self.instance, self.mode, self.plan = instance, mode, plan
        self.inst = instance.institution_by_id
        self.people = [(s, plan.get(s.id)) for s in instance.staff]

    def moved(self, s: StaffMember, a: Assignment | None) -> bool:
        return (
            s.status != StaffStatus.candidate
            and a is not None
            and a.to_institution is not None
            and a.to_institution != s.posted_at
        )

    def at(self, iid: str | None) -> str:
        """An institution for people: its id with its name beside it."""
        j = self.inst.get(iid) if iid is not None else None
        return labels.named(str(iid), j.name if j is not None else None)

    def new_post(self, a: Assignment | None) -> bool:
        return a is not None and a.post_source in (PostSource.regularised, PostSource.hired)


def check_posting(c: _Ctx) -> Iterable[Violation]:
    """Rule 1: posted exactly once (candidates at most once, posted ⇔ hired); post sources."""
    for s, a in c.people:
        if s.status == StaffStatus.candidate:
            hired = a is not None and a.to_institution is not None
            if hired and a is not None and a.post_source != PostSource.hired:
                yield Violation("posting", s.id, _("a posted candidate must be hired into a post (post_source hired)"))
            if not hired and a is not None and a.post_source:
                yield Violation("posting", s.id, _("a candidate not posted cannot hold a post"))
            continue
        if a is None or a.to_institution is None:
            yield Violation("posting", s.id, _("a {status} member must be posted at exactly one institution").format(
                status=labels.value("status", s.status.value)))
            continue
        if a.to_institution not in c.inst:
            yield Violation("posting", s.id, _("posted at unknown institution {institution}").format(institution=a.to_institution))
            continue
        if s.status == StaffStatus.on_staff:
            if a.post_source != PostSource.existing:
                yield Violation("posting", s.id, _("an on_staff member keeps their post (post_source existing)"))
            expected = "unified" if c.mode == Mode.unified else s.post_funding.value if s.post_funding else ""
            if a.post_funding not in (expected, s.post_funding.value if s.post_funding else ""):
                yield Violation("posting", s.id, _("the post's funding is given as {funding} but the post is {expected}").format(
                    funding=labels.value("funding", a.post_funding or ""), expected=labels.value("funding", expected)))
        elif a.post_source not in (None, "", PostSource.regularised):
            yield Violation("posting", s.id, _("a contract member's post_source is blank or regularised, not {source}").format(source=a.post_source))
    known = {s.id for s in c.instance.staff}
    for sid in c.plan:
        if sid not in known:
            yield Violation("posting", sid, _("not a staff member of the instance"))


def check_community_mobility(c: _Ctx) -> Iterable[Violation]:
    """Rule 2: same community; immobile (and everyone in separate mode) stays at posted_at."""
    for s, a in c.people:
        if a is None or a.to_institution is None or a.to_institution not in c.inst:
            continue
        j = c.inst[a.to_institution]
        if j.community != s.community:
            yield Violation("community_mobility", s.id, _("posted at {institution} of community {community}, but belongs to {own}").format(
                institution=c.at(j.id), community=j.community, own=s.community))
        if s.status == StaffStatus.candidate:
            continue
        if a.to_institution != s.posted_at:
            if not s.mobile:
                yield Violation("community_mobility", s.id, _("mobile: false, yet moved from {src} to {dst}").format(
                    src=c.at(s.posted_at), dst=c.at(j.id)))
            elif c.mode == Mode.separate:
                yield Violation("community_mobility", s.id, _("nobody moves in separate mode, yet moved from {src} to {dst}").format(
                    src=c.at(s.posted_at), dst=c.at(j.id)))


def check_village_title(c: _Ctx) -> Iterable[Violation]:
    """Rule 3: village_doctor only at village tier."""
    for s, a in c.people:
        if a is None or a.to_institution not in c.inst or s.title != Title.village_doctor:
            continue
        assert a.to_institution is not None
        tier = c.inst[a.to_institution].tier
        if tier != Tier.village:
            yield Violation("village_title", s.id, _("a village doctor posted at {institution}, a {tier} institution").format(
                institution=c.at(a.to_institution), tier=labels.value("tier", tier.value)))


def check_distance(c: _Ctx) -> Iterable[Violation]:
    """Rule 4: a move is at most max_distance_km."""
    limit = c.instance.policy.max_distance_km
    for s, a in c.people:
        if not c.moved(s, a) or a is None or a.to_institution not in c.inst or s.posted_at is None:
            continue
        assert a.to_institution is not None
        m = _metres(c.inst[s.posted_at], c.inst[a.to_institution])
        if not _within(m, limit):
            yield Violation("distance", s.id, _("moved {km} km from {src} to {dst}, over the {limit} km limit").format(
                km=f"{m / 1000:,.3f}", src=c.at(s.posted_at), dst=c.at(a.to_institution), limit=f"{limit:g}"))


def _post_funding(c: _Ctx, s: StaffMember, a: Assignment) -> Funding | None:
    if a.post_source == PostSource.existing:
        return s.post_funding
    if a.post_funding in ("full", "differential"):
        return Funding(a.post_funding)
    return None


def check_post_use(c: _Ctx) -> Iterable[Violation]:
    """Rule 5 (county_pool): a post of funding f only at tiers the post-use table allows."""
    if c.mode != Mode.county_pool:
        return
    for s, a in c.people:
        if a is None or a.to_institution not in c.inst or not (a.post_source or ""):
            continue
        assert a.to_institution is not None
        f = _post_funding(c, s, a)
        if f is None:
            yield Violation("post_use", s.id, _("a new post in {mode} mode must say its funding ({full} or {differential})").format(
                mode=labels.value("mode", "county_pool"), full=labels.value("funding", "full"),
                differential=labels.value("funding", "differential")))
            continue
        tier = c.inst[a.to_institution].tier
        if not _post_use_ok(c.instance.policy, f, tier):
            yield Violation("post_use", s.id, _("holds a {funding} post but is posted at {institution} ({tier}), which the post-use rules forbid").format(
                funding=labels.value("funding", f.value), institution=c.at(a.to_institution),
                tier=labels.value("tier", tier.value)))


def check_vacancy(c: _Ctx) -> Iterable[Violation]:
    """Rule 5: new posts taken (regularised + hired) ≤ vacancies of each pool."""
    vac = vacancies(c.instance, c.mode)
    taken: Counter[tuple[str, str]] = Counter()
    for s, a in c.people:
        if not c.new_post(a) or a is None or a.to_institution not in c.inst:
            continue
        assert a.to_institution is not None
        j = c.inst[a.to_institution]
        if c.mode == Mode.separate:
            if a.post_funding not in (None, "", j.funding.value):
                yield Violation("vacancy", s.id, _("in {mode} mode a new post is one of {institution}'s ({funding}), not {given}").format(
                    mode=labels.value("mode", "separate"), institution=c.at(j.id),
                    funding=labels.value("funding", j.funding.value), given=labels.value("funding", a.post_funding or "")))
            taken[(j.id, "")] += 1
        elif c.mode == Mode.county_pool:
            if a.post_funding not in ("full", "differential"):
                continue  # reported by post_use
            taken[(s.community, a.post_funding)] += 1
        else:
            taken[(s.community, "unified")] += 1
    for key, n in sorted(taken.items()):
        if n > vac.get(key, 0):
            pool = ",".join(k for k in key if k)
            yield Violation("vacancy", pool, _("{n} new posts taken, but the pool has {vacancies} vacancies").format(n=n, vacancies=vac.get(key, 0)))


def check_capacity(c: _Ctx) -> Iterable[Violation]:
    """Rule 6: staff posted at an institution ≤ capacity."""
    posted = Counter(a.to_institution for _s, a in c.people if a is not None and a.to_institution)
    for i in c.instance.institutions:
        if i.capacity is not None and posted[i.id] > i.capacity:
            yield Violation("capacity", i.id, _("{n} staff posted at {institution}, capacity {capacity}").format(
                n=posted[i.id], institution=c.at(i.id), capacity=i.capacity))


def check_hiring_budget(c: _Ctx) -> Iterable[Violation]:
    """Rule 7: Σ salary of hired candidates ≤ hiring_budget."""
    cost: Counter[str] = Counter()
    for s, a in c.people:
        if s.status == StaffStatus.candidate and a is not None and a.to_institution:
            cost[s.community] += c.instance.salary(s.title)
    for com in c.instance.communities:
        if com.hiring_budget is not None and cost[com.id] > com.hiring_budget + 1e-6:
            yield Violation("hiring_budget", com.id, _("hires cost {cost} yuan a year, hiring budget {budget} yuan").format(cost=f"{cost[com.id]:,}", budget=f"{com.hiring_budget:,.0f}"))


def check_max_moves(c: _Ctx) -> Iterable[Violation]:
    """Rule 8: moved people ≤ max_moves."""
    moves: Counter[str] = Counter(s.community for s, a in c.people if c.moved(s, a))
    for com in c.instance.communities:
        if com.max_moves is not None and moves[com.id] > com.max_moves:
            yield Violation("max_moves", com.id, _("{n} people moved, at most {limit} may move").format(n=moves[com.id], limit=com.max_moves))


def check_pins(c: _Ctx) -> Iterable[Violation]:
    """Pins: each pin of the year planned (year blank or horizon.start) holds."""
    staff = c.instance.staff_by_id
    year = c.instance.horizon.start
    for pin in c.instance.pins:
        if (pin.year is not None and pin.year != year) or pin.staff_id not in staff:
            continue
        s = staff[pin.staff_id]
        a = c.plan.get(s.id)
        to = a.to_institution if a is not None else None
        if pin.at is not None and to != pin.at:
            yield Violation("pins", s.id, (_("pinned at {at}, but posted at {to}") if to else _("pinned at {at}, but not posted"))
                            .format(at=c.at(pin.at), to=c.at(to)))
        if pin.stay and to != s.posted_at:
            yield Violation("pins", s.id, (_("pinned to stay at {at}, but posted at {to}") if to
                                           else _("pinned to stay at {at}, but not posted")).format(at=c.at(s.posted_at), to=c.at(to)))
        if pin.not_at is not None and to == pin.not_at:
            yield Violation("pins", s.id, _("pinned not at {institution}, but posted there").format(institution=c.at(pin.not_at)))


def check_grassroots(c: _Ctx) -> Iterable[Violation]:
    """Grassroots service: whoever owes it this year (grassroots_years ≥ 1) and is posted
    serves at township or village tier."""
    for s, a in c.people:
        if s.grassroots_years < 1 or a is None or a.to_institution not in c.inst:
            continue
        assert a.to_institution is not None
        tier = c.inst[a.to_institution].tier
        if tier == Tier.county:
            yield Violation("grassroots", s.id, ngettext(
                "owes {n} more year of grassroots service, but is posted at {institution} (county tier)",
                "owes {n} more years of grassroots service, but is posted at {institution} (county tier)",
                s.grassroots_years).format(n=s.grassroots_years, institution=c.at(a.to_institution)))


def fen_round(amount: Fraction) -> float:
    """Yuan to the fen, half up (model.md's money is yuan a year; shares make decimals)."""
    return math.floor(amount * 100 + Fraction(1, 2)) / 100


def post_funding_taken(instance: Instance, mode: Mode, s: StaffMember, a: Assignment | None) -> str | None:
    """The funding of the post a person holds under the plan (full, differential, unified),
    or None without a post. on_staff keep their own post's; a new post is the pool's: the
    institution's own in separate, the plan's full/differential in county_pool, unified."""
    # Funding members are returned as themselves: a StrEnum is its text, and `.value` is slow.
    if a is None or a.to_institution is None:
        return None
    if s.status is StaffStatus.on_staff:
        return s.post_funding
    if a.post_source not in (PostSource.regularised, PostSource.hired):
        return None
    if mode is Mode.unified:
        return "unified"
    if mode is Mode.separate and a.to_institution in instance.institution_by_id:
        return instance.institution_by_id[a.to_institution].funding
    return a.post_funding if a.post_funding in ("full", "differential") else None


def treasury_pays(instance: Instance, mode: Mode, s: StaffMember, a: Assignment | None) -> float:
    """What the treasury pays a year for one person under the plan: salary × share of the post
    they hold (0 without a post)."""
    funding = post_funding_taken(instance, mode, s, a)
    if funding is None or funding == "none":
        return 0.0
    return post_price(instance.salary(s.title), getattr(instance.policy.treasury_share, funding))


@cache
def post_price(salary: int, share: float) -> float:
    """salary × share to the fen, exactly (the share as written, e.g. 0.3, not its binary float)."""
    return fen_round(salary * Fraction(str(share)))


def _treasury_added(instance: Instance, mode: Mode, plan: Plan) -> Counter[str]:
    """Per community: Σ treasury_pays over people the plan regularises or hires."""
    added: Counter[str] = Counter()
    for s in instance.staff:
        a = plan.get(s.id)
        if s.status != StaffStatus.on_staff and a is not None and a.post_source in (PostSource.regularised, PostSource.hired):
            added[s.community] += Fraction(str(treasury_pays(instance, mode, s, a)))  # type: ignore[assignment]
    return added


def check_treasury_budget(c: _Ctx) -> Iterable[Violation]:
    """Rule 9 (money): the treasury's added payroll of a community ≤ treasury_budget."""
    added = _treasury_added(c.instance, c.mode, c.plan)
    for com in c.instance.communities:
        if com.treasury_budget is not None and float(added[com.id]) > com.treasury_budget + 1e-6:
            yield Violation("treasury_budget", com.id,
                            _("new posts add {added} yuan a year to the treasury's payroll, treasury budget {budget} yuan")
                            .format(added=f"{float(added[com.id]):,.2f}", budget=f"{com.treasury_budget:,.2f}"))


CHECKS: dict[str, Callable[[_Ctx], Iterable[Violation]]] = {
    "posting": check_posting,
    "community_mobility": check_community_mobility,
    "village_title": check_village_title,
    "distance": check_distance,
    "post_use": check_post_use,
    "vacancy": check_vacancy,
    "capacity": check_capacity,
    "hiring_budget": check_hiring_budget,
    "max_moves": check_max_moves,
    "pins": check_pins,
    "grassroots": check_grassroots,
    "treasury_budget": check_treasury_budget,
}


def compute_levels(instance: Instance, plan: Plan, mode: Mode | None = None) -> dict[Level, float]:
    """Every level of model.md, from the plan alone. Distance in km (whole metres / 1000)."""
    inst = instance.institution_by_id
    matching: dict[str, list[StaffMember]] = {}
    moves = 0
    metres = 0
    cost = 0
    unreg = 0
    for s in instance.staff:
        a = plan.get(s.id)
        to = a.to_institution if a is not None else None
        if to is not None:
            matching.setdefault(to, []).append(s)
        if s.status != StaffStatus.candidate and to is not None and to != s.posted_at and s.posted_at in inst and to in inst:
            moves += 1
            metres += _metres(inst[s.posted_at], inst[to])
        if s.status == StaffStatus.candidate and to is not None:
            cost += instance.salary(s.title)
        if s.status == StaffStatus.contract and (a is None or a.post_source != PostSource.regularised):
            unreg += 1
    short = 0.0
    for r in instance.requirements:
        have = sum(1 for s in matching.get(r.institution, []) if _matches(r, s))
        short += r.weight * max(0, r.need - have)
    return {
        Level.shortfall: short,
        Level.moves: float(moves),
        Level.distance: metres / 1000.0,
        Level.hiring_cost: float(cost),
        Level.unregularised: float(unreg),
        Level.treasury_cost: float(sum(_treasury_added(instance, mode or instance.policy.mode, plan).values())),
        Level.preference: float(_wishes(instance, plan)[0]),
    }


def _wishes(instance: Instance, plan: Plan) -> tuple[int, dict[str, int]]:
    """The preference level and its counts (people with rows; of those posted, at their
    first choice, at a listed institution, elsewhere), person by person: someone posted
    where they listed rank r costs r − 1, elsewhere the number of their rows; without rows,
    or not posted (a candidate not hired), 0."""
    rows: dict[str, dict[str, int]] = {}
    here = {s.id for s in instance.staff} if instance.preferences else set()  # a year's world: those present
    for p in instance.preferences:
        if p.staff_id in here:
            rows.setdefault(p.staff_id, {})[p.institution] = p.rank
    level = 0
    counts = {"people": len(rows), "first_choice": 0, "listed": 0, "unlisted": 0}
    for sid, listed in rows.items():
        a = plan.get(sid)
        if a is None or a.to_institution is None:
            continue
        rank = listed.get(a.to_institution)
        if rank is None:
            level += len(listed)
            counts["unlisted"] += 1
        else:
            level += rank - 1
            counts["listed"] += 1
            counts["first_choice"] += rank == 1
    return level, counts


def check_recorded_preferences(instance: Instance, plan: Plan, ranks: dict[str, str] | None,
                               counts: object) -> list[Violation]:
    """What a plan folder says of wishes against the checker's own reading: each
    assignments.csv `preference_rank` (`ranks`, by staff id; None: no such column) and
    summary.json `preferences` (`counts`; None: not recorded)."""
    rows: dict[str, dict[str, int]] = {}
    for p in instance.preferences:
        rows.setdefault(p.staff_id, {})[p.institution] = p.rank
    found: list[Violation] = []
    for sid, written in (ranks or {}).items():
        a = plan.get(sid)
        to = a.to_institution if a is not None else None
        rank = rows.get(sid, {}).get(to or "")
        if written.strip() != ("" if rank is None else str(rank)):
            found.append(Violation("preference", sid, _("preference_rank is {written!r}, the checker finds {rank!r}").format(
                written=written, rank="" if rank is None else str(rank))))
    if counts is not None:
        mine = preference_counts(instance, plan)
        if counts != mine:
            found.append(Violation("preference", "summary.json", _("preferences are {written}, the checker finds {mine}").format(
                written=counts, mine=mine)))
    return found


def preference_counts(instance: Instance, plan: Plan) -> dict[str, int]:
    """summary.json `preferences`: people with rows, and of those posted, how many at their
    first choice, at a listed institution and elsewhere (the checker's own reading)."""
    return _wishes(instance, plan)[1]


def requirement_coverage(instance: Instance, plan: Plan) -> list[tuple[int, int]]:
    """(covered, short) per requirement row, in input order."""
    by_inst: dict[str, list[StaffMember]] = {}
    for s in instance.staff:
        a = plan.get(s.id)
        if a is not None and a.to_institution:
            by_inst.setdefault(a.to_institution, []).append(s)
    out = []
    for r in instance.requirements:
        have = sum(1 for s in by_inst.get(r.institution, []) if _matches(r, s))
        out.append((have, max(0, r.need - have)))
    return out


def check_plan(instance: Instance, plan: Plan, mode: Mode | None = None) -> CheckReport:
    """Every hard rule of model.md against a plan, and the recomputed levels (of the year
    `horizon.start` when the instance spans years: who is present, that year's rows)."""
    if instance.horizon.start is not None:  # no year given: the instance as it is

        instance = year_view(instance)
    ctx = _Ctx(instance, mode or instance.policy.mode, plan)
    report = CheckReport(mode=ctx.mode)
    for check in CHECKS.values():
        report.violations.extend(check(ctx))
    report.levels = compute_levels(instance, plan, ctx.mode)
    return report


# ---------------------------------------------------------------- reading a plan




# ---------------------------------------------------------------- the rotation
# model.md "Rotation" and people.md §2–4, read again: who is due, the caps, the trip limit,
# the windows a person may serve in, and the three levels, from rotation.csv's rows.


@dataclass
class RotationReport:
    """What `check_rotation` found: the `violations` and the recomputed `levels`: `covered`
    (slots), `longest_trip` and `distance` (whole metres)."""

    violations: list[Violation] = field(default_factory=list)
    levels: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations


def _senior_rows(instance: Instance, plan: Plan, hosts: set[str]) -> dict[str, dict[str, int]]:
    """Per institution of `hosts`, the gap of each senior row (min_title ≥ attending) after
    the allocation, by its `specialty/min_title` (rows written alike add up)."""
    by_inst: dict[str, list[StaffMember]] = {}
    for s in instance.staff:
        a = plan.get(s.id)
        if a is not None and a.to_institution in hosts:
            by_inst.setdefault(a.to_institution, []).append(s)
    out: dict[str, dict[str, int]] = {}
    for r in instance.requirements:
        if _TITLE_RANK[r.min_title] >= _TITLE_RANK["attending"] and r.institution in hosts:
            have = sum(1 for s in by_inst.get(r.institution, []) if _matches(r, s))
            label = f"{r.specialty}/{r.min_title.value}"
            gaps = out.setdefault(r.institution, {})
            gaps[label] = gaps.get(label, 0) + max(0, r.need - have)
    return out


def _fits(s: StaffMember, label: str) -> bool:
    specialty, title = label.rsplit("/", 1)
    return specialty in ("*", s.specialty) and _TITLE_RANK[s.title] >= _TITLE_RANK[title]


def _most_paired(people: list[StaffMember], gaps: dict[str, int]) -> int:
    """The most of `people` paired one-to-one with units of rows they fit, row r giving at
    most its gap: augmenting paths over the units (a host has a few)."""
    units = [label for label, gap in sorted(gaps.items()) for _k in range(min(gap, len(people)))]
    holder: list[int | None] = [None] * len(units)

    def place(p: int, seen: set[int]) -> bool:
        for u, label in enumerate(units):
            if u not in seen and _fits(people[p], label):
                seen.add(u)
                other = holder[u]
                if other is None or place(other, seen):
                    holder[u] = p
                    return True
        return False

    return sum(place(p, set()) for p in range(len(people)))


def _due(instance: Instance, plan: Plan) -> dict[str, str]:
    """Who must rotate: every attending owing grassroots service whom the plan posts at county
    tier (a hired candidate too), and where."""
    inst = instance.institution_by_id
    out = {}
    for s in instance.staff:
        a = plan.get(s.id)
        if (s.title == "attending" and s.grassroots_due and a is not None
                and a.to_institution in inst and inst[a.to_institution].tier == "county"):
            out[s.id] = a.to_institution
    return out


def check_rotation(instance: Instance, plan: Plan, rows: Iterable[Mapping[Any, Any]]) -> RotationReport:
    """Every rotation rule against rotation.csv's rows (`staff_id`, `home`, `host`, `window`,
    `fills`), after the allocation `plan`, and the three levels recomputed (of the year
    `horizon.start`, as `check_plan`)."""
    if instance.horizon.start is not None:
        instance = year_view(instance)
    pol = instance.policy.rotation
    limit = pol.max_distance_km if pol.max_distance_km is not None else instance.policy.max_distance_km
    staff = instance.staff_by_id
    report = RotationReport()
    bad = report.violations.append
    due = _due(instance, plan)
    placed: dict[str, tuple[str, str, int, str]] = {}
    rows = list(rows)
    has_fills = all("fills" in row for row in rows)
    for row in rows:
        sid, host, fills = str(row["staff_id"]), str(row["host"]), str(row.get("fills") or "")
        w = int(str(row["window"]))
        if sid in placed or sid not in due:
            bad(Violation("rotation", sid, _("placed twice") if sid in placed else _("not due for rotation")))
            continue
        placed[sid] = (due[sid], host, w, fills)
        bad_place = _rotation_place(instance, staff[sid], due[sid], host, w, limit)
        if bad_place:
            bad(Violation("rotation", sid, bad_place))
    for sid in sorted(set(due) - set(placed)):
        bad(Violation("rotation", sid, _("due for rotation but not placed")))
    report.violations.extend(_rotation_caps(instance, plan, placed))
    rows_at = _senior_rows(instance, plan, {host for _home, host, _w, _f in placed.values()})
    report.violations.extend(_rotation_fills(instance, rows_at, placed))
    report.levels = _rotation_levels(instance, rows_at, placed)
    written = sum(1 for *_p, fills in placed.values() if fills)
    if has_fills and written != report.levels["covered"]:  # a rotation.csv of before `fills` names none
        bad(Violation("rotation", instance.name, _("fills name {n} slots covered, the most is {most}").format(
            n=written, most=report.levels["covered"])))
    return report


def _rotation_place(instance: Instance, s: StaffMember, home: str, host: str, w: int, limit: float | None) -> str | None:
    """Why one placement breaks a rule (None: it keeps them all)."""
    pol = instance.policy.rotation
    inst = instance.institution_by_id
    j = inst.get(host)
    if j is None or j.tier not in pol.host_tiers or j.community != inst[home].community or host == home:
        return _("host {host} not allowed").format(host=host)
    if not _within(_metres(inst[home], j), limit):
        return _("trip {home}→{host} over the limit").format(home=home, host=host)
    if not 1 <= w <= pol.periods // pol.window:
        return _("window {window} is not one of 1–{windows}").format(window=w, windows=pol.periods // pol.window)
    if s.rotation_windows and w not in s.rotation_windows:
        return _("window {window} is not among the person's rotation_windows").format(window=w)
    return None


def _rotation_caps(instance: Instance, plan: Plan, placed: dict[str, tuple[str, str, int, str]]) -> Iterable[Violation]:
    pol = instance.policy.rotation
    posted = Counter(a.to_institution for a in plan.values() if a.to_institution)
    away = Counter((home, w) for home, _h, w, _f in placed.values())
    for (home, w), n in sorted(away.items()):
        cap = int(Fraction(str(pol.max_away_fraction)) * posted[home])
        if n > cap:
            yield Violation("rotation", home, _("{n} away in window {window}, cap {cap}").format(n=n, window=w, cap=cap))
    hosted = Counter((host, w) for _home, host, w, _f in placed.values())
    for (host, w), n in sorted(hosted.items()):
        if n > pol.host_capacity:
            yield Violation("rotation", host, _("{n} rotators in window {window}, capacity {capacity}").format(
                n=n, window=w, capacity=pol.host_capacity))


def _rotation_fills(instance: Instance, rows: dict[str, dict[str, int]], placed: dict[str, tuple[str, str, int, str]],
                    ) -> Iterable[Violation]:
    """The row each rotator is written to fill: one of the host's senior rows (`rows`: their
    gaps), which they fit, within its gap in the window."""
    staff = instance.staff_by_id
    used: Counter[tuple[str, int, str]] = Counter()
    for sid, (_home, host, w, fills) in sorted(placed.items()):
        if not fills:
            continue
        gaps = rows.get(host, {})
        if fills not in gaps or not _fits(staff[sid], fills):
            yield Violation("rotation", sid, _("fills {row}, not a row of {host} they fit").format(row=fills, host=host))
            continue
        used[(host, w, fills)] += 1
    for (host, w, label), n in sorted(used.items()):
        if n > rows[host][label]:
            yield Violation("rotation", host, _("{n} fill {row} in window {window}, gap {gap}").format(
                n=n, row=label, window=w, gap=rows[host][label]))


def _rotation_levels(instance: Instance, rows: dict[str, dict[str, int]], placed: dict[str, tuple[str, str, int, str]],
                     ) -> dict[str, int]:
    """covered: Σ over host × window of the most rotators paired with gap units they fit;
    longest_trip: Σ over communities of their rotators' longest trip; distance: Σ trips (metres)."""
    inst, staff = instance.institution_by_id, instance.staff_by_id
    at: dict[tuple[str, int], list[StaffMember]] = {}
    longest: dict[str, int] = {}
    distance = 0
    for sid, (home, host, w, _f) in sorted(placed.items()):
        at.setdefault((host, w), []).append(staff[sid])
        if host in inst and home in inst:
            m = _metres(inst[home], inst[host])
            distance += m
            comm = inst[home].community
            longest[comm] = max(longest.get(comm, 0), m)
    covered = sum(_most_paired(people, rows.get(host, {})) for (host, _w), people in sorted(at.items()))
    return {"covered": covered, "longest_trip": sum(longest.values()), "distance": distance}
