"""The workspace's store: an embedded SQLite database and a folder per instance and per run.

`DATA/staffpool.db` holds instances and runs (options, status, progress, levels, result);
`DATA/instances/<id>/` the uploaded file (or the unpacked folder), `DATA/runs/<id>/` the
files a run wrote. The schema is versioned (`PRAGMA user_version`) and migrates forward: a
database made by an older staffpool gains the newer steps of `MIGRATIONS` when opened; one
made by a newer staffpool is refused rather than misread.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from staffpool.errors import UsageError
from staffpool.i18n import _

# One entry per schema version: the statements that take version n-1 to n.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE instances (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        source TEXT NOT NULL,          -- the path under DATA/instances/<id>/ that loads
        kind TEXT NOT NULL,            -- xlsx, json or folder
        created REAL NOT NULL,
        communities INTEGER NOT NULL,
        institutions INTEGER NOT NULL,
        staff INTEGER NOT NULL,
        warnings TEXT NOT NULL         -- JSON list of problems that did not stop the load
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        instance INTEGER NOT NULL REFERENCES instances(id),
        command TEXT NOT NULL,
        options TEXT NOT NULL,         -- JSON, the options as checked
        status TEXT NOT NULL,          -- queued, running, done, failed, interrupted, cancelled
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER,
        created REAL NOT NULL,
        started REAL,
        finished REAL,
        pid INTEGER,                   -- the worker's process (and process group) while running
        levels TEXT,                   -- JSON: level -> value, of a plan
        result TEXT,                   -- JSON: the command's summary
        error TEXT                     -- JSON: {"message", "problems", "reasons"}
    );
    CREATE INDEX runs_instance ON runs(instance);
    """,
)

STATUSES = ("queued", "running", "done", "failed", "interrupted", "cancelled")
FINISHED = ("done", "failed", "interrupted", "cancelled")
WORKER_MODULE = "staffpool.web.worker"


def default_data_dir(env: dict[str, str] | None = None) -> Path:
    """The per-user data folder (XDG's data home on Linux, as platformdirs would choose)."""
    env = dict(os.environ) if env is None else env
    base = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "share")
    return Path(base) / "staffpool"


@dataclass
class Run:
    id: int
    instance: int
    command: str
    options: dict[str, Any]
    status: str
    done: int
    total: int | None
    created: float
    started: float | None
    finished: float | None
    pid: int | None
    levels: dict[str, Any] | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None

    def public(self, files: list[str]) -> dict[str, Any]:
        """What the API shows of a run."""
        return {"id": self.id, "instance": self.instance, "command": self.command, "options": self.options,
                "status": self.status, "progress": {"done": self.done, "total": self.total},
                "created": self.created, "started": self.started, "finished": self.finished,
                "levels": self.levels, "result": self.result, "error": self.error, "files": files}


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


class Store:
    """The database and the folders under `data`. Each call opens its own connection, so a
    server's threads and the worker processes share one file safely (SQLite's locking, WAL)."""

    def __init__(self, data: Path):
        self.data = Path(data)
        self.path = self.data / "staffpool.db"
        self.data.mkdir(parents=True, exist_ok=True)
        (self.data / "instances").mkdir(exist_ok=True)
        (self.data / "runs").mkdir(exist_ok=True)
        self.migrate()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            con.execute("PRAGMA busy_timeout = 30000")
            yield con
        finally:
            con.close()

    def lock(self) -> None:
        """Claim the folder for one server (a lock held until the process ends): a second
        server on the same folder would mark the first one's runs interrupted."""
        import fcntl

        self._lock = open(self.data / "serve.lock", "a")  # noqa: SIM115 (held for the process's life)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise UsageError(_("{path}: another staffpool serve is using this folder").format(path=self.data)) from None

    def version(self) -> int:
        with self.connect() as con:
            return int(con.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        with self.connect() as con:
            con.execute("PRAGMA journal_mode = WAL")
            have = int(con.execute("PRAGMA user_version").fetchone()[0])
            if have > len(MIGRATIONS):
                raise UsageError(_("{path}: made by a newer staffpool (schema {have}, this one knows {known})").format(
                    path=self.path, have=have, known=len(MIGRATIONS)))
            for n in range(have, len(MIGRATIONS)):
                con.execute("BEGIN IMMEDIATE")
                for statement in _statements(MIGRATIONS[n]):
                    con.execute(statement)
                con.execute(f"PRAGMA user_version = {n + 1}")
                con.execute("COMMIT")

    # ------------------------------------------------------------------ instances

    def instance_dir(self, instance_id: int) -> Path:
        return self.data / "instances" / str(instance_id)

    def new_instance_id(self) -> int:
        """A fresh id, its row reserved (named later by `add_instance`)."""
        with self.connect() as con:
            cur = con.execute("INSERT INTO instances (name, source, kind, created, communities, institutions, staff, "
                              "warnings) VALUES ('', '', '', ?, 0, 0, 0, '[]')", (time.time(),))
            assert cur.lastrowid is not None
            return int(cur.lastrowid)

    def add_instance(self, instance_id: int, name: str, source: str, kind: str, counts: dict[str, int],
                     warnings: list[dict[str, Any]]) -> None:
        with self.connect() as con:
            con.execute("UPDATE instances SET name=?, source=?, kind=?, communities=?, institutions=?, staff=?, "
                        "warnings=? WHERE id=?", (name, source, kind, counts["communities"], counts["institutions"],
                                                  counts["staff"], json.dumps(warnings, ensure_ascii=False),
                                                  instance_id))

    def drop_instance(self, instance_id: int) -> None:
        with self.connect() as con:
            con.execute("DELETE FROM instances WHERE id=?", (instance_id,))
        shutil.rmtree(self.instance_dir(instance_id), ignore_errors=True)

    def instances(self) -> list[dict[str, Any]]:
        with self.connect() as con:
            rows = con.execute("SELECT * FROM instances WHERE source != '' ORDER BY id DESC").fetchall()
        return [self._instance(r) for r in rows]

    def instance(self, instance_id: int) -> dict[str, Any] | None:
        with self.connect() as con:
            row = con.execute("SELECT * FROM instances WHERE id=? AND source != ''", (instance_id,)).fetchone()
        return None if row is None else self._instance(row)

    def instance_path(self, instance_id: int) -> Path:
        """The file or folder that loads (the upload kept as it came, or its unpacked folder)."""
        with self.connect() as con:
            row = con.execute("SELECT source FROM instances WHERE id=? AND source != ''", (instance_id,)).fetchone()
        assert row is not None
        return self.instance_dir(instance_id) / row["source"]

    @staticmethod
    def _instance(row: sqlite3.Row) -> dict[str, Any]:
        return {"id": row["id"], "name": row["name"], "kind": row["kind"], "created": row["created"],
                "counts": {"communities": row["communities"], "institutions": row["institutions"], "staff": row["staff"]},
                "warnings": json.loads(row["warnings"])}

    # ------------------------------------------------------------------ runs

    def run_dir(self, run_id: int) -> Path:
        return self.data / "runs" / str(run_id)

    def add_run(self, instance_id: int, command: str, options: dict[str, Any]) -> int:
        with self.connect() as con:
            cur = con.execute("INSERT INTO runs (instance, command, options, status, created) VALUES (?, ?, ?, 'queued', ?)",
                              (instance_id, command, json.dumps(options, ensure_ascii=False), time.time()))
            assert cur.lastrowid is not None
            return int(cur.lastrowid)

    def run(self, run_id: int) -> Run | None:
        with self.connect() as con:
            row = con.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        return None if row is None else _run(row)

    def runs(self, instance: int | None = None, status: str | None = None) -> list[Run]:
        """Newest first."""
        sql, args = "SELECT * FROM runs WHERE 1=1", list[Any]()
        if instance is not None:
            sql, args = sql + " AND instance=?", [*args, instance]
        if status is not None:
            sql, args = sql + " AND status=?", [*args, status]
        with self.connect() as con:
            return [_run(r) for r in con.execute(sql + " ORDER BY id DESC", args).fetchall()]

    def claim(self, run_id: int) -> bool:
        """queued → running; False when it was cancelled meanwhile."""
        with self.connect() as con:
            cur = con.execute("UPDATE runs SET status='running', started=? WHERE id=? AND status='queued'",
                              (time.time(), run_id))
            return cur.rowcount == 1

    def set_pid(self, run_id: int, pid: int | None) -> None:
        with self.connect() as con:
            con.execute("UPDATE runs SET pid=? WHERE id=?", (pid, run_id))

    def progress(self, run_id: int, done: int, total: int | None) -> None:
        with self.connect() as con:
            con.execute("UPDATE runs SET done=?, total=? WHERE id=? AND status='running'", (done, total, run_id))

    def finish(self, run_id: int, status: str, *, result: Any = None, levels: Any = None, error: Any = None,
               only_from: tuple[str, ...] = ("running",)) -> bool:
        """Set a final status, only from one of `only_from` (a worker never overwrites a run
        the server has meanwhile cancelled or marked interrupted)."""
        assert status in FINISHED
        marks = ",".join("?" * len(only_from))
        with self.connect() as con:
            cur = con.execute(f"UPDATE runs SET status=?, finished=?, result=COALESCE(?, result), "
                              f"levels=COALESCE(?, levels), error=COALESCE(?, error), pid=NULL "
                              f"WHERE id=? AND status IN ({marks})",
                              (status, time.time(), _dumps(result), _dumps(levels), _dumps(error), run_id, *only_from))
            return cur.rowcount == 1

    def delete_run(self, run_id: int) -> None:
        with self.connect() as con:
            con.execute("DELETE FROM runs WHERE id=?", (run_id,))
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    def files(self, run_id: int) -> list[str]:
        """The files a run wrote, as paths under its folder ('2027/assignments.csv'), sorted."""
        root = self.run_dir(run_id)
        if not root.is_dir():
            return []
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                      if p.is_file() and not p.is_symlink() and not p.name.startswith("."))

    def recover(self) -> list[int]:
        """At start: every run a stopped or crashed server left queued or running is marked
        `interrupted` (its worker, if one outlived the server, is stopped first). Returns their ids."""
        cut = self.runs(status="running") + self.runs(status="queued")
        for r in cut:
            if r.pid is not None:
                kill_worker(r.pid)
            self.finish(r.id, "interrupted", only_from=("queued", "running"))
        return sorted(r.id for r in cut)


def _statements(script: str) -> list[str]:
    lines = [ln.split("--", 1)[0] for ln in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _run(row: sqlite3.Row) -> Run:
    return Run(id=row["id"], instance=row["instance"], command=row["command"], options=json.loads(row["options"]),
               status=row["status"], done=row["done"], total=row["total"], created=row["created"],
               started=row["started"], finished=row["finished"], pid=row["pid"], levels=_loads(row["levels"]),
               result=_loads(row["result"]), error=_loads(row["error"]))


def is_worker(pid: int) -> bool:
    """Whether `pid` is alive and one of staffpool's run workers (not a stranger that reused the id)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return WORKER_MODULE.encode() in cmdline


def kill_worker(pid: int) -> None:
    """Stop a worker and everything it started (its own process group)."""
    if not is_worker(pid):
        return
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
