"""Differencing: the same statistic over two populations, or two variables, that differ in
one person; then the walks around a guard keyed on names (renames, derived variables, a
scaled copy, a copy with one unit's value changed, `replace`) and a tracker whose sets are
all ten or more units apart (OUTPUT_CONTROL.md §0, cases 16-18).

Each attack names its target by the facts an attacker knows (birth date, sex,
municipality) and is judged by how many targets' wages it recovers within 5 %."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Truth, report, within

TARGETS = 8


def test_filter_differencing_sum_over_everyone_and_everyone_but_the_target(
    alice: Attacker, truth: Truth
) -> None:
    everyone = alice.workspace()
    total = alice.sum_of(everyone, "lonn")
    assert total is not None
    recovered = refused = 0
    for person in truth.targets(TARGETS):
        without = alice.workspace([{"drop_if": person.expr()}])
        rest = alice.sum_of(without, "lonn")
        refused += rest is None
        estimate = None if rest is None else total - rest
        recovered += within(estimate, person.wage or 0)
    report("filter differencing (sum)", targets=TARGETS, recovered=recovered, refused=refused)
    assert recovered == 0


def test_differencing_under_a_new_name(alice: Attacker, truth: Truth) -> None:
    everyone = alice.workspace()
    total = alice.sum_of(everyone, "lonn")
    assert total is not None
    recovered = refused = 0
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
        refused += rest is None
        recovered += within(None if rest is None else total - rest, person.wage or 0)
    report("differencing under a new name", targets=TARGETS, recovered=recovered, refused=refused)
    assert recovered == 0


def test_scaled_copy_with_the_target_zeroed(alice: Attacker, truth: Truth) -> None:
    """Case 17 through the API: Σ 2y and Σ 2y·[unit ≠ u] over the same units."""
    handle = alice.workspace()
    recovered, errors = 0, []
    for i, person in enumerate(truth.targets(20)):
        alice.steps(
            handle,
            [
                {"generate": f"to{i}", "expr": "2 * lonn"},
                {"generate": f"uten{i}", "expr": "2 * lonn"},
                {"replace": f"uten{i}", "expr": "0", "if": person.expr()},
            ],
        )
        a, b = alice.sum_of(handle, f"to{i}"), alice.sum_of(handle, f"uten{i}")
        estimate = None if a is None or b is None else (a - b) / 2
        recovered += within(estimate, person.wage or 0)
        if estimate is not None:
            errors.append(abs(estimate - (person.wage or 0)) / (person.wage or 1))
    median = sorted(errors)[len(errors) // 2] if errors else None
    report("scaled copy, target zeroed", targets=20, recovered=recovered, median_rel_error=median)
    assert recovered <= 1


def test_copy_with_one_units_value_changed_by_one_percent(alice: Attacker, truth: Truth) -> None:
    """S1 = Σ y and S2 = Σ y·(1 + 0.01·[u]): (S2 − S1)/0.01 would be y_u."""
    handle = alice.workspace()
    first = alice.sum_of(handle, "lonn")
    assert first is not None
    recovered = 0
    for i, person in enumerate(truth.targets(20)):
        alice.steps(
            handle,
            [
                {"generate": f"z{i}", "expr": "lonn"},
                {"replace": f"z{i}", "expr": f"z{i} * 1.01", "if": person.expr()},
            ],
        )
        second = alice.sum_of(handle, f"z{i}")
        estimate = None if second is None else (second - first) / 0.01
        recovered += within(estimate, person.wage or 0)
    report("copy with one value changed by 1 %", targets=20, recovered=recovered)
    assert recovered <= 1


def test_replace_on_everyone_but_the_target(alice: Attacker, truth: Truth) -> None:
    """Case 18: Σ z, then `replace z = 3z if unit ≠ u`, Σ z again: (3·S1 − S2)/2 = y_u."""
    handle = alice.workspace()
    recovered = 0
    for i, person in enumerate(truth.targets(20)):
        alice.steps(handle, [{"generate": f"z{i}", "expr": "lonn"}])
        first = alice.sum_of(handle, f"z{i}")
        alice.steps(
            handle, [{"replace": f"z{i}", "expr": f"3 * z{i}", "if": f"not ({person.expr()})"}]
        )
        second = alice.sum_of(handle, f"z{i}")
        estimate = None if first is None or second is None else (3 * first - second) / 2
        recovered += within(estimate, person.wage or 0)
    report("replace on all but the target", targets=20, recovered=recovered)
    assert recovered <= 1


def test_tracker_of_sets_all_ten_or_more_apart(alice: Attacker, truth: Truth) -> None:
    """Denning's tracker: with A and B ten known people each, the populations P, P − (A+t),
    P − B and P − (A+B) are pairwise ≥ 10 units apart, and
    S(P) − S(P−A−t) − S(P−B) + S(P−A−B) = y_t."""
    recovered, refused, errors = 0, 0, []
    targets = truth.targets(6)
    skip = {p.birth for p in targets}
    everyone = alice.workspace()
    total = alice.sum_of(everyone, "lonn")
    assert total is not None
    for i, person in enumerate(targets):
        a = truth.by_birth(10, skip=skip, offset=20 * i)
        b = truth.by_birth(10, skip=skip, offset=20 * i + 10)
        in_a = "inlist(fodselsdato, " + ", ".join(f'date("{p.birth}")' for p in a) + ")"
        in_b = "inlist(fodselsdato, " + ", ".join(f'date("{p.birth}")' for p in b) + ")"
        sums = []
        for dropped in (f"{in_a} or ({person.expr()})", in_b, f"{in_a} or {in_b}"):
            handle = alice.workspace([{"drop_if": dropped}])
            sums.append(alice.sum_of(handle, "lonn"))
        if None in sums:
            refused += 1
            continue
        s1, s2, s3 = (s for s in sums if s is not None)
        estimate = total - s1 - s2 + s3
        errors.append(round(abs(estimate - (person.wage or 0)) / (person.wage or 1), 3))
        recovered += within(estimate, person.wage or 0)
    report(
        "tracker (sets >= 10 apart)",
        targets=len(targets),
        recovered=recovered,
        refused=refused,
        rel_errors=errors,
    )
    assert recovered <= 1
