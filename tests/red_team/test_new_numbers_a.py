"""Numbers released last (issue 15's table options, issue 13's group statistics) attacked as a
determined researcher would, through the HTTP API with a researcher token: the group
statistics of `aggregate` (sum and mean over the group's row count; gini, p25, p75,
percent) and `tabulate`'s chi-square test, per-cell percentiles and Gini. `correlate`'s
covariance matrix: test_new_numbers_a_covariance.py."""

from __future__ import annotations

from tests.red_team.conftest import Attacker, Person, Score, Truth, report
from tests.red_team.test_exposure_evasions import _dates

STRENGTH = 0.5  # magnitude-noise's strength: a total's noise sd over its largest contribution


# --- aggregate: sum over mean is the group's exact row count -------------------------------

PADDERS = 25


def _alternating(truth: Truth) -> list[Person]:
    """4 targets with a diagnosis and 4 without, in turn (a budget that ends stops both)."""
    found = truth.targets(4, kreft=True) + truth.targets(4, kreft=False)
    return [p for pair in zip(found[:4], found[4:], strict=True) for p in pair]


def test_group_sum_over_mean_counts_exactly(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """`aggregate` published a group's sum as T + e and its mean as (T + e)/n with n the
    group's exact number of rows with a value (the same draw e): their ratio was n. v = 1
    for 25 known people (a pool of their own per target) and for the target if diagnosed,
    by `alle`: sum / mean − 25 is the diagnosis, read as one label per target; 8 targets
    (diagnosed and not in turn), 4 per project (a project's budget holds 4 such
    workspaces). A reading is exact when it is the diagnosis to the last digit: a mean over
    a perturbed count makes it the count's noise (0 about a quarter of the time). FAILS
    when at most 6 of the 8 readings are exact (by chance: p(0)^7 · 8, under 0.1 %)."""
    targets = _alternating(truth)
    known = truth.by_birth(PADDERS * len(targets), skip={p.birth for p in targets}, offset=900)
    right = answered = exact = 0
    estimates: list[float | None] = []
    for i, person in enumerate(targets):
        attacker = alice if i < len(targets) // 2 else bob
        pool = known[i * PADDERS : (i + 1) * PADDERS]
        steps: list[dict[str, object]] = [
            {"generate": "v", "expr": "1", "if": _dates(pool)},
            {"replace": "v", "expr": "1", "if": f"({person.expr()}) and kreft"},
            {"aggregate": {"s": ["sum", "v"], "m": ["mean", "v"]}, "by": "alle"},
            {"generate": "d", "expr": f"s / m - {PADDERS}"},
        ]
        handle = attacker.workspace(steps)
        label = attacker.label(handle, "d")
        estimates.append(None if label is None else float(label))
        if label is None:
            continue
        answered += 1
        right += (float(label) > 0.5) == person.kreft
        exact += abs(float(label) - float(person.kreft)) < 1e-9
    report(
        "aggregate sum / mean: the group's exact row count",
        exact=exact,
        right=right,
        answered=answered,
        of=len(targets),
        estimates=[None if e is None else round(e, 3) for e in estimates],
        statuses={"alice": alice.statuses, "bob": bob.statuses},
    )
    assert alice.statuses.get(200, 0) > 0 and bob.statuses.get(200, 0) > 0
    assert exact <= 6


def test_group_percent_total_beside_a_registered_count(alice: Attacker, truth: Truth) -> None:
    """`aggregate (percent)` is 100 · the group's count (as `count` gives it: a set one unit
    from a registered count gets that count) over the perturbed count of every group's rows
    with a value. u = 1 for 25 known people (a pool per target) and the target; its count by
    `alle` is registered; v = u but missing for the target if diagnosed, and its percent by
    `alle` is read as a label: 100 exactly when v is u, and when the target was dropped the
    count is the registered one while the total is a fresh count of the set without the
    target: unless its noise happens to agree, not 100. Diagnosed iff the label is not 100.
    FAILS when at most 6 of 8 targets are guessed right."""
    targets = _alternating(truth)
    known = truth.by_birth(PADDERS * len(targets), skip={p.birth for p in targets}, offset=1200)
    right = answered = 0
    labels: list[str | None] = []
    for i, person in enumerate(targets):
        pool = known[i * PADDERS : (i + 1) * PADDERS]
        steps: list[dict[str, object]] = [
            {"generate": "u", "expr": "1", "if": f"{_dates(pool)} or ({person.expr()})"},
            {"aggregate": {"c": ["count", "u"]}, "by": "alle"},
            {"generate": "v", "expr": "u"},
            {"replace": "v", "expr": "1/0", "if": f"({person.expr()}) and kreft"},
            {"aggregate": {"p": ["percent", "v"]}, "by": "alle"},
        ]
        handle = alice.workspace(steps)
        label = alice.label(handle, "p")
        labels.append(label)
        if label is None:
            continue
        answered += 1
        right += (abs(float(label) - 100.0) > 1e-9) == person.kreft
    report(
        "aggregate percent: a fresh total beside a registered count",
        right=right,
        answered=answered,
        of=len(targets),
        labels=labels,
        statuses=alice.statuses,
    )
    assert alice.statuses.get(200, 0) > 0
    assert right <= 6


# --- tabulate's chi-square: does it invert to the exact cell counts? -----------------------


def _chi2_cell(chi2: float, b: float, c: float, d: float, near: float) -> float | None:
    """The cell a of a 2×2 table [[a, b], [c, d]] whose Pearson statistic is chi2, the
    other cells given: the root of N·(ad − bc)² = chi2·(a + b)(c + d)(a + c)(b + d) nearest
    `near`, found on a fine grid (the statistic is shown to 4 figures)."""
    best: tuple[float, float] | None = None
    for k in range(0, 20001):
        a = k / 20
        n = a + b + c + d
        den = (a + b) * (c + d) * (a + c) * (b + d)
        if den <= 0:
            continue
        gap = abs(n * (a * d - b * c) ** 2 / den - chi2) / max(chi2, 1e-9)
        if gap < 5e-4 and (best is None or abs(a - near) < abs(best[0] - near)):
            best = (a, gap)
    return None if best is None else best[0]


def test_chi2_inverts_only_to_the_published_cells(alice: Attacker, truth: Truth) -> None:
    """Pearson's chi-square of a 2×2 table (sex × born before 1970, in one municipality; a
    table of diagnoses has a small cell withheld, and then no test) shown to 4 figures: with
    the other three cells as published, the statistic fixes the fourth up to a quadratic's
    two roots. Were it computed from the exact counts, the root would be the exact count of
    women born before 1970 there; computed from the published table, it is the
    published (perturbed) cell. Over 6 municipalities the attacker's exact hits from the
    statistic are counted against the published cell's own. FAILS when the statistic gives
    no more exact counts than the published cells do."""
    sizes: dict[str, int] = {}
    for p in truth.people:
        sizes[p.kommune] = sizes.get(p.kommune, 0) + 1
    places = sorted((k for k, n in sizes.items() if 400 <= n <= 3000), key=lambda k: -sizes[k])[:6]
    steps: list[dict[str, object]] = [
        {"generate": "eldre", "expr": 'fodselsdato < date("1970-01-01")'}
    ]
    for i, place in enumerate(places):
        steps.append({"generate": f"s{i}", "expr": "kjonn", "if": f'kommune == "{place}"'})
    handle = alice.workspace(steps)
    from_chi2 = from_table = tested = 0
    for i, place in enumerate(places):
        exact = sum(
            1
            for p in truth.people
            if p.kommune == place and p.birth < "1970-01-01" and p.sex == "2"
        )
        response = alice.ask(handle, "tabulate", {"vars": [f"s{i}", "eldre"], "chi2": True})
        if response.status_code != 200:
            continue
        item = response.get_json()["results"][0]
        test = item.get("chi2") or {}
        cells = {tuple(row["labels"]): row["values"].get("count") for row in item["result"]["rows"]}
        a, b = cells.get(("2", "true")), cells.get(("2", "false"))
        c, d = cells.get(("1", "true")), cells.get(("1", "false"))
        if test.get("statistic") is None or None in (a, b, c, d):
            continue
        tested += 1
        found = _chi2_cell(float(test["statistic"]), float(b), float(c), float(d), float(a))
        from_chi2 += found is not None and round(found) == exact
        from_table += a == exact
    report(
        "chi2 of a published 2x2 table inverted to a cell",
        tables=len(places),
        tested=tested,
        exact_from_chi2=from_chi2,
        exact_from_published_cell=from_table,
    )
    assert tested > 0
    assert from_chi2 <= from_table


# --- aggregate gini: one unit's value changed ----------------------------------------------

LEVEL = 100_000.0  # the known people's value
KNOWN = 12


def _wage_from_gini(g: float) -> float | None:
    """w from the Gini of KNOWN values at LEVEL and w > LEVEL above them:
    G = KNOWN·(w − c)/((KNOWN + 1)·(KNOWN·c + w)), solved for w."""
    k, c = KNOWN, LEVEL
    below = k - (k + 1) * g
    return None if below <= 0 else c * (k * (k + 1) * g + k) / below


def test_group_gini_with_one_value_changed(alice: Attacker, truth: Truth) -> None:
    """`aggregate gini` by `alle` of v (the target's wage for the target, 100,000 for 12
    known people, missing for everyone else) and of v2, the same but the target's value
    doubled (a set one (unit, value) pair from the first): two Ginis whose difference
    G(2w) − G(w) is a function of the wage alone. Per target one workspace; the wage solved
    from each Gini and from the pair (the root of G(2w) − G(w) = the difference seen, on a
    grid). The second is answered with the first's registered value (group_values.py), so
    the difference is 0; each Gini alone carries its numerator's noise, the size of the
    target's own term. Judged by Score (6 targets): FAILS when the
    best of the three readings has a median error of 25 % or more and at most two targets
    within 5 %."""
    targets = truth.targets(6, min_wage=150_000)
    known = truth.by_birth(KNOWN * len(targets), skip={p.birth for p in targets}, offset=1500)
    readings: dict[str, Score] = {
        name: Score(f"aggregate gini, one value changed: {name}")
        for name in ("first", "second", "difference")
    }
    for i, person in enumerate(targets):
        pool = known[i * KNOWN : (i + 1) * KNOWN]
        steps: list[dict[str, object]] = [
            {"generate": "v", "expr": f"{LEVEL}", "if": _dates(pool)},
            {"replace": "v", "expr": "lonn", "if": person.expr()},
            {"generate": "v2", "expr": "v"},
            {"replace": "v2", "expr": "2 * lonn", "if": person.expr()},
            {"aggregate": {"g1": ["gini", "v"], "g2": ["gini", "v2"]}, "by": "alle"},
        ]
        handle = alice.workspace(steps)
        first, second = alice.label(handle, "g1"), alice.label(handle, "g2")
        wage = float(person.wage or 0)
        one = None if first is None else _wage_from_gini(float(first))
        two = None if second is None else _wage_from_gini(float(second))
        readings["first"].add(one, wage)
        readings["second"].add(None if two is None else two / 2, wage)
        difference = None
        if first is not None and second is not None:
            seen = float(second) - float(first)
            grid = [LEVEL * (1.0 + k / 100) for k in range(1, 2000)]

            def gini(w: float) -> float:
                return KNOWN * (w - LEVEL) / ((KNOWN + 1) * (KNOWN * LEVEL + w))

            difference = min(grid, key=lambda w: abs(gini(2 * w) - gini(w) - seen))
        readings["difference"].add(difference, wage)
    verdicts = [score.failed() for score in readings.values()]
    assert alice.statuses.get(200, 0) > 0
    assert all(verdicts)


# --- aggregate p25/p75: a group of nine and the target ---------------------------------------


def test_group_quartile_of_nine_and_the_target(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """`aggregate p75` (and p25, min, max, median: the smoothed windows) of a group was
    missing for a group of fewer than 10 units. v_i = 1 for 9 known people (a pool per
    target) and for target i if diagnosed, by `alle`: the group has 10 units iff the target
    is diagnosed. 6 targets per project (3 diagnosed) in one workspace (a second is past
    the budget: a label's input fees), their quartiles read at once as the bits of one
    label, b = Σ 2^i·[q_i not missing]; diagnosed iff the bit is set. Now whether a group
    has a value is decided on its perturbed count: a group of 10 has one with probability
    0.615, of 9 with 0.386 (ptable D5 V3), so a guess is right about 61 % of the time.
    FAILS when some answered guess is wrong, or fewer than 8 are answered (all 12 right by
    chance: 0.615^12, 0.3 % of runs; before the fix 12 of 12, labels 7 and 7).
    """
    nine = 9
    right = answered = 0
    labels: list[str | None] = []
    people = truth.targets(12, kreft=True) + truth.targets(12, kreft=False)
    known = truth.by_birth(nine * len(people), skip={p.birth for p in people}, offset=2100)
    for w in range(4):  # two workspaces per project: the second is past the budget
        attacker = (alice, bob)[w // 2]
        targets = people[w * 3 : w * 3 + 3] + people[12 + w * 3 : 12 + w * 3 + 3]
        steps: list[dict[str, object]] = []
        stats: dict[str, list[str]] = {}
        for i, person in enumerate(targets):
            at = (w * 6 + i) * nine
            steps += [
                {"generate": f"v{i}", "expr": "1", "if": _dates(known[at : at + nine])},
                {"replace": f"v{i}", "expr": "1", "if": f"({person.expr()}) and kreft"},
            ]
            stats[f"q{i}"] = ["p75", f"v{i}"]
        steps += [{"aggregate": stats, "by": "alle"}, {"generate": "b", "expr": "0"}]
        steps += [
            {"replace": "b", "expr": f"b + {2**i}", "if": f"not sysmiss(q{i})"}
            for i in range(len(targets))
        ]
        handle = attacker.workspace(steps)
        label = attacker.label(handle, "b")
        labels.append(label)
        if label is None:
            continue
        shown = int(float(label))
        for i, person in enumerate(targets):
            answered += 1
            right += bool(shown >> i & 1) == person.kreft
    report(
        "aggregate p75 of nine known people and the target if diagnosed",
        right=right,
        answered=answered,
        of=len(people),
        labels=labels,
        statuses={"alice": alice.statuses, "bob": bob.statuses},
    )
    assert alice.statuses.get(200, 0) > 0 and bob.statuses.get(200, 0) > 0
    assert right < answered or answered < 8
