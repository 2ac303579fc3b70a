"""Rich rendering: tables for the terminal. Takes computed results, computes nothing."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from . import labels
from .domain import Funding, Instance, Level, Status, Tier
from .errors import Problem
from .i18n import _, ngettext, pgettext

if TYPE_CHECKING:
    from .check import CheckReport
    from .explain import Explanation
    from .solve import Result

MAX_PROBLEMS = 50


def problems_table(problems: list[Problem], title: str | None = None) -> Table:
    title = _("Input problems") if title is None else title
    t = Table(title=f"{title}: {len(problems)}", title_justify="left", show_lines=False)
    for col in (_("file"), _("row"), _("column"), _("value"), _("problem")):
        t.add_column(col, overflow="fold")
    for p in problems[:MAX_PROBLEMS]:
        t.add_row(p.file, "" if p.row is None else str(p.row), p.column, p.value, p.message)
    if len(problems) > MAX_PROBLEMS:
        t.caption = _("… and {n} more problems").format(n=len(problems) - MAX_PROBLEMS)
    return t


def render_problems(console: Console, problems: list[Problem]) -> None:
    console.print(problems_table(problems))
    console.print("[bold red]" + _("Nothing was written.") + "[/] " + _("Fix the input and run again (exit status 2)."))


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
               .format(instance=instance.name, n=n_comm, mode=labels.value("mode", instance.policy.mode.value)),
               title_justify="left")
    t1.add_column("")
    for tier in tiers:
        t1.add_column(labels.value("tier", tier), justify="right")
    t1.add_column(_("total"), justify="right")
    t1.add_row(_("institutions"), *[str(by_tier[t]) for t in tiers], str(len(instance.institutions)))
    t1.add_row(_("staff posted"), *[str(posted_tier[t]) for t in tiers], str(sum(posted_tier.values())))
    pop: Counter[str] = Counter()
    for i in instance.institutions:
        pop[i.tier.value] += i.service_population
    t1.add_row(_("people served"), *[f"{pop[t]:,}" for t in tiers], f"{sum(pop.values()):,}")
    t2 = Table(title=_("Staff by status"), title_justify="left")
    for col in ("on_staff", "contract", "candidate"):
        t2.add_column(labels.value("status", col), justify="right")
    t2.add_row(*[str(status[c]) for c in ("on_staff", "contract", "candidate")])
    t3 = Table(title=_("Posts and vacancies per pool"), title_justify="left")
    for col, head in (("pool", _("pool")), ("approved", _("approved")), ("held", _("held")), ("vacancies", _("vacancies"))):
        t3.add_column(head, justify="right" if col != "pool" else "left")
    approved_by: Counter[tuple[str, str]] = Counter()
    for i in instance.institutions:
        approved_by[(i.community, i.funding.value)] += i.approved_posts
    held_by = Counter((s.community, s.post_funding.value) for s in instance.staff
                      if s.status == Status.on_staff and s.post_funding is not None)
    shown = 0
    for (a, b), vac in sorted(vacancies.items()):
        if shown >= 30:
            break
        if b in (Funding.full.value, Funding.differential.value):
            t3.add_row(f"{a},{labels.value('funding', b)}", str(approved_by[(a, b)]), str(held_by[(a, b)]), str(vac))
            shown += 1
    if len(vacancies) > shown:
        t3.caption = _("{n} more pools not shown").format(n=len(vacancies) - shown)
    return [t1, t2, t3]


def levels_table(result: Result) -> Table:
    from .results import level_value

    t = Table(title=f"{result.instance.name} · {labels.value('mode', result.mode.value)} · {result.solver} · "
                    f"{labels.value('solve_status', result.status.value)}", title_justify="left")
    t.add_column(labels.column("level"))
    t.add_column(labels.column("value"), justify="right")
    units = {Level.distance: _("km"), Level.hiring_cost: _("yuan/year")}
    for lvl, v in result.objective.items():
        val = level_value(lvl, v)
        shown = f"{val:,}" if isinstance(val, int) else f"{val:,.3f}"
        t.add_row(labels.value("level", lvl.value), f"{shown} {units.get(lvl, '')}".strip())
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
        t.add_row(labels.value("tier", tier.value), str(b), str(a), f"{a - b:+d}", str(sum(r["need"] for r in part)),
                  str(sum(r["short"] for r in part)))
    return t


def shortfalls_table(result: Result, top: int = 10) -> Table:
    short = [r for r in result.rows("requirements") if r["short"] > 0]
    short.sort(key=lambda r: (-r["short"] * r["weight"], r["institution"]))
    names = {i.id: i.name for i in result.instance.institutions}
    t = Table(title=_("Worst remaining shortfalls (top {n})").format(n=top), title_justify="left")
    for col in ("institution", "specialty", "min_title", "need", "covered", "short", "weight"):
        t.add_column(labels.column(col), justify="right" if col in ("need", "covered", "short", "weight") else "left")
    for r in short[:top]:
        t.add_row(f"{r['institution']} {names.get(r['institution'], '')}".strip(), labels.value("specialty", r["specialty"]),
                  labels.value("title", r["min_title"]), str(r["need"]), str(r["covered"]), str(r["short"]), f"{r['weight']:g}")
    if not short:
        t.caption = _("every requirement row is covered")
    return t


def changes_table(result: Result, top: int = 25) -> Table:
    changed = [r for r in result.rows("assignments") if r["change"] in ("move", "hire", "regularise", "regularise_move")]
    counts: dict[str, int] = {}
    for r in changed:
        counts[r["change"]] = counts.get(r["change"], 0) + 1
    t = Table(
        title=_("Changes: {counts}").format(counts=", ".join(f"{labels.value('change', k)} {v}" for k, v in sorted(counts.items())))
        if counts else _("Changes: none"),
        title_justify="left",
    )
    for col, head in (("staff", labels.column("staff_id")), ("change", labels.column("change")),
                      ("title", labels.column("title")), ("specialty", labels.column("specialty")),
                      ("from", labels.column("from_institution")), ("to", labels.column("to_institution")),
                      ("km", _("km")), ("post", _("post"))):
        t.add_column(head, justify="right" if col == "km" else "left")
    for r in changed[:top]:
        km = f"{r['distance_km']:.3f}" if r["moved"] and r["distance_km"] is not None else ""
        post = f"{labels.cell('post_funding', r['post_funding']) or ''} {labels.cell('post_source', r['post_source']) or ''}"
        t.add_row(r["staff_id"], labels.value("change", r["change"]), labels.value("title", r["title"]),
                  labels.value("specialty", r["specialty"]), r["from_institution"], r["to_institution"], km, post.strip())
    if len(changed) > top:
        t.caption = _("… {n} more in assignments.csv").format(n=len(changed) - top)
    return t


def solve_tables(result: Result) -> list[Any]:
    return [levels_table(result), tiers_table(result), shortfalls_table(result), changes_table(result)]


def check_tables(report: CheckReport, objective: tuple[Level, ...]) -> list[Table]:
    from .results import level_value

    t = Table(title=_("Levels recomputed from the plan"), title_justify="left")
    t.add_column(labels.column("level"))
    t.add_column(labels.column("value"), justify="right")
    for lvl in objective:
        t.add_row(labels.value("level", lvl.value), str(level_value(lvl, report.levels[lvl])))
    out = [t]
    if report.violations:
        v = Table(title=_("Violations: {n}").format(n=len(report.violations)), title_justify="left")
        for col in (_("rule"), _("subject"), _("what")):
            v.add_column(col, overflow="fold")
        for x in report.violations[:200]:
            v.add_row(x.rule, x.subject, x.message)
        out.append(v)
    return out


def explanation_tables(exp: Explanation) -> list[Table]:
    """Infeasible: the rules to relax per community (and alternatives); feasible: the limits
    relaxed by one unit and what changed."""
    tables: list[Table] = []
    if not exp.feasible:
        for cid, rels in exp.relaxations.items():
            t = Table(title=ngettext("{community} is infeasible: relax this rule", "{community} is infeasible: relax these {n} rules",
                                     len(rels)).format(community=cid, n=len(rels)), title_justify="left")
            t.add_column(_("rule"))
            t.add_column(_("where"))
            t.add_column(_("what must change"))
            for r in rels:
                t.add_row(r.rule, r.where, r.message)
            for n, alt in enumerate(exp.alternatives.get(cid, []), start=1):
                for r in alt:
                    t.add_row(_("or ({n}) {rule}").format(n=n, rule=r.rule), r.where, r.message)
            tables.append(t)
        return tables
    t = Table(title=_("{instance} ({mode}): what one more unit of each limit buys").format(
        instance=exp.instance, mode=labels.value("mode", exp.mode.value)), title_justify="left")
    for col in (_("rule"), _("where"), _("step"), _("used up now"), _("levels change")):
        t.add_column(col)
    for m in sorted(exp.marginals, key=lambda m: (not m.change, m.rule, m.where)):
        change = (", ".join(f"{labels.value('level', k)} {v:+g}" for k, v in m.change.items())
                  if m.after is not None else _("no plan"))
        t.add_row(m.rule, m.where, m.step, _("yes") if m.binds else _("no"), change or _("none"))
    tables.append(t)
    return tables
