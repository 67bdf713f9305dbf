"""Families whose models had no affine form (regress, logit, probit, Poisson, negbin, panel,
Cox, did and rdd have one: test_reparametrised_models, test_reparam_column_space): the same
model asked with one variable as k·x + c for 8 (k, c). Each answer is read back as the
numbers it should be whatever (k, c) is: a coefficient of another term, the slope times k,
a marginal effect times k, a decomposition's components (all of them: each is a linear
predictor's), a correlation times sign(k). Distinct readings are fresh noise draws, and N
of them average to √N less noise (averaging).

Cox had none either, though listed: closed 2026-12-07 (8 distinct readings of lonnk for 8
(k, c) of mnd, the attacker's own error 0.089 errors; after 1: a form of its regressors
with a hidden constant, model_support.AffineForm.hidden).

Figures before (main 0a6d0f8, one run): oaxaca 8 distinct readings of every component
(prediction_1, a group's mean, among them), ivregress 8, weibull 8, mlogit 8, margins 8 (the
logit's own coefficients 1: it has a form), correlate 4 (k < 0 and some shifts give other
standardised bits). Closed here: oaxaca (its components are the same in every basis of its
regressors: model_support.AffineForm.invariant) and correlate (its pairs of its variables'
affine forms, the sign kept apart: ModelEvidence.orientation) and mlogit (each equation's
form of its classes and design as asked: 8 distinct before, 1 after). Closed since (2026-12-07):
margins of logit and of mlogit (the effects transform as the coefficients: the model's form
with the constant hidden, model_support.derived_evidence(transforms=True); before 8
distinct each, the attacker's own error 0.145 and 0.099 errors; after 1, the slope times k
2-3 by the 4 figures' rounding), ivregress (a form of its regressors' column space with its
instruments' beside it: 8 distinct before, the attacker's own error 0.088-0.13 errors; an
instrument as k·z + c 8 distinct, 0.09-0.11; 1 after) and Weibull (its regressors' form,
registered once for both forms with the AFT draws, the shape and the correlations of β_j
with γ: 8 distinct before, 0.05-0.15; 1 after, in either form)."""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest

from catalogue.analysis.statistics.oaxaca import COMPONENTS
from tests.red_team.conftest import Attacker, report
from tests.red_team.test_reparametrised_models import BASE

SHIFTS = [(1, 0), (1, 7), (2, 0), (2, -40), (-3, 0), (-3, 1000), (0.5, 7), (0.5, -40)]


def _rows(response: Any, at: int = 0) -> dict[str, dict[str, Any]] | None:
    if response.status_code != 200:
        return None
    result = response.get_json()["results"][at]["result"]
    found = {str(r["labels"][0]): r["values"] for r in result["rows"] if r["labels"]}
    return found if all(v.get("coefficient") is not None for v in found.values()) else None


def _oaxaca(rows: dict[str, Any], i: int, k: float) -> dict[str, float]:
    return {c: float(rows[c]["coefficient"]) for c in COMPONENTS}


def _slope_and_other(term: str, other: str) -> Any:
    def read(rows: dict[str, Any], i: int, k: float) -> dict[str, float]:
        return {
            "slope": float(rows[f"v{i}"]["coefficient"]) * k,
            other: float(rows[other]["coefficient"]),
        }

    return read


def _as_they_are(*names: str) -> Any:
    def read(rows: dict[str, Any], i: int, k: float) -> dict[str, float]:
        return {name: float(rows[name]["coefficient"]) for name in names}

    return read


def _correlation(response: Any, i: int, k: float) -> dict[str, float] | None:
    if response.status_code != 200:
        return None
    for row in response.get_json()["results"][0]["result"]["rows"]:
        if row["labels"] == ["lonnk", f"v{i}"] and row["values"]["correlation"] is not None:
            return {"r": float(row["values"]["correlation"]) * (1 if k > 0 else -1)}
    return None


LEAKS = pytest.mark.xfail(
    strict=True, reason="no form: each (k, c) a fresh draw (docs/OUTPUT_CONTROL.md §12)"
)
# family: (statistic, body of the shifted variable, reader, result index, variable shifted)
FAMILIES: dict[str, tuple[str, Any, Any, int, str]] = {
    "oaxaca": (
        "oaxaca",
        lambda v: {"y": "lonnk", "x": [v], "group": "kvinne"},
        _oaxaca,
        0,
        "mnd",
    ),
    "ivregress": (
        "ivregress",
        lambda v: {"y": "lonnk", "x": ["kvinne"], "endogenous": [v], "instruments": ["mnd", "dag"]},
        _slope_and_other("v", "kvinne"),
        0,
        "aar",
    ),
    "ivregress-instrument": (
        "ivregress",
        lambda v: {"y": "lonnk", "x": ["kvinne"], "endogenous": ["aar"], "instruments": [v, "dag"]},
        _as_they_are("aar", "kvinne"),
        0,
        "mnd",
    ),
    "weibull": (
        "weibull",
        lambda v: {"time": "tid", "event": "hend", "x": ["lonnk", v], "form": "aft"},
        _slope_and_other("v", "lonnk"),
        0,
        "mnd",
    ),
    "weibull-ph": (
        "weibull",
        lambda v: {"time": "tid", "event": "hend", "x": ["lonnk", v], "form": "ph"},
        _slope_and_other("v", "lonnk"),
        0,
        "mnd",
    ),
    "mlogit": (
        "mlogit",
        lambda v: {"y": "klasse", "x": ["lonnk", v]},
        _slope_and_other("v", "lonnk"),
        0,
        "mnd",
    ),
    "margins": (
        "margins",
        lambda v: {"y": "kreft", "x": ["lonnk", v]},
        _slope_and_other("v", "lonnk"),
        -1,
        "mnd",
    ),
    "margins-mlogit": (
        "margins",
        lambda v: {"y": "klasse", "x": ["lonnk", v], "model": "mlogit"},
        _slope_and_other("v", "lonnk"),
        -1,
        "mnd",
    ),
    "correlate": ("correlate", lambda v: {"vars": ["lonnk", v]}, None, 0, "mnd"),
    "cox": (
        "cox",
        lambda v: {"time": "tid", "event": "hend", "x": ["lonnk", v]},
        _slope_and_other("v", "lonnk"),
        0,
        "mnd",
    ),
}
MARKS = {
    "oaxaca": (),
    "correlate": (),
    "mlogit": (),
    "margins": (),
    "margins-mlogit": (),
    "ivregress": (),
    "ivregress-instrument": (),
    "weibull": (),
    "weibull-ph": (),
    "cox": (),
}


@pytest.mark.parametrize(
    "family",
    [pytest.param(f, marks=MARKS.get(f, (LEAKS,))) for f in FAMILIES],
)
def test_a_variable_shifted_and_scaled_gives_one_answer(alice: Attacker, family: str) -> None:
    statistic, body, read, at, base = FAMILIES[family]
    handle = alice.workspace(
        [
            *BASE,
            {"generate": "tid", "expr": "2020 - year(fodselsdato) + 0.5", "if": "lonn > 0"},
            {"generate": "hend", "expr": "mod(day(fodselsdato), 2)"},
            {"generate": "klasse", "expr": "mod(dag, 3)"},
        ]
    )
    alice.steps(
        handle,
        [{"generate": f"v{i}", "expr": f"{base} * {k} + {c}"} for i, (k, c) in enumerate(SHIFTS)],
    )
    readings: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    for i, (k, _) in enumerate(SHIFTS):
        response = alice.ask(handle, statistic, body(f"v{i}"))
        if read is None:
            found = _correlation(response, i, k)
        else:
            rows = _rows(response, at)
            found = None if rows is None else read(rows, i, k)
            if rows is not None and not errors:
                errors = {
                    name: float(rows[name]["std_error"]) for name in found or {} if name in rows
                }
        for name, value in (found or {}).items():
            readings.setdefault(name, []).append(value)
    assert readings and min(len(v) for v in readings.values()) >= 4, "must be answered"
    distinct = {name: len(set(values)) for name, values in readings.items()}
    own = {
        name: round(statistics.stdev(values) / len(values) ** 0.5 / errors[name], 3)
        for name, values in readings.items()
        if errors.get(name)
    }
    report(
        f"{family}, one variable shifted and scaled 8 ways",
        answered=min(len(v) for v in readings.values()),
        distinct=distinct,
        attackers_own_std_error_in_errors=own,
    )
    # One draw in every (k, c): equal to the figures shown (a slope times k is the shown
    # slope's 4 figures times k, so compared to 1e-3 of itself).
    for values in readings.values():
        assert max(values) - min(values) <= 1e-3 * max(abs(v) for v in values)


def test_oaxaca_pooled_is_its_own_decomposition(alice: Attacker) -> None:
    """oaxaca with group 2's coefficients as the reference, then with the pooled reference
    over the same pairs (and with the regressor shifted: its form's): the twofold parts
    are other numbers (β* for β_B). Before (main 0a6d0f8): the pooled request got the first
    decomposition's registered answer, explained and unexplained included (a wrong answer,
    not a leak: both are one fit's), 0.0005535 three times."""
    handle = alice.workspace([*BASE, {"generate": "m2", "expr": "mnd + 3"}])
    body = {"y": "lonnk", "group": "kvinne"}
    first = _rows(alice.ask(handle, "oaxaca", {**body, "x": ["mnd"]}))
    pooled = _rows(alice.ask(handle, "oaxaca", {**body, "x": ["mnd"], "reference": "pooled"}))
    shifted = _rows(alice.ask(handle, "oaxaca", {**body, "x": ["m2"], "reference": "pooled"}))
    assert first is not None and pooled is not None and shifted is not None
    report(
        "oaxaca, group 2's reference then pooled",
        explained=[r["explained"]["coefficient"] for r in (first, pooled, shifted)],
    )
    assert pooled["explained"]["coefficient"] != first["explained"]["coefficient"]
    assert shifted["explained"]["coefficient"] == pooled["explained"]["coefficient"]


def test_weibull_forms_in_other_bases_are_one_draw(alice: Attacker) -> None:
    """Weibull's two forms are one noisy fit (PH = −ρ̃·AFT as shown): asked in AFT form
    with mnd as k·mnd + c for 4 (k, c) and in PH form for 4 others, lonnk's AFT
    coefficient read back from each (PH: −b/exp(γ̃), γ̃ the /ln_p row) and mnd's slope
    times k. Were the form registered per form, the PH bases would be a second draw of
    the AFT ones (the attacker's error √2 smaller); one registered AFT draw answers both."""
    handle = alice.workspace(
        [
            *BASE,
            {"generate": "tid", "expr": "2020 - year(fodselsdato) + 0.5", "if": "lonn > 0"},
            {"generate": "hend", "expr": "mod(day(fodselsdato), 2)"},
        ]
    )
    alice.steps(
        handle,
        [{"generate": f"v{i}", "expr": f"mnd * {k} + {c}"} for i, (k, c) in enumerate(SHIFTS)],
    )
    readings: dict[str, list[float]] = {"lonnk": [], "slope": []}
    for i, (k, _) in enumerate(SHIFTS):
        form = "aft" if i % 2 == 0 else "ph"
        body = {"time": "tid", "event": "hend", "x": ["lonnk", f"v{i}"], "form": form}
        rows = _rows(alice.ask(handle, "weibull", body))
        if rows is None:
            continue
        factor = 1.0 if form == "aft" else -1.0 / math.exp(float(rows["/ln_p"]["coefficient"]))
        readings["lonnk"].append(float(rows["lonnk"]["coefficient"]) * factor)
        readings["slope"].append(float(rows[f"v{i}"]["coefficient"]) * factor * k)
    report(
        "weibull, AFT and PH forms over 8 bases",
        answered=len(readings["lonnk"]),
        readings={name: [f"{v:.5g}" for v in values] for name, values in readings.items()},
    )
    assert len(readings["lonnk"]) == len(SHIFTS), "must be answered"
    for values in readings.values():
        # The PH form's 4 figures divided by ρ̃'s: within 2e-3 of the AFT draw.
        assert max(values) - min(values) <= 2e-3 * max(abs(v) for v in values)
