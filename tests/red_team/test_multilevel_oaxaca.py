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

Judged by wages recovered (`Score`): each answer that is withheld or refused is an
infinite error."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from catalogue.analysis.statistics.shared.mixed import fit_mixed, group_sums
from tests.red_team.conftest import Attacker, Score, Truth, report

TARGETS = 6


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
