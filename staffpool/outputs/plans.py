"""Every plan folder is read here, one way: `check`, `report --plan`, `advance`, `solve --from`
and the library all come through `read_plan_folder`.

A folder written by `solve` holds assignments.csv and summary.json; one written by `plan`
holds DIR/<year>/ of those and DIR/summary.json. The mode a plan is read in is `--mode`
when the user gives one, else the one its summary.json records; a summary.json that is
missing, unreadable or records no mode is then a problem (exit 2) naming the file, never
quietly the policy's mode.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from staffpool.check import check_plan
from staffpool.constants import Status, level_tolerance
from staffpool.domain.demand import derive_requirements
from staffpool.domain.instance import Instance, Mode, StaffStatus
from staffpool.domain.plan import Assignment, Plan, PostSource
from staffpool.domain.years import advance, year_view
from staffpool.errors import InfeasibleError, InputError, Problem, UsageError
from staffpool.i18n import _, ngettext
from staffpool.inputs.read import unneutralise_text
from staffpool.outputs.results import Result

SUMMARY = "summary.json"
ASSIGNMENTS = "assignments.csv"
MODES = tuple(m.value for m in Mode)


def summary_file(path: Path) -> Path:
    """The summary.json of a plan: in the folder, or beside the assignments.csv given."""
    return path / SUMMARY if path.is_dir() else path.parent / SUMMARY


def read_plan_summary(path: Path, required: bool = True) -> dict[str, Any]:
    """What the solve recorded beside a plan (a folder, or its assignments.csv): its
    summary.json as a dict. Missing, unreadable or not a JSON object: InputError naming the
    file when `required`, else {}."""

    file = summary_file(path)
    problem = None
    meta: Any = None
    if not file.is_file():
        problem = _("missing: it records the plan's mode; give the mode with --mode")
    else:
        try:
            meta = json.loads(file.read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            problem = _("is not valid JSON: give the plan's mode with --mode, or write the plan again")
        except OSError as exc:
            problem = _("cannot be read ({error}); give the plan's mode with --mode").format(error=exc.strerror or exc)
        else:
            if not isinstance(meta, dict):
                problem = _("is not a JSON object: give the plan's mode with --mode, or write the plan again")
    if problem is not None:
        if required:
            raise InputError([Problem(str(file), None, "", "", problem)])
        return {}
    assert isinstance(meta, dict)
    return meta


def _mode_of(path: Path, recorded: dict[str, Any], given: Mode | str | None) -> Mode:
    """`given` when there is one, else the mode `recorded` in the plan's summary.json."""
    if given is not None:
        return Mode(given)
    value = recorded.get("mode")
    if value in MODES:
        return Mode(value)
    raise InputError([Problem(str(summary_file(path)), None, "mode", "" if value is None else str(value),
                              _("records no mode (separate, county_pool or unified); give the plan's mode with --mode"))])


def _csv_rows(file: Path, missing: str) -> csv.DictReader[str]:
    """A CSV file a command wrote (or a user made like it), UTF-8 with or without a BOM;
    InputError naming it when it is missing (`missing`: what to say) or not UTF-8."""
    if not file.exists():
        raise InputError([Problem(file.name, None, "", "", missing)])
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError([Problem(file.name, None, "", "", _("is not UTF-8 text"))]) from None
    return csv.DictReader(io.StringIO(text, newline=""))


def _read_assignments(path: Path, instance: Instance) -> tuple[Plan, dict[str, tuple[int, str]], dict[str, str] | None]:
    """assignments.csv (ours or hand-written) as a plan, and each staff member's row number and
    `from_institution`. Bad rows raise InputError."""
    file = path / ASSIGNMENTS if path.is_dir() else path
    label = file.name
    reader = _csv_rows(file, _("missing: expected a plan at {path}").format(path=file))
    problems: list[Problem] = []
    cols = reader.fieldnames or []
    for need in ("staff_id", "to_institution"):
        if need not in cols:
            problems.append(Problem(label, 1, need, "", _("column {column!r} is missing from the header").format(column=need)))
    if problems:
        raise InputError(problems)
    plan: Plan = {}
    rows: dict[str, tuple[int, str]] = {}
    ranks: dict[str, str] | None = {} if "preference_rank" in cols else None
    staff = instance.staff_by_id
    for n, raw in enumerate(reader, start=2):
        row = {k: unneutralise_text(v) if isinstance(v, str) else v for k, v in raw.items()}  # as written by solve
        sid = (row.get("staff_id") or "").strip()
        if not sid:
            continue
        if sid not in staff:
            problems.append(Problem(label, n, "staff_id", sid, _("unknown staff member")))
            continue
        if sid in plan:
            problems.append(Problem(label, n, "staff_id", sid, _("the staff member has two rows")))
            continue
        to = (row.get("to_institution") or "").strip() or None
        if to is not None and to not in instance.institution_by_id:
            problems.append(Problem(label, n, "to_institution", to, _("unknown institution")))
            continue
        source = (row.get("post_source") or "").strip() or None
        funding = (row.get("post_funding") or "").strip() or None
        s = staff[sid]
        if source is None and "post_source" not in cols:
            # A hand-written plan may leave the post columns out: infer the obvious.
            if s.status == StaffStatus.on_staff:
                source = PostSource.existing
            elif s.status == StaffStatus.candidate and to:
                source = PostSource.hired
        if s.status == StaffStatus.on_staff and funding is None and source == PostSource.existing:
            funding = s.post_funding.value if s.post_funding else None
        if source not in (None, PostSource.existing, PostSource.regularised, PostSource.hired):
            problems.append(Problem(label, n, "post_source", source, _("expected existing, regularised, hired or blank")))
            continue
        plan[sid] = Assignment(sid, to, funding, source)
        rows[sid] = (n, (row.get("from_institution") or "").strip())
        if ranks is not None:
            ranks[sid] = row.get("preference_rank") or ""
    if problems:
        raise InputError(problems)
    return plan, rows, ranks


def read_plan(path: Path, instance: Instance) -> Plan:
    """Only the assignments of a plan folder (or of an assignments.csv), as a plan: no mode
    needed (the rotation reads a plan this way). Bad rows raise InputError."""
    return _read_assignments(path, instance)[0]


ROTATION = "rotation.csv"


def read_rotation(path: Path) -> list[dict[str, str]]:
    """rotation.csv (of a folder written by `rotate --out`, or the file) as its rows, for
    `check.check_rotation`. A missing file, column or a window that is not a whole number
    raises InputError naming it."""
    file = path / ROTATION if path.is_dir() else path
    label = file.name
    reader = _csv_rows(file, _("missing: expected a rotation at {path}").format(path=file))
    cols = reader.fieldnames or []
    problems = [Problem(label, 1, need, "", _("column {column!r} is missing from the header").format(column=need))
                for need in ("staff_id", "host", "window") if need not in cols]
    rows = []
    for n, raw in enumerate(reader, start=2):
        row = {k: unneutralise_text(v).strip() if isinstance(v, str) else "" for k, v in raw.items() if k}
        if not row.get("staff_id"):
            continue
        if not row.get("window", "").isdigit():
            problems.append(Problem(label, n, "window", row.get("window", ""), _("is not a whole number")))
        rows.append(row)
    if problems:
        raise InputError(problems)
    return rows


@dataclass
class PlanFolder:
    """A plan read back from a folder: who goes where, the mode it is read in, what its
    summary.json recorded ({} when the user gave the mode and it has none), and each staff
    member's row of assignments.csv (row number, `from_institution`)."""

    plan: Plan
    mode: Mode
    recorded: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, tuple[int, str]] = field(default_factory=dict)
    ranks: dict[str, str] | None = None  # assignments.csv `preference_rank` by staff id (None: no column)


def read_plan_folder(path: Path, instance: Instance, mode: Mode | str | None = None) -> PlanFolder:
    """The one reader of a plan folder written by `solve` (or of an assignments.csv, ours or
    hand-written): its assignments, and the mode: `mode` when given, else the one its
    summary.json records (InputError naming summary.json when it is missing, unreadable or
    records none). Nothing here checks the rules (see `read_fitting_plan`)."""

    plan, rows, ranks = _read_assignments(path, instance)
    recorded = read_plan_summary(path, required=mode is None)
    return PlanFolder(plan, _mode_of(path, recorded, mode), recorded, rows, ranks)


def fit_problems(instance: Instance, plan: Plan, mode: Mode, rows: dict[str, tuple[int, str]] | None = None,
                 label: str = ASSIGNMENTS) -> list[Problem]:
    """What keeps `plan` from being a plan of `instance` (the year it starts with): a row for
    everyone present, starting where the instance has them (when `rows` give
    `from_institution`), and every hard rule holding in `mode`."""
    problems: list[Problem] = []
    for s in instance.staff:
        if s.id not in plan:
            problems.append(Problem(label, None, "staff_id", s.id,
                                    _("no row for this staff member: is the plan of another instance or year?")))
            continue
        n, start = rows[s.id] if rows is not None and s.id in rows else (None, "")
        if start and start != (s.posted_at or ""):
            where = s.posted_at or _("no institution (a candidate)")
            problems.append(Problem(label, n, "from_institution", start,
                                    _("the instance has {staff} at {where}: is the plan of another instance or year?")
                                    .format(staff=s.id, where=where)))
    if not problems:
        for v in check_plan(instance, plan, mode).violations:
            at = rows[v.subject][0] if rows is not None and v.subject in rows else None
            problems.append(Problem(label, at, "to_institution" if at else "", v.subject,
                                    _("the plan breaks rule {rule!r}: {message}").format(rule=v.rule, message=v.message)))
    return problems


def read_fitting_plan(folder: Path, instance: Instance, mode: Mode | str | None = None) -> PlanFolder:
    """A folder written by `solve` (for the year `instance` starts with), read by
    `read_plan_folder` and checked to fit the instance (`fit_problems`). Problems name
    assignments.csv and the row; raises InputError."""
    view = year_view(instance)
    folder_plan = read_plan_folder(folder, view, mode)
    problems = fit_problems(view, folder_plan.plan, folder_plan.mode, folder_plan.rows)
    if problems:
        raise InputError(problems)
    return folder_plan


def plan_years(folder: Path) -> list[Path]:
    """The year folders of a folder written by `plan`, in order (empty for a `solve` folder)."""
    if (folder / ASSIGNMENTS).is_file():
        return []
    return sorted((p for p in folder.iterdir() if p.is_dir() and p.name.isdigit() and (p / ASSIGNMENTS).is_file()),
                  key=lambda p: int(p.name)) if folder.is_dir() else []


def _in_year(sub: Path, exc: InputError) -> InputError:
    """The problems of one year's folder, named `<year>/file` (a summary.json by its path already)."""
    return InputError([Problem(p.file if "/" in p.file or "\\" in p.file else f"{sub.name}/{p.file}", p.row, p.column,
                               p.value, p.message) for p in exc.problems])


def advance_from(instance: Instance, folder: Path, mode: Mode | str | None = None) -> Instance:
    """The world after the plan in `folder`: a `solve` folder (one year) or a `plan` folder
    (every year of it, in turn), each year read in `mode` or the one its summary.json
    records. Raises InputError when it does not fit the instance."""

    if not folder.is_dir():
        raise UsageError(_("{folder}: not a folder written by solve or plan").format(folder=folder))
    years = plan_years(folder)
    if not years:
        if not (folder / ASSIGNMENTS).is_file():
            raise InputError([Problem(ASSIGNMENTS, None, "", "", _("missing from {folder}: expected a folder written by solve or plan").format(folder=folder))])
        return advance(instance, read_fitting_plan(folder, instance, mode).plan)
    current = instance
    for sub in years:
        if current.horizon.start is not None and int(sub.name) != current.horizon.start:
            raise InputError([Problem(f"{sub.name}/{ASSIGNMENTS}", None, "", "",
                                      _("the plan's year {year} is not the instance's next year {next}").format(
                                          year=sub.name, next=current.horizon.start))])
        try:
            current = advance(current, read_fitting_plan(sub, current, mode).plan)
        except InputError as exc:
            raise _in_year(sub, exc) from None
    return current


def result_from_plan(instance: Instance, plan: Plan, mode: Mode, solver: str = "plan",
                     recorded: dict[str, Any] | None = None) -> Result:
    """A `Result` for a plan read from a folder (no solver run): checked, and its levels
    recomputed, by the checker. A plan that breaks a hard rule raises InfeasibleError
    (exit 1) with the violations.

    Status: the checker proves every rule holds, not optimality. The status the solve
    recorded (`recorded`: its summary.json) is kept only when it was for this mode and its
    levels are the checker's (the plan is the one the solver reported on); otherwise the
    plan is `feasible`."""

    derived: list[dict[str, Any]] = []
    if instance.policy.requirements_from:
        instance, derived = derive_requirements(instance)
    report = check_plan(instance, plan, mode)
    if not report.ok:
        n = len(report.violations)
        raise InfeasibleError(ngettext("{instance}: the plan breaks {n} hard rule", "{instance}: the plan breaks {n} hard rules",
                                       n).format(instance=instance.name, n=n), [str(v) for v in report.violations])
    objective = {lvl: report.levels[lvl] for lvl in instance.policy.objective}
    st = Status.feasible
    meta = recorded or {}
    claimed = meta.get("status")
    levels = meta.get("objective")
    if (claimed in (Status.optimal, Status.time_limit) and meta.get("mode") == mode.value
            and isinstance(levels, dict) and set(levels) == {lvl.value for lvl in objective}
            and all(isinstance(levels[lvl.value], int | float)
                    and abs(levels[lvl.value] - v) <= level_tolerance(v) + 5e-4 * (lvl.value == "distance")
                    for lvl, v in objective.items())):
        st = Status(claimed)
    return Result(instance=instance, mode=mode, solver=solver, status=st, levels=objective, plan=plan, derived=derived)


def read_plan_result(path: Path, instance: Instance, mode: Mode | str | None = None) -> Result:
    """The plan of a folder written by `solve --out` (or an assignments.csv) as a `Result`
    of the instance's first year, read by `read_plan_folder` (mode: `mode`, else its
    summary.json's), with the status `result_from_plan` decides."""

    view = year_view(instance)  # a plan is of one year: the first of a horizon
    folder_plan = read_plan_folder(path, view, mode)
    solver = str(folder_plan.recorded.get("solver") or "plan")
    return result_from_plan(view, folder_plan.plan, folder_plan.mode, solver, folder_plan.recorded)


