"""The release budget through the API, as a researcher with a token: every statistic
response carries the budget object (schemas/api/budget.py); an input is charged once, a
rename is the same input, the same answer again is free, and a refused request pays the
refusal fee in a transaction of its own."""

from __future__ import annotations

from typing import Any

from catalogue.analysis.output_control import OutputControlParameters
from catalogue.analysis.output_control.rules.budget import Budget
from tests import test_accounts_support as accounts_support
from tests.test_accounts_support import World
from tests.test_analysis_support import ISSUE_STEPS
from tests.test_workspaces_api import Researcher

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

DEFAULTS = OutputControlParameters.defaults().of(Budget)


def budget_of(response: Any) -> dict[str, int]:
    assert response.status_code == 200, response.get_json()
    found: dict[str, int] = response.get_json()["budget"]
    assert set(found) == {"points", "window_days", "spent", "left", "cost"}
    assert found["left"] == found["points"] - found["spent"]
    return found


def test_statistic_responses_carry_the_budget(released_world: World) -> None:
    alice = Researcher(released_world, "forsker@uio")
    handle = alice.workspace(ISSUE_STEPS)
    first = budget_of(alice.post(f"/{handle}/tabulate", {"vars": ["kjonn"]}))
    assert first["points"] == DEFAULTS.points and first["window_days"] == DEFAULTS.window_days
    fee = DEFAULTS.input_fee
    # Its first statistic pays for two inputs (the population and kjonn), 1 + 2 fees, and
    # for the cells of the table.
    assert first["cost"] > 3 * fee and first["spent"] == first["cost"]

    again = budget_of(alice.post(f"/{handle}/tabulate", {"vars": ["kjonn"]}))
    assert again["cost"] == 0 and again["spent"] == first["spent"]  # the same answer: free

    # A renamed variable is the same input, and its table the same answer; a variable used
    # for the first time pays its fee (the third input: 3 fees) and its table's cells.
    renamed = alice.post(f"/{handle}/steps", [{"rename": {"kjonn": "sex"}}])
    assert renamed.status_code == 200, renamed.get_json()
    same = budget_of(alice.post(f"/{handle}/tabulate", {"vars": ["sex"]}))
    assert same["cost"] == 0
    new = budget_of(alice.post(f"/{handle}/tabulate", {"vars": ["utdanning"]}))
    assert new["cost"] > 3 * fee and new["spent"] == first["spent"] + new["cost"]


def test_a_refused_request_pays_the_refusal_fee(released_world: World) -> None:
    bob = Researcher(released_world, "forsker@ntnu")
    small = bob.workspace(
        [
            *ISSUE_STEPS[:3],
            {"generate": "fodt", "expr": "year(fodselsdato)"},
            {"keep_if": "fodt <= 1935"},
        ]
    )
    for _ in range(2):
        refused = bob.post(f"/{small}/tabulate", {"vars": ["kjonn"]})
        assert refused.status_code == 422 and refused.get_json()["error"]["code"] == (
            "min-population"
        )
    handle = bob.workspace(ISSUE_STEPS)
    after = budget_of(bob.post(f"/{handle}/tabulate", {"vars": ["kjonn"]}))
    # The first refusal also paid its inputs (the small population and kjonn: 1 + 2 fees),
    # as an answer would have: whether a release's input fees are paid never depends on
    # what the release met in the data; the second used them again (free).
    assert after["spent"] == after["cost"] + 2 * DEFAULTS.refusal_fee + 3 * DEFAULTS.input_fee
