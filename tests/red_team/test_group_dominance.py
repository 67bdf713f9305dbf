"""Group statistics at step time have no dominance check (a step decides nothing on counts
or values, §6): `aggregate` over a group where the target is the only non-zero contributor
(the target's wage, 0 for 12 known people, missing for everyone else) gives a sum that is
the target's wage alone, a mean that is an eleventh of it, a smoothed maximum a tenth; a
table would withhold such a cell for dominance. Read back as the label of a table of the
variable (every unit holds the group's value), each statistic rescaled, and the three
averaged. Judged by Score (issue 13's bound: at most a third within 5 %, median error at
least 25 %). Figures in tests/red_team/README.md."""

from __future__ import annotations

from tests.red_team.conftest import Attacker, Score, Truth, report
from tests.red_team.support import born_on

TARGETS = 6
KNOWN = 12


def test_a_group_dominated_by_the_target(alice: Attacker, truth: Truth) -> None:
    targets = truth.targets(TARGETS, min_wage=100_000)
    known = truth.by_birth(KNOWN * TARGETS, skip={p.birth for p in targets})
    score = Score("group statistics of a group the target dominates (sum, mean, max)")
    readings: list[list[float | None]] = []
    for i, person in enumerate(targets):
        handle = alice.workspace()
        padders = born_on(known[i * KNOWN : (i + 1) * KNOWN])
        alice.steps(
            handle,
            [
                {"generate": "v", "expr": "lonn", "if": person.expr()},
                {"replace": "v", "expr": "0", "if": padders},
                {
                    "aggregate": {"s": ["sum", "v"], "m": ["mean", "v"], "x": ["max", "v"]},
                    "by": "alle",
                },
            ],
        )
        found: list[float | None] = []
        for name, scale in (("s", 1.0), ("m", KNOWN + 1.0), ("x", 10.0)):
            label = alice.label(handle, name)
            found.append(None if label is None else float(label) * scale)
        readings.append(found)
        shown = [f for f in found if f is not None]
        score.add(sum(shown) / len(shown) if shown else None, person.wage or 0)
    report(
        "group statistics of a dominated group, read as labels",
        readings=[[None if f is None else round(f) for f in r] for r in readings],
        wages=[p.wage for p in targets],
        statuses=alice.statuses,
    )
    assert score.failed()
