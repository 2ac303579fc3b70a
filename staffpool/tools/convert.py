"""Writing an `Instance` in each of the three forms of docs/input.md (folder, JSON, workbook).

Nothing existing is overwritten unless `force`; text cells of the CSVs and the workbook
are neutralised against formula injection (io.neutralise)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from staffpool.domain.instance import DEFAULT_ROTATION_OBJECTIVE, Instance
from staffpool.errors import UsageError
from staffpool.i18n import _, language
from staffpool.inputs.aliases import COLUMN_ALIASES, KEY_VALUE_KIND, NORM_VALUE_KIND, TABLE_ALIASES, chinese
from staffpool.inputs.read import SPARSE_COLUMNS, TABLE_COLUMNS, YEAR_COLUMNS, chinese_key, neutralise
from staffpool.outputs.files import atomic_path, csv_text, refuse_existing, write_folder_atomic, write_text_atomic


def _rows(instance: Instance, table: str) -> list[dict[str, Any]]:
    items = {"institutions": instance.institutions, "staff": instance.staff,
             "requirements": instance.requirements, "workload": instance.workload,
             "communities": instance.communities, "pins": instance.pins, "budgets": instance.budgets,
             "preferences": instance.preferences}[table]
    rows = [item.model_dump(mode="json") for item in items]
    if table == "staff":  # windows as a cell is written: `1;2`; none given: no column at all
        used = any(row["rotation_windows"] for row in rows)
        for row in rows:
            windows = row.pop("rotation_windows")
            if used:
                row["rotation_windows"] = ";".join(map(str, windows)) or None
    return rows


def _columns(instance: Instance, table: str) -> list[str]:
    """The table's columns; those about years only when some row gives one (a one-year
    instance converts as it always did)."""
    rows = _rows(instance, table)
    unused = {c for c in YEAR_COLUMNS.get(table, ()) + SPARSE_COLUMNS.get(table, ()) if all(r.get(c) in (None, 0) for r in rows)}
    return [c for c in TABLE_COLUMNS[table] if c not in unused]


def _horizon(instance: Instance) -> dict[str, Any]:
    """The horizon as written back: only what was set (no horizon: one year, as before)."""
    return instance.horizon.model_dump(mode="json", exclude_defaults=True)


def _optional_tables(instance: Instance) -> list[str]:
    return [t for t in ("workload", "pins", "budgets", "preferences") if getattr(instance, t)]


def _policy(instance: Instance) -> dict[str, Any]:
    data = instance.policy.model_dump(mode="json")
    if instance.policy.rotation.objective == DEFAULT_ROTATION_OBJECTIVE:  # as before the key existed
        del data["rotation"]["objective"]
    return data


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _flatten(prefix: str, value: Any, out: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}", v, out)
    elif isinstance(value, list):
        if value and isinstance(value[0], dict):
            out.append((prefix, json.dumps(value)))  # e.g. policy.norms: JSON text in one cell
        else:
            out.append((prefix, ",".join(str(v) for v in value)))
    else:
        out.append((prefix, value))


def write_json(instance: Instance, path: Path, force: bool = False) -> None:
    refuse_existing([path], force)
    data = {"name": instance.name, "policy": _policy(instance),
            **{t: _rows(instance, t) for t in ("communities", "institutions", "staff", "requirements")}}
    if _horizon(instance):
        data["horizon"] = _horizon(instance)
    for t in _optional_tables(instance):
        data[t] = _rows(instance, t)
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_folder(instance: Instance, folder: Path, bom: bool = False, force: bool = False) -> None:
    """The instance as a folder, which appears whole or not at all."""
    import yaml

    meta = {"name": instance.name, "policy": _policy(instance), "communities": _rows(instance, "communities")}
    if _horizon(instance):
        meta["horizon"] = _horizon(instance)
    files = {"instance.yaml": yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)}
    tables = ["institutions", "staff", "requirements", *_optional_tables(instance)]
    for t in tables:
        cols = _columns(instance, t)
        text = csv_text(cols, ([_cell(row.get(c)) for c in cols] for row in _rows(instance, t)), "\r\n" if bom else "\n")
        files[f"{t}.csv"] = ("\ufeff" if bom else "") + text
    write_folder_atomic(folder, files, force)


# The kind of code a table's column holds (written in Chinese in a Chinese workbook).
_CELL_KIND = {"tier": "tier", "funding": "funding", "post_funding": "funding", "status": "status", "title": "title",
              "min_title": "title", "specialty": "specialty", "mobile": "boolean", "grassroots_due": "boolean",
              "stay": "boolean", "kind": "kind"}


def _zh_cell(kind: str | None, value: Any) -> Any:
    if isinstance(value, bool):
        return chinese("boolean", "true" if value else "false")
    if kind is None or not isinstance(value, str):
        return value
    return chinese(kind, value)


def _zh_pair(key: str, value: Any) -> tuple[str, Any]:
    """An instance-sheet row in Chinese: the key part by part, codes as the office's words."""
    last = key.rsplit(".", 1)[-1]
    kind = KEY_VALUE_KIND.get(last)
    if last == "norms" and isinstance(value, str):
        records = [{chinese("norm", f): (chinese(NORM_VALUE_KIND[f], v) if f in NORM_VALUE_KIND else v)
                    for f, v in rec.items()} for rec in json.loads(value)]
        value = json.dumps(records, ensure_ascii=False)
    elif kind is not None and isinstance(value, str):
        value = ",".join(chinese(kind, v) for v in value.split(","))
    else:
        value = _zh_cell(kind, value)
    return chinese_key(key), value


def write_workbook(instance: Instance, path: Path, force: bool = False, zh: bool | None = None) -> None:
    """The instance as one workbook; in Chinese (`zh`, default: the chosen language) every sheet
    name, header, code and instance-sheet key is written as the office's words, which
    `load_instance` reads back to the same instance."""
    import openpyxl

    refuse_existing([path], force)
    zh = language() == "zh" if zh is None else zh
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = TABLE_ALIASES["instance"][0] if zh else "instance"
    ws.append([COLUMN_ALIASES["instance"]["key"][0], COLUMN_ALIASES["instance"]["value"][0]] if zh else ["key", "value"])
    pairs: list[tuple[str, Any]] = [("name", instance.name)]
    _flatten("policy", _policy(instance), pairs)
    _flatten("horizon", _horizon(instance), pairs)
    for key, value in pairs:
        if value is None or value == "":
            continue
        ws.append(list(map(neutralise, _zh_pair(key, value) if zh else (key, value))))
    tables = ["communities", "institutions", "staff", "requirements", *_optional_tables(instance)]
    for t in tables:
        cols = _columns(instance, t)
        sheet = wb.create_sheet(TABLE_ALIASES[t][0] if zh else t)
        aliases = COLUMN_ALIASES.get(t, {})
        sheet.append([aliases[c][0] if zh and c in aliases else c for c in cols])
        kinds = [_CELL_KIND.get(c) for c in cols]
        for row in _rows(instance, t):
            cells = [row.get(c) for c in cols]
            if zh:
                cells = [_zh_cell(k, v) for k, v in zip(kinds, cells, strict=True)]
            sheet.append([neutralise(v) for v in cells])
    with atomic_path(path) as tmp:
        wb.save(tmp)


FORMS = ("folder", "json", "xlsx")


def convert(instance: Instance, to: str, path: Path, force: bool = False) -> Path:
    """Write `instance` in the form `to` (folder, json or xlsx) at `path`; returns `path`."""
    if to not in FORMS:
        raise UsageError(_("--to {to!r}: choose folder, json or xlsx").format(to=to))
    if to == "folder":
        write_folder(instance, path, force=force)
    elif to == "json":
        write_json(instance, path, force=force)
    else:
        write_workbook(instance, path, force=force)
    return path
