"""A dominance verdict on a contribution the attacker makes huge on a condition: v = 1 for
15 known people (a new padding per target, so magnitude-support passes and no sum is near
a registered one) and 10⁶ for the target if diagnosed. The undiagnosed target's cell is
fifteen 1s (the top two's share 0.13, below any band dominance-nk draws), the diagnosed
one's is 10⁶ beside them (share 1.0, above any band: conformance cases 3 and 4 fix both
ends). So the sum is withheld by dominance-nk iff diagnosed: one table per target.

Figures in tests/red_team/README.md; what would close it in docs/OUTPUT_CONTROL.md §12."""

from __future__ import annotations

import pytest

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.test_indicator_sums import _paddings

PROBES = 6  # targets with a diagnosis, and as many without


@pytest.mark.xfail(
    strict=True,
    reason="a dominance verdict on exact contributions: withheld iff the target's 10⁶ is "
    "there (docs/OUTPUT_CONTROL.md §12)",
)
def test_a_diagnosis_from_a_dominance_verdict(alice: Attacker, truth: Truth) -> None:
    handle = alice.workspace()
    targets = truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)
    paddings = _paddings(truth, len(targets), {p.birth for p in targets})
    right = withheld = 0
    for i, (person, padding) in enumerate(zip(targets, paddings, strict=True)):
        alice.steps(
            handle,
            [
                {"generate": f"v{i}", "expr": "0"},
                {"replace": f"v{i}", "expr": "1", "if": padding},
                {"replace": f"v{i}", "expr": "1000000", "if": f"({person.expr()}) and kreft"},
            ],
        )
        total = alice.sum_of(handle, f"v{i}")
        # Read by value too: a published sum far above the fifteen is the 10⁶.
        guess = total is None or total > 1000
        withheld += total is None
        right += guess == person.kreft
    report(
        "a diagnosis from a dominance verdict (15 known at 1, the target at 10⁶ if diagnosed)",
        right=right,
        of=len(targets),
        withheld=withheld,
        statuses=alice.statuses,
    )
    assert right <= len(targets) * 3 // 4
