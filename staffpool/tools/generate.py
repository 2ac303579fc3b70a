"""Seeded synthetic instances shaped like the seed articles (an "inverted triangle").

Per community: a county general hospital and a TCM hospital (county tier, differential
posts, most of the doctors), township centres (full posts), village clinics (no posts,
contract village doctors), candidates, requirement rows that are heavier at the
grassroots, a hiring budget and a cap on moves. Standard library only, so the same
(communities, seed, scale, shape options) gives the same bytes, fast.

The shape options vary what the solver faces (benchmarks/run.py's spread): the policy's
mode, the cap on moves (a share of the community's staff, or none), the share of contract
staff and extra vacancies (many regularisations). Their defaults give the original bytes.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from staffpool.outputs.files import csv_text, write_folder_atomic

SPECIALTIES = ["general_practice", "internal_medicine", "surgery", "pediatrics", "obstetrics",
               "tcm", "emergency", "public_health"]
COLUMNS = {
    "institutions": ["id", "name", "community", "tier", "funding", "approved_posts", "service_population", "x_km", "y_km", "capacity"],
    "staff": ["id", "name", "status", "title", "specialty", "post_funding", "quota_holder", "posted_at", "community", "mobile", "grassroots_due"],
    "requirements": ["institution", "specialty", "min_title", "need", "weight"],
}


MODES = ("separate", "county_pool", "unified")


def _community(k: int, seed: int, scale: float, move_cap: float | None = 0.03, contracts: float = 1.0,
               vacancies: float = 0.0) -> tuple[dict[str, object], list[list[object]], list[list[object]], list[list[object]]]:
    rnd = random.Random(seed * 100_003 + k)
    cid = f"C{k:03d}"
    ox, oy = (k % 10) * 200.0, (k // 10) * 200.0
    n_town = max(2, round(11 * math.sqrt(scale)))
    n_vill = max(3, round(100 * scale))
    county_staff = max(20, round(550 * scale))
    town_staff = max(4, round(18 * scale ** 0.5))
    insts: list[list[object]] = []
    staff: list[list[object]] = []
    reqs: list[list[object]] = []
    people = 0

    def add(status: str, title: str, spec: str, post: str, holder: str, at: str, mobile: bool, due: bool) -> None:
        nonlocal people
        people += 1
        sid = f"{cid}-S{people:05d}"
        staff.append([sid, f"Doctor {k}-{people}", status, title, spec, post, holder, at, cid,
                      "true" if mobile else "false", "true" if due else "false"])

    county = [(f"{cid}-H1", f"County General Hospital {k}", 0.0), (f"{cid}-H2", f"County TCM Hospital {k}", 1.5)]
    county_pop = 70_000  # a county of ~200,000 people, 65% in townships and villages
    for hid, name, dx in county:
        on_staff = 0
        before = len(staff)
        for _ in range(county_staff if hid.endswith("H1") else county_staff // 3):
            title = rnd.choices(["resident", "attending", "deputy_chief", "chief"], [35, 35, 20, 10])[0]
            spec = "tcm" if hid.endswith("H2") and rnd.random() < 0.7 else rnd.choice(SPECIALTIES)
            contract = rnd.random() < 0.07 * contracts
            on_staff += 0 if contract else 1
            add("contract" if contract else "on_staff", title, spec, "" if contract else "differential",
                "" if contract else hid, hid, rnd.random() < 0.9, title == "attending" and rnd.random() < 0.1)
        n_here = len(staff) - before
        extra = round(vacancies * n_here)
        insts.append([hid, name, cid, "county", "differential", on_staff + rnd.randint(0, 3) + extra, county_pop // 2,
                      f"{ox + dx:.3f}", f"{oy:.3f}", str(math.ceil(n_here * 1.05))])
        for spec in SPECIALTIES:
            reqs.append([hid, spec, rnd.choice(["attending", "deputy_chief"]),
                         max(1, round(rnd.uniform(0.03, 0.07) * n_here)), rnd.randint(1, 3)])
    towns = []
    rural_pop = 130_000
    for t in range(n_town):
        tid = f"{cid}-T{t + 1:02d}"
        ang, rad = rnd.uniform(0, 2 * math.pi), rnd.uniform(5, 35)
        x, y = ox + rad * math.cos(ang), oy + rad * math.sin(ang)
        towns.append((tid, x, y))
        on_staff = 0
        for _ in range(town_staff):
            title = rnd.choices(["resident", "attending", "deputy_chief"], [55, 35, 10])[0]
            contract = rnd.random() < 0.1 * contracts
            on_staff += 0 if contract else 1
            add("contract" if contract else "on_staff", title, rnd.choice(SPECIALTIES[:4]),
                "" if contract else "full", "" if contract else tid, tid, rnd.random() < 0.9, False)
        cap = "" if t % 3 else str(town_staff + 4)
        extra = round(vacancies * town_staff)
        insts.append([tid, f"Township Centre {k}-{t + 1}", cid, "township", "full", on_staff + rnd.randint(0, 2) + extra,
                      rural_pop // (2 * n_town), f"{x:.3f}", f"{y:.3f}", cap])
        reqs.append([tid, "general_practice", "resident", rnd.randint(4, 8), rnd.randint(2, 5)])
        reqs.append([tid, "*", "attending", rnd.randint(4, 9), rnd.randint(2, 5)])
        reqs.append([tid, "pediatrics", "resident", rnd.randint(1, 3), rnd.randint(2, 5)])
        reqs.append([tid, "internal_medicine", "resident", rnd.randint(1, 3), rnd.randint(2, 5)])
    for v in range(n_vill):
        vid = f"{cid}-V{v + 1:03d}"
        _tid, tx, ty = towns[v % n_town]
        ang, rad = rnd.uniform(0, 2 * math.pi), rnd.uniform(1, 8)
        insts.append([vid, f"Village Clinic {k}-{v + 1}", cid, "village", "none", 0, rural_pop // (2 * n_vill),
                      f"{tx + rad * math.cos(ang):.3f}", f"{ty + rad * math.sin(ang):.3f}", ""])
        if rnd.random() < 0.7:
            add("contract", "village_doctor", "general_practice", "", "", vid, rnd.random() < 0.9, False)
        reqs.append([vid, "*", "village_doctor", rnd.choice([1, 1, 1, 2]), rnd.randint(2, 5)])
    for a in range(max(2, round(30 * scale))):
        title = rnd.choice(["resident", "attending", "village_doctor"])
        staff.append([f"{cid}-A{a + 1:04d}", f"Applicant {k}-{a + 1}", "candidate", title,
                      "general_practice" if title == "village_doctor" else rnd.choice(SPECIALTIES[:4]),
                      "", "", "", cid, "true", "false"])
    comm: dict[str, object] = {"id": cid, "name": f"Community {k}", "hiring_budget": round(15 * 200_000 * scale)}
    if move_cap is not None:
        comm["max_moves"] = max(1, round(move_cap * len(staff)))
    return comm, insts, staff, reqs


def generate(communities: int, seed: int = 0, scale: float = 1.0, out_dir: Path | str = "generated",
             name: str | None = None, force: bool = False, mode: str = "county_pool",
             move_cap: float | None = 0.03, contracts: float = 1.0, vacancies: float = 0.0) -> Path:
    """Write a folder instance (whole or not at all; an existing folder only with `force`);
    returns its path.

    mode: the policy's mode. move_cap: each community's `max_moves` as a share of its staff
    (candidates included; at least 1), None for no cap. contracts: multiplies the share of
    contract staff (7 % at county hospitals, 10 % at township centres). vacancies: extra
    approved posts at county hospitals and township centres, as a share of their staff."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if (move_cap is not None and move_cap < 0) or contracts < 0 or vacancies < 0:
        raise ValueError("move_cap, contracts and vacancies must be at least 0")
    out = Path(out_dir)
    comms, insts, staff, reqs = [], [], [], []
    for k in range(communities):
        c, i, s, r = _community(k, seed, scale, move_cap, contracts, vacancies)
        comms.append(c)
        insts += i
        staff += s
        reqs += r
    yaml_lines = [
        f"name: {name or f'generated-{communities}c-seed{seed}'}",
        "policy:",
        f"  mode: {mode}",
        "  max_distance_km: 40",
        "communities:",
    ]
    for c in comms:
        cap = f", max_moves: {c['max_moves']}" if "max_moves" in c else ""
        yaml_lines.append(f"  - {{id: {c['id']}, name: \"{c['name']}\", hiring_budget: {c['hiring_budget']}{cap}}}")
    write_folder_atomic(out, {
        "instance.yaml": "\n".join(yaml_lines) + "\n",
        "institutions.csv": csv_text(COLUMNS["institutions"], insts),
        "staff.csv": csv_text(COLUMNS["staff"], staff),
        "requirements.csv": csv_text(COLUMNS["requirements"], reqs),
    }, force)
    return out
