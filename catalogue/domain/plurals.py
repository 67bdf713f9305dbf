"""Counted nouns in bokmål and English: "1 problem", "2 problemer"; "1 error", "2 errors".

Every text that puts a number before a noun takes the noun from here, so neither language
ever says "1 problemer" or "1 errors". Both languages use the singular for exactly one (and
minus one) and the plural otherwise, zero included.

Message templates name the noun in the placeholder: "{count:dataset}" in a template filled
with count=Quantity(3, "nb") reads "3 datasett" (see `quantities`); any other format spec
("{byte:02X}") formats the number as usual."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.domain.text import localise

# noun → (bokmål singular, bokmål plural, English singular, English plural)
NOUNS: dict[str, tuple[str, str, str, str]] = {
    "account": ("konto", "kontoer", "account", "accounts"),
    "byte": ("byte", "byte", "byte", "bytes"),
    "character": ("tegn", "tegn", "character", "characters"),
    "code": ("kode", "koder", "code", "codes"),
    "dataset": ("datasett", "datasett", "dataset", "datasets"),
    "datastore": ("datalager", "datalagre", "datastore", "datastores"),
    "document": ("dokument", "dokumenter", "document", "documents"),
    "error": ("feil", "feil", "error", "errors"),
    "field": ("felt", "felt", "field", "fields"),
    "file": ("fil", "filer", "file", "files"),
    "flag": ("flagg", "flagg", "flag", "flags"),
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
    return localise((nb_one, en_one) if one else (nb_many, en_many), language)


def counted(count: int, name: str, language: str = "nb", shown: str | None = None) -> str:
    """'1 problem', '2 problemer'; `shown` replaces the digits (e.g. '12 345')."""
    return f"{count if shown is None else shown} {noun(name, count, language)}"


@dataclass(frozen=True)
class Quantity:
    """A number that, in a template, can bring its noun along: "{n:problem}"."""

    count: int
    language: str = "nb"
    shown: str | None = None  # how the number itself is written, e.g. "12 345"

    def __format__(self, spec: str) -> str:
        if spec in NOUNS:
            return counted(self.count, spec, self.language, self.shown)
        if not spec and self.shown is not None:
            return self.shown
        return format(self.count, spec)

    def __str__(self) -> str:
        return format(self, "")


def quantities(values: Mapping[str, Any], language: str, group: bool = False) -> dict[str, Any]:
    """`values` with every whole number made a Quantity, for filling a template; with
    `group`, large numbers are written with spaces between thousands (12 345)."""
    return {
        key: Quantity(value, language, f"{value:,}".replace(",", " ") if group else None)
        if isinstance(value, int) and not isinstance(value, bool)
        else value
        for key, value in values.items()
    }


def fill(text: tuple[str, str], language: str, /, *, group: bool = False, **values: Any) -> str:
    """`text` (bokmål, English) in `language`, filled with `values` (whole numbers as
    Quantities, so "{n:problem}" brings its noun; `group` as in `quantities`): the one way a
    table of bilingual templates (the CLI's messages, the pages' words) is read."""
    return localise(text, language).format(**quantities(values, language, group))
