"""Raw tables -> a validated `Instance`, or every problem at once.

Each check appends a `Problem` naming file, row, column, value and what is expected;
nothing stops at the first one. docs/input.md lists every message.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from .domain import (
    Community,
    Funding,
    Instance,
    Institution,
    Policy,
    Requirement,
    StaffMember,
    Status,
    Tier,
    Title,
    WorkloadKind,
    WorkloadRow,
)
from .errors import InputError, Problem
from .io import OPTIONAL_COLUMNS, TABLE_COLUMNS, RawInstance, RawTable, read_raw

E = TypeVar("E", bound=StrEnum)

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance (folder, .json or .xlsx). Raises InputError."""
    raw = read_raw(Path(path))
    return validate_raw(raw)


def check_instance(path: str | Path) -> list[Problem]:
    """Every problem of an instance (empty when it is valid)."""
    try:
        load_instance(path)
    except InputError as exc:
        return exc.problems
    return []


class _Row:
    """Typed access to one raw row, recording problems with their location."""

    def __init__(self, table: RawTable, n: int, cells: dict[str, Any], problems: list[Problem]):
        self.table, self.n, self.cells, self.problems = table, n, cells, problems
        self.ok = True

    def bad(self, column: str, value: Any, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.table.label, self.n, column, _show(value), message))

    def raw(self, column: str) -> Any:
        v = self.cells.get(column)
        if isinstance(v, str):
            v = v.strip()
            if v == "":
                return None
        return v

    def text(self, column: str, required: bool = True) -> str | None:
        v = self.raw(column)
        if v is None:
            if required:
                self.bad(column, "", "is blank: a value is required")
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v)

    def integer(self, column: str, default: int | None = None, required: bool = False) -> int | None:
        v = self.raw(column)
        if v is None:
            if required:
                self.bad(column, "", "is blank: a whole number is required")
            return default
        num = _number(v)
        if num is None:
            self.bad(column, v, "is not a number: expected a whole number ≥ 0")
            return default
        if not float(num).is_integer():
            self.bad(column, v, "is not a whole number: expected a whole number ≥ 0")
            return default
        if num < 0:
            self.bad(column, v, "is below zero: expected a whole number ≥ 0")
            return default
        return int(num)

    def number(
        self, column: str, default: float | None = None, required: bool = False, nonneg: bool = True
    ) -> float | None:
        v = self.raw(column)
        if v is None:
            if required:
                self.bad(column, "", "is blank: a number is required")
            return default
        num = _number(v)
        if num is None:
            self.bad(column, v, "is not a number")
            return default
        if nonneg and num < 0:
            self.bad(column, v, "is below zero: expected a number ≥ 0")
            return default
        return float(num)

    def boolean(self, column: str, default: bool) -> bool:
        v = self.raw(column)
        if v is None:
            return default
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)) and v in (0, 1):
            return bool(v)
        s = str(v).strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        self.bad(column, v, "is not a yes/no value: expected true/false, yes/no or 1/0")
        return default

    def enum(self, column: str, kind: type[E], required: bool = True) -> E | None:
        v = self.raw(column)
        if v is None:
            if required:
                self.bad(column, "", f"is blank: expected one of {_choices(kind)}")
            return None
        s = str(v).strip().lower()
        try:
            return kind(s)
        except ValueError:
            self.bad(column, v, f"does not exist: expected one of {_choices(kind)}")
            return None


def _choices(kind: type[StrEnum]) -> str:
    return ", ".join(m.value for m in kind)


def _show(value: Any) -> str:
    return "" if value is None else str(value)


def _number(v: Any) -> float | int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v if math.isfinite(v) else None
    try:
        f = float(str(v).strip().replace(",", ""))
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def _check_columns(table: RawTable, name: str, problems: list[Problem]) -> bool:
    """Missing columns (CSV and sheets have headers; JSON rows are checked per row)."""
    if table.columns is None:
        return True
    missing = [
        c for c in TABLE_COLUMNS[name] if c not in table.columns and c not in OPTIONAL_COLUMNS[name]
    ]
    for c in missing:
        problems.append(Problem(table.label, 1, c, "", f"column {c!r} is missing from the header"))
    return not missing


def _rows(raw: RawInstance, name: str, problems: list[Problem]) -> list[_Row]:
    table = raw.tables.get(name)
    if table is None:
        return []
    if not _check_columns(table, name, problems):
        return []
    return [_Row(table, n, cells, problems) for n, cells in table.rows]


def _policy(raw: RawInstance, problems: list[Problem]) -> Policy | None:
    data = raw.meta.get("policy") or {}
    label = raw.meta_label
    if not isinstance(data, dict):
        problems.append(Problem(label, None, "policy", _show(data), "must be a mapping of policy keys"))
        return None
    try:
        return Policy.model_validate(_lower_enums(data))
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            key = "policy." + loc if loc else "policy"
            row = raw.key_rows.get(key) or raw.key_rows.get(key.rsplit(".", 1)[0])
            value = err.get("input")
            if err["type"] == "extra_forbidden":
                msg = "is not a policy key of model.md"
            elif err["type"] == "enum":
                msg = f"does not exist: {err['msg'].removeprefix('Input should be ')}"
                msg = "does not exist: expected " + err["msg"].removeprefix("Input should be ")
            else:
                msg = err["msg"].removeprefix("Value error, ")
            shown = "" if isinstance(value, (dict, list)) else _show(value)
            problems.append(Problem(label, row, key, shown, msg))
        return None


def _lower_enums(data: dict[str, Any]) -> dict[str, Any]:
    # Enum spellings are case-insensitive in every form.
    out = dict(data)
    for key in ("mode",):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip().lower()
    if isinstance(out.get("objective"), str):
        out["objective"] = [v.strip() for v in out["objective"].split(",") if v.strip()]
    if isinstance(out.get("requirements_from"), str):
        out["requirements_from"] = [v.strip() for v in out["requirements_from"].split(",") if v.strip()]
    if isinstance(out.get("objective"), list):
        out["objective"] = [v.strip().lower() if isinstance(v, str) else v for v in out["objective"]]
    return out


def validate_raw(raw: RawInstance) -> Instance:
    problems: list[Problem] = list(raw.problems)
    policy = _policy(raw, problems)
    name = raw.meta.get("name")
    if name is None or str(name).strip() == "":
        name = raw.source.stem if raw.source.is_file() else raw.source.name
    label = raw.meta_label

    # communities
    communities: list[Community] = []
    comm_rows = _rows(raw, "communities", problems)
    if not comm_rows:
        problems.append(Problem(label, None, "communities", "", "no community is listed: at least one is required"))
    seen: dict[str, int] = {}
    for r in comm_rows:
        cid = r.text("id")
        cname = r.text("name", required=False) or ""
        budget = r.number("hiring_budget")
        max_moves = r.integer("max_moves")
        if cid is not None:
            if cid in seen:
                r.bad("id", cid, f"duplicate community id (first in row {seen[cid]})")
            else:
                seen[cid] = r.n
        if r.ok and cid is not None:
            communities.append(Community(id=cid, name=cname, hiring_budget=budget, max_moves=max_moves))
    community_ids = set(seen)

    # institutions
    institutions: list[Institution] = []
    inst_rows: dict[str, int] = {}
    for r in _rows(raw, "institutions", problems):
        iid = r.text("id")
        iname = r.text("name", required=False) or ""
        comm = r.text("community")
        tier = r.enum("tier", Tier)
        funding = r.enum("funding", Funding)
        posts = r.integer("approved_posts", default=0)
        pop = r.integer("service_population", default=0)
        x = r.number("x_km", required=True, nonneg=False)
        y = r.number("y_km", required=True, nonneg=False)
        cap = r.integer("capacity")
        if iid is not None:
            if iid in inst_rows:
                r.bad("id", iid, f"duplicate institution id (first in row {inst_rows[iid]})")
            else:
                inst_rows[iid] = r.n
        if comm is not None and comm not in community_ids and community_ids:
            r.bad("community", comm, "unknown community: not listed under communities")
        if funding == Funding.none and posts:
            r.bad("approved_posts", posts, "an institution with funding 'none' (a village clinic) has no government posts: expected 0")
        if r.ok and iid and comm and tier and funding:
            institutions.append(
                Institution(
                    id=iid, name=iname, community=comm, tier=tier, funding=funding,
                    approved_posts=posts or 0, service_population=pop or 0,
                    x_km=x or 0.0, y_km=y or 0.0, capacity=cap,
                )
            )
    inst = {i.id: i for i in institutions}
    known_inst = set(inst_rows)

    def inst_ref(r: _Row, column: str, value: str | None) -> Institution | None:
        if value is None:
            return None
        if value not in known_inst:
            r.bad(column, value, "unknown institution: not in the institutions table")
            return None
        return inst.get(value)

    # staff
    staff: list[StaffMember] = []
    staff_rows: dict[str, int] = {}
    for r in _rows(raw, "staff", problems):
        sid = r.text("id")
        sname = r.text("name", required=False) or ""
        status = r.enum("status", Status)
        title = r.enum("title", Title)
        specialty = r.text("specialty")
        post_funding = r.enum("post_funding", Funding, required=False)
        quota_holder = r.text("quota_holder", required=False)
        posted_at = r.text("posted_at", required=False)
        comm = r.text("community", required=False)
        mobile = r.boolean("mobile", True)
        due = r.boolean("grassroots_due", False)
        if sid is not None:
            if sid in staff_rows:
                r.bad("id", sid, f"duplicate staff id (first in row {staff_rows[sid]})")
            else:
                staff_rows[sid] = r.n
        posted = inst_ref(r, "posted_at", posted_at)
        holder = inst_ref(r, "quota_holder", quota_holder)
        if comm is not None and comm not in community_ids and community_ids:
            r.bad("community", comm, "unknown community: not listed under communities")
        if posted is not None:
            if comm is not None and comm != posted.community:
                r.bad("community", comm, f"disagrees with posted_at {posted.id}, which belongs to community {posted.community}")
            comm = comm or posted.community
        if status == Status.candidate:
            if posted_at is not None:
                r.bad("posted_at", posted_at, "a candidate is not posted yet: leave posted_at blank")
            if comm is None:
                r.bad("community", "", "a candidate needs the community they apply to")
        elif status is not None and posted_at is None:
            r.bad("posted_at", "", f"is blank: a {status.value} member must be posted somewhere")
        if status == Status.on_staff:
            if post_funding is None:
                r.bad("post_funding", "", "an on_staff member holds a post: expected full or differential")
            elif post_funding == Funding.none:
                r.bad("post_funding", post_funding.value, "a post is funded: expected full or differential")
            if quota_holder is None:
                r.bad("quota_holder", "", "an on_staff member's post belongs to an institution's quota: give it")
            if holder is not None:
                if post_funding is not None and post_funding != Funding.none and holder.funding != post_funding:
                    r.bad("quota_holder", quota_holder, f"{holder.id} has funding {holder.funding.value}, but post_funding is {post_funding.value}")
                if comm is not None and holder.community != comm:
                    r.bad("quota_holder", quota_holder, f"{holder.id} belongs to community {holder.community}, not {comm}: posts never cross communities")
        elif status is not None:
            if post_funding is not None:
                r.bad("post_funding", post_funding.value, f"a {status.value} holds no post: leave post_funding blank")
            if quota_holder is not None:
                r.bad("quota_holder", quota_holder, f"a {status.value} holds no post: leave quota_holder blank")
        if due and title is not None and title != Title.attending:
            r.bad("grassroots_due", "true", f"only attendings owe grassroots service; this member is {title.value}")
        if r.ok and sid and status and title and specialty and comm:
            staff.append(
                StaffMember(
                    id=sid, name=sname, status=status, title=title, specialty=specialty,
                    post_funding=post_funding, quota_holder=quota_holder, posted_at=posted_at,
                    community=comm, mobile=mobile, grassroots_due=due,
                )
            )

    # requirements
    requirements: list[Requirement] = []
    for r in _rows(raw, "requirements", problems):
        iid = r.text("institution")
        inst_ref(r, "institution", iid)
        specialty = r.text("specialty")
        min_title = r.enum("min_title", Title)
        need = r.integer("need", required=True)
        weight = r.number("weight", default=1.0)
        if r.ok and iid and specialty and min_title is not None and need is not None:
            requirements.append(
                Requirement(institution=iid, specialty=specialty, min_title=min_title, need=need, weight=weight if weight is not None else 1.0)
            )

    workload = _workload(raw, problems, inst_ref, policy)

    if problems:
        raise InputError(problems)
    assert policy is not None
    return Instance(
        name=str(name),
        policy=policy,
        communities=tuple(communities),
        institutions=tuple(institutions),
        staff=tuple(staff),
        requirements=tuple(requirements),
        workload=tuple(workload),
    )


def _workload(raw: RawInstance, problems: list[Problem], inst_ref: Any, policy: Policy | None) -> list[WorkloadRow]:
    rows = _rows(raw, "workload", problems)
    out: list[WorkloadRow] = []
    support: dict[tuple[str, str, str], float] = {}
    first_row: dict[tuple[str, str, str], _Row] = {}
    for r in rows:
        iid = r.text("institution")
        inst_ref(r, "institution", iid)
        specialty = r.text("specialty")
        min_title = r.enum("min_title", Title)
        activity = r.text("activity")
        kind = r.enum("kind", WorkloadKind)
        volume = r.number("annual_volume")
        unit = r.number("unit_minutes")
        hours = r.number("hours_per_year")
        doing = r.number("staff_doing")
        if kind == WorkloadKind.service:
            if volume is None and r.raw("annual_volume") is None:
                r.bad("annual_volume", "", "a service activity needs its annual volume")
            if unit is None and r.raw("unit_minutes") is None:
                r.bad("unit_minutes", "", "a service activity needs the minutes one unit takes")
            elif unit == 0:
                r.bad("unit_minutes", r.raw("unit_minutes"), "a unit cannot take zero minutes")
        elif kind in (WorkloadKind.support, WorkloadKind.individual):
            if hours is None and r.raw("hours_per_year") is None:
                r.bad("hours_per_year", "", f"a {kind.value} activity needs hours_per_year")
            if kind == WorkloadKind.individual and doing is None and r.raw("staff_doing") is None:
                r.bad("staff_doing", "", "an individual activity needs staff_doing (how many do it)")
        if r.ok and iid and specialty and min_title is not None and activity and kind:
            row = WorkloadRow(
                institution=iid, specialty=specialty, min_title=min_title, activity=activity,
                kind=kind, annual_volume=volume, unit_minutes=unit, hours_per_year=hours,
                staff_doing=doing,
            )
            out.append(row)
            key = (iid, specialty, min_title.value)
            first_row.setdefault(key, r)
            if kind == WorkloadKind.support:
                support[key] = support.get(key, 0.0) + (hours or 0.0)
    if policy is not None:
        awt = policy.wisn.awt_hours
        for key, r in first_row.items():
            used = support.get(key, 0.0)
            if awt <= 0 or 1 - used / awt <= 0:
                r.bad(
                    "hours_per_year", _show(used),
                    f"support activities of cadre {'/'.join(key)} take {used:g} h of {awt:g} available working hours: the CAF denominator 1 - support/AWT must be > 0",
                )
    return out
