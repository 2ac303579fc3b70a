"""Plans that live: the year planned, the world after a plan, and plans over years.

`year_view` is the one-year instance a solve sees (who is present, that year's
requirements, budgets and pins); `advance` is the world after a plan of that year, as an
instance starting the next year. Planning over years is `advance` between years.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .check import Plan, PostSource, check_plan, read_plan
from .domain import (
    Funding,
    Horizon,
    Instance,
    Level,
    Mode,
    StaffMember,
    StaffStatus,
    present,
    year_communities,
    year_requirements,
)
from .errors import InputError, Problem
from .i18n import _


def year_of(instance: Instance) -> int | None:
    return instance.horizon.start


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
        "budgets": (),
        "horizon": Horizon(start=year, years=1),
    })


# ---------------------------------------------------------------- the world after a plan


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
        "requirements": tuple(r for r in instance.requirements if current(r.year)),
        "budgets": tuple(b for b in instance.budgets if current(b.year)),
        "horizon": horizon,
    })


def _stays_to(instance: Instance, s: StaffMember, year: int) -> bool:
    gone = s.leaves_in(instance.policy)
    return gone is None or gone > year


# ---------------------------------------------------------------- reading a plan folder


@dataclass
class PlanFolder:
    plan: Plan
    mode: Mode


def read_plan_folder(folder: Path, instance: Instance) -> PlanFolder:
    """A folder written by `solve` (for the year `instance` starts with), checked to fit the
    instance: a row for everyone present, starting where the instance has them, and every
    hard rule holding. Problems name assignments.csv and the row; raises InputError."""
    label = "assignments.csv"
    view = year_view(instance)
    file = folder / label
    plan = read_plan(folder, view)
    rows: dict[str, tuple[int, str]] = {}
    text = file.read_bytes().decode("utf-8-sig")
    for n, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        sid = (row.get("staff_id") or "").strip()
        if sid:
            rows[sid] = (n, (row.get("from_institution") or "").strip())
    mode = _mode_of(folder, view)
    problems: list[Problem] = []
    for s in view.staff:
        if s.id not in rows:
            problems.append(Problem(label, None, "staff_id", s.id, "no row for this staff member: is the plan of another instance or year?"))
            continue
        n, start = rows[s.id]
        if start and start != (s.posted_at or ""):
            problems.append(Problem(label, n, "from_institution", start,
                                    f"the instance has {s.id} at {s.posted_at or 'no institution (a candidate)'}: is the plan of another instance or year?"))
    if not problems:
        for v in check_plan(view, plan, mode).violations:
            at = rows[v.subject][0] if v.subject in rows else None
            problems.append(Problem(label, at, "to_institution" if at else "", v.subject, f"the plan breaks rule '{v.rule}': {v.message}"))
    if problems:
        raise InputError(problems)
    return PlanFolder(plan, mode)


def _mode_of(folder: Path, instance: Instance) -> Mode:
    summary = folder / "summary.json"
    try:
        mode = json.loads(summary.read_text(encoding="utf-8")).get("mode") if summary.is_file() else None
    except (ValueError, OSError, AttributeError):
        mode = None
    return Mode(mode) if mode in {m.value for m in Mode} else instance.policy.mode


def plan_years(folder: Path) -> list[Path]:
    """The year folders of a folder written by `plan`, in order (empty for a `solve` folder)."""
    if (folder / "assignments.csv").is_file():
        return []
    return sorted((p for p in folder.iterdir() if p.is_dir() and p.name.isdigit() and (p / "assignments.csv").is_file()),
                  key=lambda p: int(p.name)) if folder.is_dir() else []


def advance_from(instance: Instance, folder: Path) -> Instance:
    """The world after the plan in `folder`: a `solve` folder (one year) or a `plan` folder
    (every year of it, in turn). Raises InputError when it does not fit the instance."""
    from .errors import UsageError

    if not folder.is_dir():
        raise UsageError(_("{folder}: not a folder written by solve or plan").format(folder=folder))
    years = plan_years(folder)
    if not years:
        if not (folder / "assignments.csv").is_file():
            raise InputError([Problem("assignments.csv", None, "", "", _("missing from {folder}: expected a folder written by solve or plan").format(folder=folder))])
        return advance(instance, read_plan_folder(folder, instance).plan)
    current = instance
    for sub in years:
        if current.horizon.start is not None and int(sub.name) != current.horizon.start:
            raise InputError([Problem(f"{sub.name}/assignments.csv", None, "", "",
                                      f"the plan's year {sub.name} is not the instance's next year {current.horizon.start}")])
        try:
            current = advance(current, read_plan_folder(sub, current).plan)
        except InputError as exc:
            raise InputError([Problem(f"{sub.name}/{p.file}", p.row, p.column, p.value, p.message) for p in exc.problems]) from None
    return current


def write_instance_folder(instance: Instance, folder: Path) -> None:
    """Write `instance` as a new folder, which appears whole or not at all; a folder that
    exists and holds anything is refused."""
    from .convert import write_folder

    write_folder(instance, folder, force=False)


# ---------------------------------------------------------------- a plan over years


@dataclass
class YearPlan:
    year: int
    result: Any  # solve.Result of that year's instance


@dataclass
class HorizonPlan:
    instance: Instance
    kind: str  # "rolling"
    years: list[YearPlan]
    complete: bool  # every year has a plan
    reasons: list[str]
    rolling: HorizonPlan | None = None  # the rolling plan beside an integrated one

    @property
    def status(self) -> str:
        if not self.complete:
            return "infeasible" if any(y.result.status.value == "infeasible" for y in self.years) else "time_limit"
        states = {y.result.status.value for y in self.years}
        return "optimal" if states <= {"optimal"} else "time_limit" if "time_limit" in states else "feasible"

    def totals(self) -> dict[str, float]:
        """Each level summed over the years (distance in km)."""
        out: dict[str, float] = {}
        for y in self.years:
            for lvl, v in y.result.levels.items():
                out[lvl.value] = out.get(lvl.value, 0.0) + v
        return out


def plan_rolling(instance: Instance, mode: Mode | str | None = None, solver: str = "highs",
                 time_limit: float | None = None, workers: int = 1,
                 on_year: Any = None, progress: Any = None) -> HorizonPlan:
    """Year by year, each year the lexicographic optimum given the years before: solve the
    year, `advance`, solve the next. Stops at a year with no plan (its reasons kept)."""
    from .solve import solve

    if instance.horizon.start is None:
        from .errors import UsageError

        raise UsageError(_("{instance}: planning over years needs horizon.start in instance.yaml").format(instance=instance.name))
    current = instance
    years: list[YearPlan] = []
    for year in instance.horizon.year_list:
        if on_year is not None:
            on_year(year)
        result = solve(current, mode=mode, solver=solver, time_limit=time_limit, workers=workers, progress=progress)
        years.append(YearPlan(year, result))
        if not result.has_plan or result.status.value == "infeasible":
            return HorizonPlan(instance, "rolling", years, False, [f"{year}: {r}" for r in result.reasons])
        current = advance(current, result.plan)
    return HorizonPlan(instance, "rolling", years, True, [])


def horizon_summary(hp: HorizonPlan) -> dict[str, Any]:
    """summary.json of a plan over years: each year's levels and counts, and the totals."""
    from .results import level_value

    years: dict[str, Any] = {}
    for y in hp.years:
        s = y.result.summary.model_dump(mode="json")
        tiers: dict[str, dict[str, int]] = {}
        for row in y.result.rows("institutions") if y.result.has_plan else []:
            t = tiers.setdefault(row["tier"], {"staff": 0, "short": 0})
            t["staff"] += row["staff_after"]
            t["short"] += row["short"]
        years[str(y.year)] = {"status": s["status"], "objective": s["objective"], "counts": s["counts"], "by_tier": tiers,
                              **({"payroll": s["payroll"]} if "payroll" in s else {})}
    totals = {k: level_value(Level(k), v) for k, v in hp.totals().items()}
    beside = {}
    if hp.rolling is not None:
        beside = {"rolling_totals": {k: level_value(Level(k), v) for k, v in hp.rolling.totals().items()},
                  "rolling_status": hp.rolling.status}
    return {
        "instance": hp.instance.name, "kind": hp.kind, "status": hp.status,
        "mode": hp.years[0].result.mode.value if hp.years else hp.instance.policy.mode.value,
        "horizon": {"start": hp.instance.horizon.start, "years": hp.instance.horizon.years},
        "years": years, "totals": totals, **beside, **({"reasons": hp.reasons} if hp.reasons else {}),
    }


def write_horizon_plan(hp: HorizonPlan, out: Path, input_files: list[Path] | None = None, force: bool = False) -> None:
    """DIR/<year>/ (solve's four files for each year) and DIR/summary.json; an earlier
    run's files are replaced only with `force`."""
    from .io import ensure_not_input, refuse_existing, write_json_atomic
    from .results import write_result

    ensure_not_input(out, ["summary.json"], input_files or [])
    refuse_existing([out / "summary.json"], force)
    for y in hp.years:
        if y.result.has_plan:
            write_result(y.result, out / str(y.year), input_files, force=force)
    write_json_atomic(out / "summary.json", horizon_summary(hp))


# ---------------------------------------------------------------- the integrated plan


# Above this many columns in one community the integrated program is not attempted. The
# five-year bundled county: 2 years 169,000 columns, solved in 9 s; 3 years 341,000, 37 s;
# 5 years 712,000, 702 s (all on 2 shared cores): `plan --max-columns` allows it.
MAX_INTEGRATED_COLUMNS = 400_000


def plan_integrated(instance: Instance, mode: Mode | str | None = None, solver: str = "highs",
                    time_limit: float | None = None, on_level: Any = None,
                    max_columns: int | None = MAX_INTEGRATED_COLUMNS) -> HorizonPlan:
    """Every year at once: each level of the objective summed over the years, minimised
    lexicographically, per community (`model/years.py`). Read back year by year: each
    year's plan is checked by the checker against that year's instance (the world after
    the years before, by `advance`), and the levels it recomputes must add up to the
    program's."""
    from typing import cast

    from .backends import CbcRunner, HighsRunner
    from .constants import level_tolerance
    from .errors import UsageError
    from .model.arcspace import program_columns
    from .model.build import CommunityModel
    from .model.years import TooLarge, build_horizon_community
    from .solve import Result, TerminationCondition, _hold_rhs, decimal_gcd, load_profile
    from .solve import Status as SolveStatus

    if instance.horizon.start is None:
        raise UsageError(_("{instance}: planning over years needs horizon.start in instance.yaml").format(instance=instance.name))
    if instance.policy.requirements_from:
        from .demand import derive_requirements

        instance, _derived = derive_requirements(instance)
    mode = Mode(mode) if mode is not None else instance.policy.mode
    profile = load_profile(solver)
    years = instance.horizon.year_list
    decisions: dict[int, dict[str, tuple[str | None, str]]] = {y: {} for y in years}
    pool_funding: dict[str, str] = {}
    totals: dict[Level, float] = {}
    status = SolveStatus.optimal
    reasons: list[str] = []
    t0 = time.perf_counter()
    if max_columns is not None:
        # Every community's size first (model/arcspace.py counts the builder's columns in a
        # second or two): refuse before building or solving any of them.
        for com in instance.communities:
            columns = program_columns(instance, com.id, mode)
            if columns > max_columns:
                raise UsageError(_("{instance}: the integrated plan of {community} needs {columns} integer columns, "
                                   "more than --max-columns {limit}; plan it year by year with --rolling, or allow "
                                   "a larger program with --max-columns (it may take long)").format(
                    instance=instance.name, community=com.id, columns=f"{columns:,}", limit=f"{max_columns:,}"))
    for com in instance.communities:
        try:
            hm = build_horizon_community(instance, com.id, mode, max_columns)
        except TooLarge as exc:  # the count above says the same; kept as the builder's own guard
            raise RuntimeError(f"internal error: {exc}") from None
        for pid, pool in hm.pools.items():
            pool_funding[pid] = "unified" if pool.funding is None else pool.funding.value
        cm = cast(CommunityModel, hm)  # the runners read only `.lp`
        runner: HighsRunner | CbcRunner = HighsRunner(cm, profile) if profile.backend == "highs" else CbcRunner(cm, profile)
        have = False
        for level in instance.policy.objective:
            expr = hm.levels[level]
            if on_level is not None:
                on_level(com.id, level)
            if len(expr) == 0 and have:
                totals[level] = totals.get(level, 0.0) + expr.constant
                continue
            left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - t0))
            scale = decimal_gcd(set(expr.terms.values()))
            term, value, bound = runner.solve(expr, left, scale)
            if term == TerminationCondition.infeasible and not have and profile.backend != "highs":
                # CBC's "infeasible" is not a proof (as in a one-year solve): say no plan was found.
                return HorizonPlan(instance, "integrated", [], False,
                                   [_("{community}: {solver} found no plan over the years (not proven infeasible)").format(community=com.id, solver=profile.name)])
            if term == TerminationCondition.infeasible:
                return HorizonPlan(instance, "integrated", [], False,
                                   [_("{community}: no plan over the years obeys every hard rule in every year").format(community=com.id)])
            if value is None:
                if not have:
                    return HorizonPlan(instance, "integrated", [], False,
                                       [_("{community}: no plan over the years was found within the time limit").format(community=com.id)])
                status = SolveStatus.time_limit
                continue
            have = True
            if term != TerminationCondition.optimal:
                status = SolveStatus.time_limit
            elif status == SolveStatus.optimal and not (bound is not None and value - bound <= level_tolerance(value)):
                status = SolveStatus.feasible  # a plan; this level not proven (a gap profile)
            totals[level] = totals.get(level, 0.0) + value
            runner.hold(expr, _hold_rhs(value - expr.constant, scale) + expr.constant)
        _read_paths(hm, runner, decisions)
    # Year by year: the plan of each year against the world the years before left.
    current = instance
    out: list[YearPlan] = []
    sums: dict[Level, float] = {}
    for year in years:
        view = year_view(current)
        plan: Plan = {}
        for s in view.staff:
            where, post = decisions[year][s.id]
            plan[s.id] = _assignment(s, where, post, pool_funding)
        report = check_plan(view, plan, mode)
        if not report.ok:
            raise RuntimeError(f"internal error: the integrated plan breaks rules in {year}: "
                               + "; ".join(map(str, report.violations[:5])))
        objective = {lvl: report.levels[lvl] for lvl in instance.policy.objective}
        for lvl, v in objective.items():
            sums[lvl] = sums.get(lvl, 0.0) + (v * 1000.0 if lvl == Level.distance else v)
        out.append(YearPlan(year, Result(view, mode, profile.name, status, objective, plan, [], {}, [], [])))
        current = advance(current, plan)
    for lvl, v in totals.items():
        if abs(sums.get(lvl, 0.0) - v) > 1e-6 * max(1.0, abs(v)):
            raise RuntimeError(f"internal error: the integrated {lvl.value} is {v} in the program, {sums.get(lvl)} by the checker")
    return HorizonPlan(instance, "integrated", out, True, reasons)


def _assignment(s: StaffMember, where: str | None, post: str, pool_funding: dict[str, str]) -> Any:
    """One year's decision for `s` as that year's world has them: a post taken before is
    `existing` (they are on_staff now); a pool post of a contract member or candidate is
    taken this year."""
    from .check import Assignment

    if where is None:
        return Assignment(s.id, None)
    if s.status == StaffStatus.on_staff:
        return Assignment(s.id, where, s.post_funding.value if s.post_funding else None, PostSource.existing)
    if post in pool_funding:
        return Assignment(s.id, where, pool_funding[post],
                          PostSource.hired if s.status == StaffStatus.candidate else PostSource.regularised)
    return Assignment(s.id, where, None, None)


def _read_paths(hm: Any, runner: Any, decisions: dict[int, dict[str, tuple[str | None, str]]]) -> None:
    """Flows -> one path per member. In the first year each cohort's members (sorted by id)
    follow its arcs in order; then the members of a class in one state (sorted by id)
    follow that state's arcs in order."""
    first = hm.years[0]
    where: dict[tuple[int, Any], list[str]] = {}

    def follow(arcs: list[Any], queues: dict[Any, list[str]], klass: int, year: int) -> None:
        for a in arcs:
            queue = queues.get(a.origin, [])
            take = round(runner.value(a.col))
            moved, queues[a.origin] = queue[:take], queue[take:]
            where.setdefault((klass, a.target), []).extend(moved)
            for sid in moved:
                decisions[year][sid] = (a.target.institution, a.target.post)

    by_owner: dict[tuple[int, int], list[Any]] = {}
    for arc in hm.arcs:
        by_owner.setdefault((arc.year, arc.cohort), []).append(arc)
    for c in hm.cohorts:
        arcs = by_owner.get((first, c.index), [])
        if arcs:
            follow(arcs, {arcs[0].origin: list(c.members)}, c.klass, first)
    for year in hm.years[1:]:
        before, where = where, {}
        classes = sorted({k for k, _st in before})
        for k in classes:
            queues = {st: sorted(ids) for (kk, st), ids in before.items() if kk == k}
            follow(by_owner.get((year, k), []), queues, k, year)


def read_horizon_plan(instance: Instance, folder: Path) -> HorizonPlan:
    """A folder written by `plan`, read back year by year against the world the years
    before leave (each year must fit and obey every rule; InputError otherwise); the levels
    are the checker's. Kind and status come from its summary.json."""
    from .solve import Result, Status

    meta: dict[str, Any] = {}
    try:
        loaded = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        meta = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        meta = {}
    status = Status(meta["status"]) if meta.get("status") in {s.value for s in Status} else Status.time_limit
    current = instance
    years: list[YearPlan] = []
    for sub in plan_years(folder):
        try:
            fitted = read_plan_folder(sub, current)
        except InputError as exc:
            raise InputError([Problem(f"{sub.name}/{p.file}", p.row, p.column, p.value, p.message) for p in exc.problems]) from None
        view = year_view(current)
        report = check_plan(view, fitted.plan, fitted.mode)
        objective = {lvl: report.levels[lvl] for lvl in instance.policy.objective}
        years.append(YearPlan(int(sub.name), Result(view, fitted.mode, "plan", status, objective, fitted.plan, [], {}, [], [])))
        current = advance(current, fitted.plan)
    kind = str(meta.get("kind") or "plan")
    return HorizonPlan(instance, kind, years, True, [])
