"""Rule 4: a move is at most max_distance_km (distances in whole metres)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from staffpool.domain.instance import Level
from staffpool.domain.plan import Assignment

from ..helpers import inst, make, person, req
from .conftest import integrated, over_years, solved, stay, violations, where, years_optimum


def _instance(limit: float | None):
    # 3-4-5 triangle: exactly 5.000 km
    insts = [inst("H", "county", 1, 0, 0), inst("T", "township", 0, 3, 4)]
    staff = [person("a", "on_staff", "attending", "gp", "H", "differential", "H")]
    return make(insts, staff, [req("T", "gp", "attending", 1)], {"max_distance_km": limit})


def test_a_move_at_exactly_the_limit_is_allowed_and_just_over_is_not() -> None:
    assert solved(_instance(5)).objective[Level.distance] == 5.0
    r = solved(_instance(4.999))
    assert r.plan["a"].to_institution == "H" and r.objective[Level.shortfall] == 1


def test_checker_catches_a_move_over_the_limit() -> None:
    instance = _instance(4)
    plan = stay(instance)
    plan["a"] = Assignment("a", "T", "differential", "existing")
    assert any("over the 4 km limit" in m for m in violations(instance, plan, "distance"))


def test_half_a_metre_written_in_decimals_rounds_up() -> None:
    # 1.0045 − 1.0 km is 4.5 m as written (4.49999… m in binary floating point): 5 m.
    from staffpool.domain.instance import distance_m

    insts = [inst("H", "county", 1, 1.0, 0), inst("T", "township", 0, 1.0045, 0)]
    assert distance_m(insts[0], insts[1]) == 5
    staff = [person("a", "on_staff", "attending", "gp", "H", "differential", "H")]
    instance = make(insts, staff, [req("T", "gp", "attending", 1)], {"max_distance_km": 0.005})
    r = solved(instance)  # the solver's levels are checked against the checker's
    assert r.objective[Level.distance] == 0.005


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-2_000_000, 2_000_000), min_size=4, max_size=4))
def test_the_model_checker_and_oracle_round_alike(c: list[int]) -> None:
    """Coordinates with 4 decimals (tenths of metres): half-metre ties are common."""
    from benchmarks.naive import metres as naive_metres
    from staffpool.check import _metres
    from staffpool.domain.instance import distance_m

    from ..helpers import metres

    a = inst("A", "county", 0, c[0] / 10_000, c[1] / 10_000)
    b = inst("B", "township", 0, c[2] / 10_000, c[3] / 10_000)
    assert distance_m(a, b) == _metres(a, b) == metres(a, b) == naive_metres(a, b)


def _metres_by_hand(a: tuple[str, str], b: tuple[str, str]) -> int:
    """model.md's whole metres from coordinates as written (km, decimal strings), exactly:
    a distance within a micrometre of a half metre is a tie and rounds up."""
    from decimal import Decimal, getcontext

    getcontext().prec = 40
    dx, dy = Decimal(a[0]) - Decimal(b[0]), Decimal(a[1]) - Decimal(b[1])
    m = (dx * dx + dy * dy).sqrt() * 1000
    whole = int(m)
    frac = m - whole
    return whole + 1 if frac >= Decimal("0.5") - Decimal("1e-6") else whole


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-40000, 40000), st.integers(-3, 3)), min_size=2, max_size=10),
       st.integers(0, 30000))
def test_the_community_distance_table_is_model_md_metres(points: list[tuple[int, int]], limit_m: int) -> None:
    """The build's table of distances (a row per institution at once) against the metres worked out by
    hand, on coordinates in steps of half a metre, where ties are common; and the distance
    limit (a whole number of metres) read off it."""
    from staffpool.model.community import _distances

    written = [(str(Decimal(i) * Decimal("0.0005")), str(Decimal(j) * Decimal("0.0004"))) for i, j in points]
    insts = [inst(f"I{k}", "county", 0, float(x), float(y)) for k, (x, y) in enumerate(written)]
    table = _distances(insts)
    limit_km = limit_m / 1000
    for a, pa in zip(insts, written, strict=True):
        row = table.row(a.id)  # type: ignore[attr-defined]
        near = table.within(a.id, limit_km)  # type: ignore[attr-defined]
        for b, pb in zip(insts, written, strict=True):
            metres = 0 if a.id == b.id else _metres_by_hand(pa, pb)
            assert table[(a.id, b.id)] == row[b.id] == metres
            assert (b.id in near) == (metres <= limit_m)


# ---------------------------------------------------------------- over years


def _two_steps():
    # A at 0 km, M at 30 km, B at 60 km, a limit of 40 km; B needs the attending of A every
    # year. A move is measured from where the year before left them: A → M, then M → B.
    insts = [inst("A", "township", 1, 0, 0), inst("M", "township", 0, 30, 0), inst("B", "township", 0, 60, 0)]
    staff = [person("a", "on_staff", "attending", "gp", "A", "full", "A")]
    return over_years(make(insts, staff, [req("B", "gp", "attending", 1)], {"mode": "unified", "max_distance_km": 40}))


def test_distance_over_years_limits_each_move() -> None:
    plan = integrated(_two_steps())
    assert where(plan, "a") == ["M", "B"]
    assert plan.totals()["shortfall"] == 1 and plan.totals()["distance"] == 60


def test_distance_over_years_dropped_changes_the_optimum() -> None:
    instance = _two_steps()
    assert years_optimum(instance, Level.shortfall) == 1
    assert years_optimum(instance, Level.shortfall, frozenset({"distance"})) == 0
