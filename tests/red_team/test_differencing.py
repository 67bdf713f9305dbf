"""Differencing: the same statistic over two populations, or two variables, that differ in
one person; then the walks around a guard keyed on names (renames, derived variables, a
scaled copy, a copy with one unit's value changed, `replace`) and a tracker whose sets are
all ten or more units apart (OUTPUT_CONTROL.md §0, cases 16-18).

Each attack names its target by the facts an attacker knows (birth date, sex,
municipality) and is judged by how close it comes to the target's wage (`Score`)."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Score, Truth

TARGETS = 6


def test_filter_differencing_sum_over_everyone_and_everyone_but_the_target(
    alice: Attacker, truth: Truth
) -> None:
    everyone = alice.workspace()
    total = alice.sum_of(everyone, "lonn")
    assert total is not None
    score = Score("filter differencing (sum over P and P - target)")
    for person in truth.targets(TARGETS):
        without = alice.workspace([{"drop_if": person.expr()}])
        rest = alice.sum_of(without, "lonn")
        score.add(None if rest is None else total - rest, person.wage or 0)
    assert score.failed()


def test_differencing_under_a_new_name(alice: Attacker, truth: Truth) -> None:
    everyone = alice.workspace()
    total = alice.sum_of(everyone, "lonn")
    assert total is not None
    score = Score("differencing under a new name (rename, derived copy)")
    for i, person in enumerate(truth.targets(TARGETS)):
        # A rename, then a derived copy: neither may make the smaller set look new.
        steps: list[dict[str, Any]] = [
            {"drop_if": person.expr()},
            {"rename": {"lonn": f"inntekt{i}"}},
        ]
        if i % 2:
            steps.append({"generate": f"kopi{i}", "expr": f"inntekt{i} + 0"})
        without = alice.workspace(steps)
        rest = alice.sum_of(without, f"kopi{i}" if i % 2 else f"inntekt{i}")
        score.add(None if rest is None else total - rest, person.wage or 0)
    assert score.failed()


def test_scaled_copy_with_the_target_zeroed(alice: Attacker, truth: Truth) -> None:
    """Case 17 through the API: Σ 2y and Σ 2y·[unit ≠ u] over the same units."""
    handle = alice.workspace()
    score = Score("scaled copy, target zeroed (case 17)")
    for i, person in enumerate(truth.targets(12)):
        alice.steps(
            handle,
            [
                {"generate": f"to{i}", "expr": "2 * lonn"},
                {"generate": f"uten{i}", "expr": "2 * lonn"},
                {"replace": f"uten{i}", "expr": "0", "if": person.expr()},
            ],
        )
        a, b = alice.sum_of(handle, f"to{i}"), alice.sum_of(handle, f"uten{i}")
        score.add(None if a is None or b is None else (a - b) / 2, person.wage or 0)
    assert score.failed()


def test_copy_with_one_units_value_changed_by_one_percent(alice: Attacker, truth: Truth) -> None:
    """S1 = Σ y and S2 = Σ y·(1 + 0.01·[u]): (S2 − S1)/0.01 would be y_u."""
    handle = alice.workspace()
    first = alice.sum_of(handle, "lonn")
    assert first is not None
    score = Score("copy with one value changed by 1 %")
    for i, person in enumerate(truth.targets(12)):
        alice.steps(
            handle,
            [
                {"generate": f"z{i}", "expr": "lonn"},
                {"replace": f"z{i}", "expr": f"z{i} * 1.01", "if": person.expr()},
            ],
        )
        second = alice.sum_of(handle, f"z{i}")
        score.add(None if second is None else (second - first) / 0.01, person.wage or 0)
    assert score.failed()


def test_replace_on_everyone_but_the_target(alice: Attacker, truth: Truth) -> None:
    """Case 18: Σ z, then `replace z = 3z if unit ≠ u`, Σ z again: (3·S1 − S2)/2 = y_u."""
    handle = alice.workspace()
    score = Score("replace on all but the target (case 18)")
    for i, person in enumerate(truth.targets(12)):
        alice.steps(handle, [{"generate": f"z{i}", "expr": "lonn"}])
        first = alice.sum_of(handle, f"z{i}")
        alice.steps(
            handle, [{"replace": f"z{i}", "expr": f"3 * z{i}", "if": f"not ({person.expr()})"}]
        )
        second = alice.sum_of(handle, f"z{i}")
        estimate = None if first is None or second is None else (3 * first - second) / 2
        score.add(estimate, person.wage or 0)
    assert score.failed()


def test_tracker_of_sets_all_ten_or_more_apart(alice: Attacker, truth: Truth) -> None:
    """Denning's tracker: with A and B ten known people each, the populations P, P − (A+t),
    P − B and P − (A+B) are pairwise ≥ 10 units apart, and
    S(P) − S(P−A−t) − S(P−B) + S(P−A−B) = y_t."""
    targets = truth.targets(4)
    skip = {p.birth for p in targets}
    everyone = alice.workspace()
    total = alice.sum_of(everyone, "lonn")
    assert total is not None
    score = Score("tracker (four populations, all >= 10 units apart)")
    for i, person in enumerate(targets):
        a = truth.by_birth(10, skip=skip, offset=20 * i)
        b = truth.by_birth(10, skip=skip, offset=20 * i + 10)
        in_a = "inlist(fodselsdato, " + ", ".join(f'date("{p.birth}")' for p in a) + ")"
        in_b = "inlist(fodselsdato, " + ", ".join(f'date("{p.birth}")' for p in b) + ")"
        sums = []
        for dropped in (f"{in_a} or ({person.expr()})", in_b, f"{in_a} or {in_b}"):
            handle = alice.workspace([{"drop_if": dropped}])
            sums.append(alice.sum_of(handle, "lonn"))
        s1, s2, s3 = sums
        if s1 is None or s2 is None or s3 is None:
            score.add(None, person.wage or 0)
            continue
        score.add(total - s1 - s2 + s3, person.wage or 0)
    assert score.failed()
