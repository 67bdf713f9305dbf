"""Extremes and aggregation: a maximum, a high percentile or a histogram's top that is one
unit's raw value; `aggregate max … by()` stored and published later (case 21); groups
collapsed to one person or one family and read back; a group value computed twice, with
and without the target. Judged by published values within 5 % of (or equal to) the
target's, or any unit's, raw value."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Score, Truth, report, value, within


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
