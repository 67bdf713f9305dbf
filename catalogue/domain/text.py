"""Multilingual text: every label and description is a list of {languageCode, value}."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("no", "nb", "nn", "en")
# Preference order when a text lacks the asked language: Norwegian variants stand in for
# each other before English does.
_FALLBACK = {
    "nb": ("nb", "no", "nn", "en"),
    "no": ("no", "nb", "nn", "en"),
    "nn": ("nn", "no", "nb", "en"),
    "en": ("en", "nb", "no", "nn"),
}


@dataclass(frozen=True)
class LocalizedString:
    language: str
    value: str


Texts = tuple[LocalizedString, ...]


def texts(**by_language: str) -> Texts:
    return tuple(LocalizedString(lang, value) for lang, value in by_language.items())


def pick(values: Texts, language: str = "nb") -> str:
    """The value in `language`, falling back to a related language, else the first one."""
    found = {t.language: t.value for t in values}
    for lang in _FALLBACK.get(language, (language,)):
        if lang in found:
            return found[lang]
    return values[0].value if values else ""
