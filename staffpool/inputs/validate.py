"""Raw tables -> a validated `Instance`, or every problem at once.

Each check appends a `Problem` naming file, row, column, value and what is expected;
nothing stops at the first one. docs/input.md lists every message.

Tables are checked a column at a time (`_Columns`): a cell's check depends on the cell
alone, so a column that repeats a handful of texts (titles, statuses, specialties) has
each checked once; then the rules between the cells of a row run over plain lists, and
the rows that pass become models in one pydantic call. A province's 110,000 staff load
several times faster than row by row, and the problems come out in the same order, with
the same words, as a row-by-row check gives them.
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import cache, partial
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from staffpool.domain.instance import (
    Budget,
    Community,
    Funding,
    Horizon,
    Instance,
    Institution,
    Level,
    Pin,
    Policy,
    Preference,
    Requirement,
    StaffMember,
    StaffStatus,
    Tier,
    Title,
    WorkloadKind,
    WorkloadRow,
)
from staffpool.errors import InputError, Problem
from staffpool.i18n import _, language
from staffpool.inputs import labels
from staffpool.inputs.aliases import VALUE_ALIASES, value_lookup
from staffpool.inputs.read import OPTIONAL_COLUMNS, REQUIRED_TABLES, TABLE_COLUMNS, RawInstance, RawTable, read_raw

M = TypeVar("M", bound=BaseModel)

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}
_TEXT_CELLS = {str, type(None)}


def load_instance(path: str | Path, strict: bool = False) -> Instance:
    """Read and validate an instance (folder, .json or .xlsx). Raises InputError.

    Its warnings (unknown columns and files, repeated requirement rows, empty tables) are dropped; `load_with_warnings` returns
    them, and `strict=True` makes them problems."""
    return load_with_warnings(path, strict)[0]


def load_with_warnings(path: str | Path, strict: bool = False) -> tuple[Instance, list[Problem]]:
    """The instance and its warnings (what was ignored: unknown columns, sheets, files; what
    loads but is seldom meant: a requirement row given twice, a required table without rows).

    Raises InputError, carrying the warnings too; with `strict` every warning is a problem."""
    with _collector_paused():
        raw = read_raw(Path(path))
        return validate_raw(raw, strict), raw.warnings


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while an instance loads.

    Loading makes a million or more small objects (cells, rows, models) that all live on,
    and none of them form cycles: the collector would rescan them again and again for
    nothing, which took about a third of the load time of a 110,000-staff instance.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# ---------------------------------------------------------------- one cell

# A checked cell: the value the row goes on with, and its problem as (value shown, message)
# or None. A bad cell still gives a value (the default, or None) so the rules between the
# cells of its row run as they would for a blank cell.
Cell = tuple[Any, tuple[str, str] | None]


def _clean(v: Any) -> Any:
    """A cell as the checks see it: text trimmed, blank text as None."""
    if isinstance(v, str):
        v = v.strip()
        if v == "":
            return None
    return v


def _text(v: Any, required: bool = True) -> Cell:
    if v.__class__ is str:  # the usual cell, cleaned here: this runs for every id and name
        v = v.strip() or None
    else:
        v = _clean(v)
    if v is None:
        return None, ("", _("is blank: a value is required")) if required else None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v), None


def _integer(v: Any, default: int | None = None, required: bool = False) -> Cell:
    v = _clean(v)
    if v is None:
        return default, ("", _("is blank: a whole number is required")) if required else None
    num = _number(v)
    if num is None:
        return default, (_show(v), _("is not a number: expected a whole number ≥ 0"))
    if not float(num).is_integer():
        return default, (_show(v), _("is not a whole number: expected a whole number ≥ 0"))
    if num < 0:
        return default, (_show(v), _("is below zero: expected a whole number ≥ 0"))
    return int(num), None


def _float(v: Any, default: float | None = None, required: bool = False, nonneg: bool = True) -> Cell:
    v = _clean(v)
    if v is None:
        return default, ("", _("is blank: a number is required")) if required else None
    num = _number(v)
    if num is None:
        return default, (_show(v), _("is not a number"))
    if nonneg and num < 0:
        return default, (_show(v), _("is below zero: expected a number ≥ 0"))
    return float(num), None


def _boolean(v: Any, default: bool) -> Cell:
    v = _clean(v)
    if v is None:
        return default, None
    if isinstance(v, bool):
        return v, None
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v), None
    s = str(v).strip()
    s = _BOOLEAN_ALIASES.get(s, s).lower()
    if s in _TRUE:
        return True, None
    if s in _FALSE:
        return False, None
    if s.isascii() and language() != "zh":
        return default, (_show(v), _("is not a yes/no value: expected true/false, yes/no or 1/0"))
    return default, (_show(v), _("is not a yes/no value: expected true/false, yes/no, 1/0 or 是/否"))


def _enum(v: Any, kind: type[StrEnum], required: bool = True) -> Cell:
    v = _clean(v)
    if v is None:
        return None, (("", _("is blank: expected one of {choices}").format(choices=_choices(kind))) if required else None)
    s = str(v).strip()
    try:
        return kind(s.lower()), None
    except ValueError:
        pass
    aliases = _ENUM_ALIASES.get(kind, "")
    code = value_lookup(aliases).get(s)
    if code is not None:
        return kind(code), None
    if (s.isascii() and language() != "zh") or not aliases:  # in Chinese, the Chinese names too
        return None, (_show(v), _("does not exist: expected one of {choices}").format(choices=_choices(kind)))
    choices = _choices(kind, aliases)
    return None, (_show(v), _("does not exist: expected one of {choices}").format(choices=choices))


def _specialty(v: Any, required: bool = True) -> Cell:
    """A specialty: free text, a common one also by its Chinese name (`全科`), `全部` for `*`."""
    s, problem = _text(v, required)
    return _SPECIALTY_ALIASES.get(s, s) if s is not None else s, problem


def _windows(v: Any) -> Cell:
    """rotation_windows: whole numbers ≥ 1 separated by `;` (a JSON list too); blank: any window."""
    v = _clean(v)
    if v is None:
        return (), None
    parts = list(v) if isinstance(v, (list, tuple)) else [v] if isinstance(v, (int, float)) else \
        [p.strip() for p in re.split(r"[;；]", str(v))]
    out: set[int] = set()
    for part in parts:
        num = _number(part) if part != "" else None
        if num is None or not float(num).is_integer() or num < 1:
            return (), (_show(v), _("is not a list of windows: expected whole numbers from 1, separated by ';'"))
        out.add(int(num))
    return tuple(sorted(out)), None


def _raw(v: Any) -> Cell:
    """The cleaned cell itself (a rule asks whether it was blank)."""
    return _clean(v), None


def _choices(kind: type[StrEnum], aliases: str = "") -> str:
    """`chief, resident`; with the other names of a kind of value `chief (主任医师), …`."""
    if not aliases:
        return ", ".join(m.value for m in kind)
    names = VALUE_ALIASES.get(aliases, {})
    return ", ".join(f"{m.value} ({', '.join(names[m.value])})" if names.get(m.value) else m.value for m in kind)


# The kind of value (in aliases.VALUE_ALIASES) of each enum read from a cell.
_ENUM_ALIASES: dict[type[StrEnum], str] = {Tier: "tier", Funding: "funding", StaffStatus: "status", Title: "title",
                                           WorkloadKind: "kind"}
_BOOLEAN_ALIASES = value_lookup("boolean")
_SPECIALTY_ALIASES = value_lookup("specialty")


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


# ---------------------------------------------------------------- one table


class _Columns:
    """One raw table, checked a column at a time; its problems reported row by row.

    `column()` checks every cell of a column and keeps each bad cell's problem under its
    row; `rows()` then walks the rows, reporting a row's cell problems before the caller's
    rules between its cells report theirs (`bad`). Call `column()` in the order a reader
    goes through a row: that is the order of the problems within it.
    """

    def __init__(self, table: RawTable | None, problems: list[Problem], unread: bool = False):
        self._table = table
        self.unread = unread  # the table exists but could not be read (or lacks a column)
        self.label = table.label if table is not None else ""
        self.numbers = table.numbers if table is not None else []
        self._problems = problems
        self._cell_problems: dict[int, list[Problem]] = {}
        self._bad: set[int] = set()

    def __len__(self) -> int:
        return len(self.numbers)

    def column(self, name: str, check: Callable[[Any], Cell]) -> list[Any]:
        """The checked value of every cell of column `name` (None where a row lacks it)."""
        cells = self._table.column(name) if self._table is not None else ()
        # Only text and blanks (every cell of a CSV) can share a check: 1, 1.0 and True
        # of a JSON file are one dict key but different cells.
        distinct = set(cells) if set(map(type, cells)) <= _TEXT_CELLS else None
        if distinct is not None and len(distinct) * 4 <= len(cells):
            # Few texts, repeated (a title, a status): check each once.
            memo = {v: check(v) for v in distinct}
            checked = list(map(memo.__getitem__, cells))
        else:
            checked = [check(v) for v in cells]
        if any(map(_problem, checked)):
            for i, (_v, problem) in enumerate(checked):
                if problem is not None:
                    self._bad.add(i)
                    shown, message = problem
                    self._cell_problems.setdefault(i, []).append(Problem(self.label, self.numbers[i], name, shown, message))
        return list(map(_value, checked))

    def rows(self) -> Iterator[int]:
        """Row positions in order, each after its cell problems are reported."""
        for i in range(len(self.numbers)):
            found = self._cell_problems.get(i)
            if found:
                self._problems.extend(found)
            yield i

    def bad(self, i: int, column: str, value: Any, message: str) -> None:
        self._bad.add(i)
        self._problems.append(Problem(self.label, self.numbers[i], column, _show(value), message))

    def ok(self, i: int) -> bool:
        """No problem in row i so far."""
        return i not in self._bad


_value, _problem = itemgetter(0), itemgetter(1)


def _models(kind: type[M], rows: list[dict[str, Any]]) -> list[M]:
    """The models of rows that passed every check, still validated by pydantic, in one call
    (a call per row costs up to twice as much for 100,000 staff)."""
    return _list_adapter(kind).validate_python(rows)


@cache
def _list_adapter(kind: type[M]) -> TypeAdapter[list[M]]:
    return TypeAdapter(list[kind])  # type: ignore[valid-type]


def _check_columns(table: RawTable, name: str, problems: list[Problem]) -> bool:
    """Missing columns (CSV and sheets have headers; JSON rows are checked per row)."""
    if table.columns is None:
        return True
    missing = [
        c for c in TABLE_COLUMNS[name] if c not in table.columns and c not in OPTIONAL_COLUMNS[name]
    ]
    found = ", ".join(h for h in table.found or table.columns if h)
    for c in missing:
        problems.append(Problem(table.label, 1, c, "", _("column {column!r} is missing from the header (headers found: {found})")
                                .format(column=c, found=found)))
    return not missing


def _columns(raw: RawInstance, name: str, problems: list[Problem]) -> _Columns:
    """A table to check; no rows when it is absent or its header lacks a column."""
    table = raw.tables.get(name)
    if table is None:
        return _Columns(None, problems, name in raw.unreadable)
    if not _check_columns(table, name, problems):
        return _Columns(None, problems, True)
    return _Columns(table, problems)


def _enum_choices(err: Any) -> str:
    """An enum error's choices; in a language with labels for them, each label with its code:
    "各自管理（separate）、县管乡用（county_pool）、统一管理（unified）"."""
    choices = str(err["msg"]).removeprefix("Input should be ")
    codes = re.findall(r"'([^']*)'", choices)
    kind = str(err["loc"][-1]) if err["loc"] else ""
    if not codes or all(labels.value(kind, c) == c for c in codes):
        return choices
    return labels.joined([labels.named(labels.value(kind, c), c) for c in codes])


def _policy(raw: RawInstance, problems: list[Problem]) -> Policy | None:
    data = raw.meta.get("policy") or {}
    label = raw.meta_label
    if not isinstance(data, dict):
        problems.append(Problem(label, None, "policy", _show(data), _("must be a mapping of policy keys")))
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
                msg = _("is not a policy key of model.md")
            elif err["type"] == "enum":
                msg = _("does not exist: expected {choices}").format(choices=_enum_choices(err))
            else:
                msg = _pydantic_message(err)
            shown = "" if isinstance(value, (dict, list)) else _show(value)
            problems.append(Problem(label, row, key, shown, msg))
        return None




def _pydantic_message(err: Any) -> str:
    """pydantic's English for a policy value, in staffpool's words (and so translated)."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in ("float_parsing", "float_type", "finite_number"):
        return _("is not a number")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("is not a whole number")
    if kind in ("bool_parsing", "bool_type"):
        return _("is not a yes/no value: expected true/false, yes/no or 1/0")
    if kind == "greater_than_equal":
        return _("must be at least {limit}").format(limit=ctx.get("ge"))
    if kind == "greater_than":
        return _("must be more than {limit}").format(limit=ctx.get("gt"))
    if kind == "less_than_equal":
        return _("must be at most {limit}").format(limit=ctx.get("le"))
    if kind == "less_than":
        return _("must be less than {limit}").format(limit=ctx.get("lt"))
    if kind in ("list_type", "tuple_type"):
        return _("must be a list")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("must be a mapping of keys")
    if kind == "string_type":
        return _("must be text")
    if kind == "missing":
        return _("is missing")
    # value_error: our own validators' messages, already translated when raised
    return str(err["msg"]).removeprefix("Value error, ")


def _lower_enums(data: dict[str, Any]) -> dict[str, Any]:
    # Enum spellings are case-insensitive in every form.
    out = dict(data)
    for key in ("mode",):
        if isinstance(out.get(key), str):
            out[key] = value_lookup("mode").get(out[key].strip(), out[key].strip().lower())  # 统一管理 too
    if isinstance(out.get("objective"), str):
        out["objective"] = [v.strip() for v in out["objective"].split(",") if v.strip()]
    if isinstance(out.get("requirements_from"), str):
        out["requirements_from"] = [v.strip() for v in out["requirements_from"].split(",") if v.strip()]
    if isinstance(out.get("objective"), list):
        levels = value_lookup("level")
        out["objective"] = [levels.get(v.strip(), v.strip().lower()) if isinstance(v, str) else v for v in out["objective"]]
    return out



def validate_raw(raw: RawInstance, strict: bool = False) -> Instance:
    problems: list[Problem] = list(raw.problems) + (list(raw.warnings) if strict else [])
    policy = _policy(raw, problems)
    name = raw.meta.get("name")
    if name is None or str(name).strip() == "":
        name = raw.source.stem if raw.source.is_file() else raw.source.name
    # Each table is checked whole before the next, in this order: so are its problems.
    horizon = _horizon(raw, problems)
    communities, community_ids = _communities(raw, problems)
    institutions, known_inst = _institutions(raw, problems, community_ids)
    staff = _staff(raw, problems, community_ids, institutions, known_inst, horizon,
                   policy.rotation.windows if policy is not None else None)
    suspicious: list[Problem] = []
    requirements = _requirements(raw, problems, known_inst, horizon, suspicious)
    workload = _workload(raw, problems, known_inst, policy)
    pins = _pins(raw, problems, staff, institutions, known_inst, horizon)
    budgets = _budgets(raw, problems, community_ids, horizon)
    preferences = _preferences(raw, problems, staff, institutions, known_inst)
    if preferences and policy is not None and "objective" in policy.model_fields_set \
            and Level.preference not in policy.objective:
        suspicious.append(Problem(raw.meta_label, raw.key_rows.get("policy.objective"), "policy.objective", "",
                                  _("does not name preference: the wishes of preferences.csv are reported but not optimised")))
    suspicious[:0] = _empty_tables(raw, policy)
    raw.warnings.extend(suspicious)  # load_with_warnings hands them on with the others
    if strict:
        problems.extend(suspicious)

    if problems:
        raise InputError(problems, [] if strict else raw.warnings)
    assert policy is not None
    return Instance(
        name=str(name),
        policy=policy,
        communities=tuple(communities),
        institutions=tuple(institutions),
        staff=tuple(staff),
        requirements=tuple(requirements),
        workload=tuple(workload),
        pins=tuple(pins),
        budgets=tuple(budgets),
        horizon=horizon or Horizon(),
        preferences=tuple(preferences),
    )


def _empty_tables(raw: RawInstance, policy: Policy | None) -> list[Problem]:
    """A required table with a header and no rows loads, but it is seldom meant: with no
    staff every need is shortfall (a warning; `--strict` makes it a problem). Requirements
    derived from workload (`requirements_from`) may leave the table empty."""
    found: list[Problem] = []
    for name in REQUIRED_TABLES:
        table = raw.tables.get(name)
        if table is None or table.numbers or name in raw.unreadable:
            continue
        if name == "requirements" and policy is not None and policy.requirements_from:
            continue
        found.append(Problem(table.label, None, "", "", {
            "institutions": _("has no rows: the instance has no institutions"),
            "staff": _("has no rows: the instance has no staff, so every need counts as shortfall"),
            "requirements": _("has no rows: the instance has no requirements, so there is nothing to staff"),
        }[name]))
    return found


def _horizon(raw: RawInstance, problems: list[Problem]) -> Horizon | None:
    """`horizon: {start, years}` (absent: one year, no start year)."""
    data = raw.meta.get("horizon")
    if data is None:
        return Horizon()
    label = raw.meta_label
    if not isinstance(data, dict):
        problems.append(Problem(label, raw.key_rows.get("horizon"), "horizon", _show(data), _("must be a mapping with keys start and years")))
        return None
    out: dict[str, Any] = {}
    for key in data:
        if key not in ("start", "years"):
            problems.append(Problem(label, raw.key_rows.get(f"horizon.{key}"), f"horizon.{key}", "", _("is not a horizon key: expected start, years")))
    for key, lo in (("start", 1900), ("years", 1)):
        if data.get(key) is None:
            continue
        value, problem = _integer(data[key])
        if problem is None and value is not None and value < lo:
            problem = (_show(data[key]), _("must be at least {limit}").format(limit=lo))
        if problem is not None:
            problems.append(Problem(label, raw.key_rows.get(f"horizon.{key}"), f"horizon.{key}", problem[0] or _show(data[key]), problem[1]))
        else:
            out[key] = value
    if "years" in out and out["years"] > 1 and "start" not in out:
        problems.append(Problem(label, raw.key_rows.get("horizon.years"), "horizon.start", "", _("is blank: a horizon of several years needs its first year")))
    return Horizon(**out)


def _pins(
    raw: RawInstance, problems: list[Problem], staff: list[StaffMember], institutions: list[Institution],
    known_inst: set[str] | None, horizon: Horizon | None,
) -> list[Pin]:
    """pins.csv: each row one of at / stay / not_at, about a known person and an institution of
    their community, in a year of the horizon; no two pins of a person contradict."""
    t = _columns(raw, "pins", problems)
    if not len(t):
        return []  # (no rows: the lookups below would cost a pass over every person)
    sids = t.column("staff_id", _text)
    years = t.column("year", _integer)
    ats = t.column("at", partial(_text, required=False))
    stays = t.column("stay", partial(_boolean, default=False))
    not_ats = t.column("not_at", partial(_text, required=False))
    people = {s.id: s for s in staff}
    listed = {str(v).strip() for v in (raw.tables["staff"].column("id") if "staff" in raw.tables else ()) if _clean(v) is not None}
    inst = {i.id: i for i in institutions}
    years_ok = set(horizon.year_list) if horizon is not None else set()
    out: list[Pin] = []
    kept: dict[str, list[tuple[int, Pin]]] = {}
    for i in t.rows():
        sid, year, at, stay, not_at = sids[i], years[i], ats[i], stays[i], not_ats[i]
        given = [c for c, v in (("at", at), ("stay", stay), ("not_at", not_at)) if v]
        if len(given) != 1:
            t.bad(i, "at" if not given else given[1], "", _("a pin is exactly one of at, stay (true) or not_at")
                  + ("" if not given else _("; this row gives {columns}").format(columns=" + ".join(given))))
        s = people.get(sid) if sid is not None else None
        if sid is not None and sid not in listed:
            t.bad(i, "staff_id", sid, _("unknown staff member: not in the staff table"))
        if year is not None and horizon is not None and year not in years_ok:
            if years_ok:
                t.bad(i, "year", year, _("is not a year of the horizon ({first}–{last})").format(first=min(years_ok), last=max(years_ok)))
            else:
                t.bad(i, "year", year, _("a pin for one year needs horizon.start in instance.yaml (or leave year blank: every year)"))
        for column, j in (("at", at), ("not_at", not_at)):
            if j is None:
                continue
            if known_inst is not None and j not in known_inst:
                t.bad(i, column, j, _("unknown institution: not in the institutions table"))
            elif s is not None and j in inst and inst[j].community != s.community:
                t.bad(i, column, j, _("{institution} belongs to community {community}, but {staff} to {own}: nobody crosses a community").format(
                    institution=j, community=inst[j].community, staff=s.id, own=s.community))
        if stay and s is not None and s.status == StaffStatus.candidate:
            t.bad(i, "stay", "true", _("a candidate is not posted yet: pin them with at (hired there) or not_at"))
        if t.ok(i) and sid is not None and s is not None:
            pin = Pin(staff_id=sid, year=year, at=at, stay=bool(stay), not_at=not_at)
            for n, other in kept.get(sid, []):
                if (pin.year is None or other.year is None or pin.year == other.year) and _contradict(pin, other, s):
                    t.bad(i, given[0], _show(at or not_at or "true"), _("contradicts the pin of row {row} ({pin})").format(row=n, pin=other.describe()))
                    break
            else:
                kept.setdefault(sid, []).append((t.numbers[i], pin))
                out.append(pin)
    return out


def _budgets(raw: RawInstance, problems: list[Problem], community_ids: set[str], horizon: Horizon | None) -> list[Budget]:
    """budgets.csv: one row per (community, year) of the horizon; blank cells keep the
    community's own limit."""
    t = _columns(raw, "budgets", problems)
    comms = t.column("community", _text)
    years = t.column("year", partial(_integer, required=True))
    hiring = t.column("hiring_budget", _float)
    moves = t.column("max_moves", _integer)
    treasury = t.column("treasury_budget", _float)
    out: list[Budget] = []
    first: dict[tuple[str, int], int] = {}
    for i in t.rows():
        comm, year = comms[i], years[i]
        if comm is not None and comm not in community_ids and community_ids:
            t.bad(i, "community", comm, _("unknown community: not listed under communities"))
        why = _year_problem(horizon, year)
        if why is not None:
            t.bad(i, "year", year, why)
        if comm is not None and year is not None:
            if (comm, year) in first:
                t.bad(i, "year", year, _("the community's {year} is given twice (first in row {row})").format(year=year, row=first[(comm, year)]))
            else:
                first[(comm, year)] = t.numbers[i]
        if t.ok(i) and comm is not None and year is not None:
            out.append(Budget(community=comm, year=year, hiring_budget=hiring[i], max_moves=moves[i],
                              treasury_budget=treasury[i]))
    return out


def _preferences(raw: RawInstance, problems: list[Problem], staff: list[StaffMember],
                 institutions: list[Institution], known_inst: set[str] | None) -> list[Preference]:
    """preferences.csv: a known person, an institution of their community, a rank ≥ 1 that
    the person gives once."""
    t = _columns(raw, "preferences", problems)
    if not len(t):
        return []
    sids = t.column("staff_id", _text)
    insts = t.column("institution", _text)
    ranks = t.column("rank", partial(_integer, required=True))
    people = {s.id: s for s in staff}
    listed = {str(v).strip() for v in (raw.tables["staff"].column("id") if "staff" in raw.tables else ()) if _clean(v) is not None}
    inst = {i.id: i for i in institutions}
    out: list[Preference] = []
    rank_row: dict[tuple[str, int], int] = {}
    inst_row: dict[tuple[str, str], int] = {}
    for i in t.rows():
        sid, j, rank = sids[i], insts[i], ranks[i]
        s = people.get(sid) if sid is not None else None
        if sid is not None and sid not in listed:
            t.bad(i, "staff_id", sid, _("unknown staff member: not in the staff table"))
        if j is not None:
            if known_inst is not None and j not in known_inst:
                t.bad(i, "institution", j, _("unknown institution: not in the institutions table"))
            elif s is not None and j in inst and inst[j].community != s.community:
                t.bad(i, "institution", j, _("{institution} belongs to community {community}, but {staff} to {own}: nobody crosses a community").format(
                    institution=j, community=inst[j].community, staff=s.id, own=s.community))
        if rank is not None and rank < 1:
            t.bad(i, "rank", rank, _("must be at least {limit}").format(limit=1))
        if sid is not None and rank is not None and rank >= 1:
            if (sid, rank) in rank_row:
                t.bad(i, "rank", rank, _("{staff} gives rank {rank} twice (first in row {row})").format(
                    staff=sid, rank=rank, row=rank_row[(sid, rank)]))
            else:
                rank_row[(sid, rank)] = t.numbers[i]
        if sid is not None and j is not None:
            if (sid, j) in inst_row:
                t.bad(i, "institution", j, _("{staff} lists {institution} twice (first in row {row})").format(
                    staff=sid, institution=j, row=inst_row[(sid, j)]))
            else:
                inst_row[(sid, j)] = t.numbers[i]
        if t.ok(i) and sid is not None and j is not None and rank is not None and s is not None:
            out.append(Preference(staff_id=sid, institution=j, rank=rank))
    return out


def _contradict(a: Pin, b: Pin, s: StaffMember) -> bool:
    """Can no posting satisfy both pins (in a year both apply)?"""
    def where(p: Pin) -> str | None:
        return p.at if p.at is not None else s.posted_at if p.stay else None

    wa, wb = where(a), where(b)
    if wa is not None and wb is not None:
        return wa != wb
    if wa is not None:
        return b.not_at == wa
    if wb is not None:
        return a.not_at == wb
    return False


def _institution_ref(v: Any, known: set[str] | None) -> Cell:
    """A required institution id that must be in the institutions table (when it could be read)."""
    iid, problem = _text(v)
    if problem is None and known is not None and iid not in known:
        return iid, (iid, _(_("unknown institution: not in the institutions table")))
    return iid, problem


def _communities(raw: RawInstance, problems: list[Problem]) -> tuple[list[Community], set[str]]:
    """The communities, and every id listed (a bad row's too: references to it are not unknown)."""
    t = _columns(raw, "communities", problems)
    if not len(t) and "communities" not in raw.unreadable:
        problems.append(Problem(raw.meta_label, None, "communities", "", _("no community is listed: at least one is required")))
    ids = t.column("id", _text)
    names = t.column("name", partial(_text, required=False))
    budgets = t.column("hiring_budget", _float)
    max_moves = t.column("max_moves", _integer)
    treasury = t.column("treasury_budget", _float)
    balances = t.column("insurance_balance", _float)
    out: list[Community] = []
    seen: dict[str, int] = {}
    for i in t.rows():
        cid = ids[i]
        if cid is not None:
            if cid in seen:
                t.bad(i, "id", cid, _("duplicate community id (first in row {row})").format(row=seen[cid]))
            else:
                seen[cid] = t.numbers[i]
        if t.ok(i) and cid is not None:
            out.append(Community(id=cid, name=names[i] or "", hiring_budget=budgets[i], max_moves=max_moves[i],
                                 treasury_budget=treasury[i], insurance_balance=balances[i]))
    return out, set(seen)


def _institutions(
    raw: RawInstance, problems: list[Problem], community_ids: set[str]
) -> tuple[list[Institution], set[str] | None]:
    """The institutions, and every id listed (a bad row's too: references to it are not
    unknown); None for the ids when the table could not be read (references go unchecked)."""
    t = _columns(raw, "institutions", problems)
    if t.unread:
        return [], None
    ids = t.column("id", _text)
    names = t.column("name", partial(_text, required=False))
    comms = t.column("community", _text)
    tiers = t.column("tier", partial(_enum, kind=Tier))
    fundings = t.column("funding", partial(_enum, kind=Funding))
    posts_ = t.column("approved_posts", partial(_integer, default=0))
    pops = t.column("service_population", partial(_integer, default=0))
    xs = t.column("x_km", partial(_float, required=True, nonneg=False))
    ys = t.column("y_km", partial(_float, required=True, nonneg=False))
    caps = t.column("capacity", _integer)
    out: list[dict[str, Any]] = []
    first: dict[str, int] = {}
    for i, iid, iname, comm, tier, funding, posts, pop, x, y, cap in zip(
        t.rows(), ids, names, comms, tiers, fundings, posts_, pops, xs, ys, caps, strict=True
    ):
        if iid is not None:
            if iid in first:
                t.bad(i, "id", iid, _("duplicate institution id (first in row {row})").format(row=first[iid]))
            else:
                first[iid] = t.numbers[i]
        if comm is not None and comm not in community_ids and community_ids:
            t.bad(i, "community", comm, _(_("unknown community: not listed under communities")))
        if funding == Funding.none and posts:
            t.bad(i, "approved_posts", posts, _("an institution with funding 'none' (a village clinic) has no government posts: expected 0"))
        if t.ok(i) and iid and comm and tier and funding:
            out.append({
                "id": iid, "name": iname or "", "community": comm, "tier": tier, "funding": funding,
                "approved_posts": posts or 0, "service_population": pop or 0,
                "x_km": x or 0.0, "y_km": y or 0.0, "capacity": cap,
            })
    return _models(Institution, out), set(first)


def _year_problem(horizon: Horizon | None, year: int | None, strict: bool = True) -> str | None:
    """Why a year cell does not fit the horizon (None: it fits). `strict`: within its years."""
    if year is None or horizon is None:
        return None
    if horizon.start is None:
        return _("a year needs horizon.start in instance.yaml (the first year planned)")
    if strict and year not in horizon.year_list:
        return _("is not a year of the horizon ({first}–{last})").format(first=horizon.start, last=horizon.start + horizon.years - 1)
    return None


# The staff table's columns and their cell checks, in the order a reader goes through a row
# (the order of a row's problems); the names are StaffMember's fields.
_STAFF_COLUMNS: tuple[tuple[str, Callable[[Any], Cell]], ...] = (
    ("id", _text),
    ("name", partial(_text, required=False)),
    ("status", partial(_enum, kind=StaffStatus)),
    ("title", partial(_enum, kind=Title)),
    ("specialty", _specialty),
    ("post_funding", partial(_enum, kind=Funding, required=False)),
    ("quota_holder", partial(_text, required=False)),
    ("posted_at", partial(_text, required=False)),
    ("community", partial(_text, required=False)),
    ("mobile", partial(_boolean, default=True)),
    ("grassroots_due", partial(_boolean, default=False)),
    ("leaves", _integer),
    ("birth_year", _integer),
    ("arrives", _integer),
    ("grassroots_years", partial(_integer, default=0)),
    ("rotation_windows", _windows),
)


def _staff(
    raw: RawInstance, problems: list[Problem], community_ids: set[str],
    institutions: list[Institution], known_inst: set[str] | None, horizon: Horizon | None = None,
    windows: int | None = None,
) -> list[StaffMember]:
    """The staff table: every problem of every row in reading order, and a model per row without any."""
    t = _columns(raw, "staff", problems)
    columns = [t.column(name, check) for name, check in _STAFF_COLUMNS]
    inst = {x.id: x for x in institutions}
    out: list[dict[str, Any]] = []
    first: dict[str, int] = {}
    # Plain names, not a dict per row: the loop runs once per member of a province.
    for i, (sid, sname, status, title, specialty, post_funding, quota_holder, posted_at, comm, mobile, due,
            leaves, birth, arrives, owed, rot_windows) in zip(t.rows(), zip(*columns, strict=True), strict=True):
        if sid is not None:
            if sid in first:
                t.bad(i, "id", sid, _("duplicate staff id (first in row {row})").format(row=first[sid]))
            else:
                first[sid] = t.numbers[i]
        posted = _inst_ref(t, i, "posted_at", posted_at, inst, known_inst) if posted_at is not None else None
        holder = _inst_ref(t, i, "quota_holder", quota_holder, inst, known_inst) if quota_holder is not None else None
        comm = _staff_community(t, i, comm, posted, community_ids)
        _staff_post(t, i, status, post_funding, quota_holder, holder, posted_at, comm)
        if due and title is not None and title != Title.attending:
            t.bad(i, "grassroots_due", "true", _("only attendings owe grassroots service; this member is {title}").format(title=title.value))
        _staff_years(t, i, status, leaves, birth, arrives, owed, horizon)
        if windows is not None and any(w > windows for w in rot_windows):
            t.bad(i, "rotation_windows", ";".join(map(str, rot_windows)),
                  _("names a window after the last: the rotation has windows 1–{windows}").format(windows=windows))
        if t.ok(i) and sid and status and title and specialty and comm:
            out.append({
                "id": sid, "name": sname or "", "status": status, "title": title, "specialty": specialty,
                "post_funding": post_funding, "quota_holder": quota_holder, "posted_at": posted_at,
                "community": comm, "mobile": mobile, "grassroots_due": due,
                "leaves": leaves, "birth_year": birth, "arrives": arrives, "grassroots_years": owed or 0,
                "rotation_windows": rot_windows,
            })
    return _models(StaffMember, out)


def _inst_ref(t: _Columns, i: int, column: str, value: str, inst: dict[str, Institution],
              known_inst: set[str] | None) -> Institution | None:
    """The institution a staff cell names (None when unknown, or the institutions table is unread)."""
    if known_inst is None:
        return None
    if value not in known_inst:
        t.bad(i, column, value, _(_("unknown institution: not in the institutions table")))
        return None
    return inst.get(value)


def _staff_community(t: _Columns, i: int, comm: str | None, posted: Institution | None, community_ids: set[str]) -> str | None:
    """Check a member's community against the communities and where they are posted; blank: the posting's."""
    if comm is not None and comm not in community_ids and community_ids:
        t.bad(i, "community", comm, _(_("unknown community: not listed under communities")))
    if posted is None:
        return comm
    if comm is not None and comm != posted.community:
        t.bad(i, "community", comm, _("disagrees with posted_at {institution}, which belongs to community {community}").format(
            institution=posted.id, community=posted.community))
    return comm or posted.community


def _staff_post(t: _Columns, i: int, status: StaffStatus | None, post_funding: Funding | None, quota_holder: str | None,
                holder: Institution | None, posted_at: str | None, comm: str | None) -> None:
    """Check that a member's posting and post (funding, quota holder) fit their status."""
    if status == StaffStatus.candidate:
        if posted_at is not None:
            t.bad(i, "posted_at", posted_at, _("a candidate is not posted yet: leave posted_at blank"))
        if comm is None:
            t.bad(i, "community", "", _("a candidate needs the community they apply to"))
    elif status is not None and posted_at is None:
        t.bad(i, "posted_at", "", _("is blank: a {status} member must be posted somewhere").format(status=status.value))
    if status == StaffStatus.on_staff:
        if post_funding is None:
            t.bad(i, "post_funding", "", _("an on_staff member holds a post: expected full or differential"))
        elif post_funding == Funding.none:
            t.bad(i, "post_funding", post_funding.value, _("a post is funded: expected full or differential"))
        if quota_holder is None:
            t.bad(i, "quota_holder", "", _("an on_staff member's post belongs to an institution's quota: give it"))
        if holder is not None:
            if post_funding is not None and post_funding != Funding.none and holder.funding != post_funding:
                t.bad(i, "quota_holder", quota_holder, _("{institution} has funding {funding}, but post_funding is {post_funding}").format(
                    institution=holder.id, funding=holder.funding.value, post_funding=post_funding.value))
            if comm is not None and holder.community != comm:
                t.bad(i, "quota_holder", quota_holder, _("{institution} belongs to community {community}, not {other}: posts never cross communities")
                      .format(institution=holder.id, community=holder.community, other=comm))
    elif status is not None:
        if post_funding is not None:
            t.bad(i, "post_funding", post_funding.value, _("a {status} holds no post: leave post_funding blank").format(status=status.value))
        if quota_holder is not None:
            t.bad(i, "quota_holder", quota_holder, _("a {status} holds no post: leave quota_holder blank").format(status=status.value))


def _staff_years(t: _Columns, i: int, status: StaffStatus | None, leaves: int | None, birth: int | None,
                 arrives: int | None, owed: int | None, horizon: Horizon | None) -> None:
    """Check a member's years (leaves, birth_year, arrives, grassroots_years): in the horizon, plausible, fitting their status."""
    for column, year in (("leaves", leaves), ("birth_year", birth), ("arrives", arrives)):
        why = _year_problem(horizon, year, strict=False)
        if why is not None:
            t.bad(i, column, year, why)
    if birth is not None and not 1900 <= birth <= 2100:
        t.bad(i, "birth_year", birth, _("is not a plausible year of birth"))
    if arrives is not None and status is not None and status != StaffStatus.candidate:
        t.bad(i, "arrives", arrives, _("only candidates arrive; a {status} member is here already").format(status=status.value))
    if arrives is not None and leaves is not None and leaves <= arrives:
        t.bad(i, "leaves", leaves, _("is not after arrives ({arrives})").format(arrives=arrives))
    if owed and status == StaffStatus.contract:
        t.bad(i, "grassroots_years", owed, _("a grassroots obligation is for candidates (targeted graduates) and those hired as such"))


def _requirements(raw: RawInstance, problems: list[Problem], known_inst: set[str] | None,
                  horizon: Horizon | None = None, warnings: list[Problem] | None = None) -> list[Requirement]:
    t = _columns(raw, "requirements", problems)
    iids = t.column("institution", partial(_institution_ref, known=known_inst))
    specialties = t.column("specialty", _specialty)
    min_titles = t.column("min_title", partial(_enum, kind=Title))
    needs = t.column("need", partial(_integer, required=True))
    weights = t.column("weight", partial(_float, default=1.0))
    years = t.column("year", _integer)
    out: list[dict[str, Any]] = []
    first: dict[tuple[Any, ...], int] = {}
    for i, iid, specialty, min_title, need, weight, year in zip(t.rows(), iids, specialties, min_titles, needs, weights, years, strict=True):
        why = _year_problem(horizon, year)
        if why is not None:
            t.bad(i, "year", year, why)
        if t.ok(i) and iid and specialty and min_title is not None and need is not None:
            # A row pasted twice adds its need again, silently: say so (rows of other years differ).
            at = first.setdefault((iid, specialty, min_title, year), t.numbers[i])
            if at != t.numbers[i] and warnings is not None:
                warnings.append(Problem(t.label, t.numbers[i], "", "", _(
                    "repeats row {first} (the same institution, specialty and min_title): its need {need} is "
                    "counted again; delete the row, or add the needs into one").format(first=at, need=need)))
            out.append({
                "institution": iid, "specialty": specialty, "min_title": min_title, "need": need,
                "weight": weight if weight is not None else 1.0, "year": year,
            })
    return _models(Requirement, out)


def _workload(raw: RawInstance, problems: list[Problem], known_inst: set[str] | None, policy: Policy | None) -> list[WorkloadRow]:
    t = _columns(raw, "workload", problems)
    iids = t.column("institution", partial(_institution_ref, known=known_inst))
    specialties = t.column("specialty", _specialty)
    min_titles = t.column("min_title", partial(_enum, kind=Title))
    activities = t.column("activity", _text)
    kinds = t.column("kind", partial(_enum, kind=WorkloadKind))
    volumes = t.column("annual_volume", _float)
    units = t.column("unit_minutes", _float)
    hours_ = t.column("hours_per_year", _float)
    doings = t.column("staff_doing", _float)
    # The cells as given: a rule below tells a blank cell from a bad one (reported above).
    given = {c: t.column(c, _raw) for c in ("annual_volume", "unit_minutes", "hours_per_year", "staff_doing")}
    out: list[WorkloadRow] = []
    support: dict[tuple[str, str, str], float] = {}
    first_row: dict[tuple[str, str, str], int] = {}
    for i in t.rows():
        iid, specialty, min_title, activity, kind = iids[i], specialties[i], min_titles[i], activities[i], kinds[i]
        volume, unit, hours, doing = volumes[i], units[i], hours_[i], doings[i]
        if kind == WorkloadKind.service:
            if volume is None and given["annual_volume"][i] is None:
                t.bad(i, "annual_volume", "", _("a service activity needs its annual volume"))
            if unit is None and given["unit_minutes"][i] is None:
                t.bad(i, "unit_minutes", "", _("a service activity needs the minutes one unit takes"))
            elif unit == 0:
                t.bad(i, "unit_minutes", given["unit_minutes"][i], _("a unit cannot take zero minutes"))
        elif kind in (WorkloadKind.support, WorkloadKind.individual):
            if hours is None and given["hours_per_year"][i] is None:
                t.bad(i, "hours_per_year", "", _("a {kind} activity needs hours_per_year").format(kind=kind.value))
            if kind == WorkloadKind.individual and doing is None and given["staff_doing"][i] is None:
                t.bad(i, "staff_doing", "", _("an individual activity needs staff_doing (how many do it)"))
        if t.ok(i) and iid and specialty and min_title is not None and activity and kind:
            row = WorkloadRow(
                institution=iid, specialty=specialty, min_title=min_title, activity=activity,
                kind=kind, annual_volume=volume, unit_minutes=unit, hours_per_year=hours,
                staff_doing=doing,
            )
            out.append(row)
            key = (iid, specialty, min_title.value)
            first_row.setdefault(key, t.numbers[i])
            if kind == WorkloadKind.support:
                support[key] = support.get(key, 0.0) + (hours or 0.0)
    if policy is not None:
        awt = policy.wisn.awt_hours
        for key, n in first_row.items():
            used = support.get(key, 0.0)
            if awt <= 0 or 1 - used / awt <= 0:
                problems.append(Problem(
                    t.label, n, "hours_per_year", _show(used),
                    _("support activities of cadre {cadre} take {used} h of {awt} available working hours: the CAF denominator 1 - support/AWT must be > 0")
                    .format(cadre="/".join(key), used=f"{used:g}", awt=f"{awt:g}"),
                ))
    return out
