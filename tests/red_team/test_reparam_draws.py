"""Fresh noise draws per basis that a form does not reach (issue 13, docs/OUTPUT_CONTROL.md
§12): the same model asked in many bases, each answer a number the registered answer
fixes, so that distinct draws average.

(a) A term that mixes registered terms: `regress lonnk on kv, mnd + m·kv` is `regress lonnk
on kv, mnd` in another basis; kv's coefficient there is b_kv − m·b_mnd, whose variance is
V_kk − 2m·V_km + m²·V_mm. Given its own perturbed standard error per basis (a fresh draw
each), the attacker fits that quadratic in m to the squared errors of 16 bases and reads the
exact covariances of the coefficients (sums of the design and of the residuals), their
correlation first: the published errors say nothing of it."""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np
import pytest

from catalogue.analysis.statistics.oaxaca import COMPONENTS
from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.test_reparametrised_models import BASE, _rows

# m = ±1..±8: the linear term (−2m·V_km) is read from the difference of m and −m.
MIXED = [m for k in range(1, 9) for m in (k, -k)]


def _true_correlation(truth: Truth) -> float:
    """The classical correlation of kv's and mnd's OLS coefficients (lonnk on kv, mnd and a
    constant), from the source files: what the attacker is after."""
    rows = [p for p in truth.people if p.wage is not None]
    x = np.column_stack(
        [
            [float(p.sex == "2") for p in rows],
            [float(int(p.birth[5:7])) for p in rows],
            np.ones(len(rows)),
        ]
    )
    inverse = np.linalg.inv(x.T @ x)
    return float(inverse[0, 1] / np.sqrt(inverse[0, 0] * inverse[1, 1]))


def _quadratic(ms: list[float], squared: list[float]) -> tuple[np.ndarray, float]:
    """The least-squares quadratic a + b·m + c·m² through the squared errors, and the
    spread (sd) of the errors' logs around it: a fresh draw per basis shows as a spread of
    the noise's size (0.1 on a log scale); one draw transformed as the 4 figures' rounding."""
    design = np.column_stack([np.ones(len(ms)), ms, np.square(ms)])
    fit, *_ = np.linalg.lstsq(design, np.array(squared), rcond=None)
    curve = design @ fit
    spread = statistics.pstdev(
        0.5 * float(np.log(s / c)) for s, c in zip(squared, curve, strict=True) if c > 0
    )
    return fit, spread


def test_a_mixed_terms_error_over_many_bases_tells_the_covariance(
    alice: Attacker, truth: Truth
) -> None:
    """16 bases (mnd + m·kv beside kv, m = ±1..±8), kv's standard error read from each.
    Before (main a4f428e): 16 answered, 16 distinct errors, their logs 0.09-0.11 around the
    fitted quadratic (fresh draws), the correlation of b_kv and b_mnd read within 0.01-0.02 of
    the truth. After: the mixed term's error is the registered covariance transformed
    (V' = A·Ṽ·A', Ṽ the published errors with a noisy correlation registered once), so the
    16 lie on one quadratic to the figures shown, the one at m = 0 the published error of
    kv, and the correlation read is the registered noisy one."""
    handle = alice.workspace(
        [*BASE, {"generate": "kv", "expr": "0"}, {"replace": "kv", "expr": "1", "if": "kvinne"}]
    )
    alice.steps(
        handle,
        [{"generate": f"u{i}", "expr": f"mnd + {m} * kv"} for i, m in enumerate(MIXED)],
    )
    reference = _rows(alice.ask(handle, "regress", {"y": "lonnk", "x": ["kv", "mnd"]}))
    assert reference is not None, "the model must be answered to be attacked"
    published = float(reference["kv"]["std_error"])
    ms: list[float] = []
    squared: list[float] = []
    for i, m in enumerate(MIXED):
        found: Any = _rows(alice.ask(handle, "regress", {"y": "lonnk", "x": ["kv", f"u{i}"]}))
        if found is None:
            continue
        ms.append(float(m))
        squared.append(float(found["kv"]["std_error"]) ** 2)
    assert len(ms) >= 8, "the bases must be answered to be attacked"
    (a, b, c), spread = _quadratic(ms, squared)
    read = -b / 2 / np.sqrt(max(a * c, 1e-300))
    true = _true_correlation(truth)
    at_zero = float(np.sqrt(max(a, 0.0)))
    report(
        "regress, a mixed term's standard error in 16 bases",
        answered=len(ms),
        distinct=len({round(s, 12) for s in squared}),
        log_spread_around_quadratic=round(spread, 4),
        correlation_read=round(float(read), 4),
        correlation_true=round(true, 4),
        attackers_error=round(abs(float(read) - true), 4),
        error_at_zero_vs_published=round(at_zero / published - 1.0, 4),
    )
    # One draw transformed: every basis's error on one quadratic to the figures shown, and
    # at m = 0 the published error of kv (nothing beyond what is published).
    assert spread <= 2e-3, spread
    assert abs(at_zero / published - 1.0) <= 5e-3, (at_zero, published)


SHIFTS = [(1, 0), (1, 7), (2, 0), (2, -40), (-3, 0), (-3, 1000), (0.5, 7), (0.5, -40)]


def _components(response: Any) -> dict[str, tuple[float, float]] | None:
    """var(_cons), var(Residual) and kv's coefficient of a released regress_mml, each
    (value, error)."""
    if response.status_code != 200:
        return None
    found: dict[str, tuple[float, float]] = {}
    for item in response.get_json()["results"]:
        for row in item["result"]["rows"]:
            name = str(row["labels"][0]) if row["labels"] else ""
            b, e = row["values"].get("coefficient"), row["values"].get("std_error")
            if (name.startswith("var(") or name == "kv") and b is not None and e is not None:
                found[name] = (float(b), float(e))
    return found if len(found) == 3 else None


def test_c_mixed_models_variance_components_over_many_bases(alice: Attacker) -> None:
    """regress_mml of lonnk on kv and k·mnd + c by birth day (groups of ~650) for 8 (k, c):
    the variance components and kv's coefficient are the same numbers in every basis of
    the regressors (and k·mnd + c's slope times k), so distinct readings are fresh draws to
    average. Before (main 9f49d20, three runs): 8 answered, 8 distinct readings of each,
    the attacker's own standard error 0.07-0.11 of the published error for var(_cons),
    0.23-0.35 for var(Residual), 0.08 for kv's coefficient: the mixed model had no form at
    all (its evidence is of the values as asked, model_evidence(asked=...), which built
    none), so its coefficients were open too, not only its components. After: a form of
    its regressors as asked with the grouping beside them (model_evidence(form_design=,
    also_spanned=)), the components an invariant form of it: 1 distinct each."""
    handle = alice.workspace(
        [*BASE, {"generate": "kv", "expr": "0"}, {"replace": "kv", "expr": "1", "if": "kvinne"}]
    )
    alice.steps(
        handle,
        [{"generate": f"v{i}", "expr": f"mnd * {k} + {c}"} for i, (k, c) in enumerate(SHIFTS)],
    )
    readings: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    for i in range(len(SHIFTS)):
        body = {"y": "lonnk", "x": ["kv", f"v{i}"], "group": "dag"}
        response = alice.ask(handle, "regress_mml", body)
        found = _components(response)
        if found is None:
            continue
        slope = _rows(response)
        if slope is not None:
            readings.setdefault("slope", []).append(
                float(slope[f"v{i}"]["coefficient"]) * SHIFTS[i][0]
            )
            errors.setdefault("slope", float(slope[f"v{i}"]["std_error"]) * abs(SHIFTS[i][0]))
        for name, (value, error) in found.items():
            readings.setdefault(name, []).append(value)
            errors.setdefault(name, error)
    assert readings and min(len(v) for v in readings.values()) >= 4, "must be answered"
    own = {
        name: round(statistics.stdev(values) / len(values) ** 0.5 / errors[name], 3)
        for name, values in readings.items()
    }
    report(
        "regress_mml, variance components in 8 bases of the regressors",
        answered=min(len(v) for v in readings.values()),
        distinct={name: len(set(values)) for name, values in readings.items()},
        attackers_own_std_error_in_errors=own,
    )
    for name, values in readings.items():
        if name == "slope":  # the shown slope's 4 figures times k
            assert max(values) - min(values) <= 1e-3 * max(abs(v) for v in values), values
        else:
            assert len(set(values)) == 1, values


def _outcome_readings(
    alice: Attacker,
    handle: str,
    statistic: str,
    bodies: list[tuple[dict[str, Any], float]],
    names: list[str],
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Per body (asked with its outcome scaled by k) the named coefficients over k, and the
    first answer's errors over |k|."""
    readings: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    for body, k in bodies:
        rows = _rows(alice.ask(handle, statistic, body))
        if rows is None:
            continue
        for name in names:
            readings.setdefault(name, []).append(float(rows[name]["coefficient"]) / k)
            errors.setdefault(name, float(rows[name]["std_error"]) / abs(k))
    return readings, errors


def _judge(title: str, readings: dict[str, list[float]], errors: dict[str, float]) -> None:
    assert readings and min(len(v) for v in readings.values()) >= 4, "must be answered"
    report(
        title,
        answered=min(len(v) for v in readings.values()),
        distinct={name: len(set(values)) for name, values in readings.items()},
        attackers_own_std_error_in_errors={
            name: round(statistics.stdev(values) / len(values) ** 0.5 / errors[name], 3)
            for name, values in readings.items()
        },
    )
    # One draw: each reading the shown coefficient's 4 figures over k.
    for values in readings.values():
        assert max(values) - min(values) <= 1e-3 * max(abs(v) for v in values), values


def test_b_iv_outcome_moved_by_k_y_plus_c(alice: Attacker) -> None:
    """2SLS of k·lonnk + c on kvinne, aar endogenous, instruments mnd and dag, for 8 (k, c):
    2SLS is affine-equivariant in its outcome (each coefficient times k, the intercept
    times k plus c), so each slope over k is a draw of one number. Before (main 9f49d20,
    two runs): 8 answered, 8 distinct each, the attacker's own standard error 0.08 errors
    (aar), 0.10-0.16 (kvinne). After (the outcome in IV's form, model_evidence(
    linear_outcome=True)): one draw, 3 distinct readings by the 4 figures' rounding over k."""
    handle = alice.workspace(BASE)
    alice.steps(
        handle,
        [{"generate": f"y{i}", "expr": f"lonnk * {k} + {c}"} for i, (k, c) in enumerate(SHIFTS)],
    )
    bodies = [
        (
            {
                "y": f"y{i}",
                "x": ["kvinne"],
                "endogenous": ["aar"],
                "instruments": ["mnd", "dag"],
            },
            float(k),
        )
        for i, (k, _) in enumerate(SHIFTS)
    ]
    readings, errors = _outcome_readings(alice, handle, "ivregress", bodies, ["aar", "kvinne"])
    _judge("ivregress, the outcome as k·y + c 8 ways", readings, errors)


def test_a_weibull_mixed_terms_error_over_many_bases(alice: Attacker) -> None:
    """The same for Weibull (AFT): tid on kv and mnd + m·kv, m = ±1..±4, kv's error read
    from each. Before (main 9f49d20): each basis's mixed error its own draw (and its own
    correlation with γ). After: the registered covariance transformed (Weibull's fit carries
    its β correlations), the 8 on one quadratic, its value at m = 0 the published error."""
    handle = alice.workspace(
        [
            *BASE,
            {"generate": "kv", "expr": "0"},
            {"replace": "kv", "expr": "1", "if": "kvinne"},
            {"generate": "tid", "expr": "2020 - year(fodselsdato) + 0.5", "if": "lonn > 0"},
            {"generate": "hend", "expr": "mod(day(fodselsdato), 2)"},
        ]
    )
    bases = [m for k in range(1, 5) for m in (k, -k)]
    alice.steps(
        handle, [{"generate": f"u{i}", "expr": f"mnd + {m} * kv"} for i, m in enumerate(bases)]
    )
    body = {"time": "tid", "event": "hend", "form": "aft"}
    reference = _rows(alice.ask(handle, "weibull", {**body, "x": ["kv", "mnd"]}))
    assert reference is not None, "the model must be answered to be attacked"
    published = float(reference["kv"]["std_error"])
    ms: list[float] = []
    squared: list[float] = []
    for i, m in enumerate(bases):
        found: Any = _rows(alice.ask(handle, "weibull", {**body, "x": ["kv", f"u{i}"]}))
        if found is None:
            continue
        ms.append(float(m))
        squared.append(float(found["kv"]["std_error"]) ** 2)
    assert len(ms) >= 6, "the bases must be answered to be attacked"
    (a, _, _), spread = _quadratic(ms, squared)
    at_zero = float(np.sqrt(max(a, 0.0)))
    report(
        "weibull, a mixed term's standard error in 8 bases",
        answered=len(ms),
        distinct=len({round(s, 12) for s in squared}),
        log_spread_around_quadratic=round(spread, 4),
        error_at_zero_vs_published=round(at_zero / published - 1.0, 4),
    )
    assert spread <= 2e-3, spread
    assert abs(at_zero / published - 1.0) <= 5e-3, (at_zero, published)


# Three years of wages in panel form, etter the year less 2020.
WAGE_PANEL = [
    {"import": "INNTEKT_WLONN", "dates": ["2020-12-31", "2021-12-31", "2022-12-31"], "as": "l"},
    {"reshape_to_panel": ["l"], "date_as": "aar"},
    {"generate": "etter", "expr": "year(aar) - 2020"},
]
PANEL_FORMS = {
    # pooled OLS over a panel's rows (several per unit)
    "regress": {"x": ["etter"]},
    # fixed effects (regress_panel's within-transformed rows)
    "regress_panel": {"x": ["etter"], "method": "fe"},
}


@pytest.mark.parametrize("statistic", list(PANEL_FORMS))
def test_d_panel_outcome_moved_by_a_regressor(alice: Attacker, statistic: str) -> None:
    """regress (pooled) and regress_panel (fixed effects) of l/100,000 + d·etter on etter
    (the year less 2020) over three years, for d = m/2,000, m = 1..8: the same fit,
    etter's coefficient b + d, so each answer less d is a draw of b. Before (documented in
    OUTPUT_CONTROL.md §12, the panel form k·y + c only): regress 8 answered, 8 distinct, the attacker's
    own standard error 0.07-0.13 errors; regress_panel 7-8 distinct, 0.063-0.091. After
    (the linear form with several rows per unit, model_support._linear_form: the anchor
    unit's level its midrange in the pattern, its patterns in the order of their values'
    hashes): 1 distinct each, own error 0.0."""
    handle = alice.workspace(WAGE_PANEL)
    alice.steps(
        handle,
        [{"generate": f"y{m}", "expr": f"l / 100000 + {m / 2000} * etter"} for m in range(1, 9)],
    )
    slopes: list[float] = []
    error = 0.0
    for m in range(1, 9):
        rows = _rows(alice.ask(handle, statistic, {"y": f"y{m}", **PANEL_FORMS[statistic]}))
        if rows is None:
            continue
        slopes.append(float(rows["etter"]["coefficient"]) - m / 2000)
        error = error or float(rows["etter"]["std_error"])
    assert len(slopes) >= 4, "must be answered"
    report(
        f"{statistic} in panel form, the outcome moved by a regressor 8 ways",
        answered=len(slopes),
        distinct=len({round(s / error, 2) for s in slopes}),
        attackers_own_std_error=round(statistics.stdev(slopes) / len(slopes) ** 0.5 / error, 3),
    )
    # One draw: each reading the shown slope's 4 figures less d.
    assert max(slopes) - min(slopes) <= 2e-3 * max(abs(s) for s in slopes) + 1e-4, slopes


def test_d_random_effects_outcome_as_k_y_plus_c(alice: Attacker) -> None:
    """regress_panel (random effects) of k·l/100,000 + c on etter over three years for 8
    (k, c): GLS with θ from the variance components is affine-equivariant in its outcome
    (the components move by k², θ not at all, each slope by k), so each slope over k is a
    draw of one number. Random effects' rows move by c·(1 − θ_i), not a constant, and their
    evidence had no outcome form (shared/panel.fit_panel: `linear_outcome` fe and be
    only). Seen (panel_forms, main b5c3324, two runs): 8 answered, 8 distinct, the
    attacker's own standard error 0.107 and 0.133 errors; main f35a95a, 6 sessions under
    random keys: 7-8 distinct, 0.081-0.106. After (reform, 2026-12-08: the pairs and form
    of the values as asked, shared/panel._asked_evidence): see README."""
    handle = alice.workspace(WAGE_PANEL)
    alice.steps(
        handle,
        [
            {"generate": f"y{i}", "expr": f"l / 100000 * {k} + {c}"}
            for i, (k, c) in enumerate(SHIFTS)
        ],
    )
    slopes: list[float] = []
    error = 0.0
    for i, (k, _) in enumerate(SHIFTS):
        body = {"y": f"y{i}", "x": ["etter"], "method": "re"}
        rows = _rows(alice.ask(handle, "regress_panel", body))
        if rows is None:
            continue
        slopes.append(float(rows["etter"]["coefficient"]) / k)
        error = error or float(rows["etter"]["std_error"]) / abs(k)
    assert len(slopes) >= 4, "must be answered"
    report(
        "regress_panel (re), the outcome as k·y + c 8 ways",
        answered=len(slopes),
        distinct=len({round(s / error, 2) for s in slopes}),
        readings_in_errors=[round(s / error, 3) for s in slopes],
        attackers_own_std_error=round(statistics.stdev(slopes) / len(slopes) ** 0.5 / error, 3),
    )
    # One draw: each reading the shown slope's 4 figures over k.
    assert max(slopes) - min(slopes) <= 2e-3 * max(abs(s) for s in slopes) + 1e-4, slopes


def test_e_mixed_models_outcome_moved_by_k_y_plus_c(alice: Attacker) -> None:
    """regress_mml of k·lonnk + c on kv and mnd by birth day for 8 (k, c): a linear mixed
    model (REML or ML) is affine-equivariant in its outcome (each coefficient times k, the
    intercept times k plus c, the variance components times k²), so kv's coefficient over k
    and each component over k² are draws of one number."""
    handle = alice.workspace(
        [*BASE, {"generate": "kv", "expr": "0"}, {"replace": "kv", "expr": "1", "if": "kvinne"}]
    )
    alice.steps(
        handle,
        [{"generate": f"y{i}", "expr": f"lonnk * {k} + {c}"} for i, (k, c) in enumerate(SHIFTS)],
    )
    readings: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    for i, (k, _) in enumerate(SHIFTS):
        body = {"y": f"y{i}", "x": ["kv", "mnd"], "group": "dag"}
        found = _components(alice.ask(handle, "regress_mml", body))
        if found is None:
            continue
        for name, (value, error) in found.items():
            power = 2 if name.startswith("var(") else 1
            readings.setdefault(name, []).append(value / k**power)
            errors.setdefault(name, error / abs(k) ** power)
    _judge("regress_mml, the outcome as k·y + c 8 ways", readings, errors)


# Positive scales of a survival time (a time must stay positive: no k < 0, no shift).
TIME_SCALES = [1.0, 2.0, 0.5, 3.0, 10.0, 0.1, 7.0, 1.5]


@pytest.mark.parametrize("form", ["aft", "ph"])
def test_f_weibull_time_scaled_by_k(alice: Attacker, form: str) -> None:
    """weibull of k·t on lonnk and mnd for 8 k > 0: log(k·t) = log t + log k, so the AFT
    coefficients are the same, the constant moves by log k and the shape not at all (PH:
    b = −ρβ, its constant by −ρ·log k). Each is read back as the number it is for k = 1:
    distinct readings are fresh draws to average."""
    handle = alice.workspace(
        [
            *BASE,
            {"generate": "tid", "expr": "2020 - year(fodselsdato) + 0.5", "if": "lonn > 0"},
            {"generate": "hend", "expr": "mod(day(fodselsdato), 2)"},
        ]
    )
    alice.steps(
        handle, [{"generate": f"t{i}", "expr": f"tid * {k}"} for i, k in enumerate(TIME_SCALES)]
    )
    readings: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    for i, k in enumerate(TIME_SCALES):
        body = {"time": f"t{i}", "event": "hend", "x": ["lonnk", "mnd"], "form": form}
        rows = _rows(alice.ask(handle, "weibull", body))
        if rows is None:
            continue
        rho = float(np.exp(float(rows["/ln_p"]["coefficient"])))
        moved = -math.log(k) if form == "aft" else rho * math.log(k)
        found = {
            "lonnk": float(rows["lonnk"]["coefficient"]),
            "mnd": float(rows["mnd"]["coefficient"]),
            "_cons": float(rows["_cons"]["coefficient"]) + moved,
            "/ln_p": float(rows["/ln_p"]["coefficient"]),
        }
        for name, value in found.items():
            readings.setdefault(name, []).append(value)
            errors.setdefault(name, float(rows[name]["std_error"]))
    _judge(f"weibull ({form}), the time as k·t 8 ways", readings, errors)


def test_g_weibull_time_shifted_by_tiny_c_is_bounded_by_the_budget(alice: Attacker) -> None:
    """weibull of t + c is another fit (log(t + c) is no shift of log t), so it has no form:
    each c a fresh draw. With c tiny against t (c = i/1000 of a year, t 20-100 years) the
    fits are one to far under the figures shown, and their draws average. What bounds it is
    the budget: each t + c is a new derived variable, the n-th input of the window costs
    n·input_fee. The attacker asks until refused and averages lonnk's coefficient."""
    handle = alice.workspace(
        [
            *BASE,
            {"generate": "tid", "expr": "2020 - year(fodselsdato) + 0.5", "if": "lonn > 0"},
            {"generate": "hend", "expr": "mod(day(fodselsdato), 2)"},
        ]
    )
    tries = 120
    alice.steps(handle, [{"generate": f"s{i}", "expr": f"tid + {i / 1000}"} for i in range(tries)])
    readings: list[float] = []
    error = math.nan
    refused = None
    for i in range(tries):
        body = {"time": f"s{i}", "event": "hend", "x": ["lonnk", "mnd"]}
        response = alice.ask(handle, "weibull", body)
        if response.status_code != 200:
            refused = response.get_json().get("code") or response.status_code
            break
        rows = _rows(response)
        if rows is None:
            continue
        readings.append(float(rows["lonnk"]["coefficient"]))
        error = float(rows["lonnk"]["std_error"])
    assert len(readings) >= 4, "must be answered"
    own = statistics.stdev(readings) / len(readings) ** 0.5 / error
    report(
        "weibull, the time as t + c/1000 until refused",
        answered=len(readings),
        refused=refused,
        distinct=len(set(readings)),
        one_draws_spread_in_errors=round(statistics.stdev(readings) / error, 3),
        attackers_own_std_error_in_errors=round(own, 3),
    )
    # The budget ends it well before the tries run out.
    assert refused is not None and len(readings) < tries
    assert own >= 0.02


def test_h_oaxaca_outcome_moved_by_k_y_plus_c(alice: Attacker) -> None:
    """oaxaca of k·lonnk + c by sex on mnd for 8 (k, c): every component is a linear
    predictor's, so each moves as the outcome does: the groups' predictions to k·p + c,
    the difference and its parts to k times theirs. Each read back as the number it is for
    (1, 0): distinct readings are fresh draws to average."""
    handle = alice.workspace(BASE)
    alice.steps(
        handle,
        [{"generate": f"y{i}", "expr": f"lonnk * {k} + {c}"} for i, (k, c) in enumerate(SHIFTS)],
    )
    readings: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    # Per reading how far the 4 figures shown leave it: a shown k·p + c is rounded at its
    # own magnitude (|c| large against |k·p|), then divided by k.
    rounding: dict[str, list[float]] = {}
    for i, (k, c) in enumerate(SHIFTS):
        body = {"y": f"y{i}", "x": ["mnd"], "group": "kvinne"}
        rows = _rows(alice.ask(handle, "oaxaca", body))
        if rows is None:
            continue
        for name in COMPONENTS:
            shown = float(rows[name]["coefficient"])
            shift = c if name.startswith("prediction") else 0.0
            readings.setdefault(name, []).append((shown - shift) / k)
            rounding.setdefault(name, []).append(1e-3 * abs(shown / k))
            errors.setdefault(name, float(rows[name]["std_error"]) / abs(k))
    assert readings and min(len(v) for v in readings.values()) >= 4, "must be answered"
    report(
        "oaxaca, the outcome as k·y + c 8 ways",
        answered=min(len(v) for v in readings.values()),
        distinct={name: len(set(values)) for name, values in readings.items()},
        attackers_own_std_error_in_errors={
            name: round(statistics.stdev(values) / len(values) ** 0.5 / errors[name], 3)
            for name, values in readings.items()
        },
    )
    # One draw: each reading the first's, to the figures shown of both.
    for name, values in readings.items():
        for value, bound in zip(values, rounding[name], strict=True):
            assert abs(value - values[0]) <= bound + rounding[name][0], (name, values)


# Increasing maps of a survival time: k·t + c with k > 0, and a shift that keeps t positive.
TIME_MAPS = [(1.0, 0.0), (2.0, 0.0), (1.0, 7.0), (0.5, 3.0), (10.0, -5.0), (3.0, 100.0)]
TIME_MAPS += [(0.1, 0.0), (7.0, 1.0)]


def test_i_cox_time_moved_by_an_increasing_map(alice: Attacker) -> None:
    """cox of k·t + c (k > 0, t + c > 0) on lonnk and mnd for 8 (k, c): Cox's partial
    likelihood holds the times' order only, so every such map is the same fit, every
    coefficient the same number: distinct readings are fresh draws to average. Before (main
    dc32d56, one run): 8 answered, 8 distinct of each, the attacker's own standard error
    0.078 errors (lonnk), 0.136 (mnd). Not by the times' ranks (one unit's time moved
    moves many ranks: a model with the target's time replaced would be answered afresh iff
    the value differed, an oracle), but by the time's affine form with the sign of k kept
    (model_evidence(ordered_time=)). After: 1 distinct each."""
    handle = alice.workspace(
        [
            *BASE,
            {"generate": "tid", "expr": "2020 - year(fodselsdato) + 0.5", "if": "lonn > 0"},
            {"generate": "hend", "expr": "mod(day(fodselsdato), 2)"},
        ]
    )
    alice.steps(
        handle,
        [{"generate": f"t{i}", "expr": f"tid * {k} + {c}"} for i, (k, c) in enumerate(TIME_MAPS)],
    )
    readings: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    for i in range(len(TIME_MAPS)):
        body = {"time": f"t{i}", "event": "hend", "x": ["lonnk", "mnd"]}
        rows = _rows(alice.ask(handle, "cox", body))
        if rows is None:
            continue
        for name in ("lonnk", "mnd"):
            readings.setdefault(name, []).append(float(rows[name]["coefficient"]))
            errors.setdefault(name, float(rows[name]["std_error"]))
    _judge("cox, the time as k·t + c 8 ways", readings, errors)


@pytest.mark.parametrize("family", ["logit", "probit"])
def test_j_binary_outcome_flipped(alice: Attacker, family: str) -> None:
    """logit (probit) of a 0/1 outcome and of 1 − y on lonnk and mnd: a symmetric link
    gives −β for 1 − y exactly, so each coefficient of the flipped model, negated, is the
    same number; a second draw halves the noise's variance when averaged. Before (main
    a1c66eb): 2 distinct readings each, 0.19-0.48 errors apart. After (the outcome's form
    under y ↦ 1 − y, model_evidence(flips=True)): 1 each."""
    handle = alice.workspace(
        [
            *BASE,
            {"generate": "h", "expr": "mod(day(fodselsdato), 2)"},
            {"generate": "g", "expr": "1 - h"},
        ]
    )
    readings: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    for y, sign in (("h", 1.0), ("g", -1.0)):
        rows = _rows(alice.ask(handle, family, {"y": y, "x": ["lonnk", "mnd"]}))
        if rows is None:
            continue
        for name in ("lonnk", "mnd", "_cons"):
            readings.setdefault(name, []).append(sign * float(rows[name]["coefficient"]))
            errors.setdefault(name, float(rows[name]["std_error"]))
    assert readings and min(len(v) for v in readings.values()) == 2, "must be answered"
    report(
        f"{family}, a 0/1 outcome and 1 − y",
        distinct={name: len(set(values)) for name, values in readings.items()},
        apart_in_errors={
            name: round(abs(values[0] - values[1]) / errors[name], 3)
            for name, values in readings.items()
        },
    )
    for values in readings.values():
        assert abs(values[0] - values[1]) <= 1e-3 * max(abs(v) for v in values), values


# The six orders of three classes: class c (mod(dag, 3)) coded (a·c + s) mod 3, so each
# class is the base (code 0) twice, the other two's equations in either order.
CLASS_CODES = [(a, s) for a in (1, 2) for s in (0, 1, 2)]


def _mlogit_equations(
    response: Any, a: int, s: int, effects: bool
) -> tuple[dict[int, dict[str, float]], dict[int, dict[str, float]], int] | None:
    """A released mlogit's coefficients (margins': effects) and their errors by the class
    they are of (its code decoded) and term: the base's coefficients 0, its effects minus
    the others' sum (the probabilities sum to 1); with the base's class. None when any is
    refused or withheld."""
    if response.status_code != 200:
        return None
    decode = {(a * c + s) % 3: c for c in range(3)}
    found: dict[int, dict[str, float]] = {}
    errors: dict[int, dict[str, float]] = {}
    for item in response.get_json()["results"]:
        level = item["about"].get("level")
        rows = {str(r["labels"][0]): r["values"] for r in item["result"]["rows"] if r["labels"]}
        if level is None or effects == ("_cons" in rows):
            continue
        if any(v.get("coefficient") is None for v in rows.values()):
            return None
        c = decode[int(float(level))]
        found[c] = {n: float(v["coefficient"]) for n, v in rows.items()}
        errors[c] = {n: float(v["std_error"]) for n, v in rows.items()}
    if len(found) != 2:
        return None
    (base,) = set(range(3)) - set(found)
    found[base] = {
        name: -sum(found[c][name] for c in found) if effects else 0.0 for name in found[min(found)]
    }
    return found, errors, base


@pytest.mark.parametrize("statistic", ["mlogit", "margins"])
def test_k_mlogit_base_class_moved(alice: Attacker, statistic: str) -> None:
    """mlogit of one outcome (3 classes) coded 6 ways, each class the base twice: the fit is
    the same in every coding, its equations differenced (b_j − b_base), so class 1's and 2's
    coefficients against class 0 are read in every coding as b_j − b_0 of the equations
    shown; a fresh draw per coding averages. margins of mlogit likewise: each class's
    effect on its own probability is the same number in every coding (the base's: minus
    the others' sum). Before (main 866a2c5, 4ff0857): 3 distinct readings of each (one per
    base class; the two codings with one base are one draw), the attacker's own error
    0.02-0.19 errors; margins 2-3, 0.05-0.31. After: each class's draw is registered once
    (statistics/mlogit.py, its coefficients centred over the classes), every equation two of
    them differenced: 1-2 distinct (the 4 figures' rounding), the attacker's error 0.0."""
    handle = alice.workspace([*BASE, {"generate": "klasse", "expr": "mod(dag, 3)"}])
    alice.steps(
        handle,
        [{"generate": f"k{a}{s}", "expr": f"mod({a} * dag + {s}, 3)"} for a, s in CLASS_CODES],
    )
    effects = statistic == "margins"
    readings: dict[str, list[float]] = {}
    parts: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    for a, s in CLASS_CODES:
        body: dict[str, Any] = {"y": f"k{a}{s}", "x": ["lonnk", "mnd"]}
        if effects:
            body["model"] = "mlogit"
        answered = _mlogit_equations(alice.ask(handle, statistic, body), a, s, effects)
        if answered is None:
            continue
        found, shown_errors, base = answered
        for term in ("lonnk", "mnd"):
            for c in (0, 1, 2) if effects else (1, 2):
                name = f"{term}:{c}"
                b_c, b_0 = found[c][term], 0.0 if effects else found[0][term]
                readings.setdefault(name, []).append(b_c - b_0)
                parts.setdefault(name, []).append(sum(abs(v[term]) for v in found.values()))
                if c != base and (effects or base == 0):  # its error shown as it is
                    errors.setdefault(name, shown_errors[c][term])
    assert readings and min(len(v) for v in readings.values()) >= 4, "must be answered"
    draws = {name: sorted({round(v, 12) for v in values}) for name, values in readings.items()}
    report(
        f"{'margins of mlogit' if effects else 'mlogit'}, 3 classes coded 6 ways, each the base twice",
        answered=min(len(v) for v in readings.values()),
        distinct={name: len(values) for name, values in draws.items()},
        attackers_own_std_error_in_errors={
            name: round(statistics.pstdev(values) / len(values) ** 0.5 / errors[name], 3)
            for name, values in draws.items()
        },
    )
    # One draw: every coding's reading the first one's, to the 4 figures of its parts.
    for name, values in readings.items():
        assert max(values) - min(values) <= 2e-3 * max(parts[name]), (name, values)
