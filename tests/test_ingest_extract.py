"""Reading extract folders: their shape, names and metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalogue.domain.errors import RegcatError
from ingest import Extract, Problem, load_unit_types, read_extract
from ingest.testing import register_manifest, variable, write_dataset
from tests.test_ingest_support import REPO, UNIT_TYPES

LINE = "12345678901;1;2020-01-01;2020-12-31;"


def the_problem(extract: Extract, code: str) -> Problem:
    found = [p for p in extract.report.problems if p.code == code]
    assert len(found) == 1, extract.report.render("en")
    problem = found[0]
    assert problem.nb and problem.en and problem.nb != problem.en
    assert problem.hint_nb and problem.hint_en
    return problem


def test_a_single_microdata_dataset_folder_is_read_unchanged(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path, "INNTEKT", variable("INNTEKT", "ACCUMULATED"), [LINE])
    extract = read_extract(folder, UNIT_TYPES)
    assert extract.report.ok, extract.report.render("en")
    assert extract.register is None
    [dataset] = extract.datasets
    assert dataset.name == "INNTEKT"
    assert dataset.csv_path == folder / "INNTEKT.csv"
    assert dataset.json_path == folder / "INNTEKT.json"
    assert dataset.metadata is not None and dataset.metadata.unit_type == "PERSON"


def test_a_register_folder_fills_in_its_defaults(tmp_path: Path) -> None:
    manifest = register_manifest(
        products=["inntekt", "skatt"],
        sensitivityLevel="PERSON_SPECIAL",
        dataProduct="inntekt",
        exportable=True,
    )
    (tmp_path / "register.json").write_text(json.dumps(manifest))
    document = variable("LOENN", "ACCUMULATED")
    del document["sensitivityLevel"]
    write_dataset(tmp_path, "LOENN", document, [LINE])
    write_dataset(
        tmp_path,
        "SKATT",
        variable("SKATT", "ACCUMULATED", catalogue={"dataProduct": "skatt"}),
        [LINE],
    )
    extract = read_extract(tmp_path, UNIT_TYPES)
    assert extract.report.ok, extract.report.render("en")
    assert extract.register is not None and extract.register.key == "testregister"
    loenn, skatt = extract.datasets
    assert loenn.metadata is not None and skatt.metadata is not None
    assert loenn.metadata.sensitivity.value == "PERSON_SPECIAL"
    assert loenn.metadata.extensions.data_product == "inntekt"
    assert loenn.metadata.extensions.exportable is True
    assert loenn.metadata.extensions.register == "testregister"
    assert skatt.metadata.extensions.data_product == "skatt"


def test_unknown_field(tmp_path: Path) -> None:
    document = variable("INNTEKT", "ACCUMULATED", colour="blue")
    extract = read_extract(write_dataset(tmp_path, "INNTEKT", document, [LINE]), UNIT_TYPES)
    problem = the_problem(extract, "unknown-field")
    assert (problem.file, problem.row, problem.column) == ("INNTEKT.json", None, "colour")
    assert "colour" in problem.nb and "colour" in problem.en
    assert extract.datasets[0].metadata is None


def test_missing_required_field(tmp_path: Path) -> None:
    document = variable("INNTEKT", "ACCUMULATED")
    del document["temporalityType"]
    extract = read_extract(write_dataset(tmp_path, "INNTEKT", document, [LINE]), UNIT_TYPES)
    problem = the_problem(extract, "missing-field")
    assert (problem.file, problem.row, problem.column) == ("INNTEKT.json", None, "temporalityType")
    assert extract.datasets[0].metadata is None


def test_missing_field_that_no_register_default_gives(tmp_path: Path) -> None:
    document = variable("INNTEKT", "ACCUMULATED")
    del document["sensitivityLevel"]
    extract = read_extract(write_dataset(tmp_path, "INNTEKT", document, [LINE]), UNIT_TYPES)
    assert the_problem(extract, "missing-field").column == "sensitivityLevel"


def test_invalid_value_of_a_field(tmp_path: Path) -> None:
    document = variable("INNTEKT", "SOMETIMES")
    extract = read_extract(write_dataset(tmp_path, "INNTEKT", document, [LINE]), UNIT_TYPES)
    problem = the_problem(extract, "invalid-field")
    assert problem.column == "temporalityType"


def test_invalid_dataset_name(tmp_path: Path) -> None:
    folder = write_dataset(
        tmp_path, "inntekt_2020", variable("inntekt_2020", "ACCUMULATED"), [LINE]
    )
    extract = read_extract(folder, UNIT_TYPES)
    problem = the_problem(extract, "invalid-dataset-name")
    assert (problem.file, problem.row, problem.column) == ("inntekt_2020", None, None)
    assert "A–Z" in problem.nb + problem.hint_nb
    assert extract.datasets[0].metadata is None


def test_unknown_unit_type_of_the_identifier_and_of_the_measure(tmp_path: Path) -> None:
    document = variable("UFO_OBS", "EVENT", unit_type="UFO")
    extract = read_extract(write_dataset(tmp_path, "UFO_OBS", document, [LINE]), UNIT_TYPES)
    problem = the_problem(extract, "unknown-unit-type")
    assert (problem.file, problem.column) == ("UFO_OBS.json", "identifierVariables.0.unitType")
    assert "PERSON" in problem.hint_en  # lists the ones that exist

    document = variable("MOR", "FIXED", measure_unit_type="MOTHERSHIP")
    extract = read_extract(write_dataset(tmp_path / "b", "MOR", document, [LINE]), UNIT_TYPES)
    assert the_problem(extract, "unknown-unit-type").column == "measureVariables.0.unitType"


def test_file_names_that_do_not_match_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "INNTEKT"
    folder.mkdir()
    (folder / "INNTEKTER.json").write_text(json.dumps(variable("INNTEKT", "ACCUMULATED")))
    (folder / "INNTEKT.csv").write_text(LINE + "\n")
    extract = read_extract(folder, UNIT_TYPES)
    problem = the_problem(extract, "name-mismatch")
    assert (problem.file, problem.row, problem.column) == ("INNTEKTER.json", None, None)
    assert "INNTEKT/INNTEKT.json" in problem.hint_nb
    assert extract.datasets[0].metadata is None


def test_short_name_that_does_not_match_the_folder(tmp_path: Path) -> None:
    document = variable("INNTEKTER", "ACCUMULATED")
    extract = read_extract(write_dataset(tmp_path, "INNTEKT", document, [LINE]), UNIT_TYPES)
    problem = the_problem(extract, "name-mismatch")
    assert (problem.file, problem.column) == ("INNTEKT.json", "shortName")


def test_missing_files(tmp_path: Path) -> None:
    folder = tmp_path / "INNTEKT"
    folder.mkdir()
    (folder / "INNTEKT.json").write_text(json.dumps(variable("INNTEKT", "ACCUMULATED")))
    extract = read_extract(folder, UNIT_TYPES)
    assert the_problem(extract, "missing-file").file == "INNTEKT/INNTEKT.csv"


def test_unknown_data_product(tmp_path: Path) -> None:
    (tmp_path / "register.json").write_text(json.dumps(register_manifest(products=["a"])))
    document = variable("INNTEKT", "ACCUMULATED", catalogue={"dataProduct": "b"})
    write_dataset(tmp_path, "INNTEKT", document, [LINE])
    extract = read_extract(tmp_path, UNIT_TYPES)
    problem = the_problem(extract, "unknown-data-product")
    assert (problem.file, problem.row, problem.column) == (
        "INNTEKT.json",
        None,
        "catalogue.dataProduct",
    )
    assert "«b»" in problem.nb and "a" in problem.hint_nb


def test_a_data_product_is_required_in_a_register_with_products(tmp_path: Path) -> None:
    (tmp_path / "register.json").write_text(json.dumps(register_manifest(products=["a"])))
    write_dataset(tmp_path, "INNTEKT", variable("INNTEKT", "ACCUMULATED"), [LINE])
    extract = read_extract(tmp_path, UNIT_TYPES)
    assert the_problem(extract, "missing-field").column == "catalogue.dataProduct"


def test_invalid_json_gives_its_line(tmp_path: Path) -> None:
    folder = write_dataset(tmp_path, "INNTEKT", None, [LINE])
    (folder / "INNTEKT.json").write_text('{\n  "shortName": "INNTEKT",\n  oops\n}')
    extract = read_extract(folder, UNIT_TYPES)
    problem = the_problem(extract, "invalid-json")
    assert (problem.file, problem.row) == ("INNTEKT.json", 3)


def test_a_broken_register_manifest_is_reported(tmp_path: Path) -> None:
    manifest = register_manifest()
    manifest["colour"] = "blue"
    (tmp_path / "register.json").write_text(json.dumps(manifest))
    write_dataset(tmp_path, "INNTEKT", variable("INNTEKT", "ACCUMULATED"), [LINE])
    extract = read_extract(tmp_path, UNIT_TYPES)
    problem = the_problem(extract, "unknown-field")
    assert (problem.file, problem.column) == ("register.json", "colour")
    assert extract.register is None


def test_code_listed_twice_in_one_period(tmp_path: Path) -> None:
    codes = [
        {
            "code": "1",
            "categoryTitle": [{"languageCode": "nb", "value": "En"}],
            "validFrom": "2000-01-01",
        },
        {
            "code": "1",
            "categoryTitle": [{"languageCode": "nb", "value": "Én"}],
            "validFrom": "2010-01-01",
        },
    ]
    document = variable("KODE", "STATUS", data_type="STRING", codes=codes)
    extract = read_extract(write_dataset(tmp_path, "KODE", document, [LINE]), UNIT_TYPES)
    assert the_problem(extract, "duplicate-code").column == (
        "measureVariables.0.valueDomain.codeList"
    )


def test_an_empty_folder_is_not_an_extract(tmp_path: Path) -> None:
    extract = read_extract(tmp_path, UNIT_TYPES)
    assert the_problem(extract, "not-an-extract")
    assert extract.datasets == []


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegcatError) as missing:
        read_extract(tmp_path / "nowhere", UNIT_TYPES)
    assert missing.value.code == "extract-not-found"
    where = str(tmp_path / "nowhere")
    assert (missing.value.http_status, missing.value.details) == (404, {"path": where})
    assert missing.value.nb == f"Finner ikke uttrekksmappen {where}."
    assert missing.value.en == f"The extract folder {where} does not exist."


def test_a_missing_unit_type_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegcatError) as missing:
        load_unit_types(tmp_path / "nowhere")
    where = str(tmp_path / "nowhere")
    assert (missing.value.code, missing.value.http_status) == ("unit-types-missing", 400)
    assert missing.value.details == {"folder": where}
    assert missing.value.nb == f"Mappen for enhetstyper {where} finnes ikke."
    assert missing.value.en == f"The unit-type folder {where} does not exist."


def test_all_problems_of_all_datasets_are_collected(tmp_path: Path) -> None:
    write_dataset(tmp_path, "A", variable("A", "FIXED", colour="red"), [LINE])
    write_dataset(tmp_path, "B", variable("B", "FIXED", unit_type="UFO"), [LINE])
    write_dataset(tmp_path, "C", variable("C", "FIXED"), [LINE])
    extract = read_extract(tmp_path, UNIT_TYPES)
    assert sorted(p.code for p in extract.report.problems) == ["unknown-field", "unknown-unit-type"]
    assert [d.metadata is not None for d in extract.datasets] == [False, False, True]


def test_unit_types_load_from_their_folder() -> None:
    assert {"PERSON", "KOMMUNE", "KRG_KREFTTILFELLE", "NPR_EPISODE"} <= set(UNIT_TYPES)
    assert UNIT_TYPES["KOMMUNE"].requires_pseudonymization is False
    assert UNIT_TYPES["PERSON"].requires_pseudonymization is True


def test_a_bad_unit_type_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "PERSON.json").write_text((REPO / "catalogue/unit_types/PERSON.json").read_text())
    (tmp_path / "BROKEN.json").write_text('{"name": "BROKEN"}')
    with pytest.raises(RegcatError) as bad:
        load_unit_types(tmp_path)
    assert bad.value.code == "invalid-unit-type-file"
    assert "BROKEN.json" in bad.value.nb and "BROKEN.json" in bad.value.en
    (tmp_path / "BROKEN.json").write_text("{not json")
    with pytest.raises(RegcatError):
        load_unit_types(tmp_path)
