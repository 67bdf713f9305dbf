"""What a table tells (issue 12, defect 6): codes with their titles, units with a missing
value as a category of their own (`missing`) or counted as left out (a perturbed count),
and row and column percentages in each row's `percent`."""

from __future__ import annotations

from typing import Any

from catalogue.analysis import db
from catalogue.analysis.output_control import OutputControlParameters
from catalogue.analysis.output_control.parameters import FORMAT
from catalogue.analysis.output_control.rules.cell_key_noise import CellKeyNoise
from catalogue.analysis.statistics.tabulate import MISSING
from tests import test_analysis_support as support

workspace_factory = support.workspace_factory


def _table(ws: Any, request: dict[str, Any], parameters: Any = None) -> list[Any]:
    context = support.control_context(ws)
    if parameters is not None:
        from dataclasses import replace

        context = replace(context, parameters=parameters)
    return ws.prepare("tabulate", request).release(context)


def _exact_parameters() -> OutputControlParameters:
    """Counts without noise, to compare with counts read from the rows."""
    return OutputControlParameters.from_json_dict(
        {"format": FORMAT, "rules": {CellKeyNoise.code: {"enabled": False}}}
    )


def _missing_units(ws: Any, name: str) -> int:
    column = ws.state.schema.get(name).column
    (found,) = db.one(
        ws.con, f'SELECT COUNT(DISTINCT unit_id) FROM "{ws.state.table}" WHERE "{column}" IS NULL'
    )
    return int(found)


def test_codes_come_with_their_titles_in_both_languages(workspace_factory: Any) -> None:
    ws = workspace_factory(support.ISSUE_STEPS)
    (item,) = _table(ws, {"vars": ["kjonn"]})
    titles = item.extra["category_labels"]["kjonn"]
    codes = {row.labels[0] for row in item.result.rows if row.labels[0] is not None}
    assert codes and codes <= set(titles)
    for code in codes:
        assert titles[code]["nb"] and titles[code]["en"]
    kjonn = ws.state.schema.get("kjonn")
    assert {code: (t["nb"], t["en"]) for code, t in titles.items()} == {
        code: (nb, en) for code, nb, en in kjonn.code_labels
    }
    assert any(t["nb"] != t["en"] for t in titles.values())  # really two languages


def test_units_with_a_missing_value_are_counted_as_left_out(workspace_factory: Any) -> None:
    ws = workspace_factory(support.ISSUE_STEPS)
    missing = _missing_units(ws, "utdanning")
    assert missing >= 10
    (exact,) = _table(ws, {"vars": ["utdanning"]}, _exact_parameters())
    assert exact.result.summary_value("left_out") == missing
    (noisy,) = _table(ws, {"vars": ["utdanning"]})
    published = noisy.result.summary_value("left_out")
    assert isinstance(published, int) and abs(published - missing) <= 5
    entry = next(s for s in noisy.result.summary if s.name == "left_out")
    assert "cell-key-noise" in entry.reasons
    body = noisy.result.to_json_dict()
    assert body["summary"]["left_out"]["value"] == published
    assert "cell-key-noise" in body["reasons"]


def test_the_missing_option_makes_missing_a_category(workspace_factory: Any) -> None:
    ws = workspace_factory(support.ISSUE_STEPS)
    missing = _missing_units(ws, "utdanning")
    (item,) = _table(ws, {"vars": ["utdanning"], "missing": True}, _exact_parameters())
    counts = {row.labels: row.values[0] for row in item.result.rows}
    assert counts[(MISSING,)] == missing
    assert item.result.summary_value("left_out") is None  # nobody left out
    assert all(s.name != "left_out" for s in item.result.summary)
    (without,) = _table(ws, {"vars": ["utdanning"]}, _exact_parameters())
    total_without = {row.labels: row.values[0] for row in without.result.rows}[(None,)]
    assert counts[(None,)] == total_without + missing
    assert item.extra["category_labels"]["utdanning"][MISSING] == {
        "nb": "Mangler verdi",
        "en": "Missing value",
    }


def test_missing_in_a_cross_table_and_a_magnitude_table(workspace_factory: Any) -> None:
    ws = workspace_factory(support.ISSUE_STEPS)
    (cross,) = _table(ws, {"vars": ["kjonn", "utdanning"], "missing": True}, _exact_parameters())
    missing_cells = [r for r in cross.result.rows if r.labels[1] == MISSING]
    assert len(missing_cells) >= 3  # each sex, and the margin
    (means,) = _table(ws, {"vars": ["utdanning"], "summarize": "lonn", "missing": True})
    assert any(row.labels == (MISSING,) for row in means.result.rows)
    # lonn itself is missing for some units: those are left out, and said to be
    lonn_missing = _missing_units(ws, "lonn")
    (exact,) = _table(ws, {"vars": ["kjonn"], "summarize": "lonn"}, _exact_parameters())
    assert exact.result.summary_value("left_out") == lonn_missing


def test_left_out_is_found_in_the_same_pass_for_code_lists_and_values(
    workspace_factory: Any,
) -> None:
    """kommune's categories come from its code list, alder's from the values found: both
    paths count the left-out units the same way."""
    ws = workspace_factory(
        [*support.ISSUE_STEPS, {"replace": "alder", "expr": "alder / 0", "if": "alder < 20"}]
    )
    alder = ws.state.schema.get("alder")
    kommune = ws.state.schema.get("kommune")
    (expected,) = db.one(
        ws.con,
        f'SELECT COUNT(DISTINCT unit_id) FROM "{ws.state.table}" '
        f'WHERE "{alder.column}" IS NULL OR "{kommune.column}" IS NULL',
    )
    assert expected > 0
    (item,) = _table(ws, {"vars": ["kommune", "alder"]}, _exact_parameters())
    assert item.result.summary_value("left_out") == expected
    (alone,) = _table(ws, {"vars": ["kommune"]}, _exact_parameters())
    nobody = _missing_units(ws, "kommune")
    assert nobody == 0  # so the count left out is withheld, as a count under 10 would be
    (left_out,) = alone.result.summary
    assert left_out.value is None and left_out.reasons == ("threshold",)


def test_row_and_column_percent_are_of_the_row_and_column(workspace_factory: Any) -> None:
    ws = workspace_factory(support.ISSUE_STEPS)
    for kind in ("row", "column"):
        (item,) = _table(ws, {"vars": ["kjonn", "utdanning"], "percent": kind})
        result = item.result
        count = {row.labels: row.values[0] for row in result.rows}
        share = {row.labels: row.values[1] for row in result.rows}
        checked = 0
        for labels, value in count.items():
            if None in labels or not isinstance(value, int):
                continue
            base = (labels[0], None) if kind == "row" else (None, labels[1])
            whole = count[base]
            assert isinstance(whole, int)
            assert share[labels] == round(100.0 * value / whole, 1)
            checked += 1
        assert checked >= 4
        # Per row (column) the percentages add up to about 100 (noise of at most 5 per
        # count, so within a few percent for a base of 500 units or more), not to the
        # row's share of the total
        groups: dict[Any, float] = {}
        for labels, value in share.items():
            base = (labels[0], None) if kind == "row" else (None, labels[1])
            whole = count.get(base)
            if None not in labels and isinstance(value, float) and (whole or 0) >= 500:
                groups[base] = groups.get(base, 0.0) + value
        assert len(groups) >= 2
        assert all(abs(total - 100.0) < 5.0 for total in groups.values()), groups
        assert share[(None, None)] == 100.0
    (cell,) = _table(ws, {"vars": ["kjonn", "utdanning"]})
    count = {row.labels: row.values[0] for row in cell.result.rows}
    total = count[(None, None)]
    assert isinstance(total, int)
    for row in cell.result.rows:
        if isinstance(row.values[0], int):
            assert row.values[1] == round(100.0 * row.values[0] / total, 1)


def test_missing_must_be_true_or_false(workspace_factory: Any) -> None:
    from catalogue.domain.errors import RegcatError

    ws = workspace_factory(support.ISSUE_STEPS)
    try:
        ws.prepare("tabulate", {"vars": ["kjonn"], "missing": "yes"})
    except RegcatError as error:
        assert error.details["field"] == "missing"
    else:
        raise AssertionError("'yes' is not a boolean")


def test_left_out_of_a_panel_counts_units_without_a_counted_row(workspace_factory: Any) -> None:
    """In panel form a unit is left out only if none of its rows is in the table."""
    ws = workspace_factory(
        [
            {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
            {"import": "INNTEKT_WLONN", "dates": ["2020-12-31", "2021-12-31"], "as": "lonn"},
            {"reshape_to_panel": ["lonn"], "date_as": "aar"},
            # missing in both years for the highest earners, in one year for some more
            {"generate": "k", "expr": "lonn"},
            {"replace": "k", "expr": "lonn / 0", "if": "lonn > 500000"},
            {"generate": "hoy", "expr": "round(k / 1000000)"},
        ]
    )
    hoy = ws.state.schema.get("hoy").column
    (expected,) = db.one(
        ws.con,
        f'SELECT COUNT(*) FROM (SELECT unit_id FROM "{ws.state.table}" GROUP BY unit_id '
        f'HAVING BOOL_AND("{hoy}" IS NULL))',
    )
    (partly,) = db.one(
        ws.con,
        f'SELECT COUNT(*) FROM (SELECT unit_id FROM "{ws.state.table}" GROUP BY unit_id '
        f'HAVING BOOL_OR("{hoy}" IS NULL) AND BOOL_OR("{hoy}" IS NOT NULL))',
    )
    assert expected > 0 and partly > 0, (expected, partly)  # both kinds of unit are there
    (item,) = _table(ws, {"vars": ["hoy"]}, _exact_parameters())
    assert item.result.summary_value("left_out") == expected
