"""Writing files: atomically (whole or not at all), never over what a user made, cells safe from formula injection."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from staffpool.errors import UsageError
from staffpool.i18n import _, ngettext
from staffpool.inputs.read import FORMULA_START, neutralise


def ensure_not_input(out: Path, names: Iterable[str], inputs: Iterable[Path]) -> None:
    """Refuse to write a file over one of the instance's input files."""
    targets = {(out / n).resolve() for n in names}
    for p in inputs:
        if p.resolve() in targets:
            raise UsageError(_("{path}: refusing to overwrite an input file; choose another --out folder").format(path=out / p.name))


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file 0600; a result file gets the mode any new file would get
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], line_end: str = "\n") -> str:
    """A header and rows as CSV text (minimal quoting); the one CSV writer of every output.
    Text cells are neutralised against formula injection."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end)
    w.writerow(_safe_row(header))
    w.writerows(_safe_row(row) for row in rows)
    return buf.getvalue()


_RISKY_START = frozenset("".join(FORMULA_START) + "'")


def _safe_row(row: Sequence[object]) -> Sequence[object]:
    # Most rows have no risky cell: test cheaply, neutralise only rows that do (0.3 µs a cell less).
    for c in row:
        if type(c) is str and c[:1] in _RISKY_START:
            return [neutralise(x) for x in row]
    return row


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def write_files_atomic(out: Path, files: dict[str, str]) -> None:
    """Write several files; each lands whole or not at all."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        write_text_atomic(out / name, text)


def refuse_existing(paths: Iterable[Path], force: bool, folder: bool = False, words: str = "library") -> None:
    """Nothing a user made is overwritten: an existing target needs `force` (where a
    `folder` is to be written, an empty folder does not count). The message names what
    the caller can pass: `force=True` to the library (`words="library"`), `--force` on the
    command line (`"cli"`), nothing where nothing replaces (`"never"`)."""
    existing = [p for p in paths if (p.exists() or p.is_symlink()) and not (folder and _empty_folder(p))]
    if existing and not force:
        shown = ", ".join(str(p) for p in existing[:5]) + (
            _(" and {n} more").format(n=len(existing) - 5) if len(existing) > 5 else "")
        n = len(existing)
        if words == "cli":
            message = ngettext("{paths} already exists; pass --force to replace, or choose another --out",
                               "{paths} already exist; pass --force to replace, or choose another --out", n)
        elif words == "never":
            message = ngettext("{paths} already exists; choose another --out (a new or empty folder)",
                               "{paths} already exist; choose another --out (a new or empty folder)", n)
        else:
            message = ngettext("{paths} already exists; pass force=True to replace it, or write elsewhere",
                               "{paths} already exist; pass force=True to replace them, or write elsewhere", n)
        raise UsageError(message.format(paths=shown))


def _empty_folder(p: Path) -> bool:
    """An empty folder holds nothing to lose: writing a folder there needs no `force`."""
    return p.is_dir() and not p.is_symlink() and not any(p.iterdir())


def write_folder_atomic(out: Path, files: Mapping[str, str | bytes], force: bool = False) -> None:
    """Write a whole folder (an instance) so that it appears complete or not at all: the files
    go into a temporary folder beside `out`, which is then renamed to `out`.

    An existing `out` is refused unless `force`; even then only a folder holding nothing but
    files of the names written (an earlier run's) is replaced: staffpool never deletes what
    it did not write."""
    if out.exists() or out.is_symlink():
        refuse_existing([out], force, folder=True)
        if not out.is_dir() or out.is_symlink():
            raise UsageError(_("{path} exists and is not a folder; choose another --out").format(path=out))
        others = sorted(p.name for p in out.iterdir() if p.name not in files)
        if others:
            raise UsageError(_("{path} holds files staffpool did not write ({files}); --force only replaces an instance "
                               "folder; choose a new --out folder").format(path=out, files=", ".join(others[:5])))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    old: Path | None = None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it 0700
        for name, data in files.items():
            target = tmp / name
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                target.write_text(data, encoding="utf-8", newline="")
            os.chmod(target, 0o666 & ~umask)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            if not out.exists() and (old / out.name).exists():
                os.replace(old / out.name, out)  # the new folder never landed: put the old one back
            shutil.rmtree(old, ignore_errors=True)



def check_writable(path: Path, force: bool, inputs: Sequence[Path] = ()) -> None:
    """Refuse a path that is not .xlsx, is an input, or already exists (unless `force`)."""

    if path.suffix.lower() != ".xlsx":
        raise UsageError(_("--xlsx {path}: the workbook must be an .xlsx file").format(path=path))
    if path.resolve() in {p.resolve() for p in inputs}:
        raise UsageError(_("{path}: refusing to overwrite the input").format(path=path))
    if path.exists() and not force:
        raise UsageError(_("--xlsx {path}: the file exists (add --force to replace it)").format(path=path))

