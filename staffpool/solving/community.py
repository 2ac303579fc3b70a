"""Check -> build -> solve -> read back. One pipeline, per community, lexicographic.

Status, termination and profiles live in constants.py; `Result` carries the plan, the
levels, pandas tables and the summary. Rendering lives in the CLI, never here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from staffpool.constants import SolverProfile, Status, TerminationCondition
from staffpool.domain.instance import Instance, Level, Mode, StaffStatus
from staffpool.domain.plan import Assignment, Plan, PostSource
from staffpool.i18n import _
from staffpool.inputs import labels
from staffpool.model.build import build_community
from staffpool.model.canonical import tie_break
from staffpool.model.community import CommunityModel, PostKind, candidate_options
from staffpool.model.rules import RULES
from staffpool.solving.lexicographic import LevelLog, Program, Stop, confirm_limit, solve_lexicographic
from staffpool.solving.profiles import load_profile
from staffpool.solving.runners import HighsRunner, Runner, make_runner

# ---------------------------------------------------------------- one community


@dataclass
class CommunityOutcome:
    community: str
    status: Status
    plan: Plan
    levels: list[LevelLog[Level]]
    build_s: float
    solve_s: float
    variables: int
    constraints: int
    reason: str = ""
    reasons: list[str] = field(default_factory=list)
    canonical: bool = True  # False: the time limit ended the tie-break (`Lexicographic.canonical`)


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
    runner = make_runner(cm, profile)
    build_s = time.perf_counter() - t0
    return solve_levels(instance, community, mode, cm, runner, profile, build_s, time_limit, on_level)


def solve_levels(
    instance: Instance,
    community: str,
    mode: Mode,
    cm: CommunityModel,
    runner: Runner,
    profile: SolverProfile,
    build_s: float = 0.0,
    time_limit: float | None = None,
    on_level: Callable[[str, Level], None] | None = None,
    diagnose: bool = True,
    hints: dict[Level, float] | None = None,
    steps: dict[Level, tuple[set[float], float | None]] | None = None,
) -> CommunityOutcome:
    """A built program solved by the lexicographic driver on a runner made from it (a sweep
    hands in one program with its limits reset per scenario), and read back into people.
    `diagnose`: name the rules behind an infeasibility (costly: one solve per rule).
    `hints`, `steps`: see `solve_lexicographic`."""

    nvars, ncons = len(cm.x) + len(cm.short), cm.lp.num_rows
    empty = [c for c, opts in zip(cm.cohorts, cm.options, strict=True) if not opts and c.status != StaffStatus.candidate]
    if empty:
        reasons = [_no_option_reason(cm, c) for c in empty]
        return CommunityOutcome(community, Status.infeasible, {}, [], build_s, 0.0, nvars, ncons,
                                _("some staff have no institution they may be posted at"), reasons)
    t1 = time.perf_counter()
    run = solve_lexicographic(
        runner, [(lvl, cm.levels[lvl]) for lvl in instance.policy.objective], profile, time_limit,
        on_level=None if on_level is None else partial(on_level, community), hints=hints, steps=steps,
        confirm=partial(confirm_infeasible, cm), tie_break=partial(tie_break, cm))
    if run.stop is None:
        plan = _read_back(cm, runner)
        return CommunityOutcome(community, run.status, plan, run.levels, build_s, time.perf_counter() - t1,
                                nvars, ncons, canonical=run.canonical)
    reason, reasons = _why_stopped(run.stop, profile)
    if run.stop.kind == "infeasible":
        reasons = diagnose_infeasible(instance, community, mode, profile, run.limit, confirmed=True) if diagnose else []
    return CommunityOutcome(community, run.status, {}, run.levels, build_s, time.perf_counter() - t1, nvars, ncons,
                            reason, reasons)


def _why_stopped(stop: Stop[Level], profile: SolverProfile) -> tuple[str, list[str]]:
    """What a user reads when the driver stopped without a plan."""
    level = stop.level.value
    if stop.kind == "infeasible":
        return _("no plan obeys every hard rule"), []
    if stop.kind == "unconfirmed":
        return _("no plan was found within the time limit"), [
            (_("{solver} stopped at level {level} reporting infeasible, but a plan obeyed the earlier levels: "
               "the instance is not proven infeasible; allow more time") if stop.had_plan else
             _("{solver} stopped at level {level} reporting infeasible, but the exact HiGHS check did not "
               "confirm it: the instance is not proven infeasible; allow more time")).format(
                solver=profile.name, level=level)]
    why = (_("no plan was found within the time limit") if stop.termination == TerminationCondition.no_solution
           else _("the solver stopped: {why}").format(why=stop.termination.value))
    # No plan within the limit proves nothing about feasibility: say so.
    return why, [_("{solver} stopped at level {level} without a plan: the instance is not proven infeasible; "
                   "allow more time").format(solver=profile.name, level=level)]


def _read_back(cm: CommunityModel, runner: Runner) -> Plan:
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
            return _("{who} ({title}, posted at {posted_at}): rule \u201c{rule}\u201d ({summary}) leaves no institution").format(
                who=who, title=labels.value("title", cohort.title.value), posted_at=cohort.posted_at,
                rule=labels.value("rule", rule.name), summary=_(rule.summary))
        base = left
    return _("{who} ({title}, posted at {posted_at}): the rules together leave no institution").format(
        who=who, title=labels.value("title", cohort.title.value), posted_at=cohort.posted_at)


def confirm_infeasible(cm: Program, time_limit: float | None = None) -> bool | None:
    """Is the community's unrelaxed model (no level held; a year's or the years') proven
    infeasible by exact HiGHS?
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
        proven = confirm_infeasible(base, confirm_limit(time_limit))
        if proven is False:
            return [_("nothing to diagnose: the community has a plan obeying every hard rule")]
        if proven is None:
            return [_("not diagnosed: infeasibility could not be confirmed within the time limit")]
    families = base.families
    cohorts = {c.label: c.members for c in base.cohorts}
    hard = [r for r in RULES if r.kind == "hard" and r.name != "posting"]
    for rule in hard:
        trial = build_community(instance, community, mode, skip=frozenset({rule.name}))
        if any(not opts and c.status != StaffStatus.candidate for c, opts in zip(trial.cohorts, trial.options, strict=True)):
            continue
        if make_runner(trial, profile).feasible(time_limit):
            places = [_place(instance, n, cohorts) for n in families.get(rule.name, [])]
            where = _(" ({places})").format(places=labels.joined(places[:6]) + (" …" if len(places) > 6 else "")) \
                if places else ""
            found.append(_("relaxing \u201c{rule}\u201d alone would make it feasible: {summary}").format(
                rule=labels.value("rule", rule.name), summary=_(rule.summary)) + where)
    if not found:
        found.append(_("no single rule explains it alone; several bind together ({rules})").format(
            rules=labels.joined([labels.value("rule", r.name) for r in hard])))
    found.append(_("`staffpool explain` names the smallest set of rules to relax, and by how much"))
    return found


def _place(instance: Instance, row: str, cohorts: dict[str, tuple[str, ...]]) -> str:
    """A constraint row ("capacity[C000-H1]", "vacancy[C000,full]", "pins[<cohort>]") as the
    place or people it limits, in words: an institution or community by name, a pool by its
    funding, a cohort's people by id and name (its label is a code)."""
    inside = row.partition("[")[2].rstrip("]")
    members = cohorts.get(inside)
    if members is not None:
        who = [labels.named(m, instance.staff_by_id[m].name) for m in members[:3]]
        return labels.joined(who) + (" …" if len(members) > 3 else "")
    parts = inside.split(",")
    institution = instance.institution_by_id.get(parts[0])
    if institution is not None:
        return labels.named(parts[0], institution.name)
    community = next((c for c in instance.communities if c.id == parts[0]), None)
    head = (community.name or parts[0]) if community is not None else parts[0]
    rest = [labels.value("funding", p) for p in parts[1:] if not p.isdigit()]
    return labels.pool(",".join([head, *rest[:1]])) if rest else head
