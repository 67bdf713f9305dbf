"""The `-predict` commands (issue 16): a prediction variable is a function of the model's
coefficients and each unit's regressors, and everything later released about it (sums,
means, a model of it) is a function of those coefficients. Predictions from the EXACT
coefficients would hand them out: a model of the prediction against its regressors fits
perfectly, so a released model of (prediction − a guess) × scale reads the exact
coefficients to as many digits as the scale buys; two predictions whose data differ in one
unit then give that unit's value; and many predictions average nothing away because there
is nothing to average: each is exact.

regcat predicts from the RELEASED coefficients (the same statistic, the same registered
draw the model command publishes; services/script_commands/predict.py). Each attack runs
twice through POST /api/v1/scripts/run with a researcher's token: once against a naive
prototype (what a naive `-predict` adds: `generate p = <exact β>·x`, the exact β computed
here from the source files, as a naive server would have it), to show the attack works,
and once against the real `regress-predict`, where it must learn nothing the model's own
release does not say.

The attacker is favoured where it is cheap: the sums the one-unit difference needs (the
fit sample's size and Σ alder) are taken from the source files, not estimated from noisy
releases."""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np

from tests.red_team.conftest import Attacker, Person, Score, Truth, _rows, report

RUN = "/api/v1/scripts/run"
HEAD = """require no.regcat.demo:1 as db
import db/BEFOLKNING_KJOENN as kjonn
import db/BEFOLKNING_FOEDSELSDATO as fodselsdato
import db/INNTEKT_WLONN 2020-12-31 as lonn
generate alder = 2020 - year(fodselsdato)
"""
# A first guess at the coefficients of lonn on alder (what any release says to 2 digits):
# the readout is a model of (prediction − guess), so its 4 released significant figures
# are 4 figures of the difference, far finer than the coefficients' own noise.
GUESS = (177000.0, 5600.0)  # (_cons, alder)


def _run(alice: Attacker, script: str) -> dict[str, Any]:
    response = alice.client.post(RUN, json={"script": script}, headers=alice.headers)
    assert response.status_code < 500, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _models(out: dict[str, Any]) -> list[dict[str, float] | None]:
    """The released models of a script's output, in order (None: withheld)."""
    found: list[dict[str, float] | None] = []
    for item in out.get("output", []):
        if item.get("command") != "regress":
            continue
        rows = item["response"]["results"][0]["result"]["rows"]
        values = {str(r["labels"][0]): r["values"].get("coefficient") for r in rows}
        found.append(None if any(v is None for v in values.values()) else values)
    return found


def _source() -> dict[str, tuple[str, float]]:
    """Every person with a sex, a birth date and a 2020 wage: birth date and wage."""
    births = {r[0]: r[1] for r in _rows("BEFOLKNING_FOEDSELSDATO")}
    sexes = {r[0]: r[1] for r in _rows("BEFOLKNING_KJOENN")}
    wages = {r[0]: float(r[1]) for r in _rows("INNTEKT_WLONN") if r[2] == "2020-01-01"}
    return {i: (births[i], wages[i]) for i in sexes if i in births and i in wages}


def _exact(people: dict[str, tuple[str, float]], without: str | None = None) -> np.ndarray:
    """OLS of lonn on alder from the source files: (_cons, alder)."""
    kept = [v for k, v in people.items() if v[0] != without]
    y = np.array([w for _, w in kept])
    x = np.column_stack([np.ones(len(kept)), [2020 - int(b[:4]) for b, _ in kept]])
    return np.asarray(np.linalg.lstsq(x, y, rcond=None)[0])


def _naive(beta: np.ndarray, name: str = "p", regressor: str = "alder") -> str:
    """What a naive `regress-predict lonn alder, predicted(p)` would add."""
    return f"generate {name} = {float(beta[0])!r} + {float(beta[1])!r} * {regressor}\n"


def _readout(
    guess: tuple[float, float] = GUESS,
    name: str = "p",
    regressor: str = "alder",
    scale: float = 1.0,
) -> str:
    """A model of (prediction − guess) on the regressor: it fits exactly, and its released
    coefficients are those of the prediction minus the guess."""
    return (
        f"generate d{name} = ({name} - {guess[0]!r} - {guess[1]!r} * {regressor}) * {scale!r}\n"
        f"regress d{name} {regressor}\n"
    )


def _read(
    model: dict[str, float] | None, guess: tuple[float, float] = GUESS, scale: float = 1.0
) -> np.ndarray | None:
    if model is None:
        return None
    slope = next(v for k, v in model.items() if k != "_cons")
    return np.array(guess) + np.array([model["_cons"], slope]) / scale


def _refined(alice: Attacker, script: str) -> np.ndarray | None:
    """The prediction's coefficients read back in two rounds: the first against GUESS, the
    second against the first's answer moved by (1, 0.1) (a difference of about 1, whose
    4 released figures are 4 decimals)."""
    first = _models(_run(alice, script + _readout()))
    rough = _read(first[-1]) if first else None
    if rough is None:
        return None
    guess = (float(rough[0]) + 1.0, float(rough[1]) + 0.1)
    second = _models(_run(alice, script + _readout(guess)))
    return _read(second[-1], guess) if second else None


# --- (1) the exact coefficients read back from the prediction --------------------------------


def test_the_exact_coefficients_are_not_read_back_from_the_prediction(alice: Attacker) -> None:
    """Naive: the readout gives the exact slope to a hundredth of a krone while the released
    slope is off by its noise. regcat: the readout gives the released coefficients, digit
    for digit (the prediction is made of them), whatever the draw."""
    people = _source()
    exact = _exact(people)
    scale = 1000.0
    naive = _run(alice, HEAD + _naive(exact) + "regress lonn alder\n" + _readout(scale=scale))
    released, read = _models(naive)
    assert released is not None and read is not None
    naive_slope = _read(read, scale=scale)
    assert naive_slope is not None
    ours = _run(
        alice,
        HEAD
        + "regress-predict lonn alder, predicted(p)\nregress lonn alder\n"
        + _readout(scale=scale),
    )
    assert ours["error"] is None, ours["error"]
    ours_released, ours_read = _models(ours)
    assert ours_released is not None and ours_read is not None
    ours_slope = _read(ours_read, scale=scale)
    assert ours_slope is not None
    released_beta = np.array([ours_released["_cons"], ours_released["alder"]])
    report(
        "predict, exact coefficients read back from the prediction",
        exact=np.round(exact, 3).tolist(),
        released=released_beta.tolist(),
        naive_read=np.round(naive_slope, 3).tolist(),
        naive_error=np.round(np.abs(naive_slope - exact), 3).tolist(),
        regcat_read=np.round(ours_slope, 3).tolist(),
        regcat_error=np.round(np.abs(ours_slope - exact), 3).tolist(),
        released_error=np.round(np.abs(released_beta - exact), 3).tolist(),
    )
    # The attack works: against the naive prototype it reads the exact slope.
    assert abs(naive_slope[1] - exact[1]) < 0.05
    # Against regcat it reads the released coefficients and nothing finer: to the readout
    # model's own resolution (its published coefficient has 4 significant figures and noise
    # of its own: 5523.01 read for 5523.0 released in one fresh clone), as far from the exact
    # slope as the released one is.
    np.testing.assert_allclose(ours_slope, released_beta, rtol=1e-4)
    assert abs(ours_slope[1] - exact[1]) >= 0.5 * abs(released_beta[1] - exact[1])


# --- (2) two predictions whose data differ in one unit ---------------------------------------


TARGETS = 4


def _one_unit(
    alice: Attacker, truth: Truth, people: dict[str, tuple[str, float]], naive: bool
) -> Score:
    """Per target (alone with their birth date): predictions from the fit on everyone and
    on everyone but the target, each read back; the target's wage is then
    x'β_A + n_B Δβ_cons + (Σ_B alder) Δβ_alder (the normal equations of the two fits)."""
    score = Score(
        f"predict, one unit's wage from two predictions ({'naive' if naive else 'regcat'})"
    )
    chosen = [p for p in truth.by_birth(5 * TARGETS, offset=7) if (p.wage or 0) >= 50_000]
    for person in chosen[:TARGETS]:
        betas = []
        for drop in (False, True):
            head = HEAD + (f'drop if fodselsdato == date("{person.birth}")\n' if drop else "")
            if naive:
                line = _naive(_exact(people, without=person.birth if drop else None))
            else:
                line = "regress-predict lonn alder, predicted(p)\n"
            betas.append(_refined(alice, head + line))
        full, less = betas
        if full is None or less is None:
            score.add(None, _wage(person))
            continue
        kept = [v for v in people.values() if v[0] != person.birth]
        n_b = len(kept)
        sum_alder = float(sum(2020 - int(b[:4]) for b, _ in kept))
        age = 2020 - int(person.birth[:4])
        delta = full - less
        estimate = full[0] + full[1] * age + n_b * delta[0] + sum_alder * delta[1]
        score.add(float(estimate), _wage(person))
    return score


def _wage(person: Person) -> float:
    assert person.wage is not None
    return person.wage


def test_two_predictions_differing_in_one_unit_do_not_give_its_value(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """Bob runs the naive control (a project budget of his own), alice the real thing."""
    people = _source()
    naive = _one_unit(bob, truth, people, naive=True)
    naive.failed()  # prints the figures
    assert naive.recovered == TARGETS  # the attack works against exact coefficients
    ours = _one_unit(alice, truth, people, naive=False)
    assert ours.failed()


# --- (3) many predictions of renamed and reparametrised models -------------------------------


COPIES = 6


def test_many_predictions_of_renamed_models_average_nothing_away(alice: Attacker) -> None:
    """regress-predict lonn a_i for copies a_i = alder (renamed) and a_i = alder + 7i
    (shifted: the same slope): each prediction's slope, read back, is the slope the model
    command releases for the same model (the same registered draw, so a prediction adds
    nothing to the model releases themselves), and all twelve give one number."""
    people = _source()
    exact = _exact(people)
    lines = []
    for i in range(COPIES):
        lines.append(f"generate a{i} = alder\n")
        lines.append(f"generate s{i} = alder + {7 * (i + 1)}\n")
    for i in range(COPIES):
        for regressor in (f"a{i}", f"s{i}"):
            lines.append(f"regress-predict lonn {regressor}, predicted(p{regressor})\n")
            lines.append(f"regress lonn {regressor}\n")
            lines.append(
                f"generate dp{regressor} = p{regressor} - {GUESS[0]!r} - {GUESS[1]!r} * alder\n"
                f"regress dp{regressor} alder\n"
            )
    out = _run(alice, HEAD + "".join(lines))
    assert out["error"] is None, out["error"]
    models = _models(out)
    renamed, shifted = [], []
    for k in range(2 * COPIES):
        released, read = models[2 * k], models[2 * k + 1]
        assert released is not None and read is not None
        slope = GUESS[1] + read["alder"]
        regressor = next(t for t in released if t != "_cons")
        assert abs(slope - released[regressor]) <= 1e-6 * abs(released[regressor])
        (renamed if k % 2 == 0 else shifted).append(slope)
    report(
        "predict, many predictions of renamed and shifted models averaged",
        exact_slope=round(float(exact[1]), 3),
        renamed=sorted(set(renamed)),
        renamed_mean_error=round(abs(statistics.mean(renamed) - float(exact[1])), 3),
        shifted=sorted(set(shifted)),
        shifted_mean_error=round(abs(statistics.mean(shifted) - float(exact[1])), 3),
    )
    assert len(set(renamed)) == 1  # one draw: nothing to average
    # Shifted: an affine image of a registered model gets its answer transformed (d2fd69a),
    # through predict as through the model command.
    assert set(shifted) == set(renamed)
