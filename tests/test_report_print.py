"""The report for printing: every institution named on the shortfall chart and the map,
units in the objective table, 姓名 over the person column, and an A4 print that Chromium
lays out without cutting or overflowing the charts (kept as a test artefact).

Needs Debian's chromium (tests/browser.py); never skipped.
"""

from __future__ import annotations

import json
import re
import subprocess
from html import unescape
from pathlib import Path

import pytest
from PIL import Image

from staffpool.cli import main
from staffpool.inputs.validate import load_instance
from tests import browser
from tests.test_report import _self_contained, drawn

ROOT = Path(__file__).resolve().parents[1]
SANMING = ROOT / "instances" / "sanming-county"
A4 = (794, 1123)  # CSS px at 96 dpi
A4_PT = (595, 842)
PRINTABLE_H = A4[1] - 2 * 46  # the page's @page margins, 12 mm top and bottom


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = {}
    for lang in ("en", "zh"):
        page = tmp_path_factory.mktemp(f"print-{lang}") / "report.html"
        assert main(["report", str(SANMING), "--lang", lang, "--out", str(page)]) == 0
        out[lang] = page.read_text(encoding="utf-8")
    return out


def svg_texts(html: str, chart_id: str) -> list[str]:
    found = re.search(rf'<svg id="{chart_id}".*?</svg>', html, re.S)
    assert found is not None, chart_id
    return [unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", found.group(0))]


def table_after(html: str, heading: str) -> str:
    found = re.search(rf"<h2>{re.escape(heading)}</h2>.*?(<table.*?</table>)", html, re.S)
    assert found is not None, heading
    return found.group(1)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_institution_named_on_the_shortfall_chart_and_the_map(pages: dict[str, str], lang: str) -> None:
    institutions = load_instance(SANMING).institutions
    short = svg_texts(pages[lang], "chart-shortfall")
    on_map = svg_texts(pages[lang], "chart-moves")
    for i in institutions:
        assert f"{i.name} ({i.id})" in short, (lang, i.id)
        # named beside its dot (county, township) or in the key of numbered places under the map
        assert i.name in on_map or f"{i.name} ({i.id})" in on_map, (lang, i.id)
    assert not any(re.fullmatch(r"C\d{3}-[HTV]\d+", t) for t in short), "a bare code labels a bar"
    # the map reads in km: round tick values on both axes, and its legend names the tiers
    ticks = [t for t in on_map if re.fullmatch(r"-?\d+", t)]
    assert {"0", "10", "-10", "20"} <= set(ticks), ticks
    tiers = {"en": ("county", "township", "village"), "zh": ("县级", "乡镇", "村")}[lang]
    assert all(t in on_map for t in tiers)


def test_moves_are_listed_with_their_km(pages: dict[str, str]) -> None:
    html = pages["en"]
    moves = table_after(html, "Moves by route")
    rows = re.findall(r"<tr><td>(.*?) \((C[^)]*)\)</td><td>(.*?) \((C[^)]*)\)</td><td class=num>(\d+)</td>"
                      r"<td class=num>([\d.,]+)</td></tr>", moves)
    assert rows
    moved = int(re.search(r"Moves on the map: (\d+) moved", html).group(1))  # type: ignore[union-attr]
    assert sum(int(r[4]) for r in rows) == moved
    inst = {i.id: i for i in load_instance(SANMING).institutions}
    for _src, f, _dst, t, _n, km in rows:
        a, b = inst[f], inst[t]
        assert abs(float(km) - ((a.x_km - b.x_km) ** 2 + (a.y_km - b.y_km) ** 2) ** 0.5) < 0.06, (f, t, km)
        # the route's arrow carries the same km in its tooltip
        assert re.search(rf"<title>[^<]*\({f}\) → [^<]*\({t}\): \d+ moved, {re.escape(km)} km</title>", html), (f, t)


@pytest.mark.parametrize(("lang", "units"), [
    ("en", {"distance": "km", "hiring_cost": "yuan/year", "moves": "people"}),
    ("zh", {"距离": "公里", "招聘": "元/年"}),
])
def test_objective_table_has_units(pages: dict[str, str], lang: str, units: dict[str, str]) -> None:
    table = table_after(pages[lang], {"en": "Objective levels", "zh": "目标层级"}[lang])
    rows = re.findall(r"<tr><td>(.*?)</td><td class=num>.*?</td><td>(.*?)</td></tr>", table)
    assert len(rows) >= 4
    for level, unit in units.items():
        assert any(level in name and u == unit for name, u in rows), (level, rows)


def test_person_column_is_headed_as_in_the_workbook(pages: dict[str, str]) -> None:
    for lang, header in (("en", "name"), ("zh", "姓名")):
        changes = table_after(pages[lang], {"en": "Changes", "zh": "人员变动"}[lang])
        heads = re.findall(r"<th[^>]*>(.*?)</th>", changes)
        assert heads[1] == header, (lang, heads)
        assert "名称" not in heads


def _chromium(page: Path, tmp: Path, window: tuple[int, int], *action: str) -> subprocess.CompletedProcess[str]:
    try:
        chromium = browser.chromium()
    except browser.BrowserMissing as exc:
        pytest.fail(str(exc))
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'ud'}", f"--window-size={window[0]},{window[1]}", "--force-device-scale-factor=1",
           "--hide-scrollbars", "--no-pdf-header-footer", *action, page.resolve().as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def test_zh_report_prints_on_a4(pages: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    """The PDF is A4; the page as printed (its print styles applied on screen, 794 px wide)
    fits every chart in the width, and is cut into A4-high PNGs kept as the artefact."""
    out = tmp_path_factory.mktemp("print-artefact")
    page = out / "报告.html"
    page.write_text(pages["zh"], encoding="utf-8")
    _self_contained(pages["zh"])
    pdf = out / "report-zh.pdf"
    done = _chromium(page, out, A4, f"--print-to-pdf={pdf}")
    assert done.returncode == 0 and pdf.exists(), done.stderr[-2000:]
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert boxes and all(round(float(w)) == A4_PT[0] and round(float(h)) == A4_PT[1] for w, h in boxes), boxes[:3]

    printed = out / "printed.html"
    assert "@media print{" in pages["zh"]
    printed.write_text(pages["zh"].replace("@media print{", "@media all{"), encoding="utf-8")
    dom = _chromium(printed, out, A4, "--dump-dom")
    layout = json.loads(re.search(r'<pre id="layout">(.*?)</pre>', dom.stdout, re.S).group(1))  # type: ignore[union-attr]
    height = int(max(b["y"] + b["h"] for b in layout.values())) + 2600  # and the tables after the charts
    shot = out / "printed.png"
    done = _chromium(printed, out, (A4[0], height), f"--screenshot={shot}")
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    img = Image.open(shot)
    for cid in ("chart-shortfall", "chart-moves"):
        box = layout[cid]
        assert box["x"] >= 0 and box["x"] + box["w"] <= A4[0] + 0.5, (cid, box)
        assert box["h"] <= PRINTABLE_H, (cid, box)  # fits on one sheet, so it is not cut across pages
        crop = img.crop((round(box["x"]), round(box["y"]), round(box["x"] + box["w"]), round(box["y"] + box["h"])))
        assert drawn(crop), cid
        crop.save(out / f"{cid}.png")
    img.crop((0, 0, A4[0], min(A4[1], img.size[1]))).save(out / "first-sheet.png")
    print(f"print artefacts: {out}")


def test_chinese_workbook_names_on_the_charts(tmp_path: Path) -> None:
    """The bundled Chinese workbook: its Chinese names label the bars and the map."""
    book = ROOT / "instances" / "sanming-county-zh.xlsx"
    page = tmp_path / "报告.html"
    assert main(["report", str(book), "--lang", "zh", "--no-compare", "--out", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    short, on_map = svg_texts(html, "chart-shortfall"), svg_texts(html, "chart-moves")
    institutions = load_instance(book).institutions
    assert any(re.search(r"[\u4e00-\u9fff]", i.name) for i in institutions)
    for i in institutions:
        assert f"{i.name} ({i.id})" in short and (i.name in on_map or f"{i.name} ({i.id})" in on_map), i.id
