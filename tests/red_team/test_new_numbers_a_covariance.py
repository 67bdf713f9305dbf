"""`correlate`'s covariance matrix (issue 15) attacked as a determined researcher would,
through the HTTP API with a researcher token: the winsorised summaries of each pair's units
it releases beside the matrix, many in one request."""

from __future__ import annotations

import math
import statistics as stats

from tests.red_team.conftest import Attacker, Person, Truth, report
from tests.red_team.test_exposure_evasions import _dates

# --- correlate's covariance: 45 winsorised summaries of the target in one request ----------

VARIABLES = 10  # correlate's most: 45 pairs
BLOCK = 11  # known people in each pair's block (the pair's units: the block and the target)
ROUNDS = 4  # correlate requests, each over blocks of its own


def _blocks(truth: Truth, person: Person, offset: int) -> list[list[Person]]:
    """45 disjoint blocks of BLOCK known people (each alone with their birth date)."""
    pairs = VARIABLES * (VARIABLES - 1) // 2
    known = truth.by_birth(pairs * BLOCK, skip={person.birth}, offset=offset)
    return [known[b * BLOCK : (b + 1) * BLOCK] for b in range(pairs)]


def _covariance_steps(
    person: Person, blocks: list[list[Person]], r: int
) -> list[dict[str, object]]:
    """Round r's x_i = the target's wage for the target, 0 for the blocks of every pair
    (i, j), missing for everyone else: the units of pair (i, j) are block (i, j) and the
    target."""
    steps: list[dict[str, object]] = []
    pairs = [(i, j) for i in range(VARIABLES) for j in range(i + 1, VARIABLES)]
    for i in range(VARIABLES):
        mine = [p for b, (a, c) in enumerate(pairs) if i in (a, c) for p in blocks[b]]
        steps += [
            {"generate": f"x{r}_{i}", "expr": "0", "if": _dates(mine)},
            {"replace": f"x{r}_{i}", "expr": "lonn", "if": person.expr()},
        ]
    return steps


def _summary_means(response: object) -> list[float]:
    """The published means of the summaries released beside a covariance matrix, one per
    pair (both variables of a pair have the same values on its units: one draw)."""
    found: dict[tuple[str, ...], float] = {}
    for item in response.get_json().get("results", [])[1:]:  # type: ignore[attr-defined]
        if item["about"].get("statistic") != "summary":
            continue
        for row in item["result"]["rows"]:
            if row["labels"] == ["mean"] and row["values"].get("value") is not None:
                found[tuple(item["about"]["pair"])] = float(row["values"]["value"])
    return list(found.values())


def test_covariance_summaries_averaged(alice: Attacker, truth: Truth) -> None:
    """`correlate` with `covariance` releases, for every pair, the winsorised summary (mean,
    sd, Gini) of each variable over the pair's units. Ten variables x_i, each the target's
    wage for the target and 0 for the known people of the 9 blocks of its pairs: pair
    (i, j)'s units are its block of 11 and the target, 45 sets 22 units apart (beyond the
    differencing guard's reach), so one request publishes 45 means (0.89·w + noise)/n, each
    with a fresh draw (winsorised at the 99th percentile: the top of 12 values is lowered to
    0.89 of it). w = 12 · mean / 0.89 per pair, averaged over the pairs of as many requests
    as the budget allows (a new set of blocks per request). Judged by the attacker's
    standard error (the spread of its own readings over √n): the attack FAILS when that is
    5 % or more, or the estimate is 5 % or more off."""
    person = truth.targets(1, min_wage=300_000)[0]
    wage = float(person.wage or 0)
    readings: list[float] = []
    requests = 0
    steps = [
        step
        for r in range(ROUNDS)
        for step in _covariance_steps(person, _blocks(truth, person, 300 + r * 45 * BLOCK), r)
    ]
    handle = alice.workspace(steps)
    for r in range(ROUNDS):
        body = {"vars": [f"x{r}_{i}" for i in range(VARIABLES)], "covariance": True}
        response = alice.ask(handle, "correlate", body)
        requests += 1
        if response.status_code != 200:
            break
        means = _summary_means(response)
        readings += [(BLOCK + 1) * m / 0.89 for m in means]
    n = len(readings)
    estimate = stats.fmean(readings) if readings else None
    spread = stats.stdev(readings) / wage if n > 1 else math.inf
    standard_error = spread / math.sqrt(n) if n else math.inf
    error = math.inf if estimate is None else abs(estimate - wage) / wage
    report(
        "covariance: 45 summaries of the target per correlate request, averaged",
        requests=requests,
        means=n,
        estimate=None if estimate is None else round(estimate),
        wage=round(wage),
        per_reading_sd=round(spread, 3),
        standard_error=round(standard_error, 3),
        rel_error=round(error, 3),
        statuses=alice.statuses,
    )
    assert alice.statuses.get(200, 0) > 0
    assert standard_error >= 0.05 or error >= 0.05
