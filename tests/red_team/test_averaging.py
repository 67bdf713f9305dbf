"""Averaging: many differently worded questions whose noise is independent, averaged until
the noise is gone. The same table asked many ways (names, copies, order), a target's wage
from many scaled copies (the target the largest contribution of a population of small
earners), and a suppressed count from many differently padded tables (case 22)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tests.red_team.conftest import Attacker, Person, Truth, report, value
from tests.test_accounts_support import World


def test_one_table_asked_fifty_ways(alice: Attacker) -> None:
    """Copies and renames of one variable, dimensions in either order: one answer."""
    handle = alice.workspace()
    answers: set[float | None] = set()
    for i in range(25):
        alice.steps(handle, [{"generate": f"k{i}", "expr": "kreft"}])
        results = alice.table(handle, {"vars": [f"k{i}"]})
        assert results is not None
        answers.add(value(results[0], ["true"], "count"))
        pair = alice.table(handle, {"vars": [f"k{i}", "kjonn"] if i % 2 else ["kjonn", f"k{i}"]})
        assert pair is not None
        labels = ["true", "1"] if i % 2 else ["1", "true"]
        answers.add(-1 - (value(pair[0], labels, "count") or 0))  # another cell, kept apart
    report("one table asked 50 ways", distinct_answers=len(answers))
    assert len(answers) == 2  # one value per cell, whatever the wording


def average_scaled_copies(
    attackers: list[Attacker], person: Person, copies: int
) -> tuple[float | None, int]:
    """Population: earners of at most 50,000 plus the target, so the target is the largest
    contribution and its noise the only large one. One sum without the target first, then
    Σ c_k·y / c_k for up to `copies` factors c_k (each with fresh noise) per attacker, until
    the service refuses; the average minus the sum without. Returns (estimate, sums used)."""
    population = f"(lonn >= 0 and lonn <= 50000) or ({person.expr()})"
    first = attackers[0]
    handle = first.workspace(
        [
            {"keep_if": population},
            {"generate": "uten", "expr": "lonn"},
            {"replace": "uten", "expr": "0", "if": person.expr()},
        ]
    )
    without = first.sum_of(handle, "uten")
    if without is None:
        return None, 0
    usable: list[float] = []
    for a, attacker in enumerate(attackers):
        mine = handle if a == 0 else attacker.workspace([{"keep_if": population}])
        factors = [1 + (len(attackers) * k + a) / 7 for k in range(copies)]
        attacker.steps(
            mine, [{"generate": f"c{k}", "expr": f"lonn * {c}"} for k, c in enumerate(factors)]
        )
        for k, c in enumerate(factors):
            total = attacker.sum_of(mine, f"c{k}")
            if total is None:
                break  # refused (the budget): a careful attacker stops paying
            usable.append(total / c)
    if not usable:
        return None, 0
    return float(np.mean(usable)) - without, len(usable)


STRENGTH = 0.5  # magnitude-noise's strength, which every result lists with its rules


def judge_averaging(title: str, person: Person, estimate: float | None, n: int) -> bool:
    """Each sum carries noise of sd at least STRENGTH times the target's wage (its largest
    contribution), independent from sum to sum: after n sums the attacker's standard error
    is STRENGTH/√n of the wage, whatever this run's draw. The attack FAILS when the service
    stops it while that is still 5 % or more (n ≤ 100), or its estimate is 5 % or more off."""
    standard_error = STRENGTH / math.sqrt(n) if n else math.inf
    error = (
        math.inf if estimate is None else abs(estimate - (person.wage or 0)) / (person.wage or 1)
    )
    report(
        title,
        sums_answered=n,
        standard_error=round(standard_error, 3),
        rel_error=round(error, 3),
    )
    return standard_error >= 0.05 or error >= 0.05


def test_averaging_scaled_copies_of_a_dominant_target(alice: Attacker, truth: Truth) -> None:
    """Up to 150 scaled copies, the whole budget on one target."""
    person = truth.targets(1, min_wage=300_000)[0]
    estimate, n = average_scaled_copies([alice], person, 150)
    assert judge_averaging("averaging scaled copies (one project)", person, estimate, n)


def _suppressed_group(truth: Truth) -> tuple[str, int]:
    """A group the attacker can describe (municipality and sex) whose count of diagnosed
    people is 3-9: the suppressed count they want. Not in Oslo (the padding)."""
    groups: dict[tuple[str, str], int] = {}
    for p in truth.people:
        if p.kommune != "0301" and p.kreft:
            groups[(p.kommune, p.sex)] = groups.get((p.kommune, p.sex), 0) + 1
    (kommune, sex), count = max(
        ((k, c) for k, c in groups.items() if 3 <= c <= 9), key=lambda kc: (kc[1], kc[0])
    )
    return f'kommune == "{kommune}" and kjonn == "{sex}" and kreft', count


def padded_rounds(attackers: list[Attacker], truth: Truth, rounds: int) -> None:
    """Case 22. With A, B two independent random halves of Oslo and G the hidden group,
    |A∪G| + |B∪G| − |A∪B| − |A∩B| = 2·|G|; every set is hundreds of units from the others.
    Rounds are shared out among the attackers; each stops at its first refusal."""
    group, true_count = _suppressed_group(truth)
    estimates: list[float] = []
    for a, attacker in enumerate(attackers):
        handle = attacker.workspace(
            [
                {"generate": "g", "expr": group},
                {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
            ]
        )
        for i in range(a, rounds, len(attackers)):
            p, q, s = 7 + 2 * i, 8 + 2 * i, 3 * i
            in_a = f'kommune == "0301" and d - int(d / {p}) * {p} < {p} / 2'
            in_b = f'kommune == "0301" and (d + {s}) - int((d + {s}) / {q}) * {q} >= {q} / 2'
            attacker.steps(
                handle,
                [
                    {"generate": f"ag{i}", "expr": f"({in_a}) or g"},
                    {"generate": f"bg{i}", "expr": f"({in_b}) or g"},
                    {"generate": f"aub{i}", "expr": f"({in_a}) or ({in_b})"},
                    {"generate": f"anb{i}", "expr": f"({in_a}) and ({in_b})"},
                ],
            )
            counts = []
            for v in ("ag", "bg", "aub", "anb"):
                counts.append(attacker.count_of(handle, [f"{v}{i}"], ["true"]))
                if counts[-1] is None:
                    break
            if len(counts) < 4 or None in counts:
                break  # refused: stop paying
            ag, bg, aub, anb = (c or 0 for c in counts)
            estimates.append((ag + bg - aub - anb) / 2)
    n = len(estimates)
    estimate = float(np.mean(estimates)) if estimates else None
    # Each round's estimate has variance 4·V/4 = V = 3 (the count noise's variance, which
    # every result states): the attacker's standard error after n rounds is √(3/n).
    standard_error = math.sqrt(3 / n) if n else math.inf
    report(
        f"case 22: averaging padded tables ({len(attackers)} project(s))",
        rounds_answered=n,
        estimate=None if estimate is None else round(estimate, 2),
        true=true_count,
        standard_error=round(standard_error, 2),
    )
    # Case 22's bound: stopped while the attacker's 95 % interval still spans at least
    # three counts (standard error ≥ 0.5), or the estimate's error is at least 1.
    assert standard_error >= 0.5 or estimate is None or abs(estimate - true_count) >= 1


def test_averaging_padded_tables_recovers_a_suppressed_count(alice: Attacker, truth: Truth) -> None:
    padded_rounds([alice], truth, 40)


@pytest.mark.xfail(
    strict=True,
    reason="case 22 split over two projects: each budget pays for 12 rounds, together 24 "
    "pin the suppressed count (standard error 0.35, estimate within 1)",
)
def test_averaging_padded_tables_over_two_projects(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    padded_rounds([alice, bob], truth, 40)


def partition_padding(attackers: list[Attacker], truth: Truth, parts: int) -> None:
    """Case 22 with the padding that needs the fewest questions: a table of `kommune` gives
    |Oslo| (a table everybody asks for), then one new derived variable per part,
    x_j = (in Oslo and d mod m = j) or g, and its table, the parts shared out among the
    attackers. The parts are disjoint, so (Σ_j |x_j| − |Oslo|)/m = |G| plus the noise of
    m + 1 counts over m: variance V(m + 1)/m² for count noise of variance V (which every
    result states). With V = 3 that is below a quarter (standard error 0.5) from m = 13 on:
    fewer questions than a study's inputs, so no budget a study fits in stops it."""
    group, true_count = _suppressed_group(truth)
    counts: list[float] = []
    oslo: int | None = None
    spent: list[int] = []
    variance = 0.0
    for a, attacker in enumerate(attackers):
        handle = attacker.workspace(
            [
                {"generate": "g", "expr": group},
                {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
            ]
        )
        if oslo is None:
            found = attacker.ask(handle, "tabulate", {"vars": ["kommune"]})
            assert found.status_code == 200
            oslo_count = value(found.get_json()["results"][0], ["0301"], "count")
            assert oslo_count is not None
            oslo = int(oslo_count)
            variance = next(
                float(dict(r["parameters"])["variance"])
                for r in found.get_json()["results"][0]["result"]["rules"]
                if r["code"] == "cell-key-noise"
            )
        for j in range(a, parts, len(attackers)):
            part = f'kommune == "0301" and d - int(d / {parts}) * {parts} == {j}'
            attacker.steps(handle, [{"generate": f"x{j}", "expr": f"({part}) or g"}])
            response = attacker.ask(handle, "tabulate", {"vars": [f"x{j}"]})
            if response.status_code != 200:
                break  # refused: the sum over the parts is incomplete
            found_part = value(response.get_json()["results"][0], ["true"], "count")
            if found_part is None:
                break
            counts.append(found_part)
        spent.append(
            int(
                attacker.ask(handle, "tabulate", {"vars": ["kommune"]}).get_json()["budget"][
                    "spent"
                ]
            )
        )
    complete = len(counts) == parts and oslo is not None
    estimate = (sum(counts) - (oslo or 0)) / parts if complete else None
    standard_error = math.sqrt(variance * (parts + 1)) / parts if complete else math.inf
    report(
        f"case 22: a partition padded with the group ({len(attackers)} project(s))",
        count_variance=variance,
        parts_answered=len(counts),
        points_spent=spent,
        estimate=None if estimate is None else round(estimate, 2),
        true=true_count,
        standard_error=round(standard_error, 2),
    )
    assert standard_error >= 0.5 or estimate is None or abs(estimate - true_count) >= 1


@pytest.mark.xfail(
    strict=True,
    reason="case 22 by a partition: m disjoint parts A_j of Oslo, each padded with the "
    "hidden group G, one count each; Σ|A_j ∪ G| − |Oslo| = m·|G|, every set hundreds of "
    "units from the others. 40 parts cost one project under 40,000 of its 50,000 points "
    "(a realistic study uses 30 inputs; this needs 40) and give a standard error of 0.28",
)
def test_averaging_a_partition_padded_with_the_group(alice: Attacker, truth: Truth) -> None:
    """One project, 40 parts (what its budget affords with room to spare)."""
    partition_padding([alice], truth, 40)


def test_a_larger_count_noise_stops_the_partition_in_two_projects(
    alice: Attacker, bob: Attacker, truth: Truth, world: World
) -> None:
    """What would answer case 22 (docs/OUTPUT_CONTROL.md §12), as a steward's setting: count
    noise of variance 23 (D = 10). Both budgets on one partition, 46 parts each (what a
    budget affords): 92 counts leave a standard error of √(23·93)/92 = 0.50."""
    folder = world.ctx.config.output_control_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "no.regcat.demo.json").write_text(
        json.dumps(
            {
                "format": "regcat-output-control-parameters/1",
                "rules": {"cell-key-noise": {"max_noise": 10, "variance": 23.0}},
            }
        ),
        encoding="utf-8",
    )
    partition_padding([alice, bob], truth, 92)
