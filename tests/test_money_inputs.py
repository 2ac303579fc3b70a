"""The money keys (policy treasury_share, balance_to_salary; community treasury_budget,
insurance_balance) in every input form: round trip through convert, bad values named."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from staffpool.cli import main
from staffpool.domain.instance import Policy
from staffpool.errors import InputError
from staffpool.inputs.validate import load_instance
from staffpool.tools.convert import write_folder, write_json, write_workbook

ROOT = Path(__file__).resolve().parents[1]


def _money_tiny():  # type: ignore[no-untyped-def]
    base = load_instance(ROOT / "instances" / "tiny")
    policy = base.policy.model_dump()
    policy.update(treasury_share={"differential": 0.35}, balance_to_salary=0.08)
    comms = tuple(c.model_copy(update={"treasury_budget": 250000.5, "insurance_balance": 3_000_000})
                  for c in base.communities)
    return base.model_copy(update={"policy": Policy.model_validate(policy), "communities": comms})


def test_a_partial_share_table_overrides_only_what_it_names() -> None:
    share = Policy.model_validate({"treasury_share": {"differential": 0.35}}).treasury_share
    assert (share.full, share.differential, share.unified) == (1.0, 0.35, 0.6)
    assert Policy().balance_to_salary == 0.10


def test_money_keys_round_trip_through_every_form(tmp_path: Path) -> None:
    base = _money_tiny()
    write_json(base, tmp_path / "i.json")
    write_workbook(base, tmp_path / "i.xlsx")
    write_folder(base, tmp_path / "folder")
    for form in ("i.json", "i.xlsx", "folder"):
        back = load_instance(tmp_path / form)
        assert back == base, form
        assert back.communities[0].treasury_budget == 250000.5 and back.policy.treasury_share.differential == 0.35
    assert main(["convert", str(tmp_path / "i.xlsx"), "--to", "json", "--out", str(tmp_path / "again.json")]) == 0
    assert load_instance(tmp_path / "again.json") == base


def _expect(path: Path, wanted: set[tuple[str, int | None, str]], tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        load_instance(path)
    found = {(p.file, p.row, p.column) for p in exc.value.problems}
    assert wanted <= found, found
    out = tmp_path / "out"
    assert main(["solve", str(path), "--out", str(out)]) == 2
    assert not out.exists()


def test_bad_money_values_are_named_in_json(tmp_path: Path) -> None:
    write_json(_money_tiny(), tmp_path / "i.json")
    data = json.loads((tmp_path / "i.json").read_text())
    data["policy"]["treasury_share"] = {"differential": 1.5, "category2": 0.3}
    data["policy"]["balance_to_salary"] = -0.1
    data["communities"][0].update(treasury_budget=-5, insurance_balance="lots", treasury_budjet=1)
    (tmp_path / "i.json").write_text(json.dumps(data))
    _expect(tmp_path / "i.json", {
        ("i.json", None, "policy.treasury_share.differential"), ("i.json", None, "policy.treasury_share.category2"),
        ("i.json", None, "policy.balance_to_salary"), ("i.json: communities", 1, "treasury_budget"),
        ("i.json: communities", 1, "insurance_balance"), ("i.json: communities", 1, "treasury_budjet"),
    }, tmp_path)


def test_bad_money_values_are_named_in_a_workbook(tmp_path: Path) -> None:
    write_workbook(_money_tiny(), tmp_path / "i.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "i.xlsx")
    ws = wb["instance"]
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    ws.cell(rows["policy.treasury_share.unified"], 2).value = 2
    communities = wb["communities"]
    header = [c.value for c in communities[1]]
    communities.cell(2, header.index("treasury_budget") + 1).value = -1
    wb.save(tmp_path / "i.xlsx")
    _expect(tmp_path / "i.xlsx", {
        ("i.xlsx: instance", rows["policy.treasury_share.unified"], "policy.treasury_share.unified"),
        ("i.xlsx: communities", 2, "treasury_budget"),
    }, tmp_path)


def test_bad_money_values_are_named_in_a_folder(tmp_path: Path) -> None:
    write_folder(_money_tiny(), tmp_path / "f")
    text = (tmp_path / "f" / "instance.yaml").read_text()
    text = text.replace("insurance_balance: 3000000", "insurance_balance: -3")
    (tmp_path / "f" / "instance.yaml").write_text(text)
    _expect(tmp_path / "f", {("instance.yaml: communities", 1, "insurance_balance")}, tmp_path)


def test_chinese_names_of_the_money_columns(tmp_path: Path) -> None:
    write_workbook(_money_tiny(), tmp_path / "i.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "i.xlsx")
    ws = wb["communities"]
    for cell in ws[1]:
        cell.value = {"treasury_budget": "财政预算", "insurance_balance": "医保结余"}.get(cell.value, cell.value)
    wb.save(tmp_path / "i.xlsx")
    assert load_instance(tmp_path / "i.xlsx") == _money_tiny()
