"""The multilevel model (regress_mml) and the Oaxaca–Blinder decomposition (oaxaca)
attacked where they put a unit by itself.

1. regress_mml, a group of one: the target alone in a group, everyone else in the other.
   With both groups in the model the released numbers give the target's wage in closed
   form: with γ = σ²_u/σ²_e, w = n/(1 + nγ) per group (n = N − 1 and 1), REML's
   stationarity in γ gives Σ d²s² = σ²_e(Σw − Σw²/Σw) (s a group's residual sum), GLS's
   normal equation ties the two groups' deviations from the constant μ, and together
   y_t = μ ± √(σ²_e(Σw − Σw²/Σw)/2)/w_t (the sign nearer the truth given to the attacker,
   N from the register: generous). The same computation on the exact fit with both groups
   (shared/mixed.py on the truth, no output control) is printed beside it: what the
   attack gets where the rule is not.

1b. regress_mml, a small group differenced: group "k" the target and 12 people named by
   their birth dates, everyone else the other group; then the same without the target
   (`keep_if`), the outcome shifted by 1 so the second model's pairs are new (not answered
   with the first's); group k's outcome is raised by 10⁶ (known, subtracted) so that its
   mean stands apart and σ²_u > 0. With two groups each release gives group k's mean in closed form,
   ȳ_k = μ ± √(σ²_e(Σw − Σw²/Σw)/2)/w_k (GLS's normal equation and REML's stationarity
   together), and 13·ȳ_k − 12·ȳ_k' is the target's wage (the signs nearer the truth given).
   The exact fits (no output control) are printed beside it.

2. oaxaca, a tiny group: (a) the target alone as group 1 against everyone else:
   prediction_1 is group 1's mean, the target's wage; (b) group 1 is the target and 12
   people the attacker names by their birth dates, and then the same 12 without the
   target (who joins group 2): the target's wage is 13·p₁ − 12·p₁'. On exact numbers both
   give the wage exactly (printed from the truth: what the rule must stop).

Judged by wages recovered (`Score`): each answer that is withheld or refused is an
infinite error."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from catalogue.analysis.statistics.shared.mixed import fit_mixed, group_sums
from tests.red_team.conftest import Attacker, Score, Truth, report
from tests.red_team.support import born_on, coefficient, target_groups

TARGETS = 6
# Added to group k's outcome (1b) so that its mean stands apart and σ²_u > 0.
OFFSET = 1e6


def _mml(response: Any) -> tuple[float, float, float] | None:
    """(_cons, var(_cons), var(Residual)) of a released regress_mml, else None."""
    if response.status_code != 200:
        return None
    found: dict[str, float] = {}
    for item in response.get_json()["results"]:
        for row in item["result"]["rows"]:
            b = row["values"].get("coefficient")
            if b is None:
                return None
            found[str(row["labels"][0])] = float(b)
    if not {"_cons", "var(_cons)", "var(Residual)"} <= set(found):
        return None
    return found["_cons"], found["var(_cons)"], found["var(Residual)"]


def _guess(found: tuple[float, float, float] | None, rows: int, true: float) -> float | None:
    if found is None:
        return None
    mu, u, e = found
    gamma = u / e
    w = np.array([(rows - 1) / (1 + (rows - 1) * gamma), 1 / (1 + gamma)])
    spread = math.sqrt(max(0.0, e * (w.sum() - (w * w).sum() / w.sum()) / 2)) / w[1]
    return min((mu + spread, mu - spread), key=lambda guess: abs(guess - true))


def _exact(wages: np.ndarray, alone: np.ndarray) -> tuple[float, float, float] | None:
    """The unperturbed REML fit (constant only), both groups kept."""
    ones = np.ones((len(wages), 1))
    sums = group_sums(ones, np.ones(len(wages)), wages, np.zeros(len(wages)), alone.astype(int))
    fit = fit_mixed(sums, "reml")
    return None if fit is None else (float(fit.beta[0]), fit.sigma_u, fit.sigma_e)


def test_mml_a_group_of_one(alice: Attacker, truth: Truth) -> None:
    score = Score("regress_mml: the target alone in a group, everyone else in the other")
    exact = Score("regress_mml without output control (the lone group kept, exact fit)")
    earners = [p for p in truth.people if p.wage is not None]
    handle = alice.workspace()
    for i, person in enumerate(truth.targets(TARGETS)):
        wages = np.array([p.wage for p in earners], dtype=np.float64)
        alone = np.array([p == person for p in earners])
        true = person.wage or 0.0
        exact.add(_guess(_exact(wages, alone), len(wages), true), true)
        alice.steps(
            handle,
            [
                {"generate": f"t{i}", "expr": person.expr()},
                {"generate": f"g{i}", "expr": f'cond(t{i}, "alene", "andre")'},
            ],
        )
        found = _mml(alice.ask(handle, "regress_mml", {"y": "lonn", "group": f"g{i}"}))
        score.add(_guess(found, len(wages), true), true)
    report(exact.title, within_5_percent=exact.recovered, median_error=f"{exact.median:.1%}")
    # Exact wherever the target's wage is far enough from the mean for σ²_u > 0 (3 of 6
    # targets on the sample registers); at γ = 0 the stationarity does not hold.
    assert exact.recovered >= TARGETS // 2, "the attack must work where the rule is not"
    assert score.failed()


def _group_mean(found: tuple[float, float, float] | None, sizes: tuple[int, int]) -> list[float]:
    """Both candidates for the first group's mean (module docstring, 1b)."""
    if found is None:
        return []
    mu, u, e = found
    gamma = u / e
    w = np.array([n / (1 + n * gamma) for n in sizes])
    spread = math.sqrt(max(0.0, e * (w.sum() - (w * w).sum() / w.sum()) / 2)) / w[0]
    return [mu + spread, mu - spread]


def _differenced(
    first: tuple[float, float, float] | None,
    second: tuple[float, float, float] | None,
    rows: int,
    true: float,
    shift: float = 0.0,
) -> float | None:
    with_target = _group_mean(first, (13, rows - 13))
    without = _group_mean(second, (12, rows - 13))
    guesses = [13 * (a - OFFSET) - 12 * (b - OFFSET - shift) for a in with_target for b in without]
    return min(guesses, key=lambda guess: abs(guess - true)) if guesses else None


def test_mml_a_small_group_differenced(alice: Attacker, truth: Truth) -> None:
    score = Score("regress_mml: the target and 12 named people, and without the target")
    exact = Score("regress_mml without output control (the same, exact fits)")
    earners = [p for p in truth.people if p.wage is not None]
    wages = np.array([p.wage for p in earners], dtype=np.float64)
    targets = truth.targets(TARGETS)
    taken = {p.birth for p in targets}
    for i, person in enumerate(targets):
        known = truth.by_birth(12, skip=taken, offset=12 * i)
        births = {p.birth for p in known}
        true = person.wage or 0.0
        inside = np.array([p == person or p.birth in births for p in earners])
        order = np.argsort(~inside, kind="stable")  # group k first
        lifted = wages + OFFSET * inside
        first = _exact(lifted[order], (~inside[order]).astype(int))
        kept = np.array([p != person for p in earners])
        inside_kept = inside[kept]
        order = np.argsort(~inside_kept, kind="stable")
        second = _exact(lifted[kept][order], (~inside_kept[order]).astype(int))
        exact.add(_differenced(first, second, len(wages), true), true)
        named = born_on(known)
        steps = [
            {"generate": f"t{i}", "expr": person.expr()},
            {"generate": f"k{i}", "expr": f'cond(t{i} or {named}, "k", "rest")'},
            {"generate": f"x{i}", "expr": f'lonn + cond(k{i} == "k", {OFFSET!r}, 0)'},
            {"generate": f"y{i}", "expr": f"x{i} + 1"},
        ]
        with_target = alice.workspace(steps)
        without = alice.workspace([*steps, {"keep_if": f"not t{i}"}])
        found = _mml(alice.ask(with_target, "regress_mml", {"y": f"x{i}", "group": f"k{i}"}))
        left = _mml(alice.ask(without, "regress_mml", {"y": f"y{i}", "group": f"k{i}"}))
        score.add(_differenced(found, left, len(wages), true, shift=1.0), true)
    report(exact.title, within_5_percent=exact.recovered, median_error=f"{exact.median:.1%}")
    assert exact.recovered >= TARGETS // 2, "the attack must work where the rule is not"
    assert score.failed()


PREDICTION = "prediction_1"  # group 1's mean, read from a released oaxaca


def test_oaxaca_a_tiny_group(alice: Attacker, truth: Truth) -> None:
    alone = Score("oaxaca: the target alone as group 1, prediction_1")
    differenced = Score("oaxaca: group 1 the target and 12 named people, and without the target")
    exact = Score("oaxaca without output control (exact group means, differenced)")
    handle = alice.workspace(
        [{"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"}]
    )
    targets = truth.targets(TARGETS)
    taken = {p.birth for p in targets}
    for i, person in enumerate(targets):
        known = truth.by_birth(12, skip=taken, offset=12 * i)
        true = person.wage or 0.0
        wages = [p.wage or 0.0 for p in known]
        # On exact means the difference is the wage itself (a figure, not a check).
        exact.add(13 * ((sum(wages) + true) / 13) - 12 * (sum(wages) / 12), true)
        a, b, c = target_groups(alice, handle, person, known, i)
        body = {"y": "lonn", "x": ["alder"]}
        alone.add(coefficient(alice.ask(handle, "oaxaca", {**body, "group": a}), PREDICTION), true)
        with_target = coefficient(alice.ask(handle, "oaxaca", {**body, "group": b}), PREDICTION)
        without = coefficient(alice.ask(handle, "oaxaca", {**body, "group": c}), PREDICTION)
        guess = None
        if with_target is not None and without is not None:
            guess = 13 * with_target - 12 * without
        differenced.add(guess, true)
    report(exact.title, within_5_percent=exact.recovered, median_error=f"{exact.median:.1%}")
    assert alone.failed()
    assert differenced.failed()
