"""Files Excel saves as "Unicode Text" (UTF-16, tab-separated) or tab-delimited text read
like the CSV they hold."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from staffpool.cli import main
from staffpool.inputs.validate import load_instance

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"


def _tabbed(text: str) -> str:
    return "\n".join(line.replace(",", "\t") for line in text.splitlines()) + "\n"


@pytest.mark.parametrize(("encoding", "tabs"), [("utf-16", True), ("utf-16", False), ("gb18030", True), ("utf-8", True)])
def test_unicode_text_and_tab_delimited_files_load_equal(tmp_path: Path, encoding: str, tabs: bool) -> None:
    folder = tmp_path / "t"
    shutil.copytree(TINY, folder)
    for name in ("staff.csv", "institutions.csv", "requirements.csv"):
        text = (TINY / name).read_text(encoding="utf-8")
        (folder / name).write_text(_tabbed(text) if tabs else text, encoding=encoding)
    assert load_instance(folder) == load_instance(TINY)


def test_utf16_with_a_broken_character_is_one_problem(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "t"
    shutil.copytree(TINY, folder)
    data = (TINY / "staff.csv").read_text(encoding="utf-8").encode("utf-16")
    (folder / "staff.csv").write_bytes(data + b"\x00\xd8")  # a lone high surrogate at the end
    assert main(["validate", str(folder), "--json"]) == 2
    out = capfd.readouterr().out
    assert '"file": "staff.csv"' in out and "UTF-16" in out and out.count('"message"') == 2  # the object's and one problem's
