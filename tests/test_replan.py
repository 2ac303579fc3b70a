"""advance and solve --from: the world after a plan, as an instance; a plan that does not fit is named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from staffpool import solve
from staffpool.cli import main
from staffpool.domain.instance import Horizon, Pin, StaffStatus
from staffpool.domain.plan import Assignment
from staffpool.domain.years import advance, year_view
from staffpool.errors import InputError
from staffpool.inputs.validate import load_instance
from staffpool.outputs.plans import advance_from

from .helpers import inst, make, person

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"


def _solve_to(tmp_path: Path, instance: Path, name: str, *extra: str) -> Path:
    out = tmp_path / name
    assert main(["solve", str(instance), "--out", str(out), *extra]) == 0
    return out


def test_advanced_tiny_is_where_the_plan_left_everyone(tmp_path: Path) -> None:
    plan_dir = _solve_to(tmp_path, TINY, "p1")
    assert main(["advance", str(TINY), str(plan_dir), "--out", str(tmp_path / "next")]) == 0
    before, after = load_instance(TINY), load_instance(tmp_path / "next")
    rows = {r["staff_id"]: r for r in solve(before).rows("assignments")}
    assert [s.id for s in after.staff] == [s.id for s in before.staff]
    for s0 in before.staff:
        s1, r = after.staff_by_id[s0.id], rows[s0.id]
        if r["change"] == "not_hired":
            assert s1 == s0
            continue
        assert s1.posted_at == r["to_institution"]
        if r["post_source"] in ("hired", "regularised"):
            assert s1.status == StaffStatus.on_staff and s1.post_funding is not None
            assert s1.post_funding.value == r["post_funding"]
            assert after.institution_by_id[str(s1.quota_holder)].funding == s1.post_funding
        else:
            assert (s1.status, s1.post_funding, s1.quota_holder) == (s0.status, s0.post_funding, s0.quota_holder)
    assert after.institutions == before.institutions and after.requirements == before.requirements
    assert after.policy == before.policy and after.communities == before.communities


@pytest.mark.parametrize("mode", ["county_pool", "unified", "separate"])
def test_solve_from_equals_solving_the_advanced_instance(tmp_path: Path, mode: str) -> None:
    plan_dir = _solve_to(tmp_path, TINY, "p1", "--mode", mode)
    assert main(["advance", str(TINY), str(plan_dir), "--out", str(tmp_path / "next")]) == 0
    a = _solve_to(tmp_path, tmp_path / "next", "a", "--mode", mode)
    b = _solve_to(tmp_path, TINY, "b", "--mode", mode, "--from", str(plan_dir))
    for f in ("assignments.csv", "requirements.csv", "institutions.csv"):
        assert (a / f).read_text(encoding="utf-8") == (b / f).read_text(encoding="utf-8"), f
    ja, jb = (json.loads((d / "summary.json").read_text(encoding="utf-8")) for d in (a, b))
    assert ja["objective"] == jb["objective"] and ja["status"] == jb["status"] == "optimal"


def test_advance_refuses_an_existing_target(tmp_path: Path) -> None:
    plan_dir = _solve_to(tmp_path, TINY, "p1")
    target = tmp_path / "next"
    target.mkdir()
    (target / "mine.txt").write_text("keep", encoding="utf-8")
    assert main(["advance", str(TINY), str(plan_dir), "--out", str(target)]) == 2
    assert [p.name for p in target.iterdir()] == ["mine.txt"]


def test_a_plan_of_another_instance_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan_dir = _solve_to(tmp_path, TINY, "p1")
    text = (plan_dir / "assignments.csv").read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace(",H,", ",T,", 1)  # row 4 (s3): from_institution changed
    (plan_dir / "assignments.csv").write_text("\n".join(text[:-1]) + "\n", encoding="utf-8")  # s8 left out
    capsys.readouterr()
    assert main(["advance", str(TINY), str(plan_dir), "--out", str(tmp_path / "next")]) == 2
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(InputError) as exc:
        advance_from(load_instance(TINY), plan_dir)
    assert [(p.row, p.column, p.value) for p in exc.value.problems] == [(4, "from_institution", "T"), (None, "staff_id", "s8")]
    assert not (tmp_path / "next").exists()
    assert main(["solve", str(TINY), "--from", str(plan_dir), "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()


def test_a_plan_breaking_a_rule_is_named(tmp_path: Path) -> None:
    plan_dir = _solve_to(tmp_path, TINY, "p1")
    f = plan_dir / "assignments.csv"
    lines = f.read_text(encoding="utf-8").splitlines()
    n = next(k for k, line in enumerate(lines) if line.startswith("s6,"))
    cells = lines[n].split(",")
    cells[lines[0].split(",").index("to_institution")] = "H"  # a village doctor at the county hospital
    lines[n] = ",".join(cells)
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["advance", str(TINY), str(plan_dir), "--out", str(tmp_path / "next")]) == 2
    with pytest.raises(InputError) as exc:
        advance_from(load_instance(TINY), plan_dir)
    assert any(p.row == n + 1 and p.column == "to_institution" and "village_title" in p.message
               for p in exc.value.problems)


def test_leavers_go_and_free_their_posts_and_past_rows_are_dropped() -> None:
    insts = [inst("H", "county", 1), inst("T", "township", 1, 5, 0)]
    staff = [
        person("old", "on_staff", "attending", at="H", post="differential", holder="H").model_copy(update={"leaves": 2028}),
        person("c", "candidate", "attending"),
        person("late", "candidate", "resident").model_copy(update={"arrives": 2029}),
    ]
    i = make(insts, staff).model_copy(update={
        "horizon": Horizon(start=2027, years=3),
        "pins": (Pin(staff_id="c", year=2027, not_at="H"), Pin(staff_id="c", not_at="T"), Pin(staff_id="old", stay=True)),
    })
    assert [s.id for s in year_view(i).staff] == ["old", "c"]
    nxt = advance(i, {"old": Assignment("old", "H", "differential", "existing"), "c": Assignment("c", None)})
    assert nxt.horizon == Horizon(start=2028, years=2)
    assert [s.id for s in nxt.staff] == ["c", "late"]
    assert nxt.pins == (Pin(staff_id="c", not_at="T"),)
    from staffpool.check import vacancies

    assert vacancies(year_view(nxt), nxt.policy.mode)[("C1", "differential")] == 1


def test_a_hired_graduate_carries_the_years_still_owed() -> None:
    insts = [inst("H", "county", 1), inst("T", "township", 1, 5, 0)]
    g = person("g", "candidate", "resident").model_copy(update={"grassroots_years": 6})
    i = make(insts, [g]).model_copy(update={"horizon": Horizon(start=2027, years=2)})
    nxt = advance(i, {"g": Assignment("g", "T", "full", "hired")})
    s = nxt.staff_by_id["g"]
    assert (s.status, s.posted_at, s.grassroots_years, s.quota_holder) == (StaffStatus.on_staff, "T", 5, "T")


def test_unified_post_takes_the_funding_where_posted() -> None:
    insts = [inst("H", "county", 1), inst("V", "village", 0, 3, 0), inst("T", "township", 1, 9, 0)]
    i = make(insts, [person("v", "contract", "village_doctor", at="V"), person("c", "candidate", "resident")],
             policy={"mode": "unified"})
    nxt = advance(i, {"v": Assignment("v", "V", "unified", "regularised"), "c": Assignment("c", "H", "unified", "hired")})
    v, c = nxt.staff_by_id["v"], nxt.staff_by_id["c"]
    assert (v.post_funding.value if v.post_funding else None, v.quota_holder) == ("full", "T")
    assert (c.post_funding.value if c.post_funding else None, c.quota_holder) == ("differential", "H")


def test_advance_copies_optional_files(tmp_path: Path) -> None:
    src = tmp_path / "inst"
    shutil.copytree(TINY, src)
    (src / "pins.csv").write_text("staff_id,at\ns2,H\n", encoding="utf-8")
    plan_dir = _solve_to(tmp_path, src, "p1")
    assert main(["advance", str(src), str(plan_dir), "--out", str(tmp_path / "next")]) == 0
    assert load_instance(tmp_path / "next").pins == (Pin(staff_id="s2", at="H"),)
