"""How tabulate turns values into categories: each row the table counts is counted once,
and a category appears only from the rows the table counts (or from the code list)."""

from __future__ import annotations

from typing import Any

import numpy as np

from catalogue.analysis import db
from catalogue.analysis.output_control import OTHER_VALUES
from catalogue.analysis.statistics.shared.common import DataView
from catalogue.analysis.statistics.tabulate import categorise
from catalogue.analysis.step import parse_steps
from tests import test_analysis_support as support

workspace_factory = support.workspace_factory


def _view(ws: Any) -> DataView:
    return DataView(ws.con, ws.state, ws.limits, ws.parameters, ws.control_units().rows)


def test_nan_of_either_sign_and_infinities_are_missing(workspace_factory: Any) -> None:
    """A generated NaN (of either sign) or infinity is missing for its unit, so no table,
    sum or model ever meets one (steps/generate.py, LARGEST_NUMBER)."""
    ws = workspace_factory(support.ISSUE_STEPS)
    ws.apply(
        parse_steps(
            [  # inf - inf is NaN; its negation is NaN with the other sign (working age:
                # alder >= 18, so exp(alder * 1000) is infinite; a constant beyond ±1e15 is
                # refused before the data are read, expressions/scale.py)
                {"generate": "z", "expr": "exp(alder * 1000) - exp(alder * 1000)"},
                {
                    "replace": "z",
                    "expr": "-(exp(alder * 1000) - exp(alder * 1000))",
                    "if": "alder > 40",
                },
                {"generate": "inf", "expr": "exp(alder * 1000)"},
                {"generate": "kept", "expr": "alder * 1e13"},
            ]
        )
    )
    for name, expected_nonmissing in (("z", False), ("inf", False), ("kept", True)):
        column = ws.state.schema.get(name).column
        (rows,) = db.one(
            ws.con, f'SELECT COUNT(*) FROM "{ws.state.table}" WHERE "{column}" IS NOT NULL'
        )
        assert (rows > 0) is expected_nonmissing, name
    found = categorise(_view(ws), [ws.state.schema.get("z")])
    assert len(found.protected) == 0
    assert found.categories[0] == (OTHER_VALUES,)  # no category but that of rare values


def test_a_value_only_on_rows_the_table_leaves_out_is_no_category(workspace_factory: Any) -> None:
    ws = workspace_factory(support.ISSUE_STEPS)
    ws.apply(
        parse_steps(
            [
                {"generate": "w", "expr": "alder"},
                {"replace": "w", "expr": "1000", "if": "sysmiss(utdanning)"},
            ]
        )
    )
    view = _view(ws)
    w, utdanning = ws.state.schema.get("w"), ws.state.schema.get("utdanning")
    (missing,) = db.one(
        ws.con, f'SELECT COUNT(*) FROM "{ws.state.table}" WHERE "{utdanning.column}" IS NULL'
    )
    assert missing >= 20  # the rows that carry the value 1000: enough to be a category
    found = categorise(view, [w, utdanning])
    assert all(float(label) < 1000 for label in found.categories[0] if label != OTHER_VALUES)
    (counted,) = db.one(
        ws.con,
        f'SELECT COUNT(*) FROM "{ws.state.table}" '
        f'WHERE "{w.column}" IS NOT NULL AND "{utdanning.column}" IS NOT NULL',
    )
    assert len(found.protected) == counted
    alone = categorise(view, [w])  # by itself, w's values on those rows are categories
    assert any(float(label) >= 1000 for label in alone.categories[0] if label != OTHER_VALUES)


def test_a_dimension_over_the_limit_is_refused_beside_one_under_it(
    workspace_factory: Any,
) -> None:
    """All dimensions' values come from one query cut at dimensions × limit: the cut
    result still shows which dimension has too many values, in either order."""
    from dataclasses import replace

    from catalogue.domain.errors import RegcatError

    ws = workspace_factory(support.ISSUE_STEPS)
    ws.limits = replace(ws.limits, max_categories=20)
    view = _view(ws)
    alder, kjonn = ws.state.schema.get("alder"), ws.state.schema.get("kjonn")
    (ages,) = db.one(ws.con, f'SELECT COUNT(DISTINCT "{alder.column}") FROM "{ws.state.table}"')
    assert ages > 2 * 20  # enough to fill the cut alone
    for order in ([alder, kjonn], [kjonn, alder]):
        try:
            categorise(view, order)
        except RegcatError as error:
            assert error.code == "too-many-categories"
            assert error.details["name"] == "alder"
        else:
            raise AssertionError("alder has more values than the limit")
    assert len(categorise(view, [kjonn]).categories[0]) >= 2


def test_code_list_categories_equal_categories_from_the_values_found(
    workspace_factory: Any,
) -> None:
    """Code variables whose values are all codes take their categories from the code
    list without a pass of their own; the rows get the cells the values found would give.
    A value outside the code list sends the table back to the values found."""
    from catalogue.analysis.statistics import tabulate

    ws = workspace_factory(support.ISSUE_STEPS[:3])
    view = _view(ws)
    kommune, kjonn = ws.state.schema.get("kommune"), ws.state.schema.get("kjonn")
    assert kommune.codes and kjonn.codes
    counted = f'w."{kommune.column}" IS NOT NULL AND w."{kjonn.column}" IS NOT NULL'
    listed = tabulate._code_list_categories(view, [kommune, kjonn])
    assert listed is not None
    fast = tabulate._cells(view, [kommune, kjonn], None, counted, *listed, None)
    present = tabulate._present_categories(view, [kommune, kjonn], counted)
    slow = tabulate._cells(view, [kommune, kjonn], None, counted, *present)
    assert fast is not None and slow is not None
    # The values found add the category of rare values (empty here) to each code list.
    assert slow.categories == tuple((*known, OTHER_VALUES) for known in fast.categories)
    order, slow_order = np.argsort(fast.rowids), np.argsort(slow.rowids)
    fast_codes = np.unravel_index(fast.cell[order], fast.shape)
    slow_codes = np.unravel_index(slow.cell[slow_order], slow.shape)
    assert all(np.array_equal(f, s) for f, s in zip(fast_codes, slow_codes, strict=True))
    # A value that is no code: the code list alone cannot place the row.
    ws.con.execute(f'UPDATE "{ws.state.table}" SET "{kjonn.column}" = \'9\' WHERE rowid = 0')
    assert tabulate._cells(view, [kommune, kjonn], None, counted, *listed, None) is None
    # Held by one unit, it is a rare value: no category of its own, its unit in theirs.
    found = categorise(view, [kjonn])
    assert "9" not in found.categories[0]
    assert found.categories[0][-1] == OTHER_VALUES
    assert np.count_nonzero(found.cell == len(found.categories[0]) - 1) == 1


def test_a_value_not_in_a_code_list_labels_only_published_cells(workspace_factory: Any) -> None:
    """Item 5 of the issue: the code list's codes are always shown, but a value found in the
    data (here birth years, some held by a handful of persons) appears as a label only on a
    published cell, in counts, sums and per-cell medians alike; the rest leave no row."""
    ws = workspace_factory(support.ISSUE_STEPS)
    wages = sorted(w for w in support.values(ws, "lonn").values() if w is not None)
    top = wages[-12]  # the dozen best paid get a birth "year" of 3000 + their month
    ws.apply(
        parse_steps(
            [
                {"generate": "ar", "expr": "year(fodselsdato)"},
                {"replace": "ar", "expr": "3000 + month(fodselsdato)", "if": f"lonn >= {top}"},
            ]
        )
    )
    years = db.rows(
        ws.con,
        f'SELECT "{ws.state.schema.get("ar").column}" AS y, COUNT(*) FROM "{ws.state.table}" '
        "GROUP BY y",
    )
    rare = {str(int(y)) for y, n in years if n < 10}
    assert rare, "the sample should hold some rare birth years"
    context = support.control_context(ws)
    requests = [
        {"vars": ["ar", "kjonn"]},
        {"vars": ["ar"], "summarize": "lonn", "stats": ["mean", "sum", "median"]},
    ]
    for request in requests:
        for item in ws.prepare("tabulate", request).release(context):
            named = item.about.get("cell", {}).get("ar")
            assert named not in rare
            for row in item.result.rows:
                label = row.labels[0]
                if label is None or item.about.get("statistic") == "median":
                    continue
                if label in rare:
                    # only where its count is published, never as an empty or hidden cell
                    assert item.result.kind == "frequency-table" and (row.values[0] or 0) >= 10
    sexes = ws.prepare("tabulate", {"vars": ["kjonn"]}).release(context)[0].result
    assert {row.labels[0] for row in sexes.rows} >= {"1", "2"}  # codes, always


def test_what_a_workspace_keeps_between_tables_changes_no_table(workspace_factory: Any) -> None:
    """A workspace keeps each dimension's candidate values, and which of a table's
    conditions every row meets, while its rows are the same (DataView.memo,
    Workspace._query_memo): tables asked in any order, and after steps that add a column,
    replace one or make a new table, categorise as they do with nothing kept."""
    ws = workspace_factory(support.ISSUE_STEPS)
    ws.apply(
        parse_steps(
            [
                {"generate": "w", "expr": "alder"},
                {"replace": "w", "expr": "1000", "if": "sysmiss(utdanning)"},
                {"generate": "a", "expr": "alder - 2 * int(alder / 2)"},
            ]
        )
    )

    def same(names: list[str], value: str | None = None) -> None:
        units = ws.control_units().rows
        kept = DataView(ws.con, ws.state, ws.limits, ws.parameters, units, memo=ws._query_memo())
        dims = [ws.state.schema.get(n) for n in names]
        measure = ws.state.schema.get(value) if value else None
        found = categorise(kept, dims, measure)
        fresh = categorise(_view(ws), dims, measure)
        assert found.categories == fresh.categories, names
        for a, b in ((found.cell, fresh.cell), (found.protected, fresh.protected)):
            assert np.array_equal(a, b), names
        assert np.array_equal(found.left_out, fresh.left_out), names

    for names, value in (
        (["w", "utdanning"], None),
        (["w"], None),
        (["a", "w"], "lonn"),
        (["w", "utdanning"], None),
        (["a"], "lonn"),
    ):
        same(names, value)
    ws.apply(parse_steps([{"generate": "b", "expr": "a * 2"}]))  # a column added in place
    same(["a", "b"], "lonn")
    ws.apply(parse_steps([{"replace": "w", "expr": "alder + 1"}]))
    same(["w"])
    same(["w", "utdanning"])
    ws.apply(parse_steps([{"keep_if": "alder > 40"}]))  # new rows
    same(["w"])
    same(["a", "w"], "lonn")
