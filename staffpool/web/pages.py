"""The pages: server-rendered HTML (Jinja2, every value escaped) in Chinese or English,
with one small script (static/app.js) that polls a running run through the API."""

from __future__ import annotations

import csv
import hmac
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from staffpool.i18n import _
from staffpool.inputs import labels
from staffpool.outputs.report import fmt
from staffpool.web.options import COMMANDS
from staffpool.web.service import (
    LANG_COOKIE,
    TOKEN_COOKIE,
    Settings,
    add_instance,
    queue_run,
    request_language,
    speaking,
)
from staffpool.web.store import Run, Store
from staffpool.web.words import translated
from staffpool.web.workers import Workers

HERE = Path(__file__).resolve().parent
KNOBS = (("hiring_budget", True), ("max_distance_km", False), ("max_moves", False), ("treasury_budget", True))
MOVES = ("move", "regularise_move")


@lru_cache(maxsize=1)
def _env() -> Any:
    import jinja2  # only the workspace renders pages

    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def render(lang: str, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    with speaking(lang):
        html = _env().get_template(template).render(lang=lang, label=labels.value, **translated(), **context)
    return HTMLResponse(html, status_code=status)


def login_page(lang: str, status: int = 401) -> HTMLResponse:
    return render(lang, "login.html", status)


def _remember_language(request: Request, resp: Response) -> Response:
    chosen = request.query_params.get("lang")
    if chosen in ("zh", "en"):
        resp.set_cookie(LANG_COOKIE, chosen, samesite="strict", max_age=365 * 86400)
    return resp


@lru_cache(maxsize=32)
def _place_names(source: str) -> dict[str, str]:
    from staffpool.inputs.validate import load_instance

    return {i.id: i.name for i in load_instance(source).institutions}


def moves_of(store: Store, run: Run) -> list[dict[str, Any]]:
    """Who moves where, by name, from the run's assignments.csv."""
    path = store.run_dir(run.id) / "assignments.csv"
    if not path.is_file():
        return []
    places = _place_names(str(store.instance_path(run.instance)))
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["change"] in MOVES]
    return [{"id": r["staff_id"], "name": r.get("name", ""), "from": labels.named(r["from_institution"],
             places.get(r["from_institution"])), "to": labels.named(r["to_institution"], places.get(r["to_institution"])),
             "change": labels.value("change", r["change"]), "km": fmt(r["distance_km"])} for r in rows]


def run_view(store: Store, run: Run) -> dict[str, Any]:
    """A run for a page: its levels with their names and units in the current language."""
    levels = [{"name": labels.value("level", k), "value": fmt(v), "unit": labels.level_unit(k)}
              for k, v in (run.levels or {}).items() if not isinstance(v, dict)]
    counts = (run.result or {}).get("counts") or {}
    rows = (run.result or {}).get("modes") if run.command == "compare" else None
    keys = list((rows[0].get("objective") or {}) if rows else [])
    return {"run": run, "levels": levels, "counts": counts, "files": store.files(run.id),
            "options": json.dumps({k: v for k, v in run.options.items() if v is not None}, ensure_ascii=False),
            "mode_levels": [{"name": labels.value("level", k)} for k in keys],
            "modes": [{"label": labels.value("mode", r["mode"]), "cells": [fmt((r.get("objective") or {}).get(k))
                                                                            for k in keys]} for r in rows or []]}


def add_pages(app: FastAPI, store: Store, workers: Workers, settings: Settings) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> Response:
        lang = request_language(request)
        resp = render(lang, "index.html", instances=store.instances(), runs=store.runs()[:20], problems=None)
        return _remember_language(request, resp)

    @app.post("/upload", include_in_schema=False)
    def upload(request: Request, file: UploadFile = File(...)) -> Response:
        lang = request_language(request)
        with speaking(lang):
            added = add_instance(store, file, settings.max_upload)
        body = json.loads(bytes(added.body))
        if added.status_code != 201:
            return render(lang, "index.html", added.status_code, instances=store.instances(), runs=store.runs()[:20],
                          problems=body["problems"], upload_name=file.filename or "")
        return RedirectResponse(f"/instances/{body['id']}", status_code=303)

    @app.get("/instances/{instance_id}", response_class=HTMLResponse, include_in_schema=False)
    def instance(request: Request, instance_id: int) -> Response:
        return _instance_page(request, instance_id)

    def _instance_page(request: Request, instance_id: int, problems: list[dict[str, Any]] | None = None,
                       status: int = 200) -> Response:
        lang = request_language(request)
        found = store.instance(instance_id)
        if found is None:
            raise HTTPException(404, detail=_("no instance {id}").format(id=instance_id))
        with speaking(lang):
            views = [run_view(store, r) for r in store.runs(instance_id)]
        return _remember_language(request, render(lang, "instance.html", status, inst=found, runs=views,
                                                  problems=problems, knobs=KNOBS, command_list=COMMANDS))

    @app.post("/runs", include_in_schema=False)
    def new_run(request: Request, instance: int = Form(...), command: str = Form("solve"), mode: str = Form(""),
                hiring_budget: str = Form(""), max_distance_km: str = Form(""), max_moves: str = Form(""),
                treasury_budget: str = Form(""), grid: str = Form("")) -> Response:
        lang = request_language(request)
        options: dict[str, Any] = {"lang": lang}
        if mode:
            options["mode"] = mode
        for key, factor in KNOBS:
            text = {"hiring_budget": hiring_budget, "max_distance_km": max_distance_km, "max_moves": max_moves,
                    "treasury_budget": treasury_budget}[key].strip()
            if text:
                options[key] = {"factor": text} if factor else text
        if command == "sweep":
            options["grid"] = grid if grid.strip() else None
        try:
            with speaking(lang):
                run_id = queue_run(store, {"instance": instance, "command": command, "options": options})
        except HTTPException as exc:
            detail: Any = exc.detail
            return _instance_page(request, instance, detail["problems"], exc.status_code)
        workers.submit()
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    @app.get("/runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
    def run(request: Request, run_id: int) -> Response:
        lang = request_language(request)
        found = store.run(run_id)
        if found is None:
            raise HTTPException(404, detail=_("no run {id}").format(id=run_id))
        with speaking(lang):
            view = run_view(store, found)
            moves = moves_of(store, found) if found.status == "done" else []
        return _remember_language(request, render(lang, "run.html", inst=store.instance(found.instance), view=view,
                                                  moves=moves))

    @app.post("/runs/{run_id}/cancel", include_in_schema=False)
    def cancel(run_id: int) -> Response:
        found = store.run(run_id)
        if found is not None and found.status in ("queued", "running"):
            workers.cancel(run_id)
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    @app.post("/runs/{run_id}/delete", include_in_schema=False)
    def delete(run_id: int) -> Response:
        """A finished run and its files; back to its instance."""
        found = store.run(run_id)
        if found is None:
            return RedirectResponse("/", status_code=303)
        if found.status not in ("queued", "running"):
            store.delete_run(run_id)
        return RedirectResponse(f"/instances/{found.instance}", status_code=303)

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare(request: Request, a: int, b: int) -> Response:
        lang = request_language(request)
        runs = [store.run(a), store.run(b)]
        if any(r is None for r in runs):
            raise HTTPException(404, detail=_("no run {id}").format(id=a if runs[0] is None else b))
        with speaking(lang):
            views = [run_view(store, r) for r in runs if r is not None]
        names = sorted({lvl["name"] for v in views for lvl in v["levels"]},
                       key=lambda n: min(i for v in views for i, lvl in enumerate(v["levels"]) if lvl["name"] == n))
        count_keys = sorted({k for v in views for k in v["counts"]})
        return render(lang, "compare.html", views=views, level_names=names, count_keys=count_keys)

    @app.post("/login", include_in_schema=False)
    def login(request: Request, token: str = Form("")) -> Response:
        if settings.token is None or not hmac.compare_digest(token.encode(), settings.token.encode()):
            return login_page(request_language(request), 401)
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return resp

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request) -> Response:
        """The API's operations, from its OpenAPI document (served here: no CDN)."""
        ops = [{"method": m.upper(), "path": p, "summary": o.get("summary", ""), "doc": o.get("description", "")}
               for p, item in app.openapi()["paths"].items() for m, o in item.items()]
        return render(request_language(request), "docs.html", ops=ops)

