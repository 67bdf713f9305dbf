"""Identifiers are checked against their unit type's rule (issue 12, defect 9): PERSON ids
"123" and "ABCDEFGHIJK" are refused, a fødselsnummer with wrong control digits too, each
bad identifier reported like any other problem (coded, in both languages, with file, row
and column, never quoting the identifier), also where the value is a unit (a mother). The
rule is data in the unit type's file; the committed sample registers keep it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from catalogue.domain.errors import RegcatError
from catalogue.domain.identifiers import IdentifierProblem
from catalogue.domain.register import UnitType
from catalogue.domain.text import pick
from ingest import load_unit_types
from ingest.testing import person_id, variable
from sample_registers.generator.identifiers import synthetic_person_ids
from tests.test_ingest_problems import convert
from tests.test_ingest_support import REPO, UNIT_TYPES

SAMPLES = REPO / "sample_registers"


def _with_wrong_control_digit(good: str) -> str:
    return good[:-1] + str((int(good[-1]) + 1) % 10)


@pytest.mark.parametrize("batch_rows", [2, 1_000_000])
def test_bad_person_ids_are_reported_row_by_row_and_nothing_is_written(
    tmp_path: Path, batch_rows: int
) -> None:
    bad = ["123", "ABCDEFGHIJK", _with_wrong_control_digit(person_id(3)), "0181700009"]
    lines = [f"{person_id(0)};1;;;", *(f"{b};2;;;" for b in bad), f"{person_id(1)};1;;;"]
    result = convert(tmp_path, variable("INNTEKT", "FIXED"), lines, batch_rows=batch_rows)
    assert not result.ok and result.files == []
    problems = [p for p in result.report.errors if p.code == "invalid-identifier"]
    assert [(p.row, p.column, p.file) for p in problems] == [
        (2, "unit_id", "INNTEKT.csv"),
        (3, "unit_id", "INNTEKT.csv"),
        (4, "unit_id", "INNTEKT.csv"),
        (5, "unit_id", "INNTEKT.csv"),
    ]
    assert result.report.counts["invalid-identifier"] == 4
    reasons_en = [p.en for p in problems]
    assert "it has 3 characters" in reasons_en[0]
    assert "characters other than digits" in reasons_en[1]
    assert "check digits do not match" in reasons_en[2]
    assert "it has 10 characters" in reasons_en[3]
    assert "den har 3 tegn" in problems[0].nb and "kontrollsifrene" in problems[2].nb
    rendered = "\n".join(result.report.render("nb") + result.report.render("en"))
    for identifier in bad:
        assert identifier not in rendered  # a report never names a unit


def test_a_mothers_id_is_checked_too(tmp_path: Path) -> None:
    document = variable("INNTEKT", "FIXED", measure_unit_type="PERSON")
    lines = [f"{person_id(0)};{person_id(5)};;;", f"{person_id(1)};99;;;"]
    result = convert(tmp_path, document, lines)
    assert [(p.code, p.row, p.column) for p in result.report.errors] == [
        ("invalid-identifier", 2, "value")
    ]


def test_each_unit_type_has_its_own_rule(tmp_path: Path) -> None:
    kommune = variable("INNTEKT", "STATUS", unit_type="KOMMUNE")
    lines = ["0301;7;2020-01-01;2020-01-01;", "301;7;2020-01-01;2020-01-01;"]
    result = convert(tmp_path / "k", kommune, lines)
    assert [(p.code, p.row) for p in result.report.errors] == [("invalid-identifier", 2)]
    cases = variable("INNTEKT", "FIXED", unit_type="KRG_KREFTTILFELLE")
    serials = ["1;1;;;", "100000000001;1;;;", "1234567890123456789;1;;;", "12a;1;;;"]
    result = convert(tmp_path / "c", cases, serials)
    assert [p.row for p in result.report.errors] == [3, 4]


def test_valid_ids_of_the_generator_and_the_sample_registers_pass() -> None:
    rule = UNIT_TYPES["PERSON"].identifier_rule
    rng = np.random.default_rng(7)
    births = rng.integers(-20_000, 19_000, 5_000).astype("datetime64[D]")
    ids = synthetic_person_ids(births, rng.random(5_000) < 0.5)
    assert all(rule.problem(f"{i:011d}") is None for i in ids.tolist())
    for dataset in sorted(SAMPLES.glob("*/*/*.json")):
        document = json.loads(dataset.read_text(encoding="utf-8"))
        unit_types = [document["identifierVariables"][0]["unitType"]]
        unit_types.append(document["measureVariables"][0].get("unitType"))
        csv = dataset.with_suffix(".csv").read_text(encoding="utf-8").splitlines()
        for column, name in enumerate(unit_types):
            if name is None:
                continue
            checked: UnitType = UNIT_TYPES[name]
            values = {line.split(";")[column] for line in csv}
            wrong = [v for v in values if checked.identifier_rule.problem(v) is not None]
            assert not wrong, f"{dataset.name}: {len(wrong)} bad {name} identifiers"


def test_every_unit_type_states_its_rule_in_both_languages() -> None:
    for unit_type in UNIT_TYPES.values():
        rule = unit_type.identifier_rule
        assert pick(rule.description, "nb") != pick(rule.description, "en"), unit_type.name
        assert 1 <= rule.min_digits <= rule.max_digits
    person = UNIT_TYPES["PERSON"].identifier_rule
    assert person.problem("123") == IdentifierProblem.LENGTH
    assert person.problem("ABCDEFGHIJK") == IdentifierProblem.NOT_DIGITS


def test_a_broken_rule_in_a_unit_type_file_is_refused(tmp_path: Path) -> None:
    raw = json.loads((REPO / "catalogue" / "unit_types" / "PERSON.json").read_text())
    raw["identifierRule"]["checksums"][0]["weights"] = [1, 2, 3]
    folder = tmp_path / "unit_types"
    folder.mkdir()
    (folder / "PERSON.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(RegcatError) as caught:
        load_unit_types(folder)
    assert caught.value.code == "invalid-unit-type-file"
    assert "én vekt per siffer" in caught.value.nb
    assert "one weight per digit" in caught.value.en
