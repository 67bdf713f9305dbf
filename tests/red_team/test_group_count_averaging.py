"""Group counts averaged inside one variable (aggregation, averaging; issue 13 item 6 (c),
the counts' form): the exposure ledger charges what group sums, means, sds and smoothed
extremes tell about values (test_exposure_evasions), but a group count's noise is the
count's own (cell key noise of its units), and was charged nowhere. Many counts over sets
that differ by a target's presence and by padders of known people, each a fresh draw,
averaged in one derived variable and read as one label, tell the target's presence. Since
a release pays the input fee of every group statistic the variables it names were
computed from (output_control/group_values.py), such a label costs what the same padded
tables would: the budget bounds it, as it bounds conformance case 22."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from catalogue.analysis.output_control.rules.cell_key_noise import CellKeyNoiseParameters
from tests.red_team.conftest import Attacker, Person, Truth, report
from tests.red_team.support import PopulationRefusals
from tests.red_team.test_exposure_evasions import _dates

TARGETS = 4  # with a diagnosis, and as many without
COUNTS = 140  # padded counts of one target in one aggregation (a workspace holds 300)
POOL = 60  # known people the padders are drawn from
PADDERS = 20  # in each count


def test_padded_group_counts_averaged_in_one_variable(alice: Attacker, truth: Truth) -> None:
    """Per target one workspace: c_k = count by `alle` of a variable that is 1 for 20 known
    people drawn afresh for each k from 60 (sets ~27 units apart: fresh cell keys, beyond
    the differencing guard's reach) and for the target if diagnosed, missing for everyone
    else; w = mean of c_k − 20, read as its label; diagnosed if w > 0.5. Each count has
    noise of sd ~1.7 (the count table's), 140 of them ~0.15. FAILS when at most 6 of the 8
    targets are guessed right (a coin gets 7 or 8 in 3.5 % of runs). Until a release paid
    the input fee of each group statistic it was computed from (group_values.py), 8 of 8
    (estimates 0.79-1.21 diagnosed, -0.10-0.26 not); now w's label names 142 inputs, past
    the budget, and is refused (test_padded_group_counts_within_the_budget: the bound)."""
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


def _padded_counts(
    person: Person, known: list[Person], counts: int, seed: int
) -> list[dict[str, object]]:
    """The steps of one target's workspace: `counts` padded counts by `alle` (PADDERS known
    people drawn afresh from `known` for each, and the target if diagnosed) and w, their
    mean less PADDERS."""
    rng = np.random.default_rng(seed)
    steps: list[dict[str, object]] = []
    stats: dict[str, list[str]] = {}
    for k in range(counts):
        chosen = [known[i] for i in sorted(rng.choice(len(known), PADDERS, replace=False))]
        steps += [
            {"generate": f"v{k}", "expr": "1", "if": _dates(chosen)},
            {"replace": f"v{k}", "expr": "1", "if": f"({person.expr()}) and kreft"},
        ]
        stats[f"c{k}"] = ["count", f"v{k}"]
    steps.append({"aggregate": stats, "by": "alle"})
    parts = []
    for j, start in enumerate(range(0, counts, 50)):
        terms = " + ".join(f"c{k}" for k in range(start, min(start + 50, counts)))
        steps.append({"generate": f"t{j}", "expr": terms})
        parts.append(f"t{j}")
    steps.append({"generate": "w", "expr": f"({' + '.join(parts)}) / {counts} - {PADDERS}"})
    return steps


# The counts the attacker tries in one label, most first: the 47 that fit the budget when a
# group count was one input, then fewer until one is answered.
TRIES = (47, 23, 11, 5)


def labels_within_budget(
    attackers: list[Attacker],
    truth: Truth,
    offset: int,
    steps: Callable[[int, Person, list[Person], int], list[dict[str, object]]],
) -> tuple[dict[str, float | None], dict[str, int]]:
    """One target per attacker, diagnosed ("kreft") then not ("none"), each with a pool of
    POOL known people (from the birth-date order's `offset`): the label w of the workspace
    `steps(i, target, pool, n)` for the first n of TRIES it is answered for. Per target the
    label (None: never answered) and, where answered, n."""
    people = truth.targets(1, kreft=True) + truth.targets(1, kreft=False)
    everyone = truth.by_birth(POOL * len(people), skip={p.birth for p in people}, offset=offset)
    estimates: dict[str, float | None] = {}
    answered: dict[str, int] = {}
    for i, (attacker, person) in enumerate(zip(attackers, people, strict=True)):
        known = everyone[i * POOL : (i + 1) * POOL]
        key = "kreft" if person.kreft else "none"
        estimates[key] = None
        for n in TRIES:
            handle = attacker.workspace(steps(i, person, known, n))
            label = attacker.label(handle, "w")
            if label is not None:
                estimates[key], answered[key] = float(label), n
                break
    return estimates, answered


def test_padded_group_counts_within_the_budget(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """The same attack sized to the budget: each project one target and as many padded
    counts in one label as the input fees allow, found by trying (TRIES: 47, then fewer;
    a refusal costs the refusal fee). FAILS when the attacker's standard error √(V/n)
    (V = 3, the count noise's variance; n the counts of the label answered) is 0.5 or more
    for every target answered (a diagnosis right at most 84 % of the time: case 22's bound
    on a count), or nothing is answered. While a group count was one input (the
    population, w and 47 counts: 49 inputs, 49,000 points), 47 counts were answered per
    project, labels 0.91 (diagnosed) and −0.13 (not), standard error 0.25; a group count is
    now COUNT_INPUTS = 4 inputs (group_values.statistic_inputs): 11 counts, 46 inputs."""
    variance = CellKeyNoiseParameters().variance
    estimates, counts = labels_within_budget(
        [alice, bob],
        truth,
        400,
        lambda i, person, known, n: _padded_counts(person, known, n, 2030 + i),
    )
    errors = [math.sqrt(variance / n) for n in counts.values()]
    standard_error = min(errors, default=math.inf)
    report(
        "padded group counts within the budget (one target per project)",
        counts=counts,
        estimates={k: None if v is None else round(v, 2) for k, v in estimates.items()},
        standard_error=round(standard_error, 3),
        requests=alice.requests + bob.requests,
    )
    assert alice.statuses.get(200, 0) > 0 and bob.statuses.get(200, 0) > 0
    assert standard_error >= 0.5


def test_padded_group_counts_read_through_a_filter(alice: Attacker, truth: Truth) -> None:
    """The averaged counts read not as a label but through the population: drop_if w > 0.5
    drops everyone if the 140 counts say diagnosed and nobody if not, and a table of `alle`
    is refused (min-population) or answered. Guessed two ways: diagnosed if refused at all,
    and diagnosed if refused by min-population (the refusal's code). FAILS when either
    guesses more than 6 of the 8 targets right. Until a filter on a variable carrying
    group statistics made its population carry their input fees (steps/filter.py), 8 of 8
    (a population was one input however it was made); now every table of the population
    names the 140 counts as inputs and is refused by the budget, before min-population."""
    targets = truth.targets(TARGETS, kreft=True) + truth.targets(TARGETS, kreft=False)
    everyone = truth.by_birth(POOL * len(targets), skip={p.birth for p in targets}, offset=400)
    tally = PopulationRefusals()
    for i, person in enumerate(targets):
        known = everyone[i * POOL : (i + 1) * POOL]
        steps = _padded_counts(person, known, COUNTS, 2031 + i)
        steps.append({"drop_if": "w > 0.5"})
        handle = alice.workspace(steps)
        tally.ask(alice, handle, person)
    tally.report("padded group counts read through a filter", alice)
    assert alice.statuses.get(200, 0) > 0
    assert tally.right <= 6 and tally.right_by_code <= 6
