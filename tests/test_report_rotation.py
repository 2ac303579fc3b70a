"""`report --rotation`: the section "Grassroots rotation" (the figures, coverage by host and
senior row, the rotators), checked first; in Chinese under --lang zh; nothing without it."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from pathlib import Path

import pytest

from staffpool.cli import main
from staffpool.i18n import _, set_language
from tests.test_zh_sweep import ZH, _check, _data_words, _visible

ROOT = Path(__file__).resolve().parents[1]
SANMING = ROOT / "instances" / "sanming-county"


def _cells(page: str, table_id: str) -> list[list[str]]:
    """The body rows of the table `table_id`, each cell's text."""
    body = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body is not None, table_id
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body.group(1))]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sanming-county with the senior row of C000-T02 split by specialty (emergency, tcm), so
    that coverage has a row per specialty; solved and rotated into the folder."""
    work = tmp_path_factory.mktemp("rotrep")
    inst = work / "county"
    shutil.copytree(SANMING, inst)
    req = inst / "requirements.csv"
    text = req.read_text(encoding="utf-8")
    assert "C000-T02,*,attending,8,2\n" in text
    req.write_text(text.replace("C000-T02,*,attending,8,2\n",
                                "C000-T02,emergency,attending,4,2\nC000-T02,tcm,attending,4,2\n"), encoding="utf-8")
    assert main(["solve", str(inst), "--out", str(work / "plan")]) == 0
    assert main(["rotate", str(inst), "--allocation", str(work / "plan"), "--out", str(work / "rot")]) == 0
    return work


def _report(work: Path, name: str, *extra: str) -> int:
    return main(["report", str(work / "county"), "--plan", str(work / "plan"), "--no-compare",
                 "--out", str(work / name), *extra])


def test_the_section_shows_hosts_specialties_and_the_summary_figures(county: Path) -> None:
    assert _report(county, "r.html", "--rotation", str(county / "rot")) == 0
    page = (county / "r.html").read_text(encoding="utf-8")
    summary = json.loads((county / "rot" / "rotation_summary.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader((county / "rot" / "rotation.csv").open(encoding="utf-8")))
    assert "<h2>Grassroots rotation</h2>" in page
    note = re.search(r"<h2>Grassroots rotation</h2>\s*<p class=\"note\">(.*?)</p>", page, re.S)
    assert note is not None
    assert re.findall(r"\d[\d,]*(?:\.\d+)?", html.unescape(note.group(1))) == [
        str(summary["rotators"]), str(summary["covered_slots"]), f"{summary['longest_trip_km']:,.3f}",
        f"{summary['distance_km']:,.3f}"]
    cover = _cells(page, "rotation-coverage")
    assert {(c[0], c[1], c[2]) for c in cover} >= {("C000-T02", "Township Centre 0-2", "emergency/attending"),
                                                   ("C000-T02", "Township Centre 0-2", "tcm/attending")}
    assert sum(int(c[5]) for c in cover) == summary["covered_slots"] > 0
    people = _cells(page, "rotators")
    assert [p[0] for p in people] == [r["staff_id"] for r in rows]
    assert [(p[1], p[4], p[5], p[6], p[7]) for p in people] == [
        (r["name"], r["host_name"], r["window"], r["distance_km"], r["fills"]) for r in rows]
    assert sum(float(p[6]) for p in people) == pytest.approx(summary["distance_km"], abs=1e-6)


def test_without_rotation_the_page_is_unchanged(county: Path, tmp_path: Path) -> None:
    """The page without --rotation equals the one with the section cut out: nothing else moves."""
    assert _report(county, "plain.html") == 0
    assert _report(county, "with.html", "--rotation", str(county / "rot" / "rotation.csv")) == 0
    plain = (county / "plain.html").read_text(encoding="utf-8")
    with_ = (county / "with.html").read_text(encoding="utf-8")
    assert "Grassroots rotation" not in plain
    start = with_.index("\n<h2>Grassroots rotation</h2>")
    end = with_.index("\n<pre id=\"layout\">")
    assert with_[:start] + with_[end:] == plain


def test_a_tampered_rotation_exits_1_naming_the_violation(county: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A rotator moved into a window where their host is already full: over capacity."""
    rows = list(csv.DictReader((county / "rot" / "rotation.csv").open(encoding="utf-8")))
    per: dict[tuple[str, str], int] = {}
    for r in rows:
        per[(r["host"], r["window"])] = per.get((r["host"], r["window"]), 0) + 1
    (host, window), n = max(per.items(), key=lambda kv: kv[1])
    mover = next(r for r in rows if r["host"] == host and r["window"] != window)
    mover["window"] = window
    bad = county / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    capfd.readouterr()
    assert _report(county, "bad.html", "--rotation", str(bad)) == 1
    got = capfd.readouterr().err
    assert "the rotation breaks" in got and f"{n + 1} rotators in window {window}, capacity" in got
    assert host in got and not (county / "bad.html").exists()


def test_chinese_headings_and_no_english(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", str(ZH), "--lang", "zh", "--out", str(tmp_path / "方案")]) == 0
    assert main(["rotate", str(ZH), "--lang", "zh", "--allocation", str(tmp_path / "方案"), "--out", str(tmp_path / "轮")]) == 0
    capfd.readouterr()
    page = tmp_path / "报告.html"
    assert main(["report", str(ZH), "--lang", "zh", "--plan", str(tmp_path / "方案"), "--no-compare",
                 "--rotation", str(tmp_path / "轮"), "--out", str(page)]) == 0
    got = capfd.readouterr()
    text = page.read_text(encoding="utf-8")
    set_language("zh")
    try:
        heading = _("Grassroots rotation")
    finally:
        set_language("en")
    assert heading != "Grassroots rotation" and f"<h2>{heading}</h2>" in text
    assert 'id="rotation-coverage"' in text and 'id="rotators"' in text
    _check([("stdout", got.out), ("stderr", got.err), (page.name, _visible(text))], _data_words(ZH))


def test_the_library_report_takes_a_rotation(county: Path) -> None:
    import staffpool

    page = staffpool.report(county / "county", county / "plan", modes=False, rotation=county / "rot")
    assert "<h2>Grassroots rotation</h2>" in page and 'id="rotators"' in page
    assert "Grassroots rotation" not in staffpool.report(county / "county", county / "plan", modes=False)
