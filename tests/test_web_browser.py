"""The workspace's page in a real headless Chromium (Playwright driving Debian's chromium;
never `playwright install`): upload the Chinese workbook, solve, see the moves table with
the Chinese names drawn in a CJK font (not boxes), switch language, put two runs side by
side, download the workbook. A screenshot of the plan page is kept as the test's artefact.

Needs Debian's chromium and fonts-noto-cjk (tests/browser.py); never skipped.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests import browser
from tests.test_report import drawn
from tests.test_report_zh import chinese_drawn
from tests.webserver import INSTANCES, Server

ZH_WORKBOOK = INSTANCES / "sanming-county-zh.xlsx"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("web-browser") / "data").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    try:
        exe = browser.chromium()
    except browser.BrowserMissing as exc:
        pytest.fail(str(exc))
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=FLAGS)
        yield b
        b.close()


def names_drawn(page: Any, tmp: Path) -> bool:
    """The first three names of the moves table, as Chromium drew them, side by side."""
    cells = page.locator("#moves .name")
    assert cells.count() >= 3
    shots = [Image.open(io.BytesIO(cells.nth(i).screenshot())) for i in range(3)]
    size = float(page.eval_on_selector("#moves .name", "e => parseFloat(getComputedStyle(e).fontSize)"))
    line = Image.new("RGB", (sum(s.width for s in shots) + 40, max(s.height for s in shots)), "white")
    x = 0
    for s in shots:
        line.paste(s, (x, 0))
        x += s.width + 20
    line.save(tmp / "names.png")
    return chinese_drawn(line, round(size))


def test_upload_solve_see_switch_compare_download(server: Server, chromium: Any,
                                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    import openpyxl

    art = tmp_path_factory.mktemp("web-artefact")
    context = chromium.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
                                   viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(server.url + "/")
    assert page.get_attribute("html", "lang") == "zh-CN"  # the browser's language
    page.set_input_files("#upload-file", str(ZH_WORKBOOK))
    page.click("#upload-button")
    page.wait_for_url("**/instances/*")
    assert page.inner_text("#instance-name") == "sanming-county"
    page.select_option("#command", "solve")
    page.click("#run-button")
    page.wait_for_url("**/runs/*")
    page.wait_for_selector("#moves", timeout=120_000)  # app.js polls the API, reloads when done
    first_run = page.url
    rows = page.locator("#moves tbody tr")
    assert rows.count() == 14  # the county's moves (summary.json counts.moves)
    text = page.inner_text("#moves")
    assert "县总医院" in text and "调动" in text  # places by name, the change in Chinese
    assert names_drawn(page, art), f"the Chinese names are not drawn in a CJK font (see {art / 'names.png'})"
    report = page.frame_locator("#report")  # the report's charts and map, in its sandboxed frame
    report.locator("svg#chart-moves").wait_for()
    assert "县总医院" in report.locator("svg#chart-moves").inner_html()
    page.screenshot(path=str(art / "plan-zh.png"), full_page=True)  # the artefacts, to look at
    page.locator("#report").scroll_into_view_if_needed()
    page.locator("#report").screenshot(path=str(art / "plan-report-zh.png"))  # a full-page shot leaves frames out
    assert drawn(Image.open(art / "plan-report-zh.png"))
    print(f"screenshots: {art / 'plan-zh.png'}, {art / 'plan-report-zh.png'}")

    page.click("#lang-en")  # the switch: kept for the next pages (a cookie)
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert "move" in page.inner_text("#moves") and "调动" not in page.inner_text("#moves")
    page.goto(first_run)
    assert page.get_attribute("html", "lang") == "en"

    with page.expect_download() as dl:
        page.click("#downloads a:text-is('plan.xlsx')")
    saved = art / "plan.xlsx"
    dl.value.save_as(saved)
    wb = openpyxl.load_workbook(saved, read_only=True)
    cells = {str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    assert "孙华娜" in cells or any("孙华娜" in c for c in cells)

    # a second run with a what-if knob, then both side by side
    page.click("a:has-text('sanming-county')")
    page.fill("#knob-max_moves", "0")
    page.click("#run-button")
    page.wait_for_url("**/runs/*")
    page.wait_for_selector("#levels", timeout=120_000)
    assert page.locator("#moves").count() == 0  # nobody moves with a cap of 0
    page.click("a:has-text('sanming-county')")
    boxes = page.locator("input[name=pick]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#compare-button")
    page.wait_for_url("**/compare?*")
    table = page.inner_text("#side-by-side")
    assert "14" in table and "#1" in table and "#2" in table
    page.screenshot(path=str(art / "side-by-side-en.png"), full_page=True)
    context.close()
