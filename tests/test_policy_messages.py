"""Policy problems are staffpool's own sentences (translated), not pydantic's English."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from staffpool.cli import main

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"


def _bad_policy(tmp_path: Path) -> Path:
    folder = tmp_path / "t"
    shutil.copytree(TINY, folder)
    text = (folder / "instance.yaml").read_text(encoding="utf-8")
    text = text.replace("max_distance_km: 40", "max_distance_km: far\n  treasury_share: {full: 1.5}\n"
                        "  rotation: {periods: 4, window: 3}")
    (folder / "instance.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_policy_problems_in_the_chosen_language(tmp_path: Path, capfd: pytest.CaptureFixture[str], lang: str) -> None:
    folder = _bad_policy(tmp_path)
    assert main(["validate", str(folder), "--json", "--lang", lang]) == 2
    problems = json.loads(capfd.readouterr().out)["problems"]
    by_column = {p["column"]: p["message"] for p in problems}
    assert set(by_column) >= {"policy.max_distance_km", "policy.treasury_share.full", "policy.rotation"}
    text = " ".join(by_column.values())
    assert "Input should" not in text and "Value error" not in text
    if lang == "en":
        assert by_column["policy.max_distance_km"] == "is not a number"
        assert by_column["policy.treasury_share.full"] == "must be at most 1.0"
        assert by_column["policy.rotation"] == "rotation.window 3 must divide rotation.periods 4"
    else:
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in by_column.values()), by_column


def test_infeasibility_reasons_in_chinese(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """What the user reads when no plan exists follows --lang, the rule summaries included."""
    inst = tmp_path / "tiny"
    shutil.copytree(TINY, inst)
    text = (inst / "institutions.csv").read_text().replace("T,Township centre,C1,township,full,2,20000,10,0,3",
                                                          "T,Township centre,C1,township,full,2,20000,10,0,1")
    (inst / "institutions.csv").write_text(text)  # T holds 2 immobile people, capacity 1
    (inst / "staff.csv").write_text((inst / "staff.csv").read_text().replace(",T,C1,true,", ",T,C1,false,"))
    assert main(["solve", str(inst), "--lang", "zh"]) == 1
    err = capfd.readouterr().err
    assert "没有满足全部硬性规则的方案" in err and "机构安排人数 ≤ 容量" in err, err
    assert "no plan obeys" not in err and "alone would make it feasible" not in err
