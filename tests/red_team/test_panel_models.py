"""Models in panel form (regress_panel, did), where a unit has a row in every period. A
period dummy is 1 on some of each unit's rows and 0 on the others, so a unit is on both
sides of it: the support of a column (model_support.py) counts the units with a row away
from its most common value, as on one row per unit (it counted the units with no row at
it, which is none for a period dummy, so every panel model with period effects was
withheld). The attack on that reading: a 0/1 regressor that is 1 on one row of the
target, beside the period effects; its coefficient is the target's own residual, so
coefficient + constant is the target's wage that year. It must stay withheld (one unit
away from the mode). Judged by wages recovered (`Score`)."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Score, Truth

TARGETS = 6
YEARS = ["2020-12-31", "2021-12-31", "2022-12-31"]


def _coefficients(response: Any) -> dict[str, float] | None:
    if response.status_code != 200:
        return None
    found = {}
    for row in response.get_json()["results"][0]["result"]["rows"]:
        b = row["values"].get("coefficient")
        if b is None or not row["labels"] or row["labels"][0] is None:
            return None
        found[str(row["labels"][0])] = float(b)
    return found


def test_a_dummy_on_one_row_of_the_target_in_panel_form(alice: Attacker, truth: Truth) -> None:
    handle = alice.workspace(
        [
            {"import": "INNTEKT_WLONN", "dates": YEARS, "as": "l"},
            {"reshape_to_panel": ["l"], "date_as": "aar"},
            {"generate": "etter", "expr": "year(aar) >= 2021"},
        ]
    )
    score = Score("panel form: a dummy on one row of the target beside period effects")
    for i, person in enumerate(truth.targets(TARGETS)):
        alice.steps(
            handle,
            [{"generate": f"d{i}", "expr": f"{person.expr()} and year(aar) == 2020"}],
        )
        for statistic, body in (
            ("regress_panel", {"y": "l", "x": [f"d{i}", "i.aar"], "method": "pooled"}),
            ("did", {"y": "l", "treated": "kreft", "time": "aar", "post": "etter", "x": [f"d{i}"]}),
        ):
            found = _coefficients(alice.ask(handle, statistic, body))
            estimate = None if found is None else found[f"d{i}"] + found["_cons"]
            score.add(estimate, person.wage or 0.0)
    assert score.failed()
