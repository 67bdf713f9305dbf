"""An extract prepared for microdata.no is accepted unchanged: one dataset folder, metadata
with only Norwegian ("no") texts and no catalogue extensions, CSV with the fifth column."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.reading import released_datasets
from catalogue.services.releasing import release_draft
from ingest.testing import person_id


def _no(value: str) -> list[dict[str, str]]:
    return [{"languageCode": "no", "value": value}]


SIVILSTAND = {
    "temporalityType": "EVENT",
    "sensitivityLevel": "PERSON_GENERAL",
    "populationDescription": _no("Alle personer registrert bosatt i Norge"),
    "spatialCoverageDescription": _no("Norge"),
    "subjectFields": [_no("BEFOLKNING"), _no("SAMFUNN")],
    "dataRevision": {
        "description": _no("Første publisering."),
        "temporalEnd": {"description": _no("Variabelen blir ikke lenger oppdatert")},
    },
    "identifierVariables": [{"unitType": "PERSON"}],
    "measureVariables": [
        {
            "name": _no("Sivilstand"),
            "description": _no("Sivilstand i forhold til ekteskapslovgivningen"),
            "dataType": "STRING",
            "uriDefinition": ["https://www.ssb.no/a/metadata/conceptvariable/vardok/91/nb"],
            "valueDomain": {
                "uriDefinition": ["https://www.ssb.no/klass/klassifikasjoner/19"],
                "codeList": [
                    {"code": "1", "categoryTitle": _no("Ugift"), "validFrom": "1926-01-01"},
                    {"code": "2", "categoryTitle": _no("Gift"), "validFrom": "1926-01-01"},
                    {
                        "code": "6",
                        "categoryTitle": _no("Registrert partner"),
                        "validFrom": "1993-08-01",
                    },
                ],
                "sentinelAndMissingValues": [
                    {"code": "0", "categoryTitle": _no("Sivilstand ukjent")}
                ],
            },
        }
    ],
}


def test_microdata_no_dataset_folder_is_ingested_unchanged(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    folder = tmp_path / "BEFOLKNING_SIVILSTAND"
    folder.mkdir()
    (folder / "BEFOLKNING_SIVILSTAND.json").write_text(
        json.dumps(SIVILSTAND, ensure_ascii=False), encoding="utf-8"
    )
    (folder / "BEFOLKNING_SIVILSTAND.csv").write_text(
        f"{person_id(10)};1;1990-01-01;2004-05-31;\n"
        f"{person_id(10)};2;2004-06-01;;\n"
        f"{person_id(11)};1;1995-03-01;;\n"
        f"{person_id(12)};0;2001-01-01;;\n",
        encoding="utf-8",
    )
    outcome = ingest_extract(sqlite_ctx, folder)
    assert [(d.name, d.operation, d.rows, d.units) for d in outcome.datasets] == [
        ("BEFOLKNING_SIVILSTAND", "ADD", 4, 3)
    ]
    release_draft(sqlite_ctx, "microdata.no extract")
    [dataset] = released_datasets(sqlite_ctx)
    assert dataset.metadata.label[0].value == "Sivilstand"
    assert dataset.metadata.extensions.register is None
    table = pq.read_table(dataset.files[0].path)
    assert table.num_rows == 4
    raw = b"".join(Path(f.path).read_bytes() for f in dataset.files)
    for real_id in (person_id(n).encode() for n in (10, 11, 12)):
        assert real_id not in raw
