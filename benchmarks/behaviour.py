"""Capture every file staffpool writes, to prove a redesign leaves them byte-identical.

Run from anywhere (the instances are those beside this script, or --instances):

    python benchmarks/behaviour.py run OUTDIR [--staffpool CMD] [--quick] [--force]
    python benchmarks/behaviour.py diff DIR_A DIR_B

`run` copies the bundled instances to OUTDIR/instances and runs every case one after the other,
in OUTDIR (so every path a command sees or records is relative and the same from run to run).
Each case writes into OUTDIR/<case>/, with `_exit.txt` (one line per command: its label and exit
status) and, for a command run with `--json`, `_stdout.txt` (its stdout, as printed). The other
stdout and all stderr go to OUTDIR/_logs/ (not compared), with run.txt (the case times).

`diff` compares two such trees file by file (OUTDIR/_logs/ left out) and exits 0 when equal,
1 otherwise. Bytes first; a file whose bytes differ is equal only when what is normalised below
is all that differs. Two runs of the same code differ in exactly these, and nothing is normalised
beyond them:

- `*.json`: the keys in TIMING_KEYS, at any depth. Only solve's `summary.json` (also each
  `<year>/summary.json` of a plan) has them: `timings_s` (load/build/solve/total seconds) and,
  per community, `build_s` and `solve_s`. No other key of any JSON file varied.
- `*.xlsx` (openpyxl): the date of every zip member and `dcterms:created`/`dcterms:modified`
  in docProps/core.xml (the time of writing); every member's content must be byte-identical
  otherwise. Worksheets that differ are shown cell by cell.
- Nothing else: `_stdout.txt` (check, compare and explain `--json`: no timings), the CSV files,
  report.html, sweep.html, sweep.parquet, the GraphML and generated or advanced instances were
  byte-identical between two runs (no dates, timings or absolute paths in them).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from run import SPREAD  # benchmarks/run.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
LANG = ("--lang", "en")

# Keys whose values are wall times: they differ from run to run of the same command.
TIMING_KEYS = frozenset({"timings_s", "build_s", "solve_s"})
# docProps/core.xml: the workbook's creation and modification times.
XLSX_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")

BUNDLED = ("tiny", "sanming-county", "sanming-county.json", "sanming-county.xlsx",
           "sanming-county-zh.xlsx", "sanming-county-5y", "small-county-5y", "hiv-clinic-wisn")
MODES = ("separate", "county_pool", "unified")

# The twelve county shapes of benchmarks/run.py (`generate --communities 1` options); the
# scales are multiplied by SPREAD_SCALE here to keep the run short.
SPREAD_SCALE = 0.25  # scales 0.2 to 0.35: 205 to 370 staff

# 18 scenarios; 15 km binds in county_pool and unified (40 km is the policy's).
GRID = """\
mode: [separate, county_pool, unified]
max_distance_km: [15, 40]
hiring_budget: {factor: [0.5, 1.0, 1.5]}
"""

SKIP_DIRS = {"_logs"}


@dataclass
class Step:
    label: str
    args: list[str]  # after `staffpool`; paths relative to OUTDIR
    json: bool = False  # keep its stdout as _stdout.txt


@dataclass
class Case:
    name: str
    steps: list[Step] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # inputs written into the case folder first


# --------------------------------------------------------------------------- the cases

def cases(quick: bool) -> list[Case]:
    out: list[Case] = []
    for inst in BUNDLED:
        for mode in MODES:
            c = f"solve-{inst}-{mode}"
            out.append(Case(c, [Step("solve", ["solve", f"instances/{inst}", "--mode", mode, "--out", c,
                                              "--xlsx", f"{c}/plan.xlsx", "--workers", "1", "--force"])]))
    if not quick:
        for name, opts in SPREAD:
            c = f"generated-{name}"
            i = opts.index("--scale")
            opts = (*opts[:i + 1], f"{float(opts[i + 1]) * SPREAD_SCALE:g}", *opts[i + 2:])
            out.append(Case(c, [
                Step("generate", ["generate", "--communities", "1", *opts, "--out", f"{c}/instance", "--force"]),
                Step("solve", ["solve", f"{c}/instance", "--out", f"{c}/plan", "--workers", "1", "--force"]),
                Step("check", ["check", f"{c}/instance", f"{c}/plan", "--json"], json=True),
            ]))
    sc = "solve-sanming-county-county_pool"  # the policy's mode
    out.append(Case("rotate-sanming-county", [Step("rotate", [
        "rotate", "instances/sanming-county", "--allocation", sc, "--out", "rotate-sanming-county",
        "--graph", "rotate-sanming-county/flow.graphml", "--force"])]))
    for inst in ("sanming-county", "tiny"):
        c = f"compare-{inst}"
        out.append(Case(c, [Step("compare", ["compare", f"instances/{inst}", "--xlsx", f"{c}/compare.xlsx",
                                             "--json", "--force"], json=True)]))
    if not quick:
        c = "sweep-sanming-county"
        out.append(Case(c, [Step("sweep", ["sweep", "instances/sanming-county", "--grid", f"{c}/grid.yaml",
                                           "--out", c, "--workers", "1", "--force"])], {"grid.yaml": GRID}))
    for inst, rolling in (("small-county-5y", True), ("small-county-5y", False), ("sanming-county-5y", True)):
        c = f"plan-{inst}-{'rolling' if rolling else 'integrated'}"
        out.append(Case(c, [Step("plan", ["plan", f"instances/{inst}", *(["--rolling"] if rolling else []),
                                          "--out", c, "--xlsx", f"{c}/plan.xlsx", "--workers", "1", "--force"])]))
    for inst in ("tiny", "sanming-county"):
        out.append(Case(f"explain-{inst}", [Step("explain", ["explain", f"instances/{inst}", "--workers", "1",
                                                             "--json"], json=True)]))
    out.append(Case("report-sanming-county", [Step("report", [
        "report", "instances/sanming-county", "--plan", sc, "--out", "report-sanming-county/report.html",
        "--force"])]))
    out.append(Case("advance-sanming-county-5y", [Step("advance", [
        "advance", "instances/sanming-county-5y", "solve-sanming-county-5y-county_pool",
        "--out", "advance-sanming-county-5y/instance"])]))
    return out


# --------------------------------------------------------------------------- run

def staffpool_cmd(given: str | None) -> list[str]:
    cmd = shlex.split(given) if given else ["staffpool"]
    exe = shutil.which(cmd[0])  # made absolute: the cases run in OUTDIR
    if exe is None:
        raise SystemExit(f"not found: {cmd[0]}")
    return [str(Path(exe).resolve()) if os.sep in cmd[0] else exe, *cmd[1:]]


def run(a: argparse.Namespace) -> int:
    sp = staffpool_cmd(a.staffpool)
    out: Path = a.outdir.resolve()
    if out.exists():
        if not a.force:
            print(f"{out} exists (--force to replace it)", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    (out / "_logs").mkdir(parents=True)
    shutil.copytree(a.instances.resolve(), out / "instances")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    times: list[str] = []
    t_all = time.perf_counter()
    for case in cases(a.quick):
        d = out / case.name
        d.mkdir()
        for fname, text in case.files.items():
            (d / fname).write_text(text, encoding="utf-8")
        exits: list[str] = []
        stdouts: list[str] = []
        t0 = time.perf_counter()
        for step in case.steps:
            cmd = [*sp, *step.args, *LANG]
            p = subprocess.run(cmd, cwd=out, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
            exits.append(f"{step.label} {p.returncode}")
            log = out / "_logs" / f"{case.name}.{step.label}"
            log.with_suffix(log.suffix + ".cmd").write_text(shlex.join(cmd[len(sp):]) + "\n", encoding="utf-8")
            log.with_suffix(log.suffix + ".stderr").write_text(p.stderr, encoding="utf-8")
            if step.json:
                stdouts.append(p.stdout)
            else:
                log.with_suffix(log.suffix + ".stdout").write_text(p.stdout, encoding="utf-8")
        secs = time.perf_counter() - t0
        (d / "_exit.txt").write_text("".join(e + "\n" for e in exits), encoding="utf-8")
        if stdouts:
            (d / "_stdout.txt").write_text("".join(stdouts), encoding="utf-8")
        line = f"{case.name:<44} exit {' '.join(e.split()[1] for e in exits):<8} {secs:6.2f} s"
        print(line, flush=True)
        times.append(line)
    total = f"total {time.perf_counter() - t_all:.1f} s, {len(times)} cases"
    print(total)
    (out / "_logs" / "run.txt").write_text("\n".join([*times, total, ""]), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- diff

def files_of(root: Path) -> set[str]:
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        if rel == Path("."):
            dirnames[:] = [n for n in dirnames if n not in SKIP_DIRS]
        found.update((rel / f).as_posix() for f in filenames)
    return found


def drop_timings(v: object) -> object:
    if isinstance(v, dict):
        return {k: drop_timings(x) for k, x in v.items() if k not in TIMING_KEYS}
    if isinstance(v, list):
        return [drop_timings(x) for x in v]
    return v


def json_paths(a: object, b: object, path: str = "") -> list[str]:
    """Where two JSON values differ: 'path: a != b'."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                out.append(f"{path}/{k}: only in {'B' if k in b else 'A'}")
            else:
                out += json_paths(a[k], b[k], f"{path}/{k}")
        if not out and list(a) != list(b):
            out.append(f"{path}: key order {list(a)} != {list(b)}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for i, (x, y) in enumerate(zip(a, b, strict=True)) for p in json_paths(x, y, f"{path}[{i}]")]
    return [] if a == b and type(a) is type(b) else [f"{path or '/'}: {json.dumps(a)[:80]} != {json.dumps(b)[:80]}"]


def text_lines(a: bytes, b: bytes, n: int = 8) -> list[str]:
    diff = difflib.unified_diff(a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines(),
                                "A", "B", n=0, lineterm="")
    lines = [s for s in diff if not s.startswith(("---", "+++"))]
    return [s[:160] for s in lines[:n]] + ([f"... {len(lines) - n} more diff lines"] if len(lines) > n else [])


def xlsx_cells(z: zipfile.ZipFile, member: str) -> dict[str, str]:
    """Cell reference -> value of one sheet (shared strings resolved)."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    shared: list[str] = []
    if "xl/sharedStrings.xml" in z.namelist():
        root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{ns}t")) for si in root.iter(f"{ns}si")]
    cells = {}
    for c in ElementTree.fromstring(z.read(member)).iter(f"{ns}c"):
        v = c.find(f"{ns}v")
        val = "".join(t.text or "" for t in c.iter(f"{ns}t")) if c.get("t") == "inlineStr" else (v.text if v is not None else "")
        cells[c.get("r", "?")] = shared[int(val)] if c.get("t") == "s" and val else (val or "")
    return cells


def xlsx_diff(pa: Path, pb: Path) -> list[str]:
    with zipfile.ZipFile(pa) as za, zipfile.ZipFile(pb) as zb:
        na, nb = set(za.namelist()), set(zb.namelist())
        out = [f"member only in A: {m}" for m in sorted(na - nb)] + [f"member only in B: {m}" for m in sorted(nb - na)]
        for m in sorted(na & nb):
            x, y = za.read(m), zb.read(m)
            if m == "docProps/core.xml":
                x, y = XLSX_TIME.sub(rb"\1\2", x), XLSX_TIME.sub(rb"\1\2", y)
            if x == y:
                continue
            if m.startswith("xl/worksheets/") and m.endswith(".xml"):
                ca, cb = xlsx_cells(za, m), xlsx_cells(zb, m)
                bad = [f"{r}: {ca.get(r)!r} != {cb.get(r)!r}" for r in sorted(set(ca) | set(cb)) if ca.get(r) != cb.get(r)]
                out.append(f"{m}: " + ("; ".join(bad[:5]) + (f" (+{len(bad) - 5} cells)" if len(bad) > 5 else "")
                                       if bad else "same cell values, other XML (styles, widths)"))
            else:
                out.append(f"{m} differs")
    return out


def compare_file(pa: Path, pb: Path) -> list[str]:
    """[] when equal (after the normalisations), else what differs."""
    a, b = pa.read_bytes(), pb.read_bytes()
    if a == b:
        return []
    suffix = pa.suffix.lower()
    if suffix == ".json":
        try:
            ja, jb = json.loads(a), json.loads(b)
        except ValueError:
            return text_lines(a, b)
        return json_paths(drop_timings(ja), drop_timings(jb))[:8]
    if suffix == ".xlsx":
        return xlsx_diff(pa, pb)
    if suffix in {".csv", ".txt", ".yaml", ".md", ".graphml", ".html"}:
        return text_lines(a, b)
    return [f"bytes differ ({len(a)} vs {len(b)} bytes)"]


def diff(a: argparse.Namespace) -> int:
    da, db = a.dir_a.resolve(), a.dir_b.resolve()
    for d in (da, db):
        if not d.is_dir():
            print(f"not a folder: {d}", file=sys.stderr)
            return 2
    fa, fb = files_of(da), files_of(db)
    bad = 0
    for rel in sorted(fa - fb):
        print(f"only in A: {rel}")
        bad += 1
    for rel in sorted(fb - fa):
        print(f"only in B: {rel}")
        bad += 1
    for rel in sorted(fa & fb):
        if problems := compare_file(da / rel, db / rel):
            bad += 1
            print(f"differs: {rel}")
            for p in problems:
                print(f"    {p}")
    print(f"{len(fa | fb)} files, {bad} differ or on one side only" if bad else f"{len(fa)} files, all equal")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run every case into OUTDIR")
    r.add_argument("outdir", type=Path)
    r.add_argument("--staffpool", help="the command to run (default: staffpool on PATH)")
    r.add_argument("--quick", action="store_true", help="skip the generated counties and the sweep")
    r.add_argument("--force", action="store_true", help="replace OUTDIR")
    r.add_argument("--instances", type=Path, default=ROOT / "instances", help="the bundled instances (copied)")
    d = sub.add_parser("diff", help="compare two OUTDIRs; exit 0 when equal")
    d.add_argument("dir_a", type=Path)
    d.add_argument("dir_b", type=Path)
    a = ap.parse_args(argv)
    return run(a) if a.cmd == "run" else diff(a)


if __name__ == "__main__":
    sys.exit(main())
