"""The canonical tie-break: which of the plans equal at every level is *the* plan.

The user's levels often leave several plans equally good (two hires swap villages, a post
is taken from the full-funding pool instead of the differential one). Which of them a
solver returns depends on its path: a cold build or a sweep's warm program (more columns,
fixed at 0), a warm LP basis, a neighbouring scenario's guesses, the load. People are named
in plans, so the driver, after the last level, minimises one more expression over the
plans the levels' holds keep:

    T = Σ_c w_c · x_c

over the program's integer columns that decide the plan: the cohorts' columns
(`x[k, o]`) and the new posts per (group, pool, title) (`reg`, `hire`); for the program
over years, its arcs. w_c is a deterministic integer in [1, 2**WEIGHT_BITS] hashed from
the column's *meaning*, never its index: a cohort's column from the cohort's members and
the option's institution and kind; a new-post column from its key; an arc from its year,
the members who use it and its two states. So a plan has the same T in every program that
holds it (a sweep's warm program holds more columns than a cold build of the scenario, in
other places), and T's minimum is the same plan whichever program is solved.

The argmin is unique unless two optimal plans x ≠ x' have w·(x − x') = 0: for one such
difference, a linear equation on independently hashed weights, about one chance in
2**WEIGHT_BITS. Over a whole face of optimal plans the isolation lemma bounds the chance of
a tie by m·K / 2**WEIGHT_BITS (m columns that differ between optimal plans, K their range);
measured on 81 faces (tiny, sanming-county, 24 generated counties, three modes each), ties fall
as c / 2**WEIGHT_BITS with c ≈ 13–25 (6 bits: 16 faces, 8 bits: 4, 10 bits: 2, 12 and more:
none): about 2e-5 per community solved at 20 bits. Bigger weights tie less but strain HiGHS's
tolerances (absolute, on costs up to 2**20 and T up to ~10^9 on a county; 2**24 made T's MIP
slower) and T must stay exact in a double.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from staffpool.model.community import CommunityModel
from staffpool.model.horizon import Arc, HorizonModel, State
from staffpool.model.linear import Expr

WEIGHT_BITS = 20
_SEP = "\x1f"  # never in an id (ids are checked as printable text)
_CACHE = "canonical"  # CommunityModel.derived: column -> weight, filled as asked


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def weight(identity: str) -> int:
    """The weight of a column whose meaning is `identity` (text): 1 … 2**WEIGHT_BITS."""
    h = int.from_bytes(hashlib.blake2b(identity.encode("utf-8"), digest_size=8).digest(), "big")
    return 1 + h % (1 << WEIGHT_BITS)


def _members(ids: Iterable[str]) -> str:
    """A group of people as text: a digest of their sorted ids (a cohort of 300 people
    makes a short key)."""
    return _digest(_SEP.join(sorted(ids))).hex()


def identities(program: CommunityModel | HorizonModel, cols: Iterable[int] | None = None) -> dict[int, str]:
    """What each column decides, as text, for `cols` (default: every column that decides
    the plan); columns that decide nothing of it (shortfalls, slacks) are left out."""
    if isinstance(program, HorizonModel):
        return _arc_identities(program, cols)
    return _year_identities(program, cols)


def _year_identities(cm: CommunityModel, cols: Iterable[int] | None) -> dict[int, str]:
    state = cm.derived.get(_CACHE + ":ids")
    if state is None:
        posts = {v: _SEP.join(("reg", *key)) for key, v in cm.reg.items()}
        posts.update({v: _SEP.join(("hire", *key)) for key, v in cm.hire.items()})
        n_x = cm.cols[-1].stop if cm.cols else 0
        keys: dict[int, str] = {}  # a cohort's key, made when one of its columns is asked for
        state = cm.derived[_CACHE + ":ids"] = (keys, posts, n_x)
    cohort_keys, posts, n_x = state
    wanted = range(n_x) if cols is None else cols
    out: dict[int, str] = {}
    if cols is None:
        out.update(posts)
    _inst, cohort = cm.x_arrays()
    for c in wanted:
        c = int(c)
        if c < n_x:
            k = int(cohort[c])
            key = cohort_keys.get(k)
            if key is None:
                key = cohort_keys[k] = _members(cm.cohorts[k].members)
            opt = cm.options[k][c - cm.cols[k].start]
            out[c] = _SEP.join(("x", key, opt.institution, opt.kind.value))
        elif c in posts:
            out[c] = posts[c]
    return out


def _state(s: State) -> str:
    return f"{s.institution or ''}/{s.post}/{'' if s.hired is None else s.hired}"


def _arc_identities(hm: HorizonModel, cols: Iterable[int] | None) -> dict[int, str]:
    # The first year's arcs belong to a cohort, later years' to a class (cohorts that differ
    # only in where they start): a class is its members.
    first = hm.years[0] if hm.years else None
    cohort_keys = [_members(c.members) for c in hm.cohorts]
    classes: dict[int, list[str]] = {}
    for cohort in hm.cohorts:
        classes.setdefault(cohort.klass, []).extend(cohort.members)
    class_keys = {k: _members(ids) for k, ids in classes.items()}
    by_col: dict[int, Arc] = {a.col: a for a in hm.arcs}
    wanted = by_col if cols is None else [int(c) for c in cols if int(c) in by_col]
    out: dict[int, str] = {}
    for col in wanted:
        a = by_col[col]
        owner = cohort_keys[a.cohort] if a.year == first else class_keys[a.cohort]
        out[col] = _SEP.join(("arc", str(a.year), owner, _state(a.origin), _state(a.target)))
    return out


def weights(program: CommunityModel | HorizonModel, cols: Iterable[int] | None = None) -> dict[int, int]:
    """Column -> its tie-break weight, for `cols` (default: every column that decides the plan)."""
    cache: dict[int, int] | None = None
    if isinstance(program, CommunityModel):
        cache = program.derived.setdefault(_CACHE, {})  # a sweep's program serves many scenarios
        if cols is not None:
            cols = [int(c) for c in cols]
            missing = [c for c in cols if c not in cache]
            if missing:
                cache.update({c: weight(t) for c, t in identities(program, missing).items()})
            return {c: cache[c] for c in cols if c in cache}
    found = {c: weight(t) for c, t in identities(program, cols).items()}
    if cache is not None:
        cache.update(found)
    return found


def tie_break(program: CommunityModel | HorizonModel, cols: Iterable[int] | None = None) -> Expr:
    """T = Σ w_c·x_c over `cols` (default: every column that decides the plan)."""
    return Expr({c: float(w) for c, w in weights(program, cols).items()})


def value(program: Any, values: Any, cols: Iterable[int] | None = None) -> int:
    """T at a plan given as column values (rounded to integers, as the plan is read)."""
    return sum(w * round(float(values[c])) for c, w in weights(program, cols).items())
