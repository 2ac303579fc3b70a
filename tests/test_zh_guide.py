"""docs/zh/使用说明.md and README.md: every example runs, and what they show is what it prints today.

Each ```bash block of the guide is run (its `staffpool` commands, in order, in one folder, at the
terminal width of 100 the guide shows); every line (but those starting with …) of the ```text block that follows it must be a
line of what those commands print, so each figure shown is today's. The README's library example
is run and the values in its comments are checked against its output.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from staffpool.cli import main

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "zh" / "使用说明.md"
README = ROOT / "README.md"


def _blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.S | re.M)


def _examples() -> list[tuple[list[list[str]], list[str]]]:
    """(commands of a bash block, lines of the text block shown after it) for each bash block."""
    examples: list[tuple[list[list[str]], list[str]]] = []
    for lang, body in _blocks(GUIDE.read_text(encoding="utf-8")):
        if lang == "bash":
            cmds = [shlex.split(part)[1:] for ln in body.splitlines() for part in ln.split("&&")
                    if part.strip().startswith("staffpool ")]
            examples.append((cmds, []))
        elif lang == "text" and examples and not examples[-1][1]:
            # a line starting with … is the guide leaving lines out
            examples[-1][1].extend(ln.rstrip() for ln in body.splitlines() if ln.strip() and ln[0] != "…")
    return examples


def _files(text: str) -> dict[str, str]:
    """Files the guide shows as `name`： followed by a ```yaml block (the sweep's grid)."""
    return {m.group(1): m.group(2) for m in re.finditer(r"`([^`\s]+\.yaml)`：\s*```yaml\n(.*?)```", text, re.S)}


def test_the_guide_shows_every_command() -> None:
    verbs = [c[0] for cmds, _ in _examples() for c in cmds]
    assert verbs == ["solve", "validate", "solve", "compare", "report", "rotate", "sweep", "convert",
                     "plan", "advance", "convert", "demand", "generate", "validate", "validate"], verbs
    assert "情景.yaml" in _files(GUIDE.read_text(encoding="utf-8"))


def _broken_workbook(folder: Path) -> None:
    """三明-有误.xlsx as section 11 describes it: a bad title, an unknown institution, a word for a number."""
    import openpyxl  # heavy

    wb = openpyxl.load_workbook(ROOT / "instances" / "sanming-county-zh.xlsx")
    staff, req = wb["人员"], wb["需求"]
    col = {c.value: c.column for c in staff[1]}
    staff.cell(2, col["职称"], "教授")
    staff.cell(4, col["工作机构"], "不存在的卫生院")
    req.cell(3, {c.value: c.column for c in req[1]}["需求人数"], "很多")
    wb.save(folder / "三明-有误.xlsx")


@pytest.mark.slow
def test_every_example_prints_what_the_guide_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import staffpool.cli.common

    for console in (staffpool.cli.common.out, staffpool.cli.common.err):
        monkeypatch.setattr(console, "width", 100)  # as the guide shows it
    monkeypatch.chdir(tmp_path)
    (tmp_path / "instances").symlink_to(ROOT / "instances")
    for name, body in _files(GUIDE.read_text(encoding="utf-8")).items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    _broken_workbook(tmp_path)
    for cmds, shown in _examples():
        printed: list[str] = []
        for args in cmds:
            code = main(args)
            assert code == (2 if "三明-有误.xlsx" in args else 0), args
            got = capsys.readouterr()
            printed += [ln.rstrip() for ln in (got.out + got.err).splitlines()]
        missing = [ln for ln in shown if ln not in printed]
        assert not missing, (cmds, missing, printed)
    for made in ("out/三明/assignments.csv", "out/三明方案.xlsx", "out/三明模式比较.xlsx", "out/三明报告.html",
                 "out/三明轮转/rotation.csv", "out/三明轮转.xlsx", "out/需求/wisn.csv", "out/生成县/staff.csv", "out/三明情景/sweep_totals.csv", "三明五年.xlsx",
                 "out/三明五年/2031/assignments.csv", "out/三明2028/instance.yaml"):
        assert (tmp_path / made).is_file(), made
    # the report's charts are as many as the guide says
    charts = (tmp_path / "out/三明报告.html").read_text(encoding="utf-8").count("<figure")
    said = re.search(r"各目标层级、(.)张图", GUIDE.read_text(encoding="utf-8"))
    assert said and "一二三四五六七八九".index(said.group(1)) + 1 == charts, charts


def test_the_readme_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (block, *_) = [body for lang, body in _blocks(README.read_text(encoding="utf-8")) if lang == "bash"]
    cmds = [shlex.split(part)[1:] for ln in block.splitlines() for part in ln.split("&&")
            if part.strip().startswith("staffpool ")]
    assert [c[0] for c in cmds] == ["solve"], cmds
    monkeypatch.chdir(tmp_path)
    (tmp_path / "instances").symlink_to(ROOT / "instances")
    for args in cmds:
        assert main(args) == 0, args
    assert (tmp_path / "out/sanming/summary.json").is_file()


def _readme_example() -> str:
    (code,) = [body for lang, body in _blocks(README.read_text(encoding="utf-8")) if lang == "python"]
    return code


def test_the_readme_example_prints_the_values_in_its_comments() -> None:
    code = _readme_example()
    # each commented value of the form {'key': number, ...} is a prefix of what that line prints
    shown = [m.group(1) for m in re.finditer(r"#\s*(\{.*?),\s*\.\.\.\}", code)]
    assert shown, "the README's example shows no values"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    for value in shown:
        assert value in run.stdout, (value, run.stdout)

