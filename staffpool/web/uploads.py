"""An uploaded instance: a workbook (.xlsx), an instance JSON, or a .zip of an instance
folder. Kept under the instance's folder in the store and validated exactly as `validate`
does; a .zip is checked entry by entry before anything is unpacked."""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from typing import Any

from staffpool.errors import InputError, Problem
from staffpool.i18n import _
from staffpool.inputs.validate import load_with_warnings

KINDS = {".xlsx": "xlsx", ".json": "json", ".zip": "folder"}
MAX_UNPACKED = 500 * 1024 * 1024  # a zip bomb stops here
MAX_ENTRIES = 10_000
_SAFE = re.compile(r"[\w.\- ()\u3000-\u9fff]+")


def safe_name(filename: str | None, suffix: str) -> str:
    """The upload's own base name when it is plain (problems name the file as `validate`
    would), else `instance<suffix>`."""
    base = PurePosixPath((filename or "").replace("\\", "/")).name
    return base if base and _SAFE.fullmatch(base) and not base.startswith(".") else "instance" + suffix


def kind_of(filename: str | None) -> tuple[str, str]:
    suffix = PurePosixPath((filename or "").lower()).suffix
    if suffix not in KINDS:
        raise InputError([Problem(filename or "file", None, "", "", _(
            "upload a workbook (.xlsx), an instance JSON (.json) or a .zip of an instance folder"))])
    return suffix, KINDS[suffix]


def unpack(archive: Path, into: Path, max_unpacked: int = MAX_UNPACKED, shown: str | None = None) -> Path:
    """Unpack a .zip of an instance folder into `into`, refusing the whole archive on any
    entry with an absolute path, a `..` part, a link, or beyond the size cap. Returns the
    folder that holds instance.yaml."""
    problems: list[Problem] = []
    label = shown or archive.name
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise InputError([Problem(label, None, "", "", _("is not a .zip archive"))]) from None
    with zf:
        entries = zf.infolist()
        if len(entries) > MAX_ENTRIES:
            problems.append(Problem(label, None, "", "", _("has {n} entries (at most {most})").format(
                n=len(entries), most=MAX_ENTRIES)))
        total = 0
        for e in entries:
            name = e.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                problems.append(Problem(label, None, "", e.filename[:60], _("an entry outside the instance folder")))
            elif stat.S_ISLNK(e.external_attr >> 16):
                problems.append(Problem(label, None, "", e.filename[:60], _("a link: not allowed in an instance")))
            total += e.file_size
        if total > max_unpacked:
            problems.append(Problem(label, None, "", "", _("unpacks to {mb:.0f} MB (at most {most:.0f} MB)").format(
                mb=total / 2**20, most=max_unpacked / 2**20)))
        if problems:
            raise InputError(problems)
        into.mkdir(parents=True)
        for e in entries:
            target = into.joinpath(*PurePosixPath(e.filename.replace("\\", "/")).parts)
            if e.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(e) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)  # zipfile stops at the entry's declared size
    found = sorted(p.parent for p in into.rglob("instance.yaml"))
    if not found:
        raise InputError([Problem(label, None, "", "", _("holds no instance.yaml"))])
    return min(found, key=lambda p: len(p.parts))


def validate(path: Path) -> tuple[Any, list[dict[str, Any]]]:
    """The instance and its warnings as `validate --json` lists them; InputError with every problem."""
    inst, warnings = load_with_warnings(path)
    return inst, [asdict(w) for w in warnings]
