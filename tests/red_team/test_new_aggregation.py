"""Aggregation's exact statistic: `aggregate … count` gives every unit its group's count of
non-missing values exactly (OUTPUT_CONTROL.md §7: "a per-unit value like any other"). Two
counts over one and the same group (everyone) of two variables that differ only in
whether the target's value is missing differ by exactly 0 or 1, the same for every unit,
and a mean over thousands of units shows that difference whatever noise it gets. The
groups are the same set both times, so the differencing guard sees no near set."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Person, Score, Truth, report, restarted
from tests.test_accounts_support import World

PROBES = 8  # targets with a diagnosis, and as many without


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
        label = alice.label(handle, f"q{i}")
        answered += label is not None
        right += (label == "1") == person.kreft
    report("exact group counts: diagnosis", right=right, answered=answered, of=len(targets))
    assert right <= 11  # of 16: a coin does as well 4 % of the time


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
        label = alice.label(handle, "w")
        score.add(None if label is None else float(label), person.wage or 0)
    assert score.failed()


PADDINGS = 4  # pairs of counts per target, each without another known person


def _known(truth: Truth, targets: list[Person], n: int) -> list[str]:
    """Expressions naming n known people, one each, none of them a target."""
    chosen = {p.birth for p in targets}
    return [f'fodselsdato == date("{p.birth}")' for p in truth.by_birth(n, skip=chosen)]


def test_perturbed_group_counts_equal_iff_nothing_changed(alice: Attacker, truth: Truth) -> None:
    """The first attack, read as a determined attacker would: four pairs of counts per
    target, the k-th pair over everyone but the k-th known person (fresh cell keys), and
    any pair whose difference is not 0 means diagnosed."""
    handle = alice.workspace()
    right = answered = 0
    targets = truth.targets(PROBES, kreft=True) + truth.targets(PROBES, kreft=False)
    known = _known(truth, targets, PADDINGS)
    for i, person in enumerate(targets):
        steps: list[dict[str, Any]] = []
        counts: dict[str, list[str]] = {}
        for k, padding in enumerate(known):
            others = f"not ({person.expr()}) and not ({padding})"
            steps += [
                {"generate": f"andre{i}_{k}", "expr": "1", "if": others},
                {
                    "generate": f"syke{i}_{k}",
                    "expr": "1",
                    "if": f"({others}) or (({person.expr()}) and kreft)",
                },
            ]
            counts[f"na{i}_{k}"] = ["count", f"andre{i}_{k}"]
            counts[f"ns{i}_{k}"] = ["count", f"syke{i}_{k}"]
        differs = " + ".join(f"abs(ns{i}_{k} - na{i}_{k})" for k in range(len(known)))
        steps += [{"aggregate": counts, "by": "alle"}, {"generate": f"q{i}", "expr": differs}]
        alice.steps(handle, steps)
        label = alice.label(handle, f"q{i}")
        answered += label is not None
        right += (label is not None and float(label) != 0) == person.kreft
    report("perturbed group counts: equal or not", right=right, answered=answered, of=len(targets))
    assert right <= 11  # of 16: a coin does as well 4 % of the time


def test_perturbed_group_counts_spell_a_wage_by_equality(alice: Attacker, truth: Truth) -> None:
    """The second attack, each bit read as 'a count differs from its reference' in any of
    three pairs, each pair without another known person."""
    score = Score("perturbed group counts: a wage by equality")
    bits, pairs = 21, 3
    targets = truth.targets(4, min_wage=1000)
    known = _known(truth, targets, pairs)
    for person in targets:
        handle = alice.workspace()
        steps: list[dict[str, Any]] = []
        counts: dict[str, list[str]] = {}
        for k, padding in enumerate(known):
            others = f"not ({person.expr()}) and not ({padding})"
            steps.append({"generate": f"andre{k}", "expr": "1", "if": others})
            counts[f"na{k}"] = ["count", f"andre{k}"]
            for j in range(bits):
                bit = f"int(lonn / {2**j}) - 2 * int(lonn / {2 ** (j + 1)}) == 1"
                only = f"({others}) or (({person.expr()}) and {bit})"
                steps.append({"generate": f"d{j}_{k}", "expr": "1", "if": only})
                counts[f"n{j}_{k}"] = ["count", f"d{j}_{k}"]
        steps += [{"aggregate": counts, "by": "alle"}, {"generate": "w", "expr": "0"}]
        for j in range(bits):
            differs = " or ".join(f"n{j}_{k} != na{k}" for k in range(pairs))
            steps.append({"replace": "w", "expr": f"w + {2**j}", "if": differs})
        alice.steps(handle, steps)
        label = alice.label(handle, "w")
        score.add(None if label is None else float(label), person.wage or 0)
    assert score.failed()


def test_group_counts_after_a_restart_are_those_given_first(world: World, truth: Truth) -> None:
    """Group values are looked up in the shared ledger when a step computes them (§7), so a
    workspace rebuilt on another worker or after a restart asks again: it must get the
    values it got the first time, or asking a rebuilt workspace would draw values anew to
    compare or average. Two workspaces: counts by `alle` of everyone but a diagnosed
    target, and of the same plus the target (a unit from the first: its value); both read
    before and after a restart. Fails unless some label changed."""
    home = world.ctx.config.home
    token = world.token("forsker@uio", "analysis")
    alice = Attacker(world.app, token, "alice")
    person = truth.targets(1, kreft=True)[0]
    others = f"not ({person.expr()})"
    handles = [
        alice.workspace(
            [
                {"generate": "v", "expr": "1", "if": expr},
                {"aggregate": {"n": ["count", "v"]}, "by": "alle"},
            ]
        )
        for expr in (others, f"{others} or kreft")
    ]
    before = [alice.label(h, "n") for h in handles]
    ctx, app = restarted(home)
    try:
        again = Attacker(app, token, "alice after a restart")
        after = [again.label(h, "n") for h in reversed(handles)][::-1]
    finally:
        ctx.close()
    report("group counts rebuilt after a restart", before=before, after=after)
    assert before[0] is not None and before == after
    assert before[0] == before[1]  # the second count is a unit from the first: its value
