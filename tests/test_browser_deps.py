"""`pytest` on a fresh machine: the report test's browser is found, installed, or its
absence fails with the command to run (tests/browser.py). PATH is narrowed to a folder of
our own, so nothing is uninstalled and apt-get never really runs."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests import browser


def _script(folder: Path, name: str, body: str) -> None:
    p = folder / name
    p.write_text(f"#!/bin/sh\n{body}\n")
    p.chmod(p.stat().st_mode | stat.S_IEXEC)


class Runs:
    """Stands in for subprocess.run: records commands; apt-get install 'installs' the two
    programs into the narrowed PATH."""

    def __init__(self, bin_dir: Path, fail: bool = False):
        self.bin_dir, self.fail = bin_dir, fail
        self.calls: list[list[str]] = []

    def __call__(self, cmd: list[str], **_kw: Any) -> Any:
        self.calls.append(cmd)
        if "install" in cmd and not self.fail:
            _script(self.bin_dir, "chromium", "exit 0")
            _script(self.bin_dir, "fc-list", 'echo "Noto Sans CJK SC"')

        class Done:
            returncode = 1 if self.fail and "install" in cmd else 0
            stderr = "E: Unable to locate package" if self.fail else ""

        return Done()


def test_missing_and_not_allowed_to_install_fails_with_the_command(tmp_path: Path) -> None:
    with pytest.raises(browser.BrowserMissing, match=r"apt-get install -y chromium fonts-noto-cjk"):
        browser.ensure_browser(path=str(tmp_path), run=Runs(tmp_path), uid=1000)


def test_missing_as_root_installs_chromium_and_cjk_fonts(tmp_path: Path) -> None:
    _script(tmp_path, "apt-get", "exit 0")
    runs = Runs(tmp_path)
    found = browser.ensure_browser(path=str(tmp_path), run=runs, uid=0)
    assert found == str(tmp_path / "chromium")
    assert runs.calls[-1][1:] == ["install", "-y", "-qq", "chromium", "fonts-noto-cjk"]
    assert runs.calls[0][1] == "update"


def test_a_failed_install_fails_with_apts_message(tmp_path: Path) -> None:
    _script(tmp_path, "apt-get", "exit 0")
    with pytest.raises(browser.BrowserMissing, match="Unable to locate"):
        browser.ensure_browser(path=str(tmp_path), run=Runs(tmp_path, fail=True), uid=0)


def test_fonts_missing_alone_is_noticed(tmp_path: Path) -> None:
    _script(tmp_path, "chromium", "exit 0")
    _script(tmp_path, "fc-list", "exit 0")  # no Chinese font
    assert browser.missing(str(tmp_path)) == ["fonts-noto-cjk"]


def test_a_tests_own_fontconfig_does_not_hide_the_systems_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    # test_report_zh points FONTCONFIG_FILE at a config without CJK fonts; if it is the first
    # to ask for the browser, the packages must still be found installed (not apt-get again).
    _script(tmp_path, "chromium", "exit 0")
    _script(tmp_path, "fc-list", '[ -z "$FONTCONFIG_FILE" ] && echo "Noto Sans CJK SC"')
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "no-cjk.conf"))
    assert browser.missing(str(tmp_path)) == []


def test_this_machine_has_what_the_report_test_needs() -> None:
    # Found, or installed now if allowed, as the report test does: whichever of the two runs
    # first (pytest-randomly shuffles them), the session installs at most once.
    chromium = browser.chromium()

    def never(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("installed once already: nothing more to install")

    assert browser.ensure_browser(run=never) == chromium
    assert os.access(chromium, os.X_OK)
