"""Every kind of corrupted instance: exit 2, file/row/column named, no traceback, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from staffpool.cli import main
from staffpool.errors import InputError
from staffpool.inputs.validate import load_instance

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"

# (name, file, old text, new text, expected (file, row, column))
CORRUPTIONS = [
    ("unknown title", "staff.csv", "s2,Dr Li,on_staff,resident", "s2,Dr Li,on_staff,professor", ("staff.csv", 3, "title")),
    ("unknown status", "staff.csv", "s5,Dr Liu,contract", "s5,Dr Liu,temp", ("staff.csv", 6, "status")),
    ("duplicate staff id", "staff.csv", "s4,Dr Zhao", "s3,Dr Zhao", ("staff.csv", 5, "id")),
    ("unknown posted_at", "staff.csv", "general_practice,,,T,C1,true,false", "general_practice,,,X9,C1,true,false", ("staff.csv", 6, "posted_at")),
    ("unknown quota holder", "staff.csv", "full,T,T,C1", "full,Q,T,C1", ("staff.csv", 5, "quota_holder")),
    ("quota holder of another funding", "staff.csv", "full,T,T,C1", "full,H,T,C1", ("staff.csv", 5, "quota_holder")),
    ("on_staff without post_funding", "staff.csv", "s4,Dr Zhao,on_staff,resident,general_practice,full", "s4,Dr Zhao,on_staff,resident,general_practice,", ("staff.csv", 5, "post_funding")),
    ("contract with a post", "staff.csv", "s5,Dr Liu,contract,resident,general_practice,,", "s5,Dr Liu,contract,resident,general_practice,full,", ("staff.csv", 6, "post_funding")),
    ("candidate with posted_at", "staff.csv", "s8,Dr Wu,candidate,resident,general_practice,,,,C1", "s8,Dr Wu,candidate,resident,general_practice,,,T,C1", ("staff.csv", 9, "posted_at")),
    ("posted_at and community disagree", "staff.csv", "s6,Dr Huang,contract,village_doctor,general_practice,,,V,C1", "s6,Dr Huang,contract,village_doctor,general_practice,,,V,C2", ("staff.csv", 7, "community")),
    ("grassroots_due on a resident", "staff.csv", "s2,Dr Li,on_staff,resident,internal_medicine,differential,H,H,C1,true,false", "s2,Dr Li,on_staff,resident,internal_medicine,differential,H,H,C1,true,true", ("staff.csv", 3, "grassroots_due")),
    ("bad boolean", "staff.csv", "s2,Dr Li,on_staff,resident,internal_medicine,differential,H,H,C1,true", "s2,Dr Li,on_staff,resident,internal_medicine,differential,H,H,C1,perhaps", ("staff.csv", 3, "mobile")),
    ("unknown tier", "institutions.csv", "T,Township centre,C1,township", "T,Township centre,C1,town", ("institutions.csv", 3, "tier")),
    ("unknown funding", "institutions.csv", "H,County hospital,C1,county,differential", "H,County hospital,C1,county,partial", ("institutions.csv", 2, "funding")),
    ("village with posts", "institutions.csv", "V,Village clinic,C1,village,none,0", "V,Village clinic,C1,village,none,2", ("institutions.csv", 4, "approved_posts")),
    ("non-integer posts", "institutions.csv", "H,County hospital,C1,county,differential,3", "H,County hospital,C1,county,differential,2.5", ("institutions.csv", 2, "approved_posts")),
    ("negative capacity", "institutions.csv", "10,0,3", "10,0,-1", ("institutions.csv", 3, "capacity")),
    ("non-numeric coordinate", "institutions.csv", "13,4,", "13,north,", ("institutions.csv", 4, "y_km")),
    ("unknown community", "institutions.csv", "V,Village clinic,C1", "V,Village clinic,C7", ("institutions.csv", 4, "community")),
    ("unknown requirement institution", "requirements.csv", "V,*,village_doctor", "W,*,village_doctor", ("requirements.csv", 7, "institution")),
    ("non-numeric need", "requirements.csv", "H,surgery,attending,1,1", "H,surgery,attending,one,1", ("requirements.csv", 2, "need")),
    ("negative need", "requirements.csv", "H,surgery,attending,1,1", "H,surgery,attending,-1,1", ("requirements.csv", 2, "need")),
    ("unknown min_title", "requirements.csv", "T,*,resident", "T,*,intern", ("requirements.csv", 6, "min_title")),
    ("missing column", "requirements.csv", "institution,specialty,min_title,need,weight", "institution,specialty,min_title,weight", ("requirements.csv", 1, "need")),
    ("unknown mode", "instance.yaml", "mode: county_pool", "mode: pooled", ("instance.yaml", None, "policy.mode")),
    ("duplicate objective level", "instance.yaml", "mode: county_pool", "mode: county_pool\n  objective: [shortfall, moves, shortfall]", ("instance.yaml", None, "policy.objective")),
    ("unknown objective level", "instance.yaml", "mode: county_pool", "mode: county_pool\n  objective: [shortfall, happiness]", ("instance.yaml", None, "policy.objective.1")),
    ("window does not divide periods", "instance.yaml", "mode: county_pool", "mode: county_pool\n  rotation: {periods: 4, window: 3}", ("instance.yaml", None, "policy.rotation")),
    ("bad YAML", "instance.yaml", "name: tiny", "name: [tiny", ("instance.yaml", None, "")),
]


def _corrupt(tmp_path: Path, file: str, old: str, new: str) -> Path:
    inst = tmp_path / "inst"
    shutil.copytree(TINY, inst)
    text = (inst / file).read_text(encoding="utf-8")
    assert old in text, old
    (inst / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return inst


@pytest.mark.parametrize(("name", "file", "old", "new", "where"), CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_corruption_is_named(name: str, file: str, old: str, new: str, where: tuple[str, int | None, str],
                             tmp_path: Path) -> None:
    inst = _corrupt(tmp_path, file, old, new)
    with pytest.raises(InputError) as exc:
        load_instance(inst)
    got = {(p.file, p.row, p.column) for p in exc.value.problems}
    if where[2]:
        assert where in got, (name, got)
    else:
        assert any(p.file == where[0] for p in exc.value.problems)


@pytest.mark.parametrize("command", ["validate", "solve"])
def test_cli_exit_2_no_traceback_nothing_written(command: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    inst = _corrupt(tmp_path, "staff.csv", "s2,Dr Li,on_staff,resident", "s2,Dr Li,on_staff,professor")
    out = tmp_path / "out"
    args = [command, str(inst)] + (["--out", str(out)] if command == "solve" else [])
    assert main(args) == 2
    text = "".join(capfd.readouterr())
    assert "Traceback" not in text and "staff.csv" in text
    assert not out.exists()


def test_every_problem_at_once(tmp_path: Path) -> None:
    inst = _corrupt(tmp_path, "staff.csv", "s2,Dr Li,on_staff,resident", "s2,Dr Li,on_staff,professor")
    text = (inst / "requirements.csv").read_text().replace("H,surgery,attending,1,1", "H,surgery,attending,one,1")
    (inst / "requirements.csv").write_text(text)
    text = (inst / "institutions.csv").read_text().replace("T,Township centre,C1,township", "T,Township centre,C1,town")
    (inst / "institutions.csv").write_text(text)
    with pytest.raises(InputError) as exc:
        load_instance(inst)
    assert {p.file for p in exc.value.problems} >= {"staff.csv", "requirements.csv", "institutions.csv"}
