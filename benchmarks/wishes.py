"""Add wishes to an instance folder: every fourth person lists three institutions.

    python benchmarks/wishes.py IN_FOLDER OUT_FOLDER [--every 4] [--rows 3] [--seed 0]

Copies IN_FOLDER to OUT_FOLDER and writes OUT_FOLDER/preferences.csv: every `--every`-th
person of staff.csv (the 1st, the 5th, … in file order) lists `--rows` distinct institutions
of their community, ranks 1.. in random order (a fixed seed, so the same file each run).
Half of them list where they work now among the three (some ask to stay, some to go), as a
county's survey would. Plain standard library: reads the CSVs, never staffpool.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
from pathlib import Path


def add_wishes(src: Path, dst: Path, every: int = 4, rows: int = 3, seed: int = 0) -> int:
    """Copy `src` to `dst` with a preferences.csv; returns the number of rows written."""
    shutil.copytree(src, dst, dirs_exist_ok=True)
    with (src / "institutions.csv").open(newline="", encoding="utf-8-sig") as f:
        insts = list(csv.DictReader(f))
    with (src / "staff.csv").open(newline="", encoding="utf-8-sig") as f:
        staff = list(csv.DictReader(f))
    community_of = {i["id"]: i["community"] for i in insts}
    by_community: dict[str, list[str]] = {}
    for i in insts:
        by_community.setdefault(i["community"], []).append(i["id"])
    rng = random.Random(seed)
    out: list[tuple[str, str, int]] = []
    for k, s in enumerate(staff):
        if k % every:
            continue
        comm = s.get("community") or community_of[s["posted_at"]]
        pool = by_community[comm]
        here = s.get("posted_at") or ""
        picks = rng.sample([j for j in pool if j != here], min(rows, len(pool) - (1 if here in pool else 0)))
        if here and rng.random() < 0.5 and picks:
            picks[rng.randrange(len(picks))] = here
        out += [(s["id"], j, r) for r, j in enumerate(picks, start=1)]
    with (dst / "preferences.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["staff_id", "institution", "rank"])
        w.writerows(out)
    return len(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--every", type=int, default=4)
    ap.add_argument("--rows", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    n = add_wishes(a.src, a.dst, a.every, a.rows, a.seed)
    print(f"{a.dst}/preferences.csv: {n} rows")


if __name__ == "__main__":
    main()
