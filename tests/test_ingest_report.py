"""The ingest report: capped listing, honest totals, both languages."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ingest import Problem, Report
from ingest.messages import CATALOGUE, describe


def test_every_catalogued_problem_has_both_languages_and_a_hint() -> None:
    for code, template in CATALOGUE.items():
        assert code == code.lower() and " " not in code, code
        for wording in (template.nb, template.en, template.hint_nb, template.hint_en):
            assert wording.strip(), code
        assert template.nb != template.en, code


def test_listing_stops_at_the_cap_but_counting_does_not() -> None:
    report = Report(max_problems=3)
    for row in range(1, 11):
        report.record("missing-value", "X.csv", row, "value")
    assert [p.row for p in report.errors] == [1, 2, 3]
    assert report.total_errors == 10
    assert report.counts["missing-value"] == 10
    assert not report.ok


def test_record_rows_builds_messages_only_for_listed_rows() -> None:
    report = Report(max_problems=2)
    built: list[int] = []

    def params(k: int) -> dict[str, str]:
        built.append(k)
        return {"text": f"x{k}"}

    report.record_rows("invalid-date", "X.csv", "start", np.arange(5, 105), params)
    assert built == [0, 1]
    assert report.total_errors == 100
    assert [p.row for p in report.errors] == [5, 6]
    assert "«x0»" in report.errors[0].nb


def test_warnings_have_their_own_cap_and_do_not_spoil_ok() -> None:
    report = Report(max_problems=1)
    report.record("fixed-stop-ignored", "X.csv", 1, "stop", stop="2020-01-01")
    report.record("fixed-stop-ignored", "X.csv", 2, "stop", stop="2020-01-01")
    assert report.ok
    assert report.total_warnings == 2
    assert len(report.warnings) == 1
    assert report.warnings[0].severity == "warning"


def test_render_names_file_row_and_column_in_each_language() -> None:
    report = Report()
    report.record("invalid-date", "BEFOLKNING_KJOENN.csv", 12, "start", text="2020-13-01")
    nb, summary_nb = report.render()
    en, summary_en = report.render("en")
    assert nb.startswith("BEFOLKNING_KJOENN.csv, rad 12, kolonne start: «2020-13-01» er ikke")
    assert en.startswith("BEFOLKNING_KJOENN.csv, row 12, column start: «2020-13-01» is not")
    assert summary_nb == "1 feil, 0 advarsler."
    assert summary_en == "1 error, 0 warnings."


def test_metadata_problems_render_as_fields() -> None:
    report = Report()
    report.record("unknown-field", "X.json", None, "catalogue.colour", field="catalogue.colour")
    assert report.render()[0].startswith("X.json, felt catalogue.colour:")
    assert report.render("en")[0].startswith("X.json, field catalogue.colour:")


def test_as_dict_is_json_with_totals_and_the_capped_list() -> None:
    report = Report(max_problems=2)
    for row in range(5):
        report.record("empty-line", "X.csv", row + 1)
    report.stopped_after_row = 5
    data = json.loads(json.dumps(report.as_dict()))
    assert data["total_errors"] == 5
    assert data["listed_errors"] == 2
    assert data["counts"] == {"empty-line": 5}
    assert data["complete"] is False
    assert data["problems"][0] == {
        "code": "empty-line",
        "file": "X.csv",
        "row": 1,
        "column": None,
        "nb": "Linjen er tom.",
        "en": "The line is empty.",
        "hint_nb": describe("empty-line").hint_nb,
        "hint_en": describe("empty-line").hint_en,
        "severity": "error",
    }
    assert any("stoppet etter rad 5" in line for line in report.render())


def test_extend_merges_lists_and_totals() -> None:
    first, second = Report(max_problems=2), Report(max_problems=2)
    first.record("empty-line", "A.csv", 1)
    second.record("empty-line", "B.csv", 1)
    second.record("empty-line", "B.csv", 2)
    first.extend(second)
    assert [p.file for p in first.errors] == ["A.csv", "B.csv"]
    assert first.total_errors == 3


def test_an_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        Report().record("no-such-problem", "X.csv")


def test_problem_render_without_a_place() -> None:
    problem = Problem("x", "", None, None, "Feil.", "Error.")
    assert problem.render() == "Feil."
