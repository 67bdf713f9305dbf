"""import … , outer_join (SCRIPT_LANGUAGE.md: `outer_join` adds units) as the step
import_outer: the rows there keep their values and get the new variable as import gives
it, and every unit with a value that was not a row becomes one, its other variables
missing and protected as its own person; no row is removed; what cannot be asked (another
unit type, panel form) is refused for the request, and the script command runs it."""

from __future__ import annotations

from typing import Any

import pytest

from catalogue.analysis import db
from catalogue.analysis.variables import PROTECT_COLUMN, UNIT_COLUMN
from catalogue.services import scripts
from catalogue.services.context import Context
from tests import test_analysis_support as support
from tests.test_analysis_support import step_refusal, values

workspace_factory = support.workspace_factory

MEN = [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"}, {"keep_if": 'kjonn == "1"'}]
WAGE = {"date": "2020-12-31", "as": "lonn"}


def test_outer_join_adds_the_units_with_a_value_and_keeps_the_rest(workspace_factory: Any) -> None:
    men = workspace_factory(MEN)
    left = workspace_factory([*MEN, {"import": "INNTEKT_WLONN", **WAGE}])
    outer = workspace_factory([*MEN, {"import_outer": "INNTEKT_WLONN", **WAGE}])
    everyone = workspace_factory([{"import": "INNTEKT_WLONN", **WAGE}])
    wage_everyone = values(everyone, "lonn")
    with_wage = {u for u, v in wage_everyone.items()}
    kjonn, lonn = values(outer, "kjonn"), values(outer, "lonn")
    assert set(kjonn) == set(values(men, "kjonn")) | with_wage  # no row lost, the rest added
    added = set(kjonn) - set(values(men, "kjonn"))
    assert added and all(kjonn[u] is None for u in added)  # their other variables missing
    assert all(lonn[u] == wage_everyone[u] for u in added)
    assert {u: lonn[u] for u in values(men, "kjonn")} == values(left, "lonn")
    rows = db.rows(
        outer.con, f'SELECT "{UNIT_COLUMN}", "{PROTECT_COLUMN}" FROM "{outer.state.table}"'
    )
    assert all(u == p for u, p in rows)  # persons protect themselves
    assert len(rows) == len(kjonn)  # one row per unit


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ([*MEN, {"import_outer": "KRG_DIAGNOSEDATO", "from": "2015-01-01", "to": "2020-12-31"}],
         "outer-join-refused"),
        ([{"import": "INNTEKT_WLONN", "dates": ["2020-12-31", "2021-12-31"], "as": "l"},
          {"reshape_to_panel": ["l"], "date_as": "dato"},
          {"import_outer": "BEFOLKNING_KJOENN", "as": "k"}], "outer-join-refused"),
        ([*MEN, {"import_outer": "INNTEKT_WLONN", "dates": ["2020-12-31"], "as": "x"}],
         "invalid-step"),
    ],
)  # fmt: skip
def test_what_cannot_be_asked_is_refused(
    workspace_factory: Any, steps: list[dict[str, Any]], code: str
) -> None:
    assert step_refusal(workspace_factory(), steps).code == code


def test_the_script_option(module_released_ctx: Context) -> None:
    ran = scripts.run_script(
        module_released_ctx,
        "forsker@uio",
        "require no.regcat.demo:1 as db\n"
        "import db/BEFOLKNING_KJOENN as kjonn\n"
        'keep if kjonn == "1"\n'
        "import db/INNTEKT_WLONN 2020-12-31 as lonn, outer_join\n"
        "tabulate kjonn, missing\n",
    )
    assert ran.error is None, ran.error and ran.error.as_dict("en")
    (result,) = [o for o in ran.output if o["kind"] == "result"]
    labels = [r["labels"][0] for r in result["response"]["results"][0]["result"]["rows"]]
    assert "." in labels  # the women added by their wage have no sex here
