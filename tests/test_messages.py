"""Every message people read goes through gettext: a test that finds the ones that do not.

It reads staffpool/ with `ast` and looks at every place a message leaves for a person: what
is raised (`raise XError("...")`), a `Problem`'s message, a checker's `Violation`, an
explanation's `Relaxation`/`Marginal`, what is printed on a console, a reason or problem
appended to a list, a progress line, a table's title and headers, the HTML report's
headings and notes. A string literal there (or an f-string, or `"...".format(...)`, or a
`+` of them) with words in it must be wrapped in `_()`, `ngettext`, `pgettext` or `N_`.
Rich markup alone (`"[red]"`) has no words. The few exceptions are listed in ALLOWED, each
with the reason it stays English.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "staffpool"
MARKERS = {"_", "ngettext", "pgettext", "N_"}
MARKUP = re.compile(r"\[/?[a-z ]*\]")

# Raised with a message for people (any exception class whose name says so).
EXCEPTIONS = re.compile(r"(Error|Exception|BadParameter)$")
# call name -> which positional arguments and keywords carry a message
MESSAGE_ARGS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "Problem": ((4,), ("message",)),
    "bad": ((3,), ()),  # a raw table's problem: (row, column, value, message)
    "Violation": ((2,), ("message",)),
    "Relaxation": ((3,), ("message",)),
    "Marginal": ((2, 6), ("message", "step")),
    "print": ((0,), ()),  # console.print, err.print
    "error_line": ((1, 2), ()),
    "_json_error": ((1,), ()),
    "_busy": ((0,), ()),
    "add_task": ((0,), ("description",)),
    "update": ((), ("description",)),
    "Table": ((), ("title", "caption")),
    "add_column": ((0,), ()),
    "_h2": ((0,), ()),
    "_note": ((0,), ()),
    "_text": ((2,), ()),
    "_svg": ((1,), ()),
    "_legend": ((), ()),
}
LISTS = {"reasons", "problems", "notes", "messages"}  # `reasons.append("...")`

# (file, the literal's start) -> why it stays English. Internal errors are for developers
# (exit 3, "rerun with --debug"), not for the people who run the plan.
ALLOWED: dict[tuple[str, str], str] = {
    ("staffpool/solving/instance.py", "internal error:"): "internal error (a bug, exit 3): for developers",
    ("staffpool/solving/horizon.py", "internal error:"): "internal error (a bug, exit 3): for developers",
    ("staffpool/scale/chain.py", "internal error:"): "internal error (a bug, exit 3): for developers",
    ("staffpool/scale/sweep.py", "internal error:"): "internal error (a bug, exit 3): for developers",
    ("staffpool/tools/rotation.py", "internal error:"): "internal error (a bug, exit 3): for developers",
    ("staffpool/api/core.py", "expected "): "TypeError of a library call: for the programmer calling it",
    ("staffpool/api/tools.py", "expected "): "TypeError of a library call: for the programmer calling it",
    ("staffpool/__init__.py", "module 'staffpool' has no attribute "): "AttributeError of Python's own wording (PEP 562)",
    ("staffpool/tools/generate.py", "mode must be one of"): "ValueError of a library call; `generate` checks its options first (translated)",
    ("staffpool/tools/generate.py", "move_cap, contracts"): "ValueError of a library call; `generate` checks its options first (translated)",
}


def _words(text: str) -> bool:
    return any(c.isalpha() for c in MARKUP.sub("", text))


def unmarked(e: ast.expr) -> list[str]:
    """The literal texts with words in `e` that no gettext call wraps."""
    if isinstance(e, ast.Constant) and isinstance(e.value, str):
        return [e.value] if _words(e.value) else []
    if isinstance(e, ast.JoinedStr):
        text = "".join(v.value for v in e.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return [text] if _words(text) else []
    if isinstance(e, ast.Call):
        if isinstance(e.func, ast.Name) and e.func.id in MARKERS:
            return []
        if isinstance(e.func, ast.Attribute) and e.func.attr == "format":
            return unmarked(e.func.value)
        return []
    if isinstance(e, ast.BinOp):
        return unmarked(e.left) + unmarked(e.right)
    if isinstance(e, ast.List | ast.Tuple):
        return [t for el in e.elts for t in unmarked(el)]
    if isinstance(e, ast.IfExp):
        return unmarked(e.body) + unmarked(e.orelse)
    return []


def _name(f: ast.expr) -> str:
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def messages(call: ast.Call) -> list[ast.expr]:
    """The arguments of `call` that carry a message for people."""
    name = _name(call.func)
    if EXCEPTIONS.search(name):
        return list(call.args)
    if name == "append" and isinstance(call.func, ast.Attribute) and _name(call.func.value) in LISTS:
        return list(call.args[:1])
    if name == "print" and not isinstance(call.func, ast.Attribute):
        return []  # the builtin: not used for people
    positions, keywords = MESSAGE_ARGS.get(name, ((), ()))
    return ([call.args[i] for i in positions if i < len(call.args)]
            + [k.value for k in call.keywords if k.arg in keywords])


def find_unmarked(root: Path = PACKAGE) -> list[tuple[str, int, str]]:
    """(file, line, text) of every message not through gettext, the allowed ones left out."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for arg in messages(node):
                for text in unmarked(arg):
                    if not any(f == rel and text.startswith(start) for f, start in ALLOWED):
                        found.append((rel, node.lineno, text))
    return found


def test_every_message_for_people_goes_through_gettext() -> None:
    found = find_unmarked()
    assert not found, "wrap these in _() (or ngettext/pgettext), or allow one with a reason:\n" + "\n".join(
        f"  {f}:{line}: {text!r}" for f, line, text in found)


def test_every_allowed_exception_still_exists() -> None:
    """An allowance whose string is gone is stale: remove it (the list stays small and true)."""
    texts = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        texts[rel] = [t for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.Call)
                      for arg in messages(node) for t in unmarked(arg)]
    for (file, start), reason in ALLOWED.items():
        assert reason and any(t.startswith(start) for t in texts.get(file, [])), (file, start)


def test_the_finder_finds_what_it_should(tmp_path: Path) -> None:
    """The finder itself: each kind of unmarked message is found, each marked one is not."""
    pkg = tmp_path / "staffpool"
    pkg.mkdir()
    (pkg / "m.py").write_text('''
def f(x, err, reasons):
    raise UsageError(f"{x}: not a folder")
    raise InputError([Problem("a.csv", 1, "c", x, "unknown institution")])
    yield Violation("pins", x, "pinned at " + x)
    err.print("[red]" + "no plan" + "[/]")
    reasons.append("the caps leave too few places".format())
    raise UsageError(_("{x}: not a folder").format(x=x))
    err.print("[red]" + _("no plan") + "[/]")
    reasons.append(ngettext("{n} place", "{n} places", 2))
    raise RuntimeError(f"{x}: {x}")
''', encoding="utf-8")
    found = sorted(text for _f, _line, text in find_unmarked(pkg))
    assert found == sorted([": not a folder", "unknown institution", "pinned at ", "no plan", "the caps leave too few places"])
