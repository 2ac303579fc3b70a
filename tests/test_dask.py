"""Sweeps and solves on a real Dask cluster: a scheduler and two workers started with the
`dask scheduler` / `dask worker` commands on 127.0.0.1 (processes, not mocks)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from staffpool.tools.generate import generate

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
DASK = str(Path(sys.executable).with_name("dask"))
GRID = "mode: [separate, county_pool]\nhiring_budget: {factor: [0.25, 0.5, 1.0]}\nmax_distance_km: [20, 40]\n"
ROWS = 12 * 4  # scenarios × communities


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["OPENBLAS_NUM_THREADS"] = "1"
    return env


def _wait(cond: object, seconds: float, what: str) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Cluster:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.file = tmp / "scheduler.json"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.address = ""

    def _start(self, name: str, args: list[str]) -> None:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        self.procs[name] = subprocess.Popen([DASK, *args], stdout=log, stderr=subprocess.STDOUT, env=_env(),
                                            cwd=self.tmp, start_new_session=True)

    def start(self) -> None:
        self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(self.file)])
        _wait(lambda: self.file.exists() and self.file.stat().st_size > 0, 60, "the scheduler")
        self.address = json.loads(self.file.read_text())["address"]
        for name in ("w1", "w2"):
            self._start(name, ["worker", "--scheduler-file", str(self.file), "--nthreads", "1", "--nworkers", "1",
                               "--name", name, "--no-dashboard", "--host", "127.0.0.1"])
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)

    def kill(self, name: str) -> None:
        """The worker and its nanny, at once (SIGKILL to its process group)."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        for name in [n for n in self.procs if n != "scheduler"] + ["scheduler"]:
            proc = self.procs.pop(name, None)
            if proc is None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("region")
    inst = generate(4, seed=41, scale=0.3, out_dir=tmp / "four")
    grid = tmp / "grid.yaml"
    grid.write_text(GRID, encoding="utf-8")
    return inst, grid


@pytest.fixture(scope="module")
def local_sweep(region: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    inst, grid = region
    out = tmp_path_factory.mktemp("local") / "out"
    assert _staffpool("sweep", inst, "--grid", grid, "--out", out, "--workers", "2").returncode == 0
    return out


def _staffpool(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "staffpool.cli", *map(str, args)], capture_output=True, text=True,
                          env=_env(), timeout=timeout)


def _popen(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "staffpool.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())


def _journal_rows(out: Path) -> int:
    path = out / "sweep.rows.csv"
    return max(0, path.read_text(encoding="utf-8").count("\n") - 1) if path.exists() else 0


def test_sweep_on_the_cluster_equals_the_local_one(cluster: Cluster, region: tuple[Path, Path], local_sweep: Path,
                                                   tmp_path: Path) -> None:
    from tests.helpers import run_on_pty

    inst, grid = region
    out = tmp_path / "out"
    rc, _stdout, drawn = run_on_pty(["sweep", str(inst), "--grid", str(grid), "--out", str(out), "--scheduler",
                                     cluster.address], columns=160)
    assert rc == 0, drawn[-2000:]
    assert b"scenarios done" in drawn and b"rows/s" in drawn and b"left" in drawn  # progress, on Dask too
    assert (out / "sweep.csv").read_bytes() == (local_sweep / "sweep.csv").read_bytes()
    assert (out / "sweep_totals.csv").read_bytes() == (local_sweep / "sweep_totals.csv").read_bytes()


def test_solve_on_the_cluster_equals_the_local_solve(cluster: Cluster, region: tuple[Path, Path]) -> None:
    inst, _grid = region
    here = _staffpool("solve", inst, "--json", "--workers", "1")
    there = _staffpool("solve", inst, "--json", "--scheduler", cluster.address)
    assert here.returncode == there.returncode == 0, there.stderr
    assert json.loads(there.stdout)["objective"] == json.loads(here.stdout)["objective"]


def test_resume_after_an_interrupt_redoes_no_done_row(cluster: Cluster, region: tuple[Path, Path],
                                                      local_sweep: Path, tmp_path: Path) -> None:
    inst, grid = region
    out = tmp_path / "out"
    proc = _popen("sweep", inst, "--grid", grid, "--out", out, "--scheduler", cluster.address)
    try:
        _wait(lambda: _journal_rows(out) > 0 or proc.poll() is not None, 90, "the first rows")
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        _stdout, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "--resume" in err and not (out / "sweep.csv").exists()
    done = _journal_rows(out)
    assert 0 < done < ROWS
    run = _staffpool("sweep", inst, "--grid", grid, "--out", out, "--scheduler", cluster.address, "--resume")
    assert run.returncode == 0, run.stderr
    assert f"({done} done before, {ROWS - done} now)" in " ".join(run.stderr.split())
    assert (out / "sweep.csv").read_bytes() == (local_sweep / "sweep.csv").read_bytes()


def test_a_worker_killed_mid_sweep_costs_only_its_tasks(cluster: Cluster, region: tuple[Path, Path],
                                                        local_sweep: Path, tmp_path: Path) -> None:
    """Last in this file: it leaves the cluster one worker short."""
    from distributed import Client

    inst, grid = region
    out = tmp_path / "out"
    proc = _popen("sweep", inst, "--grid", grid, "--out", out, "--scheduler", cluster.address)
    killed = None
    try:
        with Client(cluster.address, timeout=30) as client:
            def busy() -> bool:
                nonlocal killed
                if _journal_rows(out) == 0:
                    return False
                names = {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}
                for addr, keys in client.processing().items():
                    if any("staffpool-task" in str(k) for k in keys) and names.get(addr) in cluster.procs:
                        killed = names[addr]
                        return True
                return False

            _wait(busy, 90, "a worker running a sweep task")
            assert killed is not None
            cluster.kill(killed)
        _stdout, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert (out / "sweep.csv").read_bytes() == (local_sweep / "sweep.csv").read_bytes()


def test_reasons_from_the_workers_are_in_the_command_s_language(cluster: Cluster, tmp_path: Path) -> None:
    # The workers run in other processes (other machines): an infeasible community's reasons
    # are written there, and must follow --lang, as a local solve's do.
    import shutil

    d = tmp_path / "i"
    shutil.copytree(ROOT / "instances" / "tiny", d)
    # Capacity 1 at the county hospital: two of its three must leave, but max_moves is 1.
    (d / "institutions.csv").write_text((d / "institutions.csv").read_text().replace("30000,0,0,\n", "30000,0,0,1\n"))
    local = _staffpool("solve", d, "--json", "--lang", "zh", "--workers", "1")
    there = _staffpool("solve", d, "--json", "--lang", "zh", "--scheduler", cluster.address)
    assert local.returncode == there.returncode == 1, there.stderr
    def why(out: str) -> list[tuple[str, list[str]]]:
        return [(c["reason"], c["reasons"]) for c in json.loads(out)["communities"]]

    assert why(there.stdout) == why(local.stdout)
    assert "没有" in why(there.stdout)[0][0], there.stdout


def test_the_local_cluster_s_workers_keep_glibc_s_mmap_threshold() -> None:
    """`--scheduler dask` starts its workers without the nanny's MALLOC_TRIM_THRESHOLD_ (set, it
    stops glibc from raising its mmap threshold: every array a fresh mapping; docs/scale.md),
    and with the nanny's other settings."""
    from staffpool.solving.engines import DaskEngine

    client, cluster = DaskEngine("dask", 2)._client()
    try:
        got = client.run(lambda: (os.environ.get("MALLOC_TRIM_THRESHOLD_"), os.environ.get("OMP_NUM_THREADS")))
    finally:
        client.close()
        cluster.close()
    assert len(got) == 2 and set(got.values()) == {(None, "1")}
