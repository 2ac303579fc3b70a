"""Rotation by specialty, availability windows and the longest trip (people.md §2–4).

The brute force below enumerates every placement (each due attending at each host and
window it may take) and judges it with its own reading of people.md; it imports nothing
of staffpool's rotation, solving or checking code.
"""

from __future__ import annotations

import itertools
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from staffpool.check import check_rotation
from staffpool.domain.instance import Policy
from staffpool.domain.plan import Assignment
from staffpool.tools.rotation import rotate

from .helpers import inst, make, metres, person, req, within

RANK = {"village_doctor": 0, "resident": 1, "attending": 2, "deputy_chief": 3, "chief": 4}


def _stay(instance):
    return {s.id: Assignment(s.id, s.posted_at, "differential", "existing") for s in instance.staff}


# ---------------------------------------------------------------- the brute force


def _gaps(instance, plan):
    """Per host, [specialty, min_title, gap] of each row with min_title ≥ attending."""
    out = {}
    for r in instance.requirements:
        if RANK[r.min_title.value] < RANK["attending"]:
            continue
        have = sum(1 for s in instance.staff if plan[s.id].to_institution == r.institution
                   and r.specialty in ("*", s.specialty) and RANK[s.title.value] >= RANK[r.min_title.value])
        out.setdefault(r.institution, []).append((r.specialty, r.min_title.value, max(0, r.need - have)))
    return out


def _best_pairing(people, rows):
    """Every way of giving each person one row (or none), row gaps respected: the most paired."""
    best = 0
    for choice in itertools.product([None, *range(len(rows))], repeat=len(people)):
        used = Counter(c for c in choice if c is not None)
        if any(used[k] > rows[k][2] for k in used):
            continue
        if all(c is None or (rows[c][0] in ("*", p.specialty) and RANK[p.title.value] >= RANK[rows[c][1]])
               for p, c in zip(people, choice, strict=True)):
            best = max(best, sum(used.values()))
    return best


def _placements(instance, plan):
    """The due attendings and, for each, every (host, window) it may take alone."""
    pol = instance.policy.rotation
    ib = instance.institution_by_id
    nw = pol.periods // pol.window
    limit = pol.max_distance_km if pol.max_distance_km is not None else instance.policy.max_distance_km
    due = [s for s in instance.staff if s.title.value == "attending" and s.grassroots_due
           and plan[s.id].to_institution and ib[plan[s.id].to_institution].tier.value == "county"]
    options = []
    for s in due:
        home = ib[plan[s.id].to_institution]
        windows = [w for w in range(1, nw + 1) if not s.rotation_windows or w in s.rotation_windows]
        options.append([(j.id, w) for j in instance.institutions for w in windows
                        if j.tier.value in [t.value for t in pol.host_tiers] and j.community == home.community
                        and j.id != home.id and within(metres(home, j), limit)])
    return due, options


def _judge(instance, plan, due, combo):
    """A placement's levels (covered negated), or None when it breaks a cap."""
    pol = instance.policy.rotation
    ib = instance.institution_by_id
    posted = Counter(a.to_institution for a in plan.values() if a.to_institution)
    homes = [plan[s.id].to_institution for s in due]
    away = Counter((h, w) for h, (_j, w) in zip(homes, combo, strict=True))
    if any(n > int(Fraction(str(pol.max_away_fraction)) * posted[h]) for (h, _w), n in away.items()):
        return None
    if any(n > pol.host_capacity for n in Counter(combo).values()):
        return None
    gaps = _gaps(instance, plan)
    at = {}
    for s, place in zip(due, combo, strict=True):
        at.setdefault(place, []).append(s)
    covered = sum(_best_pairing(people, gaps.get(j, [])) for (j, _w), people in at.items())
    longest = {}
    for h, (j, _w) in zip(homes, combo, strict=True):
        longest[ib[h].community] = max(longest.get(ib[h].community, 0), metres(ib[h], ib[j]))
    dist = sum(metres(ib[h], ib[j]) for h, (j, _w) in zip(homes, combo, strict=True))
    return {"covered": -covered, "longest_trip": sum(longest.values()), "distance": dist}


def brute(instance, plan, objective=("covered", "longest_trip", "distance")):
    """The best (levels by name) over every placement, or None when none keeps the rules."""
    due, options = _placements(instance, plan)
    best = None
    for combo in itertools.product(*options):
        levels = _judge(instance, plan, due, combo)
        if levels is None:
            continue
        key = tuple(levels[x] for x in objective)
        if best is None or key < best[0]:
            best = (key, levels)
    return None if best is None else best[1]


# ---------------------------------------------------------------- small instances


SPECS = ["gp", "surg", "paed"]


@st.composite
def rotations(draw):
    """Two communities, each a county hospital with attendings due and one to three
    townships with senior rows of various specialties; some people may serve in one window."""
    insts, staff, reqs = [], [], []
    for c in ("C1", "C2"):
        insts.append(inst(f"H{c}", "county", 50, 0, 0, community=c))
        for k in range(draw(st.integers(1, 3 if c == "C1" else 2))):
            host = f"T{c}{k}"
            insts.append(inst(host, "township", 0, draw(st.integers(1, 40)), draw(st.integers(0, 30)), community=c))
            for _r in range(draw(st.integers(0, 2))):
                reqs.append(req(host, draw(st.sampled_from(["*", *SPECS])),
                                draw(st.sampled_from(["attending", "attending", "deputy_chief"])), draw(st.integers(1, 2))))
            if draw(st.booleans()):
                staff.append(person(f"s{host}", "on_staff", "attending", draw(st.sampled_from(SPECS)), host, "full", host,
                                    community=c))
        for k in range(draw(st.integers(0, 3 if c == "C1" else 1))):
            p = person(f"a{c}{k}", "on_staff", "attending", draw(st.sampled_from(SPECS)), f"H{c}", "differential",
                       f"H{c}", community=c, due=True)
            windows = draw(st.sampled_from([(), (), (1,), (2,)]))
            staff.append(p.model_copy(update={"rotation_windows": windows}))
        staff += [person(f"f{c}{k}", "on_staff", "resident", "gp", f"H{c}", "differential", f"H{c}", community=c)
                  for k in range(6)]
    objective = draw(st.sampled_from([["covered", "longest_trip", "distance"], ["covered", "distance"],
                                      ["covered", "distance", "longest_trip"], ["longest_trip", "covered", "distance"]]))
    policy = {"rotation": {"periods": 4, "window": 2, "max_away_fraction": draw(st.sampled_from([0.2, 0.5])),
                           "host_capacity": draw(st.integers(1, 2)), "max_distance_km": draw(st.sampled_from([None, 30])),
                           "objective": objective}}
    return make(insts, staff, reqs, policy), objective


def _levels(r):
    return {"covered": -r.covered_slots, "longest_trip": round(r.longest_trip_km * 1000),
            "distance": round(r.distance_km * 1000)}


@settings(max_examples=60, deadline=None)
@given(rotations())
def test_levels_equal_the_brute_force_and_the_checker(case) -> None:
    instance, objective = case
    plan = _stay(instance)
    r = rotate(instance, plan)
    best = brute(instance, plan, objective)
    if best is None:
        assert r.status == "infeasible" and r.reasons
        return
    assert r.status == "optimal"
    got = _levels(r)
    for i, level in enumerate(objective):  # the levels named, in order; the others follow from them
        assert got[level] == best[level], (objective, got, best)
        if i == len(objective) - 1:
            break
    report = check_rotation(instance, plan, r.table.to_dict(orient="records"))
    assert report.ok, report.violations
    assert report.levels == {"covered": r.covered_slots, "longest_trip": got["longest_trip"], "distance": got["distance"]}


@settings(max_examples=60, deadline=None)
@given(rotations(), st.randoms(use_true_random=False))
def test_the_checker_judges_any_placement_as_the_brute_force(case, rnd) -> None:
    # Not the solver's plan: a placement drawn at random, caps kept or not.
    instance, _objective = case
    plan = _stay(instance)
    due, options = _placements(instance, plan)
    if not due or not all(options):
        return
    combo = [rnd.choice(opts) for opts in options]
    rows = [{"staff_id": s.id, "home": plan[s.id].to_institution, "host": j, "window": w}
            for s, (j, w) in zip(due, combo, strict=True)]
    report = check_rotation(instance, plan, rows)
    levels = _judge(instance, plan, due, combo)
    capped = [v for v in report.violations if "away" in v.message or "capacity" in v.message]
    assert (levels is None) == bool(capped), (levels, report.violations)
    if levels is not None:
        assert report.ok, report.violations  # no fills written: none counted against them
        assert report.levels == {"covered": -levels["covered"], "longest_trip": levels["longest_trip"],
                                 "distance": levels["distance"]}


# ---------------------------------------------------------------- binding cases


def _one_host(specialty: str, row: str, windows=()):
    insts = [inst("H", "county", 50, 0, 0), inst("T", "township", 0, 5, 0)]
    staff = [person("a0", "on_staff", "attending", specialty, "H", "differential", "H", due=True)
             .model_copy(update={"rotation_windows": windows})]
    staff += [person(f"f{k}", "on_staff", "resident", "gp", "H", "differential", "H") for k in range(9)]
    return make(insts, staff, [req("T", row, "attending", 1)], {"rotation": {"max_away_fraction": 0.1}})


def test_a_surgeon_at_a_paediatrics_gap_fills_nothing() -> None:
    surgeon = _one_host("surgery", "paediatrics")
    r = rotate(surgeon, _stay(surgeon))
    assert r.status == "optimal" and r.covered_slots == 0
    assert list(r.table["fills"]) == [""] and list(r.table["specialty"]) == ["surgery"]
    assert check_rotation(surgeon, _stay(surgeon), r.table.to_dict(orient="records")).levels["covered"] == 0
    paed = _one_host("paediatrics", "paediatrics")
    r2 = rotate(paed, _stay(paed))
    assert r2.covered_slots == 1 and list(r2.table["fills"]) == ["paediatrics/attending"]
    anyone = _one_host("surgery", "*")
    assert rotate(anyone, _stay(anyone)).covered_slots == 1


def test_fills_written_wrong_are_flagged() -> None:
    surgeon = _one_host("surgery", "paediatrics")
    r = rotate(surgeon, _stay(surgeon))
    rows = r.table.to_dict(orient="records")
    rows[0]["fills"] = "paediatrics/attending"
    report = check_rotation(surgeon, _stay(surgeon), rows)
    assert not report.ok and any("paediatrics/attending" in v.message for v in report.violations)


def _two_due(w0=(), w1=(), extra=()):
    insts = [inst("H", "county", 50, 0, 0), inst("N", "township", 0, 5, 0), inst("F", "township", 0, 9, 0)]
    staff = [person("a0", "on_staff", "attending", "gp", "H", "differential", "H", due=True).model_copy(
        update={"rotation_windows": w0}),
        person("a1", "on_staff", "attending", "gp", "H", "differential", "H", due=True).model_copy(
        update={"rotation_windows": w1})]
    staff += [person(f"f{k}", "on_staff", "resident", "gp", "H", "differential", "H") for k in range(8)]
    staff += list(extra)
    # 10 staff at H, 0.1 away: one may leave per window; both townships lack a senior gp.
    return make(insts, staff, [req("N", "gp", "attending", 1), req("F", "gp", "attending", 1)],
                {"rotation": {"max_away_fraction": 0.1}})


def test_a_person_who_cannot_serve_in_window_1_never_goes_then() -> None:
    # a0 sorts first and would take window 1 by id order; it may serve only in window 2.
    instance = _two_due(w0=(2,))
    r = rotate(instance, _stay(instance))
    assert r.status == "optimal"
    placed = dict(zip(r.table["staff_id"], r.table["window"], strict=True))
    assert placed == {"a0": 2, "a1": 1}
    rows = r.table.to_dict(orient="records")
    for row in rows:
        row["window"] = 1 if row["staff_id"] == "a0" else 2
    assert any("rotation_windows" in v.message for v in check_rotation(instance, _stay(instance), rows).violations)


def test_infeasible_windows_name_the_people() -> None:
    both = _two_due(w0=(2,), w1=(2,))
    r = rotate(both, _stay(both))
    assert r.status == "infeasible"
    assert any("a0" in m and "a1" in m and "window 2" in m for m in r.reasons), r.reasons
    outside = _two_due(w0=(5,))
    r2 = rotate(outside, _stay(outside))
    assert r2.status == "infeasible" and any(m.startswith("a0 (a0): rotation_windows 5") for m in r2.reasons), r2.reasons


def test_every_person_short_of_a_window_is_named() -> None:
    # Four windows, one may leave per window: a0 and a1 only in window 1, a2 and a3 only in 2.
    insts = [inst("H", "county", 50, 0, 0), inst("N", "township", 0, 5, 0)]
    staff = [person(f"a{k}", "on_staff", "attending", "gp", "H", "differential", "H", due=True).model_copy(
        update={"rotation_windows": (1 + k // 2,)}) for k in range(4)]
    staff += [person(f"f{k}", "on_staff", "resident", "gp", "H", "differential", "H") for k in range(6)]
    instance = make(insts, staff, [], {"rotation": {"periods": 4, "window": 1, "max_away_fraction": 0.1}})
    r = rotate(instance, _stay(instance))
    assert r.status == "infeasible" and len(r.reasons) == 2, r.reasons
    assert "a0" in r.reasons[0] and "a1" in r.reasons[0] and "window 1:" in r.reasons[0]
    assert "a2" in r.reasons[1] and "a3" in r.reasons[1] and "window 2:" in r.reasons[1]


def test_a_hired_candidate_who_owes_service_rotates() -> None:
    instance = _one_host("paediatrics", "paediatrics")
    cand = person("c0", "candidate", "attending", "paediatrics", None, community="C1", due=True)
    instance = instance.model_copy(update={"staff": (*instance.staff, cand)})
    plan = {**_stay(instance), "c0": Assignment("c0", "H", "differential", "hired")}
    r = rotate(instance, plan)
    assert sorted(r.table["staff_id"]) == ["a0", "c0"] and r.covered_slots == 2
    unhired = {**_stay(instance), "c0": Assignment("c0", None, None, None)}
    assert sorted(rotate(instance, unhired).table["staff_id"]) == ["a0"]


def _bottleneck():
    # p (home H1) and q (home H2) each go to T1 or T2, one per host, one window: 1 + 14.422 km
    # keeps the total short, 12 + 8.062 the longest trip.
    insts = [inst("H1", "county", 50, 0, 0), inst("H2", "county", 50, 0, 8),
             inst("T1", "township", 0, 1, 0), inst("T2", "township", 0, -12, 0)]
    staff = [person("p", "on_staff", "attending", "gp", "H1", "differential", "H1", due=True),
             person("q", "on_staff", "attending", "gp", "H2", "differential", "H2", due=True)]
    staff += [person(f"f{k}", "on_staff", "resident", "gp", h, "differential", h) for h in ("H1", "H2") for k in range(3)]
    return insts, staff


def test_a_shorter_longest_trip_is_preferred_at_the_cost_of_km() -> None:
    insts, staff = _bottleneck()
    pol = {"periods": 2, "window": 2, "max_away_fraction": 1.0, "host_capacity": 1}
    fair = make(insts, staff, [], {"rotation": pol})
    r = rotate(fair, _stay(fair))
    assert dict(zip(r.table["staff_id"], r.table["host"], strict=True)) == {"p": "T2", "q": "T1"}
    assert (r.longest_trip_km, r.distance_km) == (12.0, 20.062)
    assert r.summary["longest_trip_km"] == 12.0
    km_only = make(insts, staff, [], {"rotation": {**pol, "objective": ["covered", "distance"]}})
    r2 = rotate(km_only, _stay(km_only))
    assert dict(zip(r2.table["staff_id"], r2.table["host"], strict=True)) == {"p": "T1", "q": "T2"}
    assert (r2.longest_trip_km, r2.distance_km) == (14.422, 15.422)


def test_longest_trip_sums_over_communities() -> None:
    insts, staff = _bottleneck()
    # H2 and T2 in another community: each community's longest trip counts.
    insts = [i.model_copy(update={"community": "C2"}) if i.id in ("H2", "T2") else i for i in insts]
    staff = [s.model_copy(update={"community": "C2"}) if s.posted_at == "H2" else s for s in staff]
    instance = make(insts, staff, [], {"rotation": {"periods": 2, "window": 2, "max_away_fraction": 1.0}})
    r = rotate(instance, _stay(instance))
    assert r.longest_trip_km == 1.0 + 14.422


@pytest.mark.parametrize("objective", [["distance", "covered"], ["covered", "covered", "distance"], ["covered"],
                                       ["covered", "longest_trip"]])
def test_rotation_objective_is_checked(objective) -> None:
    with pytest.raises(ValidationError):
        Policy.model_validate({"rotation": {"objective": objective}})


def test_rotation_objective_may_move_longest_trip() -> None:
    assert Policy.model_validate({"rotation": {"objective": ["longest_trip", "covered", "distance"]}})


# ---------------------------------------------------------------- rotation_windows in every form


def _sanming(tmp_path, cell_30: str):
    import shutil
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "instances" / "sanming-county"
    dst = tmp_path / "s"
    shutil.copytree(src, dst)
    text = (dst / "staff.csv").read_text(encoding="utf-8")
    (dst / "staff.csv").write_text(text.replace("C000-H1,C000,true,true,2\n", f"C000-H1,C000,true,true,{cell_30}\n"),
                                   encoding="utf-8")
    return dst


@pytest.mark.parametrize(("cell", "message"), [("x", "not a list of windows"), ("0", "not a list of windows"),
                                               ("1.5", "not a list of windows"), ("3", "windows 1–2"),
                                               ("1;3", "windows 1–2")])
def test_bad_windows_are_named(tmp_path, cell, message) -> None:
    from staffpool.errors import InputError
    from staffpool.inputs.validate import load_instance

    with pytest.raises(InputError) as exc:
        load_instance(_sanming(tmp_path, cell))
    (p,) = exc.value.problems
    assert (p.file, p.row, p.column) == ("staff.csv", 31, "rotation_windows") and message in p.message


def test_windows_read_in_every_form(tmp_path) -> None:
    import json

    from staffpool.inputs.validate import load_instance
    from staffpool.tools.convert import write_folder, write_json, write_workbook

    base = load_instance(_sanming(tmp_path, "2; 1"))
    rotation = {**base.policy.rotation.model_dump(), "objective": ["longest_trip", "covered", "distance"]}
    base = base.with_policy(rotation=rotation)  # written, in Chinese too (政策.轮岗.优化目标), and read back
    assert base.staff_by_id["C000-S00030"].rotation_windows == (1, 2)
    assert base.staff_by_id["C000-S00272"].rotation_windows == (1,)
    write_json(base, tmp_path / "i.json")
    write_workbook(base, tmp_path / "i.xlsx")
    write_workbook(base, tmp_path / "zh.xlsx", zh=True)
    write_folder(base, tmp_path / "f")
    for form in ("i.json", "i.xlsx", "zh.xlsx", "f"):
        assert load_instance(tmp_path / form) == base, form
    assert "rotation_windows" in (tmp_path / "f" / "staff.csv").read_text(encoding="utf-8").split("\n")[0]
    data = json.loads((tmp_path / "i.json").read_text(encoding="utf-8"))
    for row in data["staff"]:
        if row["id"] == "C000-S00030":
            row["rotation_windows"] = [2]  # a JSON list reads too
    (tmp_path / "l.json").write_text(json.dumps(data), encoding="utf-8")
    assert load_instance(tmp_path / "l.json").staff_by_id["C000-S00030"].rotation_windows == (2,)


def test_no_windows_no_column(tmp_path) -> None:
    from pathlib import Path

    from staffpool.inputs.validate import load_instance
    from staffpool.tools.convert import write_folder

    tiny = Path(__file__).resolve().parents[1] / "instances" / "tiny"
    write_folder(load_instance(tiny), tmp_path / "t")
    assert "rotation_windows" not in (tmp_path / "t" / "staff.csv").read_text(encoding="utf-8")
    rotation = (tmp_path / "t" / "instance.yaml").read_text(encoding="utf-8").split("rotation:")[1].split("wisn")[0]
    assert "objective" not in rotation  # the default order is not written: files as before


def test_bundled_windows_hold(tmp_path) -> None:
    from pathlib import Path

    import staffpool

    r = staffpool.rotate(Path(__file__).resolve().parents[1] / "instances" / "sanming-county")
    windows = dict(zip(r.table["staff_id"], r.table["window"], strict=True))
    assert windows["C000-S00030"] == 2 and windows["C000-S00272"] == 1


def test_byte_for_byte_under_any_hash_seed(tmp_path) -> None:
    # Sets of node names iterate in hash order; a rotation must not depend on it.
    import os
    import subprocess
    import sys

    from staffpool.tools.generate import generate

    county = generate(3, seed=5, scale=0.3, out_dir=tmp_path / "g")
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"r{seed}"
        subprocess.run([sys.executable, "-c", "import sys; from staffpool.cli import main; sys.exit(main())",
                        "rotate", str(county), "--out", str(out), "--graph", str(out / "g.graphml")],
                       check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed})
        outs.append([(out / n).read_bytes() for n in ("rotation.csv", "rotation_summary.json", "g.graphml")])
    assert outs[0] == outs[1]
    assert outs[0][0].count(b"\n") > 3


# ---------------------------------------------------------------- an independent per-person model


def _per_person_levels(instance, plan):
    """people.md's three levels by a model of its own: a binary per (person, host, window) and
    per (person, host, window, row) filled, lexicographic by PuLP and HiGHS."""
    import pulp

    pulp.set_v4_migration_warnings(False)
    pol = instance.policy.rotation
    ib = instance.institution_by_id
    nw = pol.periods // pol.window
    limit = pol.max_distance_km if pol.max_distance_km is not None else instance.policy.max_distance_km
    posted = Counter(a.to_institution for a in plan.values() if a.to_institution)
    due = [s for s in instance.staff if s.title.value == "attending" and s.grassroots_due
           and s.id in plan and plan[s.id].to_institution and ib[plan[s.id].to_institution].tier.value == "county"]
    gaps = _gaps(instance, plan)
    prob = pulp.LpProblem("people", pulp.LpMinimize)
    y, f = {}, {}
    for s in due:
        home = ib[plan[s.id].to_institution]
        for j in instance.institutions:
            if j.tier.value != "township" or j.community != home.community or not within(metres(home, j), limit):
                continue
            for w in range(1, nw + 1):
                if s.rotation_windows and w not in s.rotation_windows:
                    continue
                y[(s.id, j.id, w)] = pulp.LpVariable(f"y{len(y)}", cat="Binary")
                for k, (spec, title, gap) in enumerate(gaps.get(j.id, [])):
                    if gap and spec in ("*", s.specialty) and RANK[s.title.value] >= RANK[title]:
                        f[(s.id, j.id, w, k)] = pulp.LpVariable(f"f{len(f)}", cat="Binary")
    for s in due:
        prob += pulp.lpSum(v for key, v in y.items() if key[0] == s.id) == 1
    homes = {s.id: plan[s.id].to_institution for s in due}
    for h in set(homes.values()):
        for w in range(1, nw + 1):
            prob += pulp.lpSum(v for key, v in y.items() if homes[key[0]] == h and key[2] == w) <= \
                int(Fraction(str(pol.max_away_fraction)) * posted[h])
    for j in instance.institutions:
        for w in range(1, nw + 1):
            prob += pulp.lpSum(v for key, v in y.items() if key[1] == j.id and key[2] == w) <= pol.host_capacity
            for k, (_s, _t, gap) in enumerate(gaps.get(j.id, [])):
                prob += pulp.lpSum(v for key, v in f.items() if key[1:] == (j.id, w, k)) <= gap
    for (sid, j, w), v in y.items():
        prob += pulp.lpSum(x for key, x in f.items() if key[:3] == (sid, j, w)) <= v
    longest = {c.id: pulp.LpVariable(f"L_{n}", lowBound=0) for n, c in enumerate(instance.communities)}
    for (sid, j, _w), v in y.items():
        prob += longest[ib[homes[sid]].community] >= metres(ib[homes[sid]], ib[j]) * v
    levels = {"covered": -pulp.lpSum(f.values()), "longest_trip": pulp.lpSum(longest.values()),
              "distance": pulp.lpSum(metres(ib[homes[sid]], ib[j]) * v for (sid, j, _w), v in y.items())}
    out = {}
    for name in pol.objective:
        prob.setObjective(levels[name])
        prob.solve(pulp.HiGHS(msg=False))
        if prob.status != 1:
            return None
        out[name] = round(pulp.value(levels[name]) or 0)
        prob += levels[name] <= out[name] + 0.5
    return out


def _with_specialties(instance):
    """The township `*` senior rows split among three specialties (so a rotator's specialty
    binds), every third due attending limited to one window."""
    specs = ["general_practice", "surgery", "pediatrics", "internal_medicine", "emergency", "tcm"]
    rows, k = [], 0
    for r in instance.requirements:
        if r.specialty == "*" and r.min_title.value == "attending" and instance.institution_by_id[r.institution].tier.value == "township":
            for n in range(3):
                k += 1
                rows.append(r.model_copy(update={"specialty": specs[k % len(specs)], "need": max(1, r.need // 3 + n % 2)}))
        else:
            rows.append(r)
    staff, k = [], 0
    for s in instance.staff:
        if s.grassroots_due:
            k += 1
            if k % 3 == 0:
                s = s.model_copy(update={"rotation_windows": (1 + k % 2,)})
        staff.append(s)
    return instance.model_copy(update={"requirements": tuple(rows), "staff": tuple(staff)})


@pytest.mark.parametrize(("n", "seed", "objective"), [(1, 3, None), (2, 4, None), (2, 7, ["covered", "distance"]),
                                                      (1, 11, ["longest_trip", "covered", "distance"])])
def test_generated_counties_equal_a_per_person_model(tmp_path, n, seed, objective) -> None:
    from staffpool import solve
    from staffpool.inputs.validate import load_instance
    from staffpool.tools.generate import generate

    instance = _with_specialties(load_instance(generate(n, seed=seed, scale=0.3, out_dir=tmp_path / "g")))
    if objective is not None:
        instance = instance.with_policy(rotation={**instance.policy.rotation.model_dump(), "objective": objective})
    plan = solve(instance).plan
    r = rotate(instance, plan)
    ref = _per_person_levels(instance, plan)
    assert r.status == "optimal" and ref is not None
    got = {"covered": -r.covered_slots, "longest_trip": round(r.longest_trip_km * 1000),
           "distance": round(r.distance_km * 1000)}
    assert {k: got[k] for k in ref} == ref
    assert r.covered_slots > 0 and len(set(r.table["specialty"])) > 1


def test_check_rotation_from_files(tmp_path, capfd) -> None:
    import json
    from pathlib import Path

    from staffpool.cli import main

    sanming = Path(__file__).resolve().parents[1] / "instances" / "sanming-county"
    assert main(["solve", str(sanming), "--out", str(tmp_path / "s")]) == 0
    capfd.readouterr()
    assert main(["rotate", str(sanming), "--allocation", str(tmp_path / "s"), "--out", str(tmp_path / "r"), "--json"]) == 0
    summary = json.loads(capfd.readouterr().out)
    assert main(["check", str(sanming), str(tmp_path / "s"), "--rotation", str(tmp_path / "r"), "--json"]) == 0
    got = json.loads(capfd.readouterr().out)["rotation"]
    assert got["ok"] and (got["covered_slots"], got["longest_trip_km"], got["distance_km"]) == (
        summary["covered_slots"], summary["longest_trip_km"], summary["distance_km"])
    # A rotation.csv written before `fills` existed still checks; one moved to a county hospital does not.
    lines = (tmp_path / "r" / "rotation.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "old.csv").write_text("\n".join(",".join(ln.split(",")[:9]) for ln in lines) + "\n", encoding="utf-8")
    assert main(["check", str(sanming), str(tmp_path / "s"), "--rotation", str(tmp_path / "old.csv")]) == 0
    first = lines[1].split(",")
    first[2] = "C000-H2"
    (tmp_path / "bad.csv").write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n", encoding="utf-8")
    capfd.readouterr()
    assert main(["check", str(sanming), str(tmp_path / "s"), "--rotation", str(tmp_path / "bad.csv")]) == 1
    assert "host C000-H2 not allowed" in capfd.readouterr().out
