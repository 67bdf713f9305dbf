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
