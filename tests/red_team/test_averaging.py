"""Averaging: many differently worded questions whose noise is independent, averaged until
the noise is gone. The same table asked many ways (names, copies, order), a target's wage
from many scaled copies (the target the largest contribution of a population of small
earners), and a suppressed count from many differently padded tables (case 22)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.red_team.conftest import Attacker, Score, Truth, report, value


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


@pytest.mark.xfail(
    strict=True,
    reason="averaging scaled copies: 60 sums of c·y over small earners plus the target "
    "average the target's noise away (median error ~3 %, 3 targets)",
)
def test_averaging_scaled_copies_of_a_dominant_target(alice: Attacker, truth: Truth) -> None:
    """Population: earners of at most 50,000 plus the target, so the target is the
    largest contribution and its noise the only large one. Σ c_k·y / c_k for 60 factors
    c_k, each with fresh noise, averaged; minus one sum without the target."""
    targets = truth.targets(3, min_wage=300_000)
    score = Score("averaging 60 scaled copies")
    for person in targets:
        handle = alice.workspace(
            [{"keep_if": f"(lonn >= 0 and lonn <= 50000) or ({person.expr()})"}]
        )
        factors = [1 + k / 7 for k in range(60)]
        alice.steps(
            handle,
            [{"generate": f"c{k}", "expr": f"lonn * {c}"} for k, c in enumerate(factors)]
            + [
                {"generate": "uten", "expr": "lonn"},
                {"replace": "uten", "expr": "0", "if": person.expr()},
            ],
        )
        with_target = [alice.sum_of(handle, f"c{k}") for k in range(len(factors))]
        without = alice.sum_of(handle, "uten")
        usable = [s / c for s, c in zip(with_target, factors, strict=True) if s is not None]
        if not usable or without is None:
            score.add(None, person.wage or 0)
            continue
        score.add(float(np.mean(usable)) - without, person.wage or 0)
    assert score.failed()


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


@pytest.mark.xfail(
    strict=True,
    reason="case 22: a suppressed count recovered exactly from 40 rounds of padded tables "
    "(160 tables): the budget does not stop it and each round's noise is fresh",
)
def test_averaging_padded_tables_recovers_a_suppressed_count(alice: Attacker, truth: Truth) -> None:
    """With A, B two independent random halves of Oslo and G the hidden group,
    |A∪G| + |B∪G| − |A∪B| − |A∩B| = 2·|G|; every set is hundreds of units from the others."""
    group, true_count = _suppressed_group(truth)
    handle = alice.workspace(
        [
            {"generate": "g", "expr": group},
            {"generate": "d", "expr": 'fodselsdato - date("1900-01-01")'},
        ]
    )
    rounds, estimates, refused = 40, [], 0
    for i in range(rounds):
        p, q = 7 + 2 * i, 8 + 2 * i
        in_a = f'kommune == "0301" and d - int(d / {p}) * {p} < {p} / 2'
        s = 3 * i
        in_b = f'kommune == "0301" and (d + {s}) - int((d + {s}) / {q}) * {q} >= {q} / 2'
        alice.steps(
            handle,
            [
                {"generate": f"ag{i}", "expr": f"({in_a}) or g"},
                {"generate": f"bg{i}", "expr": f"({in_b}) or g"},
                {"generate": f"aub{i}", "expr": f"({in_a}) or ({in_b})"},
                {"generate": f"anb{i}", "expr": f"({in_a}) and ({in_b})"},
            ],
        )
        counts = [alice.count_of(handle, [f"{v}{i}"], ["true"]) for v in ("ag", "bg", "aub", "anb")]
        if None in counts:
            refused += 1
            continue
        ag, bg, aub, anb = (c or 0 for c in counts)
        estimates.append((ag + bg - aub - anb) / 2)
    estimate = float(np.mean(estimates)) if estimates else None
    report(
        "case 22: averaging padded tables",
        tables=4 * rounds,
        answered_rounds=len(estimates),
        refused_rounds=refused,
        estimate=None if estimate is None else round(estimate, 2),
        true=true_count,
    )
    # Case 22's bound: stopped, or the estimate's error stays at least 1.
    assert estimate is None or abs(estimate - true_count) >= 1
