"""A dominance verdict on a contribution the attacker makes huge on a condition: v = 1 for
15 known people (a new padding per target, so magnitude-support passes and no sum is near
a registered one) and 10⁶ for the target if diagnosed. The undiagnosed target's cell is
fifteen 1s (the top two's share 0.13, below any band dominance-nk draws), the diagnosed
one's is 10⁶ beside them (share 1.0, above any band: conformance cases 3 and 4 fix both
ends). Before the fix the sum was withheld by dominance-nk iff diagnosed: 12 of 12 right,
one table per target.

A dominated cell is now answered as the same cell with its dominant values at 0
(controller._dominated): the diagnosed target's cell is answered as the undiagnosed one's,
whose 0 it then holds. The attacker reads the answer every way it can: withheld or not, a
sum far above the fifteen, and the answer's shape (status, which values are given, the
reasons, the rules applied, the notes), which must be one and the same for every target.

Figures in tests/red_team/README.md; the rule in docs/OUTPUT_CONTROL.md §3 `dominance-nk`."""

from __future__ import annotations

import json
from typing import Any

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.test_indicator_sums import _paddings

PROBES = 6  # targets with a diagnosis, and as many without


def _shape(response: Any) -> str:
    """Everything of an answer but its numbers: status, the rows' labels, which values are
    given and their reasons, the rules applied, the reasons' texts and the notes."""
    if response.status_code != 200:
        return json.dumps([response.status_code, response.get_json().get("error", {}).get("code")])
    result = response.get_json()["results"][0]["result"]
    return json.dumps(
        [
            [
                [
                    r["labels"],
                    sorted(k for k, v in r["values"].items() if v is not None),
                    r["reasons"],
                ]
                for r in result["rows"]
            ],
            result["rules"],
            sorted(result["reasons"]),
            [n["code"] for n in result["notes"]],
            sorted(result["summary"]),
        ],
        sort_keys=True,
    )


def test_a_diagnosis_from_a_dominance_verdict(alice: Attacker, truth: Truth) -> None:
    handle = alice.workspace()
    targets = truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)
    paddings = _paddings(truth, len(targets), {p.birth for p in targets})
    right = withheld = 0
    shapes: dict[str, list[bool]] = {}
    totals: list[float | None] = []
    for i, (person, padding) in enumerate(zip(targets, paddings, strict=True)):
        alice.steps(
            handle,
            [
                {"generate": f"v{i}", "expr": "0"},
                {"replace": f"v{i}", "expr": "1", "if": padding},
                {"replace": f"v{i}", "expr": "1000000", "if": f"({person.expr()}) and kreft"},
            ],
        )
        response = alice.ask(
            handle, "tabulate", {"vars": ["alle"], "summarize": f"v{i}", "stats": ["sum"]}
        )
        shapes.setdefault(_shape(response), []).append(person.kreft)
        total = None
        if response.status_code == 200:
            found = response.get_json()["results"][0]["result"]["rows"]
            cell = [r["values"]["sum"] for r in found if r["labels"] == ["1"]]
            total = None if not cell or cell[0] is None else float(cell[0])
        totals.append(total)
        # Read by value too: a published sum far above the fifteen is the 10⁶.
        guess = total is None or total > 1000
        withheld += total is None
        right += guess == person.kreft
    report(
        "a diagnosis from a dominance verdict (15 known at 1, the target at 10⁶ if diagnosed)",
        right=right,
        of=len(targets),
        withheld=withheld,
        shapes=len(shapes),
        totals=[None if t is None else round(t, 1) for t in totals],
        statuses=alice.statuses,
    )
    # One shape for every target, diagnosed or not: nothing but the numbers differs.
    assert len(shapes) == 1, shapes
    assert right <= len(targets) * 3 // 4
