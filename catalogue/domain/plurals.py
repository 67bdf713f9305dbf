"""Counted nouns in bokmål and English: "1 problem", "2 problemer"; "1 error", "2 errors".

Every text that puts a number before a noun takes the noun from here, so neither language
ever says "1 problemer" or "1 errors". Both languages use the singular for exactly one (and
minus one) and the plural otherwise, zero included."""

from __future__ import annotations

# noun → (bokmål singular, bokmål plural, English singular, English plural)
NOUNS: dict[str, tuple[str, str, str, str]] = {
    "byte": ("byte", "byte", "byte", "bytes"),
    "character": ("tegn", "tegn", "character", "characters"),
    "code": ("kode", "koder", "code", "codes"),
    "dataset": ("datasett", "datasett", "dataset", "datasets"),
    "datastore": ("datalager", "datalagre", "datastore", "datastores"),
    "document": ("dokument", "dokumenter", "document", "documents"),
    "error": ("feil", "feil", "error", "errors"),
    "file": ("fil", "filer", "file", "files"),
    "problem": ("problem", "problemer", "problem", "problems"),
    "revision": ("revisjon", "revisjoner", "revision", "revisions"),
    "row": ("rad", "rader", "row", "rows"),
    "unit": ("enhet", "enheter", "unit", "units"),
    "variable": ("variabel", "variabler", "variable", "variables"),
    "warning": ("advarsel", "advarsler", "warning", "warnings"),
}


def noun(name: str, count: int, language: str = "nb") -> str:
    """The noun's form for `count` things."""
    nb_one, nb_many, en_one, en_many = NOUNS[name]
    one = abs(count) == 1
    if language == "en":
        return en_one if one else en_many
    return nb_one if one else nb_many


def counted(count: int, name: str, language: str = "nb", shown: str | None = None) -> str:
    """'1 problem', '2 problemer'; `shown` replaces the digits (e.g. '12 345')."""
    return f"{count if shown is None else shown} {noun(name, count, language)}"
