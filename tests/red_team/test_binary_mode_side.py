"""A two-valued numeric regressor's side at its most common value, attacked through the HTTP
API. d = 1 for the diagnosed other than the target and for some undiagnosed (born in one month),
0 for everyone else (born in month i + 1 for the i-th target, so that no two targets'
models are near: a near one would get the registered answer): the side d = 0 (by far the larger: its mode) holds the undiagnosed and
the target, so its outcome (the diagnosis) varies iff the target is diagnosed. Without it
varying, d separates the outcome and the model cannot be estimated (withheld as
`regression-withheld`); with the target's one diagnosis it can (released). Read: diagnosed
iff released. A coin gets half right. `regression-outcome-support` judged only the side
away from the mode of such a regressor (for the outcome; both sides for survival models'
events): before, Poisson and probit 6 of 6 targets, logit 3 of 6, read at the workspace
(helper report, 2026-12-07), and through the API as below. Now both sides are cells (at the
mode: 0 or 1 units off its modal outcome, under 10 in both worlds): withheld by the support
rule whatever the target's outcome."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Truth, report

TARGETS = 6  # diagnosed, and as many not
FAMILIES = ("logit", "probit", "poisson")


def _released(response: Any) -> bool:
    if response.status_code != 200:
        return False
    return any(
        row["values"].get("coefficient") is not None
        for item in response.get_json()["results"]
        for row in item["result"]["rows"]
    )


def test_the_target_alone_off_the_outcome_at_the_mode_side(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """Per target and family: the model of the diagnosis on d{i} alone. Half the targets by
    a second researcher (another budget). Reported: released per world, right per family.
    Asserted: no family right for every target (before: every one was for two families);
    the verdict being one withheld answer in both worlds, right is half (6 of 12)."""
    pairs = zip(
        truth.targets(TARGETS, kreft=True), truth.targets(TARGETS, kreft=False), strict=True
    )
    targets = [person for pair in pairs for person in pair]
    handles = {alice.name: alice.workspace(), bob.name: bob.workspace()}
    released = {f: {True: 0, False: 0} for f in FAMILIES}
    right = dict.fromkeys(FAMILIES, 0)
    for i, person in enumerate(targets):
        attacker = alice if i < TARGETS else bob
        handle = handles[attacker.name]
        t = person.expr()
        attacker.steps(
            handle,
            [
                {
                    "generate": f"d{i}",
                    "expr": f"cond((kreft and not ({t})) or "
                    f"(not kreft and month(fodselsdato) == {i + 1}), 1, 0)",
                }
            ],
        )
        for family in FAMILIES:
            shown = _released(attacker.ask(handle, family, {"y": "kreft", "x": [f"d{i}"]}))
            released[family][person.kreft] += shown
            right[family] += shown == person.kreft
    report(
        "a two-valued regressor's mode side: the target alone off the outcome there",
        targets=len(targets),
        released=released,
        right=right,
    )
    for family in FAMILIES:
        assert right[family] < len(targets), family
