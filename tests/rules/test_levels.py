"""The objective levels: shortfall counts one person toward every row they match; order matters."""

from staffpool.check import compute_levels
from staffpool.domain.instance import Level, Mode
from staffpool.model.years import build_horizon_community

from ..helpers import inst, make, person, req
from .conftest import in_year, integrated, over_years, solved, stay, years_optimum


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


# ---------------------------------------------------------------- over years


def test_levels_over_years_are_the_years_levels_summed() -> None:
    # a moves H → T (5 km) in 2027 and stays; c is hired for T's 2028 need; k stays without
    # a post both years (the one free post is c's).
    insts = [inst("H", "county", 2), inst("T", "township", 0, 5, 0)]
    staff = [person("a", "on_staff", "attending", "gp", "H", "differential", "H"),
             person("k", "contract", "resident", "gp", "T"), person("c", "candidate", "resident", "surgery")]
    reqs = [req("T", "gp", "attending", 1), in_year(req("T", "surgery", "resident", 1), 2028)]
    totals = integrated(over_years(make(insts, staff, reqs, {"mode": "unified"}))).totals()
    assert totals == {"shortfall": 0, "moves": 1, "distance": 5, "hiring_cost": 150000, "unregularised": 2}


def test_shortfall_over_years_reads_each_years_rows() -> None:
    # T needs 1 every year, 2 in 2028 (its row replaces the yearless one): one resident there.
    insts = [inst("T", "township", 1)]
    staff = [person("r", "on_staff", "resident", "gp", "T", "full", "T")]
    instance = over_years(make(insts, staff, [req("T", "gp", "resident", 1), in_year(req("T", "gp", "resident", 2), 2028)]))
    hm = build_horizon_community(instance, "C1", Mode.county_pool)
    assert hm.families["shortfall"] == ["shortfall[T,2027,#0]", "shortfall[T,2028,#0]"]
    assert years_optimum(instance, Level.shortfall) == 1
    assert integrated(instance).totals()["shortfall"] == 1
