"""The payroll of a plan: who pays each posted person's salary, before and after.

Yuan a year, person by person from the plan (the checker's post funding and prices),
never from the program: a post holder costs the treasury salary × share(post funding) and the
institution where they are posted the rest; a contract member without a post is paid
wholly by that institution. Sums are kept in whole fen so they add up exactly.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from staffpool.check import post_funding_taken, post_price
from staffpool.domain.instance import Instance, Mode, StaffStatus, Title
from staffpool.domain.plan import Plan

MONEY_KEYS = ("treasury_before", "treasury_after", "institutions_before", "institutions_after")


def yuan(fen: int) -> float | int:
    """Whole fen as yuan: an int when whole, else 2 decimals."""
    return fen // 100 if fen % 100 == 0 else round(fen / 100, 2)


def _fen(amount: float) -> int:
    return round(amount * 100)


class _Sums:
    def __init__(self) -> None:
        self.total = dict.fromkeys(MONEY_KEYS, 0)
        self.by_tier: dict[str, dict[str, int]] = {}
        self.by_funding: dict[str, dict[str, int]] = {}

    def add(self, when: str, tier: str, funding: str, treasury: int, institution: int) -> None:
        t_key, i_key = _KEYS[when]
        for row in (self.total, self._row(self.by_tier, tier), self._row(self.by_funding, funding)):
            row[t_key] += treasury
            row[i_key] += institution

    @staticmethod
    def _row(table: dict[str, dict[str, int]], key: str) -> dict[str, int]:
        row = table.get(key)
        if row is None:
            row = table[key] = dict.fromkeys(MONEY_KEYS, 0)
        return row


_KEYS = {"before": ("treasury_before", "institutions_before"), "after": ("treasury_after", "institutions_after")}


def _block(sums: _Sums, fund_fen: int) -> dict[str, Any]:
    t = sums.total
    inst_added = t["institutions_after"] - t["institutions_before"]
    covers = None if inst_added <= 0 else round(min(1.0, fund_fen / inst_added), 4)
    return {
        "treasury_before": yuan(t["treasury_before"]),
        "treasury_after": yuan(t["treasury_after"]),
        "treasury_added": yuan(t["treasury_after"] - t["treasury_before"]),
        "institutions_before": yuan(t["institutions_before"]),
        "institutions_after": yuan(t["institutions_after"]),
        "salary_fund": yuan(fund_fen),
        "institutions_added": yuan(inst_added),
        "salary_fund_covers": covers,
        "by_tier": {k: {m: yuan(v) for m, v in row.items()} for k, row in sorted(sums.by_tier.items())},
        "by_post_funding": {k: {m: yuan(v) for m, v in row.items()} for k, row in sorted(sums.by_funding.items())},
    }


def payroll(instance: Instance, plan: Plan, mode: Mode) -> dict[str, Any]:
    """{"total": block, "communities": {id: block}}; a block has the six keys of the
    summary (treasury_before/after/added, institutions_before/after, salary_fund), the
    institutions' added payroll, the share of it the salary fund covers, and the money
    keys by tier (where posted) and by post funding (`none`: no post)."""
    inst = instance.institution_by_id
    # People are counted by what sets their pay (community, tier, post funding, title), then
    # each group is priced once: a county's 1,400 people are a few dozen groups.
    groups: Counter[tuple[str, str, str, str | None, Title]] = Counter()
    # Enum members serve as their own text here (StrEnum): `.value` costs more than the rest.
    on_staff = StaffStatus.on_staff
    for s in instance.staff:
        at = inst.get(s.posted_at) if s.posted_at is not None else None
        if at is not None:
            before = s.post_funding if s.status is on_staff and s.post_funding else "none"
            groups[(s.community, "before", at.tier, before, s.title)] += 1
        a = plan.get(s.id)
        to = inst.get(a.to_institution) if a is not None and a.to_institution is not None else None
        if to is not None:
            after = s.post_funding if s.status is on_staff else post_funding_taken(instance, mode, s, a)
            groups[(s.community, "after", to.tier, after or "none", s.title)] += 1
    share = instance.policy.treasury_share
    sums = {c.id: _Sums() for c in instance.communities}
    for (cid, when, tier, funding, title), n in groups.items():
        salary = instance.salary(title)
        f = str(funding)
        treasury = 0 if f == "none" else _fen(post_price(salary, share.of(f)))
        sums[cid].add(when, str(tier), f, n * treasury, n * (_fen(salary) - treasury))
    rate = instance.policy.balance_to_salary
    funds = {c.id: _fen(rate * (c.insurance_balance or 0.0)) for c in instance.communities}
    whole = _Sums()
    for c in instance.communities:
        part = sums[c.id]
        for key in MONEY_KEYS:
            whole.total[key] += part.total[key]
        for mine, theirs in ((whole.by_tier, part.by_tier), (whole.by_funding, part.by_funding)):
            for k, row in theirs.items():
                acc = mine.setdefault(k, dict.fromkeys(MONEY_KEYS, 0))
                for m, v in row.items():
                    acc[m] += v
    return {
        "total": _block(whole, sum(funds.values())),
        "communities": {c.id: _block(sums[c.id], funds[c.id]) for c in instance.communities},
    }
