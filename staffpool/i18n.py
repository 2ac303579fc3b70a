"""Translations: stdlib gettext over the compiled catalogues in staffpool/locale.

English is the source language (the msgids); `set_language("zh")` switches every `_()`
that runs afterwards. The library starts in English; the CLI picks `--lang` or the locale.
Only what people read is translated: JSON keys, CSV headers and CSV codes stay English.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "staffpool"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "zh")

_state: dict[str, object] = {"lang": "en", "t": gettext.NullTranslations()}


def default_language(env: Mapping[str, str] | None = None) -> str:
    """The language of the locale: the first set of LC_ALL, LC_MESSAGES, LANG (as POSIX
    reads them); zh* → zh, anything else → en."""
    env = os.environ if env is None else env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_language(lang: str) -> None:
    """Switch the language of every later `_()`; an unknown language is a ValueError."""
    code = lang.strip().lower().replace("-", "_")
    code = {"zh_cn": "zh", "zh_hans": "zh", "cn": "zh"}.get(code, code)
    if code not in LANGUAGES:
        raise ValueError(lang)
    t: gettext.NullTranslations = gettext.NullTranslations()
    if code != "en":
        t = gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[code])
    _state.update(lang=code, t=t)


def language() -> str:
    return str(_state["lang"])


def _(message: str) -> str:
    """The message in the current language."""
    t = _state["t"]
    assert isinstance(t, gettext.NullTranslations)
    return t.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    t = _state["t"]
    assert isinstance(t, gettext.NullTranslations)
    return t.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """The message in the current language, told apart by a context (a code such as
    "full" is a funding form in one place and could be something else in another)."""
    t = _state["t"]
    assert isinstance(t, gettext.NullTranslations)
    return t.pgettext(context, message)


def N_(message: str) -> str:
    """Marks a message for the catalogue without translating it yet (typer help texts,
    translated when the command line is built)."""
    return message


__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "N_", "_", "default_language", "language", "ngettext", "pgettext", "set_language"]
