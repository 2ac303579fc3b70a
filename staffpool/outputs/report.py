"""One self-contained HTML report of a result: levels, five inline-SVG charts, tables.

Pure functions: no typer, no rich, no network. The page needs nothing but itself (no
external scripts, styles or fonts); its one inline script only records where each chart
and the title were laid out (for the browser test) and is not needed to display anything.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from staffpool.domain.instance import Community, Instance, Level, level_value
from staffpool.errors import UsageError
from staffpool.i18n import _, language, ngettext, pgettext
from staffpool.inputs import labels
from staffpool.outputs.results import Result
from staffpool.outputs.xlsx import row_label

CHART_IDS = ("chart-tiers", "chart-payroll", "chart-shortfall", "chart-moves", "chart-modes")
TIERS = ("county", "township", "village")
TIER_COLOURS = {"county": "#1f5fa8", "township": "#2e8b57", "village": "#e07b00"}
BEFORE, AFTER = "#9aa7b8", "#1f5fa8"
NEED, SHORT = "#c9d3e0", "#c0392b"
# Payroll: treasury greens, institutions oranges; the lighter shade is before.
PAY = {("treasury", "before"): "#9fcfae", ("treasury", "after"): "#2e8b57",
       ("institutions", "before"): "#f3c892", ("institutions", "after"): "#d46f00"}
AXIS, GRID, INK, MUTED = "#333333", "#e3e6ea", "#222222", "#666666"
MAX_CHANGES = 200
MAX_SHORT_ROWS = 60  # an A4 page of named bars


# ---------------------------------------------------------------- small SVG helpers


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "–" if v is None else str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v.is_integer():
            return f"{int(v):,}"
        return f"{v:,.3f}"
    return str(v)


def _text(x: float, y: float, s: Any, anchor: str = "start", size: int = 12, fill: str = INK,
          weight: str = "normal") -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}">{escape(str(s))}</text>')


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}">{title}</rect>'


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = AXIS, width: float = 1, extra: str = "") -> str:
    return (f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" '
            f'stroke-width="{_n(width)}"{extra}/>')


def font_stack() -> str:
    """Fonts for the page and its charts: with Chinese, CJK fonts first (Linux, Windows,
    macOS), so no glyph is left to a font without it."""
    latin = 'system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial'
    cjk = '"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Microsoft YaHei","PingFang SC","WenQuanYi Micro Hei"'
    return f"{cjk},{latin},sans-serif" if language() == "zh" else f"{latin},{cjk},sans-serif"


def _svg(chart_id: str, title: str, width: int, height: int, body: Iterable[str]) -> str:
    return (f'<svg id="{chart_id}" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="{escape(font_stack())}"><title>{escape(title)}</title>'
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>")


def _nice_max(v: float, integer: bool = False) -> float:
    """A round axis end at or above v (1, 2, 5 × 10^k); at least 5 for counts, so the
    five ticks fall on whole numbers."""
    if integer:
        v = max(v, 5.0)
    if v <= 0:
        return 1.0
    k = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if v <= m * k:
            return float(m * k)
    return float(10 * k)


def _bar_len(v: float, vmax: float, span: float) -> float:
    """Bar length on a 0..vmax axis of `span` px; a non-zero value is at least 2 px."""
    if v <= 0:
        return 0.0
    return max(2.0, span * v / vmax)


def _x_axis(x0: float, y: float, span: float, vmax: float, top: float, ticks: int = 5) -> list[str]:
    parts = [_line(x0, y, x0 + span, y)]
    for i in range(ticks + 1):
        x = x0 + span * i / ticks
        parts.append(_line(x, top, x, y, GRID))
        parts.append(_line(x, y, x, y + 4))
        parts.append(_text(x, y + 16, fmt(vmax * i / ticks), "middle", 11, MUTED))
    parts.append(_line(x0, top, x0, y))
    return parts


def _hbars(rows: Sequence[tuple[str, Sequence[tuple[float, str, str]]]], width: int, label_w: int,
           bar_h: int, gap: int, top: int, note: str = "") -> tuple[list[str], int]:
    """Horizontal grouped bars: rows of (label, [(value, colour, tooltip), ...])."""
    span = width - label_w - 70
    values = [v for _, bars in rows for v, _, _ in bars]
    vmax = _nice_max(max(values, default=0.0), all(float(v).is_integer() for v in values))
    x0 = label_w
    body: list[str] = []
    y = top
    for label, bars in rows:
        group_h = bar_h * len(bars)
        body.append(_text(x0 - 8, y + group_h / 2 + 4, label, "end", 12))
        for i, (v, colour, tip) in enumerate(bars):
            by = y + i * bar_h
            w = _bar_len(v, vmax, span)
            body.append(_rect(x0, by + 1, w, bar_h - 2, colour, tip))
            body.append(_text(x0 + w + 4, by + bar_h / 2 + 4, fmt(v), "start", 11, MUTED))
        y += group_h + gap
    axis_y = y - gap + 6
    grid = _x_axis(x0, axis_y, span, vmax, top - 4)
    if note:
        body.append(_text(x0 + span / 2, top - 10, note, "middle", 12, MUTED, "bold"))
    return grid + body, int(axis_y + 24)


def _legend(x: float, y: float, items: Sequence[tuple[str, str]]) -> list[str]:
    parts = []
    for label, colour in items:
        parts.append(_rect(x, y - 10, 12, 12, colour))
        parts.append(_text(x + 16, y, label, "start", 12))
        x += 24 + sum(12.5 if ord(ch) >= 0x2E80 else 7.5 for ch in label)  # CJK glyphs are full width
    return parts


# ---------------------------------------------------------------- the charts


def chart_tiers(result: Result) -> str:
    inst = result.institutions
    before = inst.groupby("tier")["staff_before"].sum().to_dict() if len(inst) else {}
    after = inst.groupby("tier")["staff_after"].sum().to_dict() if len(inst) else {}
    rows = [(labels.value("tier", t),
             [(float(before.get(t, 0)), BEFORE, _("{tier} before: {n}").format(tier=labels.value("tier", t), n=int(before.get(t, 0)))),
              (float(after.get(t, 0)), AFTER, _("{tier} after: {n}").format(tier=labels.value("tier", t), n=int(after.get(t, 0))))])
            for t in TIERS]
    width = 760
    body, height = _hbars(rows, width, 100, 26, 18, 50)
    head = [_text(10, 20, _("Staff by tier, before and after"), "start", 14, INK, "bold"),
            *_legend(430, 20, [(_("before"), BEFORE), (_("after"), AFTER)])]
    return _svg("chart-tiers", _("Staff by tier before and after"), width, height, head + body)


def chart_payroll(result: Result) -> str:
    """Who pays the salaries, by tier where posted: the treasury and the institutions,
    before and after (yuan a year)."""
    p = result.payroll["total"]
    who_when = {("treasury", "before"): _("treasury before"), ("treasury", "after"): _("treasury after"),
                ("institutions", "before"): _("institutions before"), ("institutions", "after"): _("institutions after")}
    rows = []
    for t in TIERS:
        r = p["by_tier"].get(t)
        if r is None:
            continue
        tier = labels.value("tier", t)
        rows.append((tier, [(float(r[f"{who}_{when}"]), PAY[(who, when)],
                             _("{tier}: {who} {yuan} yuan").format(tier=tier, who=who_when[(who, when)],
                                                                   yuan=fmt(r[f"{who}_{when}"])))
                            for who in ("treasury", "institutions") for when in ("before", "after")]))
    if not rows:
        rows = [(_("(none)"), [(0.0, NEED, _("nobody posted"))])]
    width = 760
    note = _("treasury adds {treasury} yuan a year; institutions {institutions}").format(
        treasury=fmt(p["treasury_added"]), institutions=fmt(p["institutions_after"] - p["institutions_before"]))
    body, height = _hbars(rows, width, 100, 16, 16, 64, note)
    head = [_text(10, 20, _("Payroll by tier: who pays (yuan a year)"), "start", 14, INK, "bold"),
            *_legend(330, 20, [(who_when[k], c) for k, c in PAY.items()][:2]),
            *_legend(330, 38, [(who_when[k], c) for k, c in PAY.items()][2:])]
    return _svg("chart-payroll", _("Payroll by tier: treasury and institutions, before and after"), width, height, head + body)


def _place_name(r: dict[str, Any]) -> str:
    """An institution as people read it: its name, the id in brackets."""
    return f"{r['name']} ({r['id']})" if r.get("name") and r["name"] != r["id"] else str(r["id"])


def _text_w(s: str, size: float) -> float:
    """About how wide a text is drawn: CJK glyphs full width, the rest a bit over half."""
    return sum(size if ord(ch) >= 0x2E80 else 0.58 * size for ch in s)


def chart_shortfall(result: Result) -> str:
    """Every institution (up to MAX_SHORT_ROWS), named: its need (light) and what is still
    short of it (red), the short ones first."""
    inst = result.rows("institutions")
    width = 760
    rows_in = sorted(inst, key=lambda r: (-r["short"], -r["need"], r["id"]))[:MAX_SHORT_ROWS]
    rows = []
    for r in rows_in:
        need, short = float(r["need"]), float(r["short"])
        tip = (_("{id} {name}: short {short} of need {need}").format(id=r["id"], name=r["name"], short=int(short),
                                                                    need=int(need)) if short > 0 else
               _("{id} {name}: need {need}, no shortfall").format(id=r["id"], name=r["name"], need=int(need)))
        rows.append((r, need, short, tip))
    any_short = any(short > 0 for _r, _n, short, _t in rows)
    title = _("Shortfall by institution (top {n})").format(n=len(rows)) if any_short else _("Need by institution")
    note = "" if any_short else _("no shortfall")
    legend = [(labels.column("need"), NEED), (_("short"), SHORT)]
    if len(inst) > len(rows):
        note = _("the first {n} of {total} institutions").format(n=len(rows), total=len(inst))
    if not rows:
        return _svg("chart-shortfall", title, width, 120,
                    [_text(10, 20, title, "start", 14, INK, "bold"), _text(10, 60, _("no institutions"), "start", 12, MUTED)])
    label_w = int(min(330, max(_text_w(_place_name(r), 11) for r, *_x in rows) + 14))
    span = width - label_w - 60
    vmax = _nice_max(max(n for _r, n, _s, _t in rows), True)
    top, bar_h = 56, 15
    body: list[str] = []
    y = top
    for r, need, short, tip in rows:
        body.append(_text(label_w - 6, y + bar_h / 2 + 4, _place_name(r), "end", 11))
        body.append(_rect(label_w, y + 1, _bar_len(need, vmax, span), bar_h - 2, NEED, tip))
        if short > 0:
            body.append(_rect(label_w, y + 1, _bar_len(short, vmax, span), bar_h - 2, SHORT, tip))
        body.append(_text(label_w + _bar_len(need, vmax, span) + 4, y + bar_h / 2 + 4,
                          f"{fmt(short)} / {fmt(need)}" if short > 0 else fmt(need), "start", 10, MUTED))
        y += bar_h + 2
    grid = _x_axis(label_w, y + 4, span, vmax, top - 4)
    head = [_text(10, 20, title, "start", 14, INK, "bold"), *_legend(430, 20, legend)]
    if note:
        head.append(_text(label_w + span / 2, top - 10, note, "middle", 12, MUTED, "bold"))
    return _svg("chart-shortfall", title, width, int(y + 30), head + grid + body)


def _flows(result: Result) -> dict[tuple[str, str], tuple[int, float]]:
    """People moved per (from, to) institution, and the route's km."""
    by_id = {i.id for i in result.instance.institutions}
    a = result.assignments if result.has_plan and len(result.instance.staff) else None
    flows: dict[tuple[str, str], tuple[int, float]] = {}
    if a is not None:
        moved = a[a["moved"] & (a["from_institution"] != "") & (a["to_institution"] != "")]
        for f, t, km in zip(moved["from_institution"], moved["to_institution"], moved["distance_km"], strict=True):
            if f in by_id and t in by_id:
                n, _km = flows.get((f, t), (0, 0.0))
                flows[(f, t)] = (n + 1, float(km) if km == km else 0.0)
    return flows


def _place_labels(dots: Sequence[tuple[float, float, float, str, float]],
                  bounds: tuple[float, float, float, float]) -> list[str]:
    """Each dot's label beside it (right, left, above, below: the first place that hits no
    other label or dot and stays in bounds; else the least crowded)."""
    left, top, right, bottom = bounds
    taken = [(x - r, y - r, x + r, y + r) for x, y, r, _s, _z in dots]
    out = []

    def hits(b: tuple[float, float, float, float]) -> int:
        return sum(1 for o in taken if b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3])

    for x, y, r, label, size in dots:
        w, h = _text_w(label, size), size
        options = [(x + r + 2, y + h / 3, "start", (x + r + 2, y - h / 2, x + r + 2 + w, y + h / 2)),
                   (x - r - 2, y + h / 3, "end", (x - r - 2 - w, y - h / 2, x - r - 2, y + h / 2)),
                   (x, y - r - 3, "middle", (x - w / 2, y - r - 3 - h, x + w / 2, y - r - 3)),
                   (x, y + r + h + 1, "middle", (x - w / 2, y + r + 1, x + w / 2, y + r + h + 1)),
                   (x + r, y - r - 2, "start", (x + r, y - r - 2 - h, x + r + w, y - r - 2)),
                   (x + r, y + r + h, "start", (x + r, y + r, x + r + w, y + r + h)),
                   (x - r, y - r - 2, "end", (x - r - w, y - r - 2 - h, x - r, y - r - 2)),
                   (x - r, y + r + h, "end", (x - r - w, y + r, x - r, y + r + h))]
        inside = [o for o in options if o[3][0] >= left and o[3][2] <= right and o[3][1] >= top and o[3][3] <= bottom]
        tx, ty, anchor, box = min(inside or options, key=lambda o: hits(o[3]))
        taken.append(box)
        # a white halo keeps the name legible over grid lines and arrows
        out.append(_text(tx, ty, label, anchor, int(size), INK).replace(
            "<text ", '<text stroke="#ffffff" stroke-width="2.5" paint-order="stroke" ', 1))
    return out


def _map_key(items: Sequence[tuple[str, str]], x0: float, y0: float, width: float) -> tuple[list[str], float]:
    """The numbered places' key under the map: 'n name (id)' in columns."""
    if not items:
        return [], y0
    off = max(_text_w(n, 10) for n, _s in items) + 8  # the numbers are bold: room for "123"
    col_w = max(_text_w(s, 10) for _n, s in items) + off + 18
    cols = max(1, int(width // col_w))
    per = math.ceil(len(items) / cols)
    out = []
    for k, (n, s) in enumerate(items):
        x, y = x0 + (k // per) * (width / cols), y0 + (k % per) * 13
        out.append(_text(x, y, n, "start", 10, INK, "bold"))
        out.append(_text(x + off, y, s, "start", 10, INK))
    return out, y0 + per * 13


def _km_ticks(cx: float, cy: float, scale: float, step: float, origin: tuple[float, float],
              frame: tuple[float, float, float, float]) -> list[str]:
    """A light grid on whole multiples of `step` km, with its km on the left and bottom edges."""
    (xmin, ymax), (left, upper, right, lower) = origin, frame
    body = []
    k = math.ceil((xmin + (left - cx) / scale) / step)
    while (x := cx + (k * step - xmin) * scale) <= right:
        body += [_line(x, upper, x, lower, GRID), _line(x, lower, x, lower + 4),
                 _text(x, lower + 15, f"{k * step:g}", "middle", 10, MUTED)]
        k += 1
    k = math.floor((ymax - (upper - cy) / scale) / step)
    while (y := cy + (ymax - k * step) * scale) <= lower:
        body += [_line(left, y, right, y, GRID), _line(left - 4, y, left, y),
                 _text(left - 6, y + 4, f"{k * step:g}", "end", 10, MUTED)]
        k -= 1
    return body


def _map_head(title: str, chart_id: str) -> list[str]:
    """The map's title and its legend: the tiers' colours and what an arrow means."""
    return [_text(10, 20, title, "start", 14, INK, "bold"),
            *_legend(10, 44, [(labels.value("tier", t), TIER_COLOURS[t]) for t in TIERS]),
            _line(300, 40, 330, 40, "#7a2e8e", 2.5, f' marker-end="url(#{chart_id}-arrow)"'),
            _text(336, 44, _("a move: from → to, thicker for more people (km in the moves table)"), "start", 11, INK)]


def chart_moves(result: Result, community: Community | None = None, chart_id: str = "chart-moves",
                flows: dict[tuple[str, str], tuple[int, float]] | None = None) -> str:
    """The institutions where they are (km axes, north up), each named: county and township
    ones by name, village ones by a number in the key below; an arrow per route moved.
    `community`: that community's institutions only (a county of several: one map each);
    `flows`: `_flows(result)` when the caller has it (one pass over the plan for every map)."""
    width, map_h, top, left, right = 760, 540, 62, 50, 746
    insts = sorted((i for i in result.instance.institutions if community is None or i.community == community.id),
                   key=lambda i: (TIERS.index(i.tier.value), i.id))
    xs, ys = [i.x_km for i in insts] or [0.0], [i.y_km for i in insts] or [0.0]
    xmin, xmax, ymin, ymax = min(xs), max(xs), min(ys), max(ys)
    span = max(xmax - xmin, ymax - ymin, 1.0)
    lower = top + map_h
    scale = min(right - left - 48, map_h - 48) / span
    cx = left + (right - left - (xmax - xmin) * scale) / 2
    cy = top + (map_h - (ymax - ymin) * scale) / 2

    def px(i: Any) -> tuple[float, float]:
        return cx + (i.x_km - xmin) * scale, cy + (ymax - i.y_km) * scale  # north up

    by_id = {i.id: i for i in insts}
    flows = _flows(result) if flows is None else flows
    body = [
        f'<defs><marker id="{chart_id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" '
        'markerHeight="11" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7a2e8e"/></marker></defs>',
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{map_h}" fill="none" stroke="{AXIS}" stroke-width="1"/>',
    ]
    step = _nice_max(span / 5) / 2 if span > 2 else 1.0
    body += _km_ticks(cx, cy, scale, step, (xmin, ymax), (left, top, right, lower))
    body.append(_text((left + right) / 2, lower + 30, _("x (km, east)"), "middle", 11, MUTED))
    y_title = escape(_("y (km, north)"))  # (outside the f-string: the extractor does not look there)
    body.append(f'<text x="14" y="{_n(top + map_h / 2)}" text-anchor="middle" font-size="11" fill="{MUTED}" '
                f'transform="rotate(-90 14 {_n(top + map_h / 2)})">{y_title}</text>')
    for (f, t), (n, km) in sorted(flows.items()):
        if f not in by_id or t not in by_id:
            continue  # another community's route
        (x1, y1), (x2, y2) = px(by_id[f]), px(by_id[t])
        dist = math.hypot(x2 - x1, y2 - y1)
        if dist > 8:  # stop short of the dot so the arrowhead shows
            x2, y2 = x2 - (x2 - x1) * 5 / dist, y2 - (y2 - y1) * 5 / dist
        arrow = _line(x1, y1, x2, y2, "#7a2e8e", 1.2 + 1.2 * math.sqrt(n),
                      f' stroke-opacity="0.7" marker-end="url(#{chart_id}-arrow)"')
        tip = ngettext("{src} → {dst}: {n} moved, {km} km", "{src} → {dst}: {n} moved, {km} km", n).format(
            src=f"{by_id[f].name} ({f})", dst=f"{by_id[t].name} ({t})", n=n, km=f"{km:.1f}")
        body.append(f"<g>{arrow}<title>{escape(tip)}</title></g>")
    numbers = {i.id: str(k + 1) for k, i in enumerate(i for i in insts if i.tier.value == "village")}
    dots = []
    for i in insts:
        (x, y), r = px(i), {"county": 7.0, "township": 5.5, "village": 3.5}[i.tier.value]
        tip = f"{i.name} ({i.id}, {labels.value('tier', i.tier.value)})"
        body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r}" fill="{TIER_COLOURS[i.tier.value]}" stroke="#ffffff" '
                    f'stroke-width="1"><title>{escape(tip)}</title></circle>')
        dots.append((x, y, r, numbers.get(i.id, i.name), 9.0 if i.id in numbers else 11.0))
    body += _place_labels(dots, (left + 2, top + 2, right - 2, lower - 2))
    key_items = [(numbers[i.id], f"{i.name} ({i.id})") for i in insts if i.id in numbers]
    y = lower + 50
    if key_items:
        body.append(_text(left, y, _("Numbered on the map ({tier}):").format(tier=labels.value("tier", "village")),
                          "start", 11, INK, "bold"))
    key, y = _map_key(key_items, left, y + 16, right - left)
    moves = sum(n for (f, _t), (n, _km) in flows.items() if f in by_id)
    title = _("Moves on the map: {n} moved").format(n=moves) if moves else _("Institutions on the map: no moves")
    if community is not None:
        title = _("{community}: {title}").format(community=labels.named(community.id, community.name), title=title)
    return _svg(chart_id, _("Map of institutions by tier with moves as arrows"), width, int(y + 8),
                _map_head(title, chart_id) + body + key)


def chart_modes(rows: Sequence[dict[str, Any]], first: Level) -> str:
    metrics: list[tuple[str, str]] = [(first.value, _("level 1: {level}").format(level=labels.value("level", first.value)))]
    if first != Level.moves:
        metrics.append(("moves", labels.value("level", "moves")))
    colours = {"separate": "#9aa7b8", "county_pool": "#4a90c2", "unified": "#1f5fa8"}
    width, panel_h, top = 760, 220, 50
    panel_w = (width - 40) / len(metrics)
    body: list[str] = [_text(10, 20, _("The reform stages compared"), "start", 14, INK, "bold"),
                       *_legend(330, 20, [(labels.value("mode", str(r["mode"])), colours.get(str(r["mode"]), "#555555"))
                                          for r in rows])]
    for k, (key, label) in enumerate(metrics):
        x0 = 40 + k * panel_w + 30
        span_w = panel_w - 60
        base = top + panel_h
        vals: list[float | None] = []
        for r in rows:
            v = r["objective"].get(key) if key != "moves" else r["objective"].get("moves", r["counts"].get("moves"))
            vals.append(None if v is None or r["status"] == "infeasible" else float(v))
        known = [v for v in vals if v is not None]
        vmax = _nice_max(max(known, default=0.0), all(v.is_integer() for v in known))
        body.append(_text(x0 + span_w / 2, top - 6, label, "middle", 12, INK, "bold"))
        for t in range(6):
            y = base - panel_h * 0.85 * t / 5
            body.append(_line(x0, y, x0 + span_w, y, GRID))
            body.append(_text(x0 - 4, y + 4, fmt(vmax * t / 5), "end", 10, MUTED))
        body.append(_line(x0, base, x0 + span_w, base))
        body.append(_line(x0, base - panel_h * 0.85 - 4, x0, base))
        slot = span_w / max(1, len(rows))
        for j, (r, v) in enumerate(zip(rows, vals, strict=True)):
            bx = x0 + j * slot + slot * 0.15
            bw = slot * 0.7
            mode = str(r["mode"])
            if v is None:
                body.append(_text(bx + bw / 2, base - 6, labels.value("solve_status", str(r["status"])), "middle", 11, SHORT))
            else:
                h = _bar_len(v, vmax, panel_h * 0.85)
                body.append(_rect(bx, base - h, bw, h, colours.get(mode, "#555555"),
                                  f"{labels.value('mode', mode)}: {label} {fmt(v)}"))
                body.append(_text(bx + bw / 2, base - h - 4, fmt(v), "middle", 11, INK))
            body.append(_text(bx + bw / 2, base + 16, labels.value("mode", mode), "middle", 11, MUTED))
    return _svg("chart-modes", _("Reform stages compared: first level and moves per mode"), width, top + panel_h + 30, body)


# ---------------------------------------------------------------- tables and the page


def _table(columns: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[str] | None = None, table: str = "") -> str:
    """Headers and enumerated values labelled in the chosen language; ids as they are."""
    numeric = numeric or set()
    head = "".join(f'<th{" class=num" if c in numeric else ""}>{escape(labels.column(c, table))}</th>' for c in columns)
    body = []
    for row in rows:
        cells = "".join(f'<td{" class=num" if c in numeric else ""}>{escape(fmt(labels.cell(c, v)))}</td>'
                        for c, v in zip(columns, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_STYLE = """
body{font-family:%(fonts)s;color:#222;
background:#ffffff;margin:24px;max-width:1100px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.meta{color:#555;margin:0 0 12px} figure{margin:12px 0 24px} figcaption{color:#555;font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px} th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f3f5f8} td.num,th.num{text-align:right} .note{color:#555;font-size:13px}
#layout{display:none}
@page{size:A4;margin:12mm 10mm}
@media print{
body{margin:0;max-width:none;font-size:11px}
svg{max-width:100%%;height:auto}
figure,svg,tr{break-inside:avoid;page-break-inside:avoid}
h2{break-after:avoid;page-break-after:avoid;margin-top:14px}
table{font-size:9px;width:100%%} th,td{padding:1px 3px} thead{display:table-header-group}
}
"""


def _style() -> str:
    """The page's style with its fonts filled in (CJK first under Chinese)."""
    return _STYLE % {"fonts": font_stack()}

_SCRIPT = """
(function(){var out={};var ids=%s;for(var i=0;i<ids.length;i++){var e=document.getElementById(ids[i]);
if(!e)continue;var r=e.getBoundingClientRect();out[ids[i]]={x:r.left+window.scrollX,y:r.top+window.scrollY,
w:r.width,h:r.height};}document.getElementById("layout").textContent=JSON.stringify(out);
document.body.dataset.ok="1";})();
"""


def _h2(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _moves_table(result: Result) -> str:
    """Each route moved: from, to (names and ids), people, km."""
    flows = _flows(result)
    if not flows:
        return ""
    names = {i.id: i.name for i in result.instance.institutions}
    head = "".join(f"<th{cls}>{escape(h)}</th>" for h, cls in (
        (labels.column("from_institution_name"), ""), (labels.column("to_institution_name"), ""),
        (pgettext("column", "people moved"), " class=num"), (labels.column("distance_km"), " class=num")))
    rows = "".join(f"<tr><td>{escape(names[f])} ({escape(f)})</td><td>{escape(names[t])} ({escape(t)})</td>"
                   f"<td class=num>{fmt(n)}</td><td class=num>{km:,.1f}</td></tr>"
                   for (f, t), (n, km) in sorted(flows.items(), key=lambda kv: (-kv[1][0], kv[0])))
    return (_h2(_("Moves by route")) + f'<table id="moves"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')


@dataclass
class ReportRotation:
    """A rotation the checker passed, for the page: rotation.csv's `rows`, the `coverage`
    records (host, row, window, gap, filled) and the checker's `levels` (whole metres)."""

    rows: Sequence[Mapping[str, Any]]
    coverage: Sequence[Mapping[str, Any]]
    levels: Mapping[str, int]


def _km(metres: float) -> str:
    return f"{metres / 1000:,.3f}"


def rotation_section(inst: Instance, result: Result, rotation: ReportRotation) -> str:
    """Grassroots rotation after `result`'s plan: the figures, coverage by host and senior
    row, the rotators (their home: where the plan posts them)."""
    names = {i.id: i.name for i in inst.institutions}
    staff = inst.staff_by_id
    lv = rotation.levels
    parts = [_h2(_("Grassroots rotation")), _note(_(
        "{n} attendings on rotation, {slots} senior slots covered, longest trip {longest} km (each community's "
        "longest, added up), {km} km in all.").format(n=fmt(len(rotation.rows)), slots=fmt(lv["covered"]),
                                                     longest=_km(lv["longest_trip"]), km=_km(lv["distance"])))]
    num = " class=num"

    def table(tid: str, heads: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]]) -> str:
        head = "".join(f"<th{cls}>{escape(h)}</th>" for h, cls in heads)
        body = "".join("<tr>" + "".join(f"<td{cls}>{escape(v)}</td>" for v, (_h, cls) in zip(r, heads, strict=True))
                       + "</tr>" for r in rows)
        return f'<table id="{tid}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    if rotation.coverage:
        parts += [_note(_("Coverage by host and specialty: each senior row with a gap at a host, in each window "
                          "someone rotates there, and how many rotators fill it.")),
                  table("rotation-coverage", [(_("host"), ""), (pgettext("column", "host_name"), ""),
                                              (pgettext("column", "senior row"), ""), (_("window"), num),
                                              (pgettext("column", "gap"), num), (pgettext("column", "filled"), num)],
                        ([str(c["host"]), names.get(str(c["host"]), ""), row_label(str(c["row"])), fmt(int(c["window"])),
                          fmt(int(c["gap"])), fmt(int(c["filled"]))] for c in rotation.coverage))]
    else:
        parts.append(_note(_("No host in the rotation has a senior gap.")))
    people = []
    for r in rotation.rows:
        sid, host = str(r["staff_id"]), str(r["host"])
        home = result.plan[sid].to_institution or ""
        people.append([sid, staff[sid].name, labels.value("specialty", staff[sid].specialty), names.get(home, home),
                       names.get(host, host), fmt(int(r["window"])), _km(inst.distance_m(home, host)),
                       row_label(str(r.get("fills") or ""))])
    if people:
        parts.append(table("rotators", [
            (labels.column("staff_id"), ""), (labels.column("name", "assignments"), ""), (labels.column("specialty"), ""),
            (pgettext("column", "home_name"), ""), (pgettext("column", "host_name"), ""), (_("window"), num),
            (pgettext("column", "distance_to_host_km"), num), (pgettext("column", "fills"), "")], people))
    return "\n".join(parts)


def build_report(instance: Instance, result: Result, compare_rows: Sequence[dict[str, Any]] | None = None,
                 sweep: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None,
                 rotation: ReportRotation | None = None) -> str:
    """The whole report page as one string of HTML (`rotation`: its section after the changes)."""
    inst = result.instance if result.instance is not None else instance
    name = inst.name
    counts = result.summary["counts"]
    level_rows = [(lvl.value, level_value(lvl, result.levels[lvl]) if lvl in result.levels else None,
                   labels.level_unit(lvl.value)) for lvl in inst.policy.objective]
    figures = [
        ("chart-tiers", chart_tiers(result),
         _("Staff posted per tier before (grey) and after (blue): the inverted triangle and how the plan reshapes it.")),
        ("chart-payroll", chart_payroll(result),
         _("Salaries by tier where people are posted: the part the county treasury pays (green) and the part the "
           "institutions pay (orange), before (light) and after (dark) the plan.")),
        ("chart-shortfall", chart_shortfall(result),
         _("Each institution by name (its id in brackets): its need (light) and the staff still short of it after "
           "the plan (red, short / need), the most short first.")),
    ]
    map_caption = _("Institutions by their x/y coordinates in km (north up), coloured by tier and named; village clinics by "
                    "number, named in the key under the map. An arrow per route moved, thicker for more people; each route's "
                    "people and km are in the moves table below.")
    if len(inst.communities) > 1:  # communities are apart: one map each keeps each legible
        flows = _flows(result)
        figures += [(f"chart-moves-{k}", chart_moves(result, c, f"chart-moves-{k}", flows), map_caption)
                    for k, c in enumerate(inst.communities, start=1)]
    else:
        figures.append(("chart-moves", chart_moves(result), map_caption))
    if compare_rows:
        figures.append(("chart-modes", chart_modes(compare_rows, inst.policy.objective[0]),
                        _("Each reform stage solved alone: its first objective level and its moves.")))
    meta = _("instance <b>{instance}</b> · mode <b>{mode}</b> · status <b>{status}</b> · solver {solver}").format(
        instance=escape(name), mode=escape(labels.value("mode", result.mode.value)),
        status=escape(labels.value("solve_status", result.status.value)), solver=escape(result.solver))
    parts = [
        "<!DOCTYPE html>", f'<html lang="{"zh-CN" if language() == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>" + escape(_("staffpool report: {name}").format(name=name)) + "</title>"
        f"<style>{_style()}</style></head><body>",
        '<h1 id="report-title">' + escape(_("Staffing report: {name}").format(name=name)) + "</h1>",
        f'<p class="meta">{meta}</p>',
        f'<p class="meta">{escape(" · ".join(labels.value("count", k) + " " + fmt(v) for k, v in counts.items()))}</p>',
        _h2(_("Objective levels")),
        _note(_("Minimised in this order, each held at its optimum before the next.")),
        _table(["level", "value", "unit"], level_rows, {"value"}),
    ]
    wishes = result.summary["preferences"]
    if wishes["people"]:  # only when someone gave wishes (preferences.csv)
        parts += [_h2(_("Wishes")),
                  _note(_("People who gave wishes (preferences.csv) and, of those posted, where the plan posts them.")),
                  _table(["key", "value"], [(labels.value("wishes", k), v) for k, v in wishes.items()], {"value"})]
    if result.reasons:
        parts.append(_h2(_("Notes")) + "<ul>" + "".join(f"<li>{escape(r)}</li>" for r in result.reasons) + "</ul>")
    parts.append(_h2(_("Charts")))
    for fid, svg, caption in figures:
        parts.append(f'<figure data-chart="{fid}">{svg}<figcaption>{escape(caption)}</figcaption></figure>')
    if sweep is not None:
        parts.append(sweep_section(inst, *sweep))
    cols = ["id", "name", "tier", "community", "funding", "staff_before", "staff_after", "need", "short"]
    it = result.institutions
    parts += [_h2(_("Institutions")),
              _table(cols, it[cols].itertuples(index=False, name=None) if len(it) else [],
                     {"staff_before", "staff_after", "need", "short"}, "institutions")]
    parts.append(_moves_table(result))
    parts.append(_h2(_("Changes")))
    a = result.assignments if result.has_plan and len(inst.staff) else None
    changes = a[a["change"] != "stay"] if a is not None else None
    if changes is None or not len(changes):
        parts.append(_note(_("No changes: everyone stays where they are.")))
    else:
        ccols = ["staff_id", "name", "status", "title", "specialty", "from_institution", "to_institution", "distance_km",
                 "post_funding", "post_source", "change", *(["preference_rank"] if wishes["people"] else [])]
        shown = changes.head(MAX_CHANGES)
        if len(changes) > MAX_CHANGES:
            parts.append(_note(_("The first {n} of {total} changes.").format(n=MAX_CHANGES, total=len(changes))))
        rows = [tuple(None if (isinstance(v, float) and v != v) else v for v in r)
                for r in shown[ccols].itertuples(index=False, name=None)]
        parts.append(_table(ccols, rows, {"distance_km"}, "changes"))
    if rotation is not None:
        parts.append(rotation_section(inst, result, rotation))
    ids = [*CHART_IDS, *(fid for fid, _svg_, _c in figures if fid not in CHART_IDS), "report-title"]
    parts += [f'<pre id="layout">{{}}</pre><script>{_SCRIPT % json.dumps(ids)}</script>',
              "</body></html>\n"]
    return "\n".join(parts)


# ---------------------------------------------------------------- a plan over years


def _by_year_chart(chart_id: str, title: str, summary: dict[str, Any], key: str) -> str:
    """Grouped bars per year, one per tier: `staff` or `short` of `by_tier`."""
    rows = [(year, [(float(y["by_tier"].get(t, {}).get(key, 0)), TIER_COLOURS[t],
                     "{year} {tier}: {n}".format(year=year, tier=labels.value("tier", t), n=y["by_tier"].get(t, {}).get(key, 0)))
                    for t in TIERS])
            for year, y in summary["years"].items()]
    width = 760
    body, height = _hbars(rows, width, 80, 16, 14, 50)
    head = [_text(10, 20, title, "start", 14, INK, "bold"), *_legend(430, 20, [(labels.value("tier", t), TIER_COLOURS[t]) for t in TIERS])]
    return _svg(chart_id, title, width, height, head + body)


def build_horizon_report(summary: dict[str, Any], levels: Sequence[str]) -> str:
    """The report of a plan over years: the levels per year and their totals (and the rolling
    plan's beside an integrated one), staff and shortfall by tier over the years."""
    name = str(summary["instance"])
    kind = pgettext("plan", "integrated") if summary.get("kind") == "integrated" else pgettext("plan", "rolling")
    mode, status = str(summary.get("mode", "")), str(summary.get("status", ""))
    rows = [(year, *[y["objective"].get(lvl) for lvl in levels]) for year, y in summary["years"].items()]
    rows.append((_("total"), *[summary["totals"].get(lvl) for lvl in levels]))
    if "rolling_totals" in summary:
        rows.append((_("rolling plan"), *[summary["rolling_totals"].get(lvl) for lvl in levels]))
    tier_rows = [(year, *[y["by_tier"].get(t, {}).get("staff", 0) for t in TIERS],
                  *[y["by_tier"].get(t, {}).get("short", 0) for t in TIERS]) for year, y in summary["years"].items()]
    figures = [
        ("chart-years-staff", _by_year_chart("chart-years-staff", _("Staff by tier, year by year"), summary, "staff"),
         _("Staff posted per tier at the end of each year of the plan.")),
        ("chart-years-short", _by_year_chart("chart-years-short", _("Shortfall by tier, year by year"), summary, "short"),
         _("Staff still short per tier (unmet need of the requirement rows) in each year.")),
    ]
    parts = [
        "<!DOCTYPE html>", f'<html lang="{"zh-CN" if language() == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>" + escape(_("staffpool plan report: {name}").format(name=name)) + f"</title><style>{_style()}</style></head><body>",
        "<h1>" + escape(_("Staffing plan over years: {name}").format(name=name)) + "</h1>",
        '<p class="meta">' + _("instance {instance} · {kind} plan · mode {mode} · status {status}").format(
            instance=f"<b>{escape(name)}</b>", kind=escape(kind), mode=f"<b>{escape(labels.value('mode', mode))}</b>",
            status=f"<b>{escape(labels.value('solve_status', status))}</b>") + "</p>",
        _h2(_("Objective levels per year")),
        _table(["year", *levels], rows, set(levels), "years"),
        _h2(_("Charts")),
        *[f'<figure data-chart="{fid}">{svg}<figcaption>{escape(caption)}</figcaption></figure>'
          for fid, svg, caption in figures],
        _h2(_("Staff and shortfall by tier")),
        _table(["year", *[f"staff {t}" for t in TIERS], *[f"short {t}" for t in TIERS]], tier_rows,
               {f"{k} {t}" for k in ("staff", "short") for t in TIERS}, "years"),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- sweep curves

SERIES_COLOURS = ("#1f5fa8", "#e07b00", "#2e8b57", "#c0392b", "#7d3c98", "#9aa7b8", "#16a085", "#555555")
# Each line its own dashes and marker too, so coinciding lines (equal curves) still show apart.
SERIES_DASHES = ("", "8 4", "3 3", "10 3 2 3", "1 3", "12 6")
SERIES_MARKERS = ("circle", "square", "triangle", "diamond")


def sweep_axes(scenarios: Sequence[dict[str, Any]]) -> tuple[str, list[str]]:
    """The x of the curves (the first per-community limit the grid varies, else the
    distance limit, else the scenario) and the keys that tell the lines apart. `scenarios`:
    the scenarios as the sweep's manifest lists them."""
    varied = [k for k in scenarios[0] if k not in ("scenario", "mode", "max_distance_km")] if scenarios else []
    dists = {str(s.get("max_distance_km")) for s in scenarios}
    if varied:
        x = varied[0]
    elif len(dists) > 1:
        x = "max_distance_km"
    else:
        x = "scenario"
    series = ["mode"]
    if x != "max_distance_km" and len(dists) > 1:
        series.append("max_distance_km")
    series += [k for k in varied[1:]]
    return x, series


def _label_w(label: str) -> float:
    return sum(12.5 if ord(ch) >= 0x2E80 else 7.5 for ch in label)  # CJK glyphs are full width


def _marker(kind: str, x: float, y: float, colour: str, tip: str) -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    if kind == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{colour}">{title}</circle>'
    if kind == "square":
        return f'<rect x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7" height="7" fill="{colour}">{title}</rect>'
    pts = ((x, y - 4.5), (x + 4.5, y + 3.5), (x - 4.5, y + 3.5)) if kind == "triangle" else \
        ((x, y - 5), (x + 4.5, y), (x, y + 5), (x - 4.5, y))
    return f'<polygon points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in pts)}" fill="{colour}">{title}</polygon>'


def _series_label(t: dict[str, Any], series: Sequence[str]) -> str:
    return " · ".join(labels.value("mode", t[k]) if k == "mode" else f"{labels.sweep_column(k)} {fmt(t[k])}"
                      for k in series)


def _series_legend(items: Sequence[tuple[str, int]], width: int) -> tuple[list[str], int]:
    """The legend in rows under the title: per line its colour, dashes and marker."""
    body: list[str] = []
    x, row = 20.0, 0
    for label, i in items:
        w = 40 + _label_w(label)
        if x > 20 and x + w > width - 20:
            x, row = 20.0, row + 1
        y = 44 + 18 * row
        colour, dash = SERIES_COLOURS[i % len(SERIES_COLOURS)], SERIES_DASHES[i % len(SERIES_DASHES)]
        body.append(_line(x, y - 4, x + 24, y - 4, colour, 2, f' stroke-dasharray="{dash}"' if dash else ""))
        body.append(_marker(SERIES_MARKERS[i % len(SERIES_MARKERS)], x + 12, y - 4, colour, ""))
        body.append(_text(x + 30, y, label, "start", 12))
        x += w
    return body, row + 1


def chart_sweep(totals: Sequence[dict[str, Any]], x_key: str, y_key: str, series: Sequence[str]) -> str:
    """A line per series (mode, …): y against x, over the scenario totals. Lines with the
    same points are drawn with their own dashes and markers and the legend says so."""
    lines: dict[str, list[tuple[float, float]]] = {}
    for t in totals:
        x, y = t.get(x_key), t.get(y_key)
        if x is None or y is None:
            continue
        lines.setdefault(_series_label(t, series), []).append((float(x), float(y)))
    x_word, y_word = labels.sweep_column(x_key), labels.sweep_column(y_key)
    width, left, bottom = 760, 70, 50
    first_of: dict[tuple[tuple[float, float], ...], str] = {}
    items = []
    for i, (label, pts) in enumerate(lines.items()):
        same = first_of.setdefault(tuple(sorted(pts)), label)
        items.append((label if same == label else _("{series} (same line as {other})").format(series=label, other=same), i))
    legend, rows = _series_legend(items, width)
    top = 64 + 18 * rows
    height = top + 260 + bottom
    span_w, span_h = width - left - 30, height - top - bottom
    xs = [p[0] for pts in lines.values() for p in pts]
    ys = [p[1] for pts in lines.values() for p in pts]
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if x1 <= x0:
        x1 = x0 + 1
    ymax = _nice_max(max(ys, default=0.0), all(v.is_integer() for v in ys))
    body: list[str] = [_text(10, 20, _("{y} against {x}").format(y=y_word, x=x_word), "start", 14, INK, "bold"), *legend]
    base = top + span_h
    for tick in range(6):
        y = base - span_h * tick / 5
        body.append(_line(left, y, left + span_w, y, GRID))
        body.append(_text(left - 6, y + 4, fmt(ymax * tick / 5), "end", 10, MUTED))
        x = left + span_w * tick / 5
        body.append(_line(x, base, x, base + 4))
        body.append(_text(x, base + 16, fmt(x0 + (x1 - x0) * tick / 5), "middle", 10, MUTED))
    body.append(_line(left, base, left + span_w, base))
    body.append(_line(left, top, left, base))
    body.append(_text(left + span_w / 2, height - 8, x_word, "middle", 12, MUTED))
    body.append(_text(left - 6, top - 8, y_word, "start", 12, MUTED))

    def px(x: float, y: float) -> tuple[float, float]:
        return left + span_w * (x - x0) / (x1 - x0), base - span_h * y / ymax

    for (label, i), pts in zip(items, lines.values(), strict=True):
        colour, dash = SERIES_COLOURS[i % len(SERIES_COLOURS)], SERIES_DASHES[i % len(SERIES_DASHES)]
        coords = [px(x, y) for x, y in sorted(pts)]
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"'
                    + (f' stroke-dasharray="{dash}"' if dash else "") + ' points="'
                    + " ".join(f"{_n(a)},{_n(b)}" for a, b in coords) + f'"><title>{escape(label)}</title></polyline>')
        for (a, b), (x, y) in zip(coords, sorted(pts), strict=True):
            body.append(_marker(SERIES_MARKERS[i % len(SERIES_MARKERS)], a, b, colour,
                                f"{label}: {x_word} {fmt(x)}, {y_word} {fmt(y)}"))
    return _svg("chart-sweep", _("{y} against {x}, a line per {series}").format(
        y=y_word, x=x_word, series=", ".join(labels.sweep_column(k) for k in series)), width, height, body)


def _sweep_table(totals: Sequence[dict[str, Any]]) -> str:
    """The totals per scenario: limits, levels, counts and payroll in words; status as a
    solve status."""
    cols = list(totals[0]) if totals else []
    head = "".join(f'<th{"" if c in ("mode", "status") else " class=num"}>{escape(labels.sweep_column(c))}</th>'
                   for c in cols)
    body = []
    for t in totals:
        cells = []
        for c in cols:
            v = t[c]
            if c in ("mode", "status"):
                # words on one line: a narrow column must not stack 各自管理 a character a line
                cells.append('<td style="white-space:nowrap">'
                             f"{escape(fmt(labels.value('mode' if c == 'mode' else 'solve_status', v)))}</td>")
            else:
                cells.append(f"<td class=num>{escape(fmt(v))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def sweep_section(instance: Instance, totals: Sequence[dict[str, Any]], scenarios: Sequence[dict[str, Any]]) -> str:
    """The curves (first level, and moves, of the totals against the varied limit) and the
    totals per scenario, as HTML for a page."""
    x_key, series = sweep_axes(scenarios)
    first = instance.policy.objective[0].value
    charts = [chart_sweep(totals, x_key, first, series)]
    if first != Level.moves.value and any(t.get("moves") is not None for t in totals):
        charts.append(chart_sweep(totals, x_key, "moves", series).replace('id="chart-sweep"', 'id="chart-sweep-moves"'))
    caption = _("Totals per scenario over the communities, a line per {series}.").format(
        series=", ".join(labels.sweep_column(k) for k in series))
    return "\n".join([
        _h2(_("Scenario sweep")),
        *(f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>" for svg in charts),
        "<h3>" + escape(_("Totals per scenario")) + "</h3>",
        _note(_("Blank where a community has no such limit or no plan.")),
        _sweep_table(totals),
    ])


def build_sweep_report(instance: Instance, totals: Sequence[dict[str, Any]], scenarios: Sequence[dict[str, Any]]) -> str:
    """One page: the sweep's curves and totals."""
    parts = [
        "<!DOCTYPE html>", f'<html lang="{"zh-CN" if language() == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>" + escape(_("staffpool sweep: {name}").format(name=instance.name)) + f"</title><style>{_style()}</style></head><body>",
        '<h1 id="report-title">' + escape(_("Scenario sweep: {name}").format(name=instance.name)) + "</h1>",
        '<p class="meta">' + escape(_("{scenarios} scenarios · {communities} communities").format(
            scenarios=len(totals), communities=len(instance.communities))) + "</p>",
        sweep_section(instance, totals, scenarios),
        f'<pre id="layout">{{}}</pre><script>{_SCRIPT % json.dumps(["chart-sweep", "chart-sweep-moves", "report-title"])}</script>',
        "</body></html>\n",
    ]
    return "\n".join(parts)


def read_sweep(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A sweep folder's totals (numbers parsed) and scenario labels, for `report --sweep`."""
    import csv
    import json

    try:
        labels = json.loads((folder / "sweep.manifest.json").read_text(encoding="utf-8"))["scenarios"]
        with open(folder / "sweep_totals.csv", encoding="utf-8", newline="") as fh:
            raw = list(csv.DictReader(fh))
    except (OSError, ValueError, KeyError):
        raise UsageError(_("--sweep {folder}: not a finished sweep (sweep.manifest.json and sweep_totals.csv)")
                         .format(folder=folder)) from None

    def cell(k: str, v: str) -> Any:
        if v == "" or k in ("mode", "status"):
            return None if v == "" else v
        f = float(v)
        return int(f) if f.is_integer() and "." not in v else f

    return [{k: cell(k, v) for k, v in r.items()} for r in raw], labels
