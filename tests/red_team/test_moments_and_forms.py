"""The tests of normality (normaltest) and the forms of one model (Weibull AFT and PH,
logit with classical and robust standard errors), attacked as a determined researcher would.

normaltest publishes N, skewness and kurtosis (and tests computed from them) from perturbed
central-moment totals S2, S3, S4. Skewness and kurtosis are free of scale, so a variable that
is the target's wage against a constant for everyone else tells nothing of the wage (a
two-point distribution's moments depend on its counts alone); against a known population
whose moments the attacker has from sums, one extreme wage is the only unknown, and it
holds S3 and S4 almost alone: their noise, a share of its own contribution, is all that
hides it.

The forms of one model carry one number twice: the AFT coefficient β and the PH log hazard
ratio −ρβ of the same Weibull fit, the coefficient of a logit under classical and robust
standard errors. Were their noise independent, the average of the forms would halve the
noise's variance on what is one number."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from tests.red_team.conftest import Attacker, Score, Truth, report

TARGETS = 6


def _moments(response: Any) -> dict[str, float] | None:
    if response.status_code != 200:
        return None
    found = {}
    for row in response.get_json()["results"][0]["result"]["rows"]:
        value = row["values"].get("value")
        if value is not None:
            found[row["labels"][0]] = float(value)
    return found if "skewness" in found and "kurtosis" in found else None


def _summary(response: Any) -> dict[str, float] | None:
    """A summarize's published values by statistic (row label or column)."""
    if response.status_code != 200:
        return None
    found: dict[str, float] = {}
    rows = [r for item in response.get_json()["results"] for r in item["result"]["rows"]]
    for row in rows:
        for name, value in row["values"].items():
            if value is not None:
                key = name if name != "value" else str(row["labels"][0])
                found[key] = float(value)
    return found


def _totals_after(rest: list[float], shift: np.ndarray) -> list[np.ndarray]:
    """Central-moment totals S_0..S_4 of the rest about a point `shift` from their mean."""
    from math import comb

    return [sum(comb(k, j) * rest[j] * shift ** (k - j) for j in range(k + 1)) for k in range(5)]


def test_normaltest_kurtosis_reads_a_dominant_wage(alice: Attacker, truth: Truth) -> None:
    """The magnitude oracle: the wage over the small earners (≤ 50,000) and the target, whose
    wage (≥ 300,000) dominates S3 and S4. The rest's moments come from the sums of their first
    to fourth powers (asked first: a set one unit from an answered one is guarded), the
    target's wage is the w whose one point added to them gives the published skewness and
    kurtosis. The noise on S4 is a share of the target's own (w − mean)⁴, so w comes out to a
    quarter of that share (a third of S3's, when the sum of fourth powers is withheld).
    Judged by `Score`."""
    handle = alice.workspace()
    targets = truth.targets(TARGETS, min_wage=300_000)
    score = Score("normaltest: a dominant wage read back from kurtosis and skewness")
    for i, person in enumerate(targets):
        # Another band of small earners per target: sets far apart, no snap between them.
        small = f"lonn <= {50_000 - 3_000 * i}"
        alice.steps(
            handle,
            [
                {"generate": f"m{i}", "expr": "lonn", "if": f"{small} or ({person.expr()})"},
                {"generate": f"u{i}", "expr": "lonn", "if": f"{small} and not ({person.expr()})"},
            ],
        )
        alice.steps(
            handle, [{"generate": f"q{i}_{k}", "expr": f"u{i} ^ {k}"} for k in (1, 2, 3, 4)]
        )
        powers = [alice.sum_of(handle, f"q{i}_{k}") for k in (1, 2, 3, 4)]
        found = _moments(alice.ask(handle, "normaltest", {"vars": [f"m{i}"]}))
        if found is None or None in powers[:3]:
            score.add(None, person.wage or 0)
            continue
        n = found["n"] - 1
        p1, p2, p3, p4 = (float(x or 0) / n for x in powers)
        fourth = powers[3] is not None  # the sum of fourth powers may be withheld
        mu = p1
        c2 = p2 - mu**2
        c3 = p3 - 3 * mu * p2 + 2 * mu**3
        c4 = p4 - 4 * mu * p3 + 6 * mu**2 * p2 - 3 * mu**4
        moments = [n, 0.0, c2 * n, c3 * n, c4 * n]
        grid = np.geomspace(50_000, 1e8, 20_000)
        shift = (mu - grid) / (n + 1)  # the rest's mean less the new mean
        s = _totals_after(moments, shift)
        d = grid - (mu * n + grid) / (n + 1)
        t2, t3, t4 = s[2] + d**2, s[3] + d**3, s[4] + d**4
        m = n + 1
        fit = ((t3 * m**0.5 / t2**1.5) / found["skewness"] - 1) ** 2
        if fourth:
            fit = fit + ((t4 * m / t2**2) / found["kurtosis"] - 1) ** 2
        score.add(float(grid[int(np.argmin(fit))]), person.wage or 0)
    assert score.failed()


def test_normaltest_with_and_without_the_target(alice: Attacker, truth: Truth) -> None:
    """Differencing: normaltest of the wage over the small earners plus the target, and over
    the same without the target (the target dominates S3 and S4 of the first). The moment
    totals' unit sets are registered: the second of two sets that differ in one unit is
    given the first's answer (the pair snap) or withheld: never two answers that differ."""
    handle = alice.workspace()
    targets = truth.targets(TARGETS, min_wage=300_000)
    both = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"m{i}", "expr": "lonn", "if": f"lonn <= 50000 or ({person.expr()})"},
                {
                    "generate": f"u{i}",
                    "expr": "lonn",
                    "if": f"lonn <= 50000 and not ({person.expr()})",
                },
            ],
        )
        a = _moments(alice.ask(handle, "normaltest", {"vars": [f"m{i}"]}))
        b = _moments(alice.ask(handle, "normaltest", {"vars": [f"u{i}"]}))
        both += a is not None and b is not None and a != b
    report("normaltest with and without the target", targets=len(targets), both_differ=both)
    assert both == 0


def test_normaltest_asked_fifty_ways(alice: Attacker) -> None:
    """Consistency: the same variable under 50 names is one answer (else averaging them takes
    the noise away)."""
    handle = alice.workspace()
    alice.steps(handle, [{"generate": f"c{i}", "expr": "lonn"} for i in range(50)])
    answers = set()
    refused = 0
    for i in range(50):
        found = _moments(alice.ask(handle, "normaltest", {"vars": [f"c{i}"]}))
        refused += found is None  # the budget stops the attacker: no answer, no noise
        if found is not None:
            answers.add((found["skewness"], found["kurtosis"]))
    report("normaltest asked 50 ways", distinct_answers=len(answers), refused=refused)
    assert len(answers) == 1


# --- the forms of one model ------------------------------------------------------------------


def _rows(response: Any) -> dict[str, dict[str, Any]] | None:
    if response.status_code != 200:
        return None
    rows = {}
    for row in response.get_json()["results"][0]["result"]["rows"]:
        if row["labels"] and row["labels"][0] is not None:
            rows[row["labels"][0]] = row["values"]
    return rows


def test_weibull_aft_and_ph_carry_one_noise(alice: Attacker) -> None:
    """One Weibull fit in both forms: PH's b = −ρβ of AFT's β, with ρ the shape. The attacker
    reads ρ as −b/β of one regressor and checks the other: were the two forms' noise
    independent, the ratios −b_j/β_j would differ by the noise (several per cent) and the
    average of β and −b/ρ would have √2 less noise than β. One noise (a key shared by the
    forms) gives ratios equal to the figures shown. Before the fix (PH drawn apart): spreads
    of 2.8 % and 1.2 %; after, 2e-05 and 1.1e-04 (the 4 figures shown)."""
    handle = alice.workspace(
        [
            {"generate": "tid", "expr": "2020 - year(fodselsdato) + 0.5", "if": "lonn > 0"},
            {"generate": "hend", "expr": "mod(day(fodselsdato), 2)"},
            {"generate": "kvinne", "expr": 'kjonn == "2"'},
            {"generate": "lonnk", "expr": "lonn / 100000"},
        ]
    )
    spreads = []
    asked = 0
    for extra in ["kvinne", "kreft"]:
        body = {"time": "tid", "event": "hend", "x": ["lonnk", extra]}
        aft = _rows(alice.ask(handle, "weibull", {**body, "form": "aft"}))
        ph = _rows(alice.ask(handle, "weibull", {**body, "form": "ph"}))
        asked += 1
        if aft is None or ph is None:
            continue
        ratios = [
            -float(ph[t]["coefficient"]) / float(aft[t]["coefficient"])
            for t in ("lonnk", extra)
            if aft.get(t, {}).get("coefficient") and ph.get(t, {}).get("coefficient")
        ]
        if len(ratios) == 2:
            spreads.append(abs(ratios[0] / ratios[1] - 1))
    report(
        "weibull AFT against PH: −b/β of two regressors",
        models=asked,
        relative_spread=[round(s, 5) for s in spreads],
    )
    # 4 significant figures: equal to within 1e-3 when the noise is shared.
    assert spreads and max(spreads) < 2e-3


WORDINGS = [
    {"time": "tid", "event": "hend", "x": ["lonnk", "kvinne"]},
    {"time": "tid2", "event": "hend", "x": ["lonnk", "kvinne"]},  # a copy of the time
    {"time": "tid", "event": "hend2", "x": ["lonnk2", "kvinne"]},  # copies of event and x
    {"time": "tid", "event": "hend", "x": ["c.lonnk", "kvinne"]},  # c. said
]


def _forms(alice: Attacker) -> tuple[Any, list[dict[str, dict[str, Any]]]]:
    handle = alice.workspace(
        [
            {"generate": "tid", "expr": "2020 - year(fodselsdato) + 0.5", "if": "lonn > 0"},
            {"generate": "hend", "expr": "mod(day(fodselsdato), 2)"},
            {"generate": "tid2", "expr": "tid"},
            {"generate": "kvinne", "expr": 'kjonn == "2"'},
            {"generate": "lonnk", "expr": "lonn / 100000"},
            {"generate": "lonnk2", "expr": "lonnk"},
            {"generate": "hend2", "expr": "hend"},
        ]
    )
    return handle, []


def test_weibull_shape_read_three_ways_is_one_number(alice: Attacker) -> None:
    """The shape is released (row /ln_p, log ρ) and derivable: −b_j/β_j of each regressor
    between the forms. An attacker reads it from AFT's /ln_p, PH's /ln_p and every ratio,
    hoping for several noisy readings to average (or, were PH's shape another draw than
    AFT's, for the two to differ). One noise: every reading the same ρ̃ to the figures
    shown, so averaging them gains nothing."""
    handle, _ = _forms(alice)
    body = WORDINGS[0]
    aft = _rows(alice.ask(handle, "weibull", {**body, "form": "aft"}))
    ph = _rows(alice.ask(handle, "weibull", {**body, "form": "ph"}))
    assert aft is not None and ph is not None
    readings = [
        float(np.exp(aft["/ln_p"]["coefficient"])),
        float(np.exp(ph["/ln_p"]["coefficient"])),
    ]
    readings += [
        -float(ph[t]["coefficient"]) / float(aft[t]["coefficient"])
        for t in aft
        if t != "/ln_p" and aft[t].get("coefficient")
    ]
    spread = max(readings) / min(readings) - 1
    same_errors = aft["/ln_p"]["std_error"] == ph["/ln_p"]["std_error"]
    report(
        "weibull shape read from AFT's and PH's /ln_p and −b/β",
        readings=len(readings),
        rho=round(readings[0], 5),
        relative_spread=round(spread, 6),
        same_std_error=same_errors,
    )
    assert same_errors and spread < 2e-3


def test_weibull_ph_asked_in_other_words_gives_one_answer(alice: Attacker) -> None:
    """The same PH model asked in four wordings (a copy of the time, copies of the event and
    the regressor, c. said): were any a fresh draw, their average would have less noise
    than one. Each must give the same numbers for each term. (The regressors reordered are
    the next test's.)"""
    handle, _ = _forms(alice)
    answers = []
    for body in WORDINGS:
        found = _rows(alice.ask(handle, "weibull", {**body, "form": "ph"}))
        assert found is not None
        named = {k.removeprefix("c.").rstrip("2"): v for k, v in found.items()}
        answers.append(
            tuple(
                (named[t]["coefficient"], named[t]["std_error"])
                for t in ("lonnk", "kvinne", "_cons", "/ln_p")
            )
        )
    distinct = len(set(answers))
    apart = [i for i, a in enumerate(answers) if a != answers[0]]
    report(
        "weibull PH in four wordings",
        wordings=len(answers),
        distinct_answers=distinct,
        apart_from_the_first=apart,
    )
    assert distinct == 1


def test_weibull_ph_with_its_regressors_reordered_gives_one_answer(alice: Attacker) -> None:
    """The same PH model with its two regressors in either order: two draws would average
    to √2 less noise (and k regressors to k! draws)."""
    handle, _ = _forms(alice)
    answers = []
    for x in (["lonnk", "kvinne"], ["kvinne", "lonnk"]):
        body = {"time": "tid", "event": "hend", "x": x, "form": "ph"}
        found = _rows(alice.ask(handle, "weibull", body))
        assert found is not None
        answers.append({t: found[t]["coefficient"] for t in ("lonnk", "kvinne", "/ln_p")})
    apart = {
        t: (answers[0][t], answers[1][t]) for t in answers[0] if answers[0][t] != answers[1][t]
    }
    report("weibull PH, regressors reordered", terms=len(answers[0]), apart=apart)
    assert not apart


@pytest.mark.parametrize("family", ["regress", "logit"])
def test_a_model_with_its_regressors_in_every_order_gives_one_answer(
    alice: Attacker, family: str
) -> None:
    """The same model with its three regressors in each of their 6 orders, each order
    answered afresh: were each term's noise drawn by its place in the request, the six
    answers would be six draws per coefficient to average (√6 less noise; k regressors,
    k! draws). Keyed by the term's values, every order gives each term one number."""
    handle = alice.workspace(
        [
            {"generate": "lonnk", "expr": "lonn / 100000"},
            {"generate": "kvinne", "expr": 'kjonn == "2"'},
            {"generate": "mnd", "expr": "month(fodselsdato)"},
            {"generate": "aar", "expr": "year(fodselsdato)"},
        ]
    )
    y = "lonnk" if family == "regress" else "kreft"
    terms = ["aar", "kvinne", "mnd"] if family == "regress" else ["lonnk", "kvinne", "mnd"]
    answers: dict[str, set[float]] = {t: set() for t in terms}
    answered = 0
    for order in itertools.permutations(terms):
        found = _rows(alice.ask(handle, family, {"y": y, "x": list(order)}))
        if found is None:
            continue
        shown = {t: found.get(t, {}).get("coefficient") for t in terms}
        if any(v is None for v in shown.values()):
            continue
        answered += 1
        for t, v in shown.items():
            answers[t].add(float(v))
    draws = {t: len(v) for t, v in answers.items()}
    report(f"{family}, regressors in 6 orders", answered=answered, distinct_per_term=draws)
    assert answered >= 2, "the model must be answered to be attacked"
    assert all(n == 1 for n in draws.values())


def test_logit_classical_and_robust_carry_one_noise(alice: Attacker) -> None:
    """One logit with classical and with robust standard errors: its coefficients are one
    number each; were they drawn apart, their average would halve the noise's variance."""
    handle = alice.workspace([{"generate": "lonnk", "expr": "lonn / 100000"}])
    body = {"y": "kreft", "x": ["lonnk", "kjonn"]}
    classical = _rows(alice.ask(handle, "logit", body))
    robust = _rows(alice.ask(handle, "logit", {**body, "robust": True}))
    assert classical is not None and robust is not None
    differ = [
        t
        for t in classical
        if classical[t].get("coefficient") is not None
        and classical[t].get("coefficient") != robust.get(t, {}).get("coefficient")
    ]
    report("logit classical against robust", terms=len(classical), differ=len(differ))
    assert not differ
