"""Explain a plan: the smallest relaxation of an infeasible instance, or what binds in a
feasible one and what one more unit of each limit would buy.

Computing, formatting and printing are separate (linopy): `explain` computes an
`Explanation` of dataclasses; `explanation_rows`/`to_json` format it; the CLI prints it.

Infeasible: an elastic model per community (`elastic_relaxation`). The option rules a
person may break (mobility, village title, distance, post use) get their forbidden options
back, each group of them behind a binary "this rule is relaxed here"; capacity and
max_moves rows get an integer slack behind such a binary. The model minimises first the
number of relaxed rules, then how much (posts, moves, km; people let break a rule count
double, so on a tie a limit gives before a rule on who serves where), and names the result
in the planner's words. Ties are real (an immobile person at the wrong tier can be let move
or let stay): the alternatives of the same size are listed too.

Feasible: every limit that can bind (vacancies per pool, hiring and treasury budgets, max_moves, the
distance limit, capacities that are full, immobile staff) is relaxed by one unit and the
community re-solved (MILP duals are not prices), in parallel processes. The marginal value
is the change of the objective levels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from staffpool.check import compute_levels
from staffpool.constants import SolverProfile, Status, TerminationCondition
from staffpool.domain.instance import Funding, Instance, Level, Mode, StaffStatus, Tier, level_value
from staffpool.i18n import _, ngettext
from staffpool.inputs import labels
from staffpool.model.build import build_community
from staffpool.model.community import CommunityModel, vacancy_pools
from staffpool.model.linear import Expr, Sense
from staffpool.model.rules import RULES, Rule
from staffpool.outputs.files import refuse_existing, write_json_atomic
from staffpool.outputs.results import Result, require_plan, solve
from staffpool.solving.community import confirm_infeasible
from staffpool.solving.engines import community_instances
from staffpool.solving.lexicographic import confirm_limit, effective_limit, solve_lexicographic
from staffpool.solving.profiles import load_profile
from staffpool.solving.runners import make_runner

RELAXABLE_OPTION_RULES = ("community_mobility", "village_title", "distance", "post_use", "pins", "grassroots")
RELAXABLE_CONSTRAINTS = ("capacity", "max_moves")
POST_USE_KEYS = {
    (Funding.differential, Tier.township): "county_managed_township_used",
    (Funding.differential, Tier.village): "county_managed_village_used",
    (Funding.full, Tier.county): "township_used_at_county",
    (Funding.full, Tier.village): "township_recruited_village_used",
}
BUDGET_STEP = 100_000  # yuan: "100,000 yuan more budget"
DISTANCE_STEP_KM = 10.0
MAX_CAPACITY_TRIALS = 12
RULE_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}  # to ask a rule whether it allows an option


@dataclass(frozen=True)
class Relaxation:
    """One rule, at one place, that must give way, and by how much."""

    rule: str  # the registry name (docs/rules.md)
    where: str  # institution, community or policy key
    amount: float  # posts short, moves, km, or people
    message: str


@dataclass(frozen=True)
class Marginal:
    """One limit relaxed by one unit and the community re-solved."""

    rule: str
    where: str
    step: str  # "+1 post", "+100,000 yuan", …
    binds: bool  # the limit is used up at the current optimum
    before: dict[str, float]
    after: dict[str, float] | None  # None: no proven optimum after the change (a time limit or a gap profile)
    message: str
    status: str = "optimal"  # the re-solve's status: a relaxed limit keeps the plan, so never infeasible

    @property
    def change(self) -> dict[str, float]:
        if self.after is None:
            return {}
        return {k: round(self.after[k] - v, 9) for k, v in self.before.items() if abs(self.after[k] - v) > 1e-9}


@dataclass
class Explanation:
    """Why an instance is infeasible (`relaxations` per community, `alternatives`), or what
    one more unit of each limit buys (`marginals`): `status` (the solve's `Status`),
    `feasible`, `summary` (what `explain --json` prints, as a dict) and `write(folder)`.

        >>> exp = staffpool.explain("instances/tiny")
        >>> exp.status, [m.step for m in exp.marginals if m.binds]
    """

    instance: str
    mode: Mode
    feasible: bool
    relaxations: dict[str, list[Relaxation]] = field(default_factory=dict)  # per infeasible community
    alternatives: dict[str, list[list[Relaxation]]] = field(default_factory=dict)
    marginals: list[Marginal] = field(default_factory=list)
    objective: dict[str, float] = field(default_factory=dict)
    status: Status = Status.optimal

    @property
    def summary(self) -> dict[str, Any]:
        """What `explain --json` prints (docs/cli.md)."""
        return to_json(self)

    def write(self, out: str | Path, force: bool = False) -> list[Path]:
        """explanation.json (the summary) into the folder `out` (an earlier one only with
        `force`). Returns the paths written."""
        path = Path(out) / "explanation.json"
        refuse_existing([path], force)
        write_json_atomic(path, self.summary)
        return [path]


# ---------------------------------------------------------------- infeasible: elastic model


@dataclass
class _Elastic:
    """One community's elastic program and its relaxation columns, keyed by (rule, where)."""

    cm: CommunityModel
    excess: int  # metres beyond the distance limit, priced last
    items: dict[tuple[str, str], int] = field(default_factory=dict)  # binary "relaxed here"
    amount: dict[tuple[str, str], int] = field(default_factory=dict)  # a limit's integer slack
    people: dict[tuple[str, str], list[tuple[int, int, int]]] = field(default_factory=dict)  # (x, k, o) breaking a rule

    def item(self, key: tuple[str, str]) -> int:
        """The binary column "`key` relaxed here", made on first use so only rules that can break get one."""
        if key not in self.items:
            self.items[key] = self.cm.lp.var(f"u_{len(self.items):05d}", 0.0, 1.0, True)
        return self.items[key]


def _elastic_model(instance: Instance, community: str, mode: Mode) -> _Elastic:
    """`community`'s program with forbidden options back and limits slack, each behind a binary, for the solver to choose."""
    cm = build_community(instance, community, mode, skip=frozenset(RELAXABLE_OPTION_RULES),
                         elastic=frozenset(RELAXABLE_CONSTRAINTS))
    el = _Elastic(cm, cm.lp.var("distance_excess_m"))
    _option_items(el, community, instance.policy.max_distance_km)
    _pin_items(el)
    _slack_items(el)
    return el


def _option_items(el: _Elastic, community: str, limit_km: float | None) -> None:
    """Tie each option a rule forbids to that rule's binary at its place: using it relaxes the rule."""
    cm, lp = el.cm, el.cm.lp
    for (k, o), x in cm.x.items():
        cohort, option = cm.cohorts[k], cm.options[k][o]
        broken = [name for name in RELAXABLE_OPTION_RULES if not RULE_BY_NAME[name].allow(cm, cohort, [option])]  # type: ignore[misc]
        if not broken:
            continue
        if cohort.status == StaffStatus.candidate and broken != ["pins"]:
            lp.row(f"not_relaxed_{k}_{o}", {x: 1}, Sense.eq, 0)  # a hire is optional: never a reason to relax
            continue
        for name in broken:
            if name == "distance":
                key = ("distance", community)
                metres = cm.dist[(str(cohort.posted_at), option.institution)]
                z = lp.var(f"z_{k}_{o}", 0.0, 1.0, True)
                lp.row(f"uses_{k}_{o}", {x: 1, z: -cohort.size}, Sense.le, 0)
                lp.row(f"dist_item_{k}_{o}", {z: 1, el.item(key): -1}, Sense.le, 0)
                assert limit_km is not None
                lp.row(f"excess_{k}_{o}", {el.excess: 1, z: -(metres - limit_km * 1000)}, Sense.ge, 0)
            else:
                if name == "post_use":
                    assert cohort.post_funding is not None
                    key = (name, POST_USE_KEYS[(cohort.post_funding, cm.inst[option.institution].tier)])
                elif name in ("pins", "grassroots"):
                    key = (name, ",".join(cohort.members))
                else:
                    key = (name, str(cohort.posted_at))
                lp.row(f"item_{lp.num_rows}", {x: 1, el.item(key): -cohort.size}, Sense.le, 0)
                el.people.setdefault(key, []).append((x, k, o))


def _pin_items(el: _Elastic) -> None:
    """A candidate pinned `at` an institution must be hired unless the pin is lifted."""
    cm = el.cm
    for cohort in cm.cohorts:
        if cohort.status == StaffStatus.candidate and any(kind == "at" for kind, _j in cohort.pins):
            key = ("pins", ",".join(cohort.members))
            hired = {cm.x[(cohort.index, o)]: 1.0 for o in range(len(cm.options[cohort.index]))}
            cm.lp.row(f"pin_hire_{cohort.index}", {**hired, el.item(key): cohort.size}, Sense.ge, cohort.size)
            el.people.setdefault(key, [])


def _slack_items(el: _Elastic) -> None:
    """Allow each limit's slack (capacity, max_moves) only when its binary says the limit is relaxed."""
    cm = el.cm
    staff_n = max(1, sum(c.size for c in cm.cohorts))
    for name, e in cm.slack.items():
        family = name.split("[", 1)[0]
        where = name.split("[", 1)[1].rstrip("]")
        key = (family, where)
        cm.lp.row(f"slack_item_{cm.lp.num_rows}", {e: 1, el.item(key): -staff_n}, Sense.le, 0)
        el.amount[key] = e


def _forbid_rows(el: _Elastic, forbid: list[list[tuple[str, str]]] | None) -> None:
    """Cut off the relaxations already reported, so the next solve finds an alternative."""
    for n, keys in enumerate(forbid or []):
        if all(k in el.items for k in keys):
            el.cm.lp.row(f"forbid_{n}", {el.items[k]: 1 for k in keys}, Sense.le, len(keys) - 1)


def _size(el: _Elastic) -> Expr:
    """The second level, how much is relaxed (posts, moves, people, km), so the smallest relaxation is also the least."""
    # A person let break a rule about who may serve where counts 2, so on a tie the limit is the one to give.
    size_terms: dict[int, float] = {e: 1 for e in el.amount.values()}
    for xs in el.people.values():
        for x, _k, _o in xs:
            size_terms[x] = size_terms.get(x, 0) + 2
    size_terms[el.excess] = size_terms.get(el.excess, 0) + 1e-3
    return Expr(size_terms)


def elastic_relaxation(
    instance: Instance, community: str, mode: Mode, forbid: list[list[tuple[str, str]]] | None = None,
    profile: SolverProfile | None = None, time_limit: float | None = None,
) -> list[Relaxation] | None:
    """The smallest set of rules to relax (then the least amount) that makes `community`
    feasible. `forbid`: sets of (rule, where) already reported, to find alternatives.
    Solved with the user's solver profile and time limit (default: exact HiGHS); None when
    that solver does not prove the smallest set within them."""

    el = _elastic_model(instance, community, mode)
    _forbid_rows(el, forbid)
    count = Expr({u: 1 for u in el.items.values()})
    # Two levels, solved by the driver as the allocation's are: fewest rules, then the least amount.
    profile = profile or load_profile("highs")
    runner = make_runner(el.cm, profile)
    run = solve_lexicographic(runner, [("rules", count), ("amount", _size(el))], profile, time_limit)
    if run.stop is not None or not run.levels[0].proven or any(
            g.termination != TerminationCondition.optimal for g in run.levels):
        return None  # the fewest rules not proven: no claim to be the smallest relaxation
    return _describe(el, instance, mode, runner.value)


def _describe(el: _Elastic, instance: Instance, mode: Mode, val: Callable[[int], float]) -> list[Relaxation]:
    """The relaxed rules of the solved elastic program `el`, in the planner's words, by (rule, where)."""
    out: list[Relaxation] = []
    for key, u in el.items.items():
        if val(u) < 0.5:
            continue
        if key in el.amount:
            relaxed = _limit_relaxation(el, key, round(val(el.amount[key])))
        elif key[0] == "distance":
            relaxed = _distance_relaxation(el, key[1], instance.policy.max_distance_km, val)
        else:
            moved = sum(round(val(x)) for x, _k, _o in el.people.get(key, []))
            relaxed = _people_relaxation(el, key, moved, instance, mode)
        if relaxed is not None:
            out.append(relaxed)
    return sorted(out, key=lambda r: (r.rule, r.where))


def _limit_relaxation(el: _Elastic, key: tuple[str, str], e: int) -> Relaxation | None:
    """A capacity or max_moves limit short by `e` (None when its slack is unused after all)."""
    if e == 0:
        return None
    rule, where = key
    comm = el.cm.community
    if rule == "capacity":
        inst = el.cm.inst[where]
        assert inst.capacity is not None
        return Relaxation(rule, where, e, _(
            "capacity of {institution} is {short} short: {posted} staff must be posted there, capacity is {capacity}"
        ).format(institution=inst.name or where, short=e, posted=inst.capacity + e, capacity=inst.capacity))
    assert comm.max_moves is not None
    return Relaxation(rule, where, e, _("max_moves of {community} must be at least {at_least} (now {now})")
                      .format(community=comm.name or comm.id, at_least=comm.max_moves + e, now=comm.max_moves))


def _distance_relaxation(el: _Elastic, where: str, limit_km: float | None, val: Callable[[int], float]) -> Relaxation:
    """The distance limit raised to the longest move the plan makes beyond it."""
    cm, comm = el.cm, el.cm.community
    used = [cm.dist[(str(cm.cohorts[k].posted_at), cm.options[k][o].institution)]
            for (k, o), x in cm.x.items() if val(x) > 0.5 and cm.cohorts[k].posted_at
            and not RULE_BY_NAME["distance"].allow(cm, cm.cohorts[k], [cm.options[k][o]])]  # type: ignore[misc]
    need_km = max(used) / 1000 if used else 0.0
    return Relaxation("distance", where, need_km, _("max_distance_km of {community} must be at least {km} km (now {now} km)")
                      .format(community=comm.name or comm.id, km=f"{need_km:.3f}", now=f"{limit_km:g}"))


def _people_relaxation(el: _Elastic, key: tuple[str, str], moved: int, instance: Instance, mode: Mode) -> Relaxation:
    """A rule on who may serve where, broken for `moved` people (or a pin lifted)."""
    rule, where = key
    comm = el.cm.community
    if rule == "post_use":
        return Relaxation(rule, where, moved, ngettext(
            "post-use rule {rule} must be switched on: {n} person in {community} holds a post it forbids where they must serve",
            "post-use rule {rule} must be switched on: {n} people in {community} hold posts it forbids where they must serve",
            moved).format(rule=labels.value("post_use", where), n=moved, community=comm.name or comm.id))
    if rule == "pins":
        pins = [p.describe() for sid in where.split(",") for p in instance.pins_now.get(sid, ())]
        return Relaxation(rule, where, len(where.split(",")), _(
            "the pin of {staff} ({pins}) must be lifted: no plan keeps it together with the other rules").format(
            staff=where, pins="; ".join(pins)))
    if rule == "grassroots":
        return Relaxation(rule, where, moved, _(
            "{staff} must serve at county tier this year although their grassroots service is not done").format(staff=where))
    at = el.cm.inst[where].name or where
    if rule == "village_title":
        return Relaxation(rule, where, moved, ngettext(
            "{n} village doctor posted at {institution} must serve outside the village tier",
            "{n} village doctors posted at {institution} must serve outside the village tier",
            moved).format(n=moved, institution=at))
    why = _("separate mode keeps everyone in place") if mode == Mode.separate else _("marked mobile: false")
    return Relaxation(rule, where, moved, _("{n} staff posted at {institution} must move ({why})")
                      .format(n=moved, institution=at, why=why))


def explain_infeasible(instance: Instance, community: str, mode: Mode, alternatives: int = 3,
                       solver: str | SolverProfile = "highs", time_limit: float | None = None,
                       ) -> tuple[list[Relaxation], list[list[Relaxation]]]:
    """The smallest relaxation and up to `alternatives` others of the same number of rules.

    Nothing (two empty lists) unless the unrelaxed community is first confirmed infeasible
    by exact HiGHS (`solving.community.confirm_infeasible`): a solver stopped by its limit is no reason
    to relax a rule."""

    profile = solver if isinstance(solver, SolverProfile) else load_profile(solver)
    limit = effective_limit(time_limit, profile)
    if not confirm_infeasible(build_community(instance, community, mode), confirm_limit(limit)):
        return [], []
    best = elastic_relaxation(instance, community, mode, profile=profile, time_limit=limit) or []
    found: list[list[Relaxation]] = []
    forbid = [[(r.rule, r.where) for r in best]] if best else []
    while best and len(found) < alternatives:
        alt = elastic_relaxation(instance, community, mode, forbid=forbid, profile=profile, time_limit=limit)
        if not alt or len({(r.rule, r.where) for r in alt}) != len({(r.rule, r.where) for r in best}):
            break
        found.append(alt)
        forbid.append([(r.rule, r.where) for r in alt])
    return best, found


# ---------------------------------------------------------------- feasible: marginal values


@dataclass(frozen=True)
class _Trial:
    rule: str
    where: str
    step: str
    binds: bool
    instance: Instance
    community: str


def _levels(result: Result) -> dict[str, float]:

    return {lvl.value: float(level_value(lvl, v)) for lvl, v in result.levels.items()}


def _trials(instance: Instance, subs: dict[str, Instance], result: Result, mode: Mode) -> list[_Trial]:
    """One trial per limit that can bind, each a copy of one community's instance with that
    limit one unit looser."""

    plan = result.assignments
    trials: list[_Trial] = []
    for comm in instance.communities:
        sub = subs[comm.id]
        members = {s.id for s in sub.staff}
        rows = plan[plan["staff_id"].isin(members)]
        new_posts = rows[rows["post_source"].isin(["hired", "regularised"])]
        for pool in vacancy_pools(sub, comm.id, mode).values():
            insts = [i for i in sub.institutions
                     if (pool.institution is None or i.id == pool.institution)
                     and (pool.funding is None or mode == Mode.unified or i.funding == pool.funding)
                     and i.funding != Funding.none]
            if not insts:
                continue
            if mode == Mode.separate:
                used = int((new_posts["to_institution"] == pool.institution).sum())
            elif mode == Mode.county_pool:
                used = int((new_posts["post_funding"] == (pool.funding.value if pool.funding else "")).sum())
            else:
                used = len(new_posts)
            target = insts[0]
            bumped = tuple(i.model_copy(update={"approved_posts": i.approved_posts + 1}) if i.id == target.id else i
                           for i in sub.institutions)
            trials.append(_Trial("vacancy", pool.id, _("+1 post"), used >= pool.vacancies,
                                 sub.model_copy(update={"institutions": bumped}), comm.id))
        if comm.hiring_budget is not None:
            spent = sum(instance.salary(instance.staff_by_id[s].title) for s in rows.loc[rows["change"] == "hire", "staff_id"])
            cheapest = min(instance.policy.salary.values())
            c2 = comm.model_copy(update={"hiring_budget": comm.hiring_budget + BUDGET_STEP})
            trials.append(_Trial("hiring_budget", comm.id, _("+{yuan} yuan").format(yuan=f"{BUDGET_STEP:,}"), comm.hiring_budget - spent < cheapest,
                                 sub.model_copy(update={"communities": (c2,)}), comm.id))
        if comm.treasury_budget is not None:
            added = result.payroll["communities"][comm.id]["treasury_added"]
            share = instance.policy.treasury_share
            cheapest_post = min(instance.policy.salary.values()) * min(share.full, share.differential, share.unified)
            c2 = comm.model_copy(update={"treasury_budget": comm.treasury_budget + BUDGET_STEP})
            trials.append(_Trial("treasury_budget", comm.id, _("+{yuan} yuan").format(yuan=f"{BUDGET_STEP:,}"),
                                 comm.treasury_budget - added < cheapest_post,
                                 sub.model_copy(update={"communities": (c2,)}), comm.id))
        if comm.max_moves is not None:
            moves = int(rows["moved"].sum())
            c2 = comm.model_copy(update={"max_moves": comm.max_moves + 1})
            trials.append(_Trial("max_moves", comm.id, _("+1 move"), moves >= comm.max_moves,
                                 sub.model_copy(update={"communities": (c2,)}), comm.id))
        wished = trial_for_wishes(instance, sub, comm.id, int(rows["moved"].sum()), mode, result)
        if wished is not None:
            trials.append(wished)
        if instance.policy.max_distance_km is not None and mode != Mode.separate:
            limit = instance.policy.max_distance_km
            longest = float(rows["distance_km"].max() or 0.0) if len(rows) else 0.0
            trials.append(_Trial("distance", comm.id, _("+{km} km").format(km=f"{DISTANCE_STEP_KM:g}"), longest >= limit - DISTANCE_STEP_KM,
                                 sub.with_policy(max_distance_km=limit + DISTANCE_STEP_KM), comm.id))
        after = rows.groupby("to_institution").size().to_dict()
        full = [i for i in sub.institutions if i.capacity is not None and after.get(i.id, 0) >= i.capacity]
        for inst in full[:MAX_CAPACITY_TRIALS]:
            bumped = tuple(i.model_copy(update={"capacity": (i.capacity or 0) + 1}) if i.id == inst.id else i
                           for i in sub.institutions)
            trials.append(_Trial("capacity", inst.id, _("+1 place"), True, sub.model_copy(update={"institutions": bumped}),
                                 comm.id))
        immobile = [s for s in sub.staff if not s.mobile and s.status != StaffStatus.candidate]
        if immobile and mode != Mode.separate:
            freed = tuple(s.model_copy(update={"mobile": True}) if not s.mobile else s for s in sub.staff)
            trials.append(_Trial("community_mobility", comm.id, _("{n} immobile made mobile").format(n=len(immobile)), True,
                                 sub.model_copy(update={"staff": freed}), comm.id))
    return trials


def trial_for_wishes(instance: Instance, sub: Instance, community: str, moves: int, mode: Mode,
                     result: Result) -> _Trial | None:
    """What one more move buys in wishes: the community with at most one move more than the
    plan makes, and wishes minimised right after the shortfall (so the extra move, if any,
    goes to wishes). None without wishes in the community or the objective, or in separate
    mode (nobody moves)."""
    objective = instance.policy.objective
    members = {s.id for s in sub.staff}
    if mode == Mode.separate or Level.preference not in objective or not any(p.staff_id in members for p in sub.preferences):
        return None
    comm = sub.communities[0]
    limit = moves + 1 if comm.max_moves is None else min(comm.max_moves, moves + 1)
    order: list[Level] = [lvl for lvl in objective if lvl != Level.preference]
    order.insert(1 if order[0] == Level.shortfall else 0, Level.preference)
    trial = sub.model_copy(update={"communities": (comm.model_copy(update={"max_moves": limit}),)})
    missed = result.levels.get(Level.preference, 0.0) > 0
    return _Trial("preference", community, _("+1 move"), missed and limit > moves,
                  trial.with_policy(objective=[lvl.value for lvl in order]), community)


def _run_trial(trial: _Trial, mode: Mode, solver: str, time_limit: float | None = None
               ) -> tuple[dict[str, float] | None, str]:
    """The relaxed community's levels (None unless proven optimal) and its status."""

    r = solve(trial.instance, mode=mode, solver=solver, time_limit=time_limit)
    return (_levels(r) if r.has_plan and r.status.value == "optimal" else None), r.status.value


def marginal_values(instance: Instance, result: Result, mode: Mode, solver: str = "highs", workers: int = 1,
                    time_limit: float | None = None) -> list[Marginal]:
    """Relax each limit by one unit and re-solve its community (in parallel processes)."""
    from dataclasses import replace


    subs = community_instances(instance, [c.id for c in instance.communities])
    trials = _trials(instance, subs, result, mode)
    # Each community's levels now: the checker's, from its part of the plan.
    base = {}
    for cid, sub in subs.items():
        now = compute_levels(sub, {s.id: result.plan[s.id] for s in sub.staff if s.id in result.plan}, mode)
        base[cid] = {lvl.value: float(level_value(lvl, now[lvl])) for lvl in instance.policy.objective}
    if workers > 1 and len(trials) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        with ProcessPoolExecutor(max_workers=min(workers, len(trials)), mp_context=ctx) as pool:
            afters = list(pool.map(_run_trial, trials, [mode] * len(trials), [solver] * len(trials),
                                   [time_limit] * len(trials)))
    else:
        afters = [_run_trial(t, mode, solver, time_limit) for t in trials]
    out = []
    for t, (after, status) in zip(trials, afters, strict=True):
        m = Marginal(t.rule, t.where, t.step, t.binds, base[t.community], after, "", status)
        out.append(replace(m, message=_marginal_message(m, instance)))
    return out


def _marginal_message(m: Marginal, instance: Instance) -> str:
    where = m.where
    if m.rule == "vacancy":
        label = _("one more post in {pool}").format(pool=labels.pool(where))
    elif m.rule == "hiring_budget":
        label = _("{step} of hiring budget in {community}").format(step=m.step, community=where)
    elif m.rule == "treasury_budget":
        label = _("{step} of treasury budget in {community}").format(step=m.step, community=where)
    elif m.rule == "max_moves":
        label = _("one more move in {community}").format(community=where)
    elif m.rule == "preference":
        label = _("one more move spent on wishes in {community}").format(community=where)
    elif m.rule == "distance":
        label = _("a distance limit {step} longer in {community}").format(step=m.step, community=where)
    elif m.rule == "capacity":
        label = (_("one more place at {institution}").format(institution=instance.institution_by_id[where].name or where)
                 if where in instance.institution_by_id else where)
    else:
        label = _("{step} in {community}").format(step=m.step, community=where)
    if m.after is None:
        if m.status != "infeasible":
            # not "no plan": relaxing a limit keeps today's plan; the re-solve was not proven
            return _("{label}: not proven within the time limit ({status})").format(
                label=label, status=labels.value("solve_status", m.status))
        return _("{label}: no plan found").format(label=label)
    change = m.change
    if not change:
        return _("{label}: changes nothing").format(label=label)
    if m.rule == "preference":  # what the move buys first, then what it costs
        change = {k: change[k] for k in sorted(change, key=lambda k: k != "preference")}
    said = [_said(k, v) for k, v in change.items()]
    text = f"{label}: {said[0]}"
    if len(said) > 1:
        text += " " + _("(then {changes})").format(changes=labels.joined(said[1:], clauses=True))
    return text


def _said(level: str, v: float) -> str:
    """A level's change in words: "hiring_cost +200,000 yuan/year", "distance +10.277 km"."""
    figure = f"{v:+,.3f}" if level == "distance" else f"{v:+,.2f}" if not float(v).is_integer() else f"{v:+,.0f}"
    return f"{labels.value('level', level)} {figure} {labels.unit(level)}".strip()


# ---------------------------------------------------------------- the whole


def explain(instance: Instance, mode: Mode | str | None = None, solver: str = "highs", workers: int = 1,
            time_limit: float | None = None) -> Explanation:

    mode = Mode(mode) if mode is not None else instance.policy.mode
    result = solve(instance, mode=mode, solver=solver, workers=workers, time_limit=time_limit)
    if not result.has_plan and result.status.value != "infeasible":

        require_plan(result)  # no plan in the time limit, not proven infeasible: nothing to explain (exit 1)
    exp = Explanation(instance.name, mode, feasible=result.has_plan and result.status.value != "infeasible",
                      status=result.status)
    if not exp.feasible:
        for outcome in result.outcomes:
            if outcome.status.value == "infeasible":
                best, alts = explain_infeasible(result.instance, outcome.community, mode, solver=solver,
                                                time_limit=time_limit)
                exp.relaxations[outcome.community] = best
                exp.alternatives[outcome.community] = alts
        return exp
    exp.objective = _levels(result)
    exp.marginals = marginal_values(result.instance, result, mode, solver, workers, time_limit)
    return exp


def to_json(exp: Explanation) -> dict[str, Any]:
    def rel(r: Relaxation) -> dict[str, Any]:
        return {"rule": r.rule, "where": r.where, "amount": r.amount, "message": r.message}

    return {
        "instance": exp.instance, "mode": exp.mode.value, "feasible": exp.feasible,
        "relaxations": {c: [rel(r) for r in rs] for c, rs in exp.relaxations.items()},
        "alternatives": {c: [[rel(r) for r in alt] for alt in alts] for c, alts in exp.alternatives.items()},
        "objective": exp.objective,
        "marginals": [{"rule": m.rule, "where": m.where, "step": m.step, "binds": m.binds, "before": m.before,
                       "after": m.after, "change": m.change, "status": m.status, "message": m.message} for m in exp.marginals],
    }


__all__ = ["Explanation", "Marginal", "Relaxation", "elastic_relaxation", "explain", "explain_infeasible",
           "marginal_values", "to_json"]
