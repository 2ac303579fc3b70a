"""A planner reading docs/rules.md finds the function of every rule of the registry."""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from staffpool import check
from staffpool.model.rules import RULES

ROOT = Path(__file__).resolve().parents[1]


def test_rules_md_lists_every_rule_with_its_functions() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().strip("`"): line for line in text.splitlines() if line.startswith("| `")}
    assert set(rows) == {r.name for r in RULES}
    for rule in RULES:
        row = rows[rule.name]
        for fn in (rule.allow, rule.define):
            if fn is not None:
                path = Path(inspect.getfile(fn)).relative_to(ROOT).as_posix()
                assert f"`{fn.__name__}` in `{path}`" in row, rule.name
        if rule.kind == "hard":
            checker = f"check_{rule.name}"
            assert hasattr(check, checker) and f"`{checker}`" in row, rule.name


def test_rules_md_names_each_rules_form_over_years_beside_its_one_year_form() -> None:
    # Each rule is defined once: its form over years lives in the module of its one-year
    # form, is registered in the same entry, and the catalogue's row names it.
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "| rule | model.md | what | model function | over years | checker |" in text
    rows = {line.split("|")[1].strip().strip("`"): line.split("|") for line in text.splitlines() if line.startswith("| `")}
    for rule in RULES:
        one_year = [fn for fn in (rule.allow, rule.define) if fn is not None]
        over_years = [fn for fn in (rule.allow_years, rule.define_years) if fn is not None]
        assert over_years, f"{rule.name} has no form over years"
        modules = {inspect.getfile(fn) for fn in one_year + over_years}
        assert len(modules) == 1, f"{rule.name}: its forms live in {sorted(modules)}"
        cell = rows[rule.name][5]
        assert {m.strip("`") for m in cell.replace(",", " ").split()} == {fn.__name__ for fn in over_years}, rule.name


# ---------------------------------------------------------------- the repository stands alone

# The planning notes the project was built from are not part of it: nothing may point at
# them. A name like `money.md` is fine only where docs/ has such a page.
OUTSIDE = re.compile(r"\.\./shared|/work/shared|shared/(spec|seeds)|\.\./seeds")
SPEC_NAMES = re.compile(r"(?<![\w/.-])(?:docs/)?(interface|model|money|horizon|zh|wisn|architecture|performance-notes)\.md\b")


def _tracked_text_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        files = [ROOT / line for line in out.splitlines()]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        files = [p for p in ROOT.rglob("*") if p.is_file() and not {".git", ".venv"} & set(p.parts)]
    return [p for p in files if p.suffix in {".md", ".py", ".toml", ".yaml", ".yml", ".txt", ".cfg", ""} and p.is_file()]


def test_nothing_refers_to_files_outside_the_repository() -> None:
    here = Path(__file__).resolve()
    found = []
    for path in _tracked_text_files():
        if path.resolve() == here:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
            for m in SPEC_NAMES.finditer(line):
                if not (ROOT / "docs" / f"{m.group(1)}.md").exists():
                    found.append(f"{path.relative_to(ROOT)}:{n}: {m.group(0)} is not a page of docs/")
    assert found == []


def test_the_finder_of_outside_references_finds_them() -> None:
    shared = "sha" + "red"  # spelled apart so that this file passes its own search
    assert OUTSIDE.search(f"see ../{shared}/spec/model.md") and OUTSIDE.search(f"`{shared}/spec/x`")
    names = [m.group(1) for m in SPEC_NAMES.finditer("as inter" + "face.md says; docs/model.md; wisn.md")]
    assert names == ["interface", "model", "wisn"]
    assert not SPEC_NAMES.search("rulesmodel.md") and not SPEC_NAMES.search("tests/model.md")


def _imported_modules(folder: Path) -> set[str]:
    mods = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods.add(node.module.split(".")[0])
    return mods - set(sys.stdlib_module_names) - {"staffpool", "__future__"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_third_party_import_is_a_declared_dependency() -> None:
    import importlib.metadata as md

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_norm(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]) for d in project["dependencies"]}
    # The `dask` extra, imported only for --scheduler: "dask[distributed]" declares dask and distributed;
    # the `web` extra, imported only by web/ and `serve`.
    for d in project["optional-dependencies"]["dask"] + project["optional-dependencies"]["web"]:
        declared.add(_norm(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0]))
        declared |= {_norm(x) for x in re.findall(r"\[([^\]]*)\]", d)[0].split(",")} if "[" in d else set()
    dists = md.packages_distributions()
    missing = {}
    for mod in sorted(_imported_modules(ROOT / "staffpool")):
        names = {_norm(d) for d in dists.get(mod, [mod])}
        if not names & declared:
            missing[mod] = sorted(names)
    assert missing == {}, f"imported by staffpool but not in pyproject dependencies: {missing}"


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block is not None and text.index(block.group(0)) < 40, "the README opens with its commands"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_install_and_test_commands_ci_runs_as_written() -> None:
    install, tests = _readme_commands()
    assert "pip install -e ." in install and "staffpool solve instances/" in install
    assert tests.endswith("pytest") and "pip install -e '.[dev,dask,web]'" in tests  # CI runs the Dask and web tests too
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f'README_TESTS="{tests}"' in ci and 'bash -c "$README_TESTS"' in ci


def test_readme_python_example_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code is not None
    done = subprocess.run([sys.executable, "-c", code.group(1)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "'shortfall':" in done.stdout and "True" in done.stdout
