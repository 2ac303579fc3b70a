"""`staffpool serve --scheduler tcp://…`: a run's solve and sweep go to a real Dask cluster
(the scheduler and workers of tests/test_dask.py), with the same results as the CLI's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_dask import Cluster, cluster, region  # noqa: F401 (fixtures)
from tests.test_web_api import _untimed
from tests.webserver import Server, cli, run, upload_path, wait

pytest.importorskip("distributed")


def tasks_seen(address: str) -> int:
    """How many tasks the scheduler has been given so far (every state, forgotten ones too)."""
    from distributed import Client

    def count(dask_scheduler: Any) -> int:
        return sum(sum(tp.state_counts.values()) for tp in dask_scheduler.task_prefixes.values())

    with Client(address, timeout=30) as client:
        return int(client.run_on_scheduler(count))


@pytest.fixture(scope="module")
def server(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: F811
    s = Server(tmp_path_factory.mktemp("web-dask") / "data", "--scheduler", cluster.address).start()
    yield s
    s.stop()


def test_solve_and_sweep_runs_go_to_the_cluster(server: Server, cluster: Cluster,  # noqa: F811
                                                region: tuple[Path, Path], tmp_path: Path) -> None:  # noqa: F811
    inst, grid = region
    assert cli("solve", str(inst), "--out", str(tmp_path / "cli")).returncode == 0
    assert cli("sweep", str(inst), "--grid", str(grid), "--out", str(tmp_path / "sw"), "--workers", "2").returncode == 0
    with server.client() as c:
        instance_id = upload_path(c, inst)["id"]
        before = tasks_seen(cluster.address)
        solved = run(c, instance_id, "solve", {"report": False, "xlsx": False})
        assert wait(c, solved)["status"] == "done"
        after_solve = tasks_seen(cluster.address)
        assert after_solve >= before + 4, (before, after_solve)  # a task per community at least
        assert c.get(f"/api/runs/{solved}/files/assignments.csv").content == (tmp_path / "cli" / "assignments.csv").read_bytes()
        swept = run(c, instance_id, "sweep", {"grid": grid.read_text(encoding="utf-8")})
        body = wait(c, swept)
        assert body["status"] == "done", body
        assert tasks_seen(cluster.address) > after_solve
        served = c.get(f"/api/runs/{swept}/files/sweep.csv").content
        assert _untimed(served) == _untimed((tmp_path / "sw" / "sweep.csv").read_bytes())
