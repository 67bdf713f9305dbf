"""The facts of microdata.no's variable catalogue (sample_registers/microdata/variables.json)
read into typed records, and the rules that turn a fact into regcat's data model: which
datastore, which unit type, which data type, which dates.

The facts file is the only input: names, temporalities, unit types, value types, periods and
code lists are microdata.no's; everything else (values, status dates inside a period,
descriptions) is ours. Reading is deterministic and cached: the generator and the tests
see the same records in the same order (the file's order).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

FACTS_FILE = Path(__file__).resolve().parents[2] / "microdata" / "variables.json"

# microdata.no's datastore names as regcat publishes them (a draft marker is not a name).
DATASTORES = {"no.ssb.fdb": "no.ssb.fdb", "no.fhi.npr:DRAFT": "no.fhi.npr"}

# microdata.no's unit-type names -> regcat's unit types (catalogue/unit_types/<NAME>.json).
UNIT_TYPES = {
    "Person": "PERSON",
    "Kommune": "KOMMUNE",
    "Jobb": "JOBB",
    "Kjøretøy": "KJORETOY",
    "Kurs": "KURS",
    "Trafikkulykke": "TRAFIKKULYKKE",
    "Person i trafikkulykke": "PERSON_I_TRAFIKKULYKKE",
    "Behandlingsopphold": "BEHANDLINGSOPPHOLD",
    "Målepunkt": "MALEPUNKT",
}

# microdata.no words the same value type several ways; these are regcat's four data types.
_DATA_TYPES = {
    "alfanumerisk": "STRING",
    "alfanumerisk (tid)": "STRING",
    "numerisk (heltall)": "LONG",
    "heltall": "LONG",
    "numerisk (desimal)": "DOUBLE",
    "numerisk (desimaltall)": "DOUBLE",
    "desimaltall": "DOUBLE",
    "dato": "DATE",
    "instant": "DATE",
}

# Variables whose value is a unit of another type: a link the pseudonymisation keeps.
LINKS = {
    "BEFOLKNING_FAR_FNR": "PERSON",
    "BEFOLKNING_MOR_FNR": "PERSON",
    "BEFOLKNING_FARFAR_FNR": "PERSON",
    "BEFOLKNING_FARMOR_FNR": "PERSON",
    "BEFOLKNING_MORFAR_FNR": "PERSON",
    "BEFOLKNING_MORMOR_FNR": "PERSON",
    "BEFOLKNING_EKT_FNR": "PERSON",
    "BEFOLKNING_SAMB_FNR": "PERSON",
    "BEFOLKNING_SOESKEN_FNR": "PERSON",
    "ARBEIDSFORHOLD_PERSON": "PERSON",
    "NUDB_KURS_FNR": "PERSON",
    "KJORETOY_KJORETOYID_FNR": "PERSON",
    "TRAFULYK_PERS_FNR": "PERSON",
    "TRAFULYK_PERS_TRAFULYK": "TRAFIKKULYKKE",
    "ELHUB_PERS_MALEPUNKTID_FNR": "PERSON",
    "NPRID": "PERSON",
}

# Periods the facts leave open are given this one (the years scripts use most).
DEFAULT_FROM, DEFAULT_UNTIL = date(2015, 1, 1), date(2024, 12, 31)


@dataclass(frozen=True)
class Code:
    code: str
    label_nb: str


@dataclass(frozen=True)
class Variable:
    name: str
    title_nb: str
    temporality: str  # FIXED, STATUS, ACCUMULATED, EVENT
    unit_type: str  # regcat's unit type
    value_type: str  # as microdata.no words it
    datastore: str  # as regcat names it
    valid_from: date | None
    valid_until: date | None
    topics: tuple[str, ...]
    codes: tuple[Code, ...]

    @property
    def data_type(self) -> str:
        return _DATA_TYPES[self.value_type.lower()]

    @property
    def link(self) -> str | None:
        """The unit type the value is a unit of, when it is a link."""
        return LINKS.get(self.name)

    def period(self) -> tuple[date, date]:
        return self.valid_from or DEFAULT_FROM, self.valid_until or DEFAULT_UNTIL

    def years(self, most: int) -> tuple[int, ...]:
        """The last `most` calendar years the variable covers (none for FIXED)."""
        if self.temporality == "FIXED":
            return ()
        first, last = self.period()
        until = last.year if last.month > 1 or last.day > 1 else last.year - 1
        until = max(until, first.year)
        return tuple(range(max(first.year, until - most + 1), until + 1))


@cache
def variables() -> tuple[Variable, ...]:
    raw = json.loads(FACTS_FILE.read_text(encoding="utf-8"))["variables"]
    return tuple(_variable(v) for v in raw)


def _variable(v: dict[str, object]) -> Variable:
    def when(key: str) -> date | None:
        text = v.get(key)
        return date.fromisoformat(str(text)) if text else None

    codes = v.get("codes") or []
    assert isinstance(codes, list)
    topics = v.get("topics") or []
    assert isinstance(topics, list)
    return Variable(
        name=str(v["name"]),
        title_nb=str(v["title_nb"]),
        temporality=str(v["temporality"]),
        unit_type=UNIT_TYPES[str(v["unit_type"])],
        value_type=str(v["value_type"]),
        datastore=DATASTORES[str(v["datastore"])],
        valid_from=when("valid_from"),
        valid_until=when("valid_until"),
        topics=tuple(str(t) for t in topics),
        codes=tuple(Code(str(c["code"]), str(c["label_nb"])) for c in codes),
    )
