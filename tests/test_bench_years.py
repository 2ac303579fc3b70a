"""benchmarks/years.py's `add_years`: a generated instance becomes a valid instance over years."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from benchmarks.years import START, add_years
from staffpool.inputs.validate import load_instance
from staffpool.tools.generate import generate


def test_add_years_gives_retirements_and_graduates_every_year(tmp_path: Path) -> None:
    d = generate(2, seed=1, scale=0.5, out_dir=tmp_path / "inst")
    before = load_instance(d)
    counts = add_years(d, 5, seed=1)
    inst = load_instance(d)
    assert inst.horizon.start == START and inst.horizon.years == 5
    assert len(inst.staff) == len(before.staff) + counts["graduates"]
    # Nobody has retired before the first year; retirements fall in every later year.
    gone = Counter(s.leaves_in(inst.policy) for s in inst.staff if s.status.value != "candidate")
    assert None not in gone and min(y for y in gone if y is not None) > START
    assert all(gone[y] > 0 for y in range(START + 1, START + 5))
    assert sum(gone[y] for y in range(START + 1, START + 5)) == counts["retire_within_horizon"]
    grads = [s for s in inst.staff if s.id.split("-")[1].startswith("G")]
    assert len(grads) == counts["graduates"] >= 2 * 3
    assert {s.arrives for s in grads} == {START, START + 1, START + 2}
    assert all(s.grassroots_years == 6 for s in grads)
    assert {s.community for s in grads} == {c.id for c in inst.communities}
