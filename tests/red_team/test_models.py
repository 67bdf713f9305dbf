"""Models: a regressor that singles out one unit absorbs that unit's residual, so its
coefficient (plus the constant) is the unit's value. A numeric 0/1 regressor (case 19), a
categorical level of one unit, an interaction cell of one unit, a point of high leverage,
a logit on the target, a correlation with the target, and two models that differ in one
unit's value. Each is judged by how many targets' wages (or diagnoses) it recovers."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

from tests.red_team.conftest import Attacker, Person, Score, Truth, report, value, within
from tests.red_team.support import indicator

TARGETS = 6


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


PERFECT_FIT_TARGETS = 12  # each with a padding of its own: at most 12


@dataclass(frozen=True)
class Padding:
    """What the attacker knows of the padding (from a count table of v): its units and
    Σx², Σx⁴ over it."""

    units: int
    squares: float
    fourth_powers: float


def _perfect_fit(alice: Attacker, person: Person, i: int) -> str:
    """Population: most of Oslo plus the target. x = 6000·v for everyone else (v = 1..5
    from the day of birth, so x has support everywhere) and the target's wage for the
    target; y = x, but 2x for the target. A padding of its own for each target (Oslo less
    one part of twelve by day of birth), so that no two models' populations are a few
    units apart (the guard would withhold the second)."""
    padding_of_i = (
        f'kommune == "0301" and day(fodselsdato) - int(day(fodselsdato) / 12) * 12 != {i}'
    )
    return target_in_padding(alice, person, padding_of_i, y="x")


def target_in_padding(alice: Attacker, person: Person, padding: str, *, y: str) -> str:
    """A workspace of the target and the units where `padding` holds: x = 6000·v for the
    padding (v = 1..5 from the day of birth) and the target's wage for the target (t);
    y as `y` says for the padding and 2x for the target; vp = v, missing for the target
    (its table by vp counts the padding: _padding)."""
    return alice.workspace(
        [
            {"keep_if": f"({person.expr()}) or ({padding})"},
            {"generate": "t", "expr": person.expr()},
            {"generate": "v", "expr": "1 + day(fodselsdato) - int(day(fodselsdato) / 5) * 5"},
            {"generate": "x", "expr": "v * 6000"},
            {"replace": "x", "expr": "lonn", "if": "t"},
            {"generate": "y", "expr": y},
            {"replace": "y", "expr": "2 * x", "if": "t"},
            {"generate": "vp", "expr": "v"},
            {"replace": "vp", "expr": "sysmiss", "if": "t"},
        ]
    )


def _padding(alice: Attacker, handle: str) -> Padding | None:
    """Asked after the models: the padding is the model's units less one, so the guard
    withholds whichever of the two comes second, and the table's cells (by v) still come."""
    counts = alice.table(handle, {"vars": ["vp"]})
    if counts is None:
        return None
    found = [value(counts[0], [str(level)], "count") or 0.0 for level in range(1, 6)]
    return Padding(
        int(sum(found)) + 1,
        sum(n * (6000 * v) ** 2 for v, n in enumerate(found, start=1)),
        sum(n * (6000 * v) ** 4 for v, n in enumerate(found, start=1)),
    )


def _slope_and_error(alice: Attacker, handle: str, robust: bool) -> tuple[float, float] | None:
    """The published slope of y on x (no constant) and its standard error."""
    response = alice.ask(
        handle, "regress", {"y": "y", "x": ["x"], "constant": False, "robust": robust}
    )
    if response.status_code != 200:
        return None
    for row in response.get_json()["results"][0]["result"]["rows"]:
        if row["labels"] == ["x"]:
            b, se = row["values"]["coefficient"], row["values"]["std_error"]
            return None if b is None or se is None else (float(b), float(se))
    return None


def _wage_from_leverage(h: float, padding: float) -> float:
    """h = W²/(Σx² + W²), so W = √(h·Σx²/(1 − h)); h is known to lie in [0, 0.5] (the
    leverage bound), so a noisy estimate outside is taken to the nearer end."""
    h = min(max(h, 0.0), 0.5)
    return math.sqrt(h * padding / (1 - h))


def test_slope_of_a_fit_that_is_perfect_but_for_the_target(alice: Attacker, truth: Truth) -> None:
    """With no constant the slope is b = 1 + h, h = x_t²/Σx², the target's leverage (kept
    under the bound by the padding). The same model is asked with classical and with
    robust standard errors: were the noise on b a share of the standard error asked for,
    with the same key, b_c − b_r = share·v·(s_c − s_r) and the published standard errors
    share a factor (1 + share'·w), so b = b_c − s_c'·(b_c − b_r)/(s_c' − s_r') exactly;
    else b_c is the estimate."""
    score = Score("slope of a fit perfect but for the target")
    for i, person in enumerate(truth.targets(PERFECT_FIT_TARGETS, min_wage=200_000)):
        handle = _perfect_fit(alice, person, i)
        classical = _slope_and_error(alice, handle, robust=False)
        robust = _slope_and_error(alice, handle, robust=True)
        fit = _padding(alice, handle)
        if fit is None or classical is None:
            score.add(None, person.wage or 0)
            continue
        (b_c, s_c), b = classical, classical[0]
        if robust is not None and robust[1] != s_c:
            b = b_c - s_c * (b_c - robust[0]) / (s_c - robust[1])
        score.add(_wage_from_leverage(b - 1, fit.squares), person.wage or 0)
    assert score.failed()


def test_standard_errors_of_a_fit_that_is_perfect_but_for_the_target(
    alice: Attacker, truth: Truth
) -> None:
    """The same models, read through their standard errors alone. With e = −h·x for the
    padding and (1 − h)·x_t for the target, and S, Q the padding's Σx², Σx⁴, the classical
    variance is h(1 − h)/(N − 1) and the robust one (HC1) N/(N − 1)·h²(1 − h)²(1 + Q/S²),
    so (s_r/s_c)² = N·h(1 − h)(1 + Q/S²): h from the ratio, and the wage from h. Were both
    standard errors perturbed by one factor, the ratio would be exact; each is also the
    target's residual, which one unit's share of it (all of it) hides."""
    score = Score("standard errors of a fit perfect but for the target")
    for i, person in enumerate(truth.targets(PERFECT_FIT_TARGETS, min_wage=200_000)):
        handle = _perfect_fit(alice, person, i)
        classical = _slope_and_error(alice, handle, robust=False)
        robust = _slope_and_error(alice, handle, robust=True)
        fit = _padding(alice, handle)
        if fit is None or classical is None or robust is None or classical[1] <= 0:
            score.add(None, person.wage or 0)
            continue
        ratio = (robust[1] / classical[1]) ** 2
        g = ratio / (fit.units * (1 + fit.fourth_powers / fit.squares**2))
        h = (1 - math.sqrt(1 - 4 * min(max(g, 0.0), 0.25))) / 2
        score.add(_wage_from_leverage(h, fit.squares), person.wage or 0)
    assert score.failed()


def test_values_near_the_largest_double(alice: Attacker) -> None:
    """Legal expressions whose values reach the limit, 1e15: nothing may fail, nothing infinite or
    not-a-number may be published."""
    handle = alice.workspace(
        [
            {"generate": "stor", "expr": "lonn * 1e9"},  # up to the limit, 1e15 (scale.py)
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


TRACKED = 4  # targets of the tracker below, each with its own twenty known persons


def _left_out(name: str, members: dict[str, str]) -> list[dict[str, Any]]:
    """g = the sex, but a label of its own (a level of one unit, so left out of the model
    like a missing value) for each member: label → condition."""
    steps: list[dict[str, Any]] = [{"generate": name, "expr": "kjonn"}]
    for label, condition in members.items():
        steps.append({"replace": name, "expr": f'"{label}"', "if": condition})
    return steps


def _sex_mean(found: dict[str, float] | None, variable: str, sex: str) -> float | None:
    """The fitted mean of one sex in OLS of the wage on i.<variable> (levels "1", "2")."""
    if found is None or "_cons" not in found:
        return None
    if sex == "1":
        return found["_cons"]
    slope = found.get(f"2.{variable}")
    return None if slope is None else found["_cons"] + slope


def _mean_of(alice: Attacker, handle: str, variable: str, sex: str) -> float | None:
    found = _coefficients(alice.ask(handle, "regress", {"y": "lonn", "x": [f"i.{variable}"]}))
    return _sex_mean(found, variable, sex)


def test_models_over_a_population_with_and_without_the_target(
    alice: Attacker, truth: Truth
) -> None:
    """A rare level's rows are left out of a model like missing values, so a level of one
    unit for the target gives the model over P less the target. OLS of the wage on i.g,
    where g is the sex, is a mean per sex; the target's wage is the difference of the sums
    n·mean over P and over P − target. Asked as such, the pair meets the differencing
    guard; so also as a tracker whose four sets are all ten or more apart: P, P − (A + t),
    P − B and P − (A + B), A and B ten known persons of the target's sex each (a level of
    one unit each), the wage being n·m₁ − (n − 11)·m₂ − (n − 10)·m₃ + (n − 20)·m₄ with n
    the sex's count from a table. model-noise's floor (twice the most one unit moves a
    coefficient) must drown it."""
    handle = alice.workspace([{"generate": "harlonn", "expr": "not sysmiss(lonn)"}])
    counts = alice.table(handle, {"vars": ["kjonn", "harlonn"]})
    assert counts is not None
    whole = _coefficients(alice.ask(handle, "regress", {"y": "lonn", "x": ["i.kjonn"]}))
    targets = truth.targets(TRACKED)
    known = [p for p in truth.by_birth(400) if p not in targets]
    score = Score("models over P and P − target (pair, then tracker)")
    pairs = 0
    for i, person in enumerate(targets):
        same_sex = [p for p in known if p.sex == person.sex][20 * i : 20 * i + 20]
        assert len(same_sex) == 20
        a = {f"a{k}": f'fodselsdato == date("{p.birth}")' for k, p in enumerate(same_sex[:10])}
        b = {f"b{k}": f'fodselsdato == date("{p.birth}")' for k, p in enumerate(same_sex[10:])}
        alice.steps(
            handle,
            _left_out(f"t{i}", {"t": person.expr()})
            + _left_out(f"at{i}", {**a, "t": person.expr()})
            + _left_out(f"b{i}", b)
            + _left_out(f"ab{i}", {**a, **b}),
        )

        n = value(counts[0], [person.sex, "true"], "count")
        m1 = _sex_mean(whole, "kjonn", person.sex)
        pairs += _mean_of(alice, handle, f"t{i}", person.sex) is not None
        tracked = [_mean_of(alice, handle, f"{v}{i}", person.sex) for v in ("at", "b", "ab")]
        if n is None or m1 is None or any(m is None for m in tracked):
            score.add(None, person.wage or 0)
            continue
        m2, m3, m4 = (float(m) for m in tracked if m is not None)
        score.add(n * m1 - (n - 11) * m2 - (n - 10) * m3 + (n - 20) * m4, person.wage or 0)
    report("models over P and P − target: pairs answered", pairs=pairs, of=TRACKED)
    assert score.failed()
