"""Numbers the previous session added that no attack had tried (issue 13, share b): charts
by groups (a histogram's bins over one group, a bar chart's bars per `by` panel, a hexbin's
hexes of one group), the Sankey diagram of three states (the flows of its second step), the
analysis of variance of several factors, and the pooled coefficients of a multilevel model.
Each is attacked as a researcher would: a group made of the target and people they know,
asked with the target and without (or with a copy of the variable where only the target's
value differs), and the difference read off what is published.

Each attack is one workspace; every request goes through the HTTP API with a researcher's
token. Value attacks are judged by `Score` (many targets), diagnosis attacks by the share of
targets guessed right (half have a diagnosis: a coin gets half), never by one noise draw."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.red_team.conftest import Attacker, Person, Score, Truth, report, value
from tests.red_team.support import born_on, coefficient, judge_membership

TARGETS = 6


def _diagnosed_windows(truth: Truth, size: int = 24) -> list[tuple[int, int]]:
    """Disjoint ranges of birth years each holding at least `size` diagnosed people: the
    padding of a group of diagnosed people. An attacker finds such ranges with one
    (perturbed) table of kreft by birth year; the test takes them from the truth to save
    the requests."""
    years = Counter(int(p.birth[:4]) for p in truth.people if p.kreft)
    windows, start, held = [], None, 0
    for year in sorted(years):
        start = year if start is None else start
        held += years[year]
        if held >= size:
            windows.append((start, year))
            start, held = None, 0
    return windows


def _diagnosed_pad(window: tuple[int, int], person: Person) -> str:
    """Diagnosed people born in the window's years, the target left out."""
    low, high = window
    return (
        f"kreft and year(fodselsdato) >= {low} and year(fodselsdato) <= {high} "
        f"and not ({person.expr()})"
    )


def _cell(response: Any, labels: list[str], column: str = "count", item: int = 0) -> Any:
    """A released cell (None when refused, withheld, suppressed or not shown)."""
    if response.status_code != 200:
        return None
    results = response.get_json()["results"]
    if item >= len(results) or "result" not in results[item]:
        return None
    return value(results[item], labels, column)


# --- charts by groups ------------------------------------------------------------------------


def test_barchart_bar_of_a_group_of_known_people_and_the_target(
    alice: Attacker, truth: Truth
) -> None:
    """Bar chart of the wage's sum over `alle` by a group T (panels): T is the target and
    twelve people named by birth date. Two ways to the target's wage from one panel's bar:
    (1) the bar of z = the wage for the target and 0 for the twelve (a per-group bar equal
    to one unit's value: z is 0 for every other member); (2) the bar of the wage minus the
    bar of a copy with the target's wage set to 0 (a derived variable differing in one
    unit). Judged by `Score` each."""
    handle = alice.workspace()
    lone, differenced = (
        Score("barchart by group: bar of one non-zero unit"),
        Score("barchart by group: bar of the wage less the bar of a copy without the target's"),
    )
    for i, person in enumerate(truth.targets(TARGETS)):
        known = born_on(truth.by_birth(12, offset=12 * i))
        alice.steps(
            handle,
            [
                {"generate": f"g{i}", "expr": f'cond(({person.expr()}) or {known}, "T", "O")'},
                {"generate": f"z{i}", "expr": "0"},
                {"replace": f"z{i}", "expr": "lonn", "if": person.expr()},
                {"generate": f"o{i}", "expr": "lonn"},
                {"replace": f"o{i}", "expr": "0", "if": person.expr()},
            ],
        )

        def bar(variable: str, i: int = i) -> float | None:
            body = {"var": variable, "stat": "sum", "over": "alle", "by": f"g{i}"}
            found = _cell(alice.ask(handle, "barchart", body), ["1", "T"], "sum")
            return None if found is None else float(found)

        lone.add(bar(f"z{i}"), person.wage or 0.0)
        with_target, without = bar("lonn"), bar(f"o{i}")
        estimate = None if with_target is None or without is None else with_target - without
        differenced.add(estimate, person.wage or 0.0)
    assert lone.failed()
    assert differenced.failed()


def _counts_differ(
    alice: Attacker, handle: str, asks: list[tuple[str, dict[str, Any], list[str], int]]
) -> bool | None:
    """Whether the published cell of two asks differs (None: either not published)."""
    responses = [alice.ask(handle, statistic, body) for statistic, body, _, _ in asks]
    found = [_cell(r, a[2], item=a[3]) for r, a in zip(responses, asks, strict=True)]
    if None in found:
        return None
    return bool(found[0] != found[1])


def test_group_of_diagnosed_people_with_and_without_the_target_through_charts(
    alice: Attacker, truth: Truth
) -> None:
    """A group T of diagnosed people (everyone with a diagnosis born in a range of years: 24 to
    40 of them) and the target; T' the same without the target. The cell (T, diagnosed) holds
    one unit more in T than in T' iff the target is diagnosed; otherwise the two cells are
    the same set (the same count, whatever the noise). Read through three new numbers: the
    bar chart's bars per `by` panel (kreft over alle by the group), the Sankey diagram's
    second step (kjonn -> group -> kreft: the flow T -> true), and a hexbin of the group's
    0/1 against kreft's (the hex at (1, 1)). Guess: diagnosed iff the two cells differ.
    A coin gets half right; a difference certifies a diagnosis."""
    handle = alice.workspace([{"generate": "hk", "expr": "cond(kreft, 1, 0)"}])
    windows = _diagnosed_windows(truth)
    # Alternately diagnosed and not: the budget stops the attack after six or seven.
    pairs = zip(truth.targets(4, kreft=True), truth.targets(4, kreft=False), strict=True)
    targets = [person for pair in pairs for person in pair]
    right = {"barchart": 0, "sankey": 0, "hexbin": 0}
    certified = dict.fromkeys(right, 0)
    answered = dict.fromkeys(right, 0)
    for i, person in enumerate(targets):
        pad = _diagnosed_pad(windows[i % len(windows)], person)
        alice.steps(
            handle,
            [
                {"generate": f"g{i}", "expr": f'cond(({person.expr()}) or ({pad}), "T", "O")'},
                {"generate": f"h{i}", "expr": f'cond({pad}, "T", "O")'},
                {"generate": f"gy{i}", "expr": f'cond(g{i} == "T", 1, 0)'},
                {"generate": f"hy{i}", "expr": f'cond(h{i} == "T", 1, 0)'},
            ],
        )
        asks = {
            "barchart": [
                ("barchart", {"var": "kreft", "over": "alle", "by": g}, ["true", "1", "T"], 0)
                for g in (f"g{i}", f"h{i}")
            ],
            "sankey": [
                ("sankey", {"from": "kjonn", "to": g, "then": "kreft"}, ["T", "true"], 1)
                for g in (f"g{i}", f"h{i}")
            ],
        }
        for statistic, pair in asks.items():
            differ = _counts_differ(alice, handle, pair)
            if differ is None:
                continue
            answered[statistic] += 1
            right[statistic] += differ == person.kreft
            certified[statistic] += differ
        hexes = [
            _hex(alice.ask(handle, "hexbin", {"x": "hk", "y": y})) for y in (f"gy{i}", f"hy{i}")
        ]
        if None not in hexes:
            answered["hexbin"] += 1
            right["hexbin"] += (hexes[0] != hexes[1]) == person.kreft
            certified["hexbin"] += hexes[0] != hexes[1]
    report(
        "charts by group: a group of diagnosed people with and without the target",
        targets=len(targets),
        answered=answered,
        right=right,
        certified=certified,
    )
    for statistic in right:
        # Identical sets give identical counts: any difference certifies a diagnosis. The
        # budget stops the attack after a few targets; enough are answered to judge it.
        assert answered[statistic] >= 3, statistic
        assert certified[statistic] == 0, statistic


def _hex(response: Any) -> float | None:
    """The published count of the hex nearest (1, 1), or None."""
    if response.status_code != 200:
        return None
    rows = response.get_json()["results"][0]["result"]["rows"]
    near = [
        r["values"]
        for r in rows
        if r["values"].get("x") is not None and r["values"].get("y") is not None
    ]
    if not near:
        return None
    best = min(near, key=lambda v: (float(v["x"]) - 1) ** 2 + (float(v["y"]) - 1) ** 2)
    if (float(best["x"]) - 1) ** 2 + (float(best["y"]) - 1) ** 2 > 0.25:
        return None  # no hex near (1, 1) published
    return None if best.get("count") is None else float(best["count"])


def test_histogram_of_a_group_with_and_without_the_target(alice: Attacker, truth: Truth) -> None:
    """A histogram by groups: the wage's histogram over one group (the rows `histogram
    lonn, by(g)` counts for g's group T: a variable that is the wage in T and missing
    elsewhere). T is everyone of the target's sex with a wage, the target included; T' the
    same less the target. Every bin but the target's holds the same units in both (the same
    count); the target's bin one unit more in T. The bins whose counts differ locate the
    wage to a bin (about 5 % of a wage of 500,000 with 100 bins); the estimate is the
    middle of the differing bin. Judged by `Score`."""
    handle = alice.workspace()
    score = Score("histogram of a group with and without the target")
    released = parted = 0
    for i, person in enumerate(truth.targets(4, min_wage=200_000)):
        alice.steps(
            handle,
            [
                {"generate": f"v{i}", "expr": "lonn", "if": f'kjonn == "{person.sex}"'},
                {
                    "generate": f"w{i}",
                    "expr": "lonn",
                    "if": f'kjonn == "{person.sex}" and not ({person.expr()})',
                },
            ],
        )
        bars = [
            _bins(alice.ask(handle, "histogram", {"var": v, "bins": 100}))
            for v in (f"v{i}", f"w{i}")
        ]
        estimate = None
        if bars[0] is not None and bars[1] is not None:
            released += 1
            differ = [e for e, n in bars[0].items() if None not in e and bars[1].get(e, n) != n]
            parted += bool(differ)
            if len(differ) == 1:
                estimate = (differ[0][0] + differ[0][1]) / 2
        score.add(estimate, person.wage or 0.0)
    report(
        "histogram of a group with and without the target", released=released, bins_parted=parted
    )
    assert score.failed()


def _bins(response: Any) -> dict[tuple[Any, Any], Any] | None:
    """A released histogram as {(start, end): count}, or None when refused."""
    if response.status_code != 200:
        return None
    rows = response.get_json()["results"][0]["result"]["rows"]
    return {(r["values"]["start"], r["values"]["end"]): r["values"]["count"] for r in rows}


# --- analysis of variance of several factors ------------------------------------------------------


def test_anova_level_of_known_people_and_the_target(alice: Attacker, truth: Truth) -> None:
    """Two-factor anova of the wage by sex and a factor g whose level T is the target and
    twelve people of the target's sex named by birth date (O: everyone else). T lies within
    one sex, so the model fits T's mean exactly: _cons + b_T (+ b_2.kjonn for sex 2). With
    o = the wage but the target's set to 0, the same fit gives T's mean less wage/13:
    13·(mean_T − mean_T') is the wage. And in one release: an outcome that is the target's
    wage and 0 for everyone else, where 13·mean_T is the wage. Judged by `Score` each."""
    handle = alice.workspace()
    score = Score("anova of two factors: a level of twelve known people and the target")
    lone = Score("anova of two factors: an outcome that is the target's wage, 0 elsewhere")
    tracker = Score("anova of two factors: tracker of three levels, each set 20 or more apart")
    known_people = truth.by_birth(1000)
    by_sex = {s: [p for p in known_people if p.sex == s] for s in ("1", "2")}
    for i, person in enumerate(truth.targets(TARGETS)):
        known = born_on(by_sex[person.sex][12 * i : 12 * i + 12])
        alice.steps(
            handle,
            [
                {"generate": f"g{i}", "expr": f'cond(({person.expr()}) or {known}, "T", "O")'},
                {"generate": f"o{i}", "expr": "lonn"},
                {"replace": f"o{i}", "expr": "0", "if": person.expr()},
            ],
        )
        means = []
        for y in ("lonn", f"o{i}"):
            response = alice.ask(handle, "anova", {"var": y, "by": f"g{i}", "also": ["kjonn"]})
            terms = [coefficient(response, t) for t in ("_cons", f"T.g{i}", "2.kjonn")]
            if terms[0] is None or terms[1] is None or (person.sex == "2" and terms[2] is None):
                break
            means.append(terms[0] + terms[1] + ((terms[2] or 0.0) if person.sex == "2" else 0.0))
        estimate = 13 * (means[0] - means[1]) if len(means) == 2 else None
        score.add(estimate, person.wage or 0.0)
        # One release: z is the wage for the target and 0 for everyone else, so T's mean
        # (as above) is the wage over T's 13 units.
        alice.steps(
            handle,
            [
                {"generate": f"z{i}", "expr": "0"},
                {"replace": f"z{i}", "expr": "lonn", "if": person.expr()},
            ],
        )
        response = alice.ask(handle, "anova", {"var": f"z{i}", "by": f"g{i}", "also": ["kjonn"]})
        terms = [coefficient(response, t) for t in ("_cons", f"T.g{i}", "2.kjonn")]
        found = None
        if terms[0] is not None and terms[1] is not None:
            found = 13 * (terms[0] + terms[1] + ((terms[2] or 0.0) if person.sex == "2" else 0.0))
        lone.add(found, person.wage or 0.0)
        # Past the snap: a tracker of three levels whose sets are 21 or more units apart.
        tracker.add(
            _anova_tracker(alice, handle, person, i, by_sex[person.sex]), person.wage or 0.0
        )
    assert score.failed()
    assert lone.failed()
    assert tracker.failed()


def _level_mean(alice: Attacker, handle: str, factor: str, person: Person) -> float | None:
    """The fitted mean of level T of `factor` (within the target's sex) in the two-factor
    anova of the wage by `factor` and sex."""
    response = alice.ask(handle, "anova", {"var": "lonn", "by": factor, "also": ["kjonn"]})
    terms = [coefficient(response, t) for t in ("_cons", f"T.{factor}", "2.kjonn")]
    if terms[0] is None or terms[1] is None or (person.sex == "2" and terms[2] is None):
        return None
    return terms[0] + terms[1] + ((terms[2] or 0.0) if person.sex == "2" else 0.0)


def _anova_tracker(
    alice: Attacker, handle: str, person: Person, i: int, same_sex: list[Person]
) -> float | None:
    """Denning's tracker on a level's mean: T = target + K, U = K + C, V = C, with K 25 and C
    20 known people of the target's sex (from the far end of the list, clear of the other
    groups): Σ_T = 26·m_T, Σ_U = 45·m_U, Σ_V = 20·m_V, so the wage is
    26·m_T − 45·m_U + 20·m_V. The three models' pairs differ in 21, 25 and 46 units: none is
    near another, each is answered afresh."""
    far = same_sex[-(45 * (i + 1)) :][:45]
    k, c = born_on(far[:25]), born_on(far[25:])
    t = person.expr()
    alice.steps(
        handle,
        [
            {"generate": f"kt{i}", "expr": f'cond(({t}) or {k}, "T", "O")'},
            {"generate": f"ku{i}", "expr": f'cond({k} or {c}, "T", "O")'},
            {"generate": f"kv{i}", "expr": f'cond({c}, "T", "O")'},
        ],
    )
    means = [_level_mean(alice, handle, f"k{x}{i}", person) for x in "tuv"]
    if None in means:
        return None
    m_t, m_u, m_v = (float(m) for m in means)  # type: ignore[arg-type]
    return 26 * m_t - 45 * m_u + 20 * m_v


def _published(response: Any) -> Any:
    if response.status_code != 200:
        return response.status_code
    return [
        (
            item["result"].get("population"),
            [(row["values"], row["reasons"]) for row in item["result"]["rows"]],
            item["result"].get("summary"),
            [note["code"] for note in item["result"].get("notes", [])],
        )
        for item in response.get_json()["results"]
    ]


def test_anova_second_factor_with_a_level_of_one(alice: Attacker, truth: Truth) -> None:
    """Two-factor anova of the wage by sex and an age group, and again with a copy of the
    age group whose level for the target is "x" if diagnosed: a level of one unit is left
    out with its row, so the model's sums of squares, F, N and coefficients are over one
    unit less iff the target is diagnosed. Guess: diagnosed iff anything published differs
    (summary, rows, notes). A coin gets half right."""
    handle = alice.workspace(
        [{"generate": "ag", "expr": 'cond(year(fodselsdato) < 1980, "eldre", "ung")'}]
    )
    reference = _published(
        alice.ask(handle, "anova", {"var": "lonn", "by": "kjonn", "also": ["ag"]})
    )
    targets = truth.targets(TARGETS, kreft=True) + truth.targets(TARGETS, kreft=False)
    right = differ = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"a{i}", "expr": "ag"},
                {"replace": f"a{i}", "expr": '"x"', "if": f"({person.expr()}) and kreft"},
            ],
        )
        answer = _published(
            alice.ask(handle, "anova", {"var": "lonn", "by": "kjonn", "also": [f"a{i}"]})
        )
        differ += answer != reference
        right += (answer != reference) == person.kreft
    judge_membership("anova of two factors: a level of one unit", targets, right, differ=differ)


# --- multilevel model: pooled estimates -------------------------------------------------------------


def test_mml_pooled_constant_with_and_without_the_target(alice: Attacker, truth: Truth) -> None:
    """regress_mml of y on a 0/1 x by municipality, where x is 1 for the target and eleven
    people named by birth date: the pooled coefficient of x is (near enough) the mean of
    their wages less the others'; with o = the wage but the target's set to 0, it moves by
    wage/12. 12·(b − b') is the wage (exactly so when the group variance is 0; the GLS
    weights move it a little otherwise). Judged by `Score`."""
    handle = alice.workspace()
    score = Score("regress_mml: pooled coefficient of twelve known people and the target")
    for i, person in enumerate(truth.targets(TARGETS)):
        known = born_on(truth.by_birth(11, offset=11 * i))
        alice.steps(
            handle,
            [
                {"generate": f"x{i}", "expr": "0"},
                {"replace": f"x{i}", "expr": "1", "if": f"({person.expr()}) or {known}"},
                {"generate": f"o{i}", "expr": "lonn"},
                {"replace": f"o{i}", "expr": "0", "if": person.expr()},
            ],
        )
        found = [
            coefficient(
                alice.ask(handle, "regress_mml", {"y": y, "x": [f"x{i}"], "group": "kommune"}),
                f"x{i}",
            )
            for y in ("lonn", f"o{i}")
        ]
        estimate = None if None in found else 12 * (found[0] - found[1])  # type: ignore[operator]
        score.add(estimate, person.wage or 0.0)
    assert score.failed()


def test_anova_level_whose_outcome_is_constant_iff_the_target_is_diagnosed(
    alice: Attacker, truth: Truth
) -> None:
    """Two-factor anova (a level T of the target and 12 known people, and sex) of an outcome
    that is 1 for the 12 and, for the target, 1 iff diagnosed: T's residuals are all 0 iff
    the target is diagnosed, and what one unit's removal moves T's coefficient (its DFBETA,
    the noise's floor) is then 0 for every member of T. Two outcomes:
    - y1: 0 for everyone else, so the fit is perfect iff the target is diagnosed: R² = 1 and
      T's mean exactly 1 (certain);
    - y2: kreft (0/1) for everyone else, no perfect fit: T's fitted mean is 1 give or take
      the small noise of a tight fit iff diagnosed, 12/13 under the target's own DFBETA
      floor (2/13) otherwise. Guess: diagnosed iff it lies within 0.03 of 1.
    The same with y2 through regress_mml's pooled coefficients (T as a 0/1 regressor,
    random intercepts by municipality). A coin gets half right. Alternately diagnosed and
    not, 12 targets. Closed by `regression-outcome-support`: T has 0 or 1 unit off its most
    common outcome, so both worlds are withheld (before: 12/12 right, 6 perfect fits)."""
    handle = alice.workspace([{"generate": "yk", "expr": "cond(kreft, 1, 0)"}])
    pairs = zip(
        truth.targets(TARGETS, kreft=True), truth.targets(TARGETS, kreft=False), strict=True
    )
    targets = [person for pair in pairs for person in pair]
    certain = right = answered = mml_right = mml_answered = 0
    for i, person in enumerate(targets):
        known = born_on(truth.by_birth(12, offset=12 * i))
        t = person.expr()
        alice.steps(
            handle,
            [
                {"generate": f"g{i}", "expr": f'cond(({t}) or {known}, "T", "O")'},
                {"generate": f"p{i}", "expr": "0"},
                {"replace": f"p{i}", "expr": "1", "if": f"{known} or (({t}) and kreft)"},
                {"generate": f"q{i}", "expr": "yk"},
                {"replace": f"q{i}", "expr": "1", "if": known},
            ],
        )
        body = {"var": f"p{i}", "by": f"g{i}", "also": ["kjonn"]}
        response = alice.ask(handle, "anova", body)
        if response.status_code == 200:
            r2 = response.get_json()["results"][0]["result"]["summary"].get("r2", {})
            certain += r2.get("value") == 1.0
        response = alice.ask(handle, "anova", {**body, "var": f"q{i}"})
        terms = [coefficient(response, name) for name in ("_cons", f"T.g{i}", "2.kjonn")]
        if terms[0] is None or terms[1] is None or (person.sex == "2" and terms[2] is None):
            continue
        answered += 1
        mean = terms[0] + terms[1] + ((terms[2] or 0.0) if person.sex == "2" else 0.0)
        right += (abs(mean - 1) < 0.03) == person.kreft
        # The same through regress_mml's pooled coefficients: x the 0/1 of T, random
        # intercepts by municipality; T's mean is _cons + b_x.
        alice.steps(handle, [{"generate": f"x{i}", "expr": f'cond(g{i} == "T", 1, 0)'}])
        response = alice.ask(
            handle, "regress_mml", {"y": f"q{i}", "x": [f"x{i}"], "group": "kommune"}
        )
        pooled = [coefficient(response, name) for name in ("_cons", f"x{i}")]
        if pooled[0] is not None and pooled[1] is not None:
            mml_answered += 1
            mml_right += (abs(pooled[0] + pooled[1] - 1) < 0.03) == person.kreft
    report(
        "anova: a level whose outcome is constant iff the target is diagnosed",
        targets=len(targets),
        perfect_fit_certified=certain,
        answered=answered,
        right=right,
        mml_answered=mml_answered,
        mml_right=mml_right,
    )
    assert certain == 0
    assert right <= max(answered * 3 // 4, len(targets) // 2)
    assert mml_right <= max(mml_answered * 3 // 4, len(targets) // 2)


@pytest.mark.xfail(
    # Not strict: a game of chance. The verdict at the rule's bound is one perturbed count's
    # worth (docs/OUTPUT_CONTROL.md §3: a Bayes accuracy of about 0.61 per target), and the
    # assertion's three quarters of 12 is crossed in some sessions: 28 sessions on 7
    # December (15 on dd3a8a7, 13 on 7c9941c, each its own key) gave 4-11 right of 12, mean
    # 7.5 and 8.1 (0.63 and 0.67 per target), 10 or more in 6 of 28; the verdict alone once
    # 12 of 12. Both final runs of 7c9941c (CI and a fresh clone) failed it (10 of 12).
    strict=False,
    reason="the outcome-support verdict at its bound tells a diagnosis as one perturbed "
    "count does (about 0.6-0.7 per target), which 12 targets read above three quarters in "
    "about one session in five (docs/OUTPUT_CONTROL.md §12)",
)
def test_anova_level_padded_to_the_outcome_support_bound(alice: Attacker, truth: Truth) -> None:
    """The attack on `regression-outcome-support` itself: the level T of the target and 12
    known people whose outcome is 1, padded with 9 known people whose outcome is 0 (kreft
    elsewhere), so T has 9 units off its most common outcome if the target is diagnosed and
    10 if not, at the rule's bound. The verdict is a perturbed count drawn by T's units (the
    same key in both worlds): a release says "more likely not diagnosed", never for sure; a
    released T's fitted mean is 13/22 or 12/22 under model-noise's floor (the padders'
    residuals are not 0). Guess: withheld, or a mean above 12.5/22: diagnosed. Reported: how
    many of each world were withheld, and the guesses right. Asserted: the verdict is no
    oracle (not every diagnosed withheld and every other released), and the guesses no
    better than a quarter wrong."""
    handle = alice.workspace([{"generate": "yk", "expr": "cond(kreft, 1, 0)"}])
    pairs = zip(
        truth.targets(TARGETS, kreft=True), truth.targets(TARGETS, kreft=False), strict=True
    )
    targets = [person for pair in pairs for person in pair]
    skip = {p.birth for p in targets}
    withheld = {True: 0, False: 0}
    right = verdict_right = 0
    for i, person in enumerate(targets):
        known = truth.by_birth(21, skip=skip, offset=21 * i + 300)
        ones, zeros = born_on(known[:12]), born_on(known[12:])
        t = person.expr()
        alice.steps(
            handle,
            [
                {"generate": f"h{i}", "expr": f'cond(({t}) or {ones} or {zeros}, "T", "O")'},
                {"generate": f"w{i}", "expr": "yk"},
                {"replace": f"w{i}", "expr": "1", "if": ones},
                {"replace": f"w{i}", "expr": "0", "if": zeros},
            ],
        )
        response = alice.ask(handle, "anova", {"var": f"w{i}", "by": f"h{i}", "also": ["kjonn"]})
        terms = [coefficient(response, name) for name in ("_cons", f"T.h{i}", "2.kjonn")]
        released = not (
            terms[0] is None or terms[1] is None or (person.sex == "2" and terms[2] is None)
        )
        withheld[person.kreft] += not released
        verdict_right += (not released) == person.kreft
        if not released:
            right += person.kreft
            continue
        mean = terms[0] + terms[1] + ((terms[2] or 0.0) if person.sex == "2" else 0.0)  # type: ignore[operator]
        right += (mean > 12.5 / 22) == person.kreft
    judge_membership(
        "anova: a level padded to the outcome-support bound (9 or 10 off the mode)",
        targets,
        right,
        withheld_diagnosed=withheld[True],
        withheld_not=withheld[False],
        verdict_right=verdict_right,
    )
    assert withheld[True] < TARGETS or withheld[False] > 0
