"""Results as rows, pandas tables and the summary as a pydantic model; writing them atomically.

The rows (lists of dicts) are computed once per result; the pandas tables of the library
API wrap them, and the CSV files are written from them with the csv module, so a CLI solve
never imports pandas (0.2 s of a county's 1.1 s).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from staffpool.check import preference_counts, requirement_coverage, treasury_pays
from staffpool.constants import SolverProfile, Status
from staffpool.domain.instance import Instance, Level, Mode, StaffStatus, level_value
from staffpool.domain.plan import PostSource
from staffpool.errors import InfeasibleError
from staffpool.i18n import _
from staffpool.outputs.files import csv_text, ensure_not_input, refuse_existing, write_files_atomic, write_json_atomic
from staffpool.outputs.payroll import payroll
from staffpool.solving.community import CommunityOutcome
from staffpool.solving.instance import Solution, solve_instance

if TYPE_CHECKING:
    import pandas as pd


ASSIGNMENT_COLUMNS = [
    "staff_id", "name", "status", "title", "specialty", "from_institution", "to_institution", "moved",
    "distance_km", "post_funding", "post_source", "change", "salary", "treasury_pays", "preference_rank",
]
MONEY_COLUMNS = ("salary", "treasury_pays")
INSTITUTION_COLUMNS = ["id", "tier", "funding", "staff_before", "staff_after", "need", "short", "name", "community"]
REQUIREMENT_COLUMNS = ["institution", "specialty", "min_title", "need", "weight", "covered", "short"]
Rows = list[dict[str, Any]]


class Summary(BaseModel):
    instance: str
    mode: str
    solver: str
    status: str
    objective: dict[str, float | int]
    # Proven lower bound of each level (null: unknown); equal to the objective when optimal.
    bounds: dict[str, float | int | None] = {}
    timings_s: dict[str, float]
    counts: dict[str, int]
    communities: list[dict[str, Any]] = []
    payroll: dict[str, Any] = {}
    requirements_derived: list[dict[str, Any]] = []
    # People with wishes (preferences.csv) and, of those posted, where: always written.
    preferences: dict[str, int] = {}



def _whole(amount: float) -> float | int:
    """Yuan (already to the fen): an int when whole."""
    return int(amount) if amount.is_integer() else amount


def assignment_rows(result: Result) -> Rows:
    """One row per staff member, in the instance's order: where they go and how."""
    inst = result.instance.institution_by_id
    wishes = result.instance.wishes
    rows = []
    for s in result.instance.staff:
        a = result.plan.get(s.id)
        to = a.to_institution if a is not None else None
        source = a.post_source if a is not None else None
        funding = a.post_funding if a is not None else None
        moved = s.status != StaffStatus.candidate and to is not None and to != s.posted_at
        if s.status == StaffStatus.candidate:
            dist: float | None = None
            change = "hire" if to else "not_hired"
        else:
            dist = result.instance.distance_m(s.posted_at, to) / 1000.0 if moved and s.posted_at and to in inst else 0.0
            if source == PostSource.regularised:
                change = "regularise_move" if moved else "regularise"
            else:
                change = "move" if moved else "stay"
        posted = to is not None
        rows.append({
            "staff_id": s.id, "name": s.name or "", "status": s.status.value, "title": s.title.value, "specialty": s.specialty,
            "from_institution": s.posted_at or "", "to_institution": to or "", "moved": moved,
            "distance_km": dist, "post_funding": funding or "", "post_source": source or "", "change": change,
            "salary": result.instance.salary(s.title) if posted else None,
            "treasury_pays": _whole(treasury_pays(result.instance, result.mode, s, a)) if posted else None,
            "preference_rank": dict(wishes[s.id]).get(to or "") if s.id in wishes else None,
        })
    return rows


def requirement_rows(result: Result) -> Rows:
    """One row per requirement row: matching staff posted there and what is still short."""
    cover = requirement_coverage(result.instance, result.plan)
    return [
        {"institution": r.institution, "specialty": r.specialty, "min_title": r.min_title.value,
         "need": r.need, "weight": r.weight, "covered": c, "short": sh}
        for r, (c, sh) in zip(result.instance.requirements, cover, strict=True)
    ]


def institution_rows(result: Result) -> Rows:
    """One row per institution: staff before and after, need and shortfall."""
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    for s in result.instance.staff:
        if s.posted_at:
            before[s.posted_at] = before.get(s.posted_at, 0) + 1
        a = result.plan.get(s.id)
        if a is not None and a.to_institution:
            after[a.to_institution] = after.get(a.to_institution, 0) + 1
    need: dict[str, int] = {}
    short: dict[str, int] = {}
    for r in result.rows("requirements"):
        need[r["institution"]] = need.get(r["institution"], 0) + int(r["need"])
        short[r["institution"]] = short.get(r["institution"], 0) + int(r["short"])
    return [
        {"id": i.id, "tier": i.tier.value, "funding": i.funding.value, "staff_before": before.get(i.id, 0),
         "staff_after": after.get(i.id, 0), "need": need.get(i.id, 0), "short": short.get(i.id, 0),
         "name": i.name, "community": i.community}
        for i in result.instance.institutions
    ]


COLUMNS = {"assignments": ASSIGNMENT_COLUMNS, "requirements": REQUIREMENT_COLUMNS, "institutions": INSTITUTION_COLUMNS}
ROWS = {"assignments": assignment_rows, "requirements": requirement_rows, "institutions": institution_rows}


def table(result: Result, name: str) -> pd.DataFrame:
    """The rows of `name` as a pandas table (the library's view of a result)."""
    import pandas as pd

    rows = result.rows(name)
    df = pd.DataFrame(rows, columns=COLUMNS[name])
    if name == "assignments":
        # Yuan as given (integers when whole, blank for a candidate not hired), not floats;
        # a rank is a whole number or blank.
        for col in (*MONEY_COLUMNS, "preference_rank"):
            df[col] = pd.Series([r[col] for r in rows], index=df.index, dtype=object)
    return df


def make_summary(result: Result) -> Summary:
    a = result.rows("assignments") if result.plan else []
    counts = {
        "staff": len(result.instance.staff),
        "institutions": len(result.instance.institutions),
        "moves": sum(1 for r in a if r["moved"]),
        "hires": sum(1 for r in a if r["change"] == "hire"),
        "regularised": sum(1 for r in a if r["post_source"] == "regularised"),
    }
    pay = result.payroll if result.has_plan else None
    communities = [
        {
            "community": o.community, "status": o.status.value, "variables": o.variables,
            "constraints": o.constraints, "build_s": round(o.build_s, 4), "solve_s": round(o.solve_s, 4),
            **({"reason": o.reason, "reasons": o.reasons} if o.reason else {}),
            **({"canonical": False} if not o.canonical else {}),  # said only when not
            **({"payroll": pay["communities"][o.community]} if pay else {}),
        }
        for o in result.outcomes
    ]
    return Summary(
        instance=result.instance.name,
        mode=result.mode.value,
        solver=result.solver,
        status=result.status.value,
        objective=result.objective,
        bounds={lvl.value: None if v is None else level_value(lvl, v) for lvl, v in result.bounds.items()},
        timings_s=result.timings,
        counts=counts,
        communities=communities,
        payroll=pay["total"] if pay else {},
        requirements_derived=list(getattr(result, "derived", []) or []),
        preferences=preference_counts(result.instance, result.plan),
    )


def _cell(column: str, v: Any) -> str:
    if type(v) is str:  # most cells: ids, names, codes
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if column == "distance_km":
        return f"{v:.3f}"
    return str(v)  # str(float) is repr: what pandas writes for a float column


def _table_csv(rows: Rows, columns: list[str]) -> str:
    return csv_text(columns, ([_cell(c, r[c]) for c in columns] for r in rows))


RESULT_FILES = ("assignments.csv", "requirements.csv", "institutions.csv", "summary.json")


def write_result(result: Result, out: Path, input_files: list[Path] | None = None, force: bool = False) -> list[Path]:
    """Write the solution files (docs/cli.md) into the folder `out`; each lands whole or not
    at all. Other files in the folder are left alone; an earlier result's files are replaced
    only with `force`. Returns the paths written."""

    files = {f"{name}.csv": _table_csv(result.rows(name), COLUMNS[name]) for name in COLUMNS}
    ensure_not_input(out, RESULT_FILES, input_files or [])
    refuse_existing([out / n for n in RESULT_FILES], force)
    write_files_atomic(out, files)
    write_json_atomic(out / "summary.json", result.summary)
    return [out / n for n in [*files, "summary.json"]]


@dataclass(kw_only=True, repr=False)
class Result(Solution):
    """A solved instance, as the library hands it out: `status` (a `Status`), `objective`
    (level → value), `plan`, the pandas tables `assignments`, `requirements` and
    `institutions`, `payroll`, `summary` (summary.json as a dict) and `write(folder)`.
    Built by `staffpool.solve` (or from a `Solution` with `Result.of`); keyword arguments only.

        >>> result = staffpool.solve("instances/tiny", mode="unified")
        >>> result.objective["shortfall"]
        2
    """

    _rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, solution: Solution) -> Result:
        """The result of a solution (itself when it is one already)."""
        if isinstance(solution, Result):
            return solution
        return cls(**{f.name: getattr(solution, f.name) for f in fields(Solution)})

    @property
    def objective(self) -> dict[str, float | int]:
        """Level name → value, in solve order: whole numbers as int, distance in km to the
        metre (as summary.json holds them)."""

        return {lvl.value: level_value(lvl, v) for lvl, v in self.levels.items()}

    def __repr__(self) -> str:
        counts: dict[str, int] = self.summary["counts"] if self.has_plan else {}
        shown = ", ".join(f"{k}={v}" for k, v in counts.items() if k != "institutions")
        return (f"<Result {self.instance.name!r} mode={self.mode.value} solver={self.solver} "
                f"status={self.status.value} objective={self.objective} {shown}>")

    def rows(self, name: str) -> list[dict[str, Any]]:
        """`assignments`, `requirements` or `institutions` as a list of dicts (computed once)."""

        if name not in self._rows:
            self._rows[name] = ROWS[name](self)
        return self._rows[name]

    @property
    def assignments(self) -> pd.DataFrame:
        """One row per staff member (assignments.csv)."""

        return table(self, "assignments")

    @property
    def requirements(self) -> pd.DataFrame:
        """One row per requirement row (requirements.csv)."""

        return table(self, "requirements")

    @property
    def institutions(self) -> pd.DataFrame:
        """One row per institution (institutions.csv)."""

        return table(self, "institutions")

    @property
    def payroll(self) -> dict[str, Any]:
        """Who pays the plan's salaries, before and after (`outputs.payroll.payroll`):
        {"total": {...}, "communities": {id: {...}}}, yuan a year (computed once)."""
        if "payroll" not in self._rows:
            self._rows["payroll"] = [payroll(self.instance, self.plan, self.mode)]
        return self._rows["payroll"][0]

    @property
    def summary(self) -> dict[str, Any]:
        """summary.json as a dict (docs/cli.md): instance, mode, solver, status, objective,
        bounds, timings_s, counts, communities, payroll, requirements_derived."""

        return make_summary(self).model_dump(mode="json")

    def write(self, out: str | Path, force: bool = False) -> list[Path]:
        """Write the result files into the folder `out` (an earlier result's only with
        `force`); returns the paths written."""

        return write_result(self, Path(out), force=force)


def require_plan(result: Result) -> Result:
    """Raise InfeasibleError (exit 1) when the result holds no plan."""
    if result.status == Status.infeasible or not result.has_plan:
        what = _("infeasible") if result.status == Status.infeasible else _("no plan within the time limit")
        raise InfeasibleError(f"{result.instance.name}: {what}", result.reasons)
    return result


def solve(
    instance: Instance,
    mode: Mode | str | None = None,
    solver: str | SolverProfile = "highs",
    time_limit: float | None = None,
    workers: int = 1,
    progress: Callable[[str, Level], None] | None = None,
    on_community_done: Callable[[CommunityOutcome], None] | None = None,
    load_s: float = 0.0,
    scheduler: str | None = None,
) -> Result:
    """`solving.instance.solve_instance`, as a `Result`."""
    return Result.of(solve_instance(instance, mode, solver, time_limit, workers, progress, on_community_done,
                                    load_s, scheduler))
