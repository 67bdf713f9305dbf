"""Group sums of a 0/1 variable averaged in one label (aggregation, averaging): the form of
test_group_count_averaging that a group count's input price does not reach. A sum of 0/1
values is a count of its 1s, but a group sum gets magnitude noise (sd about 0.57 for
contributions of 1: docs/OUTPUT_CONTROL.md §12) rather than count noise (sd 1.7), is one
input (group counts are COUNT_INPUTS), and tells each contributor (1/0.57)² ≈ 3 of the
exposure allowance of 100 (group_values.py), so a few sums of one target stay under it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.red_team.conftest import Attacker, Person, Truth, report
from tests.red_team.test_exposure_evasions import _dates

PER_PROJECT = 2  # targets with a diagnosis per project, and as many without
SUMS = 8  # padded sums of one target in one label
POOL = 60  # known people the padders are drawn from, a pool per target
PADDERS = 20


def _padded_sums(person: Person, known: list[Person], seed: int) -> list[dict[str, object]]:
    """v_k = 1 for PADDERS known people drawn afresh from `known` and for the target if
    diagnosed, 0 for everyone else; s_k = sum of v_k by `alle`; w = their mean less
    PADDERS."""
    rng = np.random.default_rng(seed)
    steps: list[dict[str, object]] = []
    stats: dict[str, list[str]] = {}
    for k in range(SUMS):
        chosen = [known[i] for i in sorted(rng.choice(len(known), PADDERS, replace=False))]
        steps += [
            {"generate": f"v{k}", "expr": "0"},
            {"replace": f"v{k}", "expr": "1", "if": _dates(chosen)},
            {"replace": f"v{k}", "expr": "1", "if": f"({person.expr()}) and kreft"},
        ]
        stats[f"s{k}"] = ["sum", f"v{k}"]
    steps.append({"aggregate": stats, "by": "alle"})
    terms = " + ".join(f"s{k}" for k in range(SUMS))
    steps.append({"generate": "w", "expr": f"({terms}) / {SUMS} - {PADDERS}"})
    return steps


@pytest.mark.xfail(
    strict=True,
    reason="a group sum of a 0/1 variable is a count under magnitude noise (sd 0.57) and one "
    "input: 8 padded sums of one target in one label tell its diagnosis (2026-12-06)",
)
def test_padded_group_sums_of_a_diagnosis_averaged(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """Per target one workspace and one label: w = mean of 8 padded group sums of a 0/1
    variable less 20; diagnosed if w > 0.5. Two projects, each 2 targets with a diagnosis
    and 2 without (40 inputs a project). FAILS when at most 6 of the 8 targets are guessed
    right (a coin gets 7 or 8 in 3.5 % of runs)."""
    people = truth.targets(2 * PER_PROJECT, kreft=True) + truth.targets(
        2 * PER_PROJECT, kreft=False
    )
    everyone = truth.by_birth(POOL * len(people), skip={p.birth for p in people}, offset=400)
    right = answered = 0
    estimates: list[float | None] = []
    for i, person in enumerate(people):
        attacker = alice if i % 2 == 0 else bob
        known = everyone[i * POOL : (i + 1) * POOL]
        handle = attacker.workspace(_padded_sums(person, known, 2040 + i))
        label = attacker.label(handle, "w")
        estimates.append(None if label is None else round(float(label), 2))
        if label is None:
            continue
        answered += 1
        right += (float(label) > 0.5) == person.kreft
    report(
        "padded group sums of a 0/1 averaged in one label",
        right=right,
        answered=answered,
        of=len(people),
        estimates=estimates,
        diagnosed=[p.kreft for p in people],
        requests=alice.requests + bob.requests,
    )
    assert alice.statuses.get(200, 0) > 0 and bob.statuses.get(200, 0) > 0
    assert right <= 6
