"""A second opinion on mlogit's class draws (issue 13, f7227f9): output control draws each
class's centred coefficients γ_j = β_j − mean_m β_m once, noise keyed by the class's
indicator 1{y = j} (its units, that indicator and the regressors), scaled by the class's
contrasts against the other classes, and shows every equation as γ̃_level − γ̃_base
(statistics/mlogit.py, output_control/contrasts.py). These attacks go after what that keys
and scales: the same indicator under other classes beside it, the same classes over a set
one unit away, and the same indicator as a binary logit's outcome.

Each attack reads class 1's coefficients against class 0 (codes of mod(dag, 3)) and judges
by the attacker's own error in the published standard errors of what it reads."""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np
import pytest

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.support import coefficient_rows, wage_month_design
from tests.red_team.test_reparametrised_models import BASE

TERMS = ("lonnk", "mnd", "_cons")


def _equations(
    response: Any, effects: bool = False
) -> dict[str, dict[str, tuple[float, float]]] | None:
    """A released mlogit's equations by level (as shown): per term (coefficient, error);
    `effects`: margins' effects of each level instead. None when refused or withheld."""
    if response.status_code != 200:
        return None
    found: dict[str, dict[str, tuple[float, float]]] = {}
    for item in response.get_json()["results"]:
        level = item["about"].get("level")
        if level is None:
            return None
        rows = coefficient_rows(item)
        if rows is None:
            return None
        if effects == ("_cons" not in rows):
            found[str(int(float(level)))] = rows
    return found or None


def _logit(response: Any) -> dict[str, tuple[float, float]] | None:
    if response.status_code != 200:
        return None
    rows = {}
    for row in response.get_json()["results"][0]["result"]["rows"]:
        values = row["values"]
        if not row["labels"] or values.get("coefficient") is None:
            return None
        rows[str(row["labels"][0])] = (float(values["coefficient"]), float(values["std_error"]))
    return rows


def _own_error(readings: list[float], error: float) -> float:
    """The attacker's standard error of the mean of the readings, in published errors (0
    when every reading is one draw)."""
    distinct = sorted({round(v, 12) for v in readings})
    if len(distinct) < 2:
        return 0.0
    return statistics.pstdev(readings) / len(readings) ** 0.5 / error


@pytest.mark.parametrize("statistic", ["mlogit", "margins"])
def test_recoded_with_one_unit_dropped_each_time(
    alice: Attacker, truth: Truth, statistic: str
) -> None:
    """The same 3 classes coded 6 ways ((a·c + s) mod 3), each coding over everyone less a
    different known person: the codes as given are far from every registered model's
    pairs (another coding), so no registered answer is near; the class draws are keyed by
    the indicator over the units asked, one unit fewer each time. Averaged: class 1's
    coefficients against class 0 (margins of mlogit: class 1's effects, the base's minus
    the others' sum). Before (f7227f9 and 7b183e7, 9 sessions, random keys): 6
    answered, 6 distinct readings of each, spread 0.15-0.37 published errors, the
    attacker's own error 0.06-0.15 errors (margins, 3 sessions: 0.09-0.38, 0.04-0.10):
    a fresh draw each, where one unit moves a coefficient by far less than its noise.
    After (the class models' pairs hold each class's coding-free rank,
    `contrasts.class_ranks`), 6 sessions: 1-2 distinct (the 4 figures' rounding), spread
    0.0, the attacker's error 0.0, margins alike."""
    people = truth.targets(6)
    codes = [(a, s) for a in (1, 2) for s in (0, 1, 2)]
    effects = statistic == "margins"
    parts: dict[str, list[float]] = {}
    readings: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    for (a, s), person in zip(codes, people, strict=True):
        mine = alice.workspace(
            [
                *BASE,
                {"drop_if": person.expr()},
                {"generate": "k", "expr": f"mod({a} * dag + {s}, 3)"},
            ]
        )
        body: dict[str, Any] = {"y": "k", "x": ["lonnk", "mnd"]}
        if effects:
            body["model"] = "mlogit"
        found = _equations(alice.ask(mine, statistic, body), effects)
        if found is None:
            continue
        decode = {(a * c + s) % 3: c for c in range(3)}
        by_class = {decode[int(level)]: rows for level, rows in found.items()}
        (base,) = set(range(3)) - set(by_class)
        by_class[base] = {
            t: (-sum(by_class[c][t][0] for c in by_class) if effects else 0.0, 0.0)
            for t in TERMS
            if t != "_cons" or not effects
        }
        for term in ("lonnk", "mnd"):
            b1, e1 = by_class[1][term]
            b0 = 0.0 if effects else by_class[0][term][0]
            readings.setdefault(term, []).append(b1 - b0)
            parts.setdefault(term, []).append(sum(abs(v[term][0]) for v in by_class.values()))
            if base == 0 or (effects and base != 1):
                errors.setdefault(term, e1)
    assert readings and min(len(v) for v in readings.values()) >= 4, "must be answered"
    report(
        f"{'margins of mlogit' if effects else 'mlogit'}, 3 classes coded 6 ways, each over "
        "everyone less another known person",
        answered=min(len(v) for v in readings.values()),
        distinct={t: len({round(v, 12) for v in values}) for t, values in readings.items()},
        spread_in_errors={
            t: round(statistics.pstdev(values) / errors[t], 3) for t, values in readings.items()
        },
        attackers_own_std_error_in_errors={
            t: round(_own_error(values, errors[t]), 3) for t, values in readings.items()
        },
    )
    # One draw: the same classes a unit away meet their registered draws, so every reading
    # is the first one to the 4 figures of its parts (fresh draws: 0.15-0.33 errors apart).
    for term, values in readings.items():
        assert max(values) - min(values) <= 2e-3 * max(parts[term]), (term, values)


def _exact(truth: Truth, coded: Any) -> np.ndarray:
    """Class 1's coefficients against class 0 (lonnk, mnd, constant) of the exact
    multinomial fit over the people with a wage, from the source files; `coded` gives a
    person's class from (day, year)."""
    import statsmodels.api as sm

    rows = [p for p in truth.people if p.wage is not None]
    y = np.array([coded(int(p.birth[8:10]), int(p.birth[:4])) for p in rows], dtype=float)
    x = np.column_stack(
        [
            [p.wage / 100000 for p in rows],  # type: ignore[operator]
            [float(int(p.birth[5:7])) for p in rows],
            np.ones(len(rows)),
        ]
    )
    fit = sm.MNLogit(y, x).fit(disp=0, method="newton", tol=1e-12, maxiter=200)
    return np.asarray(fit.params)[:, 0]


def test_a_split_class_rescales_one_draw(alice: Attacker, truth: Truth) -> None:
    """Classes 0 and 1 kept, class 2 split into 2 and 3 by birth year (3: born up to year
    Y, 6 values of Y, so class 3 from tiny to large): class 0's and 1's indicators are the
    same in every model, so their draws' keys; their scales follow the widest contrast,
    which the small class 3 sets. Equation 1 (class 1 against class 0) then reads
    θ_Y + σ_1Y·v_1 − σ_0Y·v_0, the same v's under other scales: fitted against its
    published error, E_Y = θ + w·s_Y, the intercept is θ with the noise taken out. Seen
    (14 sessions): the noise in each model's own errors is no one draw rescaled (−1.44 to
    0.98 across the splits), the intercept 0.03-1.70 errors off the 3-class θ."""
    handle = alice.workspace([*BASE, {"generate": "k0", "expr": "mod(dag, 3)"}])
    years = [1950, 1956, 1962, 1968, 1974, 1980]
    alice.steps(
        handle,
        [
            {"generate": f"k{y}", "expr": f"cond(mod(dag, 3) == 2 and aar <= {y}, 3, mod(dag, 3))"}
            for y in years
        ],
    )
    shown: dict[str, list[tuple[float, float, float]]] = {}  # (reading, error, exact)
    for name in ["k0", *(f"k{y}" for y in years)]:
        found = _equations(alice.ask(handle, "mlogit", {"y": name, "x": ["lonnk", "mnd"]}))
        if found is None or "1" not in found:
            continue
        year = None if name == "k0" else int(name[1:])
        exact = _exact(
            truth,
            lambda d, a, y=year: 3 if y is not None and d % 3 == 2 and a <= y else d % 3,
        )
        for term, value in zip(("lonnk", "mnd"), exact, strict=False):
            shown.setdefault(term, []).append((*found["1"][term], float(value)))
    assert shown and min(len(v) for v in shown.values()) >= 5, "must be answered"
    estimate_error: dict[str, float] = {}
    noise_in_errors: dict[str, list[float]] = {}
    for term, found in shown.items():
        readings = np.array([r for r, _, _ in found])
        published = np.array([e for _, e, _ in found])
        design = np.column_stack([np.ones(len(found)), published])
        (theta, _), *_ = np.linalg.lstsq(design, readings, rcond=None)
        _, error, exact = found[0]  # the 3-class model, what the attacker is after
        estimate_error[term] = round(float(abs(theta - exact) / error), 3)
        noise_in_errors[term] = [round((r - x) / e, 3) for r, e, x in found]
    report(
        "mlogit, class 2 split by birth year 6 ways beside the 3 classes",
        answered=min(len(v) for v in shown.values()),
        noise_in_own_errors=noise_in_errors,
        intercept_fit_error_in_errors=estimate_error,
    )
    # One draw rescaled would show the same noise in every model's own errors (to the
    # share one class's scale moves against the other's); the draws are not that.
    for term, noises in noise_in_errors.items():
        assert statistics.pstdev(noises) >= 0.05, (term, noises)


def test_logit_of_the_indicator_beside_the_class(alice: Attacker, truth: Truth) -> None:
    """logit of 1{class = 1} (and of its complement, negated: the logit's flipped form, one
    draw) beside mlogit of the same indicator as a 2-class outcome (its one equation is
    that logit's coefficients, γ̃_1 − γ̃_0) and of the complement: two models of one
    indicator. The equation's draw is the class 1 draw (keyed by the indicator, as the
    logit's is) less the class 0 draw (keyed by the complement), each at the scale of the
    logit's own evidence, so the equation's noise is at least the logit's: averaged with
    the logit's reading, the attacker's error is at least √(2/3) of one draw's (none
    gained when the logit and class 1 share their draw)."""
    import statsmodels.api as sm

    handle = alice.workspace(
        [
            *BASE,
            {"generate": "h", "expr": "cond(mod(dag, 3) == 1, 1, 0)"},
            {"generate": "g", "expr": "1 - h"},
        ]
    )
    x, h = wage_month_design(truth)
    exact = dict(zip(("lonnk", "mnd"), sm.Logit(h, x).fit(disp=0, tol=1e-12).params, strict=False))
    readings: dict[str, list[float]] = {}
    errors: dict[str, list[float]] = {}
    for statistic, y, sign in (
        ("logit", "h", 1.0),
        ("logit", "g", -1.0),
        ("mlogit", "h", 1.0),
        ("mlogit", "g", -1.0),
    ):
        response = alice.ask(handle, statistic, {"y": y, "x": ["lonnk", "mnd"]})
        if statistic == "logit":
            rows = _logit(response)
        else:
            found = _equations(response)
            rows = None if found is None else next(iter(found.values()))
        if rows is None:
            continue
        for term in ("lonnk", "mnd"):
            readings.setdefault(term, []).append(sign * rows[term][0])
            errors.setdefault(term, []).append(rows[term][1])
    assert readings and min(len(v) for v in readings.values()) == 4, "must be answered"
    noise = {
        t: [round(float((v - exact[t]) / errors[t][0]), 3) for v in values]
        for t, values in readings.items()
    }
    combined = {  # the attacker's weights for two independent draws, variances 1 and 2
        t: round(float(abs((2 * values[0] + values[2]) / 3 - exact[t]) / errors[t][0]), 3)
        for t, values in readings.items()
    }
    report(
        "logit of a class indicator beside mlogit of it (and of the complements)",
        distinct={t: len({round(v, 12) for v in values}) for t, values in readings.items()},
        noise_in_the_logits_errors=noise,
        mlogit_error_over_logit_error={
            t: round(values[2] / values[0], 3) for t, values in errors.items()
        },
        combined_error_in_errors=combined,
    )
    for term, values in readings.items():
        assert len({round(v, 12) for v in values}) <= 2, (term, values)  # flips: one draw each
