"""Writing an `Instance` in each of the three forms of docs/input.md (folder, JSON, workbook).

Nothing existing is overwritten unless `force`; text cells of the CSVs and the workbook
are neutralised against formula injection (io.neutralise)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .domain import Instance
from .io import (
    TABLE_COLUMNS,
    atomic_path,
    csv_text,
    neutralise,
    refuse_existing,
    write_folder_atomic,
    write_text_atomic,
)


def _rows(instance: Instance, table: str) -> list[dict[str, Any]]:
    items = {"institutions": instance.institutions, "staff": instance.staff,
             "requirements": instance.requirements, "workload": instance.workload,
             "communities": instance.communities}[table]
    return [item.model_dump(mode="json") for item in items]


def _policy(instance: Instance) -> dict[str, Any]:
    return instance.policy.model_dump(mode="json")


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
    if instance.workload:
        data["workload"] = _rows(instance, "workload")
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_folder(instance: Instance, folder: Path, bom: bool = False, force: bool = False) -> None:
    """The instance as a folder, which appears whole or not at all."""
    import yaml

    meta = {"name": instance.name, "policy": _policy(instance), "communities": _rows(instance, "communities")}
    files = {"instance.yaml": yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)}
    tables = ["institutions", "staff", "requirements"] + (["workload"] if instance.workload else [])
    for t in tables:
        cols = TABLE_COLUMNS[t]
        text = csv_text(cols, ([_cell(row.get(c)) for c in cols] for row in _rows(instance, t)), "\r\n" if bom else "\n")
        files[f"{t}.csv"] = ("\ufeff" if bom else "") + text
    write_folder_atomic(folder, files, force)


def write_workbook(instance: Instance, path: Path, force: bool = False) -> None:
    import openpyxl

    refuse_existing([path], force)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "instance"
    ws.append(["key", "value"])
    ws.append(["name", neutralise(instance.name)])
    pairs: list[tuple[str, Any]] = []
    _flatten("policy", _policy(instance), pairs)
    for key, value in pairs:
        if value is None or value == "":
            continue
        ws.append([key, neutralise(value)])
    tables = ["communities", "institutions", "staff", "requirements"] + (["workload"] if instance.workload else [])
    for t in tables:
        sheet = wb.create_sheet(t)
        sheet.append(list(TABLE_COLUMNS[t]))
        for row in _rows(instance, t):
            sheet.append([neutralise(row.get(c)) for c in TABLE_COLUMNS[t]])
    with atomic_path(path) as tmp:
        wb.save(tmp)
