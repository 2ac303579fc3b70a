"""The objective levels: shortfall counts one person toward every row they match; order matters."""

from staffpool.check import compute_levels
from staffpool.domain.instance import Level

from ..helpers import inst, make, person, req
from .conftest import solved, stay


def test_one_person_counts_toward_several_rows() -> None:
    insts = [inst("T", "township", 1)]
    staff = [person("a", "on_staff", "chief", "gp", "T", "full", "T")]
    reqs = [req("T", "gp", "attending", 1, 2), req("T", "*", "resident", 2, 3), req("T", "surgery", "resident", 1)]
    instance = make(insts, staff, reqs)
    levels = compute_levels(instance, stay(instance))
    assert levels[Level.shortfall] == 0 * 2 + 1 * 3 + 1 * 1


def test_objective_order_changes_the_optimum() -> None:
    insts = [inst("H", "county", 1), inst("T", "township", 0, 5, 0)]
    staff = [person("a", "on_staff", "attending", "gp", "H", "differential", "H")]
    reqs = [req("T", "gp", "attending", 1)]
    default = solved(make(insts, staff, reqs))
    assert default.objective[Level.shortfall] == 0 and default.objective[Level.moves] == 1
    moves_first = solved(make(insts, staff, reqs, {"objective": ["moves", "shortfall"]}))
    assert moves_first.objective[Level.moves] == 0 and moves_first.objective[Level.shortfall] == 1
    assert list(moves_first.objective) == [Level.moves, Level.shortfall]
