"""Equality through consistent noise: the noise of a magnitude is keyed by its units and
their exact values (OUTPUT_CONTROL.md §2), so the same values always give the same answer
and a change in any one value gives another. That sameness is itself an answer: a copy of
a variable with the target's value overwritten by a guess gives exactly the published sum
of the original if and only if the guess was the target's value. Over everyone, the sums
are of 18,550 units (no rule withholds them) and the two sets of units are one and the
same (the differencing guard sees nothing near)."""

from __future__ import annotations

import math

from tests.red_team.conftest import Attacker, Score, Truth, report
from tests.red_team.support import both_kinds, indicator, replaced

PROBES = 8  # targets with a diagnosis, and as many without


def test_the_same_sum_again_tells_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    handle = alice.workspace(indicator("syk", "kreft"))
    baseline = alice.sum_of(handle, "syk")
    right = 0
    targets = both_kinds(truth, PROBES)
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"s{i}", "syk", "1", person.expr()))
        guess = baseline is not None and alice.sum_of(handle, f"s{i}") == baseline
        right += guess == person.kreft
    report("the same sum again: diagnosis", right=right, of=len(targets))
    assert right <= 11  # of 16: a coin does as well 4 % of the time


def test_the_same_sum_again_bisects_a_wage(alice: Attacker, truth: Truth) -> None:
    """Geometric bisection between 1,000 and 4 million kroner: ten sums put the wage
    within a factor 4000^(1/1024), under 1 %."""
    handle = alice.workspace()
    baseline = alice.sum_of(handle, "lonn")
    score = Score("the same sum again: a wage bisected")
    for i, person in enumerate(truth.targets(3, min_wage=1000)):
        low, high = math.log(1_000), math.log(4_000_000)
        for step in range(10):
            cap = round(math.exp((low + high) / 2))
            name = f"c{i}_{step}"
            alice.steps(handle, replaced(name, "lonn", f"min(lonn, {cap})", person.expr()))
            capped_nothing = baseline is not None and alice.sum_of(handle, name) == baseline
            if capped_nothing:  # the wage is at most the cap
                high = math.log(cap)
            else:
                low = math.log(cap)
        score.add(math.exp((low + high) / 2), person.wage or 0)
    assert score.failed()


def test_the_same_count_table_again_tells_nothing(alice: Attacker, truth: Truth) -> None:
    """The count version: a table of the diagnosis and of a copy with the target's value
    set to 1. Its cells are sets of units, and a set one unit from a registered one is
    answered with the registered count (the guard's snap), so the two tables must look
    the same whether or not the target was diagnosed."""
    handle = alice.workspace(indicator("syk", "kreft"))
    baseline = alice.table(handle, {"vars": ["syk"]})
    assert baseline is not None
    right = 0
    targets = both_kinds(truth, 6)
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"s{i}", "syk", "1", person.expr()))
        table = alice.table(handle, {"vars": [f"s{i}"]})
        guess = table is not None and table[0]["result"]["rows"] == baseline[0]["result"]["rows"]
        right += guess == person.kreft
    report("the same count table again: diagnosis", right=right, of=len(targets))
    assert right <= 9  # of 12: a coin does as well 7 % of the time
