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
