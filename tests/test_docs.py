"""A planner reading docs/rules.md finds the function of every rule of the registry."""

from __future__ import annotations

import inspect
from pathlib import Path

from staffpool import check
from staffpool.model.rules import RULES

ROOT = Path(__file__).resolve().parents[1]


def test_rules_md_lists_every_rule_with_its_functions() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().strip("`"): line for line in text.splitlines() if line.startswith("| `")}
    assert set(rows) == {r.name for r in RULES}
    for rule in RULES:
        row = rows[rule.name]
        for fn in (rule.allow, rule.define):
            if fn is not None:
                path = Path(inspect.getfile(fn)).relative_to(ROOT).as_posix()
                assert f"`{fn.__name__}` in `{path}`" in row, rule.name
        if rule.kind == "hard":
            checker = f"check_{rule.name}"
            assert hasattr(check, checker) and f"`{checker}`" in row, rule.name
