"""Every kind of bad data file: the right code, file, row and column, both languages, and a
report that lists up to max_problems but counts them all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest import ConversionResult, Problem
from ingest.testing import code, person_id, variable, write_dataset
from tests.test_ingest_support import convert_folder

CODES = [
    code("1", "Gift", "2000-01-01"),
    code("2", "Ugift", "2000-01-01"),
    code("3", "Partner", "1993-08-01", "2009-12-31"),
]
DOCUMENTS: dict[str, dict[str, Any]] = {
    "ACCUMULATED": variable("INNTEKT", "ACCUMULATED"),
    "STATUS": variable("INNTEKT", "STATUS"),
    "EVENT": variable("INNTEKT", "EVENT"),
    "FIXED": variable("INNTEKT", "FIXED", data_type="STRING"),
    "CODED": variable(
        "INNTEKT", "EVENT", data_type="STRING", codes=CODES, sentinels={"99": "Ukjent"}
    ),
    "DOUBLE": variable("INNTEKT", "STATUS", data_type="DOUBLE"),
}


def convert(
    tmp_path: Path, kind: str | dict[str, Any], lines: list[str] | bytes, **options: Any
) -> ConversionResult:
    """INNTEKT with the document of `kind` (a key of DOCUMENTS, or a document)."""
    document = DOCUMENTS[kind] if isinstance(kind, str) else kind
    folder = write_dataset(tmp_path / "extract", "INNTEKT", document, lines)
    return convert_folder(folder, tmp_path / "out", "0.0.0.1", **options)


def the_problem(
    result: ConversionResult, code: str, row: int | None, column: str | None
) -> Problem:
    assert not result.ok and result.files == []
    found = [p for p in result.report.problems if p.code == code]
    assert found, result.report.render("en")
    problem = found[0]
    assert (problem.file, problem.row, problem.column) == ("INNTEKT.csv", row, column)
    assert problem.nb and problem.en and problem.nb != problem.en
    assert problem.hint_nb and problem.hint_en
    assert problem.severity == "error"
    return problem


def person(n: int) -> str:
    return person_id(n)


def year_row(n: int, year: int = 2020, value: str = "1") -> str:
    return f"{person(n)};{value};{year}-01-01;{year}-12-31;"


def test_wrong_column_count(tmp_path: Path) -> None:
    result = convert(tmp_path, "ACCUMULATED", [year_row(1), f"{person(2)};1;2020-01-01;2020-12-31"])
    problem = the_problem(result, "wrong-column-count", 2, None)
    assert "4" in problem.nb and "5" in problem.en


def test_too_many_columns_and_quoted_semicolons(tmp_path: Path) -> None:
    lines = [year_row(1), f"{person(2)};1;2020-01-01;2020-12-31;;", f'{person(3)};"1;2";;;']
    result = convert(tmp_path, "ACCUMULATED", lines)
    assert the_problem(result, "wrong-column-count", 2, None)
    # A quoted semicolon is part of the value: line 3 has five fields (but no dates).
    assert [p.row for p in result.report.errors if p.code == "wrong-column-count"] == [2]


def test_empty_line(tmp_path: Path) -> None:
    result = convert(tmp_path, "ACCUMULATED", [year_row(1), "", year_row(2)])
    the_problem(result, "empty-line", 2, None)
    assert result.report.total_errors == 1  # the empty line is not also missing fields


def test_missing_unit_id_and_value(tmp_path: Path) -> None:
    result = convert(
        tmp_path,
        "ACCUMULATED",
        [year_row(1), ";1;2020-01-01;2020-12-31;", f"{person(3)};;2020-01-01;2020-12-31;"],
    )
    the_problem(result, "missing-unit-id", 2, "unit_id")
    the_problem(result, "missing-value", 3, "value")


@pytest.mark.parametrize("bad", ["2020-1-01", "01.01.2020", "2020-01-01T00:00", " 2020-01-01"])
def test_bad_date_format(tmp_path: Path, bad: str) -> None:
    result = convert(tmp_path, "ACCUMULATED", [year_row(1), f"{person(2)};1;{bad};2020-12-31;"])
    problem = the_problem(result, "invalid-date", 2, "start")
    assert f"«{bad}»" in problem.nb and "YYYY-MM-DD" in problem.en


@pytest.mark.parametrize("impossible", ["2021-02-30", "2019-02-29", "2020-13-01", "0000-01-01"])
def test_impossible_date(tmp_path: Path, impossible: str) -> None:
    result = convert(tmp_path, "ACCUMULATED", [f"{person(1)};1;2020-01-01;{impossible};"])
    problem = the_problem(result, "impossible-date", 1, "stop")
    assert impossible in problem.nb


def test_leap_day_is_possible(tmp_path: Path) -> None:
    assert convert(tmp_path, "ACCUMULATED", [f"{person(1)};1;2020-02-29;2020-12-31;"]).ok


def test_start_after_stop(tmp_path: Path) -> None:
    result = convert(tmp_path, "ACCUMULATED", [f"{person(1)};1;2021-05-01;2021-04-30;"])
    problem = the_problem(result, "start-after-stop", 1, "start")
    assert "2021-05-01" in problem.nb and "2021-04-30" in problem.en


def test_event_stop_before_start(tmp_path: Path) -> None:
    result = convert(
        tmp_path, "EVENT", [f"{person(1)};1;2021-05-01;;", f"{person(2)};1;2021-05-01;2021-01-01;"]
    )
    the_problem(result, "start-after-stop", 2, "start")


def test_status_with_start_not_stop(tmp_path: Path) -> None:
    result = convert(
        tmp_path,
        "STATUS",
        [f"{person(1)};1;2021-01-01;2021-01-01;", f"{person(2)};1;2021-01-01;2021-01-02;"],
    )
    the_problem(result, "status-start-not-stop", 2, "stop")


def test_missing_dates(tmp_path: Path) -> None:
    result = convert(
        tmp_path, "STATUS", [f"{person(1)};1;;2021-01-01;", f"{person(2)};1;2021-01-01;;"]
    )
    the_problem(result, "missing-start", 1, "start")
    the_problem(result, "missing-stop", 2, "stop")


def test_fixed_with_start(tmp_path: Path) -> None:
    result = convert(tmp_path, "FIXED", [f"{person(1)};K;;;", f"{person(2)};M;2020-01-01;;"])
    problem = the_problem(result, "fixed-has-start", 2, "start")
    assert "2020-01-01" in problem.nb


def test_fixed_with_stop_is_a_warning_and_the_stop_is_dropped(tmp_path: Path) -> None:
    result = convert(tmp_path, "FIXED", [f"{person(1)};K;;2020-01-01;", f"{person(2)};M;;;"])
    assert result.ok
    [warning] = result.report.warnings
    assert (warning.code, warning.row, warning.column, warning.severity) == (
        "fixed-stop-ignored",
        1,
        "stop",
        "warning",
    )
    assert warning.nb and warning.en
    assert result.stop_max is None


def test_overlapping_accumulated_periods(tmp_path: Path) -> None:
    lines = [year_row(1), year_row(2), f"{person(1)};5;2020-06-01;2021-05-31;"]
    problem = the_problem(
        convert(tmp_path, "ACCUMULATED", lines), "overlapping-periods", 3, "start"
    )
    assert "rad 1" in problem.nb and "row 1" in problem.en
    assert "2020-01-01–2020-12-31" in problem.nb


def test_periods_that_touch_share_a_day(tmp_path: Path) -> None:
    lines = [f"{person(1)};1;2020-01-01;2020-06-30;", f"{person(1)};1;2020-06-30;2020-12-31;"]
    the_problem(convert(tmp_path, "ACCUMULATED", lines), "overlapping-periods", 2, "start")


def test_an_open_event_spell_overlaps_every_later_spell(tmp_path: Path) -> None:
    lines = [
        f"{person(7)};1;2010-01-01;;",
        f"{person(8)};1;2015-01-01;;",
        f"{person(7)};2;2020-01-01;2020-02-01;",
    ]
    problem = the_problem(convert(tmp_path, "EVENT", lines), "overlapping-periods", 3, "start")
    assert "(åpen)" in problem.nb and "(open)" in problem.en and "rad 1" in problem.nb


def test_overlap_with_an_earlier_long_period_not_the_previous_one(tmp_path: Path) -> None:
    lines = [
        f"{person(1)};1;2010-01-01;2019-12-31;",
        f"{person(1)};1;2011-01-01;2011-02-01;",
        f"{person(1)};1;2015-01-01;2015-02-01;",
    ]
    result = convert(tmp_path, "EVENT", lines)
    found = {(p.row, p.nb.split("rad ")[-1].split(" ")[0]) for p in result.report.errors}
    assert found == {(2, "1"), (3, "1")}


def test_duplicate_ids_in_a_fixed_variable(tmp_path: Path) -> None:
    lines = [f"{person(1)};K;;;", f"{person(2)};M;;;", f"{person(1)};M;;;"]
    problem = the_problem(convert(tmp_path, "FIXED", lines), "duplicate-id", 3, "unit_id")
    assert "rad 1" in problem.nb
    assert person(1) not in problem.nb + problem.en  # identifiers never appear in a report


def test_duplicate_status_dates(tmp_path: Path) -> None:
    lines = [
        f"{person(1)};1;2020-01-01;2020-01-01;",
        f"{person(1)};2;2021-01-01;2021-01-01;",
        f"{person(1)};3;2020-01-01;2020-01-01;",
    ]
    the_problem(convert(tmp_path, "STATUS", lines), "duplicate-status-date", 3, "start")


def test_code_outside_the_code_list(tmp_path: Path) -> None:
    lines = [
        f"{person(1)};1;2012-01-01;;",
        f"{person(2)};7;2012-01-01;;",
        f"{person(3)};99;2012-01-01;;",
    ]
    problem = the_problem(convert(tmp_path, "CODED", lines), "unknown-code", 2, "value")
    assert "«7»" in problem.nb


def test_code_valid_only_before_the_rows_date(tmp_path: Path) -> None:
    lines = [f"{person(1)};3;2005-01-01;2009-12-31;", f"{person(2)};3;2015-01-01;;"]
    problem = the_problem(convert(tmp_path, "CODED", lines), "code-not-valid-on-date", 2, "value")
    assert "2015-01-01" in problem.nb and "1993-08-01" in problem.nb and "2009-12-31" in problem.en


def test_a_fixed_value_may_use_a_code_of_any_period(tmp_path: Path) -> None:
    document = variable("INNTEKT", "FIXED", data_type="STRING", codes=CODES)
    folder = write_dataset(tmp_path / "extract", "INNTEKT", document, [f"{person(1)};3;;;"])
    result = convert_folder(folder, tmp_path / "out")
    assert result.ok, result.report.render("en")


@pytest.mark.parametrize(
    ("kind", "bad"),
    [
        ("ACCUMULATED", "12a"),
        ("ACCUMULATED", "1.5"),
        ("ACCUMULATED", "0x10"),
        ("DOUBLE", "1,5"),
        ("DOUBLE", "nan"),
        ("DOUBLE", "-inf"),
    ],
)
def test_wrong_type_for_the_measure(tmp_path: Path, kind: str, bad: str) -> None:
    day = "2020-01-01;2020-12-31;" if kind == "ACCUMULATED" else "2020-01-01;2020-01-01;"
    result = convert(tmp_path, kind, [f"{person(1)};12;{day}", f"{person(2)};{bad};{day}"])
    problem = the_problem(result, "wrong-type", 2, "value")
    assert f"«{bad}»" in problem.nb
    assert ("whole number" if kind == "ACCUMULATED" else "with a point") in problem.en


def test_empty_file(tmp_path: Path) -> None:
    result = convert(tmp_path, "ACCUMULATED", b"")
    the_problem(result, "empty-file", None, None)
    assert result.report.total_errors == 1


def test_a_file_with_only_a_byte_order_mark_is_empty(tmp_path: Path) -> None:
    the_problem(convert(tmp_path, "ACCUMULATED", b"\xef\xbb\xbf"), "empty-file", None, None)


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    result = convert(tmp_path, "ACCUMULATED", b"\xef\xbb\xbf" + year_row(1).encode() + b"\n")
    assert result.ok, result.report.render("en")


def test_not_utf8(tmp_path: Path) -> None:
    data = (
        year_row(1) + "\n"
    ).encode() + f"{person(2)};1;2020-01-01;2020-12-31;Tr\xf8ndelag\n".encode("latin-1")
    problem = the_problem(convert(tmp_path, "ACCUMULATED", data), "not-utf8", 2, None)
    line_offset = len(f"{person(2)};1;2020-01-01;2020-12-31;Tr")
    assert f"byte {line_offset} i linjen" in problem.nb
    assert f"byte {len(year_row(1)) + 1 + line_offset} of the file" in problem.en
    assert "0xF8" in problem.nb


def test_crlf_line_breaks_are_fine_but_a_stray_cr_is_not(tmp_path: Path) -> None:
    good = (year_row(1) + "\r\n" + year_row(2) + "\r\n").encode()
    assert convert(tmp_path / "a", "ACCUMULATED", good).ok
    bad = good + (year_row(3) + "\r" + year_row(4) + "\n").encode()
    the_problem(convert(tmp_path / "b", "ACCUMULATED", bad), "stray-carriage-return", 3, None)


def many(make: Callable[[int], str], count: int = 200) -> list[str]:
    return [make(i) for i in range(count)]


CAPPED = {
    "wrong-column-count": ("ACCUMULATED", lambda i: f"{person(i)};1;2020-01-01"),
    "empty-line": ("ACCUMULATED", lambda i: ""),
    "invalid-date": ("ACCUMULATED", lambda i: f"{person(i)};1;2020-1-1;2020-12-31;"),
    "impossible-date": ("ACCUMULATED", lambda i: f"{person(i)};1;2021-02-30;2021-12-31;"),
    "start-after-stop": ("ACCUMULATED", lambda i: f"{person(i)};1;2021-02-03;2021-02-01;"),
    "status-start-not-stop": ("STATUS", lambda i: f"{person(i)};1;2021-02-03;2021-02-04;"),
    "fixed-has-start": ("FIXED", lambda i: f"{person(i)};K;2021-02-03;;"),
    "overlapping-periods": ("EVENT", lambda i: f"{person(0)};1;{2000 + i // 12:04d}-01-01;;"),
    "duplicate-id": ("FIXED", lambda i: f"{person(0)};K;;;"),
    "unknown-code": ("CODED", lambda i: f"{person(i)};x;2020-01-01;;"),
    "code-not-valid-on-date": ("CODED", lambda i: f"{person(i)};3;2020-01-01;;"),
    "wrong-type": ("ACCUMULATED", lambda i: f"{person(i)};{i}a;2020-01-01;2020-12-31;"),
    "not-utf8": ("FIXED", lambda i: f"{person(i)};\udcff;;;"),
}


@pytest.mark.parametrize("code", sorted(CAPPED))
def test_the_report_lists_max_problems_and_counts_them_all(tmp_path: Path, code: str) -> None:
    kind, make = CAPPED[code]
    lines = many(make)
    if code in ("overlapping-periods", "duplicate-id"):
        lines = [lines[0], *lines]  # 201 rows, the first one fine: 200 conflicts
    data = "".join(f"{line}\n" for line in lines).encode("utf-8", "surrogateescape")
    result = convert(tmp_path, kind, data, max_problems=50, batch_rows=64)
    assert result.report.counts[code] == 200, result.report.render("en")[-3:]
    assert len([p for p in result.report.errors if p.code == code]) == 50
    assert result.report.total_errors >= 200
    listed_rows = [p.row for p in result.report.errors if p.code == code]
    assert listed_rows == sorted(listed_rows)
    assert result.report.stopped_after_row is None  # 200 < 10 x 50


def test_reading_stops_after_ten_times_max_problems_errors(tmp_path: Path) -> None:
    lines = many(lambda i: f"{person(i)};x;2020-01-01;2020-12-31;", 5_000)
    result = convert(tmp_path, "ACCUMULATED", lines, max_problems=5, batch_rows=20)
    assert result.report.stopped_after_row is not None
    assert result.report.total_errors >= 50
    assert result.report.stopped_after_row < 5_000
    assert any("stoppet" in line for line in result.report.render())


def test_errors_mean_no_files_and_nothing_left_behind(tmp_path: Path) -> None:
    lines = [*many(lambda i: year_row(i), 300), "garbage"]
    result = convert(tmp_path, "ACCUMULATED", lines, batch_rows=50)
    assert not result.ok and result.files == []
    assert not (tmp_path / "out" / "_spill").exists()
    outside = {p for p in tmp_path.rglob("*") if not p.is_relative_to(tmp_path / "out")}
    assert outside == {p for p in (tmp_path / "extract").rglob("*")} | {tmp_path / "extract"}
