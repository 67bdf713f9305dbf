"""The four value types of the expression language, how they are named to researchers and
which SQL type carries each."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class ValueType(Enum):
    NUMBER = "number"
    STRING = "string"
    DATE = "date"
    BOOL = "bool"

    @property
    def nb(self) -> str:
        return _NB[self]

    @property
    def en(self) -> str:
        return _EN[self]

    @property
    def sql(self) -> str:
        """The SQL type a typed missing value or a bound literal is cast to."""
        return _SQL[self]


_NB = {
    ValueType.NUMBER: "et tall",
    ValueType.STRING: "en tekst",
    ValueType.DATE: "en dato",
    ValueType.BOOL: "en sannhetsverdi (sann/usann)",
}
_EN = {
    ValueType.NUMBER: "a number",
    ValueType.STRING: "a text",
    ValueType.DATE: "a date",
    ValueType.BOOL: "a true/false value",
}
_SQL = {
    ValueType.NUMBER: "DOUBLE",
    ValueType.STRING: "VARCHAR",
    ValueType.DATE: "DATE",
    ValueType.BOOL: "BOOLEAN",
}

ORDERED = frozenset({ValueType.NUMBER, ValueType.STRING, ValueType.DATE})


def one_of_nb(types: Iterable[ValueType]) -> str:
    return " eller ".join(t.nb for t in types)


def one_of_en(types: Iterable[ValueType]) -> str:
    return " or ".join(t.en for t in types)
