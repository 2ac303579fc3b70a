"""Every command with `--lang zh` on the Chinese workbook: what people read has no English.

Collected: stdout/stderr, every cell of every workbook written (openpyxl), the visible text
of every HTML page written (tags, script and style removed). CSV/JSON files are for programs
and keep their codes (docs/translating.md), so they are skipped. A failure is an ASCII word
of three or more letters, a rule id or enum code, or a `%(…)s` / `{…}` placeholder, that is
not the user's own data (an id or name in the instance) nor a technical word people expect.
One test per command, so a command still speaking English fails alone.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from staffpool import load_instance
from staffpool.cli import main
from staffpool.i18n import _, set_language
from staffpool.inputs import labels
from staffpool.model.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
ZH = ROOT / "instances" / "sanming-county-zh.xlsx"
YEARS = ROOT / "instances" / "sanming-county-5y"
WISN = ROOT / "instances" / "hiv-clinic-wisn"

# Words people expect in Chinese text: the tool, solvers, units, formats, command names.
TECHNICAL = {
    "staffpool", "highs", "cbc", "csv", "json", "xlsx", "html", "dask", "wisn", "awt", "yaml", "parquet",
    "graphml", "pulp", "highspy", "tcp", "localhost", "utf",
    "validate", "solve", "check", "report", "rotate", "demand", "compare", "explain", "sweep", "plan",
    "advance", "generate", "convert",
}
# Codes that must never reach a reader (they are CSV/JSON vocabulary).
CODES = re.compile(r"\b(treasury_budget|max_moves|hiring_budget|county_pool|differential|on_staff|unified|"
                   r"separate|regularise\w*|not_hired|time_limit|infeasible|optimal|village_doctor|"
                   r"deputy_chief|general_practice|internal_medicine|public_health|from_institution|"
                   r"to_institution|staff_id|distance_km|post_funding|min_title)\b")
WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")
PLACEHOLDER = re.compile(r"%\(\w*\)?[sdf]?|\{[a-z_]*[!:}]")


def _data_words(*sources: Path) -> set[str]:
    """The user's own data: every id and name in the instance, split into words."""
    words: set[str] = set()
    set_language("zh")
    for src in sources:
        inst = load_instance(src)
        items: list[str] = [inst.name]
        for group in (inst.communities, inst.institutions, inst.staff):
            for x in group:
                items += [x.id, x.name]
        # the user's own specialties (a WISN cadre such as hiv_care), not the bundled ones,
        # which have a word of their own
        items += [sp for sp in {s.specialty for s in inst.staff} | {r.specialty for r in inst.requirements}
                  if labels.value("specialty", sp) == sp]
        for item in items:
            words.update(w.lower() for w in WORD.findall(item))
    return words


def _visible(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r'<pre id="layout">.*?</pre>', " ", page, flags=re.S)  # hidden, for the browser tests
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def _written(paths: list[Path]) -> list[tuple[str, str]]:
    """(where, text) of what people read in the files written."""
    out: list[tuple[str, str]] = []
    files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*")))]
    for f in files:
        if f.suffix == ".html":
            out.append((f.name, _visible(f.read_text(encoding="utf-8"))))
        elif f.suffix == ".xlsx":
            import openpyxl  # heavy: only for the workbooks written

            wb = openpyxl.load_workbook(f, read_only=True)
            for ws in wb.worksheets:
                out.append((f"{f.name}!{ws.title}", ws.title))
                for row in ws.iter_rows(values_only=True):
                    out += [(f"{f.name}!{ws.title}", str(v)) for v in row if isinstance(v, str)]
    return out


def _strip_allowed(text: str) -> str:
    """Remove what is expected: options (--xlsx), file names and paths, URLs."""
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"(?<![\w-])--[a-z][\w-]*", " ", text)
    text = re.sub(r"\S*[/\\]\S*", " ", text)  # paths
    text = re.sub(r"[\w.-]+\.(xlsx|csv|json|html|yaml|parquet|graphml|md|po|mo)\b", " ", text)
    return text


def offenders(texts: list[tuple[str, str]], allowed: set[str]) -> list[str]:
    bad: list[str] = []
    for where, text in texts:
        for code in CODES.findall(text):
            if code.lower() not in allowed:
                bad.append(f"{where}: code {code!r} in {text.strip()[:160]!r}")
        for ph in PLACEHOLDER.findall(text):
            bad.append(f"{where}: placeholder {ph!r} in {text.strip()[:160]!r}")
        for word in WORD.findall(_strip_allowed(text)):
            low = word.lower()
            if low in TECHNICAL or low in allowed or CODES.fullmatch(word):
                continue
            bad.append(f"{where}: word {word!r} in {text.strip()[:160]!r}")
    return sorted(set(bad))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("zhsweep")


@pytest.fixture(scope="module")
def allowed() -> set[str]:
    return _data_words(ZH)


@pytest.fixture(scope="module")
def years_allowed(years_zh: Path) -> set[str]:
    return _data_words(years_zh)


@pytest.fixture(scope="module")
def years_zh(work: Path) -> Path:
    """sanming-county-5y as a Chinese workbook, its English names made Chinese: otherwise
    "county", "hospital", … would pass as the user's data."""
    import openpyxl  # heavy: only to rename

    book = work / "英文名.xlsx"
    assert main(["convert", str(YEARS), "--to", "xlsx", "--lang", "zh", "--out", str(book)]) == 0
    wb = openpyxl.load_workbook(book)
    for row in wb["实例"].iter_rows(min_row=2):
        if row[0].value == "名称":
            row[1].value = "三明五年"
    for sheet, header, stem in (("医共体", "名称", "医共体"), ("机构", "机构名称", "机构"), ("人员", "姓名", "人员")):
        ws = wb[sheet]
        col = [c.value for c in ws[1]].index(header)
        for n, row in enumerate(ws.iter_rows(min_row=2), start=1):
            row[col].value = f"{stem}{n}号"
    out = work / "五年.xlsx"
    wb.save(out)
    assert not _data_words(out)
    return out


@pytest.fixture(scope="module")
def plan_dir(work: Path) -> Path:
    out = work / "方案"
    assert main(["solve", str(ZH), "--lang", "zh", "--out", str(out)]) == 0
    return out


def run(capsys: pytest.CaptureFixture[str], argv: list[str], expect: int = 0) -> list[tuple[str, str]]:
    capsys.readouterr()
    code = main([*argv, "--lang", "zh"])
    got = capsys.readouterr()
    assert code == expect, got.err[-2000:]
    return [("stdout", got.out), ("stderr", got.err)]


def _check(texts: list[tuple[str, str]], allowed: set[str]) -> None:
    bad = offenders(texts, allowed)
    assert not bad, f"{len(bad)} English words or codes:\n" + "\n".join(bad[:80])


def test_the_sweep_catches_english_codes_and_placeholders(allowed: set[str]) -> None:
    """The check itself: English, codes and placeholders are caught; data, options and files pass."""
    assert offenders([("x", "本县 规划 --xlsx 方案.xlsx staffpool HiGHS 公里")], allowed) == []
    assert len(offenders([("x", "the plan breaks 2 hard rules")], allowed)) == 4
    assert offenders([("x", "占用 differential 编制")], allowed)
    assert offenders([("x", "body{font-family:%(fonts)s;}")], allowed)
    assert offenders([("x", "规则 {rule}")], allowed)
    some_name = next(w for w in allowed if w.isalpha())
    assert offenders([("x", f"机构 {some_name}")], allowed) == []


def test_validate(capsys: pytest.CaptureFixture[str], allowed: set[str]) -> None:
    _check(run(capsys, ["validate", str(ZH)]), allowed)


def test_solve(capsys: pytest.CaptureFixture[str], allowed: set[str], work: Path) -> None:
    out, book = work / "解", work / "解.xlsx"
    texts = run(capsys, ["solve", str(ZH), "--out", str(out), "--xlsx", str(book)])
    _check(texts + _written([out, book]), allowed)


def test_check(capsys: pytest.CaptureFixture[str], allowed: set[str], plan_dir: Path) -> None:
    _check(run(capsys, ["check", str(ZH), str(plan_dir)]), allowed)


def test_report(capsys: pytest.CaptureFixture[str], allowed: set[str], work: Path, plan_dir: Path) -> None:
    page = work / "报告.html"
    texts = run(capsys, ["report", str(ZH), "--plan", str(plan_dir), "--out", str(page)])
    _check(texts + _written([page]), allowed)


def test_rotate(capsys: pytest.CaptureFixture[str], allowed: set[str], work: Path, plan_dir: Path) -> None:
    out = work / "轮岗"
    texts = run(capsys, ["rotate", str(ZH), "--allocation", str(plan_dir), "--out", str(out)])
    _check(texts + _written([out]), allowed)


def test_demand(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    allowed = _data_words(WISN)
    book = work / "wisn.xlsx"
    assert main(["convert", str(WISN), "--to", "xlsx", "--lang", "zh", "--out", str(book)]) == 0
    out = work / "需求"
    texts = run(capsys, ["demand", str(book), "--out", str(out)])
    _check(texts + _written([out]), allowed)


def test_compare(capsys: pytest.CaptureFixture[str], allowed: set[str], work: Path) -> None:
    book = work / "比较.xlsx"
    texts = run(capsys, ["compare", str(ZH), "--xlsx", str(book)])
    _check(texts + _written([book]), allowed)


def test_explain(capsys: pytest.CaptureFixture[str], allowed: set[str]) -> None:
    _check(run(capsys, ["explain", str(ZH)]), allowed)


def test_sweep(capsys: pytest.CaptureFixture[str], allowed: set[str], work: Path) -> None:
    grid = work / "grid.yaml"
    grid.write_text("hiring_budget: {factor: [0.5, 1.0]}\n", encoding="utf-8")
    out = work / "扫描"
    texts = run(capsys, ["sweep", str(ZH), "--grid", str(grid), "--out", str(out)])
    page = work / "扫描报告.html"
    texts += run(capsys, ["report", str(ZH), "--sweep", str(out), "--out", str(page), "--no-compare"])
    _check(texts + _written([out, page]), allowed)


def test_plan_rolling(capsys: pytest.CaptureFixture[str], years_allowed: set[str], work: Path, years_zh: Path) -> None:
    out, book = work / "逐年", work / "逐年.xlsx"
    texts = run(capsys, ["plan", str(years_zh), "--rolling", "--out", str(out), "--xlsx", str(book)])
    _check(texts + _written([out, book, years_zh]), years_allowed)


def test_advance(capsys: pytest.CaptureFixture[str], years_allowed: set[str], work: Path, years_zh: Path) -> None:
    plan = work / "年方案"
    assert main(["solve", str(years_zh), "--lang", "zh", "--out", str(plan)]) == 0
    out = work / "下一年"
    texts = run(capsys, ["advance", str(years_zh), str(plan), "--out", str(out)])
    _check(texts + _written([out]), years_allowed)


def test_generate(capsys: pytest.CaptureFixture[str], allowed: set[str], work: Path) -> None:
    out = work / "生成"
    _check(run(capsys, ["generate", "--communities", "2", "--out", str(out)]), allowed)


def test_convert(capsys: pytest.CaptureFixture[str], allowed: set[str], work: Path) -> None:
    book = work / "转换.xlsx"
    texts = run(capsys, ["convert", str(ZH), "--to", "xlsx", "--out", str(book)])
    _check(texts + _written([book]), allowed)


def _capacity_short(d: Path) -> None:
    """Capacity 1 at the county hospital and none elsewhere, moves unlimited: only the
    capacity rule, relaxed, gives a plan (the rule summaries are tested on their own)."""
    text = (d / "institutions.csv").read_text()
    for old, new in (("30000,0,0,\n", "30000,0,0,1\n"), ("20000,10,0,3\n", "20000,10,0,0\n"), ("3000,13,4,\n", "3000,13,4,0\n")):
        assert old in text
        text = text.replace(old, new)
    (d / "institutions.csv").write_text(text)
    (d / "instance.yaml").write_text((d / "instance.yaml").read_text().replace("max_moves: 1", "max_moves: 9"))


@pytest.fixture(scope="module")
def infeasible_zh(work: Path) -> Path:
    """tiny short of capacity, as a Chinese workbook."""
    import shutil

    d = work / "不可行"
    shutil.copytree(ROOT / "instances" / "tiny", d)
    _capacity_short(d)
    book = work / "不可行.xlsx"
    assert main(["convert", str(d), "--to", "xlsx", "--lang", "zh", "--out", str(book)]) == 0
    return book


@pytest.fixture(scope="module")
def infeasible_years_zh(work: Path) -> Path:
    """The infeasible tiny over two years, as a Chinese workbook."""
    import shutil

    d = work / "不可行两年"
    shutil.copytree(ROOT / "instances" / "tiny", d)
    _capacity_short(d)
    (d / "instance.yaml").write_text((d / "instance.yaml").read_text() + "horizon: {start: 2026, years: 2}\n")
    book = work / "不可行两年.xlsx"
    assert main(["convert", str(d), "--to", "xlsx", "--lang", "zh", "--out", str(book)]) == 0
    return book


def test_plan_infeasible(capsys: pytest.CaptureFixture[str], work: Path, infeasible_years_zh: Path) -> None:
    texts = run(capsys, ["plan", str(infeasible_years_zh), "--out", str(work / "无解整体")], expect=1)
    texts += run(capsys, ["plan", str(infeasible_years_zh), "--rolling", "--out", str(work / "无解逐年")], expect=1)
    _check(texts, _data_words(infeasible_years_zh))


def test_solve_infeasible(capsys: pytest.CaptureFixture[str], infeasible_zh: Path) -> None:
    _check(run(capsys, ["solve", str(infeasible_zh)], expect=1), _data_words(infeasible_zh))


def test_explain_infeasible(capsys: pytest.CaptureFixture[str], infeasible_zh: Path) -> None:
    _check(run(capsys, ["explain", str(infeasible_zh)], expect=1), _data_words(infeasible_zh))


@pytest.fixture(scope="module")
def broken_plan(work: Path, plan_dir: Path) -> Path:
    """The plan with its first person sent to a village on a county post: two rules broken."""
    import shutil

    d = work / "违规方案"
    shutil.copytree(plan_dir, d)
    rows = (d / "assignments.csv").read_text(encoding="utf-8").split("\n")
    cells = rows[1].split(",")
    cells[6], cells[7] = "C000-V044", "true"  # to_institution, moved
    rows[1] = ",".join(cells)
    (d / "assignments.csv").write_text("\n".join(rows), encoding="utf-8")
    return d


def test_check_broken_plan(capsys: pytest.CaptureFixture[str], allowed: set[str], broken_plan: Path) -> None:
    _check(run(capsys, ["check", str(ZH), str(broken_plan)], expect=1), allowed)


def test_report_broken_plan(capsys: pytest.CaptureFixture[str], allowed: set[str], work: Path,
                            broken_plan: Path) -> None:
    page = work / "违规报告.html"
    texts = run(capsys, ["report", str(ZH), "--plan", str(broken_plan), "--out", str(page), "--no-compare"], expect=1)
    _check(texts + _written([page] if page.exists() else []), allowed)


def test_validate_missing_sheet(capsys: pytest.CaptureFixture[str], allowed: set[str], work: Path) -> None:
    import openpyxl  # heavy: only to drop a sheet

    wb = openpyxl.load_workbook(ZH)
    del wb[wb.sheetnames[2]]
    book = work / "缺表.xlsx"
    wb.save(book)
    _check(run(capsys, ["validate", str(book)], expect=2), allowed)


def test_solve_infeasible_pin(capsys: pytest.CaptureFixture[str], work: Path) -> None:
    """A pinned candidate with no budget to hire: the pins rule names the person, not its cohort code."""
    import shutil

    d = work / "固定安排"
    shutil.copytree(ROOT / "instances" / "tiny", d)
    yaml = d / "instance.yaml"
    yaml.write_text(yaml.read_text().replace("hiring_budget: 200000", "hiring_budget: 1000, treasury_budget: 1000"))
    (d / "pins.csv").write_text("staff_id,year,at,stay,not_at\ns7,,T,,\n")
    book = work / "固定安排.xlsx"
    assert main(["convert", str(d), "--to", "xlsx", "--lang", "zh", "--out", str(book)]) == 0
    texts = run(capsys, ["solve", str(book)], expect=1)
    assert "s7" in texts[1][1]
    _check(texts, _data_words(book))


def test_rule_summaries_in_words() -> None:
    """What an infeasible solve says of each hard rule (its summary) names no code."""
    set_language("zh")
    texts = [(f"rule {r.name}", _(r.summary)) for r in RULES if r.kind == "hard"]
    _check(texts, set())
