"""docs/zh/使用说明.md: every staffpool command of its worked example runs as the guide says."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from staffpool.cli import main

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "zh" / "使用说明.md"


def _commands() -> list[list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    lines = [ln for block in re.findall(r"```bash\n(.*?)```", text, re.S) for ln in block.splitlines()]
    return [shlex.split(ln)[1:] for ln in lines if ln.startswith("staffpool ") and "sanming-county-zh" in ln]


def test_the_guide_has_the_worked_example() -> None:
    verbs = [c[0] for c in _commands()]
    assert verbs == ["validate", "solve", "compare", "report"], verbs


@pytest.mark.slow
def test_every_example_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    import staffpool.cli.common

    monkeypatch.setattr(staffpool.cli.common.out, "width", 100)  # as the guide shows it
    monkeypatch.chdir(tmp_path)
    (tmp_path / "instances").symlink_to(ROOT / "instances")
    outputs = {}
    for args in _commands():
        assert main(args) == 0, args
        outputs[args[0]] = out = capsys.readouterr().out
        assert re.search(r"[\u4e00-\u9fff]", out) or args[0] == "report", args
    for made in ("out/三明/assignments.csv", "out/三明方案.xlsx", "out/三明模式比较.xlsx", "out/三明报告.html"):
        assert (tmp_path / made).is_file(), made
    # the figures the guide shows are today's: each row of the levels table and of compare's
    text = GUIDE.read_text(encoding="utf-8")
    rows = [ln for ln in (outputs["solve"] + outputs["compare"]).splitlines()
            if ln.startswith("│ ") and any(w in ln for w in ("缺口", "调动人数", "招聘成本", "未转编人数"))]
    assert len(rows) >= 8
    for ln in rows:
        assert ln.rstrip() in text, ln
