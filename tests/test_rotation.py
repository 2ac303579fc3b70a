"""Rotation: hand-solved trade-off, brute force, caps, infeasibility."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from staffpool.check import check_rotation
from staffpool.domain.plan import Assignment
from staffpool.tools.rotation import rotate

# The references below compute senior gaps and distances themselves (model.md), not
# through staffpool's functions.
from .helpers import inst, make, metres, person, req, senior_gaps, within


def _stay(instance):
    return {s.id: Assignment(s.id, s.posted_at, "differential", "existing") for s in instance.staff}


def _instance(n_due: int, hosts: list[tuple[str, float, int]], fraction: float = 0.5, host_cap: int = 2,
              limit: float | None = None, filler: int = 10):
    insts = [inst("H", "county", 50, 0, 0)] + [inst(h, "township", 0, x, 0) for h, x, _g in hosts]
    staff = [person(f"a{k}", "on_staff", "attending", "gp", "H", "differential", "H", due=True) for k in range(n_due)]
    staff += [person(f"f{k}", "on_staff", "resident", "gp", "H", "differential", "H") for k in range(filler)]
    reqs = [req(h, "*", "attending", g) for h, _x, g in hosts if g]
    # The references below know covered and km only: the longest trip is left out.
    policy = {"rotation": {"periods": 4, "window": 2, "max_away_fraction": fraction, "host_capacity": host_cap,
                           "max_distance_km": limit, "objective": ["covered", "distance"]}}
    return make(insts, staff, reqs, policy)


def test_coverage_beats_distance() -> None:
    # Near host N has no senior gap, far host F has a gap of 1: one rotator covers F (40 km)
    # rather than going to N (5 km); the other goes to the near host.
    instance = _instance(2, [("N", 5, 0), ("F", 40, 1)], host_cap=1, fraction=0.1)
    r = rotate(instance, _stay(instance))
    assert r.status == "optimal"
    assert r.covered_slots == 2  # F in both windows (gap 1 per window)
    assert set(r.table["host"]) == {"F"}
    assert r.distance_km == 80.0
    assert check_rotation(instance, _stay(instance), r.table.to_dict(orient='records')).ok


def _brute(instance, plan):
    pol = instance.policy.rotation
    ib = instance.institution_by_id
    rot = sorted(s.id for s in instance.staff if s.title.value == "attending" and s.grassroots_due)
    hosts = [i.id for i in instance.institutions if i.tier.value == "township"
             and within(metres(ib["H"], i), pol.max_distance_km)]
    gaps = senior_gaps(instance, plan)
    cap = int(pol.max_away_fraction * len(plan) + 1e-9)
    best = None
    for combo in itertools.product([(h, w) for h in hosts for w in range(pol.windows)], repeat=len(rot)):
        from collections import Counter

        away = Counter(w for _h, w in combo)
        at = Counter(combo)
        if any(v > cap for v in away.values()) or any(v > pol.host_capacity for v in at.values()):
            continue
        covered = sum(min(v, gaps.get(h, 0)) for (h, _w), v in at.items())
        km = sum(metres(ib["H"], ib[h]) for h, _w in combo)
        key = (-covered, km)
        if best is None or key < best:
            best = key
    return best


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 4), st.lists(st.tuples(st.integers(1, 50), st.integers(0, 2)), min_size=1, max_size=3),
       st.sampled_from([0.1, 0.2, 0.5]), st.integers(0, 2))
def test_flow_equals_brute_force(n_due, hosts, fraction, host_cap) -> None:
    hs = [(f"T{k}", float(x), g) for k, (x, g) in enumerate(hosts)]
    instance = _instance(n_due, hs, fraction, host_cap)
    plan = _stay(instance)
    r = rotate(instance, plan)
    best = _brute(instance, plan)
    if best is None:
        assert r.status == "infeasible" and r.reasons
        return
    assert r.status == "optimal"
    assert check_rotation(instance, plan, r.table.to_dict(orient='records')).ok
    assert (-r.covered_slots, round(r.distance_km * 1000)) == best


def test_infeasible_names_the_home_and_numbers() -> None:
    instance = _instance(5, [("N", 5, 1)], fraction=0.1, host_cap=5, filler=5)  # 10 staff: 1 may leave per window
    r = rotate(instance, _stay(instance))
    assert r.status == "infeasible"
    assert any("5 attendings due, 2 windows × 1 may leave = 2 places" in m for m in r.reasons)
    far = _instance(1, [("N", 50, 1)], limit=40)
    r2 = rotate(far, _stay(far))
    assert r2.status == "infeasible" and any("within 40 km" in m for m in r2.reasons)


def test_cli_json_graphml_and_infeasible_exit_1(tmp_path, capfd) -> None:
    import json
    from pathlib import Path

    import networkx as nx

    from staffpool.cli import main

    sanming = Path(__file__).resolve().parents[1] / "instances" / "sanming-county"
    assert main(["rotate", str(sanming), "--out", str(tmp_path / "r"), "--graph", str(tmp_path / "g.graphml"), "--json"]) == 0
    summary = json.loads(capfd.readouterr().out)
    assert summary["status"] == "optimal" and summary["rotators"] > 0
    assert (tmp_path / "r" / "rotation.csv").read_text().startswith("staff_id,home,host,window,first_period,last_period,distance_km")
    assert nx.read_graphml(tmp_path / "g.graphml").number_of_nodes() > 0
    # one attending may leave per window (0.1 × 12 staff), 5 are due: infeasible
    tight = tmp_path / "tight"
    (tight).mkdir()
    (tight / "instance.yaml").write_text(
        "name: tight\npolicy:\n  rotation: {max_away_fraction: 0.1}\ncommunities:\n  - {id: C1, name: C1}\n")
    (tight / "institutions.csv").write_text(
        "id,name,community,tier,funding,approved_posts,service_population,x_km,y_km,capacity\n"
        "H,County hospital,C1,county,differential,20,0,0,0,\nT,Township,C1,township,full,0,0,5,0,\n")
    rows = ["id,name,status,title,specialty,post_funding,quota_holder,posted_at,community,mobile,grassroots_due"]
    rows += [f"a{k},A,on_staff,attending,gp,differential,H,H,C1,false,true" for k in range(5)]
    rows += [f"f{k},F,on_staff,resident,gp,differential,H,H,C1,false,false" for k in range(7)]
    (tight / "staff.csv").write_text("\n".join(rows) + "\n")
    (tight / "requirements.csv").write_text("institution,specialty,min_title,need,weight\n")
    assert main(["rotate", str(tight)]) == 1
    assert "5 attendings due, 2 windows × 1 may leave = 2 places" in capfd.readouterr().err.replace("\n", " ")


def _mip_reference(instance, plan):
    """An independent optimum: one binary per (rotator, host, window), lexicographic by PuLP."""
    from fractions import Fraction

    import pulp

    pulp.set_v4_migration_warnings(False)
    pol = instance.policy.rotation
    ib = instance.institution_by_id
    limit = pol.max_distance_km if pol.max_distance_km is not None else instance.policy.max_distance_km
    rot = [(s.id, plan[s.id].to_institution) for s in instance.staff if s.title.value == "attending" and s.grassroots_due
           and plan[s.id].to_institution and ib[plan[s.id].to_institution].tier.value == "county"]
    at = {}
    for a in plan.values():
        if a.to_institution:
            at[a.to_institution] = at.get(a.to_institution, 0) + 1
    gaps = senior_gaps(instance, plan)
    prob = pulp.LpProblem("ref", pulp.LpMinimize)
    y = {}
    for sid, home in rot:
        for j in instance.institutions:
            if j.tier in pol.host_tiers and j.community == ib[home].community and within(metres(ib[home], j), limit):
                for w in range(pol.windows):
                    y[(sid, home, j.id, w)] = pulp.LpVariable(f"y{len(y)}", cat="Binary")
    for sid, _h in rot:
        prob += pulp.lpSum(v for k, v in y.items() if k[0] == sid) == 1
    for home in {h for _s, h in rot}:
        for w in range(pol.windows):
            prob += pulp.lpSum(v for k, v in y.items() if k[1] == home and k[3] == w) <= int(Fraction(str(pol.max_away_fraction)) * at[home])
    cov = []
    for host in {k[2] for k in y}:
        for w in range(pol.windows):
            here = [v for k, v in y.items() if k[2] == host and k[3] == w]
            prob += pulp.lpSum(here) <= pol.host_capacity
            c = pulp.LpVariable(f"c_{host}_{w}".replace("-", "_"), lowBound=0, upBound=gaps.get(host, 0))
            prob += c <= pulp.lpSum(here)
            cov.append(c)
    km = pulp.lpSum(metres(ib[k[1]], ib[k[2]]) * v for k, v in y.items())
    prob.setObjective(-pulp.lpSum(cov))
    prob.solve(pulp.HiGHS(msg=False))
    if prob.status != 1:
        return None
    best = round(-pulp.value(prob.objective))
    prob += pulp.lpSum(cov) >= best - 0.5
    prob.setObjective(km)
    prob.solve(pulp.HiGHS(msg=False))
    return best, round(pulp.value(km) or 0)


def test_generated_instances_equal_an_independent_mip(tmp_path) -> None:
    from staffpool import solve
    from staffpool.inputs.validate import load_instance
    from staffpool.tools.generate import generate

    for n, seed in ((1, 3), (2, 4)):
        instance = load_instance(generate(n, seed=seed, scale=0.3, out_dir=tmp_path / f"g{n}"))
        rotation = {**instance.policy.rotation.model_dump(), "objective": ["covered", "distance"]}  # as the reference
        instance = instance.with_policy(rotation=rotation)
        plan = solve(instance).plan
        r = rotate(instance, plan)
        ref = _mip_reference(instance, plan)
        assert r.status == "optimal" and ref is not None
        assert check_rotation(instance, plan, r.table.to_dict(orient='records')).ok
        assert len(r.table) > 0 and any(senior_gaps(instance, plan).values())
        assert (r.covered_slots, round(r.distance_km * 1000)) == ref
