"""Every HTML page (solve report with a sweep, plan over years, sweep.html) in zh and en:
style filled, no placeholder left, and under zh no English beyond the user's own data; the
sweep's status column is a solve status; equal curves stay apart; the zh sweep page draws
Chinese glyphs in headless Chromium (its screenshot kept under the pytest tmp dir)."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest

from staffpool.cli import main
from staffpool.i18n import language, set_language
from staffpool.inputs.validate import load_instance
from staffpool.outputs.report import chart_sweep
from tests.test_report import _self_contained, drawn
from tests.test_report_zh import _crop, _screenshot, chinese_drawn

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
YEARS = ROOT / "instances" / "small-county-5y"
GRID = "mode: [separate, county_pool, unified]\nhiring_budget: {factor: [0.5, 1.0, 1.5]}\n"
ALLOWED = {"staffpool", "highs", "cbc", "km", "csv", "json"}
WORD = re.compile(r"[A-Za-z]+")


def visible_text(page: str) -> str:
    """What a reader sees (and hovers): tags, styles and scripts gone, entities decoded."""
    page = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", page, flags=re.S | re.I)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


def data_words(*folders: Path) -> set[str]:
    """The words of the user's own data: instance, community, institution and staff ids and
    names, specialties."""
    words: set[str] = set()
    for folder in folders:
        inst = load_instance(folder)
        texts = [inst.name, *(c.id for c in inst.communities), *(c.name for c in inst.communities),
                 *(i.id for i in inst.institutions), *(i.name for i in inst.institutions),
                 *(s.id for s in inst.staff), *(s.name for s in inst.staff), *(s.specialty for s in inst.staff)]
        words |= {w.lower() for t in texts for w in WORD.findall(str(t))}
    return words


def english_words(page: str, allowed: set[str]) -> set[str]:
    return {w for w in WORD.findall(visible_text(page)) if w.lower() not in allowed}


def check_page(page: str, lang: str, own: set[str]) -> None:
    _self_contained(page)
    assert "%(" not in page, "a %-template left unfilled"
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style is not None and "font-family:" in style.group(1)
    assert re.search(r"\{[^{}]*\}", visible_text(page).replace("{}", "")) is None, "a {placeholder} left unfilled"
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page
    if lang == "zh":
        assert "Noto Sans CJK SC" in style.group(1).split(",")[0]
        assert english_words(page, ALLOWED | own) == set()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Each page in each language, written by the CLI."""
    before = language()
    out: dict[tuple[str, str], Path] = {}
    try:
        for lang in ("zh", "en"):
            d = tmp_path_factory.mktemp(f"pages-{lang}")
            (d / "grid.yaml").write_text(GRID, encoding="utf-8")
            assert main(["sweep", str(TINY), "--grid", str(d / "grid.yaml"), "--out", str(d / "sweep"),
                         "--workers", "1", "--lang", lang]) == 0
            out[(lang, "sweep")] = d / "sweep" / "sweep.html"
            assert main(["report", str(TINY), "--sweep", str(d / "sweep"), "--out", str(d / "report.html"),
                         "--lang", lang]) == 0
            out[(lang, "report")] = d / "report.html"
            assert main(["plan", str(YEARS), "--rolling", "--out", str(d / "plan"), "--workers", "1",
                         "--lang", lang]) == 0
            assert main(["report", str(YEARS), "--plan", str(d / "plan"), "--out", str(d / "years.html"),
                         "--lang", lang]) == 0
            out[(lang, "years")] = d / "years.html"
    finally:
        set_language(before)
    return out


@pytest.mark.parametrize("kind", ["report", "years", "sweep"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_filled_and_in_its_language(pages: dict[tuple[str, str], Path], lang: str, kind: str) -> None:
    own = data_words(TINY, YEARS)
    check_page(pages[(lang, kind)].read_text(encoding="utf-8"), lang, own)


def test_checks_see_what_issue_24_saw(pages: dict[tuple[str, str], Path]) -> None:
    """The checks fail on the faults of issue 24: the unfilled style, English chart words."""
    own = data_words(TINY, YEARS)
    page = pages[("zh", "sweep")].read_text(encoding="utf-8")
    broken = re.sub(r"<style>.*?</style>", "<style>body{font-family:%(fonts)s}</style>", page, flags=re.S)
    with pytest.raises(AssertionError):
        check_page(broken, "zh", own)
    with pytest.raises(AssertionError):
        check_page(page.replace("</h1>", " {name}</h1>"), "zh", own)
    assert english_words(page.replace("</h1>", " shortfall against hiring_budget</h1>"), ALLOWED | own) \
        == {"shortfall", "against", "hiring", "budget"}


def test_sweep_status_column_is_the_solve_status(pages: dict[tuple[str, str], Path]) -> None:
    for kind in ("sweep", "report"):
        page = pages[("zh", kind)].read_text(encoding="utf-8")
        heads = re.findall(r"<th[^>]*>([^<]*)</th>", page.split("<h3>", 1)[1].split("</table>", 1)[0])  # the totals table
        assert "求解状态" in heads and "人员类别" not in heads
        assert "<td>最优</td>" in page or '<td style="white-space:nowrap">最优</td>' in page
        assert "调动距离上限（公里）" in heads or "招聘预算（元/年）" in heads
    en = pages[("en", "sweep")].read_text(encoding="utf-8")
    assert "<th>status</th>" in en and "shortfall against hiring_budget" in en


def test_equal_curves_are_told_apart() -> None:
    before = language()
    set_language("en")
    try:
        totals = [{"mode": m, "budget": b, "moves": 1} for m in ("separate", "county_pool") for b in (1, 2, 3)]
        svg = chart_sweep(totals, "budget", "moves", ["mode"])
    finally:
        set_language(before)
    lines = re.findall(r"<polyline[^>]*>", svg)
    assert len(lines) == 2
    points = {re.search(r'points="([^"]*)"', p).group(1) for p in lines}  # type: ignore[union-attr]
    assert len(points) == 1  # the same curve ...
    dashes = [re.search(r'stroke-dasharray="([^"]*)"', p) for p in lines]
    assert {d.group(1) if d else "" for d in dashes} == {"", "8 4"}  # ... drawn in two styles
    assert "county_pool (same line as separate)" in svg
    assert svg.count("<circle") == 3 + 1 and svg.count('width="7" height="7"') == 3 + 1  # markers, legend too


def test_zh_sweep_page_draws_chinese(pages: dict[tuple[str, str], Path], tmp_path_factory: pytest.TempPathFactory) -> None:
    shots = tmp_path_factory.mktemp("sweep-zh-shot")
    img, layout = _screenshot(pages[("zh", "sweep")], shots)
    img.save(shots / "sweep-zh.png")  # the artefact, to look at
    print(f"screenshot: {shots / 'sweep-zh.png'}")
    assert chinese_drawn(_crop(img, layout["report-title"]), 22), "the sweep page's title is not drawn in CJK glyphs"
    for cid in ("chart-sweep", "chart-sweep-moves"):
        assert drawn(_crop(img, layout[cid])), f"{cid} is blank"
        assert chinese_drawn(_crop(img, {**layout[cid], "h": 30.0, "w": 400.0}), 14), f"{cid}: title not in CJK glyphs"
