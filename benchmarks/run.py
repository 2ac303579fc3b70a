"""Whole-process benchmark of `staffpool solve`: county case, floor, naive model and province.

Run from the repository root:

    python benchmarks/run.py                      # full run (slow: see benchmarks/README.md)
    python benchmarks/run.py --repeats 1 --province-communities 4 --scale 0.5   # smoke run

Every figure is the wall time of a whole command started as a subprocess (interpreter start-up,
imports, loading, solving and writing included), and the peak memory is the largest sum of the
resident set sizes of the command and all its descendants (sampled from /proc every 0.1 s, Linux
only), or the kernel's own peak of the largest single process if that is higher.

Plain Python: the standard library and staffpool only. Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LEVEL_RTOL = 1e-6  # relative tolerance on every level (the distance level is a float in km)


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def staffpool_cmd() -> list[str]:
    exe = shutil.which("staffpool", path=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    return [exe] if exe else [sys.executable, "-c", "from staffpool.cli import main; main()"]


# --------------------------------------------------------------------------- process-tree memory sampler

def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2:].split()  # the command name may hold spaces and parentheses
        if len(rest) > 1:
            kids.setdefault(int(rest[1]), []).append(int(entry.name))
    return kids


def _proc_kb(pid: int, file: str, key: bytes) -> int:
    """One kB figure of /proc/PID/FILE: VmRSS of `status`, or Pss of `smaps_rollup` (a page
    shared by n processes counts 1/n in each); 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/{file}", "rb") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(root: int) -> list[int]:
    kids = _children_map()
    out, stack, seen = [], [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        out.append(pid)
        stack.extend(kids.get(pid, ()))
    return out


class TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb, self.peak_pss_kb = pid, interval, 0, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pids = _tree(self.pid)
            self.peak_kb = max(self.peak_kb, sum(_proc_kb(p, "status", b"VmRSS:") for p in pids))
            self.peak_pss_kb = max(self.peak_pss_kb, sum(_proc_kb(p, "smaps_rollup", b"Pss:") for p in pids))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


@dataclass
class Run:
    cmd: list[str]
    wall_s: float
    peak_mb: float
    rc: int
    stdout: str
    stderr: str
    timed_out: bool = False
    peak_pss_mb: float | None = None  # sum of PSS over the tree: shared pages split, not repeated
    cpu_s: float = 0.0  # user + system CPU of the command and the children it waited for


def run_cmd(cmd: list[str], check: bool = True, sample: bool = True, timeout: float | None = None) -> Run:
    """Run `cmd` to completion; wall time, peak memory of its process tree, its output.

    With `timeout`, the command's process group is killed after that many seconds (`Run.timed_out`).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        sampler = TreeSampler(p.pid) if sample and sys.platform.startswith("linux") else None
        if sampler:
            sampler.start()
        fired = threading.Event()

        def kill() -> None:
            fired.set()
            with contextlib.suppress(OSError):
                os.killpg(p.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        if timer:
            timer.cancel()
        if sampler:
            sampler.stop()
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    # ru_maxrss (kB on Linux): the largest single process among the child and the ones it waited for.
    peak_kb = max(sampler.peak_kb if sampler else 0, usage.ru_maxrss)
    r = Run(cmd, wall, peak_kb / 1024, p.returncode, stdout, stderr, fired.is_set(),
            (sampler.peak_pss_kb / 1024) if sampler else None, usage.ru_utime + usage.ru_stime)
    if r.timed_out:
        log(f"timed out after {timeout:g} s: {' '.join(cmd)}")
    elif check and r.rc != 0:
        raise SystemExit(f"command failed (exit {r.rc}): {' '.join(cmd)}\n{stderr[-3000:]}")
    return r


# --------------------------------------------------------------------------- figures

@dataclass
class Row:
    case: str
    label: str
    command: str
    runs: list[Run] = field(default_factory=list)

    @property
    def walls(self) -> list[float]:
        return [r.wall_s for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs)

    @property
    def peak_pss_mb(self) -> float | None:
        known = [r.peak_pss_mb for r in self.runs if r.peak_pss_mb is not None]
        return max(known) if known else None

    def as_dict(self) -> dict[str, object]:
        return {"case": self.case, "label": self.label, "command": self.command, "runs_s": self.walls,
                "median_s": self.median, "min_s": min(self.walls), "max_s": max(self.walls), "peak_mb": self.peak_mb,
                "peak_pss_mb": self.peak_pss_mb}


def short(cmd: list[str], base: Path) -> str:
    parts = []
    for c in cmd:
        c = c.replace(str(base), "$D").replace(str(ROOT) + os.sep, "")
        if c == sys.executable:
            c = "python"
        elif c.endswith("/staffpool"):
            c = "staffpool"
        parts.append(c)
    return " ".join(parts)


def levels_equal(a: dict[str, float], b: dict[str, float]) -> list[str]:
    bad = []
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        if x is None or y is None or not math.isclose(float(x), float(y), rel_tol=LEVEL_RTOL, abs_tol=1e-6):
            bad.append(f"{k}: {x} vs {y}")
    return bad


def sum_levels(parts: list[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for p in parts:
        for k, v in p.items():
            total[k] = total.get(k, 0.0) + float(v)
    return total


def machine() -> dict[str, object]:
    model = platform.processor() or "?"
    mem_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    avail = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    vers = {}
    for mod in ("pulp", "highspy"):
        try:
            from importlib.metadata import version
            vers[mod] = version(mod)
        except Exception:
            vers[mod] = "?"
    return {"cpu_count": os.cpu_count(), "cpus_usable": avail, "cpu_model": model, "ram_gib": mem_gib,
            "python": platform.python_version(), "platform": platform.platform(), **vers}


# --------------------------------------------------------------------------- naive sub-entry

def naive_main(instance_dir: str) -> None:
    """`python benchmarks/run.py --naive DIR`: load the instance, solve the naive model, print JSON."""
    # The same start as `staffpool` (its CLI runs numpy with one BLAS thread), so that the
    # ratio compares the models, not the thread settings (measured: no effect on the naive).
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    sys.path.insert(0, str(ROOT))
    from benchmarks.naive import solve_naive
    from staffpool.inputs.validate import load_instance

    t0 = time.perf_counter()
    inst = load_instance(instance_dir)
    load_s = time.perf_counter() - t0
    # HiGHS writes its banner on file descriptor 1: send it to stderr so stdout is the JSON alone.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        res = solve_naive(inst)
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
    print(json.dumps({"status": res.status, "levels": {str(k): v for k, v in res.levels.items()},
                      "variables": res.variables, "load_s": load_s, "solve_s": res.seconds}))


# --------------------------------------------------------------------------- the benchmark

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each county command (default 3)")
    ap.add_argument("--scale", type=float, default=1.36, help="generator --scale (default 1.36: about 1,400 staff per community)")
    ap.add_argument("--seed", type=int, default=0, help="generator --seed (default 0)")
    ap.add_argument("--province-communities", type=int, default=80, help="communities in the province case (default 80)")
    ap.add_argument("--province-repeats", type=int, default=1, help="timed runs of the province solve (default 1)")
    ap.add_argument("--workers", type=int, default=None, help="--workers for the province solve (default os.cpu_count())")
    ap.add_argument("--naive-timeout", type=float, default=None, metavar="SECONDS",
                    help="kill a naive run after this many seconds (default: no limit); its time is then a lower bound")
    ap.add_argument("--skip-naive", action="store_true", help="do not run the naive per-person model")
    ap.add_argument("--skip-province", action="store_true", help="do not run the province case")
    ap.add_argument("--skip-treasury", action="store_true", help="do not run the county case with a treasury budget")
    ap.add_argument("--skip-one-by-one", action="store_true",
                    help="province: do not re-solve each community as its own instance to compare the levels")
    ap.add_argument("--skip-spread", action="store_true", help="do not run the spread of differently shaped counties")
    ap.add_argument("--only-spread", action="store_true", help="run the spread case alone (no county, naive or province)")
    ap.add_argument("--spread-repeats", type=int, default=3, help="timed (solve, convert) pairs per spread county (default 3)")
    ap.add_argument("--out", type=Path, default=None, help="folder for the generated instances and plans (default: a temp dir, removed)")
    ap.add_argument("--json", type=Path, default=None, dest="json_file", help="also write every figure to this JSON file")
    ap.add_argument("--naive", metavar="DIR", help=argparse.SUPPRESS)  # internal sub-entry
    a = ap.parse_args(argv)

    if a.naive:
        naive_main(a.naive)
        return 0
    if a.repeats < 1 or a.spread_repeats < 1:
        ap.error("--repeats and --spread-repeats must be >= 1")
    if a.only_spread and a.skip_spread:
        ap.error("--only-spread and --skip-spread exclude each other")
    workers = a.workers or os.cpu_count() or 1

    tmp = None
    if a.out is None:
        tmp = tempfile.TemporaryDirectory(prefix="staffpool-bench-")
        base = Path(tmp.name)
    else:
        base = a.out.resolve()
        base.mkdir(parents=True, exist_ok=True)
    try:
        return bench(a, base, workers)
    finally:
        if tmp is not None:
            tmp.cleanup()


def treasury_case(sp: list[str], county: Path, base: Path, a: argparse.Namespace, added: float) -> dict[str, Any]:
    """The county instance with a treasury_budget of half what its plan adds without one
    (so the rule binds), solved and run through the naive model `--repeats` times, interleaved."""
    inst = base / "county-treasury.json"
    tmp = base / "county-as.json"
    for f in (inst, tmp):
        f.unlink(missing_ok=True)
    run_cmd([*sp, "convert", str(county), "--to", "json", "--out", str(tmp)])
    data = json.loads(tmp.read_text(encoding="utf-8"))
    budget = round(added / 2)
    for c in data["communities"]:
        c["treasury_budget"] = budget
    inst.write_text(json.dumps(data), encoding="utf-8")
    plan = base / "county-treasury-plan"
    solve = Row("county+treasury", f"staffpool solve (treasury_budget {budget:,})", "", [])
    naive = Row("county+treasury", "naive per-person model", "", [])
    solve_cmd = [*sp, "solve", str(inst), "--out", str(plan), "--json", "--force"]  # repeats replace their own plan
    naive_cmd = [sys.executable, str(Path(__file__).resolve()), "--naive", str(inst)]
    solve.command, naive.command = short(solve_cmd, base), short(naive_cmd, base)
    out: dict[str, Any] = {"failures": [], "checks": [], "rows": [solve], "ratios": {}}
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    for i in range(a.repeats):
        r = run_cmd(solve_cmd)
        s = json.loads(r.stdout)
        if s["status"] != "optimal":
            out["failures"].append(f"county+treasury solve status {s['status']}")
        if s["payroll"]["treasury_added"] > budget + 1e-6:
            out["failures"].append(f"county+treasury: the plan adds {s['payroll']['treasury_added']} over the budget {budget}")
        ours.append(s["objective"])
        solve.runs.append(r)
        log(f"county+treasury {i + 1}/{a.repeats}: solve {r.wall_s:.2f} s, levels {s['objective']}, "
            f"treasury added {s['payroll']['treasury_added']:,} of {budget:,}")
        if not a.skip_naive:
            r = run_cmd(naive_cmd, timeout=a.naive_timeout)
            naive.runs.append(r)
            if r.timed_out:
                out["failures"].append("county+treasury: the naive model timed out; levels not compared")
                break
            n = json.loads(r.stdout.strip().splitlines()[-1])
            theirs.append(n["levels"])
            log(f"county+treasury {i + 1}/{a.repeats}: naive {r.wall_s:.2f} s, levels {n['levels']}")
    for lv in ours[1:]:
        if bad := levels_equal(ours[0], lv):
            out["failures"].append(f"county+treasury solve levels differ between repeats: {bad}")
    if ours:
        chk = run_cmd([*sp, "check", str(inst), str(plan), "--json"], check=False)
        if chk.rc != 0:
            out["failures"].append(f"county+treasury plan fails staffpool check (exit {chk.rc})")
        else:
            out["checks"].append("county+treasury: staffpool check passes on the plan (the treasury budget holds)")
    if not a.skip_naive and naive.runs:
        out["rows"].append(naive)
        bad = [b for lv in theirs for b in levels_equal(ours[0], lv)]
        if bad:
            out["failures"].append(f"county+treasury: naive and staffpool solve disagree: {bad}")
        elif theirs:
            out["checks"].append(f"county+treasury: naive model and staffpool solve report the same levels: {ours[0]}")
        out["ratios"]["naive/ours (county+treasury, median)"] = naive.median / solve.median
        pair = [n.wall_s / o.wall_s for n, o in zip(naive.runs, solve.runs, strict=False)]
        out["ratios"]["naive/ours (county+treasury, median of paired runs)"] = statistics.median(pair)
    return out


# Counties shaped unlike the default generator's: `staffpool generate --communities 1` options per
# county. Move caps (none, binding, the default 3 % of staff), many regularisations (more contract
# staff and vacancies), every mode, scales 0.8 to 1.4 (about 800 to 1,450 staff).
SPREAD: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("default", ("--seed", "1", "--scale", "1.36")),
    ("no-cap-many-reg", ("--seed", "2", "--scale", "1.2", "--move-cap", "none", "--contracts", "3", "--vacancies", "0.12")),
    ("binding-cap", ("--seed", "3", "--scale", "0.8", "--move-cap", "0.02")),
    ("unified-no-cap", ("--seed", "4", "--scale", "1.0", "--mode", "unified", "--move-cap", "none")),
    ("separate", ("--seed", "5", "--scale", "1.4", "--mode", "separate")),
    ("many-reg", ("--seed", "6", "--scale", "1.4", "--contracts", "4", "--vacancies", "0.2")),
    ("no-cap", ("--seed", "7", "--scale", "0.9", "--move-cap", "none")),
    ("unified-binding", ("--seed", "8", "--scale", "1.3", "--mode", "unified", "--move-cap", "0.01")),
    ("separate-many-reg", ("--seed", "9", "--scale", "1.0", "--mode", "separate", "--contracts", "3", "--vacancies", "0.15")),
    ("no-cap-reg-1.4", ("--seed", "10", "--scale", "1.4", "--move-cap", "none", "--contracts", "2.5", "--vacancies", "0.1")),
    ("unified-many-reg", ("--seed", "11", "--scale", "0.8", "--mode", "unified", "--contracts", "3", "--vacancies", "0.15")),
    ("tight-cap-1.1", ("--seed", "12", "--scale", "1.1", "--move-cap", "0.015")),
)


def spread(sp: list[str], base: Path, repeats: int) -> dict:
    """Each SPREAD county: `staffpool solve DIR --out OUT` (tables on stdout, as a user runs it)
    against its floor `staffpool convert DIR --to folder --out OUT2`, interleaved (solve,
    convert) `repeats` times into fresh folders; the medians, their ratio and the median of the
    paired ratios (robust to a drift in the machine's speed)."""
    failures: list[str] = []
    counties: list[dict[str, object]] = []
    for name, args in SPREAD:
        inst = base / "spread" / name
        if inst.exists():
            shutil.rmtree(inst)
        run_cmd([*sp, "generate", "--communities", "1", *args, "--out", str(inst)], sample=False)
        info = json.loads(run_cmd([*sp, "validate", str(inst), "--json"], sample=False).stdout)
        run_cmd([*sp, "validate", str(inst), "--json"], sample=False)  # warm the caches, untimed
        plan, copy = base / "spread" / f"{name}-plan", base / "spread" / f"{name}-copy"
        solves: list[float] = []
        floors: list[float] = []
        cpus: list[tuple[float, float]] = []
        levels: list[dict[str, float]] = []
        for _ in range(repeats):
            for d in (plan, copy):
                if d.exists():
                    shutil.rmtree(d)
            r = run_cmd([*sp, "solve", str(inst), "--out", str(plan)], sample=False)
            summary = json.loads((plan / "summary.json").read_text())
            if summary["status"] != "optimal":
                failures.append(f"spread {name}: solve status {summary['status']}")
            levels.append(summary["objective"])
            solves.append(r.wall_s)
            f = run_cmd([*sp, "convert", str(inst), "--to", "folder", "--out", str(copy)], sample=False)
            floors.append(f.wall_s)
            cpus.append((r.cpu_s, f.cpu_s))
        for lv in levels[1:]:
            if bad := levels_equal(levels[0], lv):
                failures.append(f"spread {name}: levels differ between repeats: {bad}")
        chk = run_cmd([*sp, "check", str(inst), str(plan), "--json"], check=False, sample=False)
        cj = json.loads(chk.stdout) if chk.stdout.strip() else {}
        if chk.rc != 0 or not cj.get("ok"):
            failures.append(f"spread {name}: the plan fails staffpool check (exit {chk.rc})")
        elif bad := levels_equal(cj["objective"], levels[0]):
            failures.append(f"spread {name}: check recomputes other levels: {bad}")
        row = {"county": name, "generate": " ".join(args), "staff": info["staff"],
               "solve_s": statistics.median(solves), "floor_s": statistics.median(floors),
               "ratio": statistics.median(solves) / statistics.median(floors),
               "paired_ratio": statistics.median(s / f for s, f in zip(solves, floors, strict=True)),
               "cpu_ratio": statistics.median(s for s, _ in cpus) / statistics.median(f for _, f in cpus),
               "solve_runs_s": solves, "floor_runs_s": floors, "cpu_runs_s": cpus, "levels": levels[0]}
        counties.append(row)
        log(f"spread {name}: {info['staff']} staff, solve {row['solve_s']:.2f} s, floor {row['floor_s']:.2f} s, "
            f"ratio {row['ratio']:.2f} (paired {row['paired_ratio']:.2f}, CPU {row['cpu_ratio']:.2f}), levels {levels[0]}")
    return {"counties": counties, "failures": failures}


def print_spread(counties: list[dict]) -> None:
    head = ("county", "staff", "solve s", "floor s", "ratio", "paired", "CPU ratio", "generate options")
    body = [(str(c["county"]), str(c["staff"]), f"{c['solve_s']:.2f}", f"{c['floor_s']:.2f}", f"{c['ratio']:.2f}",
             f"{c['paired_ratio']:.2f}", f"{c['cpu_ratio']:.2f}", str(c["generate"])) for c in counties]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    print()
    print("spread: staffpool solve DIR --out OUT (whole command) against the floor staffpool convert DIR "
          "--to folder --out OUT2, medians of wall time; CPU ratio: the same with user + system CPU time "
          "(steadier on a shared machine)")
    for cells in (head, tuple("-" * w for w in widths), *body):
        print("  ".join(c.ljust(w) if i in (0, 7) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))))
    ratios = sorted(float(c["ratio"]) for c in counties)
    print(f"spread ratio solve/floor: min {ratios[0]:.2f}, median {statistics.median(ratios):.2f}, max {ratios[-1]:.2f}")


def bench(a: argparse.Namespace, base: Path, workers: int) -> int:
    sp = staffpool_cmd()
    mach = machine()
    rows: list[Row] = []
    checks: list[str] = []
    failures: list[str] = []
    ratios: dict[str, float] = {}
    log(f"machine: {mach['cpu_count']} CPUs ({mach['cpu_model']}), {mach['ram_gib']} GiB, Python {mach['python']}")
    spread_res: dict = {"counties": [], "failures": []}
    if not a.skip_spread:
        spread_res = spread(sp, base, a.spread_repeats)
        failures += spread_res["failures"]
        if spread_res["counties"] and not spread_res["failures"]:
            checks.append(f"spread: {len(spread_res['counties'])} counties optimal, each plan passes staffpool check "
                          "with the levels reported, the same levels in every repeat")
    if a.only_spread:
        print_spread(spread_res["counties"])
        print()
        for c in checks:
            print(f"check OK: {c}")
        for f in failures:
            print(f"CHECK FAILED: {f}")
        if a.json_file:
            a.json_file.write_text(json.dumps({"machine": mach, "spread": spread_res["counties"], "checks": checks,
                                               "failures": failures}, indent=2))
        return 1 if failures else 0

    # ---- county case
    county = base / "county"
    if county.exists():
        shutil.rmtree(county)
    log(f"generating county instance (1 community, seed {a.seed}, scale {a.scale}) in {county}")
    run_cmd([*sp, "generate", "--communities", "1", "--seed", str(a.seed), "--scale", str(a.scale), "--out", str(county)])
    overview = json.loads(run_cmd([*sp, "validate", str(county), "--json"]).stdout)
    log(f"county instance: {overview['staff']} staff, {overview['institutions']} institutions, "
        f"{overview['requirements']} requirements")

    plan = base / "county-plan"
    conv = base / "county-copy"
    solve = Row("county", "staffpool solve (whole)", "", [])
    naive = Row("county", "naive per-person model", "", [])
    validate = Row("county", "floor: validate (load)", "", [])
    convert = Row("county", "floor: convert (load+write)", "", [])
    solve_cmd = [*sp, "solve", str(county), "--out", str(plan), "--json", "--force"]  # repeats replace their own plan
    naive_cmd = [sys.executable, str(Path(__file__).resolve()), "--naive", str(county)]
    validate_cmd = [*sp, "validate", str(county), "--json"]
    convert_cmd = [*sp, "convert", str(county), "--to", "folder", "--out", str(conv)]
    for row, cmd in ((solve, solve_cmd), (naive, naive_cmd), (validate, validate_cmd), (convert, convert_cmd)):
        row.command = short(cmd, base)

    log("warm-up (untimed): validate")
    run_cmd(validate_cmd)
    ours_levels: list[dict[str, float]] = []
    naive_levels: list[dict[str, float]] = []
    naive_timed_out = False
    for i in range(a.repeats):
        # Interleaved (solve, naive, validate, convert) so a drift in the machine's speed hits all alike.
        r = run_cmd(solve_cmd)
        s = json.loads(r.stdout)
        if s["status"] != "optimal":
            failures.append(f"county solve status {s['status']}")
        ours_levels.append(s["objective"])
        solve.runs.append(r)
        log(f"county {i + 1}/{a.repeats}: solve {r.wall_s:.2f} s (in-process total {s['timings_s']['total']:.2f} s), "
            f"peak {r.peak_mb:.0f} MB, levels {s['objective']}")
        if not a.skip_naive and not naive_timed_out:
            r = run_cmd(naive_cmd, timeout=a.naive_timeout)
            if r.timed_out:
                naive_timed_out = True
                naive.runs.append(r)
                naive.label += " (timed out)"
                log(f"county {i + 1}/{a.repeats}: naive killed at the --naive-timeout of {a.naive_timeout:g} s; "
                    "no further naive runs")
            else:
                n = json.loads(r.stdout.strip().splitlines()[-1])
                if n["status"] != "optimal":
                    failures.append(f"naive status {n['status']}")
                naive_levels.append(n["levels"])
                naive.runs.append(r)
                log(f"county {i + 1}/{a.repeats}: naive {r.wall_s:.2f} s ({n['variables']} binaries), "
                    f"peak {r.peak_mb:.0f} MB, levels {n['levels']}")
        for row, cmd in ((validate, validate_cmd), (convert, convert_cmd)):
            if row is convert and conv.exists():
                shutil.rmtree(conv)
            row.runs.append(run_cmd(cmd))
        log(f"county {i + 1}/{a.repeats}: validate {validate.runs[-1].wall_s:.2f} s, convert {convert.runs[-1].wall_s:.2f} s")

    for lv in ours_levels[1:]:
        if bad := levels_equal(ours_levels[0], lv):
            failures.append(f"county solve levels differ between repeats: {bad}")
    chk = run_cmd([*sp, "check", str(county), str(plan), "--json"], check=False)
    cj = json.loads(chk.stdout) if chk.stdout.strip() else {}
    if chk.rc != 0 or not cj.get("ok"):
        failures.append(f"county plan fails staffpool check (exit {chk.rc}): {cj.get('violations', chk.stderr[-500:])}")
    elif bad := levels_equal(cj["objective"], ours_levels[0]):
        failures.append(f"county check recomputes other levels than solve reports: {bad}")
    else:
        checks.append("county: staffpool check passes on the plan and recomputes the reported levels")
    if not a.skip_naive:
        bad = [b for lv in naive_levels for b in levels_equal(ours_levels[0], lv)]
        if naive_timed_out:
            failures.append(f"county: the naive model did not finish within --naive-timeout {a.naive_timeout:g} s, "
                            "so its levels were not compared (its times are lower bounds)")
        if bad:
            failures.append(f"county: naive and staffpool solve disagree: {bad}")
        elif naive_levels:
            checks.append(f"county: naive model and staffpool solve report the same levels "
                          f"(rel. tol. {LEVEL_RTOL:g}): {ours_levels[0]}")
        lb = " (lower bound: naive timed out)" if naive_timed_out else ""
        ratios[f"naive/ours (county, median){lb}"] = naive.median / solve.median
        pair = [n.wall_s / o.wall_s for n, o in zip(naive.runs, solve.runs, strict=False)]
        ratios[f"naive/ours (county, median of paired runs){lb}"] = statistics.median(pair)
    ratios["whole/floor (solve / convert load+write)"] = solve.median / convert.median
    ratios["whole/floor (solve / validate load)"] = solve.median / validate.median
    rows += [solve] + ([naive] if not a.skip_naive else []) + [validate, convert]

    # ---- county case with a binding treasury budget (money: hard rule 9)
    if not a.skip_treasury:
        summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
        res = treasury_case(sp, county, base, a, summary["payroll"]["treasury_added"])
        failures += res["failures"]
        checks += res["checks"]
        rows += res["rows"]
        ratios.update(res["ratios"])

    # ---- province case
    prov_info: dict[str, object] = {}
    if not a.skip_province:
        prov = base / "province"
        if prov.exists():
            shutil.rmtree(prov)
        log(f"generating province instance ({a.province_communities} communities, seed {a.seed}, scale {a.scale})")
        run_cmd([*sp, "generate", "--communities", str(a.province_communities), "--seed", str(a.seed),
                 "--scale", str(a.scale), "--out", str(prov)])
        pov = json.loads(run_cmd([*sp, "validate", str(prov), "--json"]).stdout)
        prov_info = {"communities": pov["communities"], "staff": pov["staff"], "institutions": pov["institutions"],
                     "requirements": pov["requirements"], "workers": workers}
        log(f"province instance: {pov['communities']} communities, {pov['staff']} staff")
        pplan = base / "province-plan"
        pcmd = [*sp, "solve", str(prov), "--out", str(pplan), "--json", "--workers", str(workers), "--force"]
        prow = Row("province", f"staffpool solve --workers {workers}", short(pcmd, base))
        plevels = None
        for i in range(a.province_repeats):
            r = run_cmd(pcmd)
            s = json.loads(r.stdout)
            if s["status"] != "optimal":
                failures.append(f"province solve status {s['status']}")
            if plevels is not None and (bad := levels_equal(plevels, s["objective"])):
                failures.append(f"province levels differ between repeats: {bad}")
            plevels = s["objective"]
            prow.runs.append(r)
            log(f"province {i + 1}/{a.province_repeats}: solve {r.wall_s:.1f} s, peak {r.peak_mb:.0f} MB, levels {plevels}")
        rows.append(prow)
        assert plevels is not None
        crow = Row("province", "staffpool check (plan)", short([*sp, "check", str(prov), str(pplan), "--json"], base))
        r = run_cmd([*sp, "check", str(prov), str(pplan), "--json"], check=False)
        crow.runs.append(r)
        rows.append(crow)
        cj = json.loads(r.stdout) if r.stdout.strip() else {}
        if r.rc != 0 or not cj.get("ok"):
            failures.append(f"province plan fails staffpool check (exit {r.rc}): {cj.get('violations', r.stderr[-500:])}")
        elif bad := levels_equal(cj["objective"], plevels):
            failures.append(f"province check recomputes other levels than solve reports: {bad}")
        else:
            checks.append("province: staffpool check passes on the plan (every rule holds) and recomputes the reported levels")
        if not a.skip_one_by_one:
            res = one_by_one(sp, prov, pplan, base, workers, plevels)
            failures += res["failures"]
            checks += res["checks"]
            rows.append(res["row"])
        ratios["province solve / county solve (median)"] = prow.median / solve.median
        if not a.skip_one_by_one:
            ratios["one-by-one sum / province solve (parallel gain)"] = rows[-1].median / prow.median

    # ---- report
    print_report(rows, ratios, checks, failures, mach, a, workers, prov_info)
    if spread_res["counties"]:
        print_spread(spread_res["counties"])
    if a.json_file:
        a.json_file.write_text(json.dumps({
            "machine": mach, "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()},
            "province": prov_info, "rows": [r.as_dict() for r in rows], "ratios": ratios,
            "spread": spread_res["counties"], "checks": checks, "failures": failures}, indent=2))
        log(f"wrote {a.json_file}")
    return 1 if failures else 0


def one_by_one(sp: list[str], prov: Path, pplan: Path, base: Path, workers: int,
               plevels: dict[str, float]) -> dict:
    """Solve every community as its own instance; compare with the province plan community by community."""
    log("one by one: splitting the province into one instance per community")
    pjson = base / "province.json"
    run_cmd([*sp, "convert", str(prov), "--to", "json", "--out", str(pjson), "--force"])
    data = json.loads(pjson.read_text())
    parts_dir = base / "province-parts"
    if parts_dir.exists():
        shutil.rmtree(parts_dir)
    parts_dir.mkdir()
    with open(pplan / "assignments.csv", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    assert fields is not None
    staff_comm = {s["id"]: s["community"] for s in data["staff"]}
    cids = [c["id"] for c in data["communities"]]
    for cid in cids:
        insts = [i for i in data["institutions"] if i["community"] == cid]
        ids = {i["id"] for i in insts}
        part = {**data, "name": f"{data['name']}-{cid}", "communities": [c for c in data["communities"] if c["id"] == cid],
                "institutions": insts, "staff": [s for s in data["staff"] if s["community"] == cid],
                "requirements": [r for r in data["requirements"] if r["institution"] in ids]}
        for key in ("workload",):
            if key in data:
                part[key] = [w for w in data[key] if w.get("institution") in ids]
        (parts_dir / f"{cid}.json").write_text(json.dumps(part))
        with open(parts_dir / f"{cid}-plan.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(r for r in rows if staff_comm.get(r["staff_id"]) == cid)

    # A bare assignments.csv carries no mode: the province plan's summary.json says which.
    mode = json.loads((pplan / "summary.json").read_text(encoding="utf-8"))["mode"]

    def job(cid: str) -> tuple[str, Run, dict, dict]:
        r = run_cmd([*sp, "solve", str(parts_dir / f"{cid}.json"), "--json", "--workers", "1"], sample=False)
        c = run_cmd([*sp, "check", str(parts_dir / f"{cid}.json"), str(parts_dir / f"{cid}-plan.csv"), "--json",
                     "--mode", mode], check=False, sample=False)
        return cid, r, json.loads(r.stdout), (json.loads(c.stdout) if c.stdout.strip() else {"ok": False})

    log(f"one by one: solving {len(cids)} community instances separately ({workers} at a time, each --workers 1)")
    t0 = time.perf_counter()
    done: list[tuple[str, Run, dict, dict]] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for k, out in enumerate(pool.map(job, cids), 1):
            done.append(out)
            if k % max(1, len(cids) // 10) == 0 or k == len(cids):
                log(f"one by one: {k}/{len(cids)} communities ({time.perf_counter() - t0:.0f} s)")
    failures, checks = [], []
    per_bad = []
    for cid, _r, s, c in done:
        if s["status"] != "optimal":
            per_bad.append(f"{cid}: separate solve status {s['status']}")
        elif not c.get("ok"):
            per_bad.append(f"{cid}: province plan restricted to it fails check: {c.get('violations')}")
        elif bad := levels_equal(s["objective"], c["objective"]):
            per_bad.append(f"{cid}: {bad}")
    total = sum_levels([s["objective"] for _c, _r, s, _ in done])
    if bad := levels_equal(total, plevels):
        per_bad.append(f"sum over communities vs province: {bad}")
    if per_bad:
        failures.append("province vs one by one: " + "; ".join(per_bad[:10]))
    else:
        checks.append(f"province: same levels as solving the {len(cids)} communities one by one — each community "
                      f"re-solved as its own instance (staffpool solve --workers 1) has the levels staffpool check "
                      f"recomputes for the province plan restricted to that community, and their sum is the "
                      f"province total {plevels}")
    row = Row("province", "one by one: sum of separate solves", f"staffpool solve $D/province-parts/<C>.json --json "
              f"--workers 1, {len(cids)} times")
    agg = sum(r.wall_s for _c, r, _s, _ in done)
    row.runs.append(Run([], agg, max(r.peak_mb for _c, r, _s, _ in done), 0, "", ""))
    return {"failures": failures, "checks": checks, "row": row}


def print_report(rows: list[Row], ratios: dict[str, float], checks: list[str], failures: list[str],
                 mach: dict[str, object], a: argparse.Namespace, workers: int, prov: dict[str, object]) -> None:
    head = ("case", "what", "runs", "median s", "min s", "max s", "peak MB", "PSS MB")
    body = [(r.case, r.label, str(len(r.runs)), f"{r.median:.2f}", f"{min(r.walls):.2f}", f"{max(r.walls):.2f}",
             f"{r.peak_mb:.0f}", "" if r.peak_pss_mb is None else f"{r.peak_pss_mb:.0f}") for r in rows]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    print()
    print(f"machine: {mach['cpu_count']} CPUs ({mach['cpus_usable']} usable), {mach['cpu_model']}, "
          f"{mach['ram_gib']} GiB RAM, Python {mach['python']}, PuLP {mach['pulp']}, highspy {mach['highspy']}")
    print(f"instances: seed {a.seed}, scale {a.scale}; county = 1 community"
          + (f"; province = {prov['communities']} communities, {prov['staff']} staff, --workers {workers}" if prov else ""))
    print("wall time of the whole command (start-up + load + build + solve + write); peak = process tree: "
          "sum of RSS (shared pages once per process, an upper bound) and of PSS (shared pages split)")
    print()
    print(line(head))
    print(line(tuple("-" * w for w in widths)))
    for b in body:
        print(line(b))
    print()
    print("commands ($D = " + ("the --out folder" if a.out else "a temp folder") + "):")
    for r in rows:
        print(f"  {r.label}: {r.command}")
    print()
    for k, v in ratios.items():
        print(f"ratio {k}: {v:.2f}")
    print()
    for c in checks:
        print(f"check OK: {c}")
    for f in failures:
        print(f"CHECK FAILED: {f}")


if __name__ == "__main__":
    sys.exit(main())
