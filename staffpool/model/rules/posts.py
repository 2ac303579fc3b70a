"""Rule 5 (model.md, hard rules): post-use rules (county_pool) and vacancy limits (all modes)."""

from __future__ import annotations

from ...domain import Funding, Mode, StaffStatus, Tier
from ..build import CommunityModel, Option, PostKind, safe_name
from ..cohorts import Cohort
from ..linear import Sense


def allow_post_use(cm: CommunityModel, cohort: Cohort, options: list[Option]) -> list[Option]:
    r"""Option filter. county_pool: an on_staff member's post of funding f may serve at
    tier t only where the post-use table of model.md says yes,

    .. math:: x_{k,o} = 0 \ \text{ if } \neg allowed(f_k, tier(inst(o)))

    A candidate is hired only where some pool with a vacancy may serve (separate: the
    institution's own vacancy), since a hire always takes a post. Contract staff may be
    posted anywhere; whether they can be regularised there is `define_vacancies`' business.
    """
    out = []
    inst, funding = cm.inst, cohort.post_funding
    free = cm.mode != Mode.county_pool or funding is None
    tiers = set() if funding is None else {t for t in Tier if cm.instance.policy.post_use_allowed(funding, t)}
    existing, new = PostKind.existing, PostKind.new
    for o in options:  # a cohort's options are all of one kind; the loop does not assume it
        if o.kind is existing:
            if free or inst[o.institution].tier in tiers:
                out.append(o)
        elif o.kind is new:
            if cm.pools_for(o.institution):
                out.append(o)
        else:
            out.append(o)
    return out


def define_vacancies(cm: CommunityModel) -> None:
    r"""New posts, decided per group g (a tier in county_pool, the institution in separate,
    the community in unified) and pool p with a vacancy whose posts may serve in g:

    .. math::
        \sum_p reg_{g,p} \le \sum_{k \in contract} \sum_{o: group(o)=g} x_{k,o}
        \qquad (\texttt{regularise[g]})

        \sum_p hire_{g,p} = \sum_{k \in candidates} \sum_{o: group(o)=g} x_{k,o}
        \qquad (\texttt{hire_posts[g]}: \text{every hire takes a post})

        \sum_g reg_{g,p} + hire_{g,p} \le vac_p \qquad (\texttt{vacancy[p]})

    with vac_p = max(0, approved posts − on_staff holding posts of p). This is exact:
    contract staff posted in the same group are interchangeable for every other rule and
    level, so only how many of them take each pool's posts matters; people are matched to
    posts when the plan is read back (sorted by id). The post-use rules enter through
    which (g, p) pairs exist: a pool's posts serve in tier g only where model.md allows.

    When the treasury counts (a `treasury_budget` or the `treasury_cost` level), a post's
    price is salary(title) × share(pool), so the counts are kept per (g, p, title) and the
    rows above hold per title t: people of one title posted in one group are still
    interchangeable, so this stays exact.
    """
    contract: dict[tuple[str, str], dict[int, float]] = {}
    hired: dict[tuple[str, str], dict[int, float]] = {}
    group = {j.id: cm.post_group(j.id) for j in cm.institutions}
    for c in cm.cohorts:
        if c.status == StaffStatus.on_staff:
            continue
        into = contract if c.status == StaffStatus.contract else hired
        title = c.title.value if cm.by_title else ""
        for opt, var in zip(cm.options[c.index], cm.cols[c.index], strict=True):
            into.setdefault((group[opt.institution], title), {})[var] = 1
    serves: dict[str, list[str]] = {}
    for j in cm.institutions:
        g = cm.post_group(j.id)
        for p in cm.pools_for(j.id):
            if p.id not in serves.setdefault(g, []):
                serves[g].append(p.id)
    by_pool: dict[str, dict[int, float]] = {}
    for key in sorted(set(contract) | set(hired)):
        g, title = key
        pools = serves.get(g, [])
        where = f"{g},{title}" if title else g
        if key in contract and pools:
            _post_counts(cm, key, pools, contract[key], cm.reg, by_pool, "reg", f"regularise[{where}]", Sense.le)
        if key in hired:
            _post_counts(cm, key, pools, hired[key], cm.hire, by_pool, "hire", f"hire_posts[{where}]", Sense.eq)
    for pid, terms in by_pool.items():
        cm.add("vacancy", f"vacancy[{pid}]", terms, Sense.le, cm.pools[pid].vacancies)


def _post_counts(cm: CommunityModel, key: tuple[str, str], pools: list[str], people: dict[int, float],
                 store: dict[tuple[str, str, str], int], by_pool: dict[str, dict[int, float]],
                 prefix: str, name: str, sense: Sense) -> None:
    """One integer per pool for group g (and title, or ""), tied to the people posted there
    by `sense` (≤ or =)."""
    g, title = key
    terms: dict[int, float] = {}
    for pid in pools:
        tail = f"_{title}" if title else ""
        v = cm.lp.var(f"{prefix}_{safe_name(g)}_{safe_name(pid)}{tail}", 0.0, float(cm.pools[pid].vacancies), True)
        store[(g, pid, title)] = v
        terms[v] = 1
        by_pool.setdefault(pid, {})[v] = 1
    for var in people:
        terms[var] = -1
    cm.add("vacancy", name, terms, sense, 0)


__all__ = ["Funding", "allow_post_use", "define_vacancies"]
