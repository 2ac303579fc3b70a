"""Benchmarks of `staffpool sweep` and of solving on Dask (docs/performance.md, "Sweeps and Dask").

    python benchmarks/sweep.py curve      # a county's 51-point budget curve: one sweep against 51 cold solves
    python benchmarks/sweep.py region     # 400 communities: local process pool against a local Dask cluster
    python benchmarks/sweep.py national   # per-task times of a 30-scenario grid, projected onto 2,800 counties

Every figure of `curve` and `region` is the wall time of whole commands (subprocesses: start-up,
imports, loading, solving, writing). Peak memory per worker is the largest resident set of any
single worker process, sampled from /proc every 0.2 s. Standard library and staffpool only
(Dask for `region`).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.run import _proc_kb, _tree, log, machine, run_cmd, staffpool_cmd  # noqa: E402

CURVE_GRID = "hiring_budget: {start: 0, stop: 5000000, step: 100000}\n"
NATIONAL_GRID = ("mode: [separate, county_pool, unified]\nhiring_budget: {factor: [0.5, 1.0]}\n"
                 "max_distance_km: [20, 30, 40, 50, 60]\n")


class WorkerPeaks(threading.Thread):
    """Peak resident set of every process under `root` (the root itself apart)."""

    def __init__(self, root: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.root, self.interval, self.peaks = root, interval, {}
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            for pid in _tree(self.root):
                if pid != self.root:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), _proc_kb(pid, "status", b"VmRSS:"))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def timed_with_workers(cmd: list[str]) -> tuple[float, dict, float, list[float]]:
    """Run cmd (JSON on stdout); wall s, the JSON, CPU s (the command and the processes it
    waited for: its workers), each child process's peak MB (largest first)."""
    import os
    import subprocess

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        peaks = WorkerPeaks(p.pid)
        peaks.start()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        peaks.stop()
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{err.read().decode(errors='replace')[-2000:]}")
        summary = json.loads(out.read().decode())
    kids = sorted((kb / 1024 for kb in peaks.peaks.values() if kb > 50 * 1024), reverse=True)
    return wall, summary, usage.ru_utime + usage.ru_stime, kids


def run_timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall s and CPU s (user + system of the command and every process it waited for:
    the pool's workers included) of a whole command, and its stdout. CPU time is what a
    loaded machine changes least."""
    import os
    import subprocess

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{err.read().decode(errors='replace')[-2000:]}")
        return wall, usage.ru_utime + usage.ru_stime, out.read().decode()


def _levels_close(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(math.isclose(float(a[k]), float(b[k]), rel_tol=1e-6, abs_tol=1e-6) for k in a)


def curve(a: argparse.Namespace, base: Path) -> None:
    sp = staffpool_cmd()
    county = base / "county"
    run_cmd([*sp, "generate", "--communities", "1", "--seed", str(a.seed), "--scale", str(a.scale),
             "--out", str(county)], sample=False)
    grid = base / "curve.yaml"
    grid.write_text(CURVE_GRID, encoding="utf-8")
    budgets = [i * 100_000 for i in range(51)]
    yaml_text = (county / "instance.yaml").read_text(encoding="utf-8")
    dirs = []
    for b in budgets:  # 51 instances that differ only in the budget (not timed)
        d = base / f"cold-{b}"
        shutil.copytree(county, d)
        (d / "instance.yaml").write_text(re.sub(r"hiring_budget: \d+", f"hiring_budget: {b}", yaml_text),
                                         encoding="utf-8")
        dirs.append(d)
    # Interleaved: a third of the cold runs, a sweep, … so that a drift in the machine's
    # load hits both alike.
    sweeps: dict[int, list[tuple[float, float]]] = {}
    cold: dict[int, tuple[float, float, dict]] = {}
    order = list(range(51))
    chunks = [order[i::a.repeats * len(a.workers) + 1] for i in range(a.repeats * len(a.workers) + 1)]
    runs = [(w, rep) for rep in range(a.repeats) for w in a.workers]
    out = base / "none"
    for k, chunk in enumerate(chunks):
        for i in chunk:
            wall, cpu, stdout = run_timed([*sp, "solve", str(dirs[i]), "--json", "--workers", "1"])
            cold[i] = (wall, cpu, json.loads(stdout)["objective"])
        log(f"cold runs: {len(cold)} of 51")
        if k < len(runs):
            w, rep = runs[k]
            out = base / f"sweep-{w}-{rep}"
            wall, cpu, _ = run_timed([*sp, "sweep", str(county), "--grid", str(grid), "--out", str(out),
                                      "--workers", str(w)])
            sweeps.setdefault(w, []).append((wall, cpu))
            log(f"sweep --workers {w}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    rows = list(csv.DictReader(io.StringIO((out / "sweep.csv").read_text(encoding="utf-8"))))
    mismatches = []
    for i, row in enumerate(rows):
        obj = cold[i][2]
        swept = {k: float(row[k]) for k in obj}
        if not _levels_close(obj, swept):
            mismatches.append(f"budget {budgets[i]}: cold {obj} sweep {swept}")
    cold_wall = sum(v[0] for v in cold.values())
    cold_cpu = sum(v[1] for v in cold.values())
    walls = [v[0] for v in cold.values()]
    print(f"machine: {json.dumps(machine())}")
    print(f"county: seed {a.seed}, scale {a.scale}; grid: {CURVE_GRID.strip()} (51 points)")
    print(f"51 cold `staffpool solve --workers 1` runs, one after another: {cold_wall:.2f} s wall "
          f"(median {statistics.median(walls):.2f}, min {min(walls):.2f}, max {max(walls):.2f}), {cold_cpu:.2f} s CPU")
    for w, vals in sweeps.items():
        mw = statistics.median(v[0] for v in vals)
        mc = statistics.median(v[1] for v in vals)
        print(f"`staffpool sweep --workers {w}`: median {mw:.2f} s wall, {mc:.2f} s CPU ({len(vals)} runs); "
              f"cold / sweep: wall {cold_wall:.2f} / {mw:.2f} = {cold_wall / mw:.1f}x, "
              f"CPU {cold_cpu:.2f} / {mc:.2f} = {cold_cpu / mc:.1f}x")
    print("levels: " + ("every point equals its cold solve" if not mismatches else "MISMATCH\n" + "\n".join(mismatches)))


def region(a: argparse.Namespace, base: Path) -> None:
    sp = staffpool_cmd()
    inst = base / "region"
    t = time.perf_counter()
    if not (inst / "staff.csv").exists():
        run_cmd([*sp, "generate", "--communities", str(a.communities), "--seed", str(a.seed), "--scale",
                 str(a.scale), "--out", str(inst)], sample=False)
        log(f"generated {a.communities} communities in {time.perf_counter() - t:.1f} s")
    staff = (inst / "staff.csv").read_text(encoding="utf-8").count("\n") - 1
    figures = {}
    for _rep in range(a.repeats):
        for name, extra in (("local pool", []), ("local Dask cluster", ["--scheduler", "dask"])):
            wall, summary, cpu, kids = timed_with_workers(
                [*sp, "solve", str(inst), "--json", "--workers", str(a.n_workers), *extra])
            figures.setdefault(name, []).append((wall, summary["objective"], kids, cpu))
            log(f"{name}: {wall:.1f} s wall, {cpu:.1f} s CPU; process peaks MB {[round(k) for k in kids[:6]]}")
    print(f"machine: {json.dumps(machine())}")
    print(f"region: {a.communities} communities, {staff:,} staff (seed {a.seed}, scale {a.scale}), "
          f"{a.n_workers} workers")
    med, cpus = {}, {}
    for name, runs in figures.items():
        walls = [r[0] for r in runs]
        med[name] = statistics.median(walls)
        cpus[name] = statistics.median(r[3] for r in runs)
        print(f"{name}: median {med[name]:.1f} s wall ({', '.join(f'{w:.1f}' for w in walls)}), "
              f"{cpus[name]:.1f} s CPU; peak memory of each child process, MB: "
              f"{', '.join(str(round(k)) for k in runs[0][2][:6])}")
    same = all(_levels_close(r[1], figures["local pool"][0][1]) for runs in figures.values() for r in runs)
    d, loc = "local Dask cluster", "local pool"
    print(f"Dask / local: wall {med[d]:.1f} / {med[loc]:.1f} = {med[d] / med[loc]:.3f}, "
          f"CPU {cpus[d]:.1f} / {cpus[loc]:.1f} = {cpus[d] / cpus[loc]:.3f}; "
          f"levels {'equal' if same else 'DIFFER'}: {figures[loc][0][1]}")


def national(a: argparse.Namespace, base: Path) -> None:
    """Per-task times measured in one process, then the arithmetic onto N workers."""
    from staffpool.inputs.validate import load_instance
    from staffpool.scale.grid import parse_grid
    from staffpool.scale.sweep import _run_task, make_tasks
    from staffpool.solving.engines import community_instances
    from staffpool.solving.profiles import load_profile
    from staffpool.tools.generate import generate

    inst = load_instance(generate(a.sample, seed=a.seed, scale=a.scale, out_dir=base / "sample"))
    scenarios = parse_grid(NATIONAL_GRID).scenarios(inst)
    tasks = make_tasks(inst, scenarios, load_profile("highs"))
    subs = community_instances(inst, [c.id for c in inst.communities])
    # CPU seconds of this process per task: a task is single-threaded, so on a worker of
    # its own it takes that long; wall seconds on this shared machine would count others' load.
    per_county: dict[str, float] = {}
    per_task = []
    walls = []
    for t in tasks:
        t0, c0 = time.perf_counter(), time.process_time()
        _run_task(subs[t.community], t)
        s = time.process_time() - c0
        walls.append(time.perf_counter() - t0)
        per_task.append(s)
        per_county[t.community] = per_county.get(t.community, 0.0) + s
        log(f"{t.key}: {len(t.chain.points)} scenarios, {s:.2f} s CPU, {walls[-1]:.2f} s wall")
    import pickle
    import zlib

    blob = statistics.mean(len(zlib.compress(pickle.dumps(s), 1)) for s in subs.values())
    c = statistics.mean(per_county.values())
    n_tasks = len(tasks) / len(inst.communities)
    total = 2800 * c
    print(f"machine: {json.dumps(machine())}")
    print(f"sample: {a.sample} generated counties (seed {a.seed}, scale {a.scale}), "
          f"{len(scenarios)} scenarios: {NATIONAL_GRID.strip()!r}")
    print(f"tasks per county: {n_tasks:g} (a mode's 10 scenarios per task); per task, CPU s: median "
          f"{statistics.median(per_task):.2f}, max {max(per_task):.2f} (wall on this shared machine: "
          f"sum {sum(walls):.1f} against CPU {sum(per_task):.1f}); per county (30 scenarios): mean {c:.2f} s "
          f"({', '.join(f'{v:.1f}' for v in per_county.values())})")
    print(f"national CPU time: 2,800 counties x {c:.2f} s = {total:,.0f} s = {total / 3600:.2f} h")
    print(f"data sent once per county: {blob / 1024:.0f} kB compressed; 2,800 x that = {2800 * blob / 2**20:.0f} MB")
    for n in (2, 16, 64, 256, 1024):
        print(f"  N = {n:>4} workers: {total:,.0f} / {n} = {total / n:,.0f} s = {total / n / 60:.1f} min"
              + ("  (floor: the longest task, " + f"{max(per_task):.1f} s)" if total / n < 10 * max(per_task) else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case", choices=["curve", "region", "national"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.36)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="curve: sweep --workers values")
    ap.add_argument("--communities", type=int, default=400, help="region: communities")
    ap.add_argument("--n-workers", type=int, default=2, help="region: workers for both engines")
    ap.add_argument("--sample", type=int, default=4, help="national: counties measured")
    ap.add_argument("--out", type=Path, default=None, help="keep the generated files here")
    a = ap.parse_args()
    base = a.out or Path(tempfile.mkdtemp(prefix="staffpool-sweep-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        {"curve": curve, "region": region, "national": national}[a.case](a, base)
    finally:
        if a.out is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
