"""Translation: Chinese is the source language, English comes from a gettext catalog."""

from __future__ import annotations

import gettext
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LANGUAGES = ("zh", "en")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "workbench"

_current = "zh"
_translation: gettext.NullTranslations = gettext.NullTranslations()
_local = threading.local()   # a thread may speak another language for a while (see `speaking`)


def set_language(lang: str) -> None:
    """Switch every later `_()` call to `lang` ("zh" or "en")."""
    global _current, _translation
    if lang not in LANGUAGES:
        raise ValueError(lang)
    _current = lang
    _translation = _load(lang)


def _load(lang: str) -> gettext.NullTranslations:
    if lang == "zh":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def language() -> str:
    return getattr(_local, "lang", None) or _current


@contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Render in `lang` on this thread only (a message for another user), whatever the UI speaks."""
    if lang not in LANGUAGES:
        lang = _current
    saved = getattr(_local, "lang", None), getattr(_local, "translation", None)
    _local.lang, _local.translation = lang, _load(lang)
    try:
        yield
    finally:
        _local.lang, _local.translation = saved


def _(message: str) -> str:
    """Translate a Chinese source string into the current language."""
    return (getattr(_local, "translation", None) or _translation).gettext(message)


def N_(message: str) -> str:
    """Mark a message for the catalog without translating it yet (translated where it is shown)."""
    return message


def pick(zh: str, en: str) -> str:
    """Choose between the two texts of a bilingual data record."""
    return en if language() == "en" and en else zh


def detect_language() -> str:
    """The language the environment asks for: WORKBENCH_LANG, else the locale; Chinese by default."""
    explicit = os.environ.get("WORKBENCH_LANG")
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value.startswith("en"):
            return "en"
        if value.startswith("zh"):
            return "zh"
    return "zh"
