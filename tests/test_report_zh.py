"""`report --lang zh` in headless Chromium: the Chinese is drawn in a CJK font, not as boxes.

Needs Debian's chromium and fonts-noto-cjk (.ci/run installs both); never skipped. The glyph
check is shown to fail when the CJK fonts are hidden from Chromium (a fontconfig with only
DejaVu): every Chinese character then becomes the same narrow box.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from staffpool.cli import main
from staffpool.outputs.report import CHART_IDS
from tests.test_report import WINDOW, _chromium, _self_contained, drawn

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
TITLE_PX = 22  # the h1's font size in the report's style


def glyphs(img: Image.Image) -> list[np.ndarray]:
    """The dark shapes of a line of text, left to right, each cut at the blank columns
    around it and trimmed to its ink."""
    ink = np.asarray(img.convert("L")) < 128
    cols = ink.any(axis=0)
    shapes, start = [], None
    for x, on in enumerate([*cols, False]):
        if on and start is None:
            start = x
        elif not on and start is not None:
            part = ink[:, start:x]
            rows = np.flatnonzero(part.any(axis=1))
            shapes.append(part[rows[0]:rows[-1] + 1])
            start = None
    return shapes


def chinese_drawn(line: Image.Image, size_px: int) -> bool:
    """True when the line holds ≥ 3 different full-width glyphs (≥ ⅗ of the font size wide,
    ¾ tall; a missing-glyph box is about half as wide) and no tall shape makes up a third of
    the tall shapes (missing-glyph boxes are all alike). Some characters (配, 报) fall apart
    at a blank column into two shapes; a character may repeat (调整前、调整后)."""
    shapes = glyphs(line)
    wide = {(g.shape, g.tobytes()) for g in shapes if g.shape[1] >= 0.6 * size_px and g.shape[0] >= 0.75 * size_px}
    tall = Counter((g.shape, g.tobytes()) for g in shapes if g.shape[0] >= 0.6 * size_px)
    return len(wide) >= 3 and max(tall.values(), default=0) <= max(2, sum(tall.values()) // 3)


def _screenshot(page: Path, tmp: Path) -> tuple[Image.Image, dict[str, dict[str, float]]]:
    """The page in Chromium, and where each chart and the title were laid out."""
    dom = _chromium(page, tmp, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom.stdout, re.S)
    assert found is not None
    shot_file = tmp / "shot.png"
    shot = _chromium(page, tmp, f"--screenshot={shot_file}")
    assert shot.returncode == 0 and shot_file.exists(), shot.stderr[-2000:]
    img = Image.open(shot_file)
    assert img.size == WINDOW
    return img, json.loads(found.group(1))


def _crop(img: Image.Image, box: dict[str, float]) -> Image.Image:
    left, top = round(box["x"]), round(box["y"])
    return img.crop((left, top, left + round(box["w"]), top + round(box["h"])))


@pytest.fixture(scope="module")
def zh_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = tmp_path_factory.mktemp("zh") / "报告.html"
    assert main(["report", str(TINY), "--lang", "zh", "--out", str(page)]) == 0
    return page


def test_glyph_check_on_drawn_lines() -> None:
    blank = Image.new("RGB", (300, 30), (255, 255, 255))
    assert not chinese_drawn(blank, TITLE_PX)
    boxes = blank.copy()
    for k in range(6):  # six identical hollow boxes: tofu
        boxes.paste((0, 0, 0), (10 + 30 * k, 5, 24 + 30 * k, 25))
        boxes.paste((255, 255, 255), (12 + 30 * k, 7, 22 + 30 * k, 23))
    assert not chinese_drawn(boxes, TITLE_PX)
    narrow = blank.copy()
    for k in range(6):  # six different shapes, but narrow like boxes of a Latin font
        narrow.paste((0, 0, 0), (10 + 30 * k, 5, 20 + 30 * k, 25))
        narrow.paste((255, 255, 255), (12 + 30 * k, 7 + 2 * k, 18 + 30 * k, 9 + 2 * k))
    assert not chinese_drawn(narrow, TITLE_PX)
    shapes = blank.copy()
    for k in range(6):  # six different full-width shapes
        shapes.paste((0, 0, 0), (10 + 30 * k, 5, 26 + 30 * k, 25))
        shapes.paste((255, 255, 255), (12 + 30 * k, 7 + 2 * k, 22 + 30 * k, 9 + 2 * k))
    assert chinese_drawn(shapes, TITLE_PX)


def test_chinese_report_draws_chinese_characters(zh_page: Path, tmp_path: Path) -> None:
    html = zh_page.read_text(encoding="utf-8")
    _self_contained(html)
    assert '<html lang="zh-CN">' in html and "Noto Sans CJK SC" in html
    assert "人员配置报告" in html and "县管乡用" in html and "各层级人员数" in html and "改革阶段比较" in html
    img, layout = _screenshot(zh_page, tmp_path)
    assert chinese_drawn(_crop(img, layout["report-title"]), TITLE_PX), \
        "the Chinese title is not drawn as Chinese glyphs (fonts-noto-cjk missing?)"
    for cid in CHART_IDS:
        assert drawn(_crop(img, layout[cid])), f"{cid} is blank"
        # the chart's own title, in its first 30 px, is Chinese too (14 px, bold)
        head = _crop(img, {**layout[cid], "h": 30.0, "w": 400.0})
        assert chinese_drawn(head, 14), f"{cid}: its title is not drawn in Chinese glyphs"


def test_without_cjk_fonts_the_check_sees_boxes(zh_page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    "<dir>/usr/share/fonts/truetype/dejavu</dir>"
                    f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>", encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    img, layout = _screenshot(zh_page, tmp_path)
    assert not chinese_drawn(_crop(img, layout["report-title"]), TITLE_PX)
