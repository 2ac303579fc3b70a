"""Rule 5 (model.md, hard rules): post-use rules (county_pool) and vacancy limits (all modes)."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from staffpool.domain.instance import Funding, Mode, StaffStatus, Tier
from staffpool.model.cohorts import Cohort
from staffpool.model.community import CommunityModel, Option, PostKind
from staffpool.model.horizon import EXIST_K, ArcSpace, HorizonModel, Klass, YearOptions
from staffpool.model.linear import Sense, safe_name


def allow_post_use(cm: CommunityModel, cohort: Cohort, options: list[Option]) -> list[Option]:
    r"""Option filter. county_pool: an on_staff member's post of funding f may serve at
    tier t only where the post-use table of model.md says yes,

    .. math:: x_{k,o} = 0 \ \text{ if } \neg allowed(f_k, tier(inst(o)))

    A candidate is hired only where some pool with a vacancy may serve (separate: the
    institution's own vacancy), since a hire always takes a post. Contract staff may be
    posted anywhere; whether they can be regularised there is `define_vacancies`' business.
    """
    key = f"post_use:{cohort.post_funding.value if cm.mode == Mode.county_pool and cohort.post_funding else ''}"
    if key not in cm.derived:  # the institutions each kind of option may use, once per funding
        funding = cohort.post_funding
        tiers = set(Tier) if cm.mode != Mode.county_pool or funding is None else {
            t for t in Tier if cm.instance.policy.post_use_allowed(funding, t)}
        cm.derived[key] = {
            PostKind.existing: frozenset(j.id for j in cm.institutions if j.tier in tiers),
            PostKind.new: frozenset(j.id for j in cm.institutions if cm.pools_for(j.id)),
        }
    ok = cm.derived[key]
    # a cohort's options are all of one kind; the test does not assume it
    return [o for o in options if o.kind not in ok or o.institution in ok[o.kind]]


def allow_post_use_years(space: ArcSpace, k: Klass, year: int, options: YearOptions) -> YearOptions:
    r"""Year form. county_pool: a post of funding f serves at tier t only where the
    post-use table allows, whichever year it is held in:

    .. math:: f_a = 0 \ \text{ for every arc } a \text{ into } (j, q) \text{ if }
              \neg allowed(funding(q), tier(j))

    with funding(q) the on_staff member's own post (`existing`) or the pool's whose post
    they took (regularised or hired); `none` has no funding. In separate mode a pool's
    post is the institution's own and exists only there (`ArcSpace`); unified has no table.
    """
    if space.mode != Mode.county_pool:
        return options
    key = ("post_use", k.index)
    if key not in space.derived:  # the same in every year: once per class
        import numpy as np  # heavy: only the program over years needs it

        policy = space.instance.policy
        tiers = [j.tier for j in space.institutions]
        serves = np.ones((space.n, len(k.posts)), dtype=bool)
        for q, p in enumerate(k.posts):
            f = k.first.post_funding if p.kind == EXIST_K else (
                space.pools[space.pool_ids[p.kind]].funding if p.kind >= 0 else None)
            if f is not None:
                serves[:, q] = [policy.post_use_allowed(f, t) for t in tiers]
        space.derived[key] = serves
    return replace(options, at=options.at & space.derived[key])


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
    contract = _people_by_group(cm, StaffStatus.contract)
    hired = _people_by_group(cm, StaffStatus.candidate)
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


def _people_by_group(cm: CommunityModel, status: StaffStatus) -> dict[tuple[str, str], dict[int, float]]:
    """The columns of the cohorts of `status`, by (group of the option's institution,
    title or ""): {column: 1} each, in column order."""
    import numpy as np

    inst, cohort = cm.x_arrays()
    groups: dict[str, int] = {}
    group = np.array([groups.setdefault(cm.post_group(j.id), len(groups)) for j in cm.institutions] or [0],
                     dtype=np.int64)
    titles: dict[str, int] = {}
    title = np.array([titles.setdefault(c.title.value if cm.by_title else "", len(titles)) if c.status == status
                      else -1 for c in cm.cohorts] or [-1], dtype=np.int64)[cohort]
    cols = np.nonzero(title >= 0)[0]
    if not len(cols):
        return {}
    key = group[inst[cols]] * len(titles) + title[cols]
    order = np.argsort(key, kind="stable")  # by key, each key's columns in column order
    key, cols = key[order], cols[order]
    cuts = [0, *(np.flatnonzero(np.diff(key)) + 1).tolist(), len(cols)]
    names = [(g, t) for g in groups for t in titles]  # by key
    return {names[int(key[a])]: dict.fromkeys(cols[a:b].tolist(), 1) for a, b in pairwise(cuts)}


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


def define_vacancies_years(hm: HorizonModel, year: int) -> None:
    r"""Year form. Each pool p's posts held in year y, by those who took one this year or
    before (regularised or hired: a pool's post is kept ever after):

    .. math:: \sum_{a \in A_y: post(to(a)) = p} f_a \le room_{p,y}

    room_{p,y} = max(0, approved posts − the original on_staff of p still present in y):
    a leaver's post is free the year they are gone. Exact as in one year: who holds which
    of a pool's posts changes nothing else. Named `vacancy[<p>,<y>]`.
    """
    import numpy as np  # heavy: only the program over years needs it

    a = hm.year_arcs(year)
    order = np.argsort(a.target_pool, kind="stable")  # by pool, each in column order
    starts = np.searchsorted(a.target_pool[order], np.arange(len(hm.pools) + 1))
    for n, (pid, pool) in enumerate(hm.pools.items()):
        holds = a.col[order[starts[n]:starts[n + 1]]]
        hm.add("vacancy", f"vacancy[{pid},{year}]", dict.fromkeys(holds.tolist(), 1), Sense.le, pool.room[year])


__all__ = ["Funding", "allow_post_use", "allow_post_use_years", "define_vacancies", "define_vacancies_years"]
