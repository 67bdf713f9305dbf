"""The same rows asked again with another value of a request's own parameter (an option that
is not a variable: an estimator, a method, a reference): when the parameter does not change
the numbers the answer is of, the answer must not change either. An answer looked up by its
rows and the parameter's value, or noise keyed by the parameter, gives a fresh noise draw per
value, and the draws average (averaging; §1.4: the same question gets the same answer,
whatever the wording).

Figures before and after in tests/red_team/README.md."""

from __future__ import annotations

import statistics
from typing import Any

from tests.red_team.conftest import Attacker, report
from tests.red_team.test_reparametrised_models import BASE

ESTIMATORS = ("2sls", "liml", "gmm")


def _coefficients(response: Any) -> dict[str, tuple[float, float]] | None:
    """A released model's (coefficient, standard error) by term; None when withheld."""
    if response.status_code != 200:
        return None
    result = response.get_json()["results"][0]["result"]
    found = {
        str(r["labels"][0]): (r["values"].get("coefficient"), r["values"].get("std_error"))
        for r in result["rows"]
        if r["labels"]
    }
    if any(c is None or s is None for c, s in found.values()):
        return None
    return {term: (float(c), float(s)) for term, (c, s) in found.items()}


def test_just_identified_iv_estimators_are_one_answer(alice: Attacker) -> None:
    """An exactly identified IV model (one endogenous regressor, one instrument) is one
    estimate whichever estimator is asked: 2SLS, LIML (κ = 1) and GMM (the weight drops out)
    give the same coefficients. Asked with each estimator, and each with classical and
    robust standard errors, the coefficients must be one draw; distinct draws average to
    the attacker's own standard error σ/√n of the coefficient (σ the draws' spread),
    printed in units of the published standard error."""
    handle = alice.workspace(
        [*BASE, {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"}]
    )
    readings: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    for robust in (False, True):
        for estimator in ESTIMATORS:
            body = {
                "y": "lonnk",
                "x": ["kvinne"],
                "endogenous": ["alder"],
                "instruments": ["mnd"],
                "estimator": estimator,
                "robust": robust,
            }
            found = _coefficients(alice.ask(handle, "ivregress", body))
            for term, (b, s) in (found or {}).items():
                readings.setdefault(term, []).append(b)
                errors.setdefault(term, s)
    assert readings and min(len(v) for v in readings.values()) == 2 * len(ESTIMATORS)
    distinct = {term: len(set(values)) for term, values in readings.items()}
    own = {
        term: round(statistics.stdev(set(values)) / len(set(values)) ** 0.5 / errors[term], 3)
        if len(set(values)) > 1
        else 0.0
        for term, values in readings.items()
    }
    report(
        "just-identified ivregress asked as 2sls, liml and gmm (classical, robust)",
        answered=min(len(v) for v in readings.values()),
        distinct=distinct,
        attackers_own_std_error_in_errors=own,
    )
    assert all(n == 1 for n in distinct.values()), distinct


def _event_effects(response: Any) -> dict[int, tuple[float, float]] | None:
    """A released event-time did's δ_k (and its error) by event time k."""
    found = _coefficients(response)
    if found is None:
        return None
    effects = {}
    for term, pair in found.items():
        if "#" in term:
            period = term.split("#")[1].split(".")[0]
            effects[int(float(period))] = pair
    return effects


def test_did_reference_periods_are_one_fit(alice: Attacker) -> None:
    """An event-time did with another reference period is the same fit in another basis:
    δ_k(r) = δ_k(−1) − δ_r(−1), so the contrast δ₂ − δ₁ is one number whichever reference
    is asked. Read from references −1, 0, 1 and 2 (with 1 or 2 as reference it is one
    published coefficient); distinct readings beyond the 4 figures shown are fresh draws."""
    handle = alice.workspace(
        [
            {
                "import": "INNTEKT_WLONN",
                "dates": ["2020-12-31", "2021-12-31", "2022-12-31"],
                "as": "l",
            },
            {"reshape_to_panel": ["l"], "date_as": "aar"},
            {"generate": "shift", "expr": "2021"},
            {"replace": "shift", "expr": "2020", "if": "month(fodselsdato) <= 6"},
            {"generate": "et", "expr": "year(aar) - shift"},
        ]
    )
    readings: list[float] = []
    error = None
    for reference in (-1, 0, 1, 2):
        body = {
            "y": "l",
            "treated": "kreft",
            "time": "et",
            "leads": 1,
            "lags": 2,
            "reference": reference,
        }
        effects = _event_effects(alice.ask(handle, "did", body))
        if effects is None:
            continue
        d = {k: b for k, (b, _) in effects.items()}
        d[reference] = 0.0
        if 1 in d and 2 in d:
            readings.append(d[2] - d[1])
            error = error or next(s for _, s in effects.values())
    report(
        "did asked with reference periods -1, 0, 1, 2: the contrast δ2 − δ1",
        answered=len(readings),
        readings=[round(r, 2) for r in readings],
        spread_in_errors=None
        if not readings or not error
        else round((max(readings) - min(readings)) / error, 4),
    )
    assert len(readings) >= 2, "the models must be answered"
    assert error is not None
    assert max(readings) - min(readings) <= 0.01 * error


def _median(response: Any) -> float | None:
    if response.status_code != 200:
        return None
    for item in response.get_json()["results"]:
        if item["about"]["statistic"] == "percentiles":
            for row in item["result"]["rows"]:
                if row["labels"] == ["0.5"] and row["values"]["value"] is not None:
                    return float(row["values"]["value"])
    return None


def test_a_median_asked_beside_other_percentiles_is_one_answer(alice: Attacker) -> None:
    """The smoothed median of one variable asked alone and beside other percentiles: the
    set of quantiles asked is part of the question's key, the median's window is not
    (its noise is keyed by the window's units and values), so it must be one number."""
    handle = alice.workspace(BASE)
    readings = []
    for asked in ([50], [50, 90], [25, 50], [10, 50, 75, 90], [50, 99]):
        body = {"vars": ["lonnk"], "percentiles": asked}
        found = _median(alice.ask(handle, "summarize", body))
        if found is not None:
            readings.append(found)
    report("a median asked beside other percentiles", readings=readings)
    assert len(readings) >= 3, "the medians must be answered"
    assert len(set(readings)) == 1
