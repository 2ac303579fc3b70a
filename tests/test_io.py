"""The instance forms load to equal objects; a workbook or JSON with a bad cell names it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from staffpool.errors import InputError
from staffpool.inputs.validate import load_instance
from staffpool.tools.convert import write_folder, write_json, write_workbook

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["tiny", "sanming-county", "sanming-county-5y"])
def test_four_forms_load_equal(name: str, tmp_path: Path) -> None:
    base = load_instance(ROOT / "instances" / name)
    write_json(base, tmp_path / "i.json")
    write_workbook(base, tmp_path / "i.xlsx")
    write_folder(base, tmp_path / "folder")
    assert load_instance(tmp_path / "i.json") == base
    assert load_instance(tmp_path / "i.xlsx") == base
    assert load_instance(tmp_path / "folder") == base


def test_bundled_json_and_workbook_equal_the_folder() -> None:
    base = load_instance(ROOT / "instances" / "sanming-county")
    assert load_instance(ROOT / "instances" / "sanming-county.json") == base
    assert load_instance(ROOT / "instances" / "sanming-county.xlsx") == base


def test_excel_csv_with_bom_crlf_and_chinese_names(tmp_path: Path) -> None:
    base = load_instance(ROOT / "instances" / "tiny")
    renamed = base.model_copy(update={
        "institutions": tuple(i.model_copy(update={"name": "尤溪县总医院" if i.id == "H" else i.name}) for i in base.institutions),
        "staff": tuple(s.model_copy(update={"name": "张医生"}) for s in base.staff),
    })
    write_folder(renamed, tmp_path / "bom", bom=True)
    assert (tmp_path / "bom" / "staff.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    loaded = load_instance(tmp_path / "bom")
    assert loaded == renamed
    assert loaded.institution_by_id["H"].name == "尤溪县总医院"


def test_json_bad_cells_are_named(tmp_path: Path) -> None:
    base = load_instance(ROOT / "instances" / "tiny")
    write_json(base, tmp_path / "i.json")
    data = json.loads((tmp_path / "i.json").read_text())
    data["staff"][1]["title"] = "professor"
    data["requirements"][0]["need"] = "many"
    (tmp_path / "i.json").write_text(json.dumps(data))
    with pytest.raises(InputError) as exc:
        load_instance(tmp_path / "i.json")
    where = {(p.file, p.row, p.column) for p in exc.value.problems}
    assert ("i.json: staff", 2, "title") in where and ("i.json: requirements", 1, "need") in where


def test_workbook_without_staff_sheet(tmp_path: Path) -> None:
    import openpyxl

    base = load_instance(ROOT / "instances" / "tiny")
    write_workbook(base, tmp_path / "i.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "i.xlsx")
    del wb["staff"]
    wb.save(tmp_path / "i.xlsx")
    with pytest.raises(InputError) as exc:
        load_instance(tmp_path / "i.xlsx")
    assert any("staff" in p.message for p in exc.value.problems)


def test_result_files_get_the_default_mode(tmp_path: Path) -> None:
    import os

    from staffpool.outputs.files import write_text_atomic

    umask = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "a.csv", "x\n")
    finally:
        os.umask(umask)
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == 0o644


def test_a_copy_of_an_instance_rebuilds_its_lookup_maps() -> None:
    from staffpool.inputs.validate import load_instance

    inst = load_instance(Path(__file__).resolve().parents[1] / "instances" / "tiny")
    assert len(inst.institution_by_id) == len(inst.institutions) > 1
    part = inst.model_copy(update={"institutions": inst.institutions[:1]})
    assert list(part.institution_by_id) == [inst.institutions[0].id]
