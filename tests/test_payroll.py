"""The payroll of a plan (summary.json `payroll`, assignments.csv `salary`/`treasury_pays`)
equals what a reader recomputes from assignments.csv and the instance alone."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

from staffpool.cli import main

ROOT = Path(__file__).resolve().parents[1]
SALARY = {"chief": 300001, "deputy_chief": 250000, "attending": 199999, "resident": 150003, "village_doctor": 100001}
SHARE = {"full": "1.0", "differential": "0.3", "unified": "0.6"}


def _priced_tiny(tmp_path: Path, mode: str) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(ROOT / "instances" / "tiny", folder)
    meta = yaml.safe_load((folder / "instance.yaml").read_text(encoding="utf-8"))
    meta["policy"].update(mode=mode, salary=SALARY, treasury_share={"differential": 0.3}, balance_to_salary=0.1)
    meta["communities"][0].update(insurance_balance=1_234_567, hiring_budget=None)
    (folder / "instance.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    return folder


def _pays(salary: int, funding: str) -> Decimal:
    return (Decimal(salary) * Decimal(SHARE[funding])).quantize(Decimal("0.01"), ROUND_HALF_UP)


@pytest.mark.parametrize("mode", ["separate", "county_pool", "unified"])
def test_summary_payroll_equals_the_csv_recomputed(tmp_path: Path, mode: str) -> None:
    folder = _priced_tiny(tmp_path, mode)
    out = tmp_path / "out"
    assert main(["solve", str(folder), "--out", str(out)]) == 0
    with (folder / "staff.csv").open(encoding="utf-8") as f:
        staff = {r["id"]: r for r in csv.DictReader(f)}
    with (folder / "institutions.csv").open(encoding="utf-8") as f:
        insts = {r["id"]: r for r in csv.DictReader(f)}
    with (out / "assignments.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    tb = ta = ib = ia = Decimal(0)
    tier_after: dict[str, Decimal] = {}
    for r in rows:
        s = staff[r["staff_id"]]
        salary = SALARY[r["title"]]
        if r["to_institution"]:
            if r["post_source"] == "existing":
                funding = s["post_funding"]
            elif r["post_source"] in ("regularised", "hired"):
                funding = "unified" if mode == "unified" else r["post_funding"]
                if mode == "separate":
                    assert funding == insts[r["to_institution"]]["funding"]
            else:
                funding = ""
            pays = _pays(salary, funding) if funding else Decimal(0)
            assert int(r["salary"]) == salary
            assert Decimal(r["treasury_pays"]) == pays, r
            ta += pays
            ia += salary - pays
            tier = insts[r["to_institution"]]["tier"]
            tier_after[tier] = tier_after.get(tier, Decimal(0)) + pays
        else:
            assert r["salary"] == "" and r["treasury_pays"] == ""
        if r["from_institution"]:
            before = _pays(salary, s["post_funding"]) if s["status"] == "on_staff" else Decimal(0)
            tb += before
            ib += salary - before
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for where in (summary["payroll"], summary["communities"][0]["payroll"]):
        assert Decimal(str(where["treasury_before"])) == tb
        assert Decimal(str(where["treasury_after"])) == ta
        assert Decimal(str(where["treasury_added"])) == ta - tb
        assert Decimal(str(where["institutions_before"])) == ib
        assert Decimal(str(where["institutions_after"])) == ia
        assert where["salary_fund"] == pytest.approx(123456.7)
        for tier, amount in tier_after.items():
            assert Decimal(str(where["by_tier"][tier]["treasury_after"])) == amount
    assert ta != tb  # the plan adds posts, so the check means something


def test_compare_shows_each_modes_treasury_added(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    folder = _priced_tiny(tmp_path, "county_pool")
    assert main(["compare", str(folder), "--json"]) == 0
    rows = json.loads(capfd.readouterr().out)["modes"]
    for row in rows:
        out = tmp_path / row["mode"]
        assert main(["solve", str(folder), "--mode", row["mode"], "--out", str(out)]) == 0
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert row["treasury_added"] == summary["payroll"]["treasury_added"]
    capfd.readouterr()
    assert main(["compare", str(folder)]) == 0
    table = capfd.readouterr().out
    assert "treasury_added" in table
    assert table.index("shortfall") < table.index("treasury_added") < table.index("moves")


def test_solve_prints_the_payroll_table(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(_priced_tiny(tmp_path, "county_pool"))]) == 0
    text = capfd.readouterr().out
    assert "Payroll" in text and "treasury added" in text and "institutions after" in text
