"""Scenario sweeps: the grid, warm-started chains equal to cold solves, the files, --resume."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from staffpool.check import check_plan
from staffpool.cli import main
from staffpool.domain.instance import Level, Mode
from staffpool.errors import InputError
from staffpool.inputs.validate import load_instance
from staffpool.scale.chain import Chain, Point, point_instance, run_chain
from staffpool.scale.grid import parse_grid
from staffpool.solving.community import solve_community, solve_levels
from staffpool.solving.profiles import load_profile
from staffpool.tools.generate import generate
from tests.helpers import run_on_pty

GRID = "mode: [separate, county_pool]\nhiring_budget: {factor: [0.5, 1.0]}\nmax_distance_km: [15, 40]\n"


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(2, seed=21, scale=0.2, out_dir=tmp_path_factory.mktemp("sweep") / "two")


def test_grid_scenarios_are_the_product_in_a_stable_order(gen: Path) -> None:
    inst = load_instance(gen)
    text = ("max_moves: [3, 0]\nhiring_budget: {start: 0, stop: 0.3, step: 0.1}\nmode: [unified, separate]\n"
            "max_distance_km: {factor: [0.5]}\n")
    scen = parse_grid(text).scenarios(inst)
    assert len(scen) == 2 * 1 * 4 * 2
    # keys in table order (mode, distance, hiring_budget, max_moves), the last fastest; values as given
    assert [(s.mode.value, s.max_distance_km) for s in scen[:2]] == [("unified", 20), ("unified", 20)]
    c = inst.communities[0]
    vals = [(s.community_values(c)["hiring_budget"], s.community_values(c)["max_moves"]) for s in scen[:8]]
    assert vals == [(0, 3), (0, 0), (0.1, 3), (0.1, 0), (0.2, 3), (0.2, 0), (0.3, 3), (0.3, 0)]
    assert [s.number for s in scen] == list(range(1, 17))
    assert scen[8].mode == Mode.separate


def test_factors_scale_each_communitys_own_limit(gen: Path) -> None:
    inst = load_instance(gen)
    a, b = inst.communities
    a = a.model_copy(update={"hiring_budget": None, "max_moves": 5})
    s = parse_grid("hiring_budget: {factor: [1.5]}\nmax_moves: {factor: [0.5]}\n").scenarios(inst)[0]
    assert s.community_values(a)["hiring_budget"] is None  # no limit stays no limit
    assert s.community_values(a)["max_moves"] == 2  # 2.5 moves allow 2
    assert s.community_values(b)["hiring_budget"] == pytest.approx(1.5 * b.hiring_budget)


def test_a_bad_grid_names_every_bad_key() -> None:
    text = "mode: [separate, pooled]\nbudget_cap: [1]\nmax_moves: [1.5]\nhiring_budget: {start: 5, stop: 1, step: 1}\n"
    with pytest.raises(InputError) as exc:
        parse_grid(text, "g.yaml")
    where = {(p.column, p.row) for p in exc.value.problems}
    assert where == {("mode", 1), ("budget_cap", 2), ("max_moves", 3), ("hiring_budget", 4)}
    assert "unknown key 'budget_cap'" in str(exc.value.problems[1])


def test_cli_bad_grid_exit_2_nothing_written(gen: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grid = tmp_path / "g.yaml"
    grid.write_text("mode: [separate]\nbudget_cap: {factor: [1]}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(out)]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "budget_cap" in err and "Traceback" not in err


def _cold_levels(inst, cid: str, mode: Mode, p: Point) -> dict[str, float] | None:
    pi = point_instance(inst, cid, mode, p)
    out = solve_community(pi, cid, mode, load_profile("highs"))
    if not out.plan:
        return None
    report = check_plan(pi, out.plan, mode)
    assert report.ok
    return {lvl.value: report.levels[lvl] for lvl in pi.policy.objective}


@pytest.mark.parametrize("mode", list(Mode))
def test_chain_levels_equal_cold_solves(tmp_path: Path, mode: Mode) -> None:
    """Every point of a warm chain (one program, limit rows reset, distance fixings,
    looser plans reused, neighbours' optima as guesses) has a cold solve's levels."""
    inst = load_instance(generate(1, seed=31, scale=0.3, out_dir=tmp_path / "one"))
    c = inst.communities[0]
    assert c.hiring_budget and c.max_moves
    points = []
    for budget in (None, 10 * c.hiring_budget, c.hiring_budget, 0.4 * c.hiring_budget, 0):
        for dist in (None, 12.0):
            for moves in (c.max_moves, 1):
                points.append(Point(len(points) + 1, dist, (("hiring_budget", budget), ("max_moves", moves))))
    results = run_chain(inst, Chain(c.id, mode, tuple(points)), load_profile("highs"))
    assert [r.scenario for r in results] == [p.scenario for p in points]
    hows = Counter(r.how for r in results)
    assert hows["solved"] >= 2 and hows["reused"] >= 2, hows
    for p, r in zip(points, results, strict=True):
        cold = _cold_levels(inst, c.id, mode, p)
        assert cold is not None and r.status == "optimal"
        assert r.levels == pytest.approx(cold, abs=1e-6), (p, r.how)


def test_the_count_of_hires_follows_each_scenarios_budget() -> None:
    """The chain's program is built for its loosest budget (300,000: two of the three
    residents fit, so `hiring_count` ≤ 2); a scenario without a budget must hire all three
    and one with 150,000 only one: the count row's bound is each scenario's own."""
    from staffpool.domain.instance import Community
    from tests.helpers import inst as institution
    from tests.helpers import make, person, req

    staff = [person(f"r{k}", "candidate", "resident", "gp") for k in range(3)]
    instance = make([institution("T", "township", 3)], staff, [req("T", "gp", "resident", 3)], {},
                    [Community(id="C1", name="C1", hiring_budget=300000)])
    points = [Point(k + 1, None, (("hiring_budget", b),)) for k, b in enumerate((None, 300000, 150000))]
    results = run_chain(instance, Chain("C1", Mode.county_pool, tuple(points)), load_profile("highs"))
    assert [r.levels["shortfall"] for r in results] == [0, 1, 2]
    for p, r in zip(points, results, strict=True):
        assert r.levels == pytest.approx(_cold_levels(instance, "C1", Mode.county_pool, p), abs=1e-6), (p, r.how)


def test_wrong_guesses_keep_the_levels_exact(tmp_path: Path) -> None:
    """`hints` only speed the search: any guess, too low, too high or right, gives the
    same levels."""
    from staffpool.model.build import build_community
    from staffpool.solving.runners import HighsRunner

    inst = load_instance(generate(1, seed=32, scale=0.3, out_dir=tmp_path / "one"))
    inst = inst.model_copy(update={"communities": (inst.communities[0].model_copy(update={"hiring_budget": 600_000}),)})
    cid, mode, prof = inst.communities[0].id, Mode.county_pool, load_profile("highs")

    def levels(hints: dict[Level, float] | None) -> list[float | None]:
        cm = build_community(inst, cid, mode)
        out = solve_levels(inst, cid, mode, cm, HighsRunner(cm, prof), prof, hints=hints)
        return [lg.value for lg in out.levels]

    exact = levels(None)
    assert levels(dict(zip(inst.policy.objective, exact, strict=True))) == exact
    for shift in (-7.0, -1.0, 1.0, 50.0):
        assert levels({lvl: v + shift for lvl, v in zip(inst.policy.objective, exact, strict=True)}) == exact
    # 2 % low: the small program left then holds plans, none optimal (distance 96,945 m
    # against 89,537): its optimum above the guess proves nothing.
    for factor in (0.98, 0.5, 1.02):
        assert levels({lvl: v * factor for lvl, v in zip(inst.policy.objective, exact, strict=True)}) == exact


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_sweep_files(gen: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    grid = tmp_path / "g.yaml"
    grid.write_text(GRID, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(out), "--workers", "2"]) == 0
    rows = _rows(out / "sweep.csv")
    assert [(r["scenario"], r["community"]) for r in rows] == [(str(s), c) for s in range(1, 9) for c in ("C000", "C001")]
    assert list(rows[0])[:7] == ["scenario", "community", "mode", "max_distance_km", "hiring_budget",
                                 "treasury_budget", "max_moves"]
    assert "status" in rows[0]
    assert {"shortfall", "moves", "distance", "hiring_cost", "unregularised"} <= set(rows[0])
    inst = load_instance(gen)
    own = {c.id: c.hiring_budget for c in inst.communities}
    r = rows[1]  # scenario 1: separate, 15 km, half of C001's budget
    assert (r["mode"], r["max_distance_km"], float(r["hiring_budget"])) == ("separate", "15", 0.5 * own["C001"])
    assert r["treasury_budget"] == "" and r["status"] == "optimal"
    table = pq.read_table(out / "sweep.parquet").to_pylist()
    assert [(t["scenario"], t["community"], t["shortfall"]) for t in table] == \
        [(int(r["scenario"]), r["community"], float(r["shortfall"])) for r in rows]
    totals = _rows(out / "sweep_totals.csv")
    assert len(totals) == 8
    assert float(totals[0]["shortfall"]) == sum(float(r["shortfall"]) for r in rows[:2])
    html = (out / "sweep.html").read_text(encoding="utf-8")
    assert 'id="chart-sweep"' in html and "polyline" in html and "county_pool" in html
    page = tmp_path / "report.html"
    assert main(["report", str(gen), "--out", str(page), "--no-compare", "--sweep", str(out)]) == 0
    assert 'id="chart-sweep"' in page.read_text(encoding="utf-8")
    # A second run into the same folder is refused: nothing a user made is overwritten.
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(out)]) == 2
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(out), "--resume", "--force"]) == 2
    before = (out / "sweep.csv").read_bytes()
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(out), "--force", "--workers", "1"]) == 0
    assert (out / "sweep.csv").read_bytes() == before
    # A file of the user's at an output name is not overwritten either.
    other = tmp_path / "other"
    other.mkdir()
    (other / "sweep.csv").write_text("mine\n", encoding="utf-8")
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(other)]) == 2
    assert (other / "sweep.csv").read_text(encoding="utf-8") == "mine\n"


def test_resume_keeps_done_rows_and_gives_the_same_bytes(gen: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    grid = tmp_path / "g.yaml"
    grid.write_text(GRID, encoding="utf-8")
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(full), "--workers", "1"]) == 0
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(cut), "--workers", "1"]) == 0
    # A crash: the last task's rows never written, the one before cut mid-line; no outputs.
    lines = (cut / "sweep.rows.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = lines[:-4]
    (cut / "sweep.rows.csv").write_text("".join(kept) + lines[-4][:7], encoding="utf-8")
    for f in ("sweep.csv", "sweep.parquet", "sweep_totals.csv", "sweep.html"):
        (cut / f).unlink()
    capsys.readouterr()
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(cut), "--resume"]) == 0
    err = capsys.readouterr().err
    done_before = int(err.split(" done before")[0].split("(")[-1])
    assert 0 < done_before < 16 and f"{16 - done_before} now" in err
    assert (cut / "sweep.csv").read_bytes() == (full / "sweep.csv").read_bytes()
    assert (cut / "sweep_totals.csv").read_bytes() == (full / "sweep_totals.csv").read_bytes()


def test_resume_refuses_another_grid(gen: Path, tmp_path: Path) -> None:
    grid = tmp_path / "g.yaml"
    grid.write_text(GRID, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(out), "--workers", "1"]) == 0
    grid.write_text("max_moves: [1, 2]\n", encoding="utf-8")
    before = (out / "sweep.csv").read_bytes()
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(out), "--resume"]) == 2
    assert (out / "sweep.csv").read_bytes() == before


def test_sweep_progress_shows_scenarios_rate_and_time_left(gen: Path, tmp_path: Path) -> None:
    grid = tmp_path / "g.yaml"
    grid.write_text(GRID, encoding="utf-8")
    rc, _stdout, drawn = run_on_pty(["sweep", str(gen), "--grid", str(grid), "--out", str(tmp_path / "out"), "--workers", "2"],
                                    columns=160)
    assert rc == 0
    assert b"scenarios done" in drawn and b"rows/s" in drawn and b"left" in drawn


def test_ctrl_c_keeps_the_done_rows_and_says_how_to_resume(gen: Path, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    grid = tmp_path / "g.yaml"
    grid.write_text("mode: [separate, county_pool, unified]\nhiring_budget: {factor: [0.2, 0.4, 0.6, 0.8, 1.0, 1.2]}\n"
                    "max_distance_km: [10, 40]\n", encoding="utf-8")
    out = tmp_path / "out"
    journal = out / "sweep.rows.csv"
    proc = subprocess.Popen([sys.executable, "-m", "staffpool.cli", "sweep", str(gen), "--grid", str(grid),
                             "--out", str(out), "--workers", "2"], stderr=subprocess.PIPE, text=True)
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end and not (journal.exists() and journal.read_text(encoding="utf-8").count("\n") > 1):
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    done = journal.read_text(encoding="utf-8").count("\n") - 1
    assert 0 < done < 72
    assert f"{done} of 72 rows are done" in " ".join(err.split()) and "--resume" in err
    assert "internal error" not in err and not (out / "sweep.csv").exists()


def test_an_infeasible_scenario_is_a_row_and_the_sweep_goes_on(tmp_path: Path) -> None:
    """county_pool: a township post may not serve at the county hospital, so its holder must
    move 10 km; at a 1 km limit no plan exists."""
    from staffpool.tools.convert import write_folder
    from tests.helpers import inst, make, person, req

    instance = make(
        [inst("H", "county", posts=1), inst("T", "township", posts=1, x=10)],
        [person("a", "on_staff", "attending", at="H", post="full", holder="T"),
         person("b", "on_staff", "resident", at="H", post="differential", holder="H")],
        [req("T", "*", "resident", 1)],
    )
    folder = tmp_path / "inst"
    write_folder(instance, folder)
    grid = tmp_path / "g.yaml"
    grid.write_text("mode: [separate, county_pool]\nmax_distance_km: [1, 20]\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(folder), "--grid", str(grid), "--out", str(out), "--workers", "1"]) == 0
    rows = _rows(out / "sweep.csv")
    assert [(r["mode"], r["max_distance_km"], r["status"]) for r in rows] == [
        ("separate", "1", "optimal"), ("separate", "20", "optimal"),
        ("county_pool", "1", "infeasible"), ("county_pool", "20", "optimal")]
    assert rows[2]["shortfall"] == "" and rows[3]["moves"] == "1"
    totals = _rows(out / "sweep_totals.csv")
    assert totals[2]["status"] == "infeasible" and totals[2]["shortfall"] == ""


needs_money = pytest.mark.skipif("treasury_budget" not in __import__("staffpool.domain").domain.Community.model_fields,
                                 reason="the money rules (treasury_budget) are not in this staffpool")


@needs_money
@pytest.mark.parametrize("mode", [Mode.county_pool, Mode.unified])
def test_treasury_budget_chain_levels_equal_cold_solves(tmp_path: Path, mode: Mode) -> None:
    inst = load_instance(generate(1, seed=33, scale=0.3, out_dir=tmp_path / "one"))
    c = inst.communities[0]
    points = []
    for treasury in (None, 2_000_000, 600_000, 250_000, 0):
        for budget in (None, c.hiring_budget):
            points.append(Point(len(points) + 1, None, (("hiring_budget", budget), ("treasury_budget", treasury))))
    results = run_chain(inst, Chain(c.id, mode, tuple(points)), load_profile("highs"))
    for p, r in zip(points, results, strict=True):
        cold = _cold_levels(inst, c.id, mode, p)
        assert cold is not None and r.levels == pytest.approx(cold, abs=1e-6), (p, r.how)
        assert r.payroll, "payroll figures for every plan"
        limit = p.value("treasury_budget")
        if limit is not None:
            assert r.payroll["treasury_added"] <= limit + 1e-6


@needs_money
def test_treasury_budget_sweep_has_payroll_columns(gen: Path, tmp_path: Path) -> None:
    grid = tmp_path / "g.yaml"
    grid.write_text("treasury_budget: [0, 500000, null]\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(gen), "--grid", str(grid), "--out", str(out), "--workers", "1"]) == 0
    rows = _rows(out / "sweep.csv")
    assert {"treasury_before", "treasury_after", "treasury_added", "institutions_before", "institutions_after",
            "salary_fund"} <= set(rows[0])
    assert [r["treasury_budget"] for r in rows] == ["0", "0", "500000", "500000", "", ""]
    for r in rows:
        assert r["treasury_added"] != ""
        if r["treasury_budget"]:
            assert float(r["treasury_added"]) <= float(r["treasury_budget"]) + 1e-6


def test_blocks_of_a_chain_share_one_program_and_each_block_stands_alone(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A chain cut into blocks (sweep tasks) builds its program once per process, for the
    loosest limits of the whole chain; each block still gives what it gives alone (so a
    resumed sweep writes the same rows), and every point has its cold solve's levels."""
    from staffpool.scale import chain as chain_mod
    from staffpool.scale import sweep as sweep_mod
    from staffpool.solving.engines import community_instances

    inst = load_instance(generate(1, seed=31, scale=0.3, out_dir=tmp_path / "one"))
    c = inst.communities[0]
    assert c.hiring_budget
    grid = parse_grid(f"hiring_budget: {{start: 0, stop: {2 * c.hiring_budget}, step: {c.hiring_budget / 4}}}\n")
    monkeypatch.setattr(sweep_mod, "BLOCK", 3)
    prof = load_profile("highs")
    tasks = sweep_mod.make_tasks(inst, grid.scenarios(inst), prof)
    assert len(tasks) == 3
    sub = community_instances(inst, [c.id])[c.id]
    builds: list[object] = []
    real = chain_mod._WarmProgram.build
    monkeypatch.setattr(chain_mod._WarmProgram, "build", lambda *a: builds.append(a) or real(*a))
    chain_mod._PROGRAMS.clear()
    together = [sweep_mod._run_task(sub, t) for t in tasks]
    assert len(builds) == 1
    chain_mod._PROGRAMS.clear()
    alone = sweep_mod._run_task(sub, tasks[-1])
    assert len(builds) == 2

    def row(r: chain_mod.PointResult) -> tuple[object, ...]:
        return r.scenario, r.status, r.levels, r.counts, r.payroll, r.how

    assert [row(r) for r in alone] == [row(r) for r in together[-1]]
    hows = Counter(r.how for rs in together for r in rs)
    assert hows["solved"] >= 4, hows
    for t, rs in zip(tasks, together, strict=True):
        for p, r in zip(t.chain.points, rs, strict=True):
            assert r.levels == pytest.approx(_cold_levels(inst, c.id, t.chain.mode, p), abs=1e-6), (p, r.how)


def test_the_lp_kept_between_scenarios_has_each_scenarios_own_bound(tmp_path: Path) -> None:
    """The first LP of each scenario starts from the basis the last one left (`WarmLP`):
    budgets up and down and a distance limit that fixes columns at 0 and frees them again.
    Its bound is the fresh model's every time, and so is the LP's infeasibility."""
    import numpy as np

    from staffpool.model.build import build_community
    from staffpool.solving.runners import HighsRunner, WarmLP

    inst = load_instance(generate(1, seed=33, scale=0.3, out_dir=tmp_path / "one"))
    c = inst.communities[0]
    cm = build_community(inst, c.id, Mode.county_pool)
    base = HighsRunner(cm, load_profile("highs"))
    row = cm.lp.row_names.index(cm.families["hiring_budget"][0])
    expr = cm.levels[Level.shortfall]
    costs = np.zeros(base.n)
    costs[list(expr.terms)] = list(expr.terms.values())
    moved = np.array([col for (k, o), col in cm.x.items() if cm.moved(cm.cohorts[k], cm.options[k][o])], dtype=np.int64)
    assert len(moved) > 10
    warm = WarmLP()
    used = 0
    for budget, far in ((c.hiring_budget, 0), (0, 0), (3 * c.hiring_budget, len(moved) // 2), (0, len(moved)),
                        (c.hiring_budget, 0), (-1.0, 0)):
        cold_lp, cold_inf = base.variant({row: budget}, moved[:far])._lp_bound(costs, None)
        runner = base.variant({row: budget}, moved[:far], warm)
        real = runner._lp_warm
        calls: list[int] = []
        runner._lp_warm = lambda *a, real=real, calls=calls: calls.append(1) or real(*a)  # type: ignore[method-assign]
        warm_lp, warm_inf = runner._lp_bound(costs, None)
        used += len(calls)
        assert warm_inf == cold_inf
        if cold_lp is None:
            assert warm_lp is None and budget < 0
            continue
        assert warm_lp is not None
        assert warm_lp[0] == pytest.approx(cold_lp[0], abs=1e-6)
        assert np.all(warm_lp[2][moved[:far]] == 0)
    assert used == 6
