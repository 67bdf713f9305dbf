"""Group counts averaged inside one variable (aggregation, averaging; issue 13 item 6 (c),
the counts' form): the exposure ledger charges what group sums, means, sds and smoothed
extremes tell about values (test_exposure_evasions), but a group count's noise is the
count's own (cell key noise of its units), charged nowhere. Many counts over sets that
differ by a target's presence and by padders of known people, each a fresh draw, averaged
in one derived variable and read as one label, tell the target's presence."""

from __future__ import annotations

import numpy as np
import pytest

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.test_exposure_evasions import _dates

TARGETS = 4  # with a diagnosis, and as many without
COUNTS = 140  # padded counts of one target in one aggregation (a workspace holds 300)
POOL = 60  # known people the padders are drawn from
PADDERS = 20  # in each count


@pytest.mark.xfail(
    strict=True,
    reason="group counts are perturbed at step time by the cell keys of their units and "
    "charged nowhere: 140 padded counts averaged in one label tell a diagnosis (8 of 8; "
    "2026-12-06)",
)
def test_padded_group_counts_averaged_in_one_variable(alice: Attacker, truth: Truth) -> None:
    """Per target one workspace: c_k = count by `alle` of a variable that is 1 for 20 known
    people drawn afresh for each k from 60 (sets ~27 units apart: fresh cell keys, beyond
    the differencing guard's reach) and for the target if diagnosed, missing for everyone
    else; w = mean of c_k − 20, read as its label; diagnosed if w > 0.5. Each count has
    noise of sd ~1.7 (the count table's), 140 of them ~0.15. FAILS when at most 6 of the 8
    targets are guessed right (a coin gets 7 or 8 in 3.5 % of runs)."""
    targets = truth.targets(TARGETS, kreft=True) + truth.targets(TARGETS, kreft=False)
    # A pool of its own per target: the group counts are registered in the shared ledger,
    # and counts over another target's pool a few units away would get that target's.
    everyone = truth.by_birth(POOL * len(targets), skip={p.birth for p in targets}, offset=400)
    rng = np.random.default_rng(2029)
    right = answered = 0
    estimates: list[float] = []
    for i, person in enumerate(targets):
        known = everyone[i * POOL : (i + 1) * POOL]
        steps: list[dict[str, object]] = []
        counts: dict[str, list[str]] = {}
        for k in range(COUNTS):
            chosen = [known[i] for i in sorted(rng.choice(POOL, PADDERS, replace=False))]
            steps += [
                {"generate": f"v{k}", "expr": "1", "if": _dates(chosen)},
                {"replace": f"v{k}", "expr": "1", "if": f"({person.expr()}) and kreft"},
            ]
            counts[f"c{k}"] = ["count", f"v{k}"]
        steps.append({"aggregate": counts, "by": "alle"})
        parts = []  # an expression holds ~2,000 characters: partial sums of 50
        for j, start in enumerate(range(0, COUNTS, 50)):
            terms = " + ".join(f"c{k}" for k in range(start, min(start + 50, COUNTS)))
            steps.append({"generate": f"t{j}", "expr": terms})
            parts.append(f"t{j}")
        steps.append({"generate": "w", "expr": f"({' + '.join(parts)}) / {COUNTS} - {PADDERS}"})
        handle = alice.workspace(steps)
        label = alice.label(handle, "w")
        if label is None:
            continue
        answered += 1
        estimates.append(float(label))
        right += (float(label) > 0.5) == person.kreft
    report(
        "padded group counts averaged in one variable",
        right=right,
        answered=answered,
        of=len(targets),
        estimates=[round(x, 2) for x in estimates],
        requests=alice.requests,
    )
    assert alice.statuses.get(200, 0) > 0
    assert right <= 6
