"""Every user-facing string, from gettext catalogs (zh_Hans default, zh_Hant, en).

Message ids are stable keys ("error.phone.invalid"); catalogs are .po files read with Babel at
import, so no compile step is needed. Elder mode uses the gettext context "elder" where a
catalog has a plainer variant, and falls back to the normal text otherwise.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

LANGUAGES = ("zh_Hans", "zh_Hant", "en")
DEFAULT_LANGUAGE = "zh_Hans"
ELDER_CONTEXT = "elder"


@cache
def _catalog(language: str) -> dict[tuple[str | None, str], str]:
    # doorstep.po, then one file per area that keeps its own (admin.po): one catalog
    folder = resources.files("doorstep.i18n") / "locales" / language / "LC_MESSAGES"
    names = sorted(e.name for e in folder.iterdir() if e.name.endswith(".po"))
    messages: dict[tuple[str | None, str], str] = {}
    for name in sorted(names, key=lambda n: n != "doorstep.po"):
        with (folder / name).open("rb") as handle:
            catalog = read_po(handle, locale=language.replace("_Hans", "").replace("_Hant", "_TW"))
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.string:
                messages[(message.context, message.id)] = str(message.string)
    return messages


def translate(
    key: str, language: str = DEFAULT_LANGUAGE, /, *, elder: bool = False, **params: Any
) -> str:
    """The text of `key` in `language` (the elder variant if asked and there is one), filled
    with `params`. `key` and `language` are positional-only, so a message may have
    placeholders of those names."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    messages = _catalog(lang)
    text = None
    if elder:
        text = messages.get((ELDER_CONTEXT, key))
    if text is None:
        text = messages.get((None, key))
    if text is None and lang != DEFAULT_LANGUAGE:
        text = _catalog(DEFAULT_LANGUAGE).get((None, key))
    if text is None:
        return key
    return text.format(**params) if params else text


def translate_or(
    key: str, fallback: str, language: str = DEFAULT_LANGUAGE, /, *, elder: bool = False
) -> str:
    """The catalog text of `key`, or `fallback` when no catalog has it (free text recorded by
    older code, shown as it was written)."""
    if not has_message(key, DEFAULT_LANGUAGE):
        return fallback
    return translate(key, language, elder=elder)


def entries(language: str, prefix: str) -> dict[tuple[str | None, str], str]:
    """Every message of one catalog whose key starts with `prefix`, by (context, key)."""
    return {k: v for k, v in _catalog(language).items() if k[1].startswith(prefix)}


def has_message(key: str, language: str) -> bool:
    return (None, key) in _catalog(language)


def known_keys(language: str = DEFAULT_LANGUAGE) -> set[str]:
    return {key for (context, key) in _catalog(language) if context is None}


def normalize_language(raw: str) -> str | None:
    """One of LANGUAGES from a code as clients write it ("zh-Hans", "ZH_HANT", "en"), or None.

    Only our three codes are accepted: a region tag ("en-US", "zh-TW") is Accept-Language's
    business, not a choice of catalog.
    """
    wanted = raw.strip().replace("-", "_").lower()
    return next((code for code in LANGUAGES if code.lower() == wanted), None)


def choose_language(preference: str | None, accept_language: str | None) -> str:
    """Citizen's preference, else the best Accept-Language match, else zh_Hans."""
    if preference in LANGUAGES:
        return preference
    if accept_language:
        ranked = []
        for index, part in enumerate(accept_language.split(",")):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            ranked.append((-weight, index, tag.strip().lower()))
        for _, _, tag in sorted(ranked):
            if tag.startswith("en"):
                return "en"
            if tag in {"zh-hant", "zh-tw", "zh-hk", "zh-mo"} or tag.startswith("zh-hant"):
                return "zh_Hant"
            if tag.startswith("zh"):
                return "zh_Hans"
    return DEFAULT_LANGUAGE
