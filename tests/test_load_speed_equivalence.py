"""Loading is checked a column at a time (fast for 100,000+ staff); what a user sees must not change:
every row loads with the fields it was written with, every form loads equal, and a bad cell deep in
a big file is still named by its row and column, in row order, with the usual words."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from staffpool.errors import InputError
from staffpool.inputs.validate import load_instance
from staffpool.tools.convert import write_folder, write_json, write_workbook
from staffpool.tools.generate import generate

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
TITLES = "village_doctor, resident, attending, deputy_chief, chief"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(3, seed=5, out_dir=tmp_path_factory.mktemp("gen") / "three")


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_every_staff_row_loads_with_its_fields(generated: Path) -> None:
    inst = load_instance(generated)
    rows = _csv_rows(generated / "staff.csv")
    assert len(inst.staff) == len(rows) > 1000
    for member, row in zip(inst.staff, rows, strict=True):
        assert member.id == row["id"] and member.name == row["name"]
        assert member.status.value == row["status"] and member.title.value == row["title"]
        assert member.specialty == row["specialty"]
        assert (member.post_funding.value if member.post_funding else "") == row["post_funding"]
        assert (member.quota_holder or "") == row["quota_holder"]
        assert (member.posted_at or "") == row["posted_at"]
        assert member.community == row["community"]
        assert member.mobile == (row["mobile"] != "false")
        assert member.grassroots_due == (row["grassroots_due"] == "true")
    assert [i.id for i in inst.institutions] == [r["id"] for r in _csv_rows(generated / "institutions.csv")]
    assert len(inst.requirements) == len(_csv_rows(generated / "requirements.csv"))


def test_generated_instance_round_trips_through_every_form(generated: Path, tmp_path: Path) -> None:
    base = load_instance(generated)
    write_folder(base, tmp_path / "folder")
    write_folder(base, tmp_path / "bom", bom=True)
    write_json(base, tmp_path / "i.json")
    write_workbook(base, tmp_path / "i.xlsx")
    for form in ("folder", "bom", "i.json", "i.xlsx"):
        assert load_instance(tmp_path / form) == base, form


def _big_tiny(tmp_path: Path, extra: int) -> Path:
    """tiny with `extra` more (valid) staff rows: staff.csv row n is s{n-1}."""
    inst = tmp_path / "big"
    shutil.copytree(TINY, inst)
    lines = (inst / "staff.csv").read_text(encoding="utf-8").splitlines()
    template = lines[5].split(",")  # s5, a contract resident posted at T
    for k in range(len(lines), len(lines) + extra):
        lines.append(",".join([f"s{k}", f"Dr {k}", *template[2:]]))
    (inst / "staff.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return inst


def _set_cell(folder: Path, row: int, column: str, value: str) -> None:
    path = folder / "staff.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_bad_cells_deep_in_a_big_staff_file_are_named(tmp_path: Path) -> None:
    inst = _big_tiny(tmp_path, 60_000)
    assert len(load_instance(inst).staff) == 60_008
    _set_cell(inst, 50_000, "title", "professor")
    _set_cell(inst, 50_001, "id", "s3")  # a duplicate of row 4
    _set_cell(inst, 50_002, "mobile", "perhaps")
    _set_cell(inst, 50_003, "posted_at", " X9 ")
    _set_cell(inst, 3, "status", "temp")
    with pytest.raises(InputError) as exc:
        load_instance(inst)
    got = [(p.file, p.row, p.column, p.value, p.message) for p in exc.value.problems]
    assert got == [
        ("staff.csv", 3, "status", "temp", "does not exist: expected one of on_staff, contract, candidate"),
        ("staff.csv", 50_000, "title", "professor", f"does not exist: expected one of {TITLES}"),
        ("staff.csv", 50_001, "id", "s3", "duplicate staff id (first in row 4)"),
        ("staff.csv", 50_002, "mobile", "perhaps", "is not a yes/no value: expected true/false, yes/no or 1/0"),
        ("staff.csv", 50_003, "posted_at", "X9", "unknown institution: not in the institutions table"),
    ]


def test_problems_of_a_row_come_in_column_order_then_its_rules(tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    shutil.copytree(TINY, inst)
    # one row with a bad cell and broken rules, and the row after it with a bad cell
    _set_cell(inst, 6, "title", "intern")
    _set_cell(inst, 6, "post_funding", "full")
    _set_cell(inst, 6, "mobile", "maybe")
    _set_cell(inst, 7, "status", "")
    with pytest.raises(InputError) as exc:
        load_instance(inst)
    got = [(p.row, p.column, p.value, p.message) for p in exc.value.problems]
    assert got == [
        (6, "title", "intern", f"does not exist: expected one of {TITLES}"),
        (6, "mobile", "maybe", "is not a yes/no value: expected true/false, yes/no or 1/0"),
        (6, "post_funding", "full", "a contract holds no post: leave post_funding blank"),
        (7, "status", "", "is blank: expected one of on_staff, contract, candidate"),
    ]


def test_json_cells_of_different_types_are_each_read_as_given(tmp_path: Path) -> None:
    # 1, 1.0 and True are equal as Python values but read differently as cells
    base = load_instance(TINY)
    write_json(base, tmp_path / "i.json")
    data = json.loads((tmp_path / "i.json").read_text())
    specialties: list[object] = [1, 1.0, True, "1", 2.5, "surgery", 1, True]
    mobiles: list[object] = [1, 1.0, True, "yes", 0, 0.0, False, "no"]
    for row, spec, mobile in zip(data["staff"], specialties, mobiles, strict=True):
        row["specialty"], row["mobile"] = spec, mobile
    (tmp_path / "i.json").write_text(json.dumps(data))
    inst = load_instance(tmp_path / "i.json")
    assert [s.specialty for s in inst.staff] == ["1", "1", "True", "1", "2.5", "surgery", "1", "True"]
    assert [s.mobile for s in inst.staff] == [True] * 4 + [False] * 4
