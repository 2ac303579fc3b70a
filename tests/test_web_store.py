"""The workspace's store: the schema's version and its forward migrations, runs cut off by a
stop marked interrupted, a worker's late word never overwriting a cancel, the data folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from staffpool.errors import UsageError
from staffpool.web import store as store_module
from staffpool.web.store import MIGRATIONS, Store, default_data_dir


def test_a_new_store_is_at_the_latest_version(tmp_path: Path) -> None:
    s = Store(tmp_path / "d")
    assert s.version() == len(MIGRATIONS) >= 1
    assert (tmp_path / "d" / "instances").is_dir() and (tmp_path / "d" / "runs").is_dir()


def test_an_older_database_migrates_forward_keeping_its_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Store(tmp_path / "d")
    iid = s.new_instance_id()
    s.add_instance(iid, "county", "county.xlsx", "xlsx", {"communities": 1, "institutions": 2, "staff": 3}, [])
    rid = s.add_run(iid, "solve", {"mode": "unified"})
    later = (*MIGRATIONS, "ALTER TABLE runs ADD COLUMN note TEXT; UPDATE runs SET note = 'kept'")
    monkeypatch.setattr(store_module, "MIGRATIONS", later)
    again = Store(tmp_path / "d")
    assert again.version() == len(later)
    assert again.run(rid) is not None and again.run(rid).options == {"mode": "unified"}  # type: ignore[union-attr]
    with sqlite3.connect(tmp_path / "d" / "staffpool.db") as con:
        assert con.execute("SELECT note FROM runs").fetchall() == [("kept",)]
    Store(tmp_path / "d")  # opening again applies nothing twice
    assert again.version() == len(later)


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    Store(tmp_path / "d")
    with sqlite3.connect(tmp_path / "d" / "staffpool.db") as con:
        con.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(UsageError, match="newer staffpool"):
        Store(tmp_path / "d")


def test_recover_marks_queued_and_running_runs_interrupted(tmp_path: Path) -> None:
    s = Store(tmp_path / "d")
    iid = s.new_instance_id()
    ids = [s.add_run(iid, "solve", {}) for _ in range(4)]
    assert s.claim(ids[1]) and s.claim(ids[2])
    s.set_pid(ids[2], 999_999_999)  # no such process: nothing to kill
    assert s.finish(ids[2], "done")
    assert s.recover() == [ids[0], ids[1], ids[3]]
    assert [s.run(i).status for i in ids] == ["interrupted", "interrupted", "done", "interrupted"]  # type: ignore[union-attr]
    assert s.recover() == []


def test_a_worker_never_overwrites_a_cancel(tmp_path: Path) -> None:
    s = Store(tmp_path / "d")
    rid = s.add_run(s.new_instance_id(), "solve", {})
    assert s.claim(rid)
    assert s.finish(rid, "cancelled")
    assert not s.finish(rid, "done", result={"x": 1})  # the worker's late word
    s.progress(rid, 5, 9)
    r = s.run(rid)
    assert r is not None and r.status == "cancelled" and r.result is None and r.done == 0
    assert not s.claim(rid)


def test_files_are_the_runs_own_only(tmp_path: Path) -> None:
    s = Store(tmp_path / "d")
    rid = s.add_run(s.new_instance_id(), "plan", {})
    folder = s.run_dir(rid)
    (folder / "2027").mkdir(parents=True)
    (folder / "2027" / "assignments.csv").write_text("x")
    (folder / "summary.json").write_text("{}")
    (folder / ".worker.log").write_text("log")
    (folder / "link.csv").symlink_to(tmp_path / "d" / "staffpool.db")
    assert s.files(rid) == ["2027/assignments.csv", "summary.json"]


def test_the_default_data_folder_is_the_users() -> None:
    assert default_data_dir({"HOME": "/home/li"}) == Path("/home/li/.local/share/staffpool")
    assert default_data_dir({"HOME": "/home/li", "XDG_DATA_HOME": "/data/li"}) == Path("/data/li/staffpool")


def test_no_other_command_loads_the_web_stack() -> None:
    import subprocess
    import sys

    code = ("import sys; from staffpool.cli import main; main(['validate', 'instances/tiny']); "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'jinja2', 'starlette', 'staffpool.web') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_options_take_the_command_lines_long_names() -> None:
    from staffpool.web.options import check_run

    a = check_run("plan", {"--time-limit": 5, "compare-rolling": False, "max_columns": 10})
    assert a["time_limit"] == 5 and a["compare_rolling"] is False and a["max_columns"] == 10
    assert check_run("solve", {}) == {"solver": "highs", "xlsx": True, "report": True}


def test_a_second_server_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.webserver import Server, free_port

    first = Server(tmp_path / "data").start()
    try:
        done = subprocess.run([sys.executable, "-m", "staffpool.cli", "serve", "--port", str(free_port()), "--data",
                               str(tmp_path / "data")], capture_output=True, text=True, timeout=30, check=False,
                              env={**os.environ, "LANG": "C.UTF-8"})
        assert done.returncode == 2 and "another staffpool serve" in done.stderr, done.stderr
        with first.client() as c:
            assert c.get("/api/runs").status_code == 200
    finally:
        first.stop()
