"""merge (issue 15): values of another dataset joined onto the rows, the source dataset
given as its own step list. A merge releases nothing; what it could do is carry a group
statistic into a workspace that does not know where it came from. The attack: §7's groups
aggregated again without the target (test_extremes), with each sum made in a source
dataset and merged in, so the workspace that releases the table never aggregated itself.
If the merged variables did not carry their groups (State.groups), the differencing guard
would see two unrelated variables, and the difference of the two group means would be the
target's wage."""

from __future__ import annotations

from tests.red_team.conftest import BASE_STEPS, Attacker, Score, Truth, value
from tests.red_team.support import PopulationRefusals
from tests.red_team.test_group_count_averaging import COUNTS, POOL, TARGETS, _padded_counts


def _merged_sum(alice: Attacker, drop: str | None) -> str:
    source = [*BASE_STEPS]
    if drop is not None:
        source.append({"drop_if": drop})
    source.append({"aggregate": {"gsum": ["sum", "lonn"]}, "by": "kommune"})
    return alice.workspace([{"merge": ["gsum"], "source": source}])


def test_group_sums_merged_in_with_and_without_the_target(alice: Attacker, truth: Truth) -> None:
    everyone = _merged_sum(alice, None)
    before = alice.table(everyone, {"vars": ["kommune"], "summarize": "gsum", "stats": ["mean"]})
    score = Score("group sums merged in, with and without the target")
    for person in truth.targets(4):
        without = _merged_sum(alice, person.expr())
        after = alice.table(without, {"vars": ["kommune"], "summarize": "gsum", "stats": ["mean"]})
        first = None if before is None else value(before[0], [person.kommune], "mean")
        second = None if after is None else value(after[0], [person.kommune], "mean")
        score.add(None if first is None or second is None else first - second, person.wage or 0)
    assert score.failed()


def test_group_counts_read_through_a_filtered_source(alice: Attacker, truth: Truth) -> None:
    """A filter on averaged group counts, made in a merge's source dataset, read in the
    workspace that merges from it: the source averages 140 padded counts of the target in
    w (test_group_count_averaging), drops everyone if w > 0.5 and makes `flag` = 1; the
    workspace merges `flag`, drops the rows where it is missing and tabulates `alle`,
    refused (min-population) iff diagnosed. Guessed by refused-or-not and by the refusal's
    code. FAILS when either guesses more than 6 of the 8 targets right (a coin gets 7 or 8
    in 3.5 % of runs). In the source, the filter made a population carrying the 140
    counts' ids (steps/filter.py), but a merged variable carried only its own groups:
    `flag` and the population of the merging workspace paid two inputs, not 142."""
    targets = truth.targets(TARGETS, kreft=True) + truth.targets(TARGETS, kreft=False)
    everyone = truth.by_birth(POOL * len(targets), skip={p.birth for p in targets}, offset=400)
    tally = PopulationRefusals()
    for i, person in enumerate(targets):
        known = everyone[i * POOL : (i + 1) * POOL]
        source = [
            *BASE_STEPS,
            *_padded_counts(person, known, COUNTS, 2031 + i),
            {"drop_if": "w > 0.5"},
            {"generate": "flag", "expr": "1"},
        ]
        handle = alice.workspace(
            [{"merge": ["flag"], "source": source}, {"drop_if": "sysmiss(flag)"}]
        )
        tally.ask(alice, handle, person)
    tally.report("group counts read through a filtered merge source", alice)
    assert alice.statuses.get(200, 0) > 0
    assert tally.right <= 6 and tally.right_by_code <= 6
