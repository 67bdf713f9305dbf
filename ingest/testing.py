"""Small extracts for tests: NAME.json documents and dataset folders in a few lines.

Used by regcat's own tests; handy for anyone who needs an extract without a generator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# The control-digit weights of a fødselsnummer (see catalogue/unit_types/PERSON.json).
_CONTROL_WEIGHTS = ((3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
_CANDIDATES = 10  # individual numbers tried per person; a few give no valid control digit


def person_id(n: int) -> str:
    """The n-th (n >= 0) of a sequence of distinct synthetic fødselsnummer: a birth date
    from 1970 on with 80 added to the month (no real person has one), an individual number
    and the two mod-11 control digits, so it passes PERSON's identifier rule."""
    day = date(1970, 1, 1) + timedelta(days=n // 50)
    first = (n % 50) * _CANDIDATES
    for individual in range(first, first + _CANDIDATES):
        digits = f"{day:%d}{day.month + 80:02d}{day:%y}{individual:03d}"
        for weights in _CONTROL_WEIGHTS:
            control = -sum(w * int(d) for w, d in zip(weights, digits, strict=False)) % 11
            if control == 10:
                break
            digits += str(control)
        else:
            return digits
    raise ValueError(f"no synthetic fødselsnummer for {n}")


def text(value: str, english: str | None = None) -> list[dict[str, str]]:
    texts = [{"languageCode": "nb", "value": value}]
    if english:
        texts.append({"languageCode": "en", "value": english})
    return texts


def code(value: str, title: str, valid_from: str, valid_until: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"code": value, "categoryTitle": text(title), "validFrom": valid_from}
    if valid_until:
        item["validUntil"] = valid_until
    return item


def variable(
    name: str,
    temporality: str,
    *,
    data_type: str = "LONG",
    unit_type: str = "PERSON",
    codes: Iterable[Mapping[str, Any]] | None = None,
    sentinels: Mapping[str, str] | None = None,
    measure_unit_type: str | None = None,
    catalogue: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A NAME.json document in microdata.no's format; `extra` adds or overrides fields."""
    measure: dict[str, Any] = {
        "name": text(f"Målet {name}", f"The measure {name}"),
        "description": text(f"Beskrivelse av {name}", f"Description of {name}"),
    }
    if measure_unit_type:
        measure["unitType"] = measure_unit_type
    else:
        measure["dataType"] = data_type
        domain: dict[str, Any] = {}
        if codes is not None:
            domain["codeList"] = list(codes)
            if sentinels:
                domain["sentinelAndMissingValues"] = [
                    {"code": c, "categoryTitle": text(t)} for c, t in sentinels.items()
                ]
        else:
            domain["description"] = text("Verdien", "The value")
        measure["valueDomain"] = domain
    document: dict[str, Any] = {
        "shortName": name,
        "temporalityType": temporality,
        "sensitivityLevel": "PERSON_GENERAL",
        "populationDescription": text("Alle bosatte personer", "All residents"),
        "identifierVariables": [{"unitType": unit_type}],
        "measureVariables": [measure],
    }
    if catalogue is not None:
        document["catalogue"] = dict(catalogue)
    document.update(extra)
    return document


def write_dataset(
    folder: Path,
    name: str,
    document: Mapping[str, Any] | None,
    lines: Iterable[str] | bytes,
) -> Path:
    """folder/name/name.json and folder/name/name.csv; `lines` are joined with line breaks
    (each line ends with one), bytes are written as they are. Returns the dataset folder."""
    dataset = Path(folder) / name
    dataset.mkdir(parents=True, exist_ok=True)
    if document is not None:
        (dataset / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    data = lines if isinstance(lines, bytes) else "".join(f"{line}\n" for line in lines).encode()
    (dataset / f"{name}.csv").write_bytes(data)
    return dataset


def register_manifest(
    key: str = "testregister", products: Iterable[str] = ("produkt-a",), **defaults: Any
) -> dict[str, Any]:
    """A register.json document with data products and optional defaults."""
    manifest: dict[str, Any] = {
        "register": key,
        "name": text("Testregisteret", "The test register"),
        "owner": {"name": text("Testetaten", "The test agency")},
        "dataProducts": [{"id": p, "title": text(f"Produkt {p}")} for p in products],
    }
    if defaults:
        manifest["defaults"] = defaults
    return manifest
