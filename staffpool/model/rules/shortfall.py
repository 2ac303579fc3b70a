"""The shortfall level (model.md, objective): unmet need of requirement rows."""

from __future__ import annotations

from ...domain import Level, Title
from ..build import CommunityModel
from ..linear import Expr, Sense


def define_shortfall(cm: CommunityModel) -> None:
    r"""One continuous :math:`s_r \ge 0` per requirement row r = (j, specialty, min_title, need, w):

    .. math:: s_r \ge need_r - \sum_{k \text{ matches } r} \sum_{o: inst(o)=j} x_{k,o}

    A person matches when the specialty matches (`*` matches any) and their title rank is
    ≥ min_title's. Rows are independent: one person counts toward every row they match.
    At the minimum, s_r = max(0, need_r − matching_r), so the level Σ w_r s_r is exactly
    model.md's. Named `shortfall[<j>,<specialty>,<min_title>,#<row>]`.
    """
    # Cohorts alike in (specialty, title) match the same rows: `matches` once per such pair.
    kinds: dict[tuple[str, Title], int] = {}
    kind = [kinds.setdefault((c.specialty, c.title), len(kinds)) for c in cm.cohorts]
    wanted = {req.institution for _n, req in cm.requirements}
    # institution -> kind -> its columns; kinds and columns in column order
    by_inst: dict[str, dict[int, list[int]]] = {j: {} for j in wanted}
    for c in cm.cohorts:
        kd = kind[c.index]
        for opt, var in zip(cm.options[c.index], cm.cols[c.index], strict=True):
            if (at := by_inst.get(opt.institution)) is not None:
                at.setdefault(kd, []).append(var)
    level: dict[int, float] = {}
    for n, req in cm.requirements:
        s = cm.lp.var(f"s_{n:06d}")
        cm.short[n] = s
        terms: dict[int, float] = {s: 1}
        match = [req.matches(spec, title) for spec, title in kinds]
        cols = [var for kd, vars_ in by_inst[req.institution].items() if match[kd] for var in vars_]
        terms.update(dict.fromkeys(sorted(cols), 1))
        cm.add(
            "shortfall",
            f"shortfall[{req.institution},{req.specialty},{req.min_title.value},#{n + 2}]",
            terms, Sense.ge, req.need,
        )
        if req.weight:
            level[s] = req.weight
    cm.levels[Level.shortfall] = Expr(level)
