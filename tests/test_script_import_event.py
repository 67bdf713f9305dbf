"""import-event as a dataset of events (SCRIPT_LANGUAGE.md: all spells overlapping the
period, one row each): the step import_events gives exactly the released spells that
overlap the period, each row protected as the person it belongs to (several rows per
protected unit, as a workspace of cases), with its value, dates and unit; the script
command runs it into an empty dataset, and bad input (a dataset that is not empty, a
variable that is not EVENT) is a 4xx at its line in both languages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from catalogue.analysis import db
from catalogue.analysis.step import parse_steps
from catalogue.analysis.variables import PROTECT_COLUMN, Kind
from catalogue.services import scripts
from catalogue.services.context import Context
from tests import test_analysis_support as support
from tests.test_analysis_support import released, step_refusal, values

workspace_factory = support.workspace_factory

EVENTS = {"import_events": "KRG_DIAGNOSEDATO", "from": "2015-01-01", "to": "2020-12-31", "as": "d"}


def _overlapping(pinned: Any) -> list[tuple[int, Any, Any]]:
    table = released(pinned, "KRG_DIAGNOSEDATO").to_pylist()
    start, end = date(2015, 1, 1), date(2020, 12, 31)
    return sorted(
        (r["unit_id"], r["start"], r["stop"])
        for r in table
        if r["unit_id"] is not None
        and r["start"] <= end
        and (r["stop"] is None or r["stop"] >= start)
    )


def test_one_row_per_spell_overlapping_the_period(workspace_factory: Any, pinned: Any) -> None:
    ws = workspace_factory([EVENTS])
    schema = ws.state.schema
    assert schema.names == ["d", "d_start", "d_stop", "d_unit"]
    assert schema.unit_type == "EVENT:KRG_DIAGNOSEDATO"
    assert schema.get("d_unit").kind == Kind.UNIT
    assert schema.get("d_unit").unit_type == "KRG_KREFTTILFELLE"
    units, starts, stops = values(ws, "d_unit"), values(ws, "d_start"), values(ws, "d_stop")
    rows = sorted((units[e], starts[e], stops[e]) for e in units)
    expected = _overlapping(pinned)
    assert rows == expected and len(rows) > 100
    # Spells outside the period are not there: the period is what selects.
    everything = released(pinned, "KRG_DIAGNOSEDATO").num_rows
    assert len(rows) < everything


def test_each_event_is_protected_as_its_person(workspace_factory: Any, pinned: Any) -> None:
    ws = workspace_factory([EVENTS])
    assert ws.state.unique_protected is False
    person_of = {r["unit_id"]: r["value"] for r in released(pinned, "KRG_PERSON").to_pylist()}
    unit = ws.state.schema.get("d_unit")
    rows = db.rows(ws.con, f'SELECT "{unit.column}", "{PROTECT_COLUMN}" FROM "{ws.state.table}"')
    assert rows and all(int(p) == int(person_of.get(u, u)) for u, p in rows)


def test_events_collapse_back_to_their_cases_and_persons(workspace_factory: Any) -> None:
    ws = workspace_factory([EVENTS])
    cases = set(values(ws, "d_unit").values())
    ws.apply(
        parse_steps(
            [
                {"generate": "en", "expr": "1"},
                {"collapse": {"n": ["count", "en"]}, "by": "d_unit"},
                {"import": "KRG_PERSON", "as": "person"},
            ]
        )
    )
    assert ws.state.schema.unit_type == "KRG_KREFTTILFELLE"
    assert set(values(ws, "n")) == cases  # one row per case the events belonged to
    assert ws.state.schema.get("person").kind == Kind.UNIT


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ([{"import": "BEFOLKNING_KJOENN", "as": "k"}, EVENTS], "import-events-first"),
        ([{**EVENTS, "import_events": "BEFOLKNING_KJOENN"}], "import-events-needs-event"),
        ([{**EVENTS, "from": "2021-01-01"}], "invalid-period"),
        ([{"import_events": "KRG_DIAGNOSEDATO", "as": "d"}], "invalid-step"),
    ],
)
def test_bad_import_events_steps_are_refused(
    workspace_factory: Any, steps: list[dict[str, Any]], code: str
) -> None:
    assert step_refusal(workspace_factory(), steps).code == code


SCRIPT = (
    "require no.regcat.demo:1 as db\n"
    "create-dataset tilfeller\n"
    "import-event db/KRG_DIAGNOSEDATO 2015-01-01 to 2020-12-31 as diagnose\n"
    "variables\n"
)


def test_the_script_command_and_its_bad_input(module_released_ctx: Context) -> None:
    ran = scripts.run_script(module_released_ctx, "forsker@uio", SCRIPT)
    assert ran.error is None, ran.error and ran.error.as_dict("en")
    (listed,) = [o for o in ran.output if o["kind"] == "variables"]
    assert [(v["name"], v["type"]) for v in listed["variables"]] == [
        ("diagnose", "date"),
        ("diagnose_start", "date"),
        ("diagnose_stop", "date"),
        ("diagnose_unit", "unit"),
    ]
    for text, code, line in [
        (SCRIPT + "import-event db/KRG_DIAGNOSEDATO 2015-01-01 to 2020-12-31 as igjen\n",
         "import-events-first", 5),
        (SCRIPT + "create-dataset b\nimport-event db/BEFOLKNING_KJOENN 2015-01-01 to 2020-12-31\n",
         "import-events-needs-event", 6),
    ]:  # fmt: skip
        for language, word in (("nb", "Linje"), ("en", "Line")):
            failed = scripts.run_script(module_released_ctx, "forsker@uio", text, language)
            assert failed.error is not None and failed.error.code == code
            assert failed.error.http_status == 400
            assert (failed.error.details["line"], failed.error.details["column"]) == (line, 1)
            message = failed.error.as_dict(language)["error"]["message"]
            assert message.startswith(f"{word} {line}")
