"""A sweep: every scenario of a grid for every community, resumable, on any engine.

Tasks are blocks of one community's scenarios of one mode (`chain.run_chain`), at most
`BLOCK` each, taken loosest first. Files in DIR:
- `sweep.manifest.json` — what is being swept (scenarios, columns, a fingerprint of the
  instance, grid and solver); written first.
- `sweep.rows.csv` — the journal: the header, then each finished task's rows appended in
  one write and fsync'ed, in finishing order. A planner can open it while the sweep runs.
  `--resume` keeps the tasks whose rows are all there and runs the rest.
- at the end, `sweep.csv` and `sweep.parquet` (a row per scenario and community, in
  scenario order, then the instance's community order), `sweep_totals.csv` (a row per
  scenario) and `sweep.html` (the curves). They are made from the journal's cells, so a
  resumed or disturbed run gives the same bytes of `sweep.csv` as an undisturbed one.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from staffpool.constants import SolverProfile
from staffpool.domain.instance import Instance, Level, level_value
from staffpool.errors import UsageError
from staffpool.i18n import _
from staffpool.inputs.read import unneutralise_text
from staffpool.outputs.files import (
    atomic_path,
    csv_text,
    ensure_not_input,
    refuse_existing,
    write_json_atomic,
    write_text_atomic,
)
from staffpool.outputs.report import build_sweep_report
from staffpool.scale.chain import PAYROLL_KEYS, Chain, Point, PointResult, run_chain, sort_loosest
from staffpool.scale.grid import Grid, Scenario, community_limit_fields, limit_columns
from staffpool.solving.engines import Engine, community_instances

BLOCK = 12  # scenarios per task: small enough to spread over workers and to lose little
MANIFEST, JOURNAL = "sweep.manifest.json", "sweep.rows.csv"
OUTPUTS = ("sweep.csv", "sweep.parquet", "sweep_totals.csv", "sweep.html")
COUNTS = ("hires", "regularised")
PAYROLL = PAYROLL_KEYS


@dataclass(frozen=True)
class SweepTask:
    """A block of one chain: what a worker runs."""

    key: str  # community/mode/block
    chain: Chain
    profile: Any

    @property
    def community(self) -> str:
        return self.chain.community


def _run_task(sub: Instance, task: SweepTask) -> list[PointResult]:
    return run_chain(sub, task.chain, task.profile)


def columns(instance: Instance) -> list[str]:
    return ["scenario", "community", "mode", "max_distance_km", *limit_columns(), "status",
            *(lvl.value for lvl in instance.policy.objective), *COUNTS, *PAYROLL]


def make_tasks(instance: Instance, scenarios: list[Scenario], profile: SolverProfile,
               time_limit: float | None = None) -> list[SweepTask]:
    """One chain per community and mode, cut into blocks of `BLOCK` points, loosest first."""

    tasks: list[SweepTask] = []
    modes = list(dict.fromkeys(s.mode for s in scenarios))
    for comm in instance.communities:
        for mode in modes:
            points = [Point(s.number, s.max_distance_km, tuple(s.community_values(comm).items()))
                      for s in scenarios if s.mode == mode]
            points = sort_loosest(points)
            nblocks = -(-len(points) // BLOCK)
            size = -(-len(points) // nblocks)
            for b in range(nblocks):
                block = tuple(points[b * size:(b + 1) * size])
                if block:
                    chain = Chain(comm.id, mode, block, time_limit, whole=tuple(points))
                    tasks.append(SweepTask(f"{comm.id}/{mode.value}/{b}", chain, profile))
    return tasks


# ---------------------------------------------------------------- cells


def _num(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def result_cells(instance: Instance, r: PointResult, task: SweepTask, cols: list[str]) -> list[str]:

    point = next(p for p in task.chain.points if p.scenario == r.scenario)
    row: dict[str, str] = {
        "scenario": str(r.scenario), "community": r.community, "mode": task.chain.mode.value,
        "max_distance_km": _num(point.max_distance_km), "status": r.status,
    }
    for k in limit_columns():
        row[k] = _num(point.value(k))
    for lvl in instance.policy.objective:
        v = r.levels.get(lvl.value)
        row[lvl.value] = "" if v is None else _num(level_value(lvl, v))
    for k in COUNTS:
        row[k] = _num(r.counts.get(k)) if r.levels else ""
    for k in PAYROLL:
        row[k] = _num(r.payroll.get(k)) if r.payroll else ""
    return [row[c] for c in cols]


def _csv_lines(cols: list[str], rows: list[list[str]]) -> str:
    """Rows as the lines `csv_text` writes (text neutralised against formula injection)."""

    return csv_text(cols, rows).split("\n", 1)[1]


# ---------------------------------------------------------------- the journal


def fingerprint(instance: Instance, scenarios: list[Scenario], profile: SolverProfile, cols: list[str],
                input_files: list[Path] | None = None) -> str:
    """What a resumed sweep must share with the one it finishes. The instance's input files
    where known (hashing 60 MB of CSV takes 0.2 s, its JSON dump 15 s), else the instance."""
    h = hashlib.sha256()
    if input_files:
        for p in sorted(input_files):
            h.update(p.name.encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    else:
        h.update(instance.model_dump_json().encode())
    h.update(json.dumps([s.label() for s in scenarios], sort_keys=True).encode())
    h.update(json.dumps([profile.name, profile.backend, profile.mip_rel_gap, profile.mip_abs_gap, cols]).encode())
    return h.hexdigest()


def read_journal(path: Path, cols: list[str]) -> dict[tuple[int, str], list[str]]:
    """Rows of the journal by (scenario, community); a last line cut short by a crash (no
    newline, or too few cells) is left out."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    complete = lines[:-1]  # after the last newline: nothing, or a line cut short

    rows: dict[tuple[int, str], list[str]] = {}
    for raw in csv.reader(complete[1:]):
        if len(raw) != len(cols):
            continue
        cells = [unneutralise_text(c) for c in raw]
        try:
            rows[(int(cells[0]), cells[1])] = cells
        except ValueError:
            continue
    return rows


def journal_rows(out: Path) -> int:
    """Rows in DIR's journal (for the message after Ctrl-C)."""
    try:
        return max(0, (out / JOURNAL).read_text(encoding="utf-8").count("\n") - 1)
    except OSError:
        return 0


class Journal:
    """Append-only rows file: each finished task's rows in one write, flushed to disk."""

    def __init__(self, path: Path, cols: list[str], keep: list[list[str]]):

        write_text_atomic(path, csv_text(cols, keep))  # the header and what is kept, whole
        self.path, self.cols = path, cols
        self.fh = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115 (kept open for the run)

    def append(self, rows: list[list[str]]) -> None:
        self.fh.write(_csv_lines(self.cols, rows))
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        self.fh.close()


# ---------------------------------------------------------------- the driver


@dataclass
class SweepOutcome:
    out: Path
    scenarios: int
    rows: int
    done_before: int  # rows found done (--resume)
    ran: int  # rows computed now
    files: list[Path]


Progress = Callable[[int, int, int, int], None]  # rows done, rows in all, scenarios done, scenarios in all


def run_sweep(
    instance: Instance,
    grid: Grid,
    out: Path,
    engine: Engine,
    profile: SolverProfile,
    resume: bool = False,
    time_limit: float | None = None,
    progress: Progress | None = None,
    input_files: list[Path] | None = None,
    force: bool = False,
) -> SweepOutcome:
    """Run (or with `resume`, finish) the sweep into `out`. Without `resume`, files of an
    earlier sweep (or anything at the output names) need `force`."""

    scenarios = grid.scenarios(instance)
    cols = columns(instance)
    ensure_not_input(out, [MANIFEST, JOURNAL, *OUTPUTS], input_files or [])
    fp = fingerprint(instance, scenarios, profile, cols, input_files)
    manifest_path, journal_path = out / MANIFEST, out / JOURNAL
    done: dict[tuple[int, str], list[str]] = {}
    if resume and force:
        raise UsageError(_("--resume keeps an earlier sweep's rows and --force replaces them: choose one"))
    if not resume:
        if manifest_path.exists() and not force:
            raise UsageError(_("{out} holds a sweep already: add --resume to finish it, --force to start it "
                               "again, or choose another --out").format(out=out))
        refuse_existing([out / f for f in (MANIFEST, JOURNAL, *OUTPUTS)], force, words="cli")
    elif manifest_path.exists():
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if old.get("fingerprint") != fp:
            raise UsageError(_("{out} holds a sweep of another instance, grid or solver: choose another --out").format(out=out))
        done = read_journal(journal_path, cols)
    tasks = make_tasks(instance, scenarios, profile, time_limit)
    keys_of = {t.key: [(p.scenario, t.community) for p in t.chain.points] for t in tasks}
    finished = {k for k, keys in keys_of.items() if all(key in done for key in keys)}
    keep = [done[key] for k in keys_of if k in finished for key in keys_of[k]]
    todo = [t for t in tasks if t.key not in finished]
    total = sum(len(v) for v in keys_of.values())
    write_json_atomic(manifest_path, {
        "staffpool_sweep": 1, "instance": instance.name, "fingerprint": fp, "columns": cols,
        "scenarios": [s.label() for s in scenarios], "communities": [c.id for c in instance.communities],
        "rows": total, "solver": profile.name,
    })
    journal = Journal(journal_path, cols, keep)
    count = len(keep)
    missing = {s.number: len(instance.communities) for s in scenarios}  # rows a scenario still lacks
    for cells in keep:
        missing[int(cells[0])] -= 1
    complete = sum(1 for v in missing.values() if v == 0)
    if progress is not None:
        progress(count, total, complete, len(scenarios))

    def on_result(task: SweepTask, results: list[PointResult]) -> None:
        nonlocal count, complete
        journal.append([result_cells(instance, r, task, cols) for r in results])
        count += len(results)
        for r in results:
            missing[r.scenario] -= 1
            complete += missing[r.scenario] == 0
        if progress is not None:
            progress(count, total, complete, len(scenarios))

    try:
        if todo:
            subs = community_instances(instance, list(dict.fromkeys(t.community for t in todo)))
            engine.run(subs, todo, _run_task, on_result)
    finally:
        journal.close()
    files = write_outputs(instance, out, cols, scenarios)
    return SweepOutcome(out, len(scenarios), total, len(keep), total - len(keep), files)


# ---------------------------------------------------------------- the outputs


def _parse(col: str, cell: str, ints: set[str]) -> Any:
    if cell == "":
        return None
    if col in ("community", "mode", "status"):
        return cell
    return int(cell) if col in ints else float(cell)


def write_outputs(instance: Instance, out: Path, cols: list[str], scenarios: list[Scenario]) -> list[Path]:
    """sweep.csv, sweep.parquet, sweep_totals.csv and sweep.html from the journal."""

    rows = read_journal(out / JOURNAL, cols)
    order = {c.id: i for i, c in enumerate(instance.communities)}
    ordered = [rows[k] for k in sorted(rows, key=lambda k: (k[0], order.get(k[1], len(order))))]
    expected = len(scenarios) * len(instance.communities)
    if len(ordered) != expected:
        raise RuntimeError(f"internal error: {len(ordered)} sweep rows of {expected}")
    write_text_atomic(out / "sweep.csv", csv_text(cols, ordered))
    ints = {"scenario", "max_moves", *COUNTS} | {k for k, i in community_limit_fields().items() if i}
    ints |= {lvl.value for lvl in instance.policy.objective if lvl in (Level.moves, Level.unregularised, Level.preference)}
    records = [{c: _parse(c, cell, ints) for c, cell in zip(cols, r, strict=True)} for r in ordered]
    _write_parquet(out / "sweep.parquet", cols, records, ints, atomic_path)
    totals_cols, totals = scenario_totals(instance, cols, records, scenarios)
    write_text_atomic(out / "sweep_totals.csv", csv_text(totals_cols, [[_num(t[c]) for c in totals_cols] for t in totals]))

    write_text_atomic(out / "sweep.html", build_sweep_report(instance, totals, [s.label() for s in scenarios]))
    return [out / f for f in OUTPUTS]


def _write_parquet(path: Path, cols: list[str], records: list[dict[str, Any]], ints: set[str], atomic: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def kind(c: str) -> Any:
        if c in ("community", "mode", "status"):
            return pa.string()
        return pa.int64() if c in ints else pa.float64()

    schema = pa.schema([(c, kind(c)) for c in cols])
    table = pa.table({c: [r[c] for r in records] for c in cols}, schema=schema)
    with atomic(path) as tmp:
        pq.write_table(table, tmp)


def scenario_totals(instance: Instance, cols: list[str], records: list[dict[str, Any]], scenarios: list[Scenario]
                    ) -> tuple[list[str], list[dict[str, Any]]]:
    """A row per scenario: limits, levels, counts and payroll summed over communities
    (blank where a community has none, or no plan)."""
    summed = [c for c in cols if c not in ("scenario", "community", "mode", "max_distance_km", "status")]
    tcols = ["scenario", "mode", "max_distance_km", "communities", "status", *summed]
    by: dict[int, list[dict[str, Any]]] = {}
    for r in records:
        by.setdefault(r["scenario"], []).append(r)
    out = []
    rank = {"optimal": 0, "feasible": 1, "time_limit": 2, "infeasible": 3}
    for s in scenarios:
        rs = by.get(s.number, [])
        row: dict[str, Any] = {"scenario": s.number, "mode": s.mode.value, "max_distance_km": s.max_distance_km,
                               "communities": len(rs),
                               "status": max((r["status"] for r in rs), key=lambda x: rank.get(x, 4), default="")}
        for c in summed:
            vals = [r[c] for r in rs]
            row[c] = None if not vals or any(v is None for v in vals) else _sum(c, vals)
        out.append(row)
    return tcols, out


def _sum(col: str, vals: list[Any]) -> Any:
    total = sum(vals)
    if col == Level.distance.value:
        return round(total, 3)
    return round(total, 6) if isinstance(total, float) else total
