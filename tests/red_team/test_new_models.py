"""Models, beyond one coefficient that absorbs a unit: the noise a model gets is drawn
from its value digest (units, outcome, regressors) and scaled by each term's standard
error. (1) Whatever else the request says (classical, robust or cluster-robust standard
errors) does not enter the key, so the same draw v is published once per variant of the
standard error, b + 0.3·s_k·v, and two variants solve for b. (2) Poisson's classical
standard error assumes a variance equal to the mean, far too small for wages, so its noise
hides nothing. Either way three outcomes that differ only in the target's value give the
wage; judged by wages recovered (`Score`). Both fail now: a coefficient's noise is a share
of its classical standard error whatever errors were asked for, and at least what the
unit that moves it most moves it by (rules/model_noise.py)."""

from __future__ import annotations

import math
from typing import Any

from tests.red_team.conftest import Attacker, Person, Score, Truth

TARGETS = 6


def _terms(response: Any) -> dict[str, tuple[float, float]] | None:
    """A released model's (coefficient, standard error) by term, or None if withheld."""
    if response.status_code != 200:
        return None
    found: dict[str, tuple[float, float]] = {}
    for row in response.get_json()["results"][0]["result"]["rows"]:
        b, s = row["values"].get("coefficient"), row["values"].get("std_error")
        if b is None or s is None or not row["labels"] or row["labels"][0] is None:
            return None
        found[str(row["labels"][0])] = (float(b), float(s))
    return found or None


def _denoised(attacker: Attacker, handle: str, y: str, x: list[str]) -> dict[str, float] | None:
    """Each term's coefficient without its noise: the classical and the robust fit publish
    b + λ·s'_classical and b + λ·s'_robust with one λ per term (the same key), so b is
    where the line through the two points meets s' = 0."""
    classical = _terms(attacker.ask(handle, "regress", {"y": y, "x": x}))
    robust = _terms(attacker.ask(handle, "regress", {"y": y, "x": x, "robust": True}))
    if classical is None or robust is None:
        return None
    found = {}
    for term, (b_c, s_c) in classical.items():
        b_r, s_r = robust[term]
        if s_c == s_r:
            return None
        slope = (b_c - b_r) / (s_c - s_r)
        found[term] = b_c - slope * s_c
    return found


def _two_cohorts(attacker: Attacker, handle: str, i: int, person: Person) -> tuple[str, str]:
    """The target's birth cohort A (those with a wage) and the next cohort B, the padding:
    b{i} is 0 in A and 1 in B, r{i} the wage in A and 0 in B. The two conditions, for the
    outcomes each attack builds on them."""
    year = int(person.birth[:4])
    cohort = f"year(fodselsdato) == {year} and not sysmiss(lonn)"
    padding = f"year(fodselsdato) == {year + 1}"
    attacker.steps(
        handle,
        [
            {"generate": f"b{i}", "expr": "0", "if": cohort},
            {"replace": f"b{i}", "expr": "1", "if": padding},
            {"generate": f"r{i}", "expr": "lonn", "if": cohort},
            {"replace": f"r{i}", "expr": "0", "if": padding},
        ],
    )
    return cohort, padding


def test_one_draw_of_model_noise_per_standard_error_variant(alice: Attacker, truth: Truth) -> None:
    """The target's birth cohort A (outcome: the wage) against the next cohort B
    (outcome 0), on a 0/1 regressor for B: `_cons` is A's mean. The classical standard
    error pools A's variance over both cohorts, the robust one does not, so the two differ
    by a factor of about √2 and the line through them is steep enough to read b off at the
    4 figures shown. Three outcomes that differ in the target's value only (0, the wage,
    the wage + 10⁶) give A's means m₀, m_w, m_K, and w = 10⁶ · (m_w − m₀)/(m_K − m_w):
    no N to know."""
    handle = alice.workspace()
    score = Score("model noise removed by a second standard error")
    for i, person in enumerate(truth.targets(TARGETS)):
        cohort, padding = _two_cohorts(alice, handle, i, person)
        # Centre the outcomes on a rough mean, so that 4 figures reach the kroner.
        rough = _terms(alice.ask(handle, "regress", {"y": f"r{i}", "x": [f"b{i}"]}))
        centre = 0 if rough is None else round(rough["_cons"][0], -3)
        steps: list[dict[str, Any]] = []
        for name, value in (("n", "0"), ("w", "lonn"), ("k", "lonn + 1000000")):
            steps += [
                {"generate": f"{name}{i}", "expr": f"lonn - {centre}", "if": cohort},
                {"replace": f"{name}{i}", "expr": "0", "if": padding},
                {"replace": f"{name}{i}", "expr": f"{value} - {centre}", "if": person.expr()},
            ]
        alice.steps(handle, steps)
        means = {}
        for name in ("n", "w", "k"):
            found = _denoised(alice, handle, f"{name}{i}", [f"b{i}"])
            if found is None:
                break
            means[name] = found["_cons"]
        estimate = None
        if len(means) == 3 and means["k"] != means["w"]:
            estimate = 1e6 * (means["w"] - means["n"]) / (means["k"] - means["w"])
        score.add(estimate, person.wage or 0)
    assert score.failed()


def test_poisson_noise_scaled_by_a_standard_error_that_assumes_mean_equals_variance(
    alice: Attacker, truth: Truth
) -> None:
    """Poisson of wages (in øre) on a 0/1 regressor for the next cohort B, whose outcome
    is a constant c near cohort A's mean: the slope is log c − log(A's mean), a number
    near 0 shown to 4 figures, and its classical standard error √(1/Σ_A y + 1/Σ_B y) is
    tiny next to what one wage moves the mean (Poisson's variance equals its mean; a
    wage's is thousands of times larger), so its noise (0.3 of it) hides nothing. Three
    outcomes differing in the target's value only, as above; classical errors only."""
    handle = alice.workspace()
    score = Score("Poisson of wages: noise of a model-based standard error")
    for i, person in enumerate(truth.targets(TARGETS)):
        cohort, padding = _two_cohorts(alice, handle, i, person)
        rough = _terms(alice.ask(handle, "regress", {"y": f"r{i}", "x": [f"b{i}"]}))
        level = 100 * round(rough["_cons"][0]) if rough is not None else 100
        steps: list[dict[str, Any]] = []
        for name, value in (("n", "0"), ("w", "lonn"), ("k", "lonn + 1000000")):
            steps += [
                {"generate": f"p{name}{i}", "expr": "100 * lonn", "if": cohort},
                {"replace": f"p{name}{i}", "expr": str(level), "if": padding},
                {"replace": f"p{name}{i}", "expr": f"100 * ({value})", "if": person.expr()},
            ]
        alice.steps(handle, steps)
        means = {}
        for name in ("n", "w", "k"):
            found = _terms(alice.ask(handle, "poisson", {"y": f"p{name}{i}", "x": [f"b{i}"]}))
            if found is None:
                break
            means[name] = level * math.exp(-found[f"b{i}"][0]) / 100
        estimate = None
        if len(means) == 3 and means["k"] != means["w"]:
            estimate = 1e6 * (means["w"] - means["n"]) / (means["k"] - means["w"])
        score.add(estimate, person.wage or 0)
    assert score.failed()
