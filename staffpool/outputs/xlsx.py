"""A result as one Excel workbook a personnel office can forward (`solve --xlsx`).

Sheets: Summary (the levels, counts and the payroll: who pays, before and after), Changes
(moves, hires, regularisations, institution names beside the codes), Assignments,
Institutions (the name next to the id), Requirements: the rows of the CSV files, with
headers (and enumerated values) in the chosen language, ids unchanged, a frozen header row,
filters, column widths and number formats; text Excel would run as a formula is neutralised
as in the CSVs.
`Sheet` and `write_workbook` are the reusable part (compare writes its own sheets; a
multi-year plan can write one sheet set per year).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from staffpool.domain.instance import Instance
from staffpool.i18n import _, pgettext
from staffpool.inputs import labels
from staffpool.inputs.read import neutralise
from staffpool.outputs.files import atomic_path
from staffpool.outputs.results import COLUMNS, Result

if TYPE_CHECKING:  # `plan`'s workbook only: the plan over years need not load with a solve
    from staffpool.outputs.years import HorizonResult


CHANGES = ("move", "hire", "regularise", "regularise_move")
# Number formats by column (km to the metre, yuan whole); any other integer gets INTEGER.
FORMATS = {"distance_km": "#,##0.000", "salary": "#,##0", "treasury_pays": "#,##0",
           "payroll": "#,##0", "hiring_cost": "#,##0"}
INTEGER = "#,##0"
TIERS = ("county", "township", "village")
# Institution columns that get the institution's name in a column right after them.
NAMED = ("from_institution", "to_institution")


@dataclass(frozen=True)
class Formatted:
    """A cell with its own number format (a column of mixed figures: the summary's values)."""

    value: Any
    format: str


def _money(v: float | int) -> Formatted:
    return Formatted(v, INTEGER if float(v).is_integer() else "#,##0.00")


@dataclass
class Sheet:
    """One worksheet: its title, the code of each column (for formats), its header as people
    read it, and rows of cell values (None is an empty cell)."""

    title: str
    columns: Sequence[str]
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    formats: dict[str, str] | None = None


def _sheet_titles() -> dict[str, str]:
    return {"summary": pgettext("sheet", "Summary"), "changes": pgettext("sheet", "Changes"),
            "assignments": pgettext("sheet", "Assignments"), "institutions": pgettext("sheet", "Institutions"),
            "requirements": pgettext("sheet", "Requirements"), "compare": pgettext("sheet", "Modes compared"),
            "years": pgettext("sheet", "Years"), "rotation": pgettext("sheet", "Rotation"),
            "hosts": pgettext("sheet", "Rotation hosts"), "coverage": pgettext("sheet", "Rotation coverage"),
            "rotation_summary": pgettext("sheet", "Rotation summary")}


def sheet_title(key: str) -> str:
    return _sheet_titles()[key]


def _people(column: str, v: Any) -> Any:
    """A CSV cell for people: enumerations labelled, True/False too, numbers as numbers."""
    if v is None or v == "":
        return None
    if isinstance(v, bool) or column in labels.FIELD_KIND:
        return labels.cell(column, v)
    return v


def with_names(columns: Sequence[str]) -> list[str]:
    """The columns with `<c>_name` right after each institution column in NAMED."""
    return [x for c in columns for x in ((c, f"{c}_name") if c in NAMED else (c,))]


def table_sheet(key: str, columns: Sequence[str], rows: Sequence[dict[str, Any]],
                names: dict[str, str] | None = None) -> Sheet:
    """The rows of one result table, in the order of `columns`; with `names` (institution id
    → name), each institution column in NAMED is followed by the institution's name."""
    cols = with_names(columns) if names is not None else list(columns)
    named = names or {}
    out = [[named.get(r[c[:-5]]) if c.endswith("_name") and c[:-5] in NAMED else _people(c, r[c]) for c in cols]
           for r in rows]
    return Sheet(sheet_title(key), cols, [labels.column(c, key) for c in cols], out)


def summary_sheet(result: Result) -> Sheet:
    """Key, value, unit: the run, each level, the counts; then the payroll as the terminal
    shows it (who pays, before → after), the total in the value column and each tier's share
    in a column of its own."""
    s = result.summary
    money = {"hiring_cost", "treasury_cost"}
    units = {"distance": _("km"), "hiring_cost": _("yuan/year"), "treasury_cost": _("yuan/year")}
    rows: list[list[Any]] = [
        [labels.column("instance"), s["instance"], None],
        [labels.column("mode"), labels.value("mode", s["mode"]), None],
        [labels.column("solver"), s["solver"], None],
        [pgettext("solve", "status"), labels.value("solve_status", s["status"]), None],
    ]
    for name, v in s["objective"].items():  # as summary.json holds them
        shown = _money(v) if name in money else Formatted(v, "#,##0.000") if name == "distance" else v
        rows.append([_("objective: {level}").format(level=labels.value("level", name)), shown, units.get(name)])
    for k, v in s["counts"].items():
        rows.append([_("count: {what}").format(what=labels.value("count", k)), v, None])
    if s["preferences"]["people"]:  # wishes: only when someone gave some
        for k, v in s["preferences"].items():
            rows.append([_("wishes: {what}").format(what=labels.value("wishes", k)), v, None])
    pay = result.payroll["total"] if result.has_plan else None
    tiers = [t for t in TIERS if pay is not None and t in pay["by_tier"]]
    if pay is not None:
        rows += _payroll_rows(result, pay, tiers)
    width = 3 + len(tiers)
    return Sheet(sheet_title("summary"), ["key", "value", "unit", *tiers],
                 [labels.column("key"), labels.column("value"), labels.column("unit"),
                  *(labels.value("tier", t) for t in tiers)], [r + [None] * (width - len(r)) for r in rows])


def _payroll_rows(result: Result, pay: dict[str, Any], tiers: list[str]) -> list[list[Any]]:
    """summary.json's payroll (the terminal's payroll table and its caption), yuan a year."""
    yuan = _("yuan/year")
    words = {"treasury": (_("treasury before"), _("treasury after"), _("treasury added")),
             "institutions": (_("institutions before"), _("institutions after"), _("institutions added"))}
    rows: list[list[Any]] = []
    for who, (before, after, added) in words.items():
        parts = [pay["by_tier"][t] for t in tiers]
        rows.append([before, _money(pay[f"{who}_before"]), yuan, *(_money(p[f"{who}_before"]) for p in parts)])
        rows.append([after, _money(pay[f"{who}_after"]), yuan, *(_money(p[f"{who}_after"]) for p in parts)])
        rows.append([added, _money(pay[f"{who}_added"]), yuan,
                     *(_money(round(p[f"{who}_after"] - p[f"{who}_before"], 2)) for p in parts)])
    budgets = [c.treasury_budget for c in result.instance.communities]
    if any(b is not None for b in budgets):
        rows.append([_("treasury budget"), _money(sum(b or 0 for b in budgets)), yuan])
    if pay["salary_fund"]:
        rows.append([_("salary fund"), _money(pay["salary_fund"]), yuan])
        if pay["salary_fund_covers"] is not None:
            rows.append([_("share of the institutions' added payroll the salary fund covers"),
                         Formatted(pay["salary_fund_covers"], "0%"), None])
    return rows


def result_sheets(result: Result) -> list[Sheet]:
    """The five sheets of a solved result."""

    a = result.rows("assignments")
    names = {i.id: i.name for i in result.instance.institutions}
    changed = [r for r in a if r["change"] in CHANGES]
    return [
        summary_sheet(result),
        table_sheet("changes", COLUMNS["assignments"], changed, names),
        table_sheet("assignments", COLUMNS["assignments"], a),
        table_sheet("institutions", ["id", "name", *(c for c in COLUMNS["institutions"] if c not in ("id", "name"))],
                    result.rows("institutions")),
        table_sheet("requirements", COLUMNS["requirements"], result.rows("requirements")),
    ]


def _width(v: Any) -> float:
    if v.__class__ is Formatted:
        v = v.value
    text = f"{v:,.3f}" if isinstance(v, float) else str(v)
    return sum(2.0 if ord(ch) >= 0x2E80 else 1.1 for ch in text)  # CJK glyphs are two columns wide


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write the sheets as one .xlsx, whole or not at all (a temporary file renamed).

    openpyxl's write-only mode streams the rows; widths, the frozen header and the filter
    are set before them. Its XML serialisation is most of the time: 0.4 s for a county of
    457 staff, about 13 s for 20,627 staff (a loaded 2-core machine)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter


    wb = openpyxl.Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F3F5F8")
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        formats = {**FORMATS, **(sheet.formats or {})}
        col_fmt = [formats.get(c) for c in sheet.columns]
        for j in range(len(sheet.columns)):
            sample = [r[j] for r in sheet.rows[:2000] if r[j] is not None]
            widest = max([_width(sheet.header[j]), *map(_width, sample)])
            ws.column_dimensions[get_column_letter(j + 1)].width = min(60.0, max(8.0, widest + 2))
        ws.freeze_panes = "A2"
        if sheet.rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{len(sheet.rows) + 1}"
        header = []
        for h in sheet.header:
            cell = WriteOnlyCell(ws, value=neutralise(h))
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            out: list[Any] = []
            for fmt, v in zip(col_fmt, row, strict=True):
                if v.__class__ is str:
                    v = neutralise(v)  # text Excel would run as a formula gets a leading '
                elif v.__class__ is Formatted:
                    cell = WriteOnlyCell(ws, value=v.value)
                    cell.number_format = v.format
                    v = cell
                elif v.__class__ is int or v.__class__ is float:  # a number (not a bool) gets its format
                    f = fmt or (INTEGER if v.__class__ is int else None)
                    if f is not None:
                        cell = WriteOnlyCell(ws, value=v)
                        cell.number_format = f
                        v = cell
                out.append(v)
            ws.append(out)
    with atomic_path(path) as tmp:
        wb.save(tmp)




def compare_sheet(rows: Sequence[dict[str, Any]], levels: Sequence[str]) -> Sheet:
    """`compare`'s table: one column per mode, one row per level, the treasury's added payroll,
    count, tier and status."""
    body: list[list[Any]] = []
    treasury = [_("treasury_added (yuan/year)"), *(r.get("treasury_added") for r in rows)]
    for lvl in levels:
        body.append([labels.value("level", lvl), *(r["objective"].get(lvl) for r in rows)])
        if lvl == "shortfall":
            body.append(treasury)  # beside the shortfall it buys, as in the terminal's table
    if "shortfall" not in levels:
        body.append(treasury)
    for key in ("moves", "hires", "regularised"):
        body.append([_("count: {what}").format(what=labels.value("count", key)), *(r["counts"].get(key) for r in rows)])
    for tier in ("county", "township", "village"):
        body.append([_("staff at {tier}").format(tier=labels.value("tier", tier)),
                     *(r["staff_by_tier"].get(tier) for r in rows)])
    body.append([pgettext("solve", "status"), *(labels.value("solve_status", str(r["status"])) for r in rows)])
    modes = [str(r["mode"]) for r in rows]
    return Sheet(sheet_title("compare"), ["key", *modes], [labels.column("key"), *(labels.value("mode", m) for m in modes)],
                 body)


PAYROLL_KEYS = ("treasury_after", "institutions_after", "treasury_added")


def horizon_sheets(hp: HorizonResult) -> list[Sheet]:
    """A plan over years as two sheets: Years (one row per year: status, each level, staff
    and shortfall per tier, payroll after the year) and Changes (every year's moves, hires
    and regularisations, the year first). The per-year files stay in DIR/<year>/."""

    summary = hp.summary
    levels = [lvl.value for lvl in hp.instance.policy.objective]
    cols = ["year", "status", *levels, *(f"staff {t}" for t in TIERS), *(f"short {t}" for t in TIERS), *PAYROLL_KEYS]
    pay_words = {"treasury_after": pgettext("column", "treasury_after"),  # yuan a year; English: the summary.json keys
                 "institutions_after": pgettext("column", "institutions_after"),
                 "treasury_added": pgettext("column", "treasury_added")}
    header = [labels.column("year", "years"), pgettext("solve", "status"),
              *(pay_words.get(c) or labels.column(c, "years") for c in cols[2:])]
    body: list[list[Any]] = []
    for year, y in summary["years"].items():
        pay = y.get("payroll") or {}
        body.append([int(year), labels.value("solve_status", y["status"]), *(y["objective"].get(lvl) for lvl in levels),
                     *(y["by_tier"].get(t, {}).get("staff", 0) for t in TIERS),
                     *(y["by_tier"].get(t, {}).get("short", 0) for t in TIERS), *(pay.get(k) for k in PAYROLL_KEYS)])
    body.append([_("total"), labels.value("solve_status", summary["status"]), *(summary["totals"].get(lvl) for lvl in levels),
                 *[None] * (len(cols) - 2 - len(levels))])
    if "rolling_totals" in summary:
        body.append([pgettext("plan", "rolling"), labels.value("solve_status", summary["rolling_status"]),
                     *(summary["rolling_totals"].get(lvl) for lvl in levels), *[None] * (len(cols) - 2 - len(levels))])
    years = Sheet(sheet_title("years"), cols, header, body, {"year": "0"})
    changes: list[list[Any]] = []
    for y in hp.years:
        if y.result.has_plan:
            names = {i.id: i.name for i in y.result.instance.institutions}
            part = table_sheet("changes", COLUMNS["assignments"],
                               [r for r in y.result.rows("assignments") if r["change"] in CHANGES], names)
            changes += [[y.year, *r] for r in part.rows]
    ac = with_names(COLUMNS["assignments"])
    change_sheet = Sheet(sheet_title("changes"), ["year", *ac],
                         [labels.column("year", "years"), *(labels.column(c, "changes") for c in ac)], changes, {"year": "0"})
    return [years, change_sheet]


ROTATION_COLUMNS = ("staff_id", "name", "specialty", "home", "home_name", "host", "host_name", "window",
                    "first_period", "last_period", "distance_km", "fills")
HOST_COLUMNS = ("host", "host_name", "window", "rotators", "senior_gap", "covered")
COVERAGE_COLUMNS = ("host", "host_name", "row", "window", "gap", "filled")


def _plain(v: Any) -> Any:
    """A pandas/numpy scalar as the Python value it holds (the workbook formats int and float)."""
    return v.item() if hasattr(v, "item") else v


def rotation_sheets(table: Sequence[dict[Any, Any]], hosts: Sequence[dict[Any, Any]], instance: Instance,
                    coverage: Sequence[dict[Any, Any]] = (), summary: dict[str, Any] | None = None) -> list[Sheet]:
    """`rotate`'s workbook: Rotation (who goes where in which window, the person's and the
    institutions' names beside the ids, the specialty, the row filled), Rotation hosts (per
    host and window: rotators, senior gap, covered), Rotation coverage (per host, senior
    row and window: its gap and how many fill it) and, given the `summary`, Rotation summary
    (rotators, slots covered, the longest trip, the total km)."""
    inst = {i.id: i.name for i in instance.institutions}
    staff = instance.staff_by_id
    heads = {"staff_id": labels.column("staff_id"), "name": labels.column("name", "assignments"),
             "specialty": labels.column("specialty"), "home": pgettext("column", "home"),
             "home_name": pgettext("column", "home_name"), "host": _("host"), "host_name": pgettext("column", "host_name"),
             "window": _("window"), "first_period": pgettext("column", "first_period"),
             "last_period": pgettext("column", "last_period"), "distance_km": pgettext("column", "distance_to_host_km"),
             "rotators": _("rotators"), "senior_gap": _("senior gap"), "covered": _("covered"),
             "fills": pgettext("column", "fills"), "row": pgettext("column", "senior row"),
             "gap": pgettext("column", "gap"), "filled": pgettext("column", "filled")}
    rows = []
    for r in table:
        s = staff.get(str(r["staff_id"]))
        rows.append([str(r["staff_id"]), s.name if s is not None and s.name else None,
                     labels.value("specialty", s.specialty) if s is not None else None,
                     str(r["home"]), inst.get(str(r["home"])) or None, str(r["host"]), inst.get(str(r["host"])) or None,
                     *(_plain(r[c]) for c in ("window", "first_period", "last_period", "distance_km")),
                     row_label(str(r.get("fills") or "")) or None])
    host_rows = [[str(r["host"]), inst.get(str(r["host"])) or None, *(_plain(r[c]) for c in HOST_COLUMNS[2:])] for r in hosts]
    cover_rows = [[str(r["host"]), inst.get(str(r["host"])) or None, row_label(str(r["row"])),
                   *(_plain(r[c]) for c in COVERAGE_COLUMNS[3:])] for r in coverage]
    return [Sheet(sheet_title("rotation"), ROTATION_COLUMNS, [heads[c] for c in ROTATION_COLUMNS], rows),
            Sheet(sheet_title("hosts"), HOST_COLUMNS, [heads[c] for c in HOST_COLUMNS], host_rows),
            Sheet(sheet_title("coverage"), COVERAGE_COLUMNS, [heads[c] for c in COVERAGE_COLUMNS], cover_rows),
            *([_rotation_summary(summary)] if summary is not None else [])]


def _rotation_summary(summary: dict[str, Any]) -> Sheet:
    rows = [[_("rotators"), summary["rotators"], None],
            [pgettext("rotation", "senior slots covered"), summary["covered_slots"], None],
            [pgettext("rotation", "longest trip (each community's, added up)"), summary["longest_trip_km"], _("km")],
            [pgettext("rotation", "total trips"), summary["distance_km"], _("km")]]
    return Sheet(sheet_title("rotation_summary"), ("key", "value", "unit"),
                 [labels.column("key"), labels.column("value"), labels.column("unit")], rows)


def row_label(label: str) -> str:
    """A requirement row `specialty/min_title` in the reader's words (`儿科/主治医师`)."""
    if "/" not in label:
        return label
    specialty, title = label.rsplit("/", 1)
    return f"{labels.value('specialty', specialty)}/{labels.value('title', title)}"


def write_result_workbook(result: Result, path: Path) -> None:
    write_workbook(path, result_sheets(result))


__all__ = ["Formatted", "Sheet", "compare_sheet", "horizon_sheets", "result_sheets", "rotation_sheets", "summary_sheet", "table_sheet", "write_result_workbook",
           "write_workbook"]
