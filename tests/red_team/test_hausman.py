"""hausman (issue 15): Hausman's test of fixed against random effects compares two panel
models, and a test computed from their EXACT fits publishes a number of the data that
neither released model does: with one regressor H = d²/(V_FE − V_RE), so with the two
released standard errors √(H·(se_FE² − se_RE²)) reads the exact difference of the slopes
|b_FE − b_RE|, past the model noise each released slope carries (OUTPUT_CONTROL.md §1.3:
every published number is perturbed or computed only from perturbed numbers). And a test
that drew noise of its own would differ with the request's wording, so averaging rewordings
would take the noise away.

regcat's hausman (catalogue/analysis/statistics/hausman.py) releases the two models exactly
as regress_panel does (the same registered draw) and computes H from them as released. The
attacks go through the HTTP API with a researcher's token; the truth (the exact FE and RE
slopes of the same panel) is fitted here with linearmodels from the sample registers' CSV
files, never asked of the service."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from linearmodels.panel import PanelOLS, RandomEffects

from tests.red_team.conftest import Attacker, _rows, report

YEARS = ["2020-12-31", "2021-12-31", "2022-12-31"]
STEPS: list[dict[str, Any]] = [
    {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodselsdato"},
    {"import": "INNTEKT_WLONN", "dates": YEARS, "as": "l"},
    {"reshape_to_panel": ["l"], "date_as": "aar"},
    {"generate": "alder", "expr": "year(aar) - year(fodselsdato)"},
]


def _exact() -> tuple[float, float, float]:
    """The exact FE and RE slopes of l on alder over the panel STEPS builds (everyone with
    a birth date, one row per year with a wage) and the exact Hausman statistic
    (linearmodels, as the engine is held to; classical errors)."""
    births = {r[0]: int(r[1][:4]) for r in _rows("BEFOLKNING_FOEDSELSDATO")}
    years = {y[:4] + "-01-01" for y in YEARS}
    rows = [
        (r[0], int(r[2][:4]), float(r[1]))
        for r in _rows("INNTEKT_WLONN")
        if r[2] in years and r[0] in births and r[1] != ""
    ]
    frame = pd.DataFrame(rows, columns=["unit", "year", "l"])
    frame["alder"] = frame["year"] - frame["unit"].map(births)
    frame["const"] = 1.0
    frame = frame.set_index(["unit", "year"])
    x = frame[["alder", "const"]]
    fe = PanelOLS(frame["l"], x, entity_effects=True).fit(debiased=True)
    re_ = RandomEffects(frame["l"], x).fit(debiased=True)
    h = float(re_.hausman(fe).statistic.stat)
    return float(fe.params["alder"]), float(re_.params["alder"]), h


def _model(response: Any) -> dict[str, tuple[float, float]]:
    assert response.status_code == 200, response.get_json()
    rows = response.get_json()["results"][0]["result"]["rows"]
    return {
        str(r["labels"][0]): (float(r["values"]["coefficient"]), float(r["values"]["std_error"]))
        for r in rows
    }


def _hausman(response: Any) -> tuple[dict[str, Any], list[dict[str, tuple[float, float]]]]:
    """The test and the two models hausman released beside it."""
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    models = []
    for item in results:
        rows = item["result"]["rows"]
        models.append(
            {
                str(r["labels"][0]): (
                    float(r["values"]["coefficient"]),
                    float(r["values"]["std_error"]),
                )
                for r in rows
            }
        )
    test: dict[str, Any] = results[-1]["hausman"]
    return test, models


def _by_hand(fe: dict[str, tuple[float, float]], re_: dict[str, tuple[float, float]]) -> float:
    """H from the two released tables alone: Σ over the terms (b_FE − b_RE)²/(se_FE² − se_RE²)."""
    return sum(
        (fe[t][0] - re_[t][0]) ** 2 / (fe[t][1] ** 2 - re_[t][1] ** 2)
        for t in fe
        if t in re_ and t != "_cons"
    )


def test_hausman_reads_no_slope_difference_finer_than_the_released_models(
    alice: Attacker,
) -> None:
    """One regressor: H should be the released tables' own. The attacker reads H against the
    exact test and turns it and the released errors into |b_FE − b_RE|."""
    handle = alice.post("", {}).get_json()["workspace"]
    alice.steps(handle, STEPS)
    fe = _model(alice.ask(handle, "regress_panel", {"y": "l", "x": ["alder"], "method": "fe"}))
    re_ = _model(alice.ask(handle, "regress_panel", {"y": "l", "x": ["alder"], "method": "re"}))
    test, models = _hausman(alice.ask(handle, "hausman", {"y": "l", "x": ["alder"]}))
    exact_fe, exact_re, exact_h = _exact()
    exact = abs(exact_fe - exact_re)
    released = abs(fe["alder"][0] - re_["alder"][0])
    spread = fe["alder"][1] ** 2 - re_["alder"][1] ** 2
    read = math.sqrt(test["statistic"] * spread) if test["statistic"] and spread > 0 else None
    report(
        "hausman: |b_FE - b_RE| read from H and the released errors",
        exact=round(exact, 4),
        released=round(released, 4),
        read=None if read is None else round(read, 4),
        read_error=None if read is None else round(abs(read - exact), 4),
        released_error=round(abs(released - exact), 4),
        h=test["statistic"],
        h_by_hand=round(_by_hand(fe, re_), 4),
        h_exact=exact_h,
        h_error=abs(test["statistic"] - exact_h) / exact_h,
    )
    # hausman's models are the regress_panel releases, draw for draw.
    assert models == [fe, re_]
    # H is the two released tables' own: nothing finer than they say (4 figures).
    assert test["statistic"] == float(f"{_by_hand(fe, re_):.4g}")
    assert read is not None and abs(read - released) <= 1e-3 * released
    # ... and not the exact test: a naive one (linearmodels' on the exact fits) matched it
    # to 1e-9; this one is off by the models' own noise.
    assert abs(test["statistic"] - exact_h) > 1e-6 * exact_h


def test_rewordings_of_hausman_give_one_draw(alice: Attacker) -> None:
    """Averaging: the same test asked in 6 wordings (renamed copies of the regressor, the
    terms in another order, another model asked first) must answer one H, one draw."""
    handle = alice.post("", {}).get_json()["workspace"]
    alice.steps(
        handle,
        STEPS
        + [{"generate": f"a{i}", "expr": "alder"} for i in range(4)]
        + [{"generate": "kvinne", "expr": "l > 400000"}],
    )
    seen = []
    for body in (
        {"y": "l", "x": ["alder", "kvinne"]},
        {"y": "l", "x": ["kvinne", "alder"]},
        *({"y": "l", "x": [f"a{i}", "kvinne"]} for i in range(4)),
    ):
        test, _ = _hausman(alice.ask(handle, "hausman", body))
        # H, and the released (fe, re) pairs the test is made of, whatever the terms' names
        # and order (H is null in a draw where a term's FE error is not above its RE one;
        # the pairs are there in every draw).
        pairs = tuple(sorted((t["fe"], t["re"]) for t in test["terms"]))
        seen.append((test["statistic"], pairs))
    report("hausman: H over 6 rewordings", distinct=len(set(seen)), values=[h for h, _ in seen])
    assert len(set(seen)) == 1 and len(seen[0][1]) == 2
