"""Rich rendering: tables for the terminal. Takes computed results, computes nothing.

Text from the input (ids, names, specialties, messages naming them) is escaped (`u`), so
a name like `[bold]x[/]` prints as written, never as rich markup. Tables that could be
wider than the terminal drop their least useful columns first (`fit`), so an id or a
destination is never cut with "…".
"""

from __future__ import annotations

from collections import Counter
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from staffpool.domain.instance import Funding, Instance, Level, StaffStatus, Tier, level_value
from staffpool.errors import Problem
from staffpool.i18n import _, language, ngettext, pgettext
from staffpool.inputs import labels
from staffpool.inputs.aliases import COLUMN_ALIASES, TABLE_ALIASES

if TYPE_CHECKING:  # types of what is rendered; importing them would load the solving path
    from staffpool.check import CheckReport
    from staffpool.outputs.results import Result
    from staffpool.tools.explain import Explanation
    from staffpool.tools.rotation import RotationResult


MAX_PROBLEMS = 50
LEVEL_LABELS = {Level.shortfall: "weighted shortfall"}


def u(x: Any) -> str:
    """User text, escaped for rich markup."""
    return escape("" if x is None else str(x))


def num(v: Any, places: int | None = None, sign: str = "") -> str:
    """A number as a table shows it, with thousands separators (`1,250,000`): whole numbers
    whole, `places` decimals when given (a distance: 3), else as few as it needs; `sign="+"`
    shows the sign of a change; anything not a number (`–`) as it is."""
    if isinstance(v, bool) or not isinstance(v, Real):
        return str(v)
    if isinstance(v, Integral):
        return f"{int(v):{sign},d}"
    if places is not None:
        return f"{float(v):{sign},.{places}f}"
    if float(v).is_integer():
        return f"{float(v):{sign},.0f}"
    return f"{float(v):{sign},.6f}".rstrip("0").rstrip(".")


def level_num(level: Level | str, v: Any, sign: str = "") -> str:
    """A level's value: km to the metre, yuan to the fen when not whole, counts whole."""
    if Level(level) == Level.distance:
        return num(v, 3, sign)
    if Level(level) == Level.treasury_cost and isinstance(v, Real) and not float(v).is_integer():
        return num(v, 2, sign)
    return num(v, sign=sign)


def level_label(level: Level | str) -> str:
    """A level as people read it: in English its name (the shortfall said to be weighted),
    in Chinese its Chinese name."""
    code = Level(level).value
    label = labels.value("level", code)
    return LEVEL_LABELS.get(Level(level), code) if label == code else label


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
    widths = _widths(table)  # per column: dropping one leaves the others' as they are
    for name in drop:
        if sum(least for least, _ in widths) + _frame(table) <= width:
            break
        idx = [str(c.header) for c in table.columns].index(name)
        del table.columns[idx], widths[idx]
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


def problems_table(problems: list[Problem], title: str | None = None) -> Table:
    title = _("Input problems") if title is None else title
    t = Table(title=f"{title}: {len(problems)}", title_justify="left", show_lines=False)
    for col in (_("file"), _("row"), _("column"), _("value"), _("problem")):
        t.add_column(col, overflow="fold")
    for p in problems[:MAX_PROBLEMS]:
        t.add_row(u(p.file), "" if p.row is None else str(p.row), u(column_for_people(p)), u(p.value), u(p.message))
    if len(problems) > MAX_PROBLEMS:
        t.caption = _("… and {n} more problems").format(n=len(problems) - MAX_PROBLEMS)
    return t


def _table_of(label: str) -> str | None:
    """The table a problem's file label names: `staff.csv`, `i.xlsx: 人员`, `i.json: staff`."""

    part = label.rsplit(": ", 1)[-1].strip()
    stem = part.removesuffix(".csv")
    return next((t for t, names in TABLE_ALIASES.items() if stem == t or stem in names), None)


def column_for_people(p: Problem) -> str:
    """In Chinese, a column also by its Chinese header: `职称 (title)`; the code alone when its
    table is unknown and the code has several Chinese names (id, name)."""
    if language() != "zh" or not p.column:
        return p.column

    table = _table_of(p.file)
    names = COLUMN_ALIASES.get(table, {}).get(p.column) if table else None
    if names is None:
        every = {a[0] for cols in COLUMN_ALIASES.values() for c, a in cols.items() if c == p.column and a}
        names = tuple(every) if len(every) == 1 else None
    return f"{names[0]} ({p.column})" if names else p.column


def render_problems(console: Console, problems: list[Problem]) -> None:
    console.print(problems_table(problems))
    console.print("[bold red]" + _("Nothing was written.") + "[/] " + _("Fix the input and run again (exit status 2)."))


def error_line(console: Console, label: str, message: str, reasons: list[str] | None = None) -> None:
    """One error for the terminal: a red label, then the message (user text, escaped)."""
    console.print(f"[red]{label}[/] {u(message)}" if label else f"[red]{u(message)}[/]")
    for r in reasons or []:
        console.print(f"  {u(r)}")


def rotation_table(result: RotationResult, instance: Instance | None = None) -> Table:
    """Per host and window: rotators, senior gap, covered; the host's name beside its id; the
    longest trip beneath."""
    t = Table(title=_("Rotation: {n} attendings, {slots} senior slots covered, {km} km").format(
        n=num(len(result.table)), slots=num(result.covered_slots), km=num(result.distance_km, 3)), title_justify="left",
        caption=_("longest trip {km} km (each community's longest, added up)").format(km=num(result.longest_trip_km, 3)),
        caption_justify="left")
    names = {i.id: i.name for i in instance.institutions} if instance is not None else None
    heads = [("host", _("host")), *([("name", labels.column("name", "institutions"))] if names is not None else []),
             ("window", _("window")), ("rotators", _("rotators")), ("senior_gap", _("senior gap")), ("covered", _("covered"))]
    for col, head in heads:
        t.add_column(head, justify="left" if col in ("host", "name") else "right", no_wrap=col != "name")
    for r in result.hosts.itertuples():
        name = [u(names.get(str(r.host), ""))] if names is not None else []
        t.add_row(u(r.host), *name, num(r.window), num(r.rotators), num(r.senior_gap), num(r.covered))
    return t


def coverage_table(result: RotationResult) -> Table | None:
    """Per host, senior row (specialty/min_title) and window where someone rotates: the gap and
    how many fill it; None when no host has a senior gap."""
    if result.coverage is None or not len(result.coverage):
        return None
    t = Table(title=_("Coverage by host and specialty"), title_justify="left")
    for head in (_("host"), pgettext("column", "senior row"), _("window"), pgettext("column", "gap"),
                 pgettext("column", "filled")):
        t.add_column(head, justify="left" if head in (_("host"), pgettext("column", "senior row")) else "right")
    for r in result.coverage.itertuples():
        specialty, title = str(r.row).rsplit("/", 1)
        t.add_row(u(r.host), u(f"{labels.value('specialty', specialty)}/{labels.value('title', title)}"),
                  num(r.window), num(r.gap), num(r.filled))
    return t


def demand_table(table: Any, width: int | None = None) -> Table:
    t = Table(title=_("WISN: {n} cadres").format(n=len(table)), title_justify="left")
    h = {"institution": labels.column("institution"), "specialty": labels.column("specialty"),
         "min_title": labels.column("min_title"), "awt_hours": _("AWT hours"), "required": _("required"),
         "need": labels.column("need"), "current": _("current"), "wisn_ratio": _("WISN ratio"), "shortage": _("shortage")}
    for col, head in h.items():
        t.add_column(head, justify="left" if col in ("institution", "specialty", "min_title") else "right",
                     no_wrap=True, overflow="fold")
    for rec in table.to_dict(orient="records"):
        ratio = rec["wisn_ratio"]
        t.add_row(u(rec["institution"]), u(labels.value("specialty", rec["specialty"])), labels.value("title", rec["min_title"]),
                  num(float(rec["awt_hours"])), num(float(rec["required"]), 2), num(rec["need"]), num(rec["current"]),
                  "" if ratio is None or ratio != ratio else num(float(ratio), 2), num(rec["shortage"]))
    return fit(t, width, [h[c] for c in ("awt_hours", "required", "current", "min_title", "wisn_ratio")])


def compare_table(name: str, objective: tuple[Level, ...], rows: list[dict[str, Any]]) -> Table:
    t = Table(title=_("{instance}: reform stages compared").format(instance=u(name)), title_justify="left")
    t.add_column("")
    for row in rows:
        t.add_column(labels.value("mode", str(row["mode"])), justify="right")
    def treasury_row() -> None:
        t.add_row(_("treasury_added (yuan/year)"),
                  *["–" if row.get("treasury_added") is None else num(row["treasury_added"]) for row in rows])

    for lvl in objective:
        t.add_row(level_label(lvl), *[level_num(lvl, row["objective"].get(lvl.value, "–")) for row in rows])
        if lvl == Level.shortfall:
            treasury_row()  # beside the shortfall it buys
    if Level.shortfall not in objective:
        treasury_row()
    for key, label in (("hires", _("people hired")), ("regularised", _("people regularised"))):
        t.add_row(label, *[num(row["counts"][key]) for row in rows])
    if any(row.get("preferences", {}).get("people") for row in rows):  # wishes: only when someone has some
        for key in ("first_choice", "listed", "unlisted"):
            t.add_row(labels.value("wishes", key), *[num(row["preferences"][key]) for row in rows])
    for tier in ("county", "township", "village"):
        t.add_row(_("staff at {tier}").format(tier=labels.value("tier", tier)),
                  *[num(row["staff_by_tier"].get(tier, "–")) for row in rows])
    t.add_row(pgettext("solve", "status"), *[labels.value("solve_status", str(row["status"])) for row in rows])
    return t


def render_warnings(console: Console, warnings: list[Problem]) -> None:
    """One line each, before any output: what the load ignored (`--strict` refuses it)."""
    for w in warnings:
        console.print("[yellow]" + _("warning:") + "[/] " + escape(str(w)), highlight=False, soft_wrap=True)


def instance_overview(instance: Instance, vacancies: dict[tuple[str, str], int]) -> list[Table]:
    tiers = [t.value for t in Tier]
    by_tier = Counter(i.tier.value for i in instance.institutions)
    posted_tier: Counter[str] = Counter()
    inst = instance.institution_by_id
    for s in instance.staff:
        if s.posted_at:
            posted_tier[inst[s.posted_at].tier.value] += 1
    status = Counter(s.status.value for s in instance.staff)
    n_comm = len(instance.communities)
    t1 = Table(title=ngettext("{instance}: {n} community, mode {mode}", "{instance}: {n} communities, mode {mode}", n_comm)
               .format(instance=u(instance.name), n=n_comm, mode=labels.value("mode", instance.policy.mode.value)),
               title_justify="left")
    t1.add_column("")
    for tier in tiers:
        t1.add_column(labels.value("tier", tier), justify="right")
    t1.add_column(_("total"), justify="right")
    t1.add_row(_("institutions"), *[num(by_tier[t]) for t in tiers], num(len(instance.institutions)))
    t1.add_row(_("staff posted"), *[num(posted_tier[t]) for t in tiers], num(sum(posted_tier.values())))
    pop: Counter[str] = Counter()
    for i in instance.institutions:
        pop[i.tier.value] += i.service_population
    t1.add_row(_("people served"), *[num(pop[t]) for t in tiers], num(sum(pop.values())))
    t2 = Table(title=_("Staff by status"), title_justify="left")
    for col in ("on_staff", "contract", "candidate"):
        t2.add_column(labels.value("status", col), justify="right")
    t2.add_row(*[num(status[c]) for c in ("on_staff", "contract", "candidate")])
    t3 = Table(title=_("Posts and vacancies per pool"), title_justify="left")
    for col, head in (("pool", _("pool")), ("approved", _("approved")), ("held", _("held")), ("vacancies", _("vacancies"))):
        t3.add_column(head, justify="right" if col != "pool" else "left")
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
            t3.add_row(u(f"{a},{labels.value('funding', b)}"), num(approved_by[(a, b)]), num(held_by[(a, b)]), num(vac))
            shown += 1
    if len(vacancies) > shown:
        t3.caption = _("{n} more pools not shown").format(n=len(vacancies) - shown)
    return [t1, t2, t3]


def levels_table(result: Result) -> Table:

    t = Table(title=f"{u(result.instance.name)} · {labels.value('mode', result.mode.value)} · {u(result.solver)} · "
                    f"{labels.value('solve_status', result.status.value)}", title_justify="left")
    t.add_column(labels.column("level"))
    t.add_column(labels.column("value"), justify="right")
    units = {Level.distance: _("km"), Level.hiring_cost: _("yuan/year"), Level.treasury_cost: _("yuan/year")}
    for lvl, v in result.levels.items():
        val = level_value(lvl, v)
        shown = f"{val:,}" if isinstance(val, int) else f"{val:,.2f}" if lvl == Level.treasury_cost else f"{val:,.3f}"
        t.add_row(level_label(lvl), f"{shown} {units.get(lvl, '')}".strip())
    return t


def tiers_table(result: Result) -> Table:
    rows = result.rows("institutions")
    t = Table(title=_("Staff by tier, before → after (the inverted triangle)"), title_justify="left")
    for col, head in (("tier", labels.column("tier")), ("before", _("before")), ("after", _("after")),
                      ("change", pgettext("difference", "change")), ("need", labels.column("need")),
                      ("short", labels.column("short"))):
        t.add_column(head, justify="left" if col == "tier" else "right")
    for tier in (Tier.county, Tier.township, Tier.village):
        part = [r for r in rows if r["tier"] == tier.value]
        b, a = sum(r["staff_before"] for r in part), sum(r["staff_after"] for r in part)
        t.add_row(labels.value("tier", tier.value), num(b), num(a), num(a - b, sign="+"), num(sum(r["need"] for r in part)),
                  num(sum(r["short"] for r in part)))
    return t


def shortfalls_table(result: Result, top: int = 10, width: int | None = None) -> Table:
    short = [r for r in result.rows("requirements") if r["short"] > 0]
    short.sort(key=lambda r: (-r["short"] * r["weight"], r["institution"]))
    names = {i.id: i.name for i in result.instance.institutions}
    t = Table(title=_("Worst remaining shortfalls (top {n}, by weighted shortfall)").format(n=top), title_justify="left")
    h = {c: labels.column(c, "institutions" if c == "name" else "") for c in
         ("institution", "name", "specialty", "min_title", "need", "covered", "short", "weight")}
    for col, head in h.items():
        t.add_column(head, justify="right" if col in ("need", "covered", "short", "weight") else "left",
                     overflow="fold", no_wrap=col != "name")
    for r in short[:top]:
        t.add_row(u(r["institution"]), u(names.get(r["institution"], "")), u(labels.value("specialty", r["specialty"])),
                  labels.value("title", r["min_title"]), num(r["need"]), num(r["covered"]), num(r["short"]), num(r["weight"]))
    if not short:
        t.caption = _("every requirement row is covered")
    return fit(t, width, [h[c] for c in ("covered", "weight", "min_title", "name")])


def changes_table(result: Result, top: int = 25, width: int | None = None) -> Table:
    changed = [r for r in result.rows("assignments") if r["change"] in ("move", "hire", "regularise", "regularise_move")]
    counts: dict[str, int] = {}
    for r in changed:
        counts[r["change"]] = counts.get(r["change"], 0) + 1
    t = Table(
        title=_("Changes: {counts}").format(counts=", ".join(f"{labels.value('change', k)} {num(v)}" for k, v in sorted(counts.items())))
        if counts else _("Changes: none"),
        title_justify="left",
    )
    h = {"staff": labels.column("staff_id"), "name": labels.column("name", "assignments"), "change": labels.column("change"),
         "title": labels.column("title"), "specialty": labels.column("specialty"), "from": labels.column("from_institution"),
         "to": labels.column("to_institution"), "km": _("km"), "post": _("post")}
    for col, head in h.items():
        t.add_column(head, justify="right" if col == "km" else "left", no_wrap=col != "name", overflow="fold")
    for r in changed[:top]:
        km = num(r["distance_km"], 3) if r["moved"] and r["distance_km"] is not None else ""
        post = f"{labels.cell('post_funding', r['post_funding']) or ''} {labels.cell('post_source', r['post_source']) or ''}"
        t.add_row(u(r["staff_id"]), u(r["name"]), labels.value("change", r["change"]), labels.value("title", r["title"]),
                  u(labels.value("specialty", r["specialty"])), u(r["from_institution"]), u(r["to_institution"]), km, post.strip())
    if len(changed) > top:
        t.caption = _("… {n} more in assignments.csv").format(n=num(len(changed) - top))
    return fit(t, width, [h[c] for c in ("post", "title", "specialty", "km", "name")])


def _yuan(v: float, sign: str = "") -> str:
    v = round(v, 2)
    return f"{v:{sign},.0f}" if float(v).is_integer() else f"{v:{sign},.2f}"


def payroll_table(result: Result) -> Table:
    """Who pays the salaries, before → after: the treasury and the institutions, by tier."""
    p = result.payroll["total"]
    t = Table(title=_("Payroll, yuan a year: who pays, before → after"), title_justify="left")
    tiers = [tier for tier in ("county", "township", "village") if tier in p["by_tier"]]
    t.add_column("")
    for col in tiers:
        t.add_column(labels.value("tier", col), justify="right")
    t.add_column(_("total"), justify="right")
    cols = [p["by_tier"][tier] for tier in tiers] + [p]
    words = {"treasury": (_("treasury before"), _("treasury after"), _("treasury added")),
             "institutions": (_("institutions before"), _("institutions after"), _("institutions added"))}
    for who in ("treasury", "institutions"):
        before, after, added = words[who]
        t.add_row(before, *[_yuan(c[f"{who}_before"]) for c in cols])
        t.add_row(after, *[_yuan(c[f"{who}_after"]) for c in cols])
        t.add_row(added, *[_yuan(c[f"{who}_after"] - c[f"{who}_before"], "+") for c in cols],
                  end_section=True)
    budgets = [c.treasury_budget for c in result.instance.communities]
    notes = []
    if any(b is not None for b in budgets):
        notes.append(_("treasury_budget {yuan}").format(yuan=_yuan(sum(b or 0 for b in budgets))))
    if p["salary_fund"]:
        covers = p["salary_fund_covers"]
        notes.append(_("salary fund {yuan}").format(yuan=_yuan(p["salary_fund"]))
                     + (_(", covers {share} of the institutions' added payroll").format(share=f"{covers:.0%}")
                        if covers is not None else ""))
    if notes:
        t.caption = "; ".join(notes)
    return t


def wishes_table(counts: dict[str, int]) -> Table:
    """summary.json `preferences`: people with wishes and, of those posted, where."""
    t = Table(title=_("Wishes (preferences.csv): where the people who gave some are posted"), title_justify="left")
    t.add_column("")
    t.add_column(_("people"), justify="right")
    for key in ("people", "first_choice", "listed", "unlisted"):
        t.add_row(labels.value("wishes", key), num(counts[key]))
    return t


def solve_tables(result: Result, width: int | None = None) -> list[Any]:
    wishes = result.summary["preferences"]
    return [levels_table(result), *([wishes_table(wishes)] if wishes["people"] else []), tiers_table(result),
            payroll_table(result), shortfalls_table(result, width=width), changes_table(result, width=width)]


def check_tables(report: CheckReport, objective: tuple[Level, ...], names: dict[str, str] | None = None) -> list[Table]:
    """The levels recomputed from a plan and its violations (`names`: id -> name, shown
    beside the ids)."""
    t = Table(title=_("Levels recomputed from the plan"), title_justify="left")
    t.add_column(labels.column("level"))
    t.add_column(labels.column("value"), justify="right")
    for lvl in objective:
        t.add_row(level_label(lvl), level_num(lvl, level_value(lvl, report.levels[lvl])))
    out = [t]
    if report.violations:
        v = Table(title=_("Violations: {n}").format(n=len(report.violations)), title_justify="left")
        for col in (_("rule"), _("subject"), _("what")):
            v.add_column(col, overflow="fold")
        for x in report.violations[:200]:
            v.add_row(labels.value("rule", x.rule), u(_where(x.rule, x.subject, names)), u(x.message))
        out.append(v)
    return out


def _where(rule: str, where: str, names: dict[str, str] | None = None) -> str:
    """Where a rule gives way, in words: a vacancy pool as "C000 differential posts", a
    post-use switch by its name; ids (institutions, communities, staff, several joined by
    commas) with their names beside them when `names` (id -> name) has them."""
    if rule == "vacancy":
        return labels.pool(where, names)
    if rule == "post_use" and (switch := labels.value("post_use", where)) != where:
        return switch  # explain's: the switch; check's subject is a person
    if not names:
        return where
    return labels.joined([labels.named(w, names.get(w)) for w in where.split(",")])


def explanation_tables(exp: Explanation, width: int | None = None, names: dict[str, str] | None = None) -> list[Table]:
    """Infeasible: the rules to relax per community (and alternatives); feasible: the limits
    relaxed by one unit and what changed. `names` (id -> name): shown beside the ids."""
    tables: list[Table] = []
    if not exp.feasible:
        for cid, rels in exp.relaxations.items():
            t = Table(title=ngettext("{community} is infeasible: relax this rule", "{community} is infeasible: relax these {n} rules",
                                     len(rels)).format(community=u(labels.named(cid, (names or {}).get(cid))), n=len(rels)), title_justify="left")
            t.add_column(_("rule"), no_wrap=True)
            t.add_column(_("where"), no_wrap=True)
            t.add_column(_("what must change"))
            for r in rels:
                t.add_row(labels.value("rule", r.rule), u(_where(r.rule, r.where, names)), u(r.message))
            for n, alt in enumerate(exp.alternatives.get(cid, []), start=1):
                for r in alt:
                    t.add_row(_("or ({n}) {rule}").format(n=n, rule=labels.value("rule", r.rule)), u(_where(r.rule, r.where, names)),
                              u(r.message))
            tables.append(t)
        return tables
    t = Table(title=_("{instance} ({mode}): what one more unit of each limit buys").format(
        instance=u(exp.instance), mode=labels.value("mode", exp.mode.value)), title_justify="left")
    h = {"rule": _("rule"), "where": _("where"), "step": _("step"), "used up now": _("used up now"),
         "levels change": _("levels change")}
    for col, head in h.items():
        t.add_column(head, no_wrap=col in ("rule", "where"))
    for m in sorted(exp.marginals, key=lambda m: (not m.change, m.rule, m.where)):
        change = (labels.joined([f"{level_label(k)} {level_num(k, v, '+')} {labels.unit(k)}".strip()
                                 for k, v in m.change.items()], clauses=True) if m.after is not None else _("no plan"))
        t.add_row(labels.value("rule", m.rule), u(_where(m.rule, m.where, names)), u(m.step), _("yes") if m.binds else _("no"), u(change or _("none")))
    tables.append(fit(t, width, [h["used up now"], h["step"]]))
    return tables


def horizon_table(summary: dict[str, Any], levels: list[str]) -> Table:
    """A plan over years: one row per year (levels, staff by tier), the totals, and the
    rolling plan's totals beside an integrated plan's."""
    kind = pgettext("plan", "integrated") if summary["kind"] == "integrated" else pgettext("plan", "rolling")
    t = Table(title=_("{instance}: {kind} plan, {status}").format(
        instance=escape(summary["instance"]), kind=kind, status=labels.value("solve_status", summary["status"])),
        title_justify="left")
    t.add_column(pgettext("column", "year"), no_wrap=True)
    for lvl in levels:
        t.add_column(labels.value("level", lvl), justify="right", overflow="fold")
    tiers = ("county", "township", "village")
    t.add_column(_("staff c/t/v"), justify="right")
    for year, y in summary["years"].items():
        staff = "/".join(num(y["by_tier"].get(tier, {}).get("staff", 0)) for tier in tiers)
        t.add_row(year, *[level_num(lvl, y["objective"].get(lvl, "–")) for lvl in levels], staff)
    t.add_row(_("total"), *[level_num(lvl, summary["totals"].get(lvl, "–")) for lvl in levels], "")
    if "rolling_totals" in summary:
        t.add_row(pgettext("plan", "rolling"), *[level_num(lvl, summary["rolling_totals"].get(lvl, "–")) for lvl in levels], "")
    return t
