"""The result files and the library's pandas tables say the same thing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from staffpool import solve
from staffpool.inputs.validate import load_instance
from staffpool.tools.generate import generate

ROOT = Path(__file__).resolve().parents[1]


def pandas_csv(df: pd.DataFrame) -> str:
    """How a pandas user would write the table: booleans as true/false, km with 3 decimals."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].map({True: "true", False: "false"})
    if "distance_km" in out.columns:
        out["distance_km"] = out["distance_km"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    return str(out.to_csv(index=False, lineterminator="\n"))


@pytest.mark.parametrize("source", ["tiny", "sanming-county", "generated"])
def test_csv_files_equal_the_pandas_tables(source: str, tmp_path: Path) -> None:
    path = generate(2, seed=3, scale=0.2, out_dir=tmp_path / "g") if source == "generated" else ROOT / "instances" / source
    result = solve(load_instance(path))
    result.write(tmp_path / "out")
    tables = {"assignments": result.assignments, "requirements": result.requirements, "institutions": result.institutions}
    for name, df in tables.items():
        written = (tmp_path / "out" / f"{name}.csv").read_text(encoding="utf-8")
        assert written == pandas_csv(df), name
        assert len(df) == len(pd.read_csv(tmp_path / "out" / f"{name}.csv"))
    a = result.assignments
    # The summary's counts are the tables' counts.
    counts = result.summary["counts"]
    assert counts["moves"] == int(a["moved"].sum())
    assert counts["hires"] == int((a["change"] == "hire").sum())
    assert counts["regularised"] == int((a["post_source"] == "regularised").sum())
    if source == "generated":
        assert counts["hires"] > 0 and (a["change"] == "not_hired").any()  # blank distances are written too


def test_tables_are_fresh_copies() -> None:
    """Editing a returned table does not change the result or the next table."""
    result = solve(load_instance(ROOT / "instances" / "tiny"))
    a = result.assignments
    a.loc[:, "to_institution"] = "X"
    assert (result.assignments["to_institution"] != "X").all()
