"""explain: the elastic model names the rule to relax (one hand-made case per rule family),
and the marginal values equal re-solving by hand."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from staffpool import solve
from staffpool.cli import main
from staffpool.domain.instance import Community, Mode
from staffpool.inputs.validate import load_instance
from staffpool.outputs.results import level_value
from staffpool.tools.explain import explain, explain_infeasible

from .helpers import inst, make, person

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"


def _named(rels: list, alts: list) -> set[tuple[str, str]]:
    return {(r.rule, r.where) for r in rels} | {(r.rule, r.where) for alt in alts for r in alt}


def test_capacity_short() -> None:
    # Only one institution, 3 people, capacity 2: nothing but capacity can give.
    i = make([inst("T", "township", posts=3, cap=2)],
             [person(f"p{n}", "on_staff", "resident", at="T", post="full", holder="T") for n in range(3)])
    best, _ = explain_infeasible(i, "C1", Mode.county_pool)
    assert [(r.rule, r.where, r.amount) for r in best] == [("capacity", "T", 1)]
    assert "capacity of T is 1 short" in best[0].message


def test_max_moves_too_small() -> None:
    # Three full posts at the county hospital must leave (township_used_at_county is off);
    # max_moves 1. Raising max_moves to 3 (2 more) beats switching the post-use rule for 3 people.
    i = make([inst("H", "county", posts=3), inst("T", "township", posts=3, x=5)],
             [person(f"p{n}", "on_staff", "resident", at="H", post="full", holder="T") for n in range(3)],
             communities=[Community(id="C1", name="C1", max_moves=1)])
    best, alts = explain_infeasible(i, "C1", Mode.county_pool)
    assert [(r.rule, r.amount) for r in best] == [("max_moves", 2)]
    assert "max_moves of C1 must be at least 3 (now 1)" in best[0].message
    assert ("post_use", "township_used_at_county") in _named([], alts)


def test_post_use_only_switch() -> None:
    # A full post at the only institution, a county hospital: only the post-use switch helps.
    i = make([inst("H", "county", posts=2)], [person("p", "on_staff", "resident", at="H", post="full", holder="H")])
    best, _ = explain_infeasible(i, "C1", Mode.county_pool)
    assert [(r.rule, r.where) for r in best] == [("post_use", "township_used_at_county")]


def test_village_title_only() -> None:
    i = make([inst("T", "township", posts=2)], [person("v", "contract", "village_doctor", at="T")])
    best, _ = explain_infeasible(i, "C1", Mode.county_pool)
    assert [(r.rule, r.where, r.amount) for r in best] == [("village_title", "T", 1)]


def test_distance_named_with_the_km_needed() -> None:
    # A village doctor at a township; the only village is 50 km away, limit 40 km:
    # either the doctor stays (village_title) or the limit grows to 50 km.
    i = make([inst("T", "township", posts=2), inst("V", "village", x=50)],
             [person("v", "contract", "village_doctor", at="T")], policy={"max_distance_km": 40})
    best, alts = explain_infeasible(i, "C1", Mode.county_pool)
    found = {r.rule: r for r in best + [r for alt in alts for r in alt]}
    assert set(found) == {"distance", "village_title"}
    assert found["distance"].amount == 50.0
    assert "must be at least 50.000 km (now 40 km)" in found["distance"].message


def test_immobile_named() -> None:
    # An immobile village doctor at a township: let him stay there or let him move.
    i = make([inst("T", "township", posts=2), inst("V", "village", x=5)],
             [person("v", "contract", "village_doctor", at="T", mobile=False)])
    best, alts = explain_infeasible(i, "C1", Mode.county_pool)
    assert _named(best, alts) == {("community_mobility", "T"), ("village_title", "T")}


def test_cli_explain_infeasible_exit_1(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "i"
    shutil.copytree(TINY, d)
    # Capacity 1 at the county hospital: two of its three must leave, but max_moves is 1.
    (d / "institutions.csv").write_text((d / "institutions.csv").read_text().replace("30000,0,0,\n", "30000,0,0,1\n"))
    assert main(["explain", str(d), "--json"]) == 1
    data = json.loads(capfd.readouterr().out)
    assert data["feasible"] is False
    rules = {r["rule"] for r in data["relaxations"]["C1"]} | {
        r["rule"] for alt in data["alternatives"]["C1"] for r in alt}
    assert {"capacity", "max_moves"} <= rules


def _levels(path: Path) -> dict[str, float]:
    r = solve(load_instance(path))
    return {lvl.value: float(level_value(lvl, v)) for lvl, v in r.levels.items()}


def test_marginal_values_match_resolving_by_hand(tmp_path: Path) -> None:
    exp = explain(load_instance(TINY))
    assert exp.feasible
    by = {(m.rule, m.where): m for m in exp.marginals}
    base = _levels(TINY)

    def edited(name: str, old: str, new: str) -> dict[str, float]:
        d = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(TINY, d)
        text = (d / name).read_text()
        assert old in text
        (d / name).write_text(text.replace(old, new, 1))
        return _levels(d)

    # Each expected figure comes from editing the instance files and solving again.
    cases = {
        ("max_moves", "C1"): edited("instance.yaml", "max_moves: 1", "max_moves: 2"),
        ("hiring_budget", "C1"): edited("instance.yaml", "hiring_budget: 200000", "hiring_budget: 300000"),
        ("capacity", "T"): edited("institutions.csv", ",10,0,3\n", ",10,0,4\n"),
        ("vacancy", "C1,differential"): edited("institutions.csv", "county,differential,3,", "county,differential,4,"),
        ("distance", "C1"): edited("instance.yaml", "max_distance_km: 40", "max_distance_km: 50"),
    }
    for key, after in cases.items():
        m = by[key]
        assert m.before == base
        assert m.after == after, key
    assert by[("vacancy", "C1,differential")].change["shortfall"] < 0  # one more post closes a gap


def test_treasury_budget_priced_by_re_solving_by_hand(tmp_path: Path) -> None:
    """With a treasury_budget of 100,000 yuan (one full post in village or township) the
    tiny county's plan is tighter; explain prices +100,000 yuan of it as solving again does."""
    def with_budget(budget: int) -> Path:
        d = tmp_path / f"b{budget}"
        if d.exists():
            return d
        shutil.copytree(TINY, d)
        text = (d / "instance.yaml").read_text()
        (d / "instance.yaml").write_text(text.replace("max_moves: 1", f"max_moves: 1, treasury_budget: {budget}", 1))
        return d

    exp = explain(load_instance(with_budget(0)))
    by = {(m.rule, m.where): m for m in exp.marginals}
    m = by[("treasury_budget", "C1")]
    assert m.binds and m.step == "+100,000 yuan"
    assert m.before == _levels(with_budget(0))
    assert m.after == _levels(with_budget(100000))
    assert m.change  # the money buys something
    assert "of treasury budget in C1" in m.message


def test_a_trial_not_proven_is_not_called_no_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Relaxing a limit keeps today's plan, so a re-solve without a proven optimum (a time
    # limit, a gap profile) must say so, not "no plan found"; `--time-limit` reaches the trials.
    from staffpool.tools.explain import Marginal, _marginal_message

    m = Marginal("max_moves", "C1", "+1", True, {"shortfall": 2.0}, None, "", "time_limit")
    text = _marginal_message(m, load_instance(TINY))
    assert "no plan" not in text and "not proven" in text
    assert main(["explain", str(TINY), "--time-limit", "30", "--json", "--lang", "en"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["marginals"] and all(m["status"] == "optimal" for m in data["marginals"])
