"""Tiny extracts in microdata.no's format, written by tests that need exact control."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ingest.testing import person_id


def nb_en(nb: str, en: str | None = None) -> list[dict[str, str]]:
    return [{"languageCode": "nb", "value": nb}, {"languageCode": "en", "value": en or nb}]


def metadata(
    temporality: str = "FIXED",
    data_type: str = "STRING",
    codes: list[tuple[str, str, str | None]] | None = None,
    unit_type: str = "PERSON",
    label: str = "Kjønn",
    **catalogue: Any,
) -> dict[str, Any]:
    if codes is None and data_type == "STRING":
        codes = [("1", "1900-01-01", None), ("2", "1900-01-01", None)]
    if codes:
        domain: dict[str, Any] = {
            "codeList": [
                {
                    "code": code,
                    "categoryTitle": nb_en(f"Kode {code}", f"Code {code}"),
                    "validFrom": start,
                    **({"validUntil": until} if until else {}),
                }
                for code, start, until in codes
            ],
            "sentinelAndMissingValues": [
                {"code": "0", "categoryTitle": nb_en("Ukjent", "Unknown")}
            ],
        }
    else:
        domain = {
            "description": nb_en("Beløp", "Amount"),
            "measurementUnitDescription": nb_en("NOK"),
        }
    doc: dict[str, Any] = {
        "temporalityType": temporality,
        "sensitivityLevel": "PERSON_GENERAL",
        "populationDescription": nb_en("Personer bosatt i Norge", "Persons resident in Norway"),
        "spatialCoverageDescription": nb_en("Norge", "Norway"),
        "subjectFields": [nb_en("Befolkning", "Population")],
        "dataRevision": {"description": nb_en("Første publisering.", "First publication.")},
        "identifierVariables": [{"unitType": unit_type}],
        "measureVariables": [
            {
                "name": nb_en(label, label),
                "description": nb_en(f"{label}, beskrivelse", f"{label}, description"),
                "dataType": data_type,
                "valueDomain": domain,
            }
        ],
    }
    if catalogue:
        doc["catalogue"] = catalogue
    return doc


def write_dataset(base: Path, name: str, doc: dict[str, Any], lines: list[str] | bytes) -> Path:
    folder = base / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    data = lines if isinstance(lines, bytes) else "".join(line + "\n" for line in lines).encode()
    (folder / f"{name}.csv").write_bytes(data)
    return folder


def write_register(
    base: Path, key: str = "testregister", products: tuple[str, ...] = ("grunndata",)
) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    (base / "register.json").write_text(
        json.dumps(
            {
                "register": key,
                "name": nb_en("Testregisteret", "The test register"),
                "owner": {
                    "name": nb_en("Testetaten", "The Test Agency"),
                    "uri": "https://example.org",
                },
                "dataProducts": [{"id": p, "title": nb_en(p.title())} for p in products],
                "defaults": {"dataProduct": products[0], "exportable": True},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return base


def sex_lines(n: int) -> list[str]:
    return [f"{person_id(i)};{1 + i % 2};;;" for i in range(n)]
