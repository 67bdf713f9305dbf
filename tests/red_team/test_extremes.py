"""Extremes and aggregation: a maximum, a high percentile or a histogram's top that is one
unit's raw value; `aggregate max … by()` stored and published later (case 21); groups
collapsed to one person or one family and read back; a group value computed twice, with
and without the target. Judged by published values within 5 % of (or equal to) the
target's, or any unit's, raw value."""

from __future__ import annotations

import math
import statistics
from typing import Any

from tests.red_team.conftest import Attacker, Person, Score, Truth, report, value, within
from tests.red_team.test_averaging import STRENGTH, judge_averaging
from tests.red_team.test_new_statistics import NoisyEstimates, noise_multipliers, noise_sd


def _summary_values(response: Any) -> list[float]:
    if response.status_code != 200:
        return []
    found = []
    for item in response.get_json()["results"]:
        for row in item["result"]["rows"]:
            found += [float(v) for v in row["values"].values() if isinstance(v, int | float)]
    return found


def test_maximum_of_a_population_the_target_tops(alice: Attacker, truth: Truth) -> None:
    """Small earners plus the target: the target's wage is the maximum, and the 99.9th
    percentile; summarize with min/max and high percentiles."""
    targets = truth.targets(5, min_wage=300_000)
    hits = 0
    for person in targets:
        handle = alice.workspace([{"keep_if": f"lonn <= 50000 or ({person.expr()})"}])
        response = alice.ask(handle, "summarize", {"vars": ["lonn"], "percentiles": [99.9, 99.99]})
        hits += any(within(v, person.wage or 0) for v in _summary_values(response))
    report("max / high percentiles of a population the target tops", targets=5, hits=hits)
    assert hits == 0


def test_histogram_top_bin_of_the_target(alice: Attacker, truth: Truth) -> None:
    targets = truth.targets(5, min_wage=300_000)
    hits = 0
    for person in targets:
        handle = alice.workspace([{"keep_if": f"lonn <= 50000 or ({person.expr()})"}])
        response = alice.ask(handle, "histogram", {"var": "lonn", "bins": 100})
        text = str(response.get_json())
        # A bar that shows the target, or an edge drawn at its wage.
        hits += str(int(person.wage or 0)) in text
        for item in response.get_json().get("results", []):
            for row in item["result"]["rows"]:
                count = row["values"].get("count")
                if count is not None and 0 < count < 10:
                    hits += 1
    report("histogram of a population the target tops", targets=5, hits=hits)
    assert hits == 0


def test_aggregated_maximum_published_through_a_table(alice: Attacker, truth: Truth) -> None:
    """Case 21: aggregate max wage by municipality, tabulate its mean by municipality:
    no published value may be a municipality's raw maximum."""
    handle = alice.workspace([{"aggregate": {"makslonn": ["max", "lonn"]}, "by": "kommune"}])
    results = alice.table(handle, {"vars": ["kommune"], "summarize": "makslonn", "stats": ["mean"]})
    wages: dict[str, list[float]] = {}
    for p in truth.people:
        if p.wage is not None:
            wages.setdefault(p.kommune, []).append(p.wage)
    hits = published = near = 0
    if results is not None:
        for kommune, theirs in wages.items():
            top = sorted(theirs, reverse=True)[:3]
            shown = value(results[0], [kommune], "mean")
            published += shown is not None
            near += within(shown, top[0], 0.005)
            # Case 21: no published value is a raw value (at the 6 figures shown), here one of
            # the three largest of its own municipality: what a raw maximum would show. (Any
            # wage at all would be matched by chance: 6 figures of a wage are whole kroner.)
            hits += shown is not None and f"{shown:.6g}" in {f"{w:.6g}" for w in top}
    report(
        "aggregate max by municipality, then a table",
        municipalities=len(wages),
        published=published,
        equal_to_a_top_wage=hits,
        within_half_percent_of_the_maximum=near,
    )
    assert hits == 0
    assert near <= 3  # the mean of the top ten lands near the maximum now and then


def test_aggregate_over_groups_of_one(alice: Attacker, truth: Truth) -> None:
    """aggregate max by birth date (most dates name one person), then read the target's
    group value as a sum over a variable that is 0 for everyone else."""
    targets = [p for p in truth.targets(12) if truth.births[p.birth] == 1][:6]
    handle = alice.workspace([{"aggregate": {"gmax": ["max", "lonn"]}, "by": "fodselsdato"}])
    hits = released = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"v{i}", "expr": "0"},
                {"replace": f"v{i}", "expr": "gmax", "if": person.expr()},
            ],
        )
        total = alice.sum_of(handle, f"v{i}")
        released += total is not None and total != 0
        hits += within(total, person.wage or 0)
    report("aggregate by a group of one", targets=len(targets), nonzero=released, hits=hits)
    assert hits == 0


def test_family_collapsed_and_read_back(alice: Attacker) -> None:
    """collapse wages by mother (a family of one to a few children): any group value
    published must come from at least 10 children, so none may be shown here."""
    handle = alice.workspace(
        [
            {"import": "BEFOLKNING_MOR", "as": "mor"},
            {"collapse": {"barn": ["count", "lonn"], "snitt": ["mean", "lonn"]}, "by": "mor"},
        ]
    )
    response = alice.ask(handle, "summarize", {"vars": ["snitt"]})
    shown = _summary_values(response)
    report("collapse by mother", status=response.status_code, values=shown)
    # Each family has a handful of children: `snitt` must be missing for every family.
    assert not any(v != 0 for v in shown if v == v)


def test_group_value_with_and_without_the_target(alice: Attacker, truth: Truth) -> None:
    """aggregate sum of wages by municipality, once as is and once with the target's wage
    set to 0: every unit of the target's municipality carries the difference, so its mean
    by municipality (a cell of thousands, no one dominant) is the target's wage."""
    targets = truth.targets(6)
    handle = alice.workspace()
    score = Score("group value with and without the target")
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"y{i}", "expr": "lonn"},
                {"replace": f"y{i}", "expr": "0", "if": person.expr()},
                {
                    "aggregate": {f"med{i}": ["sum", "lonn"], f"uten{i}": ["sum", f"y{i}"]},
                    "by": "kommune",
                },
                {"generate": f"diff{i}", "expr": f"med{i} - uten{i}"},
            ],
        )
        results = alice.table(
            handle, {"vars": ["kommune"], "summarize": f"diff{i}", "stats": ["mean"]}
        )
        estimate = None if results is None else value(results[0], [person.kommune], "mean")
        score.add(estimate, person.wage or 0)
    assert score.failed()


def test_groups_aggregated_again_without_the_target(alice: Attacker, truth: Truth) -> None:
    """§7: aggregate the sum of wages by municipality over everyone, then in a workspace
    without the target; the mean of the group value over the target's municipality (every
    unit carries it) is its group's sum both times, so the difference is the wage."""
    everyone = alice.workspace([{"aggregate": {"gsum": ["sum", "lonn"]}, "by": "kommune"}])
    before = alice.table(everyone, {"vars": ["kommune"], "summarize": "gsum", "stats": ["mean"]})
    score = Score("groups aggregated again without the target")
    for person in truth.targets(4):
        without = alice.workspace(
            [
                {"drop_if": person.expr()},
                {"aggregate": {"gsum": ["sum", "lonn"]}, "by": "kommune"},
            ]
        )
        after = alice.table(without, {"vars": ["kommune"], "summarize": "gsum", "stats": ["mean"]})
        first = None if before is None else value(before[0], [person.kommune], "mean")
        second = None if after is None else value(after[0], [person.kommune], "mean")
        score.add(None if first is None or second is None else first - second, person.wage or 0)
    assert score.failed()


def _whisker(response: Any) -> float | None:
    """The upper whisker (the smoothed maximum) of a box plot, or None when withheld."""
    if response.status_code != 200:
        return None
    for item in response.get_json()["results"]:
        if item.get("about", {}).get("table") == "whiskers":
            shown = [
                float(row["values"]["value"])
                for row in item["result"]["rows"]
                if row["labels"] == ["max"] and row["values"].get("value") is not None
            ]
            return shown[0] if shown else None
    return None


def padded_whiskers(attacker: Attacker, person: Person, rounds: int, first: int = 0) -> list[float]:
    """The attacker's best estimator of one target's wage from box plots: in round k a
    variable that is a known padding value p_k (new each round, so the top set's (unit,
    value) pairs and so its noise are new) for everyone born in the target's year and the
    wage for the target; the upper whisker is the mean of the top 10, (w + 9·p_k)/10 plus
    noise, so each round is one independent estimate 10·whisker − 9·p_k. Rounds until the
    service refuses (the budget). Returns the estimates."""
    year = int(person.birth[:4])
    handle = attacker.workspace()
    estimates: list[float] = []
    for k in range(first, first + rounds):
        pad = 100_000 + 101 * k  # below the target (≥ 300,000) for k < 1000
        applied = attacker.post(
            f"/{handle}/steps",
            [
                {"generate": f"p{k}", "expr": str(pad), "if": f"year(fodselsdato) == {year}"},
                {"replace": f"p{k}", "expr": "lonn", "if": person.expr()},
            ],
        )
        if applied.status_code != 200:
            break
        response = attacker.ask(handle, "boxplot", {"var": f"p{k}"})
        if response.status_code != 200:
            break  # refused (the budget): a careful attacker stops paying
        top = _whisker(response)
        if top is not None:
            estimates.append(10 * top - 9 * pad)
    return estimates


# The budget's exposure parameters, which every result lists with its rules (budget).
ALLOWANCE, SCALE, MAX_FACTOR = 100.0, 25.0, 16.0


def exposure_factors(rounds: int) -> list[float]:
    """What an attacker who knows the budget rule expects each round's noise to be
    multiplied by, if the target's exposure is theirs alone: every round's whisker tells
    the target's wage at most 4 (1/STRENGTH²) over the factor², added to its exposure; past
    the allowance the factor is exp((E − allowance)/scale), at most MAX_FACTOR."""
    exposure, factors = 0.0, []
    for _ in range(rounds):
        factor = min(MAX_FACTOR, math.exp(max(0.0, exposure - ALLOWANCE) / SCALE))
        factors.append(factor)
        exposure += 1 / (STRENGTH * factor) ** 2
    return factors


def test_box_plot_whiskers_averaged_over_paddings(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """The whisker attack of test_new_statistics at its best: one target, every round a new
    padding (fresh noise of sd at least half the wage, magnitude-noise's strength, on each
    estimate), both projects' budgets. Two estimators: the plain mean, judged as the
    one-target averaging attacks are (test_averaging.judge_averaging: the standard error
    STRENGTH/√n after the n rounds the service allowed, or the estimate's own error), and
    the mean weighted by 1/factor² for an attacker who knows the exposure rule (each round's
    noise sd STRENGTH·factor·w), judged by its standard error STRENGTH/√Σ factor⁻² the
    same way."""
    person = truth.targets(1, min_wage=300_000)[0]
    estimates = padded_whiskers(alice, person, 400)
    estimates += padded_whiskers(bob, person, 400, first=400)
    estimate = sum(estimates) / len(estimates) if estimates else None
    wage = person.wage or 1
    early, late = estimates[:25], estimates[25:]
    report(
        "the rounds' estimates (sd over the wage: the first 25, the rest)",
        rounds=len(estimates),
        early_sd=round(statistics.pstdev(early) / wage, 3) if early else None,
        late_sd=round(statistics.pstdev(late) / wage, 3) if late else None,
    )
    assert judge_averaging(
        "box plot whiskers averaged over paddings (two projects)", person, estimate, len(estimates)
    )
    weights = [factor**-2 for factor in exposure_factors(len(estimates))]
    informed = (
        sum(w * e for w, e in zip(weights, estimates, strict=True)) / sum(weights)
        if estimates
        else None
    )
    standard_error = STRENGTH / math.sqrt(sum(weights)) if weights else math.inf
    error = math.inf if informed is None else abs(informed - wage) / wage
    report(
        "the same weighted by the exposure rule's factors",
        rounds=len(estimates),
        standard_error=round(standard_error, 3),
        rel_error=round(error, 3),
    )
    assert standard_error >= 0.05 or error >= 0.05


def test_median_windows_around_the_target_among_known_people(alice: Attacker, truth: Truth) -> None:
    """Smoothed percentiles the same way: a variable over 20 known people (a birth date
    each) and the target, 10 of them a known 100,000 below the target and 10 a known
    1,000,000 above it (every target earns less), so the target is rank 10 of 21. Each
    percentile's window is the ten ranks nearest q·20: the nine asked (30 %, 35 %, … 70 %)
    all hold the target, each beside known values, so each published one is an estimate
    10·value − Σ known, with noise of the window's own (its top three: the known
    1,000,000s as soon as there are three, so sd 0.57 million on every one of those). The
    published ones averaged. Judged by `NoisyEstimates`: the average's noise (√Σσ²/k over
    the k published windows) against Score's bound, the errors against that noise."""
    targets = truth.targets(4, min_wage=200_000)
    handle = alice.workspace()
    judged = NoisyEstimates(Score("median windows around the target among 20 known people"))
    low, high = 100_000, 1_000_000
    quantiles = [30, 35, 40, 45, 50, 55, 60, 65, 70]
    published = 0
    for i, person in enumerate(targets):
        known = truth.by_birth(20, skip={p.birth for p in targets}, offset=20 * i)
        below = " or ".join(f'fodselsdato == date("{p.birth}")' for p in known[:10])
        above = " or ".join(f'fodselsdato == date("{p.birth}")' for p in known[10:])
        alice.steps(
            handle,
            [
                {"generate": f"m{i}", "expr": str(low), "if": below},
                {"replace": f"m{i}", "expr": str(high), "if": above},
                {"replace": f"m{i}", "expr": "lonn", "if": person.expr()},
            ],
        )
        response = alice.ask(
            handle, "summarize", {"vars": [f"m{i}"], "percentiles": quantiles, "minmax": False}
        )
        estimates: list[float] = []
        variance = 0.0
        if response.status_code == 200:
            for item in response.get_json()["results"]:
                if item.get("about", {}).get("statistic") != "percentiles":
                    continue
                m = noise_multipliers(item)
                for row in item["result"]["rows"]:
                    shown = row["values"].get("value")
                    if shown is None:
                        continue
                    # The window of quantile q among 21: ranks from ⌊20·q − 4⌋ (test's own
                    # copy of smoothed_percentile.window, as an attacker reads it in the docs).
                    start = math.floor(round(float(row["labels"][0]) * 20, 6) - 4)
                    below_n, above_n = 10 - start, start - 1  # known ranks in the window
                    estimates.append(10 * float(shown) - below_n * low - above_n * high)
                    window = [person.wage or 0] + [low] * below_n + [high] * above_n
                    variance += noise_sd(m, window) ** 2
        published += len(estimates)
        k = len(estimates)
        judged.add(
            sum(estimates) / k if k else None, person.wage or 0, math.sqrt(variance) / k if k else 0
        )
    report("median windows around the target", asked=len(targets) * 9, published=published)
    assert judged.failed()
