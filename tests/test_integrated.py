"""The integrated plan over years: lexicographic optimum of the levels summed over the years,
equal to brute force over every sequence of yearly plans; never worse than rolling on level 1;
every year's plan obeys every rule (the checker, per year)."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from staffpool.check import check_plan
from staffpool.cli import main
from staffpool.domain.instance import Budget, Community, Horizon, Instance, Pin, Requirement
from staffpool.domain.plan import Plan
from staffpool.domain.years import advance, year_view
from staffpool.solving.horizon import plan_integrated, plan_rolling

from .helpers import LEX_TOL, _lex_less, _person_options, inst, make, person, req

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"


def brute_force_years(instance: Instance) -> tuple[float, ...] | None:
    """min over every plan of year 1 of (its levels + the best of the years after), by
    enumeration: lexicographic order is kept when a constant vector is added, so the best
    sequence is found year by year (None: no sequence obeys every rule in every year)."""
    order = instance.policy.objective
    mode = instance.policy.mode

    def best(current: Instance, left: int) -> tuple[float, ...] | None:
        if left == 0:
            return tuple(0.0 for _ in order)
        view = year_view(current)
        found: tuple[float, ...] | None = None
        for combo in itertools.product(*[[a for a, _pool in _person_options(view, mode, s)] for s in view.staff]):
            plan: Plan = {a.staff_id: a for a in combo}
            report = check_plan(view, plan, mode)
            if not report.ok:
                continue
            rest = best(advance(current, plan), left - 1)
            if rest is None:
                continue
            key = tuple(report.levels[lvl] + r for lvl, r in zip(order, rest, strict=True))
            if found is None or _lex_less(key, found):
                found = key
        return found

    return best(instance, instance.horizon.years)


@st.composite
def tiny_years(draw: st.DrawFn) -> Instance:
    tiers = draw(st.lists(st.sampled_from(["county", "township", "village"]), min_size=2, max_size=2))
    insts = [inst(f"I{k}", t, 0 if t == "village" else draw(st.integers(0, 2)), x=draw(st.integers(0, 20)),
                  cap=draw(st.one_of(st.none(), st.integers(1, 3)))) for k, t in enumerate(tiers)]
    funded = [i for i in insts if i.funding.value != "none"]
    staff = []
    for k in range(draw(st.integers(1, 3))):
        status = draw(st.sampled_from(["on_staff", "contract", "candidate"] if funded else ["contract", "candidate"]))
        title = draw(st.sampled_from(["resident", "attending", "village_doctor"]))
        at = draw(st.sampled_from(insts))
        if title == "village_doctor" and at.tier.value != "village":
            title = "resident"
        extra: dict[str, object] = {}
        if draw(st.booleans()):
            extra["leaves"] = 2028
        if status == "candidate":
            p = person(f"s{k}", "candidate", title)
            if draw(st.booleans()):
                extra["arrives"] = 2028
            if draw(st.booleans()):
                extra["grassroots_years"] = draw(st.integers(1, 2))
            extra.pop("leaves", None) if extra.get("arrives") else None
        elif status == "on_staff":
            holder = draw(st.sampled_from(funded))
            p = person(f"s{k}", "on_staff", title, at=at.id, post=holder.funding.value, holder=holder.id,
                       mobile=draw(st.booleans()))
        else:
            p = person(f"s{k}", "contract", title, at=at.id, mobile=draw(st.booleans()))
        staff.append(p.model_copy(update=extra))
        if staff[:-1] and draw(st.booleans()):
            # A twin of the one before (perhaps posted elsewhere): cohorts and classes of several.
            twin = staff[-2]
            moved = {"posted_at": at.id} if twin.posted_at is not None and twin.title.value != "village_doctor" else {}
            staff[-1] = twin.model_copy(update={"id": f"s{k}", "name": f"s{k}", **moved})
    reqs: list[Requirement] = []
    for _ in range(draw(st.integers(1, 3))):
        r = req(draw(st.sampled_from(insts)).id, "gp", draw(st.sampled_from(["village_doctor", "resident", "attending"])),
                draw(st.integers(1, 2)), draw(st.sampled_from([1, 2])))
        reqs.append(r.model_copy(update={"year": draw(st.sampled_from([None, None, 2028]))}))
    pins = []
    for s in staff:
        kind = draw(st.sampled_from([None, None, "at", "not_at", "stay"]))
        if kind is None or (kind == "stay" and s.status.value == "candidate"):
            continue
        j = draw(st.sampled_from(insts)).id
        pins.append(Pin(staff_id=s.id, year=draw(st.sampled_from([None, 2027, 2028])), at=j if kind == "at" else None,
                        stay=kind == "stay", not_at=j if kind == "not_at" else None))
    policy = {"mode": draw(st.sampled_from(["separate", "county_pool", "unified"])),
              "max_distance_km": draw(st.sampled_from([None, 10])),
              "township_used_at_county": draw(st.booleans())}
    if draw(st.booleans()):
        levels = ["shortfall", "moves", "distance", "hiring_cost", "unregularised"]
        policy["objective"] = draw(st.permutations(levels + (["treasury_cost"] if draw(st.booleans()) else [])))
    comm = Community(id="C1", name="C1", hiring_budget=draw(st.sampled_from([None, 150000])),
                     max_moves=draw(st.sampled_from([None, 0, 1])),
                     treasury_budget=draw(st.sampled_from([None, None, 100000, 150000])))
    budgets = (Budget(community="C1", year=2028, max_moves=1, hiring_budget=200000,
                      treasury_budget=draw(st.sampled_from([None, 50000]))),) if draw(st.booleans()) else ()
    i = make(insts, staff, reqs, policy, [comm])
    return i.model_copy(update={"pins": tuple(pins), "budgets": budgets, "horizon": Horizon(start=2027, years=2)})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(tiny_years())
def test_integrated_equals_brute_force_over_years(instance: Instance) -> None:
    sizes = [len(_person_options(year_view(instance), instance.policy.mode, s)) for s in year_view(instance).staff]
    n = 1
    for k in sizes:
        n *= k
    assume(n <= 40)
    expected = brute_force_years(instance)
    got = plan_integrated(instance)
    if expected is None:
        assert not got.complete
        return
    assert got.complete and got.status == "optimal", got.reasons
    totals = got.totals()
    assert tuple(totals[lvl.value] for lvl in instance.policy.objective) == pytest.approx(expected, abs=1e-6)
    for y in got.years:  # every rule in every year, by the checker, against that year's world
        assert check_plan(y.result.instance, y.result.plan, y.result.mode).ok
    rolling = plan_rolling(instance)
    if rolling.complete:
        first = instance.policy.objective[0].value
        assert totals[first] <= rolling.totals()[first] + LEX_TOL


def test_looking_ahead_hires_before_a_retirement() -> None:
    # One GP at the township retires at the end of 2027; a candidate can be hired in 2027
    # only (the budget of 2028 is 0). Rolling sees no need in 2027 and loses the GP in 2028.
    insts = [inst("T", "township", 2)]
    staff = [person("old", "on_staff", "resident", at="T", post="full", holder="T").model_copy(update={"leaves": 2028}),
             person("c", "candidate", "resident")]
    i = make(insts, staff, [req("T", "gp", "resident", 1)],
             communities=[Community(id="C1", name="C1", hiring_budget=150000)])
    i = i.model_copy(update={"horizon": Horizon(start=2027, years=2),
                             "budgets": (Budget(community="C1", year=2028, hiring_budget=0),)})
    rolling, integrated = plan_rolling(i), plan_integrated(i)
    assert rolling.totals()["shortfall"] == 1 and integrated.totals()["shortfall"] == 0
    assert integrated.years[0].result.plan["c"].to_institution == "T"
    assert integrated.totals()["hiring_cost"] == 150000


def test_one_year_integrated_is_solve(tmp_path: Path) -> None:
    folder = tmp_path / "inst"
    shutil.copytree(TINY, folder)
    with (folder / "instance.yaml").open("a", encoding="utf-8") as f:
        f.write("horizon: {start: 2027}\n")
    assert main(["plan", str(folder), "--out", str(tmp_path / "P")]) == 0
    assert main(["solve", str(TINY), "--out", str(tmp_path / "S")]) == 0
    summary = json.loads((tmp_path / "P" / "summary.json").read_text(encoding="utf-8"))
    solved = json.loads((tmp_path / "S" / "summary.json").read_text(encoding="utf-8"))
    assert summary["kind"] == "integrated"
    assert summary["totals"] == summary["rolling_totals"] == solved["objective"]




def test_a_leaver_frees_a_post_for_the_next_year() -> None:
    # T's one post is held until the holder leaves in 2028: the contract doctor can be
    # regularised in 2028, not in 2027.
    staff = [person("old", "on_staff", "resident", at="T", post="full", holder="T").model_copy(update={"leaves": 2028}),
             person("c", "contract", "resident", at="T")]
    i = make([inst("T", "township", 1)], staff, [req("T", "gp", "resident", 1)])
    i = i.model_copy(update={"horizon": Horizon(start=2027, years=2)})
    integrated = plan_integrated(i)
    assert integrated.totals()["unregularised"] == 1 == brute_force_years(i)[-1]
    assert integrated.years[1].result.plan["c"].post_source == "regularised"


def test_a_program_too_large_is_refused_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from staffpool.errors import UsageError

    folder = tmp_path / "inst"
    shutil.copytree(TINY, folder)
    with (folder / "instance.yaml").open("a", encoding="utf-8") as f:
        f.write("horizon: {start: 2027, years: 3}\n")
    from staffpool.inputs.validate import load_instance
    from staffpool.model.arcspace import program_columns

    loaded = load_instance(folder)
    columns = program_columns(loaded, "C1", loaded.policy.mode)
    with pytest.raises(UsageError, match="--rolling") as info:
        plan_integrated(loaded, max_columns=10)
    assert f"needs {columns:,} integer columns, more than --max-columns 10" in str(info.value)
    assert plan_integrated(loaded, max_columns=columns).complete  # the limit is inclusive


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(tiny_years())
def test_the_column_count_is_the_builders(instance: Instance) -> None:
    # `plan` refuses a program by this count before building it: it must be the builder's
    # own number of columns, whatever the pins, leavers, arrivals, graduates and mode.
    from staffpool.model.arcspace import program_columns
    from staffpool.model.years import build_horizon_community

    mode = instance.policy.mode
    assert program_columns(instance, "C1", mode) == build_horizon_community(instance, "C1", mode).lp.num_cols


@pytest.mark.parametrize("mode", ["separate", "county_pool", "unified"])
def test_the_column_count_is_the_builders_on_a_generated_county(tmp_path: Path, mode: str) -> None:
    from benchmarks.years import add_years
    from staffpool.domain.instance import Mode
    from staffpool.inputs.validate import load_instance
    from staffpool.model.arcspace import program_columns
    from staffpool.model.years import build_horizon_community
    from staffpool.tools.generate import generate

    folder = generate(1, seed=3, scale=0.2, out_dir=tmp_path / "g")
    add_years(folder, 3, seed=0)  # retirements, targeted graduates with grassroots years
    instance = load_instance(folder)
    cid = instance.communities[0].id
    assert program_columns(instance, cid, Mode(mode)) == build_horizon_community(instance, cid, Mode(mode)).lp.num_cols
