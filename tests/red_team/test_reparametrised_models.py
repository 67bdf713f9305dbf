"""Models asked again in another parametrisation: the same fit with a regressor shifted or
scaled by a constant, its regressors or instruments in another order, or its standard
errors clustered by another variable. Each such question is the same model, so its answer
tells nothing new if it is the same (transformed) answer; answered with a fresh noise draw
each time, the draws average away (averaging), and answered with the same draw when nothing
changed but a fresh one when one unit's value changed, the difference is an oracle."""

from __future__ import annotations

import itertools
import statistics
from typing import Any

import numpy as np
import pytest

from tests.red_team.conftest import Attacker, Truth, report

BASE = [
    {"generate": "lonnk", "expr": "lonn / 100000"},
    {"generate": "kvinne", "expr": 'kjonn == "2"'},
    {"generate": "mnd", "expr": "month(fodselsdato)"},
    {"generate": "aar", "expr": "year(fodselsdato)"},
    {"generate": "dag", "expr": "day(fodselsdato)"},
    {"generate": "md", "expr": "mnd * dag"},
]


def _rows(response: Any, result_at: int = 0) -> dict[str, dict[str, Any]] | None:
    """A released model's rows by term (None when refused or withheld); `result_at`: which
    result of the response (margins: the model, then its effects; IV: the model, then its
    first stages)."""
    if response.status_code != 200:
        return None
    result = response.get_json()["results"][result_at]["result"]
    rows = {}
    for row in result["rows"]:
        if not row["labels"] or row["labels"][0] is None:
            return None
        if row["values"].get("coefficient") is None:
            return None
        rows[str(row["labels"][0])] = row["values"]
    return rows or None


def _unperturbed_month_slope(truth: Truth) -> float:
    """OLS of wage/100,000 on woman and birth month over the registers' people with a wage,
    from the source files (what the attacker is after)."""
    rows = [p for p in truth.people if p.wage is not None]
    y = np.array([p.wage for p in rows]) / 100000
    x = np.column_stack(
        [
            [float(p.sex == "2") for p in rows],
            [float(int(p.birth[5:7])) for p in rows],
            np.ones(len(rows)),
        ]
    )
    return float(np.linalg.lstsq(x, y, rcond=None)[0][1])


SHIFTS = 16


def test_a_regressor_shifted_and_scaled_averages_away(alice: Attacker, truth: Truth) -> None:
    """regress lonnk on kvinne and k·mnd + c for 16 (k, c): the slope of k·mnd + c is the
    slope of mnd over k, exactly, so each answer times k is a draw of the same number. With
    a fresh draw each, their mean comes √16 closer to the unperturbed slope (the attacker's
    own spread says how close); with one draw (transformed), all 16 are one number.
    Before the fix (a fresh draw per (k, c)): distinct=16, spread 1.195 standard errors,
    the mean 0.065 errors from the truth against the first draw's 0.31. After (the model
    registered under its affine form, models.py): distinct=1, spread 0."""
    handle = alice.workspace(BASE)
    pairs = [(k, c) for k in (1, 2, -3, 0.5) for c in (0, 7, -40, 1000)][:SHIFTS]
    steps = [{"generate": f"m{i}", "expr": f"mnd * {k} + {c}"} for i, (k, c) in enumerate(pairs)]
    alice.steps(handle, steps)
    draws, errors = [], []
    for i, (k, _) in enumerate(pairs):
        found = _rows(alice.ask(handle, "regress", {"y": "lonnk", "x": ["kvinne", f"m{i}"]}))
        if found is None:
            continue
        draws.append(float(found[f"m{i}"]["coefficient"]) * k)
        errors.append(float(found[f"m{i}"]["std_error"]) * abs(k))
    assert len(draws) >= 2, "the model must be answered to be attacked"
    true = _unperturbed_month_slope(truth)
    error = statistics.median(errors)
    spread = (max(draws) - min(draws)) / error
    mean_error = abs(statistics.fmean(draws) - true) / error
    own = statistics.stdev(draws) / len(draws) ** 0.5 / error
    report(
        "regress, a regressor shifted and scaled 16 ways",
        answered=len(draws),
        distinct=len({round(d / error, 2) for d in draws}),
        spread_in_std_errors=round(spread, 3),
        mean_off_in_std_errors=round(mean_error, 3),
        attackers_own_std_error=round(own, 3),
        first_draw_off=round(abs(draws[0] - true) / error, 3),
    )
    # Shown to 4 significant figures: one draw transformed is one number to that precision.
    assert spread < 0.01


def test_an_outcome_shifted_and_scaled_averages_away(alice: Attacker, truth: Truth) -> None:
    """regress k·lonnk + c on kvinne and mnd for 16 (k, c): mnd's slope is k times the
    slope of lonnk, so each answer over k is a draw of the same number; with a fresh draw
    each, their mean comes √16 closer to the unperturbed slope; with one draw (transformed),
    all 16 are one number. Before (the affine form of the regressors alone): distinct=14,
    spread 1.005 standard errors, the mean 0.042 errors off against the first draw's 0.211.
    After (an OLS model's form takes its outcome too): distinct=1, spread 0."""
    handle = alice.workspace(BASE)
    pairs = [(k, c) for k in (1, 2, -3, 0.5) for c in (0, 7, -40, 1000)][:SHIFTS]
    steps = [{"generate": f"y{i}", "expr": f"lonnk * {k} + {c}"} for i, (k, c) in enumerate(pairs)]
    alice.steps(handle, steps)
    draws, errors = [], []
    for i, (k, _) in enumerate(pairs):
        found = _rows(alice.ask(handle, "regress", {"y": f"y{i}", "x": ["kvinne", "mnd"]}))
        if found is None:
            continue
        draws.append(float(found["mnd"]["coefficient"]) / k)
        errors.append(float(found["mnd"]["std_error"]) / abs(k))
    assert len(draws) >= 2, "the model must be answered to be attacked"
    true = _unperturbed_month_slope(truth)
    error = statistics.median(errors)
    spread = (max(draws) - min(draws)) / error
    report(
        "regress, the outcome shifted and scaled 16 ways",
        answered=len(draws),
        distinct=len({round(d / error, 2) for d in draws}),
        spread_in_std_errors=round(spread, 3),
        mean_off_in_std_errors=round(abs(statistics.fmean(draws) - true) / error, 3),
        attackers_own_std_error=round(statistics.stdev(draws) / len(draws) ** 0.5 / error, 3),
        first_draw_off=round(abs(draws[0] - true) / error, 3),
    )
    assert spread < 0.01


def _slope(response: Any, term: str) -> float | None:
    found = _rows(response)
    return None if found is None or term not in found else float(found[term]["coefficient"])


@pytest.mark.parametrize("covariance", ["classical", "robust", "outcome"])
def test_an_affine_image_with_one_value_changed_is_no_oracle(
    alice: Attacker, truth: Truth, covariance: str
) -> None:
    """Per target: regress lonnk on z and mnd (classical errors; z = dag > i + 4, a model
    of the target's own), then on z and a = 2·mnd + 7 with the target's month moved by one
    iff diagnosed, with classical or robust errors (the second found by the model's affine
    form, or by its values'). Not diagnosed, the second is the first in another
    parametrisation, and answered as the first transformed (a's slope is mnd's over 2);
    keyed by a shift- and scale-free digest alone, a diagnosed target's model would be a
    fresh draw, and "a's slope · 2 differs from mnd's" would tell the diagnosis (with the
    form's near sets answered afresh: 12 of 12). Guess: diagnosed iff it differs beyond
    the 4 figures shown. A coin gets half right. "outcome": the second is lonnk on z and
    mnd with the outcome as 2·lonnk + 7, the target's wage 25,000 higher iff diagnosed,
    and mnd's slope over 2 is compared."""
    handle = alice.workspace(BASE)
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    right = answered = differ = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"z{i}", "expr": f"dag > {i + 4}"},
                {"generate": f"a{i}", "expr": "mnd * 2 + 7"},
                {"replace": f"a{i}", "expr": "mnd * 2 + 9", "if": f"({person.expr()}) and kreft"},
                {"generate": f"w{i}", "expr": "lonnk * 2 + 7"},
                {
                    "replace": f"w{i}",
                    "expr": "lonnk * 2 + 7.5",
                    "if": f"({person.expr()}) and kreft",
                },
            ],
        )
        first = _slope(alice.ask(handle, "regress", {"y": "lonnk", "x": [f"z{i}", "mnd"]}), "mnd")
        body: dict[str, Any] = {"y": "lonnk", "x": [f"z{i}", f"a{i}"]}
        if covariance == "robust":
            body["robust"] = True
        if covariance == "outcome":
            body = {"y": f"w{i}", "x": [f"z{i}", "mnd"]}
        second = _slope(alice.ask(handle, "regress", body), body["x"][1])
        if first is None or second is None:
            continue
        answered += 1
        ratio = 0.5 if covariance == "outcome" else 2.0
        moved = abs(second * ratio - first) > 2e-3 * abs(first)
        differ += moved
        right += moved == person.kreft
    report(
        f"regress, an affine image with one value changed ({covariance})",
        answered=answered,
        differ=differ,
        right=right,
    )
    assert answered >= 6
    assert right <= answered * 3 // 4


def test_reordered_model_with_one_value_changed_is_an_oracle(alice: Attacker, truth: Truth) -> None:
    """Per target: regress lonnk on (aar, mnd, z) and then on (z, mnd, a), a = aar with the
    target's year moved by one iff diagnosed. The second is the first reordered when the
    target is not diagnosed. With the noise keyed by the values in any order and the pair
    set that finds a near registered model in the terms' order (main before the fix), it
    was answered afresh, with the same draws when nothing changed and fresh ones when one
    value did. Guess: diagnosed iff any coefficient differs. A coin gets half right."""
    handle = alice.workspace(BASE)
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    right = answered = differ = 0
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                {"generate": f"z{i}", "expr": f"dag > {i + 4}"},
                {"generate": f"a{i}", "expr": "aar"},
                {"replace": f"a{i}", "expr": "aar + 1", "if": f"({person.expr()}) and kreft"},
            ],
        )
        first = _rows(alice.ask(handle, "regress", {"y": "lonnk", "x": ["aar", "mnd", f"z{i}"]}))
        second = _rows(alice.ask(handle, "regress", {"y": "lonnk", "x": [f"z{i}", "mnd", f"a{i}"]}))
        if first is None or second is None:
            continue
        answered += 1
        moved = any(
            first[a]["coefficient"] != second[b]["coefficient"]
            for a, b in (("aar", f"a{i}"), ("mnd", "mnd"), (f"z{i}", f"z{i}"), ("_cons", "_cons"))
        )
        differ += moved
        right += moved == person.kreft
    report("regress reordered, one value changed", answered=answered, differ=differ, right=right)
    assert answered >= 6
    assert right <= answered * 3 // 4


def _distinct_per_term(
    alice: Attacker, handle: str, statistic: str, bodies: list[dict[str, Any]], terms: list[str]
) -> tuple[int, dict[str, int]]:
    answers: dict[str, set[float]] = {t: set() for t in terms}
    answered = 0
    for body in bodies:
        found = _rows(alice.ask(handle, statistic, body), -1 if statistic == "margins" else 0)
        if found is None or any(t not in found for t in terms):
            continue
        answered += 1
        for t in terms:
            answers[t].add(float(found[t]["coefficient"]))
    return answered, {t: len(v) for t, v in answers.items()}


def test_iv_with_its_instruments_in_every_order_gives_one_answer(alice: Attacker) -> None:
    """2SLS of lonnk on aar (endogenous) with three instruments in each of their 6 orders:
    the same model 6 times; 6 draws per coefficient would average to √6 less noise."""
    handle = alice.workspace(BASE)
    bodies = [
        {"y": "lonnk", "x": ["kvinne"], "endogenous": ["aar"], "instruments": list(order)}
        for order in itertools.permutations(["mnd", "dag", "md"])
    ]
    answered, draws = _distinct_per_term(alice, handle, "ivregress", bodies, ["aar", "kvinne"])
    report("ivregress, instruments in 6 orders", answered=answered, distinct_per_term=draws)
    assert answered >= 2, "the model must be answered to be attacked"
    assert all(n == 1 for n in draws.values())


def test_margins_of_a_reordered_model_give_one_answer(alice: Attacker) -> None:
    """The average marginal effects of one logit with its three regressors in each of their
    6 orders: one number per term, or 6 draws to average."""
    handle = alice.workspace(BASE)
    terms = ["lonnk", "kvinne", "mnd"]
    bodies = [{"y": "kreft", "x": list(order)} for order in itertools.permutations(terms)]
    answered, draws = _distinct_per_term(alice, handle, "margins", bodies, terms)
    report("margins, regressors in 6 orders", answered=answered, distinct_per_term=draws)
    assert answered >= 2, "the model must be answered to be attacked"
    assert all(n == 1 for n in draws.values())


def test_clustered_iv_gets_its_own_clustering(alice: Attacker) -> None:
    """The same 2SLS clustered by municipality, then by birth month: the second's standard
    errors must be its own clustering's (a wrong answer otherwise), while its coefficients
    are the first's (the same values)."""
    handle = alice.workspace(BASE)
    body = {"y": "lonnk", "x": ["kvinne"], "endogenous": ["aar"], "instruments": ["mnd", "dag"]}
    first = _rows(alice.ask(handle, "ivregress", {**body, "cluster": "kommune"}))
    second = _rows(alice.ask(handle, "ivregress", {**body, "cluster": "mnd"}))
    assert first is not None and second is not None
    ratio = {t: second[t]["std_error"] / first[t]["std_error"] for t in first}
    same = {t: first[t]["coefficient"] == second[t]["coefficient"] for t in first}
    report("ivregress clustered two ways", error_ratio=ratio, same_coefficients=same)
    assert all(same.values())
    assert any(abs(r - 1) > 0.05 for r in ratio.values())
