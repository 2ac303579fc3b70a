"""The workspace's API against a real server (uvicorn on 127.0.0.1, a free port) with a real
HTTP client: every bundled instance form uploads, every command runs and writes the CLI's
bytes, bad input is a 422 with validate's problems, runs run side by side, a cancelled run
leaves no worker, and a restart marks a cut-off run interrupted and keeps everything else."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from staffpool.web.options import apply_knobs
from tests.webserver import (
    INSTANCES,
    Server,
    cli,
    cli_json,
    group_alive,
    run,
    upload,
    upload_path,
    wait,
    workers_alive,
    zipped,
)

SANMING = INSTANCES / "sanming-county"
FORMS = {"folder": SANMING, "json": INSTANCES / "sanming-county.json", "xlsx": INSTANCES / "sanming-county.xlsx",
         "xlsx-zh": INSTANCES / "sanming-county-zh.xlsx"}
# A sweep long enough to be caught running (600 scenarios of the county).
LONG_GRID = {"mode": ["separate", "county_pool", "unified"], "max_moves": {"start": 0, "stop": 199, "step": 1}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("web") / "data", "--workers", "3").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


@pytest.fixture(scope="module")
def ids(client: httpx.Client) -> dict[str, int]:
    return {form: upload_path(client, path)["id"] for form, path in FORMS.items()}


@pytest.fixture(scope="module")
def cli_solves(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`staffpool solve --out` of each form (the Chinese workbook names its people in Chinese)."""
    outs = {}
    for form, path in FORMS.items():
        outs[form] = tmp_path_factory.mktemp("cli") / form
        assert cli("solve", str(path), "--out", str(outs[form])).returncode == 0
    return outs


@pytest.fixture(scope="module")
def cli_solve(cli_solves: dict[str, Path]) -> Path:
    return cli_solves["folder"]


def file_bytes(client: httpx.Client, run_id: int, name: str) -> bytes:
    r = client.get(f"/api/runs/{run_id}/files/{name}")
    assert r.status_code == 200, (name, r.text[:300])
    return r.content


def test_every_form_uploads_with_validates_counts(client: httpx.Client, ids: dict[str, int]) -> None:
    expected, _raw = cli_json("validate", str(SANMING))
    listed = {i["id"]: i for i in client.get("/api/instances").json()}
    for form, instance_id in ids.items():
        one = client.get(f"/api/instances/{instance_id}").json()
        assert one == listed[instance_id]
        assert one["name"] == expected["instance"], form
        assert one["counts"] == {k: expected[k] for k in ("communities", "institutions", "staff")}, form
    assert client.get("/api/instances/999").status_code == 404


@pytest.mark.parametrize("form", list(FORMS))
def test_a_solve_gives_the_clis_bytes(client: httpx.Client, ids: dict[str, int], cli_solves: dict[str, Path],
                                      form: str) -> None:
    cli_solve = cli_solves[form]
    run_id = run(client, ids[form], "solve")
    body = wait(client, run_id)
    assert body["status"] == "done", body
    assert body["progress"]["done"] == body["progress"]["total"] == 3  # the county, the workbook, the report
    for name in ("assignments.csv", "requirements.csv", "institutions.csv"):
        assert file_bytes(client, run_id, name) == (cli_solve / name).read_bytes(), (form, name)
    summary = json.loads(file_bytes(client, run_id, "summary.json"))
    assert body["result"] == summary
    mine = json.loads((cli_solve / "summary.json").read_text(encoding="utf-8"))
    assert untimed(summary) == untimed(mine)
    assert body["levels"] == mine["objective"]
    assert {"plan.xlsx", "report.html"} <= set(body["files"])


def test_compare_explain_rotate_give_the_clis_output(client: httpx.Client, ids: dict[str, int], tmp_path: Path) -> None:
    started = {c: run(client, ids["folder"], c) for c in ("compare", "explain", "rotate")}
    done = {c: wait(client, r) for c, r in started.items()}
    assert all(b["status"] == "done" for b in done.values()), done
    _data, raw = cli_json("compare", str(SANMING))
    assert file_bytes(client, started["compare"], "compare.json") == raw
    explained, _raw = cli_json("explain", str(SANMING))
    assert json.loads(file_bytes(client, started["explain"], "explanation.json")) == explained
    assert cli("rotate", str(SANMING), "--out", str(tmp_path / "rot")).returncode == 0
    for name in ("rotation.csv", "rotation_summary.json"):
        assert file_bytes(client, started["rotate"], name) == (tmp_path / "rot" / name).read_bytes(), name


def test_rotate_after_a_solve_run(client: httpx.Client, ids: dict[str, int], tmp_path: Path, cli_solve: Path) -> None:
    solved = run(client, ids["folder"], "solve", {"xlsx": False, "report": False})
    assert wait(client, solved)["status"] == "done"
    rot = run(client, ids["folder"], "rotate", {"allocation": solved})
    assert wait(client, rot)["status"] == "done"
    assert cli("rotate", str(SANMING), "--allocation", str(cli_solve), "--out", str(tmp_path / "r")).returncode == 0
    assert file_bytes(client, rot, "rotation.csv") == (tmp_path / "r" / "rotation.csv").read_bytes()
    bad = client.post("/api/runs", json={"instance": ids["folder"], "command": "rotate", "options": {"allocation": 9999}})
    assert bad.status_code == 422 and bad.json()["problems"][0]["column"] == "allocation"


def test_plan_over_years_gives_the_clis_files(client: httpx.Client, tmp_path: Path) -> None:
    years = INSTANCES / "small-county-5y"
    instance_id = upload_path(client, years)["id"]
    run_id = run(client, instance_id, "plan", {"rolling": True})
    body = wait(client, run_id)
    assert body["status"] == "done", body
    assert cli("plan", str(years), "--rolling", "--out", str(tmp_path / "p")).returncode == 0
    cli_files = sorted(p.relative_to(tmp_path / "p").as_posix() for p in (tmp_path / "p").rglob("assignments.csv"))
    assert cli_files and set(cli_files) <= set(body["files"])
    for name in cli_files:
        assert file_bytes(client, run_id, name) == (tmp_path / "p" / name).read_bytes(), name
    assert body["progress"]["done"] == body["progress"]["total"]


def test_sweep_gives_the_clis_table(client: httpx.Client, ids: dict[str, int], tmp_path: Path) -> None:
    grid = {"mode": ["separate", "unified"], "max_moves": [0, 5]}
    run_id = run(client, ids["folder"], "sweep", {"grid": grid})
    body = wait(client, run_id)
    assert body["status"] == "done", body
    (tmp_path / "grid.yaml").write_text("mode: [separate, unified]\nmax_moves: [0, 5]\n", encoding="utf-8")
    assert cli("sweep", str(SANMING), "--grid", str(tmp_path / "grid.yaml"), "--out", str(tmp_path / "s")).returncode == 0
    assert body["progress"]["done"] == body["progress"]["total"] == 4
    for name in ("sweep.csv", "sweep_totals.csv"):
        assert _untimed(file_bytes(client, run_id, name)) == _untimed((tmp_path / "s" / name).read_bytes()), name


def untimed(data: Any) -> Any:
    """summary.json without its seconds (`timings_s`, a community's `*_s`)."""
    if isinstance(data, dict):
        return {k: untimed(v) for k, v in data.items() if not k.endswith("_s")}
    if isinstance(data, list):
        return [untimed(v) for v in data]
    return data


def _untimed(csv_bytes: bytes) -> list[list[str]]:
    """The table without its timing columns (seconds differ from run to run)."""
    rows = [line.split(",") for line in csv_bytes.decode("utf-8").splitlines()]
    keep = [i for i, h in enumerate(rows[0]) if not h.endswith("_s") and h not in ("how",)]
    return [[r[i] for i in keep] for r in rows]


def test_knobs_change_the_instance_as_a_planner_means(client: httpx.Client, ids: dict[str, int]) -> None:
    from staffpool import load_instance, solve

    knobs = {"max_moves": 2, "hiring_budget": {"factor": 0}, "max_distance_km": 15}
    run_id = run(client, ids["folder"], "solve", {**knobs, "report": False})
    body = wait(client, run_id)
    assert body["status"] == "done", body
    assert body["result"]["counts"]["moves"] <= 2 and body["result"]["counts"]["hires"] == 0
    # the same instance changed by hand, solved by the library
    inst = load_instance(SANMING)
    comms = tuple(c.model_copy(update={"max_moves": 2, "hiring_budget": None if c.hiring_budget is None else 0})
                  for c in inst.communities)
    by_hand = inst.model_copy(update={"communities": comms,
                                      "policy": inst.policy.model_copy(update={"max_distance_km": 15})})
    assert apply_knobs(inst, knobs) == by_hand
    assert body["levels"] == solve(by_hand).summary["objective"]


def test_bad_workbook_gives_validates_problems(client: httpx.Client, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(INSTANCES / "sanming-county.xlsx")
    staff = wb["staff"]
    header = [c.value for c in staff[1]]
    staff.cell(row=2, column=header.index("title") + 1, value="archbishop")
    staff.cell(row=3, column=header.index("id") + 1, value=staff.cell(row=4, column=header.index("id") + 1).value)
    bad = tmp_path / "bad-county.xlsx"
    wb.save(bad)
    expected, _raw = cli_json("validate", str(bad))
    r = upload(client, bad.name, bad.read_bytes())
    assert r.status_code == 422, r.text
    assert r.json()["problems"] == expected["problems"] and len(expected["problems"]) >= 2
    assert all(bad.name not in str(i) for i in client.get("/api/instances").json())  # nothing kept
    for name, content in (("notes.txt", b"hello"), ("x.zip", b"not a zip"), ("x.json", b"{")):
        r = upload(client, name, content)
        assert r.status_code == 422 and r.json()["problems"], (name, r.text)


def test_bad_runs_are_422_with_problems(client: httpx.Client, ids: dict[str, int]) -> None:
    cases: list[dict[str, Any]] = [
        {"instance": ids["folder"], "command": "dance"},
        {"instance": ids["folder"], "command": "solve", "options": {"mode": "chaos"}},
        {"instance": ids["folder"], "command": "solve", "options": {"time_limit": -1}},
        {"instance": ids["folder"], "command": "solve", "options": {"max_moves": [1, 2]}},
        {"instance": ids["folder"], "command": "solve", "options": {"colour": "red"}},
        {"instance": ids["folder"], "command": "sweep", "options": {}},
        {"instance": ids["folder"], "command": "sweep", "options": {"grid": {"mode": ["nope"]}}},
        {"instance": ids["folder"], "command": "plan", "options": {"max_columns": 0}},
        {"instance": 9999, "command": "solve"},
    ]
    for body in cases:
        r = client.post("/api/runs", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["problems"] and "Traceback" not in r.text
    assert client.post("/api/runs", content=b"[1,", headers={"content-type": "application/json"}).status_code == 422
    assert client.get("/api/runs/abc").status_code == 422
    assert client.get("/api/runs/99999").status_code == 404


def test_eight_concurrent_runs_are_all_correct(client: httpx.Client, ids: dict[str, int], tmp_path: Path) -> None:
    modes = ["separate", "county_pool", "unified"]
    expected = {}
    for m in modes:
        assert cli("solve", str(SANMING), "--mode", m, "--out", str(tmp_path / m)).returncode == 0
        expected[m] = (tmp_path / m / "assignments.csv").read_bytes()
    started = [(modes[n % 3], run(client, ids["json" if n % 2 else "folder"], "solve",
                                  {"mode": modes[n % 3], "report": False, "xlsx": False, "workers": 1})) for n in range(8)]
    for mode, run_id in started:
        assert wait(client, run_id)["status"] == "done"
        assert file_bytes(client, run_id, "assignments.csv") == expected[mode], (mode, run_id)


def test_runs_list_newest_first_and_by_instance(client: httpx.Client, ids: dict[str, int]) -> None:
    for form in ("json", "folder"):  # runs of two instances, whatever ran before (any test order)
        wait(client, run(client, ids[form], "solve", {"xlsx": False, "report": False}))
    every = client.get("/api/runs").json()
    assert [r["id"] for r in every] == sorted((r["id"] for r in every), reverse=True)
    mine = client.get("/api/runs", params={"instance": ids["json"]}).json()
    assert mine and all(r["instance"] == ids["json"] for r in mine)
    assert len(mine) < len(every)


def test_a_file_is_served_only_from_the_runs_own_files(client: httpx.Client, ids: dict[str, int], server: Server) -> None:
    run_id = run(client, ids["folder"], "solve", {"report": False, "xlsx": False})
    assert wait(client, run_id)["status"] == "done"
    for name in ("../../staffpool.db", "..%2F..%2Fstaffpool.db", "/etc/passwd", ".worker.log", "nothing.csv",
                 "%2e%2e/1/assignments.csv"):
        r = client.get(f"/api/runs/{run_id}/files/{name}")
        assert r.status_code in (404, 422), (name, r.status_code)
        assert b"SQLite" not in r.content and b"root:" not in r.content


def test_cancel_mid_way_leaves_no_worker(client: httpx.Client, ids: dict[str, int], server: Server) -> None:
    run_id = run(client, ids["folder"], "sweep", {"grid": LONG_GRID, "workers": 2})
    body = wait(client, run_id, ("running",))
    deadline = time.monotonic() + 60
    while body["progress"]["done"] < 1 and time.monotonic() < deadline:
        body = client.get(f"/api/runs/{run_id}").json()
        time.sleep(0.05)
    assert body["status"] == "running" and body["progress"]["done"] >= 1, body
    t0 = time.perf_counter()  # a slow run never holds the API up
    assert client.get("/api/instances").status_code == 200 and client.get("/").status_code == 200
    assert time.perf_counter() - t0 < 1.0
    pid = next(p for p in workers_alive(server.data))
    r = client.delete(f"/api/runs/{run_id}")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    after = client.get(f"/api/runs/{run_id}").json()
    assert after["status"] == "cancelled" and after["progress"]["done"] < after["progress"]["total"]
    assert group_alive(pid) == [], "a process of the cancelled run is still alive"
    assert workers_alive(server.data) == []
    time.sleep(1)
    assert client.get(f"/api/runs/{run_id}").json()["status"] == "cancelled"  # the worker never overwrote it
    # a finished run is deleted with its files
    assert client.delete(f"/api/runs/{run_id}").json()["status"] == "deleted"
    assert client.get(f"/api/runs/{run_id}").status_code == 404
    assert not (server.data / "runs" / str(run_id)).exists()


def test_a_restart_marks_the_cut_off_run_interrupted_and_keeps_the_rest(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Server(data, "--workers", "1").start()
    with first.client() as c:
        instance_id = upload_path(c, SANMING)["id"]
        done_id = run(c, instance_id, "solve")
        assert wait(c, done_id)["status"] == "done"
        kept = {n: (data / "runs" / str(done_id) / n).read_bytes() for n in c.get(f"/api/runs/{done_id}").json()["files"]}
        long_id = run(c, instance_id, "sweep", {"grid": LONG_GRID})
        wait(c, long_id, ("running",))
        queued_id = run(c, instance_id, "solve")  # behind it, with one worker: still queued
        assert c.get(f"/api/runs/{queued_id}").json()["status"] == "queued"
    first.stop(signal.SIGKILL)  # a crash: no chance to tidy up
    deadline = time.monotonic() + 10
    while workers_alive(data) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert workers_alive(data) == [], "a worker outlived its server"
    second = Server(data).start()
    try:
        with second.client() as c:
            assert c.get(f"/api/runs/{long_id}").json()["status"] == "interrupted"
            assert c.get(f"/api/runs/{queued_id}").json()["status"] == "interrupted"
            again = c.get(f"/api/runs/{done_id}").json()
            assert again["status"] == "done" and sorted(again["files"]) == sorted(kept)
            for name, content in kept.items():
                assert c.get(f"/api/runs/{done_id}/files/{name}").content == content
            assert [i["id"] for i in c.get("/api/instances").json()] == [instance_id]
            rerun = run(c, instance_id, "solve", {"report": False, "xlsx": False})
            assert wait(c, rerun)["status"] == "done"
    finally:
        second.stop()


def test_a_graceful_stop_marks_running_runs_interrupted(tmp_path: Path) -> None:
    data = tmp_path / "data"
    s = Server(data).start()
    with s.client() as c:
        instance_id = upload(c, "sanming.zip", zipped(SANMING)).json()["id"]
        long_id = run(c, instance_id, "sweep", {"grid": LONG_GRID})
        wait(c, long_id, ("running",))
    s.stop(signal.SIGTERM)
    assert workers_alive(data) == []
    s2 = Server(data).start()
    try:
        with s2.client() as c:
            assert c.get(f"/api/runs/{long_id}").json()["status"] == "interrupted"
    finally:
        s2.stop()


def test_the_page_shows_a_bad_workbooks_problems_by_sheet_row_and_column(client: httpx.Client, tmp_path: Path) -> None:
    import html
    import re

    import openpyxl

    wb = openpyxl.load_workbook(INSTANCES / "sanming-county-zh.xlsx")
    staff = wb["人员"]
    staff.cell(row=5, column=1, value=staff.cell(row=6, column=1).value)  # a duplicate id
    bad = tmp_path / "坏的.xlsx"
    wb.save(bad)
    expected, _raw = cli_json("validate", str(bad), "--lang", "zh")
    assert expected["problems"]
    client.cookies.clear()  # another test's language switch (a cookie) would outrank the browser's language
    page = client.post("/upload", files={"file": (bad.name, bad.read_bytes())}, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    table = page.text.split('id="problems"', 1)[1].split("</table>", 1)[0]
    shown = [tuple(html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
             for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)]
    assert shown == [(p["file"], "" if p["row"] is None else str(p["row"]), p["column"], p["value"], p["message"])
                     for p in expected["problems"]]


def test_the_run_page_shows_a_comparison(client: httpx.Client, ids: dict[str, int]) -> None:
    run_id = run(client, ids["folder"], "compare", {"xlsx": False})
    body = wait(client, run_id)
    assert body["status"] == "done"
    page = client.get(f"/runs/{run_id}", params={"lang": "en"}).text
    assert 'id="modes"' in page, page[:3000]
    table = page.split('id="modes"', 1)[1].split("</table>", 1)[0]
    for row in body["result"]["modes"]:
        assert f"<td>{row['mode']}</td>" in table
        assert f'<td class="num">{row["objective"]["shortfall"]}</td>' in table
        assert f'<td class="num">{row["objective"]["hiring_cost"]:,}</td>' in table  # as the office writes figures


def test_the_page_deletes_a_finished_run_and_cancels_a_running_one(client: httpx.Client, ids: dict[str, int],
                                                                   server: Server) -> None:
    done_id = run(client, ids["folder"], "solve", {"report": False, "xlsx": False})
    assert wait(client, done_id)["status"] == "done"
    r = client.post(f"/runs/{done_id}/delete")
    assert r.status_code == 303 and r.headers["location"] == f"/instances/{ids['folder']}"
    assert client.get(f"/api/runs/{done_id}").status_code == 404
    assert not (server.data / "runs" / str(done_id)).exists()
    long_id = run(client, ids["folder"], "sweep", {"grid": LONG_GRID})
    wait(client, long_id, ("running",))
    assert client.post(f"/runs/{long_id}/delete").status_code == 303  # a running run is not deleted
    assert client.get(f"/api/runs/{long_id}").json()["status"] == "running"
    assert client.post(f"/runs/{long_id}/cancel").status_code == 303
    assert client.get(f"/api/runs/{long_id}").json()["status"] == "cancelled"
    assert workers_alive(server.data) == []


def test_openapi_and_the_docs_page_list_every_endpoint(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/instances", "/api/instances/{instance_id}", "/api/runs", "/api/runs/{run_id}",
            "/api/runs/{run_id}/files/{name}"} <= set(spec["paths"])
    assert set(spec["paths"]["/api/runs/{run_id}"]) == {"get", "delete"}
    page = client.get("/docs").text
    for path in spec["paths"]:
        assert f"<code>{path}</code>" in page
    assert "cdn" not in page.lower()


def test_the_python_client_example_of_docs_api_runs(server: Server) -> None:
    import re
    import subprocess
    import sys

    text = (INSTANCES.parent / "docs" / "api.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code is not None and "http://127.0.0.1:8000" in code.group(1)
    done = subprocess.run([sys.executable, "-c", code.group(1).replace("http://127.0.0.1:8000", server.url)],
                          cwd=INSTANCES.parent, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")
    assert [ln.split()[0] for ln in lines if ln] == ["separate", "county_pool", "unified"]


def test_the_page_starts_a_sweep_and_refuses_a_bad_knob(client: httpx.Client, ids: dict[str, int]) -> None:
    r = client.post("/runs", data={"instance": str(ids["folder"]), "command": "sweep",
                                   "grid": "mode: [separate, unified]\nmax_moves: [0, 3]\n"})
    assert r.status_code == 303, r.text
    run_id = int(r.headers["location"].rsplit("/", 1)[1])
    body = wait(client, run_id)
    assert body["status"] == "done" and body["progress"]["total"] == 4 and "sweep.html" in body["files"]
    page = client.get(f"/runs/{run_id}").text
    assert f'src="/api/runs/{run_id}/files/sweep.html"' in page
    bad = client.post("/runs", data={"instance": str(ids["folder"]), "command": "solve", "max_moves": "-2",
                                     "hiring_budget": "lots"})
    assert bad.status_code == 422 and 'id="problems"' in bad.text
    assert "max_moves" in bad.text and "hiring_budget" in bad.text
