"""What a run does, in its worker process: the same library calls as the command of the
same name, writing the same files into the run's folder (`solve` the four result files, as
`solve --out`; `compare.json` and `explanation.json` hold what `--json` prints).

`execute` returns an `Outcome`; a failure (bad input, infeasible, a bug) is an outcome
too, with the problems or reasons a planner reads and never a traceback."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import staffpool
from staffpool.domain.instance import Instance
from staffpool.errors import InfeasibleError, InputError, StaffpoolError
from staffpool.i18n import _, set_language
from staffpool.inputs.read import read_raw
from staffpool.outputs.files import write_text_atomic
from staffpool.web.options import apply_knobs, grid_of, mode_of

# done, total
Report = Callable[[int, int | None], None]


@dataclass
class Outcome:
    status: str  # done or failed
    result: dict[str, Any] | None = None
    levels: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    files: list[str] = field(default_factory=list)


def json_text(data: Any) -> str:
    """As the CLI prints `--json` (cli.common._print_json), so the bytes are the same."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _problems(items: list[Any]) -> list[dict[str, Any]]:
    return [{"file": p.file, "row": p.row, "column": p.column, "value": p.value, "message": p.message} for p in items]


def execute(source: Path, command: str, options: dict[str, Any], out: Path, report: Report,
            scheduler: str | None = None, allocation: Path | None = None) -> Outcome:
    """Run `command` on the instance at `source` with `options` (checked by
    `web.options.check_run`), writing into `out`."""
    set_language(options.get("lang") or "en")
    out.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        inst = apply_knobs(staffpool.load_instance(source), options)
        load_s = time.perf_counter() - t0
        return COMMANDS[command](inst, options, out, Counter(report), scheduler=scheduler, allocation=allocation,
                                 load_s=load_s, source=source)
    except InputError as exc:
        return Outcome("failed", error={"message": _("the input has problems"), "problems": _problems(exc.problems)})
    except InfeasibleError as exc:
        return Outcome("failed", error={"message": str(exc), "reasons": list(exc.reasons)})
    except StaffpoolError as exc:
        return Outcome("failed", error={"message": str(exc)})


class Counter:
    """Progress as communities solved out of the whole run's (written at most every 0.2 s)."""

    def __init__(self, report: Report):
        self.report, self.done, self.last = report, 0, 0.0
        self.total: int | None = None

    def start(self, total: int | None) -> None:
        self.total = total
        self.report(self.done, total)

    def step(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= 0.2 or self.done == self.total:
            self.last = now
            self.report(self.done, self.total)

    def callbacks(self) -> dict[str, Any]:
        return {"on_community_done": lambda _o: self.step()}


def _workers(options: dict[str, Any]) -> int:
    import os

    return options.get("workers") or max(1, os.cpu_count() or 1)  # the CLI's default: the machine's cores


def run_solve(inst: Instance, options: dict[str, Any], out: Path, counter: Counter, *, scheduler: str | None,
              load_s: float, **_rest: Any) -> Outcome:
    extras = [k for k in ("xlsx", "report") if options.get(k)]  # a step each: for a county they take longer than the solve
    counter.start(len(inst.communities) + len(extras))
    result = staffpool.solve(inst, mode_of(options), solver=options["solver"], time_limit=options.get("time_limit"),
                             workers=_workers(options), scheduler=scheduler, load_s=load_s, **counter.callbacks())
    if not result.has_plan:
        return Outcome("failed", result=result.summary, error={"message": _("no plan: {status}").format(
            status=result.status.value), "reasons": list(result.reasons)})
    result.write(out)
    if options.get("xlsx"):
        from staffpool.outputs.xlsx import write_result_workbook

        write_result_workbook(result, out / "plan.xlsx")
        counter.step()
    if options.get("report"):
        write_text_atomic(out / "report.html", staffpool.report(inst, result, modes=False))
        counter.step()
    return Outcome("done", result=result.summary, levels=result.summary["objective"])


def run_compare(inst: Instance, options: dict[str, Any], out: Path, counter: Counter, **_rest: Any) -> Outcome:
    modes = options.get("modes")
    modes = [modes] if isinstance(modes, str) else modes
    counter.start(len(inst.communities) * (len(modes) if modes else 3))
    rows = staffpool.compare(inst, modes, solver=options["solver"], time_limit=options.get("time_limit"),
                             workers=_workers(options), **counter.callbacks()).rows
    data = {"instance": inst.name, "modes": rows}
    write_text_atomic(out / "compare.json", json_text(data))
    if options.get("xlsx"):
        from staffpool.outputs.xlsx import compare_sheet, write_workbook

        write_workbook(out / "compare.xlsx", [compare_sheet(rows, [lvl.value for lvl in inst.policy.objective])])
    return Outcome("done", result=data)


def run_sweep(inst: Instance, options: dict[str, Any], out: Path, counter: Counter, *, scheduler: str | None,
              source: Path, **_rest: Any) -> Outcome:
    from staffpool.scale.sweep import run_sweep as sweep
    from staffpool.solving.engines import make_engine
    from staffpool.solving.profiles import load_profile

    grid = grid_of(options["grid"])

    def on_progress(done: int, total: int, _sd: int, _st: int) -> None:
        counter.total, counter.done = total, done - 1
        counter.step()

    outcome = sweep(inst, grid, out, make_engine(scheduler, options.get("workers")), load_profile(options["solver"]),
                    time_limit=options.get("time_limit"), progress=on_progress,
                    input_files=read_raw(source).input_files)  # as the CLI: the manifest's fingerprint
    return Outcome("done", result={"scenarios": outcome.scenarios, "rows": outcome.rows})


def run_plan(inst: Instance, options: dict[str, Any], out: Path, counter: Counter, **_rest: Any) -> Outcome:
    counter.start(inst.horizon.years)
    seen: set[int] = set()

    def on_year(year: int) -> None:
        if seen:
            counter.step()
        seen.add(year)

    hr = staffpool.plan(inst, options["rolling"], mode=mode_of(options), solver=options["solver"],
                        time_limit=options.get("time_limit"), workers=_workers(options),
                        max_columns=options["max_columns"], compare_rolling=options["compare_rolling"], on_year=on_year)
    if not hr.complete:
        return Outcome("failed", result=hr.summary, error={"message": _("no plan for every year"), "reasons": list(hr.reasons)})
    hr.write(out)
    if options.get("xlsx"):
        from staffpool.outputs.xlsx import horizon_sheets, write_workbook

        write_workbook(out / "plan.xlsx", horizon_sheets(hr))
    counter.done = (counter.total or 1) - 1
    counter.step()
    return Outcome("done", result=hr.summary, levels=hr.summary.get("totals"))


def run_explain(inst: Instance, options: dict[str, Any], out: Path, counter: Counter, **_rest: Any) -> Outcome:
    counter.start(1)
    exp = staffpool.explain(inst, mode_of(options), solver=options["solver"], time_limit=options.get("time_limit"),
                            workers=_workers(options))
    exp.write(out)
    counter.step()
    return Outcome("done", result=exp.summary)


def run_rotate(inst: Instance, options: dict[str, Any], out: Path, counter: Counter, *, allocation: Path | None,
               **_rest: Any) -> Outcome:
    counter.start(0 if allocation is not None else len(inst.communities))
    result = staffpool.rotate(inst, allocation, mode=mode_of(options), solver=options["solver"],
                              workers=_workers(options), **counter.callbacks())
    if result.status != staffpool.Status.optimal:
        return Outcome("failed", result=result.summary, error={
            "message": _("rotation infeasible: some due attendings cannot be placed"), "reasons": list(result.reasons)})
    result.write(out)
    if options.get("xlsx"):
        from staffpool.outputs.xlsx import rotation_sheets, write_workbook

        write_workbook(out / "rotation.xlsx", rotation_sheets(result.table.to_dict(orient="records"),
                                                              result.hosts.to_dict(orient="records"), inst))
    return Outcome("done", result=result.summary)


COMMANDS: dict[str, Callable[..., Outcome]] = {
    "solve": run_solve, "compare": run_compare, "sweep": run_sweep, "plan": run_plan, "explain": run_explain,
    "rotate": run_rotate,
}
