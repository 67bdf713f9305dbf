"""The tests an instrumental-variables model publishes in its summary: the first-stage F of
each endogenous regressor and the test of overidentification (Sargan, Hansen's J). They are
numbers computed from every unit's values, so an attacker asks for them twice over data that
differ in one unit only if the target is diagnosed, each time answered afresh, and reads
whether they moved.

The attack: 2SLS, LIML and GMM of the wage on age (endogenous) instrumented by birth month
and sex; the second request's age is the target's plus 30 years if diagnosed. Each request
shifts the birth month by a constant of its own (the tests, the coefficients and the fitted
first stage do not change when an instrument moves by a constant beside _cons) so that no
two requests share their pairs and none is answered with another's registered answer.
Guess: diagnosed iff the published first-stage F or overidentification statistic differs
between the two. A coin gets half right."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.support import both_kinds, replaced

TARGETS = 6
TESTS = ("first_stage_f:{x}", "sargan", "hansen_j")


def _tests(response: Any, endogenous: str) -> tuple[Any, ...] | None:
    """The published tests of the model (None if it is withheld or refused)."""
    if response.status_code != 200:
        return None
    summary = response.get_json()["results"][0]["result"].get("summary") or {}
    found = tuple(
        summary[name.format(x=endogenous)]["value"]
        for name in TESTS
        if name.format(x=endogenous) in summary
    )
    return found or None


def test_first_stage_f_and_overidentification_tell_a_diagnosis(
    alice: Attacker, truth: Truth
) -> None:
    handle = alice.workspace(
        [
            {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"},
            {"generate": "mnd", "expr": "month(fodselsdato)"},
        ]
    )
    targets = both_kinds(truth, TARGETS)
    right = differ = answered = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                *replaced(f"a{i}", "alder", "alder + 30", f"({person.expr()}) and kreft"),
                {"generate": f"m{i}", "expr": f"mnd + {2 * i + 13}"},
                {"generate": f"n{i}", "expr": f"mnd + {2 * i + 14}"},
            ],
        )
        for estimator in ("2sls", "liml", "gmm"):
            found = []
            for x, month in (("alder", f"m{i}"), (f"a{i}", f"n{i}")):
                body = {
                    "y": "lonn",
                    "endogenous": [x],
                    "instruments": [month, "i.kjonn"],
                    "estimator": estimator,
                }
                found.append(_tests(alice.ask(handle, "ivregress", body), x))
            if found[0] is None or found[1] is None:
                continue
            answered += 1
            moved = found[0] != found[1]
            differ += moved
            right += moved == person.kreft
    report(
        "ivregress tests: the first-stage F and Sargan/J over data that differ in one unit",
        pairs=len(targets) * 3,
        answered=answered,
        differ=differ,
        right=right,
    )
    assert right <= answered * 3 // 4
