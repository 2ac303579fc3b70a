"""Rich rendering: tables for the terminal. Takes computed results, computes nothing.

Text from the input (ids, names, specialties, messages naming them) is escaped (`u`), so
a name like `[bold]x[/]` prints as written, never as rich markup. Tables that could be
wider than the terminal drop their least useful columns first (`fit`), so an id or a
destination is never cut with "…".
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .domain import Funding, Instance, Level, StaffStatus, Tier
from .errors import Problem

if TYPE_CHECKING:
    from .check import CheckReport
    from .explain import Explanation
    from .solve import Result

MAX_PROBLEMS = 50
LEVEL_LABELS = {Level.shortfall: "weighted shortfall"}


def u(x: Any) -> str:
    """User text, escaped for rich markup."""
    return escape("" if x is None else str(x))


def level_label(level: Level | str) -> str:
    return LEVEL_LABELS.get(Level(level), str(level))


def _widths(table: Table) -> list[tuple[int, int]]:
    """Per column (least, natural) content width: a no_wrap column needs its widest cell, a
    wrapping one its longest word."""
    out = []
    for col in table.columns:
        texts = [Text.from_markup(c) if isinstance(c, str) else Text(str(c)) for c in [col.header, *col.cells]]
        natural = max(cell_len(line) for t in texts for line in t.plain.splitlines() or [""])
        least = natural if col.no_wrap else max((cell_len(w) for t in texts for w in t.plain.split()), default=1)
        out.append((least, natural))
    return out


def _frame(table: Table) -> int:
    return 3 * len(table.columns) + 1  # a space each side of a cell, and the borders


def fit(table: Table, width: int | None, drop: list[str]) -> Table:
    """Make the table fit `width` terminal columns without cutting a cell: remove the
    columns named in `drop` (least useful first) while the least widths do not fit, then
    share the room left among the wrapping columns (rich's own shrinking can cut a word)."""
    if width is None:
        return table
    for name in drop:
        if sum(least for least, _ in _widths(table)) + _frame(table) <= width:
            break
        idx = [str(c.header) for c in table.columns].index(name)
        del table.columns[idx]
    widths = _widths(table)
    room = width - _frame(table)
    if sum(natural for _, natural in widths) <= room or sum(least for least, _ in widths) > room:
        return table
    spare = room - sum(least for least, _ in widths)
    wants = [natural - least for least, natural in widths]
    total = sum(wants)
    for col, (least, _natural), want in zip(table.columns, widths, wants, strict=True):
        if not col.no_wrap:
            col.width = least + (spare * want // total if total else 0)
    return table


def problems_table(problems: list[Problem], title: str = "Input problems") -> Table:
    t = Table(title=f"{title}: {len(problems)}", title_justify="left", show_lines=False)
    for col in ("file", "row", "column", "value", "problem"):
        t.add_column(col, overflow="fold")
    for p in problems[:MAX_PROBLEMS]:
        t.add_row(u(p.file), "" if p.row is None else str(p.row), u(p.column), u(p.value), u(p.message))
    if len(problems) > MAX_PROBLEMS:
        t.caption = f"… and {len(problems) - MAX_PROBLEMS} more problems"
    return t


def render_problems(console: Console, problems: list[Problem]) -> None:
    console.print(problems_table(problems))
    console.print("[bold red]Nothing was written.[/] Fix the input and run again (exit status 2).")


def error_line(console: Console, label: str, message: str, reasons: list[str] | None = None) -> None:
    """One error for the terminal: a red label, then the message (user text, escaped)."""
    console.print(f"[red]{label}[/] {u(message)}" if label else f"[red]{u(message)}[/]")
    for r in reasons or []:
        console.print(f"  {u(r)}")


def rotation_table(result: Any) -> Table:
    t = Table(title=f"Rotation: {len(result.table)} attendings, {result.covered_slots} senior slots covered, "
                    f"{result.distance_km:.3f} km", title_justify="left")
    for col in ("host", "window", "rotators", "senior_gap", "covered"):
        t.add_column(col, justify="left" if col == "host" else "right", no_wrap=col == "host")
    for r in result.hosts.itertuples():
        t.add_row(u(r.host), str(r.window), str(r.rotators), str(r.senior_gap), str(r.covered))
    return t


def demand_table(table: Any, width: int | None = None) -> Table:
    t = Table(title=f"WISN: {len(table)} cadres", title_justify="left")
    for col in ("institution", "specialty", "min_title", "awt_hours", "required", "need", "current", "wisn_ratio", "shortage"):
        t.add_column(col, justify="left" if col in ("institution", "specialty", "min_title") else "right",
                     no_wrap=True, overflow="fold")
    for rec in table.to_dict(orient="records"):
        ratio = rec["wisn_ratio"]
        t.add_row(u(rec["institution"]), u(rec["specialty"]), str(rec["min_title"]), f"{float(rec['awt_hours']):g}",
                  f"{float(rec['required']):.2f}", str(rec["need"]), str(rec["current"]),
                  "" if ratio is None or ratio != ratio else f"{float(ratio):.2f}", str(rec["shortage"]))
    return fit(t, width, ["awt_hours", "required", "current", "min_title", "wisn_ratio"])


def compare_table(name: str, objective: tuple[Level, ...], rows: list[dict[str, Any]]) -> Table:
    t = Table(title=f"{u(name)}: reform stages compared", title_justify="left")
    t.add_column("")
    for row in rows:
        t.add_column(str(row["mode"]), justify="right")
    def treasury_row() -> None:
        t.add_row("treasury_added (yuan/year)",
                  *["–" if row.get("treasury_added") is None else f"{row['treasury_added']:,}" for row in rows])

    for lvl in objective:
        t.add_row(level_label(lvl), *[str(row["objective"].get(lvl.value, "–")) for row in rows])
        if lvl == Level.shortfall:
            treasury_row()  # beside the shortfall it buys
    if Level.shortfall not in objective:
        treasury_row()
    for key, label in (("hires", "people hired"), ("regularised", "people regularised")):
        t.add_row(label, *[str(row["counts"][key]) for row in rows])
    for tier in ("county", "township", "village"):
        t.add_row(f"staff at {tier}", *[str(row["staff_by_tier"].get(tier, "–")) for row in rows])
    t.add_row("status", *[str(row["status"]) for row in rows])
    return t


def render_warnings(console: Console, warnings: list[Problem]) -> None:
    """One line each, before any output: what the load ignored (`--strict` refuses it)."""
    for w in warnings:
        console.print("[yellow]warning:[/] " + escape(str(w)), highlight=False, soft_wrap=True)


def instance_overview(instance: Instance, vacancies: dict[tuple[str, str], int]) -> list[Table]:
    tiers = [t.value for t in Tier]
    by_tier = Counter(i.tier.value for i in instance.institutions)
    posted_tier: Counter[str] = Counter()
    inst = instance.institution_by_id
    for s in instance.staff:
        if s.posted_at:
            posted_tier[inst[s.posted_at].tier.value] += 1
    status = Counter(s.status.value for s in instance.staff)
    t1 = Table(title=f"{u(instance.name)}: {len(instance.communities)} communities, mode {instance.policy.mode.value}", title_justify="left")
    t1.add_column("")
    for tier in tiers:
        t1.add_column(tier, justify="right")
    t1.add_column("total", justify="right")
    t1.add_row("institutions", *[str(by_tier[t]) for t in tiers], str(len(instance.institutions)))
    t1.add_row("staff posted", *[str(posted_tier[t]) for t in tiers], str(sum(posted_tier.values())))
    pop: Counter[str] = Counter()
    for i in instance.institutions:
        pop[i.tier.value] += i.service_population
    t1.add_row("people served", *[f"{pop[t]:,}" for t in tiers], f"{sum(pop.values()):,}")
    t2 = Table(title="Staff by status", title_justify="left")
    for col in ("on_staff", "contract", "candidate"):
        t2.add_column(col, justify="right")
    t2.add_row(*[str(status[c]) for c in ("on_staff", "contract", "candidate")])
    t3 = Table(title="Posts and vacancies per pool", title_justify="left")
    for col in ("pool", "approved", "held", "vacancies"):
        t3.add_column(col, justify="right" if col != "pool" else "left")
    approved_by: Counter[tuple[str, str]] = Counter()
    for i in instance.institutions:
        approved_by[(i.community, i.funding.value)] += i.approved_posts
    held_by = Counter((s.community, s.post_funding.value) for s in instance.staff
                      if s.status == StaffStatus.on_staff and s.post_funding is not None)
    shown = 0
    for (a, b), vac in sorted(vacancies.items()):
        if shown >= 30:
            break
        if b in (Funding.full.value, Funding.differential.value):
            t3.add_row(u(f"{a},{b}"), str(approved_by[(a, b)]), str(held_by[(a, b)]), str(vac))
            shown += 1
    if len(vacancies) > shown:
        t3.caption = f"{len(vacancies) - shown} more pools not shown"
    return [t1, t2, t3]


def levels_table(result: Result) -> Table:
    from .results import level_value

    t = Table(title=f"{u(result.instance.name)} · {result.mode.value} · {u(result.solver)} · {result.status.value}", title_justify="left")
    t.add_column("level")
    t.add_column("value", justify="right")
    units = {Level.distance: "km", Level.hiring_cost: "yuan/year", Level.treasury_cost: "yuan/year"}
    for lvl, v in result.levels.items():
        val = level_value(lvl, v)
        shown = f"{val:,}" if isinstance(val, int) else f"{val:,.2f}" if lvl == Level.treasury_cost else f"{val:,.3f}"
        t.add_row(level_label(lvl), f"{shown} {units.get(lvl, '')}".strip())
    return t


def tiers_table(result: Result) -> Table:
    rows = result.rows("institutions")
    t = Table(title="Staff by tier, before → after (the inverted triangle)", title_justify="left")
    for col in ("tier", "before", "after", "change", "need", "short"):
        t.add_column(col, justify="left" if col == "tier" else "right")
    for tier in (Tier.county, Tier.township, Tier.village):
        part = [r for r in rows if r["tier"] == tier.value]
        b, a = sum(r["staff_before"] for r in part), sum(r["staff_after"] for r in part)
        t.add_row(tier.value, str(b), str(a), f"{a - b:+d}", str(sum(r["need"] for r in part)),
                  str(sum(r["short"] for r in part)))
    return t


def shortfalls_table(result: Result, top: int = 10, width: int | None = None) -> Table:
    short = [r for r in result.rows("requirements") if r["short"] > 0]
    short.sort(key=lambda r: (-r["short"] * r["weight"], r["institution"]))
    names = {i.id: i.name for i in result.instance.institutions}
    t = Table(title=f"Worst remaining shortfalls (top {top}, by weighted shortfall)", title_justify="left")
    for col in ("institution", "name", "specialty", "min_title", "need", "covered", "short", "weight"):
        t.add_column(col, justify="right" if col in ("need", "covered", "short", "weight") else "left",
                     overflow="fold", no_wrap=col != "name")
    for r in short[:top]:
        t.add_row(u(r["institution"]), u(names.get(r["institution"], "")), u(r["specialty"]), r["min_title"],
                  str(r["need"]), str(r["covered"]), str(r["short"]), f"{r['weight']:g}")
    if not short:
        t.caption = "every requirement row is covered"
    return fit(t, width, ["covered", "weight", "min_title", "name"])


def changes_table(result: Result, top: int = 25, width: int | None = None) -> Table:
    changed = [r for r in result.rows("assignments") if r["change"] in ("move", "hire", "regularise", "regularise_move")]
    counts: dict[str, int] = {}
    for r in changed:
        counts[r["change"]] = counts.get(r["change"], 0) + 1
    t = Table(
        title="Changes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) if counts else "Changes: none",
        title_justify="left",
    )
    for col in ("staff", "name", "change", "title", "specialty", "from", "to", "km", "post"):
        t.add_column(col, justify="right" if col == "km" else "left", no_wrap=col != "name", overflow="fold")
    for r in changed[:top]:
        km = f"{r['distance_km']:.3f}" if r["moved"] and r["distance_km"] is not None else ""
        t.add_row(u(r["staff_id"]), u(r["name"]), r["change"], r["title"], u(r["specialty"]), u(r["from_institution"]),
                  u(r["to_institution"]), km, f"{r['post_funding']} {r['post_source']}".strip())
    if len(changed) > top:
        t.caption = f"… {len(changed) - top} more in assignments.csv"
    return fit(t, width, ["post", "title", "specialty", "km", "name"])


def _yuan(v: float, sign: str = "") -> str:
    v = round(v, 2)
    return f"{v:{sign},.0f}" if float(v).is_integer() else f"{v:{sign},.2f}"


def payroll_table(result: Result) -> Table:
    """Who pays the salaries, before → after: the treasury and the institutions, by tier."""
    p = result.payroll["total"]
    t = Table(title="Payroll, yuan a year: who pays, before → after", title_justify="left")
    tiers = [tier for tier in ("county", "township", "village") if tier in p["by_tier"]]
    t.add_column("")
    for col in [*tiers, "total"]:
        t.add_column(col, justify="right")
    cols = [p["by_tier"][tier] for tier in tiers] + [p]
    for who in ("treasury", "institutions"):
        t.add_row(f"{who} before", *[_yuan(c[f"{who}_before"]) for c in cols])
        t.add_row(f"{who} after", *[_yuan(c[f"{who}_after"]) for c in cols])
        t.add_row(f"{who} added", *[_yuan(c[f"{who}_after"] - c[f"{who}_before"], "+") for c in cols],
                  end_section=True)
    budgets = [c.treasury_budget for c in result.instance.communities]
    notes = []
    if any(b is not None for b in budgets):
        notes.append(f"treasury_budget {_yuan(sum(b or 0 for b in budgets))}")
    if p["salary_fund"]:
        covers = p["salary_fund_covers"]
        notes.append(f"salary fund {_yuan(p['salary_fund'])}"
                     + (f", covers {covers:.0%} of the institutions' added payroll" if covers is not None else ""))
    if notes:
        t.caption = "; ".join(notes)
    return t


def solve_tables(result: Result, width: int | None = None) -> list[Any]:
    return [levels_table(result), tiers_table(result), payroll_table(result), shortfalls_table(result, width=width),
            changes_table(result, width=width)]


def check_tables(report: CheckReport, objective: tuple[Level, ...]) -> list[Table]:
    from .results import level_value

    t = Table(title="Levels recomputed from the plan", title_justify="left")
    t.add_column("level")
    t.add_column("value", justify="right")
    for lvl in objective:
        t.add_row(level_label(lvl), str(level_value(lvl, report.levels[lvl])))
    out = [t]
    if report.violations:
        v = Table(title=f"Violations: {len(report.violations)}", title_justify="left")
        for col in ("rule", "subject", "what"):
            v.add_column(col, overflow="fold")
        for x in report.violations[:200]:
            v.add_row(x.rule, u(x.subject), u(x.message))
        out.append(v)
    return out


def explanation_tables(exp: Explanation, width: int | None = None) -> list[Table]:
    """Infeasible: the rules to relax per community (and alternatives); feasible: the limits
    relaxed by one unit and what changed."""
    tables: list[Table] = []
    if not exp.feasible:
        for cid, rels in exp.relaxations.items():
            t = Table(title=f"{u(cid)} is infeasible: relax these {len(rels)} rule(s)", title_justify="left")
            t.add_column("rule", no_wrap=True)
            t.add_column("where", no_wrap=True)
            t.add_column("what must change")
            for r in rels:
                t.add_row(r.rule, u(r.where), u(r.message))
            for n, alt in enumerate(exp.alternatives.get(cid, []), start=1):
                for r in alt:
                    t.add_row(f"or ({n}) {r.rule}", u(r.where), u(r.message))
            tables.append(t)
        return tables
    t = Table(title=f"{u(exp.instance)} ({exp.mode.value}): what one more unit of each limit buys", title_justify="left")
    for col in ("rule", "where", "step", "used up now", "levels change"):
        t.add_column(col, no_wrap=col in ("rule", "where"))
    for m in sorted(exp.marginals, key=lambda m: (not m.change, m.rule, m.where)):
        change = ", ".join(f"{k} {v:+g}" for k, v in m.change.items()) if m.after is not None else "no plan"
        t.add_row(m.rule, u(m.where), u(m.step), "yes" if m.binds else "no", u(change or "none"))
    tables.append(fit(t, width, ["used up now", "step"]))
    return tables
