"""Models: a regressor that singles out one unit absorbs that unit's residual, so its
coefficient (plus the constant) is the unit's value. A numeric 0/1 regressor (case 19), a
categorical level of one unit, an interaction cell of one unit, a point of high leverage,
a logit on the target, a correlation with the target, and two models that differ in one
unit's value. Each is judged by how many targets' wages (or diagnoses) it recovers."""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest

from tests.red_team.conftest import Attacker, Score, Truth, report, value, within

TARGETS = 6


def indicator(name: str, condition: str) -> list[dict[str, Any]]:
    """A numeric 0/1 variable (the language does not multiply truth values)."""
    return [{"generate": name, "expr": "0"}, {"replace": name, "expr": "1", "if": condition}]


def _coefficients(response: Any) -> dict[str, float] | None:
    """A released model's coefficients by term, or None when withheld or refused."""
    if response.status_code != 200:
        return None
    result = response.get_json()["results"][0]["result"]
    found: dict[str, float] = {}
    if result["kind"] == "correlation":  # a matrix: the pairs off its diagonal
        for row in result["rows"]:
            first, second = row["labels"]
            if first != second:
                if row["values"]["correlation"] is None:
                    return None
                found[f"{first}~{second}"] = float(row["values"]["correlation"])
        return found or None
    for row in result["rows"]:
        coefficient = row["values"].get("coef", row["values"].get("coefficient"))
        if coefficient is None or not row["labels"] or row["labels"][0] is None:
            return None
        found[str(row["labels"][0])] = float(coefficient)
    return found or None


def _model_attack(
    alice: Attacker, truth: Truth, title: str, steps: Any, x: list[str], term: str
) -> tuple[int, int]:
    handle = alice.workspace()
    recovered = released = 0
    for i, person in enumerate(truth.targets(TARGETS)):
        alice.steps(handle, steps(i, person))
        found = _coefficients(
            alice.ask(handle, "regress", {"y": "lonn", "x": [v.format(i=i) for v in x]})
        )
        if found is None:
            continue
        released += 1
        slope = next((v for k, v in found.items() if term.format(i=i) in k), None)
        if slope is not None:
            recovered += within(slope + found.get("_cons", 0.0), person.wage or 0)
    report(title, targets=TARGETS, released=released, recovered=recovered)
    return recovered, released


def test_numeric_indicator_of_the_target(alice: Attacker, truth: Truth) -> None:
    recovered, _ = _model_attack(
        alice,
        truth,
        "OLS on a numeric 0/1 regressor for the target",
        lambda i, p: indicator(f"t{i}", p.expr()),
        ["t{i}"],
        "t{i}",
    )
    assert recovered == 0


def test_categorical_level_of_the_target(alice: Attacker, truth: Truth) -> None:
    recovered, _ = _model_attack(
        alice,
        truth,
        "OLS on i.group with a level for the target",
        lambda i, p: [
            {"generate": f"g{i}", "expr": "1"},
            {"replace": f"g{i}", "expr": "2", "if": p.expr()},
        ],
        ["i.g{i}"],
        "2",
    )
    assert recovered == 0


def test_interaction_cell_of_the_target(alice: Attacker, truth: Truth) -> None:
    """Neither factor singles anyone out (a birth date alone, sex), their cell does."""
    recovered, _ = _model_attack(
        alice,
        truth,
        "OLS with an interaction cell for the target",
        lambda i, p: indicator(
            f"d{i}n", f'fodselsdato == date("{p.birth}") and kommune == "{p.kommune}"'
        ),
        ["i.kjonn#c.d{i}n", "i.kjonn"],
        "d{i}n",
    )
    assert recovered == 0


def test_high_leverage_point(alice: Attacker, truth: Truth) -> None:
    """x = a birth year for everyone but 10^6 for the target: the fit passes through it."""
    recovered, _ = _model_attack(
        alice,
        truth,
        "OLS with a high-leverage point",
        lambda i, p: [
            {"generate": f"x{i}", "expr": "year(fodselsdato)"},
            {"replace": f"x{i}", "expr": "1000000", "if": p.expr()},
        ],
        ["x{i}"],
        "x{i}",
    )
    assert recovered == 0


def test_logit_on_the_target(alice: Attacker, truth: Truth) -> None:
    handle = alice.workspace()
    released = 0
    targets = truth.targets(4, kreft=True) + truth.targets(4, kreft=False)
    for i, person in enumerate(targets):
        alice.steps(handle, indicator(f"t{i}", person.expr()))
        with warnings.catch_warnings():
            # What a production worker does: a numpy warning is not an error there.
            warnings.simplefilter("ignore", RuntimeWarning)
            logit = alice.ask(handle, "logit", {"y": "kreft", "x": [f"t{i}"]})
        released += _coefficients(logit) is not None
    report("logit on the target", asked=len(targets), released=released)
    assert released == 0


def test_correlation_with_the_target(alice: Attacker, truth: Truth) -> None:
    handle = alice.workspace()
    released = 0
    targets = truth.targets(TARGETS)
    for i, person in enumerate(targets):
        alice.steps(handle, indicator(f"t{i}", person.expr()))
        correlation = alice.ask(handle, "correlate", {"vars": [f"t{i}", "lonn"]})
        if correlation.status_code == 200:
            matrix = correlation.get_json()["results"][0]
            released += value(matrix, [f"t{i}", "lonn"], "correlation") is not None
            released += value(matrix, ["lonn", f"t{i}"], "correlation") is not None
    report("correlation with the target", asked=len(targets), released=released)
    assert released == 0


def test_two_models_that_differ_in_one_units_value(alice: Attacker, truth: Truth) -> None:
    """lonn on sex over everyone, then with the target's value set to 0: the fitted mean
    of the target's sex moves by y_t / N_sex, and N_sex comes from a count table."""
    handle = alice.workspace([{"generate": "harlonn", "expr": "not sysmiss(lonn)"}])
    counts = alice.table(handle, {"vars": ["kjonn", "harlonn"]})
    assert counts is not None
    base = _coefficients(alice.ask(handle, "regress", {"y": "lonn", "x": ["kjonn"]}))
    assert base is not None
    score = Score("two models, one value changed")
    for i, person in enumerate(truth.targets(TARGETS)):
        alice.steps(
            handle,
            [
                {"generate": f"y{i}", "expr": "lonn"},
                {"replace": f"y{i}", "expr": "0", "if": person.expr()},
            ],
        )
        found = _coefficients(alice.ask(handle, "regress", {"y": f"y{i}", "x": ["kjonn"]}))
        n_sex = value(counts[0], [person.sex, "true"], "count")
        if found is None or n_sex is None:
            score.add(None, person.wage or 0)
            continue
        sex = float(person.sex)
        before = base["_cons"] + sex * base["kjonn"]
        after = found["_cons"] + sex * found["kjonn"]
        score.add((before - after) * n_sex, person.wage or 0)
    assert score.failed()


@pytest.mark.xfail(
    strict=True,
    reason="a model built so that only the target has a residual: the slope of y on x "
    "(no constant) is 1 + x_t²/Σx², its noise scales with a standard error that the near-"
    "perfect fit makes tiny, and Σx² of the padding comes from a count table; 4/4 wages "
    "within 0.2-4.6 % (a padding of its own per target keeps the guard quiet)",
)
def test_slope_of_a_fit_that_is_perfect_but_for_the_target(alice: Attacker, truth: Truth) -> None:
    """Population: most of Oslo plus the target. x = 3000·v for everyone else (v = 1..5 from the
    day of birth, so x has support everywhere) and the target's wage for the target; y = x,
    but 2x for the target. With no constant the slope is b = 1 + h, h = x_t²/Σx², the
    target's leverage (kept under the bound by the padding). Σx² over the padding is
    9·10⁶·Σ_v n_v·v², with n_v from a count table of v over everyone but the target."""
    score = Score("slope of a fit perfect but for the target")
    for i, person in enumerate(truth.targets(4, min_wage=200_000)):
        # A padding of its own for each target (Oslo less one quarter by day of birth), so
        # that no two models' populations are a few units apart.
        padding_of_i = (
            f'kommune == "0301" and day(fodselsdato) - int(day(fodselsdato) / 4) * 4 != {i}'
        )
        handle = alice.workspace(
            [
                {"keep_if": f"({person.expr()}) or ({padding_of_i})"},
                {"generate": "t", "expr": person.expr()},
                {"generate": "v", "expr": "1 + day(fodselsdato) - int(day(fodselsdato) / 5) * 5"},
                {"generate": "x", "expr": "v * 3000"},
                {"replace": "x", "expr": "lonn", "if": "t"},
                {"generate": "y", "expr": "x"},
                {"replace": "y", "expr": "2 * x", "if": "t"},
                {"generate": "vp", "expr": "v"},
                {"replace": "vp", "expr": "sysmiss", "if": "t"},
            ]
        )
        model = _coefficients(
            alice.ask(handle, "regress", {"y": "y", "x": ["x"], "constant": False})
        )
        counts = alice.table(handle, {"vars": ["vp"]})
        if model is None or counts is None:
            score.add(None, person.wage or 0)
            continue
        padding = 0.0
        for level in range(1, 6):
            n = value(counts[0], [str(level)], "count")
            padding += (n or 0) * (3000 * level) ** 2
        h = model["x"] - 1
        estimate = math.sqrt(h * padding / (1 - h)) if 0 < h < 1 else None
        score.add(estimate, person.wage or 0)
    assert score.failed()


def test_values_near_the_largest_double(alice: Attacker) -> None:
    """Legal expressions whose values reach 1e305: nothing may fail, nothing infinite or
    not-a-number may be published."""
    handle = alice.workspace(
        [
            {"generate": "stor", "expr": "lonn * 1e300"},
            {"generate": "liten", "expr": "lonn * 1e-300"},
        ]
    )
    published: list[float] = []
    for statistic, body in (
        ("summarize", {"vars": ["stor"]}),
        ("tabulate", {"vars": ["alle"], "summarize": "stor", "stats": ["sum", "sd"]}),
        ("histogram", {"var": "stor"}),
        ("correlate", {"vars": ["stor", "lonn"]}),
        ("regress", {"y": "liten", "x": ["lonn"]}),
        ("regress", {"y": "stor", "x": ["lonn"]}),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # as a production worker runs
            response = alice.ask(handle, statistic, body)
        if response.status_code == 200:
            for item in response.get_json()["results"]:
                for row in item["result"]["rows"]:
                    published += [v for v in row["values"].values() if isinstance(v, float)]
    not_finite = sum(not math.isfinite(v) for v in published)
    report("values near the largest double", published=len(published), not_finite=not_finite)
    assert not_finite == 0
