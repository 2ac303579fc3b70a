"""`staffpool report`: one offline HTML page whose four charts really draw in a browser.

The browser test needs Debian's chromium and CJK fonts: tests/browser.py finds them, or
installs them with apt-get when run as root; otherwise the test fails, it is never skipped.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from staffpool.cli import main
from staffpool.outputs.report import CHART_IDS, fmt
from tests import browser

ROOT = Path(__file__).resolve().parents[1]
SANMING = ROOT / "instances" / "sanming-county"
TINY = ROOT / "instances" / "tiny"
WINDOW = (1400, 4000)


def _chromium(page: Path, tmp: Path, *action: str) -> subprocess.CompletedProcess[str]:
    try:
        chromium = browser.chromium()
    except browser.BrowserMissing as exc:
        pytest.fail(str(exc))
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'ud'}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
           "--force-device-scale-factor=1", "--hide-scrollbars", *action, page.resolve().as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def drawn(img: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> bool:
    """Not blank: ≥ 2 % of the pixels differ from the background and > 2 distinct colours."""
    px = np.asarray(img.convert("RGB"), dtype=np.int16).reshape(-1, 3)
    if not len(px):
        return False
    differ = int((np.abs(px - np.array(background, dtype=np.int16)).max(axis=1) > 16).sum())
    colours = len(np.unique(px, axis=0))
    return differ >= 0.02 * len(px) and colours > 2


def _self_contained(html: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", html, re.I)
    assert "<link" not in html.lower() and "@import" not in html.lower()
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)


def test_blank_check_detects_a_blank_chart() -> None:
    assert not drawn(Image.new("RGB", (300, 200), (255, 255, 255)))
    two = Image.new("RGB", (300, 200), (255, 255, 255))
    two.paste((0, 0, 0), (0, 0, 300, 1))  # a lone axis line: 0.5 % of the pixels
    assert not drawn(two)
    chart = two.copy()
    chart.paste((31, 95, 168), (20, 20, 200, 60))
    chart.paste((154, 167, 184), (20, 70, 150, 110))
    assert drawn(chart)


def test_report_draws_every_chart_in_a_browser(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert main(["report", str(SANMING), "--out", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    _self_contained(html)
    for cid in CHART_IDS:
        assert html.count(f'id="{cid}"') == 1, cid
    assert "sanming-county" in html and "county_pool" in html and "optimal" in html

    dom = _chromium(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-ok="1"' in dom.stdout, "the inline script did not finish (a JS error?)"
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom.stdout, re.S)
    assert found is not None
    layout = json.loads(found.group(1))
    assert set(layout) == {*CHART_IDS, "report-title"}

    shot_file = tmp_path / "shot.png"
    shot = _chromium(page, tmp_path, f"--screenshot={shot_file}")
    assert shot.returncode == 0 and shot_file.exists(), shot.stderr[-2000:]
    img = Image.open(shot_file)
    assert img.size == WINDOW
    assert drawn(img)
    for cid in CHART_IDS:
        box = layout[cid]
        assert box["w"] > 100 and box["h"] > 100, (cid, box)
        left, top = round(box["x"]), round(box["y"])
        right, bottom = left + round(box["w"]), top + round(box["h"])
        assert right <= WINDOW[0] and bottom <= WINDOW[1], (cid, box)
        assert drawn(img.crop((left, top, right, bottom))), f"{cid} is blank"


def test_report_of_a_plan_folder_on_tiny(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    assert main(["solve", str(TINY), "--out", str(plan)]) == 0
    page = tmp_path / "tiny.html"
    assert main(["report", str(TINY), "--plan", str(plan), "--no-compare", "--out", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    _self_contained(html)
    for cid in ("chart-tiers", "chart-shortfall", "chart-moves"):
        assert f'id="{cid}"' in html
    assert 'id="chart-modes"' not in html  # --no-compare
    summary = json.loads((plan / "summary.json").read_text())
    assert f"status <b>{summary['status']}</b>" in html
    # the levels recomputed from the plan equal the solver's
    for level, value in summary["objective"].items():
        assert f"<td>{level}</td><td class=num>{fmt(value)}</td>" in html, level
    assert f"Moves on the map: {summary['counts']['moves']} moved" in html


@pytest.mark.parametrize("name", ["report.htm", "report.txt"])
def test_report_out_must_be_html(tmp_path: Path, name: str) -> None:
    assert main(["report", str(TINY), "--no-compare", "--out", str(tmp_path / name)]) == 2
    assert not (tmp_path / name).exists()


def test_a_county_of_several_communities_has_one_map_each(tmp_path: Path) -> None:
    inst = tmp_path / "g"
    assert main(["generate", "--communities", "2", "--seed", "2", "--scale", "0.2", "--out", str(inst)]) == 0
    page = tmp_path / "r.html"
    assert main(["report", str(inst), "--out", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    maps = re.findall(r'<svg id="(chart-moves[^"]*)"', html)
    assert maps == ["chart-moves-1", "chart-moves-2"]
    for k, cid in enumerate(("C000", "C001"), start=1):
        svg = html.split(f'<svg id="chart-moves-{k}"', 1)[1].split("</svg>", 1)[0]
        assert f"{cid} (" in svg  # the map's title names its community
        other = "C001" if cid == "C000" else "C000"
        assert f"({other}-" not in svg  # and holds none of the other's institutions
        assert f'url(#chart-moves-{k}-arrow)' in svg and f'id="chart-moves-{k}-arrow"' in svg
