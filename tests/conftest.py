"""Every test starts in English whatever the machine's locale (a test of `--lang` sets its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from staffpool.i18n import set_language


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    set_language("en")
    yield
    set_language("en")
