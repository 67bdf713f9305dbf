"""Aggregation's exact statistic: `aggregate … count` gives every unit its group's count of
non-missing values exactly (OUTPUT_CONTROL.md §7: "a per-unit value like any other"). Two
counts over one and the same group (everyone) of two variables that differ only in
whether the target's value is missing differ by exactly 0 or 1, the same for every unit,
and a mean over thousands of units shows that difference whatever noise it gets. The
groups are the same set both times, so the differencing guard sees no near set."""

from __future__ import annotations

from typing import Any

import pytest

from tests.red_team.conftest import Attacker, Score, Truth, report

PROBES = 8  # targets with a diagnosis, and as many without


def _label(attacker: Attacker, handle: str, variable: str) -> str | None:
    """The one value every unit holds, read as the label of the table's published cell."""
    table = attacker.table(handle, {"vars": [variable]})
    if table is None:
        return None
    shown = [
        row["labels"][0]
        for row in table[0]["result"]["rows"]
        if row["labels"][0] is not None and row["values"]["count"]
    ]
    return shown[0] if len(shown) == 1 else None


@pytest.mark.xfail(
    strict=True,
    reason="aggregate count is exact: two counts by `alle` of variables that differ in "
    "whether the target's value is missing differ by 0 or 1 on every unit, and a table of "
    "the difference shows it as the label of a cell of 18,550 units: 16/16 diagnoses right",
)
def test_exact_group_count_tells_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """count(everyone but the target) and count(everyone but the target, plus the target
    if diagnosed), both by `alle`; their difference's mean is the diagnosis."""
    handle = alice.workspace()
    right = answered = 0
    targets = truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)
    for i, person in enumerate(targets):
        others = f"not ({person.expr()})"
        alice.steps(
            handle,
            [
                {"generate": f"andre{i}", "expr": "1", "if": others},
                {"generate": f"syke{i}", "expr": "1", "if": f"{others} or kreft"},
                {
                    "aggregate": {
                        f"na{i}": ["count", f"andre{i}"],
                        f"ns{i}": ["count", f"syke{i}"],
                    },
                    "by": "alle",
                },
                {"generate": f"q{i}", "expr": f"ns{i} - na{i}"},
            ],
        )
        label = _label(alice, handle, f"q{i}")
        answered += label is not None
        right += (label == "1") == person.kreft
    report("exact group counts: diagnosis", right=right, answered=answered, of=len(targets))
    assert right <= 11  # of 16: a coin does as well 4 % of the time


@pytest.mark.xfail(
    strict=True,
    reason="aggregate count is exact: 21 counts by `alle`, each missing the target's value "
    "unless a bit of its wage is set, spell the wage; a table shows it to the krone as the "
    "label of a cell of 18,550 units (2/2 wages exact)",
)
def test_exact_group_counts_spell_a_wage_in_bits(alice: Attacker, truth: Truth) -> None:
    """Twenty counts by `alle`, the j-th of a variable missing for the target unless bit j
    of its wage (in kroner) is set, less the count of everyone but the target: the bits,
    summed with their weights into one variable whose mean is the wage."""
    score = Score("exact group counts: a wage in bits")
    for person in truth.targets(2, min_wage=1000):
        handle = alice.workspace()
        others = f"not ({person.expr()})"
        bits = 21  # wages up to 2 million kroner
        steps: list[dict[str, Any]] = [{"generate": "andre", "expr": "1", "if": others}]
        counts: dict[str, list[str]] = {"na": ["count", "andre"]}
        for j in range(bits):
            bit = f"int(lonn / {2**j}) - 2 * int(lonn / {2 ** (j + 1)}) == 1"
            steps.append({"generate": f"d{j}", "expr": "1", "if": f"{others} or ({bit})"})
            counts[f"n{j}"] = ["count", f"d{j}"]
        steps.append({"aggregate": counts, "by": "alle"})
        wage = " + ".join(f"{2**j} * (n{j} - na)" for j in range(bits))
        steps.append({"generate": "w", "expr": wage})
        alice.steps(handle, steps)
        label = _label(alice, handle, "w")
        score.add(None if label is None else float(label), person.wage or 0)
    assert score.failed()
