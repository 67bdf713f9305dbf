"""The metadata schema's check is done once per distinct document and process
(schemas/metadata.py: `_validated`, by the digest of the document's canonical JSON), and
that changes nothing it decides: a document it passed loads as a fresh schema loads it, a
bad document is refused every time it is read, with the schema's own messages, however
like a document it passed it is, and a bad extract is still reported field by field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from marshmallow import ValidationError

from ingest import read_extract
from ingest.testing import variable, write_dataset
from schemas import metadata
from schemas.metadata import DatasetMetadataSchema, load_variable_metadata, metadata_problems
from tests.conftest import SAMPLES
from tests.test_ingest_support import UNIT_TYPES

SECTOR = SAMPLES / "aordningen/AORD_SEKTOR/AORD_SEKTOR.json"  # a code list, dates, a block
LINE = "12345678901;1;2020-01-01;2020-12-31;"


def _document() -> dict[str, Any]:
    document = json.loads(SECTOR.read_text(encoding="utf-8"))
    assert document["measureVariables"][0]["valueDomain"]["codeList"]
    return dict(document)


def _refused(document: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as refused:
        load_variable_metadata(document, "AORD_SEKTOR")
    assert isinstance(refused.value.messages, dict)
    return refused.value.messages


def test_a_document_it_passed_loads_as_a_fresh_schema_loads_it() -> None:
    document = _document()
    first = load_variable_metadata(document, "AORD_SEKTOR")
    again = load_variable_metadata(copy.deepcopy(document), "AORD_SEKTOR")
    assert again == first
    assert metadata._validated(document) == DatasetMetadataSchema().load(document)
    assert metadata._validated(document) is metadata._validated(copy.deepcopy(document))
    # Key order is not the document: the same fields in another order are the same load.
    reordered = dict(reversed(list(document.items())))
    assert load_variable_metadata(reordered, "AORD_SEKTOR") == first
    assert metadata_problems(document) == []


def test_a_bad_document_is_refused_every_time_however_like_one_it_passed() -> None:
    good = _document()
    load_variable_metadata(good, "AORD_SEKTOR")  # passed, and kept

    bad = copy.deepcopy(good)
    bad["temporalityType"] = "SOMETIMES"
    for _ in range(2):
        assert "temporalityType" in _refused(bad)
    assert [field for field, _ in metadata_problems(bad)] == ["temporalityType"]

    # What JSON tells apart the schema tells apart: a code given as a number, not text.
    numbered = copy.deepcopy(good)
    code = numbered["measureVariables"][0]["valueDomain"]["codeList"][0]
    code["code"] = int(code["code"])
    for _ in range(2):
        assert "measureVariables" in _refused(numbered)
    problems = metadata_problems(numbered)
    assert problems and all(field.startswith("measureVariables") for field, _ in problems)

    # A value JSON cannot write (NaN) is checked by the schema itself, each time.
    strange = copy.deepcopy(good)
    strange["catalogue"]["exportable"] = float("nan")
    for _ in range(2):
        assert "catalogue" in _refused(strange)

    # The good document is still good after all that.
    assert load_variable_metadata(good, "AORD_SEKTOR").name == "AORD_SEKTOR"


def test_a_bad_metadata_file_is_still_refused_with_a_clear_error(tmp_path: Path) -> None:
    good = variable("INNTEKT", "ACCUMULATED")
    folder = write_dataset(tmp_path / "good", "INNTEKT", good, [LINE])
    for _ in range(2):  # the second read is served from what the first kept
        extract = read_extract(folder, UNIT_TYPES)
        assert extract.report.ok, extract.report.render("en")
        assert extract.datasets[0].metadata is not None

    bad = {**good, "temporalityType": "SOMETIMES"}
    folder = write_dataset(tmp_path / "bad", "INNTEKT", bad, [LINE])
    for _ in range(2):
        extract = read_extract(folder, UNIT_TYPES)
        [problem] = [p for p in extract.report.problems if p.code == "invalid-field"]
        assert (problem.file, problem.column) == ("INNTEKT.json", "temporalityType")
        assert problem.nb and problem.en and problem.nb != problem.en
        assert extract.datasets[0].metadata is None


def test_what_it_keeps_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metadata, "_LOADED_MAX", 3)
    document = _document()
    for n in range(6):
        load_variable_metadata({**document, "shortName": f"S{n}"}, f"S{n}")
    assert len(metadata._LOADED) <= 3
