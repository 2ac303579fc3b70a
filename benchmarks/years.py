"""Whole-process benchmark of `staffpool plan` over years: a county integrated and rolling, a province rolling.

Run from the repository root:

    python benchmarks/years.py                                 # full run (slow: see benchmarks/README.md)
    python benchmarks/years.py --scale 0.3 --province-communities 3 --integrated-timeout 300   # smoke run

Instances are `staffpool generate` output with years added by `add_years` (below; assumptions in
benchmarks/README.md). Every figure is a whole command (start-up to exit) measured as run.py does:
wall time, peak RSS of the process tree and its PSS. Each plan is then read back with
`staffpool report --plan` (the solver-free checker on every year against the world the years before
leave), and the integrated plan's first level is compared with the rolling plan's.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository root
from benchmarks.run import LEVEL_RTOL, Run, log, run_cmd, staffpool_cmd

START = 2027
# Age in the first year, uniform by title (so nobody has retired before it), and the retirement age.
AGES = {"resident": (25, 42), "attending": (31, 52), "deputy_chief": (38, 59), "chief": (44, 62),
        "village_doctor": (35, 64)}
RETIREMENT = "{chief: 63, village_doctor: 65}"  # everyone else at 60
GRADUATES_PER_1000 = 17  # targeted rural graduates per 1,000 staff (the bundled county: 8 for 457)
GRASSROOTS_YEARS = 6


def add_years(folder: Path, years: int, seed: int = 0) -> dict[str, int]:
    """Turn a generated instance into a `years`-year one, in place: `horizon`, policy
    `retirement_age`, a `birth_year` for every on_staff and contract member, and per community a
    cohort of targeted graduates (general-practice resident candidates arriving over the first three
    years, `grassroots_years` 6). Deterministic for a seed. Returns counts for the log."""
    rnd = random.Random(seed * 7919 + years)
    with open(folder / "staff.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cols = [*rows[0].keys(), "leaves", "birth_year", "arrives", "grassroots_years"]
    by_comm: dict[str, int] = {}
    for r in rows:
        r.update(leaves="", birth_year="", arrives="", grassroots_years="")
        if r["status"] != "candidate":
            lo, hi = AGES[r["title"]]
            r["birth_year"] = str(START - rnd.randint(lo, hi))
            by_comm[r["community"]] = by_comm.get(r["community"], 0) + 1
    grads = []
    for cid, n in by_comm.items():
        k = max(3, round(n * GRADUATES_PER_1000 / 1000))
        for g in range(k):
            grads.append({**dict.fromkeys(cols, ""), "id": f"{cid}-G{g + 1:03d}", "name": f"Graduate {cid}-{g + 1}",
                          "status": "candidate", "title": "resident", "specialty": "general_practice",
                          "community": cid, "mobile": "true", "grassroots_due": "false",
                          "arrives": str(START + min(g * 3 // k, years - 1)),
                          "grassroots_years": str(GRASSROOTS_YEARS)})
    buf = io.StringIO()
    w = csv.DictWriter(buf, cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows + grads)
    (folder / "staff.csv").write_text(buf.getvalue(), encoding="utf-8")
    lines = (folder / "instance.yaml").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("name:"):
            out.append(f"horizon: {{start: {START}, years: {years}}}")
        elif line == "policy:":
            out.append(f"  retirement_age: {RETIREMENT}")
    (folder / "instance.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")
    leave = sum(1 for r in rows if r["birth_year"] and int(r["birth_year"]) + retire_age(r["title"]) < START + years)
    return {"staff": len(rows), "graduates": len(grads), "retire_within_horizon": leave}


def retire_age(title: str) -> int:
    return {"chief": 63, "village_doctor": 65}.get(title, 60)


def figure(label: str, r: Run) -> dict[str, Any]:
    return {"case": label, "wall_s": round(r.wall_s, 1), "peak_rss_mb": round(r.peak_mb),
            "peak_pss_mb": round(r.peak_pss_mb) if r.peak_pss_mb is not None else None,
            "rc": r.rc, "timed_out": r.timed_out}


def checked(sp: list[str], inst: Path, plan: Path, base: Path, name: str, timeout: float | None) -> tuple[bool, str]:
    """`staffpool report --plan`: every year re-read against the world before it and verified by the checker."""
    r = run_cmd([*sp, "report", str(inst), "--plan", str(plan), "--no-compare", "--out", str(base / f"{name}.html"),
                 "--force"], check=False, sample=False, timeout=timeout)
    return r.rc == 0, (r.stderr or r.stdout)[-600:]


def first_level(summary: dict[str, Any], key: str = "totals") -> tuple[str, float]:
    totals = summary[key]
    lvl = next(iter(totals))
    return lvl, float(totals[lvl])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--years", type=int, default=5, help="years of the horizon (default 5)")
    ap.add_argument("--scale", type=float, default=1.36, help="generator --scale (default 1.36: about 1,400 staff)")
    ap.add_argument("--seed", type=int, default=1, help="generator --seed (default 1)")
    ap.add_argument("--province-communities", type=int, default=80, help="communities in the province (default 80)")
    ap.add_argument("--workers", type=int, default=2, help="plan --workers (default 2)")
    ap.add_argument("--max-columns", type=int, default=20_000_000, help="plan --max-columns for the integrated plan")
    ap.add_argument("--integrated-timeout", type=float, default=1200, help="kill the integrated plan after (s)")
    ap.add_argument("--skip-integrated", action="store_true")
    ap.add_argument("--skip-county", action="store_true", help="skip the county (rolling and integrated)")
    ap.add_argument("--skip-province", action="store_true")
    ap.add_argument("--out", type=Path, default=None, help="keep instances and plans here (default: a temp dir)")
    ap.add_argument("--json", type=Path, default=None, dest="json_file", help="also write the figures here")
    a = ap.parse_args(argv)
    base = a.out or Path(tempfile.mkdtemp(prefix="staffpool-years-"))
    base.mkdir(parents=True, exist_ok=True)
    sp = staffpool_cmd()
    figs: list[dict[str, Any]] = []
    checks: list[str] = []
    fails: list[str] = []
    load = os.getloadavg()
    log(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    def make(name: str, communities: int) -> Path:
        d = base / name
        if d.exists():
            shutil.rmtree(d)
        run_cmd([*sp, "generate", "--communities", str(communities), "--seed", str(a.seed), "--scale", str(a.scale),
                 "--out", str(d)], sample=False)
        log(f"{name}: {add_years(d, a.years, a.seed)}")
        return d

    def verify(label: str, inst: Path, plan: Path) -> None:
        ok, msg = checked(sp, inst, plan, base, label.replace(" ", "-"), None)
        (checks if ok else fails).append(f"{label}: checker on every year {'holds' if ok else 'FAILED: ' + msg}")

    if not a.skip_county:
        county = make("county", 1)
        log("county: plan --rolling")
        roll = run_cmd([*sp, "plan", str(county), "--out", str(base / "county-rolling"), "--rolling", "--json",
                        "--force", "--workers", str(a.workers)], check=False)
        figs.append(figure("county rolling", roll))
        rsum = json.loads(roll.stdout) if roll.rc == 0 else None
        if rsum:
            figs[-1]["first_level"] = first_level(rsum)
            verify("county rolling", county, base / "county-rolling")
        else:
            fails.append(f"county rolling: exit {roll.rc}: {roll.stderr[-400:]}")
        if not a.skip_integrated:
            log(f"county: plan integrated (--max-columns {a.max_columns}, timeout {a.integrated_timeout:g} s)")
            integ = run_cmd([*sp, "plan", str(county), "--out", str(base / "county-integrated"), "--json", "--force",
                             "--max-columns", str(a.max_columns), "--workers", str(a.workers)],
                            check=False, timeout=a.integrated_timeout)
            figs.append(figure("county integrated (includes its rolling plan)", integ))
            figs[-1]["last_progress"] = integ.stderr.strip().replace("\r", "\n").splitlines()[-3:]
            if integ.rc == 0:
                isum = json.loads(integ.stdout)
                figs[-1]["status"] = isum.get("status")
                figs[-1]["first_level"] = first_level(isum)
                verify("county integrated", county, base / "county-integrated")
                if rsum:
                    (lvl, iv), (_, rv) = first_level(isum), first_level(rsum)
                    ok = iv <= rv + LEVEL_RTOL * max(1.0, abs(rv))
                    (checks if ok else fails).append(f"integrated {lvl} {iv:g} <= rolling {rv:g}: {ok}")
                    figs[-1]["ratio_integrated_rolling"] = round(integ.wall_s / roll.wall_s, 2)
            else:
                fails.append(f"county integrated: {'timed out' if integ.timed_out else f'exit {integ.rc}'}")
    if not a.skip_province:
        prov = make("province", a.province_communities)
        log(f"province: plan --rolling --workers {a.workers}")
        pr = run_cmd([*sp, "plan", str(prov), "--out", str(base / "province-rolling"), "--rolling", "--json", "--force",
                      "--workers", str(a.workers)], check=False)
        figs.append(figure(f"province ({a.province_communities} communities) rolling", pr))
        figs[-1]["within_5_min"] = pr.wall_s <= 300
        if pr.rc == 0:
            verify("province rolling", prov, base / "province-rolling")
        else:
            fails.append(f"province rolling: exit {pr.rc}: {pr.stderr[-400:]}")
    load = os.getloadavg()
    result = {"years": a.years, "scale": a.scale, "seed": a.seed, "workers": a.workers, "figures": figs,
              "checks": checks, "failures": fails, "load_average_end": [round(x, 2) for x in load]}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if a.json_file:
        a.json_file.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not a.out:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
