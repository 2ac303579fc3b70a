"""The workspace's defences, against a real server: no open bind without a token, 401
without it, 413 past the upload cap, a .zip with an entry outside the folder refused, user
text escaped in the pages, a Content-Security-Policy, and no traceback in any error body."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from staffpool.cli import main
from staffpool.web.service import PAGE_CSP
from tests.webserver import INSTANCES, Server, run, upload, upload_path, wait, zipped

TOKEN = "s3cret-token-for-tests"
TINY = INSTANCES / "tiny"


def no_traceback(r: httpx.Response) -> None:
    if r.status_code >= 400:
        assert "Traceback" not in r.text and 'File "' not in r.text and ".py" not in r.text, r.text[:500]


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("sec") / "data", "--max-upload", "1", token=TOKEN).start()
    yield s
    s.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::"])
def test_a_bind_beyond_this_machine_needs_a_token(host: str, tmp_path: Path) -> None:
    # in a process of its own, with a time limit: a server that did start would not return
    done = subprocess.run([sys.executable, "-m", "staffpool.cli", "serve", "--host", host, "--port", "0", "--data",
                           str(tmp_path / "d")], capture_output=True, text=True, timeout=30, check=False,
                          env={**os.environ, "LANG": "C.UTF-8"})
    assert done.returncode == 2, done.stderr
    assert "--token" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "d").exists()  # refused before anything was made


def test_main_refuses_it_with_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--lang", "zh", "--data", str(tmp_path / "d")]) == 2
    assert "--token" in capsys.readouterr().err


def test_without_the_token_every_request_is_401(guarded: Server) -> None:
    with httpx.Client(base_url=guarded.url) as anon:
        for method, path in (("GET", "/"), ("GET", "/api/instances"), ("GET", "/api/runs"), ("GET", "/openapi.json"),
                             ("GET", "/docs"), ("GET", "/static/app.js"), ("DELETE", "/api/runs/1"),
                             ("GET", "/api/runs/1/files/summary.json"), ("POST", "/api/runs")):
            r = anon.request(method, path)
            assert r.status_code == 401, (method, path, r.status_code)
            no_traceback(r)
        r = anon.post("/api/instances", files={"file": ("tiny.zip", zipped(TINY))})
        assert r.status_code == 401
        wrong = anon.get("/api/instances", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["problems"]
    with httpx.Client(base_url=guarded.url, cookies={"staffpool_token": "nope"}) as forged:
        assert forged.get("/").status_code == 401
    with httpx.Client(base_url=guarded.url) as anon:
        assert anon.post("/login", data={"token": "nope"}).status_code == 401


def test_with_the_token_the_api_and_the_page_login_work(guarded: Server) -> None:
    with guarded.client() as c:
        assert c.get("/api/instances").status_code == 200
    with httpx.Client(base_url=guarded.url) as browser:
        r = browser.post("/login", data={"token": TOKEN})
        assert r.status_code == 303 and "staffpool_token" in r.headers["set-cookie"]
        assert "httponly" in r.headers["set-cookie"].lower()
        assert browser.get("/").status_code == 200  # the cookie now
        assert browser.get("/api/runs").status_code == 200


def test_an_oversized_upload_is_413(guarded: Server) -> None:
    big = b"x" * (1024 * 1024 + 10)
    with guarded.client() as c:
        r = upload(c, "big.json", big)
        assert r.status_code == 413 and r.json()["problems"]
        no_traceback(r)

        def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
            boundary = b"--b0undary\r\n"
            yield boundary + b'Content-Disposition: form-data; name="file"; filename="big.json"\r\n\r\n'
            for _ in range(20):
                yield b"y" * 65536
            yield b"\r\n--b0undary--\r\n"

        r = c.post("/api/instances", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b0undary"})
        assert r.status_code in (413, 422), r.text
        assert r.status_code == 413, r.text
        assert c.get("/api/instances").json() == [] or all(i["name"] != "big" for i in c.get("/api/instances").json())


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries.items():
            z.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


@pytest.mark.parametrize("evil", ["../evil.txt", "tiny/../../evil.txt", "/tmp/evil-staffpool.txt", "..\\evil.txt",
                                  "C:/evil.txt"])
def test_a_zip_with_an_entry_outside_the_folder_is_refused(guarded: Server, evil: str) -> None:
    entries = {f"tiny/{p.name}": p.read_bytes() for p in TINY.iterdir() if p.is_file()}
    entries[evil] = b"owned"
    with guarded.client() as c:
        before = c.get("/api/instances").json()
        r = upload(c, "tiny.zip", _zip(entries))
        assert r.status_code == 422, r.text
        assert any(p["value"] == evil[:60] for p in r.json()["problems"]), r.json()
        no_traceback(r)
        assert c.get("/api/instances").json() == before
    assert not Path("/tmp/evil-staffpool.txt").exists()
    # (the entry's own name: another test uploads a file named evil.json)
    assert not [p for p in guarded.data.parent.rglob("*") if p.name in ("evil.txt", "evil-staffpool.txt")]
    assert sorted(p.name for p in (guarded.data / "instances").iterdir()) == sorted(str(i["id"]) for i in before)


def test_a_zip_bomb_is_refused_by_its_size(guarded: Server, tmp_path: Path) -> None:
    entries = {f"tiny/{p.name}": p.read_bytes() for p in TINY.iterdir() if p.is_file()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        z.writestr("tiny/padding.bin", b"\0" * (600 * 1024 * 1024))  # 600 MB, a few hundred KB packed
    assert len(buf.getvalue()) < 1024 * 1024
    with guarded.client() as c:
        r = upload(c, "bomb.zip", buf.getvalue())
    assert r.status_code == 422 and "MB" in r.json()["problems"][0]["message"], r.text


def test_a_staff_name_script_is_shown_as_text(guarded: Server) -> None:
    data = json.loads((INSTANCES / "sanming-county.json").read_text(encoding="utf-8"))
    evil = '<script>alert("x")</script>'
    data["name"] = evil
    for s in data["staff"]:
        s["name"] = evil
    with guarded.client() as c:
        made = upload(c, "evil.json", json.dumps(data).encode())
        assert made.status_code == 201, made.text
        run_id = run(c, made.json()["id"], "solve", {"report": False, "xlsx": False})
        assert wait(c, run_id)["status"] == "done"
        for path in ("/", f"/instances/{made.json()['id']}", f"/runs/{run_id}"):
            page = c.get(path)
            assert page.status_code == 200
            assert evil not in page.text and "<script>alert" not in page.text, path
            assert "&lt;script&gt;alert(" in page.text, path
            assert page.headers["content-security-policy"] == PAGE_CSP
            assert "'unsafe-inline'" not in PAGE_CSP and "script-src 'self'" in PAGE_CSP
        moves = c.get(f"/runs/{run_id}").text.split('id="moves"', 1)[1]
        assert moves.count("&lt;script&gt;alert(") >= 1
        served = c.get(f"/api/runs/{run_id}/files/assignments.csv")
        assert "sandbox" in served.headers["content-security-policy"]


def test_no_traceback_in_an_error_body(guarded: Server) -> None:
    with guarded.client() as c:
        instance_id = upload_path(c, TINY)["id"]
        for r in (c.get("/api/runs/x"), c.get("/api/runs/123456"), c.get("/runs/123456"), c.get("/nothing"),
                  c.post("/api/runs", content=b"{", headers={"content-type": "application/json"}),
                  c.post("/api/runs", json={"instance": instance_id, "command": "solve", "options": {"workers": "lots"}}),
                  c.post("/api/instances", data={"x": "1"}), c.delete("/api/runs/999"),
                  c.get("/compare", params={"a": 1, "b": 999})):
            assert r.status_code >= 400
            no_traceback(r)
            assert r.headers["content-type"].startswith("application/json") and "problems" in r.json()


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_an_internal_error_is_a_500_without_a_traceback(tmp_path: Path) -> None:
    """In-process (the only way to break the store on purpose); every other test uses a real server."""
    from fastapi.testclient import TestClient

    from staffpool.web.app import Settings, create_app

    app = create_app(Settings(tmp_path / "d"))

    def broken() -> list[dict[str, object]]:
        raise RuntimeError("secret internals at /srv/staffpool/x.py line 3")

    app.state.store.instances = broken
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as c:
        r = c.get("/api/instances")
    assert r.status_code == 500
    assert "secret" not in r.text and "Traceback" not in r.text and r.json()["problems"]


def test_another_sites_page_can_change_nothing(tmp_path: Path) -> None:
    s = Server(tmp_path / "data").start()
    try:
        with s.client() as c:
            # a form posted by another site's page (the browser names that page in Origin)
            r = c.post("/api/instances", files={"file": ("tiny.zip", zipped(TINY))},
                       headers={"Origin": "http://evil.example"})
            assert r.status_code == 403 and r.json()["problems"]
            assert c.post("/runs/1/delete", headers={"Origin": "http://evil.example"}).status_code == 403
            assert c.get("/api/instances").json() == []
            # a name of another site pointed at this machine (DNS rebinding)
            assert c.get("/api/instances", headers={"Host": f"evil.example:{s.port}"}).status_code == 403
            # this machine's own names, and the page's own origin, work
            assert c.get("/api/instances", headers={"Host": f"localhost:{s.port}"}).status_code == 200
            ok = c.post("/api/instances", files={"file": ("tiny.zip", zipped(TINY))}, headers={"Origin": s.url})
            assert ok.status_code == 201, ok.text
    finally:
        s.stop()
