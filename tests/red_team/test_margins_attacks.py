"""Marginal effects (`margins`; scripts' `mfx(dydx)`) of Poisson, negative binomial and
mlogit models, and `standardize` on model commands, attacked as a researcher would with an
API token (issue 13): (1) averaging the same effect asked many ways (standard errors of
each kind, the regressors reordered or renamed, the API route and the script route) to
average its noise away; (2) a regressor of one unit, and an mlogit outcome class of one
unit, whose effects might come out though the model's own checks withhold it; (3)
differencing the effects over two populations one unit apart; (4) standardize's released
sd × coefficient beside a model withheld. Each prints its figure and asserts it fails."""

from __future__ import annotations

import statistics
import warnings
from typing import Any

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.support import indicator

RUN = "/api/v1/scripts/run"
HEAD = """require no.regcat.demo:1 as db
import db/BEFOLKNING_BOSTED_KOMMUNE 2020-01-01 as kommune
import db/BEFOLKNING_KJOENN as kjonn
import db/BEFOLKNING_FOEDSELSDATO as fodselsdato
import db/INNTEKT_WLONN 2020-12-31 as lonn
generate alder = 2020 - year(fodselsdato)
generate n = cond(lonn > 400000, 2, cond(lonn > 200000, 1, 0))
"""
STEPS: list[dict[str, Any]] = [
    {"generate": "alder", "expr": "2020 - year(fodselsdato)"},
    {"generate": "n", "expr": "cond(lonn > 400000, 2, cond(lonn > 200000, 1, 0))"},
    {"generate": "alder2", "expr": "alder"},
]


def _effects(results: list[dict[str, Any]]) -> list[dict[str, float | None]]:
    """Per released margins item (one per mlogit equation) its effects by term."""
    found = []
    for item in results:
        if item.get("about", {}).get("statistic") != "margins":
            continue
        rows = item["result"]["rows"]
        found.append(
            {
                str(r["labels"][0]): r["values"].get("coefficient")
                for r in rows
                if r["labels"] and r["labels"][0] is not None
            }
        )
    return found


def _std_error(results: list[dict[str, Any]], term: str) -> float | None:
    for item in results:
        if item.get("about", {}).get("statistic") == "margins":
            for r in item["result"]["rows"]:
                if r["labels"] and r["labels"][0] == term:
                    found = r["values"].get("std_error")
                    return None if found is None else float(found)
    return None


def _api(alice: Attacker, handle: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        response = alice.ask(handle, "margins", body)
    if response.status_code != 200:
        return []
    results: list[dict[str, Any]] = response.get_json()["results"]
    return results


def _script(alice: Attacker, line: str) -> list[dict[str, Any]]:
    response = alice.client.post(RUN, json={"script": HEAD + line}, headers=alice.headers)
    alice._check(response)
    body = response.get_json()
    if response.status_code != 200:
        return []
    out = [i for i in body.get("output", []) if "response" in i]
    if not out:
        return []
    results: list[dict[str, Any]] = out[-1]["response"].get("results", [])
    return [r for r in results if isinstance(r, dict) and "result" in r]


def _draws(
    alice: Attacker, family: str, command: str, term: str = "alder"
) -> tuple[list[float], float | None]:
    """The effect of alder on n asked every way that asks the same quantity."""
    handle = alice.workspace(STEPS)
    base = {"y": "n", "model": family}
    asked = [
        {**base, "x": ["alder", "i.kjonn"]},
        {**base, "x": ["alder", "i.kjonn"], "robust": True},
        {**base, "x": ["alder", "i.kjonn"], "cluster": "kommune"},
        {**base, "x": ["i.kjonn", "alder"]},
        {**base, "x": ["alder", "i.kjonn"], "constant": True},
    ]
    values: list[float] = []
    se = None
    for body in asked:
        results = _api(alice, handle, body)
        se = se or _std_error(results, term)
        for effects in _effects(results)[:1]:
            if effects.get(term) is not None:
                values.append(float(effects[term] or 0.0))
    renamed = _api(alice, handle, {**base, "x": ["alder2", "i.kjonn"]})
    for effects in _effects(renamed)[:1]:
        if effects.get("alder2") is not None:
            values.append(float(effects["alder2"] or 0.0))
    for option in ("mfx(dydx)", "robust mfx(dydx)", "cluster(kommune) mfx(dydx)"):
        for effects in _effects(_script(alice, f"{command} n alder i.kjonn, {option}\n"))[:1]:
            if effects.get(term) is not None:
                values.append(float(effects[term] or 0.0))
    return values, se


def _averaging(alice: Attacker, family: str, command: str) -> None:
    values, se = _draws(alice, family, command)
    distinct = sorted(set(values))
    spread = statistics.pstdev(distinct) if len(distinct) > 1 else 0.0
    # What averaging buys: the k distinct draws' mean is off by about spread/√k from the
    # effect; one draw (every way one answer) buys nothing beyond the published figure.
    report(
        f"margins averaging ({family}): one effect asked {len(values)} ways",
        answered=len(values),
        distinct_draws=len(distinct),
        noise_sd=f"{spread:.3g}",
        attackers_error=f"{spread / max(len(distinct), 1) ** 0.5:.3g}",
        published_se=se,
    )
    assert len(values) >= 9  # the attack was answered, not refused
    assert len(distinct) == 1, distinct


def test_averaging_poisson_effects_asked_many_ways(alice: Attacker) -> None:
    _averaging(alice, "poisson", "poisson")


def test_averaging_negbin_effects_asked_many_ways(alice: Attacker) -> None:
    _averaging(alice, "negbin", "negative-binomial")


def test_averaging_mlogit_effects_asked_many_ways(alice: Attacker) -> None:
    _averaging(alice, "mlogit", "mlogit")


def test_one_unit_regressor_and_outcome_class(alice: Attacker, truth: Truth) -> None:
    """A numeric 0/1 regressor that is 1 for the target alone, in Poisson, negbin and
    mlogit; and an mlogit outcome class (level 9) of the target alone. The model's own
    checks withhold the target's term (its equation); its effect must not come out."""
    handle = alice.workspace(STEPS)
    released = asked = answered = 0
    for i, person in enumerate(truth.targets(3)):
        alice.steps(
            handle,
            [
                *indicator(f"t{i}", person.expr()),
                {"generate": f"m{i}", "expr": "n"},
                {"replace": f"m{i}", "expr": "9", "if": f"t{i} == 1"},
            ],
        )
        for family in ("poisson", "negbin", "mlogit"):
            asked += 1
            body = {"y": "n", "x": ["alder", f"t{i}"], "model": family}
            for effects in _effects(_api(alice, handle, body)):
                released += effects.get(f"t{i}") is not None
                answered += effects.get("alder") is not None
        asked += 1
        results = _api(alice, handle, {"y": f"m{i}", "x": ["alder"], "model": "mlogit"})
        for item in results:
            if (
                item.get("about", {}).get("statistic") == "margins"
                and str(item.get("about", {}).get("level")) == "9"
            ):
                released += any(
                    r["values"].get("coefficient") is not None for r in item["result"]["rows"]
                )
    report(
        "margins of a one-unit regressor / mlogit class",
        asked=asked,
        other_effects_released=answered,
        target_effects_released=released,
    )
    assert released == 0


def test_differencing_effects_over_populations_one_unit_apart(
    alice: Attacker, truth: Truth
) -> None:
    """Poisson of n on alder over P and over P − target (the target's outcome set missing):
    N·AME(P) − (N − 1)·AME(P − t) is the target's share; its sign times (alder_t − mean)
    says whether the target's n is above the fit. Scored against the truth (n ≥ 1, i.e. a
    wage over 200,000) over 8 targets: chance is 4 of 8."""
    handle = alice.workspace(STEPS)
    targets = (
        truth.targets(4, min_wage=250000.0)
        + [p for p in truth.targets(40) if (p.wage or 0) <= 150000.0][:4]
    )
    whole = _effects(_api(alice, handle, {"y": "n", "x": ["alder"], "model": "poisson"}))
    ages = [2020 - int(p.birth[:4]) for p in truth.people if p.wage is not None]
    mean_age = sum(ages) / len(ages)
    right = answered = 0
    moves = []
    for i, person in enumerate(targets):
        alice.steps(
            handle,
            [
                *indicator(f"t{i}", person.expr()),
                {"generate": f"y{i}", "expr": "n"},
                {"replace": f"y{i}", "expr": "sysmiss", "if": f"t{i} == 1"},
            ],
        )
        less = _effects(_api(alice, handle, {"y": f"y{i}", "x": ["alder"], "model": "poisson"}))
        if not whole or not less or whole[0].get("alder") is None or less[0].get("alder") is None:
            continue
        answered += 1
        difference = float(whole[0]["alder"] or 0.0) - float(less[0]["alder"] or 0.0)
        moves.append(difference)
        above = difference * (2020 - int(person.birth[:4]) - mean_age) > 0
        right += above == ((person.wage or 0) > 200000.0)
    report(
        "margins over P and P − target (Poisson)",
        targets=len(targets),
        answered=answered,
        right=right,
        differences=[f"{d:.3g}" for d in moves],
    )
    assert right <= 6


def test_standardize_beside_a_withheld_model(alice: Attacker, truth: Truth) -> None:
    """standardize multiplies a released coefficient by a released sd: beside a model
    whose target term is withheld (a 0/1 regressor of one unit) it must say nothing, and
    elsewhere nothing but the product of two released numbers."""
    leaked = checked = 0
    products = 0
    for person in truth.targets(2):
        script = HEAD + f"generate t = cond({person.expr()}, 1, 0)\n"
        for line in ("regress lonn alder t, standardize", "poisson n alder t, standardize"):
            response = alice.client.post(
                RUN, json={"script": script + line + "\n"}, headers=alice.headers
            )
            alice._check(response)
            out = [i for i in response.get_json().get("output", []) if "standardized" in i]
            for item in out:
                for row in item["standardized"]:
                    checked += 1
                    if row["term"] == "t" and row["standardized"] is not None:
                        leaked += 1
                model = item["response"]["results"][0]["result"]["rows"]
                by_term = {str(r["labels"][0]): r["values"].get("coefficient") for r in model}
                for row in item["standardized"]:
                    b = by_term.get(row["term"])
                    if row["standardized"] is not None and b is None:
                        leaked += 1
                    products += row["standardized"] is not None
    report(
        "standardize beside a withheld term",
        checked=checked,
        leaked=leaked,
        checked_products=products,
    )
    assert checked > 0
    assert leaked == 0


def _draws_among(readings: list[float], figures: float = 1e-3) -> int:
    """How many distinct draws the readings hold beyond the 4 figures they are shown to (a
    scaled copy's effect times k differs from the shown effect by its rounding times k)."""
    draws: list[float] = []
    for value in sorted(readings):
        if not draws or abs(value - draws[-1]) > figures * max(abs(value), abs(draws[-1])):
            draws.append(value)
    return len(draws)


def test_averaging_effects_of_shifted_and_scaled_copies(alice: Attacker) -> None:
    """alder + 7i and k·alder carry the same effect (the effect of k·alder is AME/k): 6
    shifted and 4 scaled copies, Poisson margins of each, read back on alder's scale. Each
    distinct reading is a fresh draw of one quantity: the attacker's standard error is the
    effect's noise sd over √(draws), so it must not shrink with the number of asks (one
    draw). Before (main d354dbb): 7 distinct shifted readings of 7, scaled 0.003907-0.004038,
    noise sd 7.45e-05 (1/4 of the published error 0.0002925), the attacker's error after 11
    asks 2.25e-05. After (the effects transform as the model's coefficients, by its affine
    form, model_support.derived_evidence(transforms=True)): one draw, readings equal to their
    4 figures."""
    shifts = [{"generate": f"s{i}", "expr": f"alder + {7 * i}"} for i in range(1, 7)]
    scales = [{"generate": f"k{k}", "expr": f"alder * {k}"} for k in (2, 3, 5, 10)]
    handle = alice.workspace(STEPS + shifts + scales)
    values: dict[str, float] = {}
    errors: list[float] = []
    for name, factor in (
        [("alder", 1.0)]
        + [(f"s{i}", 1.0) for i in range(1, 7)]
        + [(f"k{k}", float(k)) for k in (2, 3, 5, 10)]
    ):
        body = {"y": "n", "x": [name, "i.kjonn"], "model": "poisson"}
        results = _api(alice, handle, body)
        for effects in _effects(results)[:1]:
            if effects.get(name) is not None:
                values[name] = float(effects[name] or 0.0) * factor
                errors.append((_std_error(results, name) or 0.0) * factor)
    shifted = {round(v, 12) for k, v in values.items() if not k.startswith("k")}
    scaled = sorted(values[k] for k in values if k.startswith("k"))
    readings = list(values.values())
    draws = _draws_among(readings)
    spread = statistics.pstdev(readings) if len(readings) > 1 else 0.0
    report(
        "margins averaging over shifted and scaled copies (Poisson)",
        answered=len(values),
        shifted_distinct=len(shifted),
        draws=draws,
        error_draws=_draws_among(errors),
        scaled_readings=[f"{v:.4g}" for v in scaled],
        one_draw=f"{values.get('alder', float('nan')):.4g}",
        readings_sd=f"{spread:.3g}",
        attackers_error=f"noise sd / √{draws}",
        published_se=_std_error(
            _api(alice, handle, {"y": "n", "x": ["alder", "i.kjonn"], "model": "poisson"}), "alder"
        ),
    )
    assert len(values) == 11
    assert len(shifted) == 1
    # One draw among the 11 readings: averaging them leaves the effect's noise as it is.
    assert draws == 1, sorted(readings)
    assert _draws_among(errors) == 1, sorted(errors)  # its error too: no sd to average
