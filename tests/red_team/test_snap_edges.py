"""Attacks on the snap itself (rules/differencing.py, pair_sets.py, group_values.py): a set
a few units or pairs from a registered one is answered with the registered answer, so
"the same answer or not" no longer tells whether one unit changed. What is left:

- the edge: sets `min_difference` to `min_difference` + `ramp` − 1 (10 to 14) pairs away get
  the registered answer by a keyed coin of the two sets, with a probability falling from
  5/6 to 1/6. Seven known people's values changed (14 pairs) plus the target's set to 1
  (no change if diagnosed, 2 pairs more if not): the registered sum comes back with
  probability 1/6 if diagnosed and never if not. Each new padding draws a new coin, so
  repeating the probe with other known people certifies a diagnosis once in six probes;
  the budget (and its input fees, one per copy) limits how many a project gets.
- the coin of two sets: one padding asked alone, and again with the target's value set to
  1, is the same set if diagnosed; if not, the copy draws a coin of its own against the
  registered set, and the two answers differ about half the time. One padding serves
  every target, one copy (one input fee) each.
  No rule for the snap closes the edge (docs/OUTPUT_CONTROL.md §12, bench/snap_edges.py):
  a draw shared by probes is read with known people first, a wall is certain.
- the workspace: group statistics are compared with those the same workspace computed
  (a step sees no ledger), so two counts by `alle` in two workspaces, read as labels,
  are compared by the attacker instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.red_team.conftest import Attacker, Person, Truth, report, value

PADDING = 7  # known people whose value is changed: 14 pairs, the ramp's last step but one


def _probe_edge(
    attacker: Attacker, person: Person, known: list[str], at: int, *, adaptive: bool = False
) -> bool | None:
    """One probe: does a copy 14 pairs (+2 if undiagnosed) from the registered diagnosis
    give the registered sum? `adaptive`: 13 pairs (six known values changed, a seventh
    known person's made missing), where the ramp still gives the registered answer with
    probability 2/6, against 15 (never). None: the budget refused it."""
    handle = attacker.workspace(
        [{"generate": "syk", "expr": "0"}, {"replace": "syk", "expr": "1", "if": "kreft"}]
    )
    baseline = attacker.sum_of(handle, "syk")
    if baseline is None:
        return None
    changed = PADDING - 1 if adaptive else PADDING
    padding = " or ".join(known[at : at + changed])
    steps: list[dict[str, Any]] = [
        {"generate": "c", "expr": "syk"},
        {"replace": "c", "expr": "7", "if": padding},
        {"replace": "c", "expr": "1", "if": person.expr()},
    ]
    if adaptive:
        steps.append({"replace": "c", "expr": "1/0", "if": known[at + changed]})
    attacker.steps(handle, steps)
    total = attacker.sum_of(handle, "c")
    return None if total is None else total == baseline


@pytest.mark.xfail(
    # Not strict: the attack is a game of chance. Each diagnosed target is certified with
    # probability 1 − (5/6)^probes, and the budget's probes leave it certifying 1 to 3 of
    # 4 (2-3 most runs), so a run where it certifies fewer than 2 is luck, not a fix: a
    # strict marker would fail such runs. A fix shows as XPASS in every run.
    strict=False,
    reason="the snap's ramp: at 14 pairs from a registered sum the registered answer comes "
    "back with probability 1/6 and at 16 never, so a copy with seven known people's values "
    "changed and the target's set to 1 returns the registered sum only if diagnosed; new "
    "padding draws a new coin, and the budget allows enough probes for a few targets",
)
def test_the_edge_of_the_snap_certifies_a_diagnosis(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """Two diagnosed and two undiagnosed targets per project, as many probes each as the
    budget gives (a quarter of it per target); a diagnosis is certified by one probe that
    comes back with the registered sum."""
    _edge_of_the_snap(alice, bob, truth, adaptive=False)


@pytest.mark.xfail(
    # Not strict, as above: certifying is a game of chance, at 1/3 per probe here.
    strict=False,
    reason="the snap's ramp probed where it leaks most: 13 pairs from a registered sum get "
    "the registered answer with probability 2/6, 15 never; six known people's values "
    "changed, a seventh's made missing, and the target's set to 1 (docs/OUTPUT_CONTROL.md "
    "§12: any ramp that reaches 0 has such a step)",
)
def test_the_edge_of_the_snap_probed_where_it_leaks_most(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    _edge_of_the_snap(alice, bob, truth, adaptive=True)


def _edge_of_the_snap(alice: Attacker, bob: Attacker, truth: Truth, *, adaptive: bool) -> None:
    targets = truth.targets(4, kreft=True) + truth.targets(4, kreft=False)
    known = [
        f'fodselsdato == date("{p.birth}")'
        for p in truth.by_birth(400, skip={p.birth for p in targets})
    ]
    sure = wrong = probes = 0
    per_target = 10
    for k, person in enumerate(targets):
        attacker = alice if k % 2 == 0 else bob
        certified = False
        for j in range(per_target):
            at = (k * per_target + j) * PADDING
            seen = _probe_edge(attacker, person, known, at, adaptive=adaptive)
            if seen is None:
                break
            probes += 1
            certified = certified or seen
        sure += certified and person.kreft
        wrong += certified and not person.kreft
    title = "the edge of the snap" + (", probed where it leaks most" if adaptive else "")
    report(title, sure=sure, wrong=wrong, of_diagnosed=4, probes=probes)
    # Fails unless the attacker certifies 2 or more of the 4 diagnoses (none wrong).
    assert sure < 2 or wrong > 0


def _padding_twice(
    attacker: Attacker, known: list[str], at: int, targets: list[Person]
) -> list[bool] | None:
    """One round in a workspace of its own: a copy of the diagnosis with five known people's
    values changed and a sixth's made missing (11 pairs from the registered diagnosis sum),
    its sum asked once; then per target the same copy with the target's value set to 1.
    A diagnosed target's copy is the padding's own set again, so its sum is the padding's;
    an undiagnosed one's is 2 pairs further, and draws its own coin against the registered
    set. Per target answered: whether its sum differed (None: the budget refused)."""
    handle = attacker.workspace(
        [{"generate": "syk", "expr": "0"}, {"replace": "syk", "expr": "1", "if": "kreft"}]
    )
    if attacker.sum_of(handle, "syk") is None:
        return None
    attacker.steps(
        handle,
        [
            {"generate": "c", "expr": "syk"},
            {"replace": "c", "expr": "7", "if": " or ".join(known[at : at + 5])},
            {"replace": "c", "expr": "1/0", "if": known[at + 5]},
        ],
    )
    padding = attacker.sum_of(handle, "c")
    if padding is None:
        return None
    differed: list[bool] = []
    for i, person in enumerate(targets):
        attacker.steps(
            handle,
            [
                {"generate": f"t{i}", "expr": "c"},
                {"replace": f"t{i}", "expr": "1", "if": person.expr()},
            ],
        )
        total = attacker.sum_of(handle, f"t{i}")
        if total is None:
            break
        differed.append(total != padding)
    return differed


@pytest.mark.xfail(
    strict=True,
    reason="the snap's coin is drawn per pair of sets: a padding 11 pairs from a registered "
    "sum, asked alone and then with the target's value set to 1, is the same set again if "
    "diagnosed, and a set 13 pairs away with a coin of its own if not; the two answers "
    "differ about half the time then, and one padding serves every target",
)
def test_the_same_padding_twice_certifies_no_diagnosis(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """Rounds of one padding each, alternately in both projects, until both budgets refuse;
    a target whose sum ever differs from its round's padding sum is certified undiagnosed."""
    targets = truth.targets(4, kreft=True) + truth.targets(4, kreft=False)
    known = [
        f'fodselsdato == date("{p.birth}")'
        for p in truth.by_birth(400, skip={p.birth for p in targets})
    ]
    certified = [False] * len(targets)
    rounds = probes = 0
    attackers = [alice, bob]
    while attackers and rounds < 40:
        attacker = attackers[rounds % len(attackers)]
        seen = _padding_twice(attacker, known, rounds * 6, targets)
        rounds += 1
        if seen is None or len(seen) < len(targets):
            attackers.remove(attacker)  # its budget refused: the other goes on
        for i, differed in enumerate(seen or []):
            probes += 1
            certified[i] = certified[i] or differed
    sure = sum(c and not p.kreft for c, p in zip(certified, targets, strict=True))
    wrong = sum(c and p.kreft for c, p in zip(certified, targets, strict=True))
    report(
        "the same padding twice",
        sure_undiagnosed=sure,
        wrong=wrong,
        of_undiagnosed=4,
        rounds=rounds,
        probes=probes,
    )
    # Fails unless the attacker certifies 2 or more of the 4 undiagnosed (none wrong).
    assert sure < 2 or wrong > 0


def _count_label(attacker: Attacker, expr: str) -> str | None:
    """In a workspace of its own: the count by `alle` of a variable set where `expr`
    holds, read as the label of a table's one published cell."""
    handle = attacker.workspace(
        [
            {"generate": "v", "expr": "1", "if": expr},
            {"aggregate": {"n": ["count", "v"]}, "by": "alle"},
        ]
    )
    return attacker.label(handle, "n")


def test_group_counts_in_two_workspaces_tell_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """A count by `alle` of everyone but the target, and one of the same plus the target if
    diagnosed, each in a workspace of its own, read as labels: the same set gives the same
    count, a set one unit away (as a rule) another, so they are equal iff not diagnosed
    while a step compared its group values within its own workspace only (10-12/12). A
    step now looks them up in the shared ledger (output_control/group_values.py): the
    second count gets the first's value either way. A coin gets half right."""
    right = answered = 0
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    for person in targets:
        others = f"not ({person.expr()})"
        without = _count_label(alice, others)
        maybe = _count_label(alice, f"{others} or (({person.expr()}) and kreft)")
        answered += without is not None and maybe is not None
        right += (without is not None and maybe != without) == person.kreft
    report("group counts in two workspaces", right=right, answered=answered, of=len(targets))
    assert right <= 9  # of 12: a coin does as well 7 % of the time


def test_another_measure_over_a_near_set_is_withheld(alice: Attacker, truth: Truth) -> None:
    """Case 20 with a scaled copy: the pair snap answers only the same statistic of nearly
    the same pairs, so a copy scaled by another factor per target (one factor for all
    would be answered with the first target's answer every time) over the population
    without the target if diagnosed meets the unit guard alone."""
    reference = alice.workspace(
        [{"generate": "syk", "expr": "0"}, {"replace": "syk", "expr": "1", "if": "kreft"}]
    )
    assert alice.sum_of(reference, "syk") is not None
    right = 0
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    for i, person in enumerate(targets):
        handle = alice.workspace(
            [
                {"generate": "syk", "expr": "0"},
                {"replace": "syk", "expr": "1", "if": "kreft"},
                {"drop_if": f"({person.expr()}) and kreft"},
                {"generate": f"d{i}", "expr": f"{i + 2} * syk"},
            ]
        )
        right += (alice.sum_of(handle, f"d{i}") is None) == person.kreft
    report("another measure over a near set", right=right, of=len(targets))
    assert right <= 9  # of 12: a coin does as well 7 % of the time


def _same_again(alice: Attacker, truth: Truth, statistic: str, body: Callable[[str], Any]) -> int:
    """The equality oracle: a statistic of a 0/1 diagnosis over everyone, then of a copy
    with the target's value set to 1 (`body` gives the request for a variable's name): the
    same answer (values and reasons) iff the target was diagnosed? Targets guessed right."""
    handle = alice.workspace(
        [{"generate": "syk", "expr": "0"}, {"replace": "syk", "expr": "1", "if": "kreft"}]
    )

    def shown(name: str) -> list[Any] | None:
        response = alice.ask(handle, statistic, body(name))
        if response.status_code != 200:
            return None
        rows = response.get_json()["results"][0]["result"]["rows"]
        return [(row["values"], row["reasons"]) for row in rows]

    baseline = shown("syk")
    right = 0
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"s{i}", "expr": "syk"},
                {"replace": f"s{i}", "expr": "1", "if": person.expr()},
            ],
        )
        found = shown(f"s{i}")
        right += (found is not None and found == baseline) == person.kreft
    return right


def test_the_same_model_again_tells_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """The equality oracle through a model: a 0/1 diagnosis on sex over everyone, and a copy
    with the target's value set to 1: the same coefficients iff it was 1, while models were
    not answered by their pairs. The copy is 2 pairs from the registered model (or the same
    set): the registered answer either way."""
    right = _same_again(alice, truth, "regress", lambda y: {"y": y, "x": ["kjonn"]})
    report("the same model again: diagnosis", right=right, of=12)
    assert right <= 9  # of 12: a coin does as well 7 % of the time


def test_the_same_clustered_model_again_tells_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """The same with standard errors clustered by municipality: the same answer iff
    diagnosed while clustered models were not answered by their pairs. Their pairs hold
    each row's cluster too, so the copy is 2 pairs away either way."""
    right = _same_again(
        alice, truth, "regress", lambda y: {"y": y, "x": ["kjonn"], "cluster": "kommune"}
    )
    report("the same clustered model again: diagnosis", right=right, of=12)
    assert right <= 9  # of 12: a coin does as well 7 % of the time


def test_the_same_correlation_again_tells_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """The same through a correlation of the diagnosis with the wage: the same correlation
    iff diagnosed while a correlation's pairs were of its standardised values (one changed
    value moves every row's). Its pairs are of the values as given: the copy is 2 pairs
    away."""
    right = _same_again(alice, truth, "correlate", lambda y: {"vars": [y, "lonn"]})
    report("the same correlation again: diagnosis", right=right, of=12)
    assert right <= 9  # of 12: a coin does as well 7 % of the time


def _sum_and_mean(attacker: Attacker, handle: str, variable: str) -> tuple[float, float] | None:
    results = attacker.table(
        handle, {"vars": ["alle"], "summarize": variable, "stats": ["sum", "mean"]}
    )
    if results is None:
        return None
    total, mean = value(results[0], ["1"], "sum"), value(results[0], ["1"], "mean")
    return None if total is None or mean is None or mean == 0 else (total, mean)


def test_another_measure_over_a_near_set_tells_its_count(alice: Attacker, truth: Truth) -> None:
    """Case 20 with a scaled copy, read as a determined attacker would once such a sum is
    answered afresh: sum / mean is the count the mean was divided by. The reference's
    (Σ syk over everyone) is the population's perturbed count; the copy's, over everyone
    less the target if diagnosed, is its own perturbed count: equal iff nobody was
    dropped, unless counts are taken from the count snap."""
    reference = alice.workspace(
        [{"generate": "syk", "expr": "0"}, {"replace": "syk", "expr": "1", "if": "kreft"}]
    )
    first = _sum_and_mean(alice, reference, "syk")
    assert first is not None
    count = round(first[0] / first[1])
    right = answered = 0
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    for i, person in enumerate(targets):
        handle = alice.workspace(
            [
                {"generate": "syk", "expr": "0"},
                {"replace": "syk", "expr": "1", "if": "kreft"},
                {"drop_if": f"({person.expr()}) and kreft"},
                {"generate": f"d{i}", "expr": f"{i + 2} * syk"},
            ]
        )
        found = _sum_and_mean(alice, handle, f"d{i}")
        answered += found is not None
        right += (found is None or round(found[0] / found[1]) != count) == person.kreft
    report("another measure over a near set: its count", right=right, answered=answered, of=12)
    assert right <= 9  # of 12: a coin does as well 7 % of the time


def test_the_same_histogram_again_tells_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """The equality oracle through a histogram: of the wage, and of a copy with the target's
    wage set to 5 million if diagnosed. The target's bar is a count one unit from the
    registered one (the count snap answers it), but the grid is laid over the smoothed 1st
    and 99th percentiles, whose windows' noise is keyed by their (unit, value) pairs: the
    target moved to the top shifts the 99th percentile's window by one unit, and a fresh
    draw of its noise moves the grid's last edge."""
    handle = alice.workspace([{"generate": "w", "expr": "lonn"}])

    def shown(name: str) -> Any:
        response = alice.ask(handle, "histogram", {"var": name, "bins": 20})
        if response.status_code != 200:
            return None
        rows = response.get_json()["results"][0]["result"]["rows"]
        return [(row["labels"], row["values"], row["reasons"]) for row in rows]

    baseline = shown("w")
    right = 0
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"h{i}", "expr": "lonn"},
                {"replace": f"h{i}", "expr": "5000000", "if": f"({person.expr()}) and kreft"},
            ],
        )
        right += (shown(f"h{i}") != baseline) == person.kreft
    report("the same histogram again: diagnosis", right=right, of=12)
    assert right <= 9  # of 12: a coin does as well 7 % of the time


def test_a_count_beside_registered_groups_tells_a_diagnosis(alice: Attacker, truth: Truth) -> None:
    """The groups of an aggregated variable are registered when anything computed from it
    is released (here a summary over everyone of a mean by municipality): every
    municipality's units, registered as a set of no count. A count table by municipality
    over everyone less the target if diagnosed then has one cell a unit from a registered
    group: withheld by the unit guard iff the target was dropped, unless that group's
    count is registered with it (and the near cell gets it, as near count sets do). The
    targets live in different municipalities."""
    reference = alice.workspace([{"aggregate": {"snitt": ["mean", "alle"]}, "by": "kommune"}])
    assert alice.ask(reference, "summarize", {"vars": ["snitt"]}).status_code == 200
    right = answered = 0
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    for person in targets:
        # One cell for the target's municipality alone (a table by kommune would register
        # every municipality's count, and later targets' cells would get those).
        here = f'kommune == "{person.kommune}"'
        handle = alice.workspace(
            [{"drop_if": f"({person.expr()}) and kreft"}, {"generate": "her", "expr": here}]
        )
        found = alice.count_of(handle, ["her"], ["true"])
        answered += found is not None
        right += (found is None) == person.kreft
    report("a count beside registered groups", right=right, answered=answered, of=12)
    assert right <= 9  # of 12: a coin does as well 7 % of the time
