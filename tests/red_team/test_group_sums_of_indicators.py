"""Group sums of a 0/1 variable averaged in one label (aggregation, averaging): the form of
test_group_count_averaging that a group count's input price did not reach. A sum of 0/1
values is a count of its 1s, but a group sum got magnitude noise (sd about 0.57 for
contributions of 1) rather than count noise (sd 1.7), was one input (group counts are
COUNT_INPUTS), and told each contributor (1/0.57)² ≈ 3 of the exposure allowance of 100
(group_values.py), so a few sums of one target stayed under it: 8 of 8 diagnoses.

Now every group statistic but a count has its noise multiplied by the presence factor
(group_values.presence_factor: √V / strength ≈ 3.46, a 0/1 sum's sd ≈ 1.98) and is priced
as a count (COUNT_INPUTS inputs), whatever its variable or values: a sum of a 0/1 tells a
unit's presence no more per input than a count does (group_values.py, presence)."""

from __future__ import annotations

import math

import numpy as np

from catalogue.analysis.output_control.group_values import presence_factor
from catalogue.analysis.output_control.rules.cell_key_noise import CellKeyNoiseParameters
from catalogue.analysis.output_control.rules.magnitude_noise import (
    MagnitudeNoise,
    MagnitudeNoiseParameters,
)
from tests.red_team.conftest import Attacker, Person, Truth, report
from tests.red_team.test_exposure_evasions import _dates
from tests.red_team.test_group_count_averaging import labels_within_budget

PER_PROJECT = 2  # targets with a diagnosis per project, and as many without
SUMS = 8  # padded sums of one target in one label
POOL = 60  # known people the padders are drawn from, a pool per target
PADDERS = 20


def _padded_sums(
    person: Person, known: list[Person], seed: int, sums: int = SUMS
) -> list[dict[str, object]]:
    """v_k = 1 for PADDERS known people drawn afresh from `known` and for the target if
    diagnosed, 0 for everyone else; s_k = sum of v_k by `alle`; w = their mean less
    PADDERS."""
    rng = np.random.default_rng(seed)
    steps: list[dict[str, object]] = []
    stats: dict[str, list[str]] = {}
    for k in range(sums):
        chosen = [known[i] for i in sorted(rng.choice(len(known), PADDERS, replace=False))]
        steps += [
            {"generate": f"v{k}", "expr": "0"},
            {"replace": f"v{k}", "expr": "1", "if": _dates(chosen)},
            {"replace": f"v{k}", "expr": "1", "if": f"({person.expr()}) and kreft"},
        ]
        stats[f"s{k}"] = ["sum", f"v{k}"]
    steps.append({"aggregate": stats, "by": "alle"})
    terms = " + ".join(f"s{k}" for k in range(sums))
    steps.append({"generate": "w", "expr": f"({terms}) / {sums} - {PADDERS}"})
    return steps


def test_padded_group_sums_of_a_diagnosis_averaged(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """Per target one workspace and one label: w = mean of 8 padded group sums of a 0/1
    variable less 20; diagnosed if w > 0.5. Two projects, each 2 targets with a diagnosis
    and 2 without (40 inputs a project). FAILS when at most 6 of the 8 targets are guessed
    right (a coin gets 7 or 8 in 3.5 % of runs). Before: 8 of 8, labels 0.88–1.23 and
    −0.29–0.23; now the 34 inputs of one label (2 + 4 · 8) leave each project one label,
    whose 8 sums have a standard error of 1.98 / √8 = 0.70 on its target's presence."""
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


def _sum_sd() -> float:
    """The noise sd of a group sum whose three largest contributions are 1 (a 0/1 variable
    with at least 3 ones), as an attacker who knows the configuration computes it."""
    noise = MagnitudeNoise(MagnitudeNoiseParameters())
    factor = presence_factor(CellKeyNoiseParameters().variance, noise.parameters.strength)
    return factor * math.sqrt(float(np.sum(noise.multipliers() ** 2)))


def test_padded_group_sums_within_the_budget(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """The same attack sized to the budget: each project one target and as many padded
    sums in one label as the input fees allow, found by trying (TRIES: 47, then fewer; a
    refusal costs the refusal fee). FAILS when the attacker's standard error σ/√n (σ the
    sum's noise sd as the configuration gives it, n the sums of the label answered) is
    below 0.5 for any target answered (a diagnosis right more than 84 % of the time:
    case 22's bound on a count), or nothing is answered. Before the presence factor and a
    sum's count price (σ = 0.57, one input), 47 sums fit a label: 0.57 / √47 = 0.08."""
    estimates, sums = labels_within_budget(
        [alice, bob],
        truth,
        700,
        lambda i, person, known, n: _padded_sums(person, known, 2050 + i, n),
    )
    sd = _sum_sd()
    standard_error = min((sd / math.sqrt(n) for n in sums.values()), default=math.inf)
    report(
        "padded group sums of a 0/1 within the budget (one target per project)",
        sums=sums,
        estimates={k: None if v is None else round(v, 2) for k, v in estimates.items()},
        sum_sd=round(sd, 3),
        standard_error=round(standard_error, 3),
        requests=alice.requests + bob.requests,
    )
    assert alice.statuses.get(200, 0) > 0 and bob.statuses.get(200, 0) > 0
    assert sums, "nothing answered: the test no longer measures the bound"
    assert standard_error >= 0.5
