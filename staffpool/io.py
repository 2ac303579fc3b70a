"""Reading the three instance forms into raw tables, and writing files atomically.

Reading does not judge values: `validate` does. Every cell keeps the location a planner
sees (file or sheet, spreadsheet row), so a problem can name it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem, UsageError

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "institutions": (
        "id", "name", "community", "tier", "funding", "approved_posts",
        "service_population", "x_km", "y_km", "capacity",
    ),
    "staff": (
        "id", "name", "status", "title", "specialty", "post_funding", "quota_holder",
        "posted_at", "community", "mobile", "grassroots_due",
    ),
    "requirements": ("institution", "specialty", "min_title", "need", "weight"),
    "workload": (
        "institution", "specialty", "min_title", "activity", "kind", "annual_volume",
        "unit_minutes", "hours_per_year", "staff_doing",
    ),
    "communities": ("id", "name", "hiring_budget", "max_moves"),
}
# Columns that may be left out of a file altogether (every cell then blank).
OPTIONAL_COLUMNS: dict[str, set[str]] = {
    "institutions": {"name", "capacity", "service_population"},
    "staff": {"name", "post_funding", "quota_holder", "community", "mobile", "grassroots_due"},
    "requirements": {"weight"},
    "workload": {"annual_volume", "unit_minutes", "hours_per_year", "staff_doing"},
    "communities": {"name", "hiring_budget", "max_moves"},
}
REQUIRED_TABLES = ("institutions", "staff", "requirements")
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


def read_raw(path: Path) -> RawInstance:
    """Read a folder, a .json file or a .xlsx workbook."""
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
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
        f"{path}: an instance is a folder with instance.yaml, a .json file or a .xlsx workbook"
    )


# ---------------------------------------------------------------- folder


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path.name, None, "", "", f"cannot read the file: {exc.strerror}"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(
                path.name, None, "", "",
                f"is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8' from Excel",
            )
        )
        return None


def _csv_table(text: str, label: str, name: str, problems: list[Problem]) -> RawTable:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(label, 1, "", "", "the file is empty: expected a header row"))
        return RawTable(label, [], [])
    header = [h.strip() for h in header]
    width = len(header)
    numbers: list[int] = []
    records: list[list[str]] = []
    for n, cells in enumerate(reader, start=2):
        # (a non-blank first cell is the common case, and the cheap test for it)
        if not (cells and cells[0].strip()) and not any(c.strip() for c in cells):
            continue  # blank line, as Excel leaves at the end
        if len(cells) != width:
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                problems.append(Problem(label, n, "", "", f"has {len(cells)} cells but the header has {width}"))
            cells = (cells + [""] * (width - len(cells)))[:width]  # a short row's missing cells are blank
        numbers.append(n)
        records.append(cells)
    if "'" in text:  # cells written neutralised against formula injection (see unneutralise)
        records = [[unneutralise_text(c) if c[:1] == "'" else c for c in cells] for cells in records]
    # Transposed in one go; a column named twice keeps its last cells, as a mapping would.
    by_column = dict(zip(header, zip(*records, strict=True), strict=True)) if records else {}
    return RawTable(label, header, numbers, by_column=by_column)


def _read_folder(folder: Path) -> RawInstance:
    problems: list[Problem] = []
    meta: dict[str, Any] = {}
    inputs: list[Path] = []
    yaml_path = folder / "instance.yaml"
    if not yaml_path.exists():
        problems.append(Problem("instance.yaml", None, "", "", f"missing from {folder}"))
    else:
        inputs.append(yaml_path)
        text = _read_text(yaml_path, problems)
        if text is not None:
            import yaml

            try:
                loaded = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                row = mark.line + 1 if mark is not None else None
                problems.append(
                    Problem("instance.yaml", row, "", "", f"is not valid YAML: {getattr(exc, 'problem', exc)}")
                )
                loaded = {}
            if loaded is None:
                loaded = {}
            if not isinstance(loaded, dict):
                problems.append(Problem("instance.yaml", None, "", "", "must be a mapping of keys (name, policy, communities)"))
                loaded = {}
            meta = loaded
    tables: dict[str, RawTable] = {}
    for name in ("institutions", "staff", "requirements", "workload"):
        p = folder / f"{name}.csv"
        if not p.exists():
            if name in REQUIRED_TABLES:
                problems.append(Problem(f"{name}.csv", None, "", "", f"missing from {folder}"))
            continue
        inputs.append(p)
        text = _read_text(p, problems)
        if text is not None:
            tables[name] = _csv_table(text, f"{name}.csv", name, problems)
    tables["communities"] = _list_table(meta.get("communities"), "instance.yaml: communities", problems)
    return RawInstance(folder, "instance.yaml", meta, tables, problems, input_files=inputs)


def _list_table(items: Any, label: str, problems: list[Problem]) -> RawTable:
    """A list of mappings (YAML or JSON) as a table; row = position in the list, from 1."""
    numbers: list[int] = []
    rows: list[dict[str, Any]] = []
    if items is None:
        return RawTable(label, None, numbers, rows)
    if not isinstance(items, list):
        problems.append(Problem(label, None, "", "", "must be a list of rows"))
        return RawTable(label, None, numbers, rows)
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(label, n, "", str(item), "must be a mapping of column: value"))
            continue
        numbers.append(n)
        rows.append(item)
    return RawTable(label, None, numbers, rows)


# ---------------------------------------------------------------- JSON


def _read_json(path: Path) -> RawInstance:
    problems: list[Problem] = []
    label = path.name
    text = _read_text(path, problems)
    data: Any = {}
    if text is not None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(label, exc.lineno, f"char {exc.colno}", "", f"is not valid JSON: {exc.msg}"))
            data = {}
    if not isinstance(data, dict):
        problems.append(Problem(label, None, "", "", "must be a JSON object with keys name, policy, communities, institutions, staff, requirements"))
        data = {}
    tables: dict[str, RawTable] = {}
    for name in ("institutions", "staff", "requirements", "workload", "communities"):
        if name not in data:
            if name in REQUIRED_TABLES:
                problems.append(Problem(label, None, name, "", f"key {name!r} is missing"))
            continue
        tables[name] = _list_table(data[name], f"{label}: {name}", problems)
    meta = {k: v for k, v in data.items() if k in ("name", "policy")}
    return RawInstance(path, label, meta, tables, problems, input_files=[path])


# ---------------------------------------------------------------- workbook


def _read_workbook(path: Path) -> RawInstance:
    import openpyxl

    problems: list[Problem] = []
    label = path.name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        problems.append(Problem(label, None, "", "", f"is not a readable .xlsx workbook: {exc}"))
        return RawInstance(path, f"{label}: instance", {}, {}, problems, input_files=[path])
    tables: dict[str, RawTable] = {}
    meta: dict[str, Any] = {}
    key_rows: dict[str, int] = {}
    sheets = set(wb.sheetnames)
    for name in ("instance", "communities", "institutions", "staff", "requirements", "workload"):
        if name not in sheets:
            if name in REQUIRED_TABLES or name in ("instance", "communities"):
                problems.append(Problem(label, None, "", "", f"has no sheet {name!r} (sheets: {', '.join(wb.sheetnames)})"))
            continue
        ws = wb[name]
        raw_rows = list(ws.iter_rows(values_only=True))
        sheet_label = f"{label}: {name}"
        if not raw_rows:
            problems.append(Problem(sheet_label, 1, "", "", "the sheet is empty: expected a header row"))
            continue
        header = ["" if h is None else str(h).strip() for h in raw_rows[0]]
        rows: list[tuple[int, dict[str, Any]]] = []
        for n, cells in enumerate(raw_rows[1:], start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            rows.append((n, {h: (unneutralise(cells[i]) if i < len(cells) else None) for i, h in enumerate(header) if h}))
        if name == "instance":
            if "key" not in header or "value" not in header:
                problems.append(Problem(sheet_label, 1, "", "", "must have columns key,value"))
                continue
            meta = _dotted_to_nested(rows, sheet_label, problems, key_rows)
        else:
            tables[name] = RawTable(sheet_label, header, [n for n, _ in rows], [cells for _, cells in rows])
    wb.close()
    return RawInstance(path, f"{label}: instance", meta, tables, problems, key_rows, input_files=[path])


def _dotted_to_nested(
    rows: list[tuple[int, dict[str, Any]]], label: str, problems: list[Problem], key_rows: dict[str, int]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n, row in rows:
        key = row.get("key")
        value = row.get("value")
        if key is None or not str(key).strip():
            problems.append(Problem(label, n, "key", "", "a value without a key"))
            continue
        key = str(key).strip()
        parts = key.split(".")
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            continue  # blank means not given
        if parts[-1] in LIST_KEYS:
            value = [v.strip() for v in str(value).split(",") if v.strip()]
        elif parts[-1] in JSON_KEYS:
            try:
                value = json.loads(str(value))  # a list of records in one cell, as convert writes it
            except json.JSONDecodeError as exc:
                problems.append(Problem(label, n, "value", str(value)[:60], f"{key} must be a JSON list: {exc.msg}"))
                continue
        node = out
        for part in parts[:-1]:
            nxt = node.setdefault(part, {})
            if not isinstance(nxt, dict):
                problems.append(Problem(label, n, "key", key, f"{part!r} is a value, not a group of keys"))
                break
            node = nxt
        else:
            if parts[-1] in node:
                problems.append(Problem(label, n, "key", key, "the key is given twice"))
            node[parts[-1]] = value
            key_rows[key] = n
    return out


# ---------------------------------------------------------------- writing


def ensure_not_input(out: Path, names: Iterable[str], inputs: Iterable[Path]) -> None:
    """Refuse to write a file over one of the instance's input files."""
    targets = {(out / n).resolve() for n in names}
    for p in inputs:
        if p.resolve() in targets:
            raise UsageError(f"{out / p.name}: refusing to overwrite an input file; choose another --out folder")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file 0600; a result file gets the mode any new file would get
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


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


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], line_end: str = "\n") -> str:
    """A header and rows as CSV text (minimal quoting); the one CSV writer of every output.
    Text cells are neutralised against formula injection."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end)
    w.writerow(_safe_row(header))
    w.writerows(_safe_row(row) for row in rows)
    return buf.getvalue()


_RISKY_START = frozenset("".join(FORMULA_START) + "'")


def _safe_row(row: Sequence[object]) -> Sequence[object]:
    # Most rows have no risky cell: test cheaply, neutralise only rows that do (0.3 µs a cell less).
    for c in row:
        if type(c) is str and c[:1] in _RISKY_START:
            return [neutralise(x) for x in row]
    return row


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_files_atomic(out: Path, files: dict[str, str]) -> None:
    """Write several files; each lands whole or not at all."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        write_text_atomic(out / name, text)


def refuse_existing(paths: Iterable[Path], force: bool, folder: bool = False) -> None:
    """Nothing a user made is overwritten: an existing target needs --force (where a
    `folder` is to be written, an empty folder does not count)."""
    existing = [p for p in paths if (p.exists() or p.is_symlink()) and not (folder and _empty_folder(p))]
    if existing and not force:
        shown = ", ".join(str(p) for p in existing[:5]) + (f" and {len(existing) - 5} more" if len(existing) > 5 else "")
        raise UsageError(f"{shown} already exist{'s' if len(existing) == 1 else ''}; "
                         "pass --force to replace, or choose another --out")


def _empty_folder(p: Path) -> bool:
    """An empty folder holds nothing to lose: writing a folder there needs no --force."""
    return p.is_dir() and not p.is_symlink() and not any(p.iterdir())


def write_folder_atomic(out: Path, files: Mapping[str, str | bytes], force: bool = False) -> None:
    """Write a whole folder (an instance) so that it appears complete or not at all: the files
    go into a temporary folder beside `out`, which is then renamed to `out`.

    An existing `out` is refused unless `force`; even then only a folder holding nothing but
    files of the names written (an earlier run's) is replaced: staffpool never deletes what
    it did not write."""
    if out.exists() or out.is_symlink():
        refuse_existing([out], force, folder=True)
        if not out.is_dir() or out.is_symlink():
            raise UsageError(f"{out} exists and is not a folder; choose another --out")
        others = sorted(p.name for p in out.iterdir() if p.name not in files)
        if others:
            raise UsageError(f"{out} holds files staffpool did not write ({', '.join(others[:5])}); "
                             "--force only replaces an instance folder; choose a new --out folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    old: Path | None = None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it 0700
        for name, data in files.items():
            target = tmp / name
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                target.write_text(data, encoding="utf-8", newline="")
            os.chmod(target, 0o666 & ~umask)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            if not out.exists() and (old / out.name).exists():
                os.replace(old / out.name, out)  # the new folder never landed: put the old one back
            shutil.rmtree(old, ignore_errors=True)
