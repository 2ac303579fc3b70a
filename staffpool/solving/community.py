"""Check -> build -> solve -> read back. One pipeline, per community, lexicographic.

Status, termination and profiles live in constants.py; `Result` carries the plan, the
levels, pandas tables and the summary. Rendering lives in the CLI, never here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from staffpool.constants import SolverProfile, Status, TerminationCondition, level_tolerance
from staffpool.domain.instance import Instance, Level, Mode, StaffStatus
from staffpool.domain.plan import Assignment, Plan, PostSource
from staffpool.i18n import _
from staffpool.model.build import build_community
from staffpool.model.community import CommunityModel, PostKind, candidate_options
from staffpool.model.rules import RULES
from staffpool.solving.canonical import settle
from staffpool.solving.profiles import load_profile
from staffpool.solving.runners import CbcRunner, HighsRunner

# ---------------------------------------------------------------- solver profiles








# ---------------------------------------------------------------- one community


@dataclass
class LevelLog:
    level: Level
    value: float | None
    termination: TerminationCondition
    seconds: float
    bound: float | None = None  # proven lower bound, given the earlier levels' holds; None: unknown

    @property
    def proven(self) -> bool:
        """The value is the level's optimum at model.md's tolerance (given the holds)."""
        return (self.value is not None and self.bound is not None
                and self.value - self.bound <= level_tolerance(self.value))


@dataclass
class CommunityOutcome:
    community: str
    status: Status
    plan: Plan
    levels: list[LevelLog]
    build_s: float
    solve_s: float
    variables: int
    constraints: int
    reason: str = ""
    reasons: list[str] = field(default_factory=list)


def _level_scale(cm: CommunityModel, level: Level, coefs: set[float] | None = None) -> float | None:
    """g such that the level's optimum is a multiple of g, or None.

    The x are integers, and a shortfall variable is max(0, need − covered), an integer, at
    the optimum; so when every coefficient is a multiple of g, so is the optimum. g is the
    gcd of the coefficients written with at most 6 decimals (weights 0.5, 1.25 and 0.1
    give 0.05); None when some coefficient has more."""
    return decimal_gcd(set(cm.levels[level].terms.values()) if coefs is None else coefs)  # few distinct values


# A level is deferred only when its step is coarse: every coefficient at most this many
# steps. Its LP bound, rounded up to a step, is then nearly always reached (shortfall,
# moves, hiring cost, unregularised on generated counties); the distance level (metres,
# step 1 m) often lies a few metres above it and is solved at once.
COARSE_STEPS = 10


def _coarse(coefs: set[float], scale: float | None) -> bool:
    return bool(scale) and max((abs(c) for c in coefs), default=0.0) <= COARSE_STEPS * (scale or 0.0)


def decimal_gcd(coefs: set[float], digits: int = 6) -> float | None:
    """The largest g with every coefficient an integer multiple of g, for coefficients of
    at most `digits` decimals; 1.0 for none or zeros; None otherwise."""
    ints = [c for c in coefs if type(c) is int]
    if len(ints) == len(coefs):  # whole numbers (metres, counts): no scaling to try
        g = math.gcd(*ints)
        return float(g) if g else 1.0
    for k in range(digits + 1):
        scaled = [c * 10**k for c in coefs]
        if all(abs(v - round(v)) <= 1e-9 * max(1.0, abs(v)) for v in scaled):
            g = math.gcd(*(round(v) for v in scaled))  # non-negative; 0 for none or zeros
            return g / 10**k if g else 1.0
    return None


def _hold_rhs(value: float, scale: float | None) -> float:
    """Hold a level at its optimum: model.md's tolerance (1e-6 relative and absolute).

    A level whose optimum is a multiple of `scale` is held at that multiple plus the same
    tolerance, capped below half a step (no other multiple fits). Not half a step flat: the
    LP relaxation of the next level would spend it (on one generated county, the distance
    level's LP bound fell 1.25 % below the optimum with +0.5 and met it without: 13,739
    nodes → 1)."""
    if scale:
        opt = scale * round(value / scale)
        return opt + min(0.5 * min(1.0, scale), max(1e-6, 1e-6 * abs(opt)))
    return value + max(1e-6, 1e-6 * abs(value))


def solve_community(
    instance: Instance,
    community: str,
    mode: Mode,
    profile: SolverProfile,
    time_limit: float | None = None,
    on_level: Callable[[str, Level], None] | None = None,
) -> CommunityOutcome:

    t0 = time.perf_counter()
    cm = build_community(instance, community, mode)
    runner: HighsRunner | CbcRunner = HighsRunner(cm, profile) if profile.backend == "highs" else CbcRunner(cm, profile)
    build_s = time.perf_counter() - t0
    return solve_levels(instance, community, mode, cm, runner, profile, build_s, time_limit, on_level)


def solve_levels(
    instance: Instance,
    community: str,
    mode: Mode,
    cm: CommunityModel,
    runner: HighsRunner | CbcRunner,
    profile: SolverProfile,
    build_s: float = 0.0,
    time_limit: float | None = None,
    on_level: Callable[[str, Level], None] | None = None,
    diagnose: bool = True,
    hints: dict[Level, float] | None = None,
    steps: dict[Level, tuple[set[float], float | None]] | None = None,
) -> CommunityOutcome:
    """The lexicographic driver on a built program and a runner made from it (a sweep
    hands in one program with its limits reset per scenario). `diagnose`: name the rules
    behind an infeasibility (costly: one solve per rule). `hints`: guesses of the levels'
    optima (a neighbouring scenario's), which only speed the search up. `steps`: a cache of
    each level's coefficients and step, kept by a caller that solves one program again and again."""

    nvars, ncons = len(cm.x) + len(cm.short), cm.lp.num_rows
    empty = [c for c, opts in zip(cm.cohorts, cm.options, strict=True) if not opts and c.status != StaffStatus.candidate]
    if empty:
        reasons = [_no_option_reason(cm, c) for c in empty]
        return CommunityOutcome(community, Status.infeasible, {}, [], build_s, 0.0, nvars, ncons,
                                _("some staff have no institution they may be posted at"), reasons)
    t1 = time.perf_counter()
    limit = time_limit if time_limit is not None else profile.time_limit
    logs: list[LevelLog] = []
    status = Status.optimal
    have_plan = False
    order = list(instance.policy.objective)
    # Deferred levels (docs/model.md, "Deferring the plan"): exact HiGHS without a time limit
    # holds a level at its LP bound rounded up and looks for a plan only at the last level;
    # if none exists there, the first deferred level is solved again in full.
    # Not with hints (a sweep's guesses from neighbouring scenarios serve the same end).
    lazy = (isinstance(runner, HighsRunner) and profile.exact and profile.reduced_cost_fixing and limit is None
            and not hints)
    pending: list[tuple[int, Any, int, bool]] = []  # (level index, runner state, logs kept, have_plan)
    eager: set[int] = set()
    deferred: set[int] = set()  # indices in `logs` of levels whose value awaits the plan
    steps = {} if steps is None else steps

    def step_of(level: Level) -> tuple[set[float], float | None]:
        if level not in steps:
            coefs = set(cm.levels[level].terms.values())  # few distinct values
            steps[level] = (coefs, _level_scale(cm, level, coefs))
        return steps[level]

    i = -1
    while i + 1 < len(order):
        i += 1
        level = order[i]
        expr = cm.levels[level]
        if on_level is not None:
            on_level(community, level)
        if len(expr) == 0 and have_plan and not (pending and i + 1 == len(order)):
            # (With levels deferred, the last one is solved all the same: it finds the plan.)
            logs.append(LevelLog(level, float(expr.constant), TerminationCondition.optimal, 0.0, float(expr.constant)))
            continue
        left = None if limit is None else max(0.0, limit - (time.perf_counter() - t1))
        if left is not None and left <= 0 and have_plan:
            status = Status.time_limit
            logs.append(LevelLog(level, None, TerminationCondition.time_limit, 0.0))
            continue
        ts = time.perf_counter()
        coefs, scale = step_of(level)
        # HiGHS's LP may look ahead to the next level (HighsRunner._look_ahead).
        then = (cm.levels[order[i + 1]], step_of(order[i + 1])[1]) if i + 1 < len(order) else None
        hint = hints.get(level) if hints else None
        hint = None if hint is None else hint - expr.constant
        if lazy:
            assert isinstance(runner, HighsRunner)
            state = runner.snapshot()
            defer = i + 1 < len(order) and i not in eager and _coarse(coefs, scale)
            term, value, bound = runner.solve(expr, left, scale, hint, defer=defer, give_up=bool(pending),
                                              missed=i in eager, then=then)
            if pending and (term != TerminationCondition.optimal or value is None):
                # No plan meets every deferred level's bound: solve the first one in full (its
                # plan then proves or corrects it, and later levels may be deferred again).
                j, state, kept, have_plan = pending[0]
                pending.clear()
                runner.restore(state)
                del logs[kept:]
                deferred = {d for d in deferred if d < kept}
                eager.add(j)
                i = j - 1
                continue
            if runner.deferred:
                pending.append((i, state, len(logs), have_plan))
                deferred.add(len(logs))
            else:
                pending.clear()  # the plan found obeys every hold: each deferred bound is met
        elif isinstance(runner, HighsRunner):
            term, value, bound = runner.solve(expr, left, scale, hint, then=then)
        else:
            term, value, bound = runner.solve(expr, left, scale, hint)
        logs.append(LevelLog(level, value, term, time.perf_counter() - ts, bound))
        if term == TerminationCondition.infeasible:
            # A plan obeyed every earlier level, so "infeasible" now is the solver's failure.
            # CBC's "infeasible" (and any under a time limit) is not a proof: ask exact HiGHS.
            confirmed = not have_plan and (
                (profile.backend == "highs" and limit is None) or bool(confirm_infeasible(cm, _confirm_limit(limit))))
            if not confirmed:
                return CommunityOutcome(
                    community, Status.time_limit, {}, logs, build_s, time.perf_counter() - t1, nvars, ncons,
                    _("no plan was found within the time limit"),
                    [(_("{solver} stopped at level {level} reporting infeasible, but a plan obeyed the earlier levels: "
                        "the instance is not proven infeasible; allow more time") if have_plan else
                      _("{solver} stopped at level {level} reporting infeasible, but the exact HiGHS check did not "
                        "confirm it: the instance is not proven infeasible; allow more time")).format(
                        solver=profile.name, level=level.value)])
            reasons = diagnose_infeasible(instance, community, mode, profile, limit, confirmed=True) if diagnose else []
            return CommunityOutcome(community, Status.infeasible, {}, logs, build_s, time.perf_counter() - t1,
                                    nvars, ncons, _("no plan obeys every hard rule"), reasons)
        if value is None:
            if not have_plan:
                why = (_("no plan was found within the time limit") if term == TerminationCondition.no_solution
                       else _("the solver stopped: {why}").format(why=term.value))
                # No plan within the limit proves nothing about feasibility: say so.
                return CommunityOutcome(community, Status.time_limit, {}, logs, build_s, time.perf_counter() - t1,
                                        nvars, ncons, why, [_("{solver} stopped at level {level} without a plan: the "
                                                              "instance is not proven infeasible; allow more time").format(
                                            solver=profile.name, level=level.value)])
            status = Status.time_limit
            continue
        have_plan = True
        if term != TerminationCondition.optimal:
            status = Status.time_limit
        elif status == Status.optimal and not logs[-1].proven:
            status = Status.feasible  # the profile's gap: a plan, this level not proven
        # The multiple of `scale` is the variable part's; the constant (unregularised) is set aside.
        runner.hold(expr, _hold_rhs(value - expr.constant, scale) + expr.constant)
    if status == Status.optimal and profile.exact:
        # One scenario, one plan (solving/canonical.py): the canonical one of the plans the holds keep.
        settle(cm, runner, None if limit is None else max(0.0, limit - (time.perf_counter() - t1)))
    for d in deferred:  # the plan's value, within the hold of the bound (the checker agrees)
        assert isinstance(runner, HighsRunner)
        logs[d].value = runner.level_value(cm.levels[logs[d].level])
    plan = _read_back(cm, runner)
    return CommunityOutcome(community, status, plan, logs, build_s, time.perf_counter() - t1, nvars, ncons)


def _read_back(cm: CommunityModel, runner: HighsRunner | CbcRunner) -> Plan:
    """Cohort counts -> people: members (sorted by id) fill the options in order; then the
    new posts of each (group, pool[, title]) go to the contract staff and hires posted in
    that group (of that title), again in id order."""

    plan: Plan = {}
    contract_in: dict[tuple[str, str], list[str]] = {}
    hired_in: dict[tuple[str, str], list[str]] = {}
    values = runner.values_list()
    existing, contract, kept = PostKind.existing, PostKind.none, PostSource.existing  # enum lookups, once
    # The cohorts' columns with someone there (round(v) > 0), in column order: a county has
    # 33,000 columns and 1,400 people.
    n_x = cm.cols[-1].stop if cm.cols else 0
    taken = [c for c, v in enumerate(values[:n_x]) if v >= 0.5]
    t = 0
    for cohort in cm.cohorts:
        members = list(cohort.members)
        pos = 0
        cols = cm.cols[cohort.index]
        opts = cm.options[cohort.index]
        funding = cohort.post_funding.value if cohort.post_funding else None
        title = cohort.title.value if cm.by_title else ""
        while t < len(taken) and taken[t] < cols.stop:
            opt, count = opts[taken[t] - cols.start], round(values[taken[t]])
            t += 1
            for sid in members[pos:pos + count]:
                if opt.kind is existing:
                    plan[sid] = Assignment(sid, opt.institution, funding, kept)
                else:
                    plan[sid] = Assignment(sid, opt.institution, None, None)
                    key = (cm.post_group(opt.institution), title)
                    (contract_in if opt.kind is contract else hired_in).setdefault(key, []).append(sid)
            pos += count
        for sid in members[pos:]:
            plan[sid] = Assignment(sid, None, None, None)  # a candidate not hired
    for posts, people, source in ((cm.reg, contract_in, PostSource.regularised), (cm.hire, hired_in, PostSource.hired)):
        queue = {g: sorted(ids) for g, ids in people.items()}
        for (group, pid, title), var in sorted(posts.items()):
            pool = cm.pools[pid]
            funding = "unified" if pool.funding is None else pool.funding.value
            for _k in range(round(values[var])):
                sid = queue[(group, title)].pop(0)
                plan[sid] = Assignment(sid, plan[sid].to_institution, funding, source)
    return plan


def _no_option_reason(cm: CommunityModel, cohort: Any) -> str:

    base = candidate_options(cm, cohort)
    who = ", ".join(cohort.members[:5]) + (" …" if cohort.size > 5 else "")
    for rule in RULES:
        if rule.allow is None:
            continue
        left = rule.allow(cm, cohort, base)
        if base and not left:
            return _("{who} ({title}, posted at {posted_at}): rule '{rule}' ({summary}) leaves no institution").format(
                who=who, title=cohort.title.value, posted_at=cohort.posted_at, rule=rule.name, summary=_(rule.summary))
        base = left
    return _("{who} ({title}, posted at {posted_at}): the rules together leave no institution").format(
        who=who, title=cohort.title.value, posted_at=cohort.posted_at)


# Confirming an infeasibility: HiGHS, exact, on the first (feasibility) problem only, with
# this much time: the user's limit is about finding a good plan, not about proving none.
CONFIRM_MIN_S = 60.0
CONFIRM_FACTOR = 4.0


def _confirm_limit(limit: float | None) -> float | None:
    return None if limit is None else max(CONFIRM_MIN_S, CONFIRM_FACTOR * limit)


def confirm_infeasible(cm: CommunityModel, time_limit: float | None = None) -> bool | None:
    """Is the community's unrelaxed model (no level held) proven infeasible by exact HiGHS?
    True: proven; False: HiGHS found a plan; None: it could not tell in time."""

    feasible = HighsRunner(cm, load_profile("highs")).feasible(time_limit)
    return None if feasible is None else not feasible


def diagnose_infeasible(instance: Instance, community: str, mode: Mode, profile: SolverProfile | None = None,
                        time_limit: float | None = None, confirmed: bool = False) -> list[str]:
    """Which hard rules, each left out alone, would make the community feasible.

    First confirms (unless `confirmed`) that the unrelaxed community is infeasible:
    otherwise every rule would "make it feasible". The trials use the user's solver and
    time limit; a trial counts only when the solver finds a plan."""

    profile = profile or load_profile("highs")
    found: list[str] = []
    base = build_community(instance, community, mode)
    if not confirmed:
        proven = confirm_infeasible(base, _confirm_limit(time_limit))
        if proven is False:
            return [_("nothing to diagnose: the community has a plan obeying every hard rule")]
        if proven is None:
            return [_("not diagnosed: infeasibility could not be confirmed within the time limit")]
    families = base.families
    hard = [r for r in RULES if r.kind == "hard" and r.name != "posting"]
    for rule in hard:
        trial = build_community(instance, community, mode, skip=frozenset({rule.name}))
        if any(not opts and c.status != StaffStatus.candidate for c, opts in zip(trial.cohorts, trial.options, strict=True)):
            continue
        runner = HighsRunner(trial, profile) if profile.backend == "highs" else CbcRunner(trial, profile)
        if runner.feasible(time_limit):
            names = families.get(rule.name, [])
            where = f" ({', '.join(names[:6])}{' …' if len(names) > 6 else ''})" if names else ""
            found.append(_("relaxing '{rule}' alone would make it feasible: {summary}").format(
                rule=rule.name, summary=_(rule.summary)) + where)
    if not found:
        found.append(_("no single rule explains it alone; several bind together ({rules}); `staffpool explain` "
                       "finds the smallest relaxation").format(rules=", ".join(r.name for r in hard)))
    return found


# ---------------------------------------------------------------- whole instance



















