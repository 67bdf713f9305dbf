"""The event-time steps (age_month, months_since, birth_cohort) on the released samples'
monthly register: the month a person turns an age, months relative to it on a monthly
panel, cohorts by birth month; each row's value depends on its own row only."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from catalogue.analysis import db
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_support as support

workspace_factory = support.workspace_factory

MONTHS = ["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01"]
PANEL: list[dict[str, Any]] = [
    {"import": "AORD_AVTALT_TIMER", "dates": MONTHS, "as": "timer"},
    {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodt"},
    {"reshape_to_panel": "timer", "date_as": "dato"},
    {"age_month": "fodt", "age": 62, "as": "mnd62"},
    {"months_since": "mnd62", "as": "hendelse"},
    {"birth_cohort": "fodt", "as": "kohort"},
    {"birth_cohort": "fodt", "months": 12, "as": "aarskull"},
]


def _rows(ws: Workspace, *names: str, unit: bool = False) -> list[tuple[Any, ...]]:
    columns = ", ".join(["unit_id"] * unit + [f'"{ws.state.schema.get(n).column}"' for n in names])
    return db.rows(ws.con, f'SELECT {columns} FROM "{ws.state.table}"')


def test_event_months_count_calendar_months_from_the_month_of_the_birthday(
    workspace_factory: Any,
) -> None:
    ws = workspace_factory(PANEL)
    rows = _rows(ws, "fodt", "mnd62", "dato", "hendelse", "kohort", "aarskull")
    assert rows and {r[0].year for r in rows if r[0]} <= {1961, 1962, 1963}
    for born, month62, on, event, cohort, year in rows:
        assert month62 == date(born.year + 62, born.month, 1)
        assert event == (on.year - month62.year) * 12 + on.month - month62.month
        assert cohort == born.year * 100 + born.month and year == born.year * 100 + 1
    # Persons born in January 1963 are at event month 0 in January 2025.
    assert any(r[0].year == 1963 and r[0].month == 1 and r[3] == 0 for r in rows)
    assert ws.state.schema.get("hendelse").source == {"months_since": "mnd62", "at": "dato"}


def test_the_steps_write_themselves_back_and_say_what_they_need(workspace_factory: Any) -> None:
    for step in PANEL[3:]:
        assert parse_steps([step])[0].to_json() == step
    quarters = {"birth_cohort": "fodt", "months": 3, "as": "kvartal"}
    assert parse_steps([quarters])[0].to_json() == quarters
    for bad in (
        {"age_month": "fodt", "age": -1, "as": "x"},
        {"age_month": "fodt", "age": True, "as": "x"},
        {"age_month": "fodt", "as": "x"},
        {"birth_cohort": "fodt", "months": 5, "as": "x"},
        {"months_since": "mnd62"},
    ):
        with pytest.raises(RegcatError) as caught:
            parse_steps([bad])
        assert caught.value.code in ("invalid-step", "invalid-variable-name"), bad
    ws = workspace_factory([{"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodt"}])
    before = ws.describe()
    for wrong in (
        {"age_month": "fodt", "age": 62, "as": "fodt"},  # the name is taken
        {"months_since": "fodt", "as": "m"},  # no panel and no `at`
    ):
        with pytest.raises(RegcatError):
            ws.apply(parse_steps([wrong]))
        assert ws.describe() == before
    ws.apply(parse_steps([{"birth_cohort": "fodt", "as": "kohort"}]))
    with pytest.raises(RegcatError) as caught:
        ws.apply(parse_steps([{"age_month": "kohort", "age": 62, "as": "m"}]))
    assert caught.value.code == "date-variable-needed"


def test_a_row_gets_the_same_values_whoever_else_is_in_the_workspace(
    workspace_factory: Any,
) -> None:
    """No count-dependent decision: keeping a handful of persons first changes nothing of
    what the steps give the rows that remain."""
    whole = workspace_factory(PANEL)
    few = workspace_factory([*PANEL[:3], {"keep_if": "fodt < date(1961, 1, 20)"}, *PANEL[3:]])
    by_row = {(u, on): e for u, on, e in _rows(whole, "dato", "hendelse", unit=True)}
    kept = _rows(few, "dato", "hendelse", unit=True)
    assert 0 < len({u for u, _, _ in kept}) < 10
    assert all(by_row[(u, on)] == e for u, on, e in kept)
