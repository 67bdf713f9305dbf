"""What people read, in two shapes, and the one way to choose a language in each.

- `Text`: regcat's own words, bokmål (the default) and English. `localise` picks one:
  English when asked for, bokmål for anything else. Message tables written as
  ("bokmål", "English") pairs are Texts as they stand (Text is a NamedTuple).
- `Texts`: a register's metadata, a list of {languageCode, value} in whichever of no, nb,
  nn and en the register wrote; `pick` falls back from one to a related one (`by_language`
  makes Texts of the same kept as a mapping).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple


class Text(NamedTuple):
    nb: str
    en: str


def localise(text: tuple[str, str], language: str = "nb") -> str:
    """`text` (bokmål, English) in `language`: English when asked for, else bokmål."""
    nb, en = text
    return en if language == "en" else nb


def next_sentence(text: str) -> str:
    """`text` as the sentence after another in a message: a space before it, and a full
    stop after it unless it ends in one already (or in "?" or "!"); "" for no text. The
    errors that say what is wrong and then how to fix it (a script's, an expression's) add
    their fix with it."""
    if not text:
        return ""
    return f" {text}" if text.endswith(("?", "!", ".")) else f" {text}."


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


def by_language(values: Mapping[str, str]) -> Texts:
    """Texts from a mapping of language code to value (the search index keeps a variable's
    labels so); an empty value stands for a language the register did not write."""
    return tuple(LocalizedString(language, value) for language, value in values.items() if value)


def pick(values: Texts, language: str = "nb") -> str:
    """The value in `language`, falling back to a related language, else the first one."""
    found = {t.language: t.value for t in values}
    for lang in _FALLBACK.get(language, (language,)):
        if lang in found:
            return found[lang]
    return values[0].value if values else ""
