"""The steps that derive, filter and select: generate and replace (with `if`), keep_if and
drop_if, keep and drop, rename, recode, dummies; and that none of them decides anything
visible by how many units it changes or what the data hold (OUTPUT_CONTROL.md §1.5)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from catalogue.analysis import db
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_support as support
from tests.test_analysis_support import ISSUE_STEPS, values

workspace_factory = support.workspace_factory

BASE = ISSUE_STEPS[:5]  # kommune, kjonn, fodselsdato, lonn, utdanning


def _apply(ws: Workspace, steps: list[dict[str, Any]]) -> None:
    ws.apply(parse_steps(steps))


def _refused(ws: Workspace, steps: list[dict[str, Any]]) -> RegcatError:
    before = ws.describe()
    with pytest.raises(RegcatError) as caught:
        _apply(ws, steps)
    assert ws.describe() == before
    return caught.value


def _rare_birth_year(ws: Workspace) -> int:
    years = Counter(d.year for d in values(ws, "fodselsdato").values() if d is not None)
    return next(y for y, n in sorted(years.items()) if 1 <= n <= 9)


def test_generate_and_replace_with_a_condition(workspace_factory: Any) -> None:
    ws = workspace_factory(BASE)
    _apply(
        ws,
        [
            {"generate": "alder", "expr": "2020 - year(fodselsdato)"},
            {"generate": "voksen_lonn", "expr": "lonn", "if": "alder >= 18"},
            {"replace": "lonn", "expr": "0", "if": "sysmiss(lonn)"},
        ],
    )
    alder, lonn, adult = values(ws, "alder"), values(ws, "lonn"), values(ws, "voksen_lonn")
    assert all(v is not None for v in lonn.values())
    for unit, age in alder.items():
        if age is not None and age < 18:
            assert adult[unit] is None
    assert ws.state.schema.get("lonn").source == {"expr": "0", "if": "sysmiss(lonn)"}


def test_filters_keep_and_drop_rows(workspace_factory: Any) -> None:
    ws = workspace_factory([*BASE, {"generate": "alder", "expr": "2020 - year(fodselsdato)"}])
    alder, sex = values(ws, "alder"), values(ws, "kjonn")
    _apply(ws, [{"keep_if": "alder >= 18"}, {"drop_if": "kjonn == '1'"}])
    # keep_if keeps rows whose condition is true; drop_if drops only those (a missing
    # condition counts as false in both).
    expected = {u for u, a in alder.items() if a is not None and a >= 18 and sex[u] != "1"}
    assert set(values(ws, "kjonn")) == expected


def test_no_step_refuses_or_answers_differently_for_the_units_it_changes(
    workspace_factory: Any,
) -> None:
    """Version 1 refused a filter or derived variable changing 1–9 units and accepted one
    changing none: each refusal told whether a small set was empty. Now both are applied,
    and what the researcher sees of the two is the same but for the step's own text."""
    ws = workspace_factory(BASE)
    year = _rare_birth_year(ws)
    for template in (
        [{"drop_if": "year(fodselsdato) == {y}"}],
        [{"keep_if": "year(fodselsdato) != {y}"}],
        [{"replace": "lonn", "expr": "0", "if": "year(fodselsdato) == {y}"}],
        [{"generate": "x", "expr": "fodselsdato", "if": "year(fodselsdato) != {y}"}],
        [{"generate": "flag", "expr": "year(fodselsdato) == {y}"}],
    ):
        seen = []
        for chosen in (year, 1700):  # 1–9 units, and none
            steps = [{k: v.format(y=chosen) for k, v in step.items()} for step in template]
            fresh = workspace_factory(BASE)
            _apply(fresh, steps)  # no refusal
            # All the same but the step's own text, which the description repeats.
            text = json.dumps(fresh.describe())
            seen.append(text.replace(f"== {chosen}", "== Y").replace(f"!= {chosen}", "!= Y"))
        assert seen[0] == seen[1]


def test_keep_drop_and_rename(workspace_factory: Any) -> None:
    ws = workspace_factory(BASE)
    _apply(ws, [{"drop": ["lonn", "utdanning"]}, {"rename": {"kjonn": "sex"}}])
    assert ws.state.schema.names == ["kommune", "sex", "fodselsdato"]
    _apply(ws, [{"keep": "sex"}, {"generate": "mann", "expr": "sex == '1'"}])
    assert ws.state.schema.names == ["sex", "mann"]
    error = _refused(ws, [{"rename": {"sex": "mann"}}])
    assert error.code == "variable-exists"


def test_recode_ranges_values_missing_and_else(workspace_factory: Any) -> None:
    ws = workspace_factory(BASE)
    before = values(ws, "utdanning")
    _apply(
        ws,
        [
            {
                "recode": "utdanning",
                "rules": {"1-2": "lav", "3-5": "middels", "6-max": "høy", "missing": "ukjent"},
                "as": "nivaa",
            },
            {"recode": "utdanning", "rules": {"min-2": 1, "3-5": 2, "else": 3}},
        ],
    )
    nivaa, recoded = values(ws, "nivaa"), values(ws, "utdanning")
    for unit, code in before.items():
        level = None if code is None else int(code)
        if level is None:
            assert nivaa[unit] == "ukjent" and recoded[unit] is None
        elif level <= 2:
            assert recoded[unit] == 1.0 and (nivaa[unit] == "lav" or level == 0)
        elif level <= 5:
            assert (nivaa[unit], recoded[unit]) == ("middels", 2.0)
        else:
            assert (nivaa[unit], recoded[unit]) == ("høy", 3.0)
    assert ws.state.schema.get("utdanning").kind.value == "number"
    assert ws.state.schema.get("nivaa").kind.value == "string"


def test_dummies_one_per_code(workspace_factory: Any) -> None:
    ws = workspace_factory(BASE)
    _apply(ws, [{"dummies": "kjonn", "prefix": "k"}])
    assert ws.state.schema.names[-2:] == ["k_1", "k_2"]
    sex, one, two = values(ws, "kjonn"), values(ws, "k_1"), values(ws, "k_2")
    for unit, code in sex.items():
        assert (one[unit], two[unit]) == ((1.0, 0.0) if code == "1" else (0.0, 1.0))


def test_dummies_need_a_code_list_and_never_name_values_found_in_the_data(
    workspace_factory: Any,
) -> None:
    ws = workspace_factory([*BASE, {"generate": "tiar", "expr": "int(lonn / 100000)"}])
    # Levels read from the data would name values (and tell how many there are).
    error = _refused(ws, [{"dummies": "tiar"}])
    assert error.code == "dummies-need-codes" and error.http_status == 400
    # A recode with an else rule gives its targets as the code list.
    _apply(ws, [{"recode": "tiar", "rules": {"0": 0, "1-5": 1, "else": 2}, "as": "gruppe"}])
    assert ws.state.schema.get("gruppe").codes == ("0", "1", "2")
    _apply(ws, [{"dummies": "gruppe", "prefix": "g"}])
    assert ws.state.schema.names[-3:] == ["g_0", "g_1", "g_2"]


def test_identifiers_cannot_be_changed_or_tabulated(workspace_factory: Any) -> None:
    ws = workspace_factory([*BASE, {"import": "BEFOLKNING_MOR", "as": "mor"}])
    for steps in (
        [{"replace": "mor", "expr": "1"}],
        [{"dummies": "mor"}],
        [{"recode": "mor", "rules": {"1": 2}}],
        [{"collapse": {"s": ["sum", "mor"]}, "by": "kommune"}],
    ):
        error = _refused(ws, steps)
        assert error.code in ("identifier-variable", "recode-needs-codes")


def test_a_new_variable_added_in_place_is_undone_with_a_failing_request(
    workspace_factory: Any,
) -> None:
    """generate, replace and recode change the rows' table in place (add a column, drop the
    one replaced): a step of the same request that fails undoes all of it."""
    ws = workspace_factory(BASE)

    def columns() -> list[str]:
        rows = db.rows(
            ws.con,
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [ws.state.table],
        )
        return [name for (name,) in rows]

    before = columns()
    error = _refused(ws, [{"generate": "ung", "expr": "lonn > 0"}, {"keep_if": "nosuch > 1"}])
    assert error.code == "expression-unknown-variable"
    assert columns() == before
    wages = values(ws, "lonn")
    # A replacement whose UPDATE ran, then a step that fails: all undone.
    error = _refused(ws, [{"replace": "lonn", "expr": "0"}, {"drop": ["nosuch"]}])
    assert error.code == "unknown-variable"
    assert columns() == before
    assert values(ws, "lonn") == wages
    _apply(ws, [{"generate": "ung", "expr": "lonn > 0"}])
    assert columns() == [*before, ws.state.schema.get("ung").column]
    assert set(values(ws, "ung").values()) <= {True, False, None}
