"""Attacks on the snap itself (rules/differencing.py, pair_sets.py, group_values.py): a set
a few units or pairs from a registered one is answered with the registered answer, so
"the same answer or not" no longer tells whether one unit changed. What is left:

- the edge: sets `min_difference` to `min_difference` + `ramp` − 1 (10 to 19) pairs away
  get the registered answer iff the keyed weights of the pairs they differ by sum below
  `weight` (7): a chance of 0.98 at 10 pairs falling to 0.03 at 19. Known people's values
  changed plus the target's set to 1 (no change if diagnosed, 2 pairs more if not): at 18
  pairs the registered sum comes back about 0.06 of the time if diagnosed and never if
  not (20 pairs is beyond the index's reach), which certifies; in the middle (13 against
  15 pairs: 0.69 against 0.31) nothing certifies, but a majority over a few probes guesses
  right about three times in four. The budget (and its input fees, one per copy) limits
  how many probes a project gets. No rule for the snap closes the edge
  (docs/OUTPUT_CONTROL.md §12).
- the same padding twice, closed: one padding asked alone, and again with the target's
  value set to 1, is the same set if diagnosed; if not, the weights (one per pair, so a
  difference that holds another weighs at least as much), the registration of a set
  answered with a near set's answer, and the answer of the registered set whose
  difference weighs least (the padding, 2 pairs away) give the copy the padding's answer,
  in either order.
- the workspace: group statistics are compared with those the same workspace computed
  (a step sees no ledger), so two counts by `alle` in two workspaces, read as labels,
  are compared by the attacker instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.red_team.conftest import Attacker, Person, Truth, report, value
from tests.red_team.support import both_kinds, indicator, replaced


def _probe_edge(
    attacker: Attacker, person: Person, known: list[str], changed: int, missing: int
) -> bool | None:
    """One probe in a workspace of its own: a copy of the registered diagnosis with the
    `changed` known people's values set to 7 and the `missing` next ones' made missing
    (2·changed + missing pairs away), and the target's value set to 1 (no change if
    diagnosed, 2 pairs more if not). Answered with the registered sum? None: the budget
    refused."""
    handle = attacker.workspace(indicator("syk", "kreft"))
    baseline = attacker.sum_of(handle, "syk")
    if baseline is None:
        return None
    steps: list[dict[str, Any]] = [
        *replaced("c", "syk", "7", " or ".join(known[:changed])),
        {"replace": "c", "expr": "1", "if": person.expr()},
    ]
    if missing:
        steps.append({"replace": "c", "expr": "1/0", "if": " or ".join(known[changed:][:missing])})
    attacker.steps(handle, steps)
    total = attacker.sum_of(handle, "c")
    return None if total is None else total == baseline


def _known(truth: Truth, targets: list[Person]) -> list[str]:
    return [
        f'fodselsdato == date("{p.birth}")'
        for p in truth.by_birth(600, skip={p.birth for p in targets})
    ]


@pytest.mark.xfail(
    # Not strict: a game of chance. At 18 pairs a probe certifies about 0.06 of the time, so
    # the 24 probes two budgets give (10, 10, 2 and 2 to the diagnosed) certify 2 or more of
    # 4 in about a third of runs and 0-1 in the rest: a strict marker would fail those.
    strict=False,
    reason="the snap's far edge: 18 pairs from a registered sum get it with chance about "
    "0.06, 20 never (beyond the index's reach), so a copy with nine known people's values "
    "changed and the target's set to 1 returns the registered sum only if diagnosed",
)
def test_the_edge_of_the_snap_certifies_a_diagnosis(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """The far edge of the ramp: nine known people's values changed (18 pairs), and the
    target's set to 1 (20 if undiagnosed, beyond the index's reach: never the registered
    sum). The registered sum certifies a diagnosis. Two diagnosed and two undiagnosed
    targets per project, the diagnosed first, as many probes each as the budget gives (up
    to 10).

    Before (a coin per pair of sets, the ramp 10 to 14 pairs with chance (15 − d)/6, the
    probe at 14 pairs against 16): 2-3 of 4 certified in 24 probes, none wrong. Now the
    ramp runs to 19 pairs, and a set in it gets the registered answer iff the keyed weights
    of the pairs it differs by sum below 7 (rules/differencing.py): at 18 pairs that is
    about 0.05, so 24 probes certify about one diagnosis (at 14 pairs against 16 it is 0.5
    against 0.2: a snap no longer certifies anything)."""
    targets = both_kinds(truth, 4)
    known = _known(truth, targets)
    sure = wrong = probes = 0
    for k, person in enumerate(targets):
        attacker = alice if k % 2 == 0 else bob
        certified = False
        for _ in range(10):
            at = probes * 9
            seen = _probe_edge(attacker, person, known[at : at + 9], 9, 0)
            if seen is None:
                break
            probes += 1
            certified = certified or seen
        sure += certified and person.kreft
        wrong += certified and not person.kreft
    report("the edge of the snap", sure=sure, wrong=wrong, of_diagnosed=4, probes=probes)
    # Fails unless the attacker certifies 2 or more of the 4 diagnoses (none wrong).
    assert sure < 2 or wrong > 0


@pytest.mark.xfail(
    # Not strict: a game of chance. The rule's marginal chance falls from 0.68 at 13 pairs
    # to 0.33 at 15, and a majority of three probes tells them apart three times in four:
    # 7 or 8 of 8 right in about a third of runs, 5-6 in the rest.
    strict=False,
    reason="the ramp read by likelihood: a probe 13 pairs from a registered sum gets it with "
    "chance about 0.68, one at 15 with 0.33; three probes per target and a majority vote "
    "guess diagnoses about three times in four (docs/OUTPUT_CONTROL.md §12)",
)
def test_the_edge_of_the_snap_probed_where_it_leaks_most(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """The ramp where its chance falls fastest, read as an attacker who knows the rule
    would: six known people's values changed and a seventh's made missing (13 pairs, 15 if
    undiagnosed), three probes per target (what two budgets give for eight), the targets
    alternating, and a diagnosis guessed by a majority of registered sums.

    Before (the coin ramp 10 to 14: 2/6 at 13 pairs, never at 15): a registered sum
    certified a diagnosis, 3-4 of 4 in 24 probes (the diagnosed probed first), none
    wrong."""
    targets = [
        p
        for pair in zip(truth.targets(4, kreft=True), truth.targets(4, kreft=False), strict=True)
        for p in pair
    ]
    known = _known(truth, targets)
    right = answered = sure = wrong = used = 0
    for k, person in enumerate(targets):
        attacker = alice if k % 2 == 0 else bob
        seen: list[bool] = []
        for _ in range(3):
            at = used * 7
            used += 1
            found = _probe_edge(attacker, person, known[at : at + 7], 6, 1)
            if found is None:
                break
            seen.append(found)
        if not seen:
            continue
        answered += 1
        right += (2 * sum(seen) > len(seen)) == person.kreft
        sure += all(seen) and person.kreft
        wrong += all(seen) and not person.kreft
    report(
        "the edge of the snap, probed where it leaks most",
        right=right,
        answered=answered,
        of=8,
        all_snapped_diagnosed=sure,
        all_snapped_undiagnosed=wrong,
    )
    assert right <= 6  # of 8: a coin does as well 14 % of the time


def _padding_twice(
    attacker: Attacker, known: list[str], at: int, targets: list[Person], *, reverse: bool
) -> dict[int, bool] | None:
    """One round in a workspace of its own: a copy of the diagnosis with five known people's
    values changed and a sixth's made missing (11 pairs from the registered diagnosis sum),
    its sum asked once; per target the same copy with the target's value set to 1. A
    diagnosed target's copy is the padding's own set, so its sum is the padding's; an
    undiagnosed one's is 2 pairs further. `reverse`: the targets' copies first, the padding
    last. Per target answered (by its index): whether its sum differed from the padding's
    (None: the budget refused the padding)."""
    handle = attacker.workspace(indicator("syk", "kreft"))
    if attacker.sum_of(handle, "syk") is None:
        return None
    attacker.steps(
        handle,
        [
            *replaced("c", "syk", "7", " or ".join(known[at : at + 5])),
            {"replace": "c", "expr": "1/0", "if": known[at + 5]},
        ],
    )
    padding = None if reverse else attacker.sum_of(handle, "c")
    if padding is None and not reverse:
        return None
    # In the other order the first copy is the one that can be answered before the padding
    # is: the round's first target turns with the rounds (the attacker does not know whom
    # to put first).
    start = at // 6 % len(targets) if reverse else 0
    order = list(range(start, len(targets))) + list(range(start))
    totals: dict[int, float] = {}
    for i in order:
        person = targets[i]
        attacker.steps(handle, replaced(f"t{i}", "c", "1", person.expr()))
        total = attacker.sum_of(handle, f"t{i}")
        if total is None:
            break
        totals[i] = total
    if reverse:
        padding = attacker.sum_of(handle, "c")
        if padding is None:
            return None
    return {i: total != padding for i, total in totals.items()}


def _same_padding_twice(
    alice: Attacker, bob: Attacker, truth: Truth, *, reverse: bool
) -> tuple[int, int, int, int]:
    """Rounds of one padding each, alternately in both projects, until both budgets refuse;
    a target whose sum ever differs from its round's padding sum is certified undiagnosed.
    Returns (undiagnosed certified, diagnosed certified, rounds, probes)."""
    targets = both_kinds(truth, 4)
    known = _known(truth, targets)
    certified = [False] * len(targets)
    rounds = probes = 0
    attackers = [alice, bob]
    while attackers and rounds < 40:
        attacker = attackers[rounds % len(attackers)]
        seen = _padding_twice(attacker, known, rounds * 6, targets, reverse=reverse)
        rounds += 1
        if seen is None or len(seen) < len(targets):
            attackers.remove(attacker)  # its budget refused: the other goes on
        for i, differed in (seen or {}).items():
            probes += 1
            certified[i] = certified[i] or differed
    sure = sum(c and not p.kreft for c, p in zip(certified, targets, strict=True))
    wrong = sum(c and p.kreft for c, p in zip(certified, targets, strict=True))
    return sure, wrong, rounds, probes


def _judge_same_padding(
    title: str, alice: Attacker, bob: Attacker, truth: Truth, *, reverse: bool
) -> None:
    """The same padding twice (`_same_padding_twice`), reported; it fails unless the
    attacker certifies 2 or more of the 4 undiagnosed (none wrong)."""
    sure, wrong, rounds, probes = _same_padding_twice(alice, bob, truth, reverse=reverse)
    report(
        title,
        sure_undiagnosed=sure,
        wrong=wrong,
        of_undiagnosed=4,
        rounds=rounds,
        probes=probes,
    )
    assert sure < 2 or wrong > 0


def test_the_same_padding_twice_certifies_no_diagnosis(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """One padding 11 pairs from the registered sum asked alone, then with each target's
    value set to 1: the padding's own set if diagnosed, 13 pairs from the registered sum if
    not. Before, with a coin per pair of sets, the two answers differed about half the time
    if undiagnosed: 4 of 4 undiagnosed certified in 10 rounds, 64 probes. Now the snap is
    decided by keyed weights of the differing pairs, so a difference that holds another
    weighs at least as much: the registered sum does not take the copy if it did not take
    the padding, and the padding (registered, 2 pairs away) answers it; a padding that was
    taken is registered with the registered sum, which it gives the copy."""
    _judge_same_padding("the same padding twice", alice, bob, truth, reverse=False)


def test_the_same_padding_twice_in_the_other_order(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """The same with each target's copy asked first and the padding last: an undiagnosed
    target's copy (13 pairs) declined by the registered sum is answered afresh and
    registered; the padding (11 pairs, a smaller difference) could then be taken by the
    registered sum, the earliest set that takes it (2 of 4 with the weights alone; 4 of 4
    with the coin). Of the sets that take it, the one whose difference weighs least now
    answers it: the copy, 2 pairs away (rules/differencing.py)."""
    _judge_same_padding("the same padding twice, the other order", alice, bob, truth, reverse=True)


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
    targets = both_kinds(truth, 6)
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
    reference = alice.workspace(indicator("syk", "kreft"))
    assert alice.sum_of(reference, "syk") is not None
    right = 0
    targets = both_kinds(truth, 6)
    for i, person in enumerate(targets):
        handle = alice.workspace(
            [
                *indicator("syk", "kreft"),
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
    handle = alice.workspace(indicator("syk", "kreft"))

    def shown(name: str) -> list[Any] | None:
        response = alice.ask(handle, statistic, body(name))
        if response.status_code != 200:
            return None
        rows = response.get_json()["results"][0]["result"]["rows"]
        return [(row["values"], row["reasons"]) for row in rows]

    baseline = shown("syk")
    right = 0
    targets = both_kinds(truth, 6)
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"s{i}", "syk", "1", person.expr()))
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
    reference = alice.workspace(indicator("syk", "kreft"))
    first = _sum_and_mean(alice, reference, "syk")
    assert first is not None
    count = round(first[0] / first[1])
    right = answered = 0
    targets = both_kinds(truth, 6)
    for i, person in enumerate(targets):
        handle = alice.workspace(
            [
                *indicator("syk", "kreft"),
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
    targets = both_kinds(truth, 6)
    for i, person in enumerate(targets):
        alice.steps(handle, replaced(f"h{i}", "lonn", "5000000", f"({person.expr()}) and kreft"))
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
    targets = both_kinds(truth, 6)
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


def _between(attacker: Attacker, person: Person, known: list[str]) -> bool | None:
    """One target in a workspace of its own: R1 = Σ of the diagnosis (registered), R2 = a
    copy with seven known people's values changed (14 pairs) asked until R1 does not take
    it (its own answer; a new seven each try), then X = a copy with four of those seven
    changed and the target's value set to 1: 8 pairs from R1 and 6 from R2 if diagnosed,
    10 and 8 if not. Whether X got R2's answer (None: the budget refused, or no R2)."""
    handle = attacker.workspace(indicator("syk", "kreft"))
    first = attacker.sum_of(handle, "syk")
    if first is None:
        return None
    for attempt in range(3):
        seven = known[attempt * 7 : attempt * 7 + 7]
        attacker.steps(handle, replaced(f"r{attempt}", "syk", "7", " or ".join(seven)))
        second = attacker.sum_of(handle, f"r{attempt}")
        if second is None:
            return None
        if second != first:
            break
    else:
        return None
    attacker.steps(
        handle,
        [
            *replaced("x", "syk", "7", " or ".join(seven[:4])),
            {"replace": "x", "expr": "1", "if": person.expr()},
        ],
    )
    probe = attacker.sum_of(handle, "x")
    return None if probe is None else probe == second


def test_a_set_between_two_registered_answers(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """Two registered sums of different answers 14 pairs apart (R1 declined R2), and a set
    between them moved 2 pairs away from both by the target's value set to 1 if
    undiagnosed: 8 pairs from R1 and 6 from R2, or 10 and 8. With the coin and the
    earliest set, R1's coin at 10 declined it 1/6 of the time (5 of 8 right, 1 certified).
    While a registered set within `min_difference` with another answer (a rival) kept an
    earlier set from taking a set by the weights, the undiagnosed target's copy got R2's
    answer and the diagnosed one's R1's (certain at 8): 6 of 6 right, 3 certified. A set
    now gets the answer of the registered set that takes it whose differing pairs weigh
    least, and the target's pairs add the same weight to both differences."""
    targets = [
        p
        for pair in zip(truth.targets(4, kreft=True), truth.targets(4, kreft=False), strict=True)
        for p in pair
    ]
    known = _known(truth, targets)
    right = answered = sure = wrong = 0
    for k, person in enumerate(targets):
        attacker = alice if k % 2 == 0 else bob
        seen = _between(attacker, person, known[k * 21 : k * 21 + 21])
        if seen is None:
            continue
        answered += 1
        right += seen != person.kreft
        sure += seen and not person.kreft
        wrong += seen and person.kreft
    report(
        "a set between two registered answers",
        right=right,
        answered=answered,
        of=8,
        certified_undiagnosed=sure,
        wrong=wrong,
    )
    # Fails unless R2's answer certifies 2 or more undiagnosed targets (none wrong).
    assert sure < 2 or wrong > 0
