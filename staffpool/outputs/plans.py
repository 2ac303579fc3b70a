"""Every plan folder is read here: one `solve` folder, or a `plan` folder year by year, checked to fit the instance."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from staffpool.check import check_plan
from staffpool.constants import Status
from staffpool.domain.instance import (
    Instance,
    Mode,
    StaffStatus,
)
from staffpool.domain.plan import Assignment, Plan, PostSource
from staffpool.domain.years import advance, year_view
from staffpool.errors import InputError, Problem, UsageError
from staffpool.i18n import _
from staffpool.inputs.read import unneutralise_text
from staffpool.outputs.results import Result
from staffpool.solving.horizon import HorizonPlan, YearPlan


def read_plan_summary(path: Path) -> dict[str, Any]:
    """The summary.json beside a plan (a folder, or its assignments.csv), or {} when there is
    none or it cannot be read: what the solve recorded (mode, status, objective)."""
    import json

    file = path / "summary.json" if path.is_dir() else path.parent / "summary.json"
    if not file.is_file():
        return {}
    try:
        meta = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return {}
    return meta if isinstance(meta, dict) else {}


def read_plan(path: Path, instance: Instance) -> Plan:
    """Read assignments.csv (ours or hand-written). Bad rows raise InputError."""
    file = path / "assignments.csv" if path.is_dir() else path
    label = file.name
    if not file.exists():
        raise InputError([Problem(label, None, "", "", _("missing: expected a plan at {path}").format(path=file))])
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError([Problem(label, None, "", "", _("is not UTF-8 text"))]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    cols = reader.fieldnames or []
    for need in ("staff_id", "to_institution"):
        if need not in cols:
            problems.append(Problem(label, 1, need, "", _("column {column!r} is missing from the header").format(column=need)))
    if problems:
        raise InputError(problems)
    plan: Plan = {}
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
    if problems:
        raise InputError(problems)
    return plan



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


def read_horizon_plan(instance: Instance, folder: Path) -> HorizonPlan:
    """A folder written by `plan`, read back year by year against the world the years
    before leave (each year must fit and obey every rule; InputError otherwise); the levels
    are the checker's. Kind and status come from its summary.json."""

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
        years.append(YearPlan(int(sub.name), Result(instance=view, mode=fitted.mode, solver="plan", status=status, levels=objective, plan=fitted.plan)))
        current = advance(current, fitted.plan)
    kind = str(meta.get("kind") or "plan")
    return HorizonPlan(instance, kind, years, True, [])

