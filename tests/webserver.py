"""A real workspace server for the tests: `staffpool serve` (uvicorn) on 127.0.0.1 at a free
port, in its own process, driven with a real HTTP client (httpx)."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ROOT / "instances"
WORKER = b"staffpool.web.worker"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data: Path, *args: str, token: str | None = None):
        self.data, self.args, self.token = data, args, token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data.parent / f"{data.name}-server.log"

    def start(self) -> Server:
        cmd = [sys.executable, "-m", "staffpool.cli", "serve", "--port", str(self.port), "--data", str(self.data),
               *self.args, *(["--token", self.token] if self.token else [])]
        env = {**os.environ, "LANG": "C.UTF-8"}
        env.pop("STAFFPOOL_TOKEN", None)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")
            try:
                httpx.get(self.url + "/openapi.json", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the server did not start: " + self.log.read_text(errors="replace"))

    def client(self, **kw: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kw)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)


def zipped(folder: Path, prefix: str | None = None) -> bytes:
    """An instance folder as a .zip (entries under `prefix/`, the folder's name by default)."""
    buf = io.BytesIO()
    top = folder.name if prefix is None else prefix
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, f"{top}/{p.relative_to(folder).as_posix()}" if top else p.relative_to(folder).as_posix())
    return buf.getvalue()


def upload(client: httpx.Client, name: str, content: bytes) -> httpx.Response:
    return client.post("/api/instances", files={"file": (name, content)})


def upload_path(client: httpx.Client, path: Path) -> dict[str, Any]:
    if path.is_dir():
        r = upload(client, path.name + ".zip", zipped(path))
    else:
        r = upload(client, path.name, path.read_bytes())
    assert r.status_code == 201, r.text
    return dict(r.json())


def run(client: httpx.Client, instance: int, command: str, options: dict[str, Any] | None = None) -> int:
    r = client.post("/api/runs", json={"instance": instance, "command": command, "options": options or {}})
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    return int(r.json()["id"])


def wait(client: httpx.Client, run_id: int, until: tuple[str, ...] = ("done", "failed", "interrupted", "cancelled"),
         timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(f"/api/runs/{run_id}")
        assert r.status_code == 200, r.text
        body = dict(r.json())
        if body["status"] in until:
            return body
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still {body['status']}")


def workers_alive(data: Path | None = None) -> list[int]:
    """The pids of run workers (of the server using `data`, when given) still alive."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if WORKER in cmd and state != "Z" and (data is None or str(data).encode() in cmd):
            out.append(int(proc.name))
    return out


def group_alive(pgid: int) -> list[int]:
    """The live processes (not zombies waiting to be reaped) of process group `pgid`."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(proc.name))
    return out


def cli_json(*args: str) -> Any:
    done = subprocess.run([sys.executable, "-m", "staffpool.cli", *args, "--json"], capture_output=True, cwd=ROOT,
                          env={**os.environ, "LANG": "C.UTF-8"}, check=False)
    return json.loads(done.stdout), done.stdout


def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "staffpool.cli", *args], capture_output=True, cwd=ROOT,
                          env={**os.environ, "LANG": "C.UTF-8"}, check=False)
