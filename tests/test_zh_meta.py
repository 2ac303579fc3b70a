"""An instance.yaml or instance JSON written in Chinese reads as the English one, and no key
is dropped in silence (a top-level key that is nothing known is a problem or a warning)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from staffpool.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"

ZH_POLICY = {"管理模式": "统一管理", "优化目标": ["加权缺口", "调动人数", "调动距离", "招聘成本", "未转编人数"],
             "最远调动距离km": 40, "县管编制可用于乡镇": "是", "轮岗": {"接收层级": ["乡镇"], "轮岗期数": 4},
             "年薪": {"主任医师": 300000, "医师": 150000}}


def _folder(tmp_path: Path, meta: dict[str, object]) -> Path:
    folder = tmp_path / "inst"
    shutil.copytree(TINY, folder)
    (folder / "instance.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    return folder


def _solve(capfd: pytest.CaptureFixture[str], instance: Path, out: Path, *extra: str) -> dict[str, object]:
    capfd.readouterr()
    assert main(["solve", str(instance), "--out", str(out), "--json", *extra]) == 0
    return json.loads(capfd.readouterr().out)


def test_chinese_keys_and_values_in_instance_yaml_read_as_english(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    english = yaml.safe_load((TINY / "instance.yaml").read_text(encoding="utf-8"))
    zh = _folder(tmp_path, {"名称": "tiny", "政策": ZH_POLICY, "医共体": english["communities"]})
    got = _solve(capfd, zh, tmp_path / "zh")
    assert got["instance"] == "tiny" and got["mode"] == "unified"
    want = _solve(capfd, TINY, tmp_path / "en", "--mode", "unified")
    assert got["objective"] == want["objective"]
    assert (tmp_path / "zh" / "assignments.csv").read_bytes() == (tmp_path / "en" / "assignments.csv").read_bytes()


def test_chinese_keys_in_an_instance_json(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(TINY), "--to", "json", "--out", str(tmp_path / "t.json")]) == 0
    data = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    data["政策"] = {**{k: v for k, v in data.pop("policy").items() if k not in ("mode", "max_distance_km")},
                  "管理模式": "各自管理", "最远调动距离": 40}
    data["实例名称"] = data.pop("name")
    (tmp_path / "zh.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    got = _solve(capfd, tmp_path / "zh.json", tmp_path / "zh")
    assert got["instance"] == "tiny" and got["mode"] == "separate"


@pytest.mark.parametrize(("key", "near"), [("polcy", "policy"), ("政册", "policy"), ("horizn", "horizon")])
def test_a_mistyped_top_level_key_is_a_problem(tmp_path: Path, capfd: pytest.CaptureFixture[str], key: str, near: str) -> None:
    english = yaml.safe_load((TINY / "instance.yaml").read_text(encoding="utf-8"))
    folder = _folder(tmp_path, {"name": "tiny", key: {"mode": "unified"}, "communities": english["communities"]})
    capfd.readouterr()
    assert main(["validate", str(folder), "--lang", "en"]) == 2
    said = capfd.readouterr()
    assert key in said.out + said.err and f"did you mean {near}?" in said.out + said.err


def test_a_mistyped_optional_table_in_json_is_a_problem(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(TINY), "--to", "json", "--out", str(tmp_path / "t.json")]) == 0
    data = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    data["pin"] = [{"staff_id": "s1", "at": "H"}]
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    capfd.readouterr()
    assert main(["validate", str(tmp_path / "bad.json"), "--lang", "en"]) == 2
    said = capfd.readouterr()
    assert "did you mean pins?" in said.out + said.err


def test_another_top_level_key_is_a_warning_and_strict_makes_it_an_error(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    english = yaml.safe_load((TINY / "instance.yaml").read_text(encoding="utf-8"))
    folder = _folder(tmp_path, {**english, "备注": "县卫健局 2027 年方案"})
    capfd.readouterr()
    assert main(["validate", str(folder), "--lang", "zh"]) == 0
    assert "备注" in capfd.readouterr().err
    assert main(["validate", str(folder), "--strict"]) == 2
