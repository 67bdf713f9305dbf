"""Linear reconstruction (Dinur & Nissim): many sums over random subsets of a few known
people, each padded with a large known group so every check passes, solved by least
squares (case 23). Over wages, and over diagnoses (counts)."""

from __future__ import annotations

import numpy as np

from tests.red_team.conftest import Attacker, Person, Score, Truth, report, within

PEOPLE = 32
QUERIES = 200
PAD = 'kommune == "0301" and lonn <= 50000'  # a known group of small earners


def _subsets(seed: int) -> np.ndarray:
    """QUERIES random halves of the 32, as rows of a 0/1 matrix."""
    rng = np.random.default_rng(seed)
    return (rng.random((QUERIES, PEOPLE)) < 0.5).astype(int)


def _named(people: list[Person], row: np.ndarray) -> str:
    dates = ", ".join(f'date("{p.birth}")' for p, on in zip(people, row, strict=True) if on)
    return f"inlist(fodselsdato, {dates})" if dates else "false"


def _solve(design: np.ndarray, answers: list[float]) -> tuple[np.ndarray, np.ndarray] | None:
    """Least squares over the answered queries (the last unknown is the padding's total),
    with each value's standard error from the residuals: what the attacker can tell about
    how well they know each value. None with too few answers for that."""
    m = len(answers)
    if m <= PEOPLE + 1:
        return None
    a = np.column_stack([design[:m], np.ones(m)])
    b = np.array(answers, dtype=float)
    solution, *_ = np.linalg.lstsq(a, b, rcond=None)
    residual = b - a @ solution
    variance = float(residual @ residual) / (m - PEOPLE - 1)
    errors = np.sqrt(variance * np.diag(np.linalg.pinv(a.T @ a)))
    return solution[:PEOPLE], errors[:PEOPLE]


def test_least_squares_over_padded_subset_sums(alice: Attacker, truth: Truth) -> None:
    people = truth.by_birth(PEOPLE, offset=500)
    design = _subsets(23)
    handle = alice.workspace()
    alice.steps(
        handle,
        [
            step
            for i, row in enumerate(design)
            for step in (
                {"generate": f"s{i}", "expr": "lonn"},
                {"replace": f"s{i}", "expr": "0", "if": f"not ({_named(people, row)} or ({PAD}))"},
            )
        ],
    )
    answers: list[float] = []
    for i in range(QUERIES):
        total = alice.sum_of(handle, f"s{i}")
        if total is None:
            break  # refused (the budget): stop paying
        answers.append(total)
    solved = _solve(design, answers)
    score = Score(f"case 23: least squares over up to {QUERIES} padded subset sums")
    known = 0  # within 5 %, and the attacker can tell: its standard error is under 5 %
    for i, p in enumerate(people):
        score.add(None if solved is None else float(solved[0][i]), p.wage or 0)
        if solved is not None:
            estimate, error = float(solved[0][i]), float(solved[1][i])
            known += within(estimate, p.wage or 0) and error < 0.05 * abs(estimate)
    score.failed()
    report("case 23: recovered and known to be", sums_answered=len(answers), known=known)
    # Case 23's bound: fewer than 10 % of the 32 values recovered within 5 %, counting those
    # the attacker can tell from the rest (a noisy solution lands near some values by chance).
    assert known < 0.1 * PEOPLE


def test_least_squares_over_padded_subset_counts_of_diagnoses(
    alice: Attacker, truth: Truth
) -> None:
    """The same over the diagnosis: counts of (subset or padding) and kreft. Judged
    against the best blind guess (everyone undiagnosed)."""
    diagnosed = [p for p in truth.people if p.kreft and truth.births[p.birth] == 1]
    healthy = truth.by_birth(PEOPLE, offset=900)
    people = diagnosed[: PEOPLE // 2] + healthy[: PEOPLE // 2]
    design = _subsets(24)[:60]
    handle = alice.workspace()
    alice.steps(
        handle,
        [
            {"generate": f"k{i}", "expr": f"({_named(people, row)} or ({PAD})) and kreft"}
            for i, row in enumerate(design)
        ],
    )
    answers: list[float | None] = []
    for i in range(len(design)):
        found = alice.count_of(handle, [f"k{i}"], ["true"])
        answers.append(None if found is None else float(found))
    rows = [i for i, a in enumerate(answers) if a is not None]
    right = PEOPLE // 2  # the blind guess
    if len(rows) > PEOPLE:
        a = np.column_stack([design[rows], np.ones(len(rows))])
        solution, *_ = np.linalg.lstsq(a, np.array([answers[i] for i in rows]), rcond=None)
        right = sum((s > 0.5) == p.kreft for s, p in zip(solution[:PEOPLE], people, strict=True))
    report(
        "least squares over padded subset counts (diagnoses)",
        counts=len(design),
        answered=len(rows),
        right=right,
        of=PEOPLE,
        blind_guess=PEOPLE // 2,
    )
    assert right <= 0.75 * PEOPLE
