"""Every exported text comes in bokmål and English.

Metadata may lack one of the two (an extract in nynorsk only, say). A harvester that shows
English shows nothing at all for a missing English text, so the missing language is filled
with the closest text there is (domain.text.pick's fallback order) rather than left out.
"""

from __future__ import annotations

from catalogue.domain.text import Texts, pick
from catalogue.domain.variable import VariableMetadata

EXPORT_LANGUAGES = ("nb", "en")


def bilingual(values: Texts) -> list[tuple[str, str]]:
    """(language, text) in nb and en, plus any nn text kept as it is; empty when there is
    no text at all."""
    if not values or not any(v.value.strip() for v in values):
        return []
    out = [(lang, pick(values, lang)) for lang in EXPORT_LANGUAGES]
    out += [(v.language, v.value) for v in values if v.language == "nn" and v.value.strip()]
    return out


def pair(nb: str, en: str) -> list[tuple[str, str]]:
    return [("nb", nb), ("en", en)]


def label_of(meta: VariableMetadata) -> list[tuple[str, str]]:
    """The variable's label; its name when the label is blank (a title is mandatory)."""
    return bilingual(meta.label) or pair(meta.name, meta.name)


def description_of(meta: VariableMetadata) -> list[tuple[str, str]]:
    return bilingual(meta.description) or label_of(meta)
