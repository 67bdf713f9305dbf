"""Sums of a 0/1 variable in a table: such a sum is a count (of the units whose value is 1),
but it was perturbed as a magnitude, whose noise scales with the largest contributions: for
contributions of 1 its standard deviation is about 0.57, against a count's √3 = 1.73 (V = 3).
An attacker pads the units they want counted with 15 known people (a variable 1 for them),
so magnitude-support passes whatever the rest holds, and reads the sum less 15: a person's
diagnosis (1 or 0), or a count a frequency table suppresses (1 to 9). Each padding is new
(other known people), so no sum is near a registered one and each is answered afresh.

Judged by the attacker's own error over the targets: the root mean square of (sum − 15)
less the truth must be at least a count's noise would give (1.0: a count's is 1.73, and the
figure of 16 draws of it falls below 0.9 about twice in 10³). The share of diagnoses guessed
right (sum − 15 > 0.5) is printed beside it: a coin gets half. Figures before and after in
tests/red_team/README.md."""

from __future__ import annotations

import collections
import math

from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoiseParameters
from tests.red_team.conftest import Attacker, Truth, _rows, report
from tests.red_team.support import born_on

PROBES = 8  # targets with a diagnosis, and as many without
PADDING = 15
ROUNDS = 2  # paddings per suppressed count


def _rms(errors: list[float]) -> float:
    return math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else float("inf")


def _paddings(truth: Truth, n: int, skip: set[str]) -> list[str]:
    """n conditions, each naming 15 known people (a birth date each), no one in two."""
    people = truth.by_birth(n * PADDING, skip=skip)
    return [born_on(people[i * PADDING : (i + 1) * PADDING]) for i in range(n)]


def _padded_sums(
    alice: Attacker, truth: Truth, values: list[str] | None = None
) -> tuple[list[float], int, int]:
    """Per target Σ v, v = 1 for 15 known people (or `values`, one per padder) and 1 for the
    target if diagnosed: the errors of (sum − Σ padding) against the diagnosis, how many
    were guessed right and how many answered."""
    handle = alice.workspace()
    targets = truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)
    paddings = _paddings(truth, len(targets), {p.birth for p in targets})
    people = truth.by_birth(len(targets) * PADDING, skip={p.birth for p in targets})
    errors: list[float] = []
    right = 0
    for i, (person, padding) in enumerate(zip(targets, paddings, strict=True)):
        steps = [{"generate": f"v{i}", "expr": "0"}]
        known = 0.0
        if values is None:
            steps.append({"replace": f"v{i}", "expr": "1", "if": padding})
            known = float(PADDING)
        else:
            mine = people[i * PADDING : (i + 1) * PADDING]
            for p, value in zip(mine, values, strict=True):
                steps.append(
                    {"replace": f"v{i}", "expr": value, "if": f'fodselsdato == date("{p.birth}")'}
                )
                known += float(value)
        steps.append({"replace": f"v{i}", "expr": "1", "if": f"({person.expr()}) and kreft"})
        alice.steps(handle, steps)
        total = alice.sum_of(handle, f"v{i}")
        if total is None:
            continue
        estimate = total - known
        errors.append(estimate - float(person.kreft))
        right += (estimate > 0.5) == person.kreft
    return errors, right, len(errors)


def test_a_diagnosis_from_a_padded_sum_of_a_0_1_variable(alice: Attacker, truth: Truth) -> None:
    errors, right, answered = _padded_sums(alice, truth)
    report(
        "a diagnosis from a padded sum of 0/1 (15 known people at 1)",
        answered=answered,
        of=2 * PROBES,
        right=right,
        rms_error=round(_rms(errors), 3),
        errors=[round(e, 2) for e in errors[:8]],
    )
    assert answered >= PROBES, "the sums must be answered"
    assert _rms(errors) >= 0.9


def test_a_diagnosis_from_a_sum_padded_with_nearly_equal_values(
    alice: Attacker, truth: Truth
) -> None:
    """The same with padders at 1.00, 1.01, …, 1.14: not one value, but nearly equal ones,
    so a count all the same: its noise is at least a count's times the values' level
    (magnitudes.level_floor; before, a magnitude's, sd 0.65: 11 of 16 right, error 0.75)."""
    errors, right, answered = _padded_sums(
        alice, truth, [f"{1 + j / 100:.2f}" for j in range(PADDING)]
    )
    report(
        "a diagnosis from a sum padded with nearly equal values (1.00-1.14)",
        answered=answered,
        of=2 * PROBES,
        right=right,
        rms_error=round(_rms(errors), 3),
    )
    assert answered >= PROBES and _rms(errors) >= 1.0


SMALL = 100  # padders at 0.1 below a target at 1
CAP = 2 * 0.1  # magnitude-noise's cap: twice the (smoothed) 25th largest, 0.1 either way


def test_a_diagnosis_as_the_top_value_above_small_padders(alice: Attacker, truth: Truth) -> None:
    """Around the level floor: 100 known people at 0.1 and the target at 1 if diagnosed.
    The values are not nearly equal (the level 0.11 is a ninth of the largest), the top two
    hold a tenth of the total (no dominance), and the target alone is the top contribution.
    Before, the noise was scaled by the top (sd 0.5 if diagnosed, the floor's 0.17 if not):
    14 of 16 right, error 0.44 (a strict xfail). Now each contribution is capped at about
    twice the cell's 25th largest (a padder's 0.1 in both worlds: the target cannot move
    it) and the noise is a count's at that cap (sd 1.73 · 0.2): the target moves the sum
    by 0.2.

    The attacker knows the rule and reads the diagnosis as (sum − 10) / 0.2, which is
    unbiased; its error must be at least a count's noise would give (1.0, as for the 0/1
    sums above: a count's is 1.73). The naive reading, sum − 10, is printed beside it."""
    handle = alice.workspace()
    targets = truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)
    people = truth.by_birth(len(targets) * SMALL, skip={p.birth for p in targets})
    errors: list[float] = []
    naive: list[float] = []
    right = 0
    for i, person in enumerate(targets):
        mine = people[i * SMALL : (i + 1) * SMALL]
        steps = [{"generate": f"s{i}", "expr": "0"}]
        for j in range(0, SMALL, 25):  # expressions are at most 2,000 characters
            steps.append({"replace": f"s{i}", "expr": "0.1", "if": born_on(mine[j : j + 25])})
        steps.append({"replace": f"s{i}", "expr": "1", "if": f"({person.expr()}) and kreft"})
        alice.steps(handle, steps)
        total = alice.sum_of(handle, f"s{i}")
        if total is None:
            continue
        naive.append(total - SMALL * 0.1 - float(person.kreft))
        estimate = (total - SMALL * 0.1) / CAP
        errors.append(estimate - float(person.kreft))
        right += (estimate > 0.5) == person.kreft
    report(
        "a diagnosis as the top value above 100 padders at 0.1",
        answered=len(errors),
        of=2 * PROBES,
        right=right,
        rms_error=round(_rms(errors), 3),
        naive_rms_error=round(_rms(naive), 3),
        errors=[round(e, 2) for e in errors],
    )
    assert len(errors) >= PROBES, "the sums must be answered"
    assert right < len(errors) and _rms(errors) >= 1.0


def _small_cells(n: int) -> list[tuple[str, str, int]]:
    """(kommune, sex, diagnosed) of n cells whose count of the diagnosed is 3 to 8: a
    frequency table suppresses them."""
    kommune = {r[0]: r[1] for r in _rows("BEFOLKNING_BOSTED_KOMMUNE") if r[2] == "2020-01-01"}
    sex = {r[0]: r[1] for r in _rows("BEFOLKNING_KJOENN")}
    case_person = {r[0]: r[1] for r in _rows("KRG_PERSON")}
    diagnosed = {
        case_person[r[0]]
        for r in _rows("KRG_DIAGNOSEDATO")
        if "2015-01-01" <= r[1] <= "2020-12-31" and r[0] in case_person
    }
    counts = collections.Counter(
        (kommune[i], sex[i]) for i in diagnosed if kommune.get(i, "9999") != "9999" and i in sex
    )
    found = sorted((k, s, c) for (k, s), c in counts.items() if 3 <= c <= 8)
    return found[:: max(1, len(found) // n)][:n]


def test_a_suppressed_count_from_padded_sums(alice: Attacker, truth: Truth) -> None:
    """The diagnosed of a municipality and sex (3 to 8: suppressed in a frequency table),
    each counted as a sum of a 0/1 variable padded with 15 known people, two paddings
    per cell averaged, 8 cells."""
    cells = _small_cells(8)
    handle = alice.workspace()
    paddings = _paddings(truth, ROUNDS * len(cells), set())
    errors: list[float] = []
    for c, (kommune, sex, true) in enumerate(cells):
        readings = []
        for r in range(ROUNDS):
            name = f"c{c}_{r}"
            alice.steps(
                handle,
                [
                    {"generate": name, "expr": "0"},
                    {"replace": name, "expr": "1", "if": paddings[ROUNDS * c + r]},
                    {
                        "replace": name,
                        "expr": "1",
                        "if": f'kommune == "{kommune}" and kjonn == "{sex}" and kreft',
                    },
                ],
            )
            total = alice.sum_of(handle, name)
            if total is not None:
                readings.append(total - PADDING)
        if readings:
            errors.append(sum(readings) / len(readings) - true)
    report(
        "a suppressed count (3-8) from padded sums of 0/1, two paddings averaged",
        cells=len(cells),
        answered=len(errors),
        rms_error=round(_rms(errors), 3),
        errors=[round(e, 2) for e in errors],
    )
    assert errors, "the sums must be answered"
    # Two paddings averaged: a count's noise leaves 1.73/√2 = 1.22 (the root mean square
    # of 8 cells below 0.45 about twice in 10³); before, 0.57/√2 = 0.40.
    assert _rms(errors) >= 0.45


NOISE = MagnitudeNoiseParameters()
# Known people at 1 just above the cap's rank in a cell of more than cap_rank units (the
# middle of its cap_rank largest: 100), beside 100 at 0.01.
GAP = max(NOISE.cap_min_rank, (NOISE.cap_rank + 1) // 2) - 1


def test_a_diagnosis_across_a_gap_at_the_cap(alice: Attacker, truth: Truth) -> None:
    """Against a cap read from one rank: 24 known people at 1, 100 at 0.01, and the target
    at 1 if diagnosed, so the target decides whether the 25th largest is a 1 or a 0.01.
    With the cap at twice the 25th largest alone (at twice the 10th and 9 known people it
    read 16 of 16: the sum 11 ± 3.5 or 1.18 ± 0.035) the sum would be GAP + 2 ± 3.5 or
    about 1.5 ± 0.035, read as sum > 5. Smoothed (twice the largest of x_(j) / γ^(a−j)),
    the cap is 2 or 2/γ: the sum GAP + 2 ± 3.5 or GAP + 1 ± 1.73 · 2/γ, read as
    sum > GAP + 1.5. Both readings are counted. Before 2026-12-07 (γ = 2, a = 25): 24
    known at 1."""
    handle = alice.workspace()
    targets = truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)
    each = GAP + SMALL
    people = truth.by_birth(len(targets) * each, skip={p.birth for p in targets})
    right = level = answered = 0
    readings: list[float] = []
    for i, person in enumerate(targets):
        mine = people[i * each : (i + 1) * each]
        steps = [{"generate": f"g{i}", "expr": "0"}]
        for j in range(0, SMALL, 25):
            steps.append(
                {"replace": f"g{i}", "expr": "0.01", "if": born_on(mine[GAP + j : GAP + j + 25])}
            )
        for j in range(0, GAP, 25):
            steps.append(
                {"replace": f"g{i}", "expr": "1", "if": born_on(mine[j : min(j + 25, GAP)])}
            )
        steps.append({"replace": f"g{i}", "expr": "1", "if": f"({person.expr()}) and kreft"})
        alice.steps(handle, steps)
        total = alice.sum_of(handle, f"g{i}")
        if total is None:
            continue
        answered += 1
        readings.append(round(total, 3))
        right += (total > 5) == person.kreft
        level += (total > GAP + 1.5) == person.kreft
    report(
        f"a diagnosis across a gap at the cap ({GAP} known at 1, 100 at 0.01)",
        answered=answered,
        of=2 * PROBES,
        right_by_the_cap=right,
        right_by_the_level=level,
        readings=readings,
    )
    assert answered >= PROBES, "the sums must be answered"
    assert right < answered and level < answered


TINY = 0.0003  # everyone's value below a target at 1: the top two hold a sixth of the total


def test_a_diagnosis_as_an_outlier_above_everyone(alice: Attacker, truth: Truth) -> None:
    """Against a cap smoothed over the 10 largest (twice the largest of x_(j) / 2^(10−j)): a
    target at 1 if diagnosed above everyone at p ≈ 0.0003 (the top two a sixth of the
    total: no dominance) would raise the cap from 2p to 2/512 = 0.0039, and the noise with
    it. Each target's p is its own (so no two sums are near as pair sets), read as sum / p:
    N ± 3.5 if not diagnosed, N + 13 ± 22 if diagnosed; the median over the targets stands
    for N, and a reading more than 8 from it says "diagnosed". The cap of twice the 10th
    largest is 2p in both worlds (the target moves the sum by 2p, noise sd 3.5p)."""
    handle = alice.workspace()
    targets = truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)
    found: list[tuple[float, bool]] = []
    for i, person in enumerate(targets):
        p = TINY * (1 + i / 50)
        alice.steps(
            handle,
            [
                {"generate": f"o{i}", "expr": repr(p)},
                {"replace": f"o{i}", "expr": "1", "if": f"({person.expr()}) and kreft"},
            ],
        )
        total = alice.sum_of(handle, f"o{i}")
        if total is not None:
            found.append((total / p, person.kreft))
    readings = sorted(r for r, _ in found)
    centre = readings[len(readings) // 2] if readings else 0.0
    right = sum((abs(r - centre) > 8) == kreft for r, kreft in found)
    report(
        "a diagnosis as an outlier above everyone at 0.0003",
        answered=len(found),
        of=2 * PROBES,
        right=right,
        readings=[round(r - centre, 1) for r, _ in found],
    )
    assert len(found) >= PROBES, "the sums must be answered"
    assert right < len(found)
