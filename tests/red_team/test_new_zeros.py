"""Exact zeros of magnitudes: magnitude noise is scaled by a cell's largest contributions,
so a total whose every contribution is 0 gets no noise and is published as 0, while one
unit's contribution of 1 makes the cell a different thing (withheld by the dominance
rules in a table; a small non-zero number in an aggregated variable). A variable that is
1 for the target if diagnosed (or if a bit of its wage is set) and 0 for everyone else
turns that into an oracle of one request per bit, over a population of 18,550."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Score, Truth, report
from tests.red_team.support import indicator

PROBES = 8  # targets with a diagnosis, and as many without


def test_sum_published_as_zero_or_withheld_for_dominance(alice: Attacker, truth: Truth) -> None:
    handle = alice.workspace()
    right = zeros = 0
    targets = truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)
    for i, person in enumerate(targets):
        alice.steps(handle, indicator(f"y{i}", f"({person.expr()}) and kreft"))
        total = alice.sum_of(handle, f"y{i}")
        zeros += total == 0
        right += (total != 0) == person.kreft
    report("sum of 0s and the target's 1: 0 or withheld", right=right, zeros=zeros, of=len(targets))
    assert right <= 11  # of 16: a coin does as well 4 % of the time


def test_aggregated_sums_of_zeros_spell_a_wage(alice: Attacker, truth: Truth) -> None:
    score = Score("aggregated sums of 0s: a wage in bits")
    bits = 21  # wages up to 2 million kroner
    for person in truth.targets(2, min_wage=1000):
        handle = alice.workspace()
        steps: list[dict[str, Any]] = []
        sums: dict[str, list[str]] = {}
        for j in range(bits):
            bit = f"int(lonn / {2**j}) - 2 * int(lonn / {2 ** (j + 1)}) == 1"
            steps += [
                {"generate": f"b{j}", "expr": "0"},
                {"replace": f"b{j}", "expr": "1", "if": f"({person.expr()}) and {bit}"},
            ]
            sums[f"s{j}"] = ["sum", f"b{j}"]
        steps += [{"aggregate": sums, "by": "alle"}, {"generate": "w", "expr": "0"}]
        steps += [{"replace": "w", "expr": f"w + {2**j}", "if": f"s{j} != 0"} for j in range(bits)]
        alice.steps(handle, steps)
        table = alice.table(handle, {"vars": ["w"]})
        rows = table[0]["result"]["rows"] if table is not None else []
        shown = [
            r["labels"][0] for r in rows if r["labels"][0] is not None and r["values"]["count"]
        ]
        score.add(float(shown[0]) if len(shown) == 1 else None, person.wage or 0)
    assert score.failed()


def test_the_reason_a_maximum_is_withheld(alice: Attacker, truth: Truth) -> None:
    """The same oracle through a summary, read off the reason codes: which rule withheld
    the maximum (or whether it was shown as 0)."""
    handle = alice.workspace()
    right = 0
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    for i, person in enumerate(targets):
        alice.steps(handle, indicator(f"y{i}", f"({person.expr()}) and kreft"))
        response = alice.ask(handle, "summarize", {"vars": [f"y{i}"], "percentiles": [50]})
        reasons = [
            reason
            for item in (response.get_json()["results"] if response.status_code == 200 else [])
            if item["about"]["statistic"] == "min-max"
            for row in item["result"]["rows"]
            if row["labels"] == ["max"]
            for reason in row["reasons"]
        ]
        guess = "dominance-nk" in reasons or "p-percent" in reasons
        right += guess == person.kreft
    report("the reason a maximum is withheld", right=right, of=len(targets))
    assert right <= 9  # of 12: a coin does as well 7 % of the time


def test_padded_sum_of_a_diagnosis_reads_fifteen_or_sixteen(alice: Attacker, truth: Truth) -> None:
    """Past magnitude-support: fifteen known people contribute 1 each, so the sum has its
    contributors whether or not the target adds one more. A sum of 0/1 values is a count,
    under magnitude noise (sd about 0.57 for contributions of 1) rather than count noise;
    and an undiagnosed target's sum is the very sum of the fifteen alone, asked once as a
    reference (the same units and values: the same noise). Diagnosed iff it differs."""
    handle = alice.workspace()
    targets = truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)
    chosen = {p.birth for p in targets}
    padding = " or ".join(
        f'fodselsdato == date("{p.birth}")' for p in truth.by_birth(15, skip=chosen)
    )
    alice.steps(
        handle,
        [
            {"generate": "ref", "expr": "0"},
            {"replace": "ref", "expr": "1", "if": padding},
        ],
    )
    reference = alice.sum_of(handle, "ref")  # the same units and values when undiagnosed
    right = answered = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"y{i}", "expr": "0"},
                {
                    "replace": f"y{i}",
                    "expr": "1",
                    "if": f"({padding}) or (({person.expr()}) and kreft)",
                },
            ],
        )
        total = alice.sum_of(handle, f"y{i}")
        answered += total is not None
        right += (total is not None and total != reference) == person.kreft
    report("padded sum of 0/1: fifteen or sixteen", right=right, answered=answered, of=len(targets))
    assert right <= 11  # of 16: a coin does as well 4 % of the time
