"""Reading the three instance forms into raw tables, and writing files atomically.

Reading does not judge values: `validate` does. Every cell keeps the location a planner
sees (file or sheet, spreadsheet row), so a problem can name it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from staffpool.domain.instance import Policy
from staffpool.errors import Problem, UsageError
from staffpool.i18n import N_, _
from staffpool.inputs import labels
from staffpool.inputs.aliases import (
    KEY_VALUE_KIND,
    NORM_ALIASES,
    NORM_VALUE_KIND,
    TABLE_ALIASES,
    chinese,
    column_lookup,
    key_part_lookup,
    near_misses,
    normalise,
    similar,
    spelled,
    table_lookup,
    value_lookup,
)

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "institutions": (
        "id", "name", "community", "tier", "funding", "approved_posts",
        "service_population", "x_km", "y_km", "capacity",
    ),
    "staff": (
        "id", "name", "status", "title", "specialty", "post_funding", "quota_holder",
        "posted_at", "community", "mobile", "grassroots_due",
        "leaves", "birth_year", "arrives", "grassroots_years", "rotation_windows",
    ),
    "requirements": ("institution", "specialty", "min_title", "need", "weight", "year"),
    "workload": (
        "institution", "specialty", "min_title", "activity", "kind", "annual_volume",
        "unit_minutes", "hours_per_year", "staff_doing",
    ),
    "communities": ("id", "name", "hiring_budget", "max_moves", "treasury_budget", "insurance_balance"),
    "pins": ("staff_id", "year", "at", "stay", "not_at"),
    "budgets": ("community", "year", "hiring_budget", "max_moves", "treasury_budget"),
    "preferences": ("staff_id", "institution", "rank"),
}
# Columns about years: written by `convert` only when some row uses them.
YEAR_COLUMNS: dict[str, tuple[str, ...]] = {
    "staff": ("leaves", "birth_year", "arrives", "grassroots_years"),
    "requirements": ("year",),
}
# Other columns written by `convert` only when some row fills them.
SPARSE_COLUMNS: dict[str, tuple[str, ...]] = {"staff": ("rotation_windows",)}
# Columns that may be left out of a file altogether (every cell then blank).
OPTIONAL_COLUMNS: dict[str, set[str]] = {
    "institutions": {"name", "capacity", "service_population"},
    "staff": {"name", "post_funding", "quota_holder", "community", "mobile", "grassroots_due",
              "leaves", "birth_year", "arrives", "grassroots_years", "rotation_windows"},
    "requirements": {"weight", "year"},
    "workload": {"annual_volume", "unit_minutes", "hours_per_year", "staff_doing"},
    "communities": {"name", "hiring_budget", "max_moves", "treasury_budget", "insurance_balance"},
    "pins": {"year", "at", "stay", "not_at"},
    "budgets": {"hiring_budget", "max_moves", "treasury_budget"},
}
REQUIRED_TABLES = ("institutions", "staff", "requirements")
# The files an instance folder may hold; any other (but README*, *.md, *.txt, hidden files
# and folders) gets a warning.
KNOWN_FILES = (
    "instance.yaml", "institutions.csv", "staff.csv", "requirements.csv", "workload.csv",
    "pins.csv", "budgets.csv", "preferences.csv",
)
# Workbook sheets (and JSON keys) holding tables, and the workbook's `instance` sheet.
SHEETS = ("instance", "communities", "institutions", "staff", "requirements", "workload", "pins", "budgets",
          "preferences")
LIST_KEYS = {"objective", "host_tiers", "requirements_from"}
JSON_KEYS = {"norms"}  # lists of records: one JSON text cell in the workbook


@dataclass
class RawTable:
    """One table as read: each row's number as a spreadsheet shows it, and its cells.

    JSON and workbook rows are kept as {column: cell} (`rows`). A CSV is kept as one tuple
    of cells per column (`by_column`): `validate` reads a table a column at a time, and a
    mapping per row is most of the cost of reading 100,000 rows.
    """

    label: str
    columns: list[str] | None
    numbers: list[int]
    rows: list[dict[str, Any]] = field(default_factory=list)
    by_column: dict[str, tuple[Any, ...]] | None = None
    # The headers as written in the file (for messages); `columns` are the columns they name.
    found: list[str] | None = None

    def column(self, name: str) -> Sequence[Any]:
        """The cell of column `name` in every row, in order (None where a row lacks it)."""
        if self.by_column is not None:
            return self.by_column.get(name) or (None,) * len(self.numbers)
        return [row.get(name) for row in self.rows]


@dataclass
class RawInstance:
    source: Path
    meta_label: str
    meta: dict[str, Any]
    tables: dict[str, RawTable]
    problems: list[Problem] = field(default_factory=list)
    # Where each dotted policy key came from (workbook rows), for messages.
    key_rows: dict[str, int] = field(default_factory=dict)
    input_files: list[Path] = field(default_factory=list)
    # What a user may want to know but the load goes on without (unknown columns and
    # files); `--strict` makes them problems.
    warnings: list[Problem] = field(default_factory=list)
    # Tables that exist but could not be read (undecodable, bad header): references into
    # them are not checked, so one unreadable file is one problem, not hundreds.
    unreadable: set[str] = field(default_factory=set)


def read_raw(path: Path) -> RawInstance:
    """Read a folder, a .json file or a .xlsx workbook."""
    if not path.exists():
        raise UsageError(_("{path}: no such file or folder").format(path=path))
    if path.is_dir():
        return _read_folder(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _read_json(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_workbook(path)
    if path.name == "instance.yaml":
        return _read_folder(path.parent)
    raise UsageError(
        _("{path}: an instance is a folder with instance.yaml, a .json file or a .xlsx workbook").format(path=path)
    )


# ---------------------------------------------------------------- headers


def resolve_header(
    header: Sequence[Any], table: str, label: str, problems: list[Problem], warnings: list[Problem], row: int = 1,
    found: str | None = None,
) -> list[str | None]:
    """The column each header cell names (None for a blank, unknown or repeated one).

    A header is matched after `aliases.normalise` to a column or one of its other names; one
    a slip away from a known name is a problem ("did you mean …"), any other unknown header
    a warning. Either message lists the headers found.
    """
    lookup = column_lookup(table, TABLE_COLUMNS.get(table, INSTANCE_SHEET_COLUMNS))
    written = ["" if h is None else str(h) for h in header]
    if found is None:
        found = ", ".join(h.strip() for h in written if h.strip())
    out: list[str | None] = []
    first: dict[str, str] = {}
    for h in written:
        if not h.strip():
            out.append(None)  # a blank header cell, as a spreadsheet's trailing column
            continue
        column = lookup.get(normalise(h))
        if column is None:
            _unknown_name(h.strip(), lookup, label, row, found, "column", problems, warnings)
        elif column in first:
            first_header, again = first[column], h.strip()
            problems.append(Problem(label, row, column, again, _("the column is given twice (as {first_header!r} and {again!r}): keep one. Headers found: {found}").format(
                first_header=first_header, again=again, found=found)))
            column = None
        else:
            first[column] = h.strip()
        out.append(column)
    return out


def _unknown_name(
    name: str, lookup: dict[str, str], label: str, row: int | None, found: str, what: str,
    problems: list[Problem], warnings: list[Problem],
) -> None:
    near = near_misses(name, lookup)
    # a column is named in the column field; a sheet in the value field
    column, shown = (name, "") if what == "column" else ("", name)
    if near:
        names = spelled(near, lookup)
        problems.append(Problem(label, row, column, shown, _(_NEAR_MISS[what]).format(names=names, found=found)))
        return
    close = similar(name, lookup)
    names = spelled(close, lookup) if close else ""
    message = _UNKNOWN_CLOSE[what] if close else _UNKNOWN[what]
    warnings.append(Problem(label, row, column, shown, _(message).format(names=names, found=found)))


# Messages as format strings with named placeholders (one per kind of name, for translation).
_NEAR_MISS = {
    "column": N_("unknown column: did you mean {names}? Headers found: {found}"),
    "sheet": N_("unknown sheet: did you mean {names}? Sheets found: {found}"),
}
_UNKNOWN_CLOSE = {
    "column": N_("unknown column, ignored; the closest known: {names}. Headers found: {found}"),
    "sheet": N_("unknown sheet, ignored; the closest known: {names}. Sheets found: {found}"),
}
_UNKNOWN = {
    "column": N_("unknown column, ignored. Headers found: {found}"),
    "sheet": N_("unknown sheet, ignored. Sheets found: {found}"),
}


# ---------------------------------------------------------------- folder


def _decode(data: bytes) -> tuple[str | None, str, int]:
    """Text of a file, the encoding it was read in and, when it cannot be read, the offset
    of the first byte that is not text in that encoding.

    UTF-8 (a byte-order mark dropped) first. A file that is not UTF-8 but whose non-ASCII
    text is mostly good UTF-8 (more good characters than bad spots) is UTF-8 with a bad
    byte; any other is read as GB18030 (a superset of GBK and GB2312, what Chinese Excel
    saves), whose Chinese is almost never good UTF-8. UTF-16 with a byte-order mark (Excel's
    "Unicode Text") is read as such.
    """
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # Excel's "Unicode Text"
        try:
            return data.decode("utf-16"), "utf-16", -1
        except UnicodeDecodeError as exc:
            return None, "utf-16", exc.start
    try:
        return data.decode("utf-8-sig"), "utf-8", -1
    except UnicodeDecodeError as exc:
        utf8_at = exc.start
    loose = data.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    if sum(1 for ch in loose if ch > "\x7f") - bad > bad:
        return None, "utf-8", utf8_at
    try:
        return data.decode("gb18030"), "gb18030", -1
    except UnicodeDecodeError as exc:
        return None, "gb18030", exc.start


def _read_text(path: Path, problems: list[Problem], table: str | None = None) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path.name, None, "", "", _("cannot read the file: {error}").format(error=exc.strerror)))
        return None
    text, encoding, at = _decode(data)
    if text is not None:
        return text
    line_start = data.rfind(b"\n", 0, at) + 1
    line = data.count(b"\n", 0, at) + 1
    column = ""
    if table is not None:  # name the CSV column the byte is in, from the header
        first_line = data.split(b"\n", 1)[0].decode(encoding, errors="replace").lstrip("\ufeff")
        header = next(csv.reader([first_line]), [])
        cell = len(next(csv.reader([data[line_start:at].decode(encoding, errors="replace")]), [""])) - 1
        if 0 <= cell < len(header):
            column = column_lookup(table, TABLE_COLUMNS[table]).get(normalise(header[cell]), header[cell].strip())
    encoding, offset = encoding.upper(), at
    problems.append(Problem(path.name, line, column, "", _(
        "cannot be read as text: the file looks like {encoding}, but byte offset {offset} is not "
        "valid {encoding} (UTF-8, GB18030/GBK and UTF-16 with a byte-order mark are read); retype that cell, or save the file "
        "again from Excel as 'CSV UTF-8'"
    ).format(encoding=encoding, offset=offset)))
    return None


def _csv_table(text: str, label: str, name: str, problems: list[Problem], warnings: list[Problem]) -> RawTable:
    first = text.split("\n", 1)[0]
    # Excel's "Unicode Text" and "Text (Tab delimited)" separate cells by tabs.
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(label, 1, "", "", _("the file is empty: expected a header row")))
        return RawTable(label, [], [])
    columns = resolve_header(header, name, label, problems, warnings)
    width = len(header)
    numbers: list[int] = []
    records: list[list[str]] = []
    for n, cells in enumerate(reader, start=2):
        # (a non-blank first cell is the common case, and the cheap test for it)
        if not (cells and cells[0].strip()) and not any(c.strip() for c in cells):
            continue  # blank line, as Excel leaves at the end
        if len(cells) != width:
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                problems.append(Problem(label, n, "", "", _("has {cells} cells but the header has {width}").format(cells=len(cells), width=width)))
            cells = (cells + [""] * (width - len(cells)))[:width]  # a short row's missing cells are blank
        numbers.append(n)
        records.append(cells)
    if "'" in text:  # cells written neutralised against formula injection (see unneutralise)
        records = [[unneutralise_text(c) if c[:1] == "'" else c for c in cells] for cells in records]
    # Transposed in one go; only the columns a header names are kept.
    by_column = (
        {c: cells for c, cells in zip(columns, zip(*records, strict=True), strict=True) if c is not None}
        if records else {}
    )
    return RawTable(label, [c for c in columns if c is not None], numbers, by_column=by_column,
                    found=[h.strip() for h in header])


def _ignored_file(p: Path) -> bool:
    name = p.name
    return (p.is_dir() or name.startswith((".", "~$")) or name.lower().startswith("readme")
            or p.suffix.lower() in (".md", ".txt"))


def _unknown_files(folder: Path, warnings: list[Problem]) -> None:
    known = {normalise(f): f for f in KNOWN_FILES}
    for p in sorted(folder.iterdir()):
        if p.name in KNOWN_FILES or _ignored_file(p):
            continue
        near = known.get(normalise(p.name)) or next((known[s] for s in near_misses(p.name, known)), None)
        hint = _(" (did you mean {near}?)").format(near=near) if near else ""
        warnings.append(Problem(p.name, None, "", "", _("unknown file, ignored{hint}: an instance folder holds {files}").format(
            hint=hint, files=", ".join(KNOWN_FILES))))


def _read_folder(folder: Path) -> RawInstance:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    unreadable: set[str] = set()
    meta: dict[str, Any] = {}
    inputs: list[Path] = []
    yaml_path = folder / "instance.yaml"
    if not yaml_path.exists():
        problems.append(Problem("instance.yaml", None, "", "", _("missing from {folder}").format(folder=folder)))
        unreadable.add("communities")
    else:
        inputs.append(yaml_path)
        text = _read_text(yaml_path, problems)
        if text is None:
            unreadable.add("communities")
        else:
            import yaml

            try:
                loaded = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                row = mark.line + 1 if mark is not None else None
                problems.append(
                    Problem("instance.yaml", row, "", "", _("is not valid YAML: {error}").format(error=getattr(exc, "problem", exc)))
                )
                unreadable.add("communities")
                loaded = {}
            if loaded is None:
                loaded = {}
            if not isinstance(loaded, dict):
                problems.append(Problem("instance.yaml", None, "", "", _("must be a mapping of keys (name, policy, communities)")))
                unreadable.add("communities")
                loaded = {}
            loaded = _table_keys(loaded, ("communities",))
            meta = {**_meta_keys(loaded, "instance.yaml", ("communities",), problems, warnings),
                    **({"communities": loaded["communities"]} if "communities" in loaded else {})}
    _unknown_files(folder, warnings)
    tables: dict[str, RawTable] = {}
    for name in ("institutions", "staff", "requirements", "workload", "pins", "budgets", "preferences"):
        p = folder / f"{name}.csv"
        if not p.exists():
            if name in REQUIRED_TABLES:
                problems.append(Problem(f"{name}.csv", None, "", "", _("missing from {folder}").format(folder=folder)))
                unreadable.add(name)
            continue
        inputs.append(p)
        text = _read_text(p, problems, name)
        if text is None:
            unreadable.add(name)
        else:
            tables[name] = _csv_table(text, f"{name}.csv", name, problems, warnings)
    tables["communities"] = _list_table(meta.get("communities"), "instance.yaml: communities", problems, "communities", warnings)
    return RawInstance(folder, "instance.yaml", meta, tables, problems, input_files=inputs, warnings=warnings,
                       unreadable=unreadable)


def _table_keys(data: dict[Any, Any], tables: tuple[str, ...]) -> dict[Any, Any]:
    """A JSON or YAML mapping with a table's other name (`人员`, ` Staff `) read as the table."""
    lookup = table_lookup(tables)
    return {lookup.get(normalise(k), k) if isinstance(k, str) else k: v for k, v in data.items()}


_TOP_KEYS = ("name", "policy", "horizon")


def _meta_keys(data: dict[Any, Any], label: str, tables: tuple[str, ...], problems: list[Problem],
               warnings: list[Problem]) -> dict[str, Any]:
    """The name, policy and horizon of a JSON or YAML instance, read as the workbook's instance
    sheet reads them: every key (inside policy and horizon too) by any of its names
    (`政策: {管理模式: 统一管理}`), Chinese values of modes, levels, tiers and switches as codes.
    A top-level key that is none of these nor a table is never dropped in silence: a slip
    from a known one is a problem ("did you mean"), any other is ignored with a warning."""
    parts = key_part_lookup()
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in tables:
            continue
        part = parts.get(normalise(key), normalise(key)) if isinstance(key, str) else key
        if part in _TOP_KEYS:
            out[part] = _nested_keys(value, part, parts) if isinstance(value, dict) else value
            continue
        spellings = {normalise(n): n for n in (*_TOP_KEYS, *tables)}
        spellings.update({normalise(chinese("key", n)): n for n in _TOP_KEYS})
        spellings.update({normalise(a): t for t in tables for a in TABLE_ALIASES.get(t, ())})
        near = sorted({spellings[s] for s in near_misses(str(key), spellings)})
        if near:
            problems.append(Problem(label, None, str(key), "", _("unknown key: did you mean {names}?").format(
                names=", ".join(near))))
        else:
            warnings.append(Problem(label, None, str(key), "", _("unknown key, ignored: the keys are listed in docs/input.md")))
    return out


def _nested_keys(node: dict[Any, Any], prefix: str, parts: dict[str, str]) -> dict[Any, Any]:
    """A policy or horizon mapping with its keys' other names read as the keys (an unknown key
    kept as written, for the policy's own check to name) and Chinese values as codes."""
    out: dict[Any, Any] = {}
    for key, value in node.items():
        part = parts.get(normalise(key), key) if isinstance(key, str) else key
        dotted = f"{prefix}.{part}"
        if isinstance(value, dict):
            value = _nested_keys(value, dotted, parts)
        elif part == "norms":
            value = _norms(value)
        else:
            value = _coded(dotted, value)
        out[part] = value
    return out


def _list_table(
    items: Any, label: str, problems: list[Problem], table: str | None = None, warnings: list[Problem] | None = None,
) -> RawTable:
    """A list of mappings (YAML or JSON) as a table; row = position in the list, from 1.

    Keys are matched to columns as headers are (`resolve_header`); an unknown key is
    reported once, at the first row that has it."""
    numbers: list[int] = []
    rows: list[dict[str, Any]] = []
    if items is None:
        return RawTable(label, None, numbers, rows)
    if not isinstance(items, list):
        problems.append(Problem(label, None, "", "", _("must be a list of rows")))
        return RawTable(label, None, numbers, rows)
    columns: dict[Any, str | None] = {}  # key as written → column
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(label, n, "", str(item), _("must be a mapping of column: value")))
            continue
        new = [k for k in item if k not in columns]
        if new and table is not None:
            found = ", ".join(str(k) for k in item)
            named = resolve_header(new, table, label, problems, warnings if warnings is not None else [], n, found)
            columns.update(zip(new, named, strict=True))
        if table is not None and any(columns.get(k) != k for k in item):
            mapped: dict[str, Any] = {}
            for k, v in item.items():
                column = columns.get(k)
                if column is None:
                    continue
                if column in mapped:
                    problems.append(Problem(label, n, column, str(k), _("the column is given twice: keep one")))
                mapped[column] = v
            item = mapped
        numbers.append(n)
        rows.append(item)
    return RawTable(label, None, numbers, rows)


# ---------------------------------------------------------------- JSON


def _read_json(path: Path) -> RawInstance:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    label = path.name
    text = _read_text(path, problems)
    data: Any = {}
    if text is not None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(label, exc.lineno, f"char {exc.colno}", "", _("is not valid JSON: {error}").format(error=exc.msg)))
            data = {}
    unreadable = set(SHEETS) if text is None or not isinstance(data, dict) else set()
    if not isinstance(data, dict):
        problems.append(Problem(label, None, "", "", _("must be a JSON object with keys name, policy, communities, institutions, staff, requirements")))
        data = {}
    data = _table_keys(data, SHEETS)
    tables: dict[str, RawTable] = {}
    for name in ("institutions", "staff", "requirements", "workload", "communities", "pins", "budgets",
                 "preferences"):
        if name not in data:
            if name in REQUIRED_TABLES and not unreadable:
                problems.append(Problem(label, None, name, "", _("key {name!r} is missing").format(name=name)))
                unreadable.add(name)
            continue
        tables[name] = _list_table(data[name], f"{label}: {name}", problems, name, warnings)
    meta = _meta_keys(data, label, SHEETS, problems, warnings)
    return RawInstance(path, label, meta, tables, problems, input_files=[path], warnings=warnings, unreadable=unreadable)


# ---------------------------------------------------------------- workbook

INSTANCE_SHEET_COLUMNS = ("key", "value")
_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")


def _formula_sheets(path: Path) -> bool:
    """Whether any sheet holds a formula (a cheap look at the raw XML, before a second read)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return any(_FORMULA.search(z.read(n)) for n in z.namelist() if n.startswith("xl/worksheets/"))
    except (OSError, zipfile.BadZipFile, KeyError):
        return False


def _unsaved_formulas(path: Path, values: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[int, int]]]:
    """Per sheet, the (row, column index) of each formula without a saved value.

    A workbook written by a program (not Excel) keeps formulas without their result, and
    reading values gives a blank; read again with the formulas, a formula shows where the
    values gave nothing. Only done when the workbook has a formula at all.
    """
    if not _formula_sheets(path):
        return {}
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    out: dict[str, list[tuple[int, int]]] = {}
    try:
        for sheet, rows in values.items():
            for n, (seen, formulas) in enumerate(zip(rows, wb[sheet].iter_rows(values_only=True), strict=False), start=1):
                for i, f in enumerate(formulas):
                    if f is not None and (i >= len(seen) or seen[i] is None):
                        out.setdefault(sheet, []).append((n, i))
    finally:
        wb.close()
    return out


def _read_workbook(path: Path) -> RawInstance:
    import openpyxl

    problems: list[Problem] = []
    warnings: list[Problem] = []
    label = path.name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        problems.append(Problem(label, None, "", "", _("is not a readable .xlsx workbook: {error}").format(error=exc)))
        return RawInstance(path, f"{label}: instance", {}, {}, problems, input_files=[path], unreadable=set(SHEETS))
    tables: dict[str, RawTable] = {}
    meta: dict[str, Any] = {}
    key_rows: dict[str, int] = {}
    # Each sheet under the table it holds (an English or Chinese name, any case).
    lookup = table_lookup(SHEETS)
    found = ", ".join(wb.sheetnames)
    sheet_of: dict[str, str] = {}
    for sheet in wb.sheetnames:
        name = lookup.get(normalise(sheet))
        if name is None:
            _unknown_name(sheet, lookup, label, None, found, "sheet", problems, warnings)
        elif name in sheet_of:
            first_sheet = sheet_of[name]
            problems.append(Problem(label, None, "", "", _("sheets {first_sheet!r} and {sheet!r} are the same table: keep one").format(
                first_sheet=first_sheet, sheet=sheet)))
        else:
            sheet_of[name] = sheet
    values: dict[str, list[tuple[Any, ...]]] = {}
    headers: dict[str, list[str | None]] = {}
    unreadable: set[str] = set()
    for name in SHEETS:
        if name not in sheet_of:
            if name in REQUIRED_TABLES or name in ("instance", "communities"):
                problems.append(Problem(label, None, "", "", _("has no sheet {name!r} (sheets: {sheets})").format(
                    name=labels.value("input_sheet", name), sheets=", ".join(wb.sheetnames))))
                unreadable.add(name)
            continue
        sheet = sheet_of[name]
        raw_rows = list(wb[sheet].iter_rows(values_only=True))
        values[sheet] = raw_rows
        sheet_label = f"{label}: {sheet}"
        if not raw_rows:
            problems.append(Problem(sheet_label, 1, "", "", _("the sheet is empty: expected a header row")))
            continue
        header = headers[sheet] = resolve_header(raw_rows[0], name, sheet_label, problems, warnings)
        rows: list[tuple[int, dict[str, Any]]] = []
        for n, cells in enumerate(raw_rows[1:], start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            rows.append((n, {h: (unneutralise(cells[i]) if i < len(cells) else None) for i, h in enumerate(header) if h}))
        if name == "instance":
            if "key" not in header or "value" not in header:
                problems.append(Problem(sheet_label, 1, "", "", _("must have columns key,value")))
                continue
            meta = _dotted_to_nested(rows, sheet_label, problems, key_rows, warnings)
        else:
            tables[name] = RawTable(sheet_label, [h for h in header if h], [n for n, _ in rows], [cells for _, cells in rows],
                                    found=["" if h is None else str(h).strip() for h in raw_rows[0]])
    wb.close()
    for sheet, cells in _unsaved_formulas(path, values).items():
        for n, i in cells:
            header = headers.get(sheet, [])
            column = (header[i] if i < len(header) else None) or _column_letter(i)
            problems.append(Problem(f"{label}: {sheet}", n, column, "", (
                _("a formula without a saved value: open and save it in Excel, or type the value"))))
    instance_label = f"{label}: {sheet_of.get('instance', 'instance')}"
    return RawInstance(path, instance_label, meta, tables, problems, key_rows, input_files=[path], warnings=warnings,
                       unreadable=unreadable)


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _model_keys(prefix: str, model: Any, out: list[str]) -> None:
    """The dotted keys of a policy model's fields; a mapping by title or funding gives a key per code."""
    import types
    import typing

    from pydantic import BaseModel

    for name, info in model.model_fields.items():
        key, ann = f"{prefix}.{name}", info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            _model_keys(key, ann, out)
            continue
        union = typing.get_args(ann) if typing.get_origin(ann) in (typing.Union, types.UnionType) else (ann,)
        if any(typing.get_origin(k) is not dict for k in union):
            out.append(key)  # retirement_age: one number, or one per title
        for k in union:
            if typing.get_origin(k) is dict:
                out.extend(f"{key}.{code.value}" for code in typing.get_args(k)[0])


def instance_keys() -> list[str]:
    """Every key the workbook's instance sheet knows, in English (`policy.max_distance_km`)."""
    out = ["name", "horizon.start", "horizon.years"]
    _model_keys("policy", Policy, out)
    return out


def chinese_key(key: str) -> str:
    """An instance-sheet key in Chinese, part by part (`政策.最远调动距离km`)."""
    return ".".join(chinese("key", part) for part in key.split("."))


def _key_lookup() -> dict[str, str]:
    """Every accepted spelling (normalised) of an instance-sheet key → the key."""
    out: dict[str, str] = {}
    for key in instance_keys():
        out[key] = key
        out[normalise(chinese_key(key))] = key
    return out


def _english(key: str, parts: dict[str, str]) -> str:
    """A written key part by part in English (parts not known kept, normalised)."""
    return ".".join(parts.get(normalise(p), normalise(p)) for p in re.split(r"[.．。]", key))


def _key_problem(key: str, parts: dict[str, str], known: dict[str, str], label: str, n: int,
                 problems: list[Problem], warnings: list[Problem]) -> None:
    """A key a slip away from a known one, or in `policy` or `horizon`, is a problem; any
    other unknown key (a note a planner added) is ignored with a warning, as an unknown column."""
    english = _english(key, parts)
    near = [s for k in (key, english, f"policy.{english}", f"{chinese('key', 'policy')}.{key}") for s in near_misses(k, known)]
    names = ", ".join(dict.fromkeys(f"{known[s]} ({chinese_key(known[s])})" for s in near))
    if names:
        problems.append(Problem(label, n, "key", key, _("unknown key: did you mean {names}?").format(names=names)))
    elif english.split(".", 1)[0] in ("policy", "horizon"):
        problems.append(Problem(label, n, "key", key, _("unknown key: the keys are listed in docs/input.md")))
    else:
        warnings.append(Problem(label, n, "key", key, _("unknown key, ignored: the keys are listed in docs/input.md")))


def _number_text(value: str) -> Any:
    """A number typed as text (`300,000`, full-width `４０`) as the number, as in the tables;
    any other text unchanged."""
    plain = value.replace(",", "").replace("，", "")
    for kind in (int, float):
        try:
            number = kind(plain)
        except ValueError:
            continue
        return number if math.isfinite(number) else value
    return value


def _coded(key: str, value: Any) -> Any:
    """A Chinese value of an instance-sheet key as its English code (mode, levels, tiers, yes/no)."""
    kind = KEY_VALUE_KIND.get(key.rsplit(".", 1)[-1])
    if kind is None:
        return value
    codes = value_lookup(kind)
    if isinstance(value, list):
        return [codes.get(v, v) for v in value]
    return codes.get(value, value) if isinstance(value, str) else value


def _norms(value: Any) -> Any:
    """Population norms with Chinese field names or values as English codes."""
    if not isinstance(value, list):
        return value
    fields = {n: f for f, names in NORM_ALIASES.items() for n in names}
    out = []
    for rec in value:
        if not isinstance(rec, dict):
            out.append(rec)
            continue
        rec = {fields.get(k, k) if isinstance(k, str) else k: v for k, v in rec.items()}
        for f, kind in NORM_VALUE_KIND.items():
            if isinstance(rec.get(f), str):
                rec[f] = value_lookup(kind).get(rec[f], rec[f])
        out.append(rec)
    return out


def _dotted_to_nested(
    rows: list[tuple[int, dict[str, Any]]], label: str, problems: list[Problem], key_rows: dict[str, int],
    warnings: list[Problem],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    parts_of, known = key_part_lookup(), _key_lookup()
    for n, row in rows:
        key = row.get("key")
        value = row.get("value")
        if key is None or not str(key).strip():
            problems.append(Problem(label, n, "key", "", _("a value without a key")))
            continue
        written = str(key).strip()
        english = _english(written, parts_of)
        # a policy or horizon key may leave out its group (`管理模式`, `起始年份`)
        found = next((known[k] for k in (english, f"policy.{english}", f"horizon.{english}", normalise(written))
                      if k in known), None)
        if found is None:
            _key_problem(written, parts_of, known, label, n, problems, warnings)
            continue
        key = found
        parts = key.split(".")
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            continue  # blank means not given
        if parts[-1] in LIST_KEYS:
            value = [v.strip() for v in re.split(r"[,，、]", str(value)) if v.strip()]
        elif parts[-1] in JSON_KEYS:
            try:
                value = _norms(json.loads(str(value)))  # a list of records in one cell, as convert writes it
            except json.JSONDecodeError as exc:
                problems.append(Problem(label, n, "value", str(value)[:60], _("{key} must be a JSON list: {error}").format(key=key, error=exc.msg)))
                continue
        elif isinstance(value, str) and key != "name":
            value = _number_text(value)
        value = _coded(key, value)
        node = out
        for part in parts[:-1]:
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                problems.append(Problem(label, n, "key", key, _("{part!r} is a value, not a group of keys").format(part=part)))
                break
            node = nxt
        else:
            if parts[-1] in node:
                problems.append(Problem(label, n, "key", written, _("the key is given twice")))
            node[parts[-1]] = value
            key_rows[key] = n
    return out


# ---------------------------------------------------------------- writing






# Text a spreadsheet would run as a formula (OWASP "CSV Injection"): a cell of user text
# starting with one of these gets a leading single quote. Plain numbers (-3, +1.5e2) are data.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """A user's text made safe to open in Excel: `=1+2` → `'=1+2`. Also quotes text that
    already starts with quotes before such a character (`'=x` → `''=x`), so reading, which
    drops one quote (`unneutralise`), gives back exactly what was written. Non-text and
    plain numbers pass unchanged."""
    if not isinstance(value, str) or not value:
        return value
    rest = value.lstrip("'")
    if rest.startswith(FORMULA_START) and not (value[0] != "'" and _NUMBER.fullmatch(value)):
        return "'" + value
    return value


def unneutralise_text(text: str) -> str:
    """The inverse of `neutralise` on a cell read from a CSV or workbook: one leading quote
    before quotes and a formula character is dropped; any other text is kept as it is."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_START):
        return text[1:]
    return text


def unneutralise(value: object) -> object:
    return unneutralise_text(value) if isinstance(value, str) else value


















