"""One plan-folder reader: `check`, `report --plan`, `advance` and `solve --from` read a folder
the same way. Its mode is `--mode`, else the one its summary.json records; a summary.json
that is missing, corrupt or records no valid mode is exit 2 naming the file (never quietly
the policy's mode), and `--mode` makes the plan readable again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from staffpool.cli import main
from tests.test_plan import three_years

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"

# A plan of tiny solved in unified mode: it breaks county_pool's post-use rules (tiny's
# policy mode), so reading it in the policy's mode would be wrong, not merely different.
DAMAGE = {
    "missing": None,
    "corrupt": '{"mode": "unified", "status": ',
    "not an object": "[1, 2]\n",
    "no mode": '{"status": "optimal"}\n',
    "unknown mode": '{"mode": "pooled"}\n',
}


def commands(plan: Path, out: Path) -> dict[str, list[str]]:
    return {
        "check": ["check", str(TINY), str(plan)],
        "report": ["report", str(TINY), "--plan", str(plan), "--no-compare", "--out", str(out / "r.html")],
        "advance": ["advance", str(TINY), str(plan), "--out", str(out / "next")],
        "solve --from": ["solve", str(TINY), "--from", str(plan), "--out", str(out / "solved")],
    }


@pytest.fixture(scope="module")
def unified_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = tmp_path_factory.mktemp("plans") / "unified"
    assert main(["solve", str(TINY), "--mode", "unified", "--out", str(plan)]) == 0
    return plan


@pytest.fixture
def wide_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    import staffpool.cli.common

    monkeypatch.setattr(staffpool.cli.common.err, "width", 400)


def _damaged(unified_plan: Path, tmp_path: Path, damage: str | None) -> Path:
    plan = tmp_path / "plan"
    shutil.copytree(unified_plan, plan)
    if damage is None:
        (plan / "summary.json").unlink()
    else:
        (plan / "summary.json").write_text(damage, encoding="utf-8")
    return plan


@pytest.mark.usefixtures("wide_stderr")
@pytest.mark.parametrize("command", ["check", "report", "advance", "solve --from"])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_bad_summary_json_is_exit_2_naming_it_unless_mode_is_given(
        command: str, damage: str, unified_plan: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    plan = _damaged(unified_plan, tmp_path, DAMAGE[damage])
    out = tmp_path / "out"
    args = commands(plan, out)[command]
    assert main(args) == 2
    err = capfd.readouterr().err
    assert str(plan / "summary.json") in err and "--mode" in err, err
    assert "Traceback" not in err and not out.exists()
    assert main([*args, "--mode", "unified"]) == 0  # the user says which mode: readable again
    capfd.readouterr()


@pytest.mark.usefixtures("wide_stderr")
@pytest.mark.parametrize("command", ["check", "report", "advance", "solve --from"])
def test_a_summary_json_of_another_mode_is_believed_and_the_plan_fails_in_it(
        command: str, unified_plan: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """summary.json says county_pool of a plan made in unified: the plan is read in county_pool,
    where it breaks the post-use rules: `check` and `report` exit 1 with the violations,
    `advance` and `--from` exit 2 naming the rows; `--mode unified` wins over the record."""
    plan = tmp_path / "plan"
    shutil.copytree(unified_plan, plan)
    meta = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    (plan / "summary.json").write_text(json.dumps({**meta, "mode": "county_pool"}), encoding="utf-8")
    out = tmp_path / "out"
    args = commands(plan, out)[command]
    assert main(args) == (1 if command in ("check", "report") else 2)
    shown = capfd.readouterr()
    assert "post_use" in shown.out + shown.err and not out.exists()
    assert main([*args, "--mode", "unified"]) == 0
    capfd.readouterr()


def test_check_of_a_bare_assignments_csv(unified_plan: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """Beside its summary.json the file is read in the recorded mode; alone, it needs --mode."""
    assert main(["check", str(TINY), str(unified_plan / "assignments.csv"), "--json"]) == 0
    assert json.loads(capfd.readouterr().out)["mode"] == "unified"
    alone = tmp_path / "mine.csv"
    shutil.copy(unified_plan / "assignments.csv", alone)
    assert main(["check", str(TINY), str(alone), "--json"]) == 2
    problem = json.loads(capfd.readouterr().out)["problems"][0]
    assert problem["file"] == str(tmp_path / "summary.json") and "--mode" in problem["message"]
    assert main(["check", str(TINY), str(alone), "--mode", "unified", "--json"]) == 0
    assert json.loads(capfd.readouterr().out)["mode"] == "unified"


@pytest.fixture(scope="module")
def years_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("years")
    inst = three_years(base)
    assert main(["plan", str(inst), "--rolling", "--out", str(base / "P")]) == 0
    return inst, base / "P"


@pytest.mark.usefixtures("wide_stderr")
@pytest.mark.parametrize("damage", ["missing", "corrupt", "unknown mode"])
def test_a_plan_folder_names_the_year_whose_summary_json_is_bad(
        damage: str, years_plan: tuple[Path, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst, good = years_plan
    plan = tmp_path / "P"
    shutil.copytree(good, plan)
    bad = plan / "2028" / "summary.json"
    if DAMAGE[damage] is None:
        bad.unlink()
    else:
        bad.write_text(str(DAMAGE[damage]), encoding="utf-8")
    for args in (["report", str(inst), "--plan", str(plan), "--out", str(tmp_path / "r.html")],
                 ["advance", str(inst), str(plan), "--out", str(tmp_path / "next")],
                 ["solve", str(inst), "--from", str(plan), "--out", str(tmp_path / "s")]):
        assert main(args) == 2, args
        err = capfd.readouterr().err
        assert str(bad) in err, err
        assert main([*args, "--mode", "county_pool"]) == 0, args
        capfd.readouterr()


@pytest.mark.usefixtures("wide_stderr")
def test_the_report_of_a_plan_folder_needs_its_summary_json(years_plan: tuple[Path, Path], tmp_path: Path,
                                                             capfd: pytest.CaptureFixture[str]) -> None:
    """The kind of plan is DIR/summary.json's: missing, it is exit 2 (not a silent `time_limit`)
    unless --mode; given, the page is written and each year's status still the checked one."""
    inst, good = years_plan
    plan = tmp_path / "P"
    shutil.copytree(good, plan)
    (plan / "summary.json").unlink()
    page = tmp_path / "r.html"
    assert main(["report", str(inst), "--plan", str(plan), "--out", str(page)]) == 2
    assert str(plan / "summary.json") in capfd.readouterr().err
    assert main(["report", str(inst), "--plan", str(plan), "--out", str(page), "--mode", "county_pool"]) == 0
    html = page.read_text(encoding="utf-8")
    assert "status <b>optimal</b>" in html and "time_limit" not in html
