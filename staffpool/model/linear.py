"""A small linear program held as plain Python lists: columns by index, rows in CSR order.

The rules build into this instead of PuLP objects: a county's 33,000 columns cost 0.2 s
as PuLP variables and nothing here. HiGHS takes the arrays as they are (`backends`);
`to_pulp` gives the same program as a PuLP problem for CBC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pulp

INF = math.inf


class Sense(StrEnum):
    le = "<="
    ge = ">="
    eq = "="


@dataclass
class Expr:
    """Σ coef·column + constant, columns by index."""

    terms: dict[int, float] = field(default_factory=dict)
    constant: float = 0.0

    def __len__(self) -> int:
        return len(self.terms)


@dataclass
class LinearProgram:
    name: str = "staffpool"
    col_names: list[str] = field(default_factory=list)
    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)
    row_lo: list[float] = field(default_factory=list)
    row_hi: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    @property
    def num_cols(self) -> int:
        return len(self.lb)

    @property
    def num_rows(self) -> int:
        return len(self.row_lo)

    def var(self, name: str, lb: float = 0.0, ub: float = INF, integer: bool = False) -> int:
        self.col_names.append(name)
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        return len(self.lb) - 1

    def vars(self, n: int, lb: float, ub: float, integer: bool) -> range:
        """n columns with the same bounds and kind, unnamed (`x_<index>` when exported)."""
        start = len(self.lb)
        self.col_names += [""] * n
        self.lb += [lb] * n
        self.ub += [ub] * n
        self.integer += [integer] * n
        return range(start, start + n)

    def row(self, name: str, terms: dict[int, float], sense: Sense, rhs: float) -> int:
        self.row_names.append(name)
        self.starts.append(len(self.index))
        if all(terms.values()):  # the usual case: no zero to drop
            self.index += terms
            self.value += terms.values()
        else:
            for col, coef in terms.items():
                if coef:
                    self.index.append(col)
                    self.value.append(coef)
        self.row_lo.append(-INF if sense == Sense.le else rhs)
        self.row_hi.append(INF if sense == Sense.ge else rhs)
        return len(self.row_lo) - 1

    def row_terms(self, r: int) -> dict[int, float]:
        end = self.starts[r + 1] if r + 1 < len(self.starts) else len(self.index)
        return dict(zip(self.index[self.starts[r]:end], self.value[self.starts[r]:end], strict=True))

    def to_pulp(self) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
        """The same program as a PuLP problem (no objective) and its variables by index."""

        pulp = import_pulp()

        # PuLP's own writers: CBC's MPS file takes any name PuLP has cleaned itself.
        prob = pulp.LpProblem(safe_name(self.name), pulp.LpMinimize)
        cols = [
            pulp.LpVariable(n or f"x_{i:06d}", lowBound=lo, upBound=None if hi == INF else hi,
                            cat=pulp.LpInteger if integer else pulp.LpContinuous)
            for i, (n, lo, hi, integer) in enumerate(zip(self.col_names, self.lb, self.ub, self.integer, strict=True))
        ]
        for r, name in enumerate(self.row_names):
            expr = pulp.LpAffineExpression({cols[c]: v for c, v in self.row_terms(r).items()})
            lo, hi = self.row_lo[r], self.row_hi[r]
            if lo == hi:
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, rhs=lo), name)
            elif lo == -INF:
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=hi), name)
            else:
                prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintGE, rhs=lo), name)
        return prob, cols


def import_pulp() -> Any:
    """PuLP, with its 4.x-migration warnings silenced on purpose (PuLP 3.3 warns on every call)."""
    import pulp

    pulp.set_v4_migration_warnings(False)
    return pulp


def pulp_expr(expr: Expr, cols: list[Any]) -> Any:
    """An `Expr` over the columns of `to_pulp`."""
    pulp = import_pulp()
    return pulp.LpAffineExpression({cols[c]: v for c, v in expr.terms.items()}, constant=expr.constant)


def safe_name(name: str) -> str:
    """Letters and digits kept, the rest '_': a name every solver file format accepts."""
    return "".join(ch if ch.isalnum() else "_" for ch in name)

