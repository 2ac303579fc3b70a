"""Translations: the catalogue is complete and current, and `--lang` changes words, never numbers."""

from __future__ import annotations

import ast
import gettext
import io
import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from staffpool import i18n
from staffpool.cli import main

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "staffpool"
POT = PACKAGE / "locale" / "staffpool.pot"
ZH_PO = PACKAGE / "locale" / "zh" / "LC_MESSAGES" / "staffpool.po"
ZH_MO = ZH_PO.with_suffix(".mo")
TINY = ROOT / "instances" / "tiny"
# The keywords of docs/translating.md's `pybabel extract -k N_`.
MARKUP = re.compile(r"\[/?(?:red|green|yellow|blue|bold(?: \w+)?)?\]")  # rich's tags in our strings
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}


def _key(msg_id: str | tuple[str, ...] | list[str], context: str | None) -> tuple[str | None, str]:
    first = msg_id if isinstance(msg_id, str) else msg_id[0]
    return context, first


def _source_messages(root: Path) -> set[tuple[str | None, str]]:
    """Every message marked in the sources, extracted afresh (independent of the .pot)."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(root), method_map=[("**.py", "python")], keywords=KEYWORDS):
        found.add(_key(message, context))
    return found


def _marked_in_code(root: Path) -> set[tuple[str | None, str]]:
    """Every literal passed to _, ngettext, pgettext or N_, found with `ast` (also inside
    f-strings, where the extractor does not look)."""
    found: set[tuple[str | None, str]] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
            name = node.func.id
            if name in ("_", "N_", "ngettext") and args and args[0] is not None:
                found.add((None, args[0]))
            elif name == "pgettext" and len(args) == 2 and None not in args:
                found.add((args[0], args[1]))
    return found


def _catalogue(path: Path) -> dict[tuple[str | None, str], object]:
    with path.open("rb") as fh:
        cat = read_po(fh)
    return {_key(m.id, m.context): m for m in cat if m.id}


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{[^{}]*\}", text)) | set(re.findall(r"%\(?\w*\)?[sdfr]", text))


def test_the_template_is_current() -> None:
    """A new _() string without a catalogue entry fails here: rerun pybabel extract/update."""
    extracted = _source_messages(PACKAGE)
    marked = _marked_in_code(PACKAGE)
    assert marked - extracted == set(), "marked but not extracted (a _() inside an f-string?)"
    template = set(_catalogue(POT))
    assert extracted - template == set(), "strings missing from staffpool.pot (pybabel extract)"
    assert template - extracted == set(), "stale strings in staffpool.pot (pybabel extract)"


def test_every_message_has_a_chinese_translation() -> None:
    extracted = _source_messages(PACKAGE)
    zh = _catalogue(ZH_PO)
    missing = sorted((k for k in extracted if k not in zh), key=str)
    assert not missing, f"not in the zh catalogue (pybabel update): {missing[:10]}"
    untranslated, fuzzy = [], []
    for k in extracted:
        m = zh[k]
        strings = [m.string] if isinstance(m.string, str) else list(m.string)  # type: ignore[attr-defined]
        if not strings or not all(s.strip() for s in strings):
            untranslated.append(k)
        if m.fuzzy:  # type: ignore[attr-defined]
            fuzzy.append(k)
    assert not untranslated, f"untranslated: {sorted(untranslated)[:10]}"
    assert not fuzzy, f"fuzzy (check and clear the flag): {sorted(fuzzy)[:10]}"


def test_translations_keep_the_placeholders() -> None:
    for (ctx, _first), m in _catalogue(ZH_PO).items():
        ids = [m.id] if isinstance(m.id, str) else list(m.id)  # type: ignore[attr-defined]
        strings = [m.string] if isinstance(m.string, str) else list(m.string)  # type: ignore[attr-defined]
        wanted = set().union(*(_placeholders(i) for i in ids))
        for s in strings:
            got = _placeholders(s)
            if isinstance(m.id, str):  # type: ignore[attr-defined]
                assert got == wanted, (ctx, m.id, s)  # type: ignore[attr-defined]
            else:  # a plural: Chinese has one form, which may leave out a count the words carry
                assert got <= wanted and got, (ctx, m.id, s)  # type: ignore[attr-defined]
        for s in strings:  # rich markup must open and close as in English
            assert MARKUP.findall(s) == MARKUP.findall(ids[0]), (m.id, s)  # type: ignore[attr-defined]


def test_the_compiled_catalogue_is_current() -> None:
    """The committed .mo is what `pybabel compile` makes of the committed .po."""
    with ZH_PO.open("rb") as fh:
        cat = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, cat)
    buf.seek(0)
    fresh = gettext.GNUTranslations(buf)
    with ZH_MO.open("rb") as fh:
        committed = gettext.GNUTranslations(fh)
    assert committed._catalog == fresh._catalog, "run: pybabel compile -d staffpool/locale -D staffpool"  # type: ignore[attr-defined]


def test_language_from_the_locale() -> None:
    assert i18n.default_language({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.default_language({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.default_language({"LC_ALL": "", "LC_MESSAGES": "zh_TW.UTF-8"}) == "zh"
    assert i18n.default_language({"LANG": "C.UTF-8"}) == "en"
    assert i18n.default_language({}) == "en"


def test_set_language_switches_and_rejects_unknown() -> None:
    try:
        i18n.set_language("zh")
        assert i18n._("Every hard rule holds") == "所有硬性规则均满足"
        assert i18n.pgettext("tier", "village") == "村"
        i18n.set_language("en")
        assert i18n._("Every hard rule holds.") == "Every hard rule holds."
        with pytest.raises(ValueError):
            i18n.set_language("fr")
    finally:
        i18n.set_language("en")


def test_unknown_lang_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(TINY), "--lang", "fr"]) == 2
    assert "--lang" in capsys.readouterr().err


def test_lang_from_the_environment(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert main(["validate", str(TINY)]) == 0
    assert "校验通过" in capsys.readouterr().out
    assert main(["validate", str(TINY), "--lang=en"]) == 0
    assert "is valid" in capsys.readouterr().out


def _flat(help_text: str) -> str:
    """Rich output as one line: panel and table borders and wrapping removed (a wrap inside
    Chinese text leaves no space)."""
    text = " ".join(re.sub(r"[│╭╮╰╯─┃┏┓┗┛━┳┻╇┡┩└┘┴]", " ", help_text).split())
    return re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])", "", text)


@pytest.mark.parametrize("command", ["validate", "solve", "check", "generate", "convert", "rotate", "demand",
                                     "compare", "report", "explain", "advance", "plan", "serve"])
def test_every_command_has_lang_and_translated_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help", "--lang", "zh"]) == 0
    zh = _flat(capsys.readouterr().out)
    assert "--lang" in zh and "显示语言" in zh and "选项" in zh
    assert main([command, "--help", "--lang", "en"]) == 0
    en = _flat(capsys.readouterr().out)
    assert "--lang" in en and "Language of what people read" in en and not re.search(r"[\u4e00-\u9fff]", en)


def test_zh_and_en_give_the_same_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    outs = {}
    for lang in ("en", "zh"):
        assert main(["solve", str(TINY), "--json", "--lang", lang, "--out", str(tmp_path / lang)]) == 0
        data = json.loads(capsys.readouterr().out)
        data.pop("timings_s")
        for c in data["communities"]:
            c.pop("build_s"), c.pop("solve_s")
        outs[lang] = data
    assert outs["en"] == outs["zh"]
    for name in ("assignments.csv", "requirements.csv", "institutions.csv"):
        assert (tmp_path / "en" / name).read_bytes() == (tmp_path / "zh" / name).read_bytes(), name
    # the terminal tables (wide enough that no column is left out): the same numbers in the
    # same order, only the words differ
    import staffpool.cli.common

    monkeypatch.setattr(staffpool.cli.common.out, "width", 300)
    tables = {}
    for lang in ("en", "zh"):
        assert main(["solve", str(TINY), "--lang", lang]) == 0
        tables[lang] = re.findall(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?%?", capsys.readouterr().out)
    assert tables["en"] == tables["zh"] and tables["en"]


def _corrupt_tiny(tmp_path: Path) -> Path:
    """tiny with three Chinese mistakes: a title that does not exist, a non-numeric need, an
    unknown workplace."""
    bad = tmp_path / "坏实例"
    bad.mkdir()
    for f in TINY.iterdir():
        if f.is_file():
            (bad / f.name).write_bytes(f.read_bytes())
    staff = (bad / "staff.csv").read_text(encoding="utf-8").replace("s1,Dr Chen,on_staff,attending", "s1,陈医生,on_staff,教授")
    staff = staff.replace("s2,Dr Li,on_staff,resident,internal_medicine,differential,H,H",
                          "s2,李医生,on_staff,resident,internal_medicine,differential,H,不存在的卫生院")
    (bad / "staff.csv").write_text(staff, encoding="utf-8")
    req = (bad / "requirements.csv").read_text(encoding="utf-8").replace("H,pediatrics,resident,1,2", "H,pediatrics,resident,很多,2")
    (bad / "requirements.csv").write_text(req, encoding="utf-8")
    return bad


@pytest.fixture
def wide_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide terminal: each problem on one line of the table."""
    import staffpool.cli.common

    monkeypatch.setattr(staffpool.cli.common.err, "width", 400)


@pytest.mark.usefixtures("wide_stderr")
def test_corrupt_chinese_input_in_the_chosen_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _corrupt_tiny(tmp_path)
    out = tmp_path / "out"
    assert main(["solve", str(bad), "--lang", "zh", "--out", str(out), "--xlsx", str(tmp_path / "p.xlsx")]) == 2
    assert not out.exists() and not (tmp_path / "p.xlsx").exists()
    err = _flat(capsys.readouterr().err)
    assert "Traceback" not in err
    assert "输入问题: 3" in err and "未写出任何文件" in err
    # each problem: file, row (header = 1), column, the value, the message in Chinese
    assert re.search(r"staff\.csv 2 职称 \(title\) 教授 ?取值不存在：应为以下之一：.*attending \(主治医师\)", err), err
    assert re.search(r"staff\.csv 3 工作机构 \(posted_at\) 不存在的卫生院 ?未知机构", err), err
    assert re.search(r"requirements\.csv 4 需求人数 \(need\) 很多 ?不是数字：应为 ≥ 0 的整数", err), err
    assert main(["solve", str(bad), "--lang", "en"]) == 2
    err = _flat(capsys.readouterr().err)
    assert "Input problems: 3" in err and "does not exist: expected one of" in err and "教授" in err
    assert "is not a number: expected a whole number ≥ 0" in err and "unknown institution" in err


@pytest.mark.parametrize("args", [["--lang", "zh", "validate", str(TINY)], ["validate", str(TINY), "--lang=zh"],
                                  ["validate", "--lang", "zh", str(TINY)]])
def test_lang_anywhere_on_the_line(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 0
    assert "校验通过" in capsys.readouterr().out


@pytest.mark.usefixtures("wide_stderr")
def test_corrupt_bundled_chinese_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bundled Chinese workbook with three mistakes: each named by sheet, row and the
    column by its Chinese header, in Chinese; exit 2, nothing written."""
    import openpyxl

    wb = openpyxl.load_workbook(ROOT / "instances" / "sanming-county-zh.xlsx")
    staff, req = wb["人员"], wb["需求"]
    head = [c.value for c in staff[1]]
    staff.cell(2, head.index("职称") + 1).value = "教授"
    staff.cell(4, head.index("工作机构") + 1).value = "不存在的卫生院"
    req.cell(3, [c.value for c in req[1]].index("需求人数") + 1).value = "很多"
    bad = tmp_path / "三明-有误.xlsx"
    wb.save(bad)
    before = sorted(tmp_path.iterdir())
    assert main(["solve", str(bad), "--lang", "zh", "--out", str(tmp_path / "out")]) == 2
    assert sorted(tmp_path.iterdir()) == before
    err = _flat(capsys.readouterr().err)
    assert "输入问题: 3" in err and "Traceback" not in err
    assert re.search(r"三明-有误\.xlsx: 人员 2 职称 \(title\) 教授 ?取值不存在", err), err
    assert re.search(r"三明-有误\.xlsx: 人员 4 工作机构 \(posted_at\) 不存在的卫生院 ?未知机构", err), err
    assert re.search(r"三明-有误\.xlsx: 需求 3 需求人数 \(need\) 很多 ?不是数字", err), err
