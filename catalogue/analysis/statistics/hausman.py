"""hausman: Hausman's (1978) test of fixed against random effects on a workspace in panel
form. The statistic fits both panel models of the request (regress_panel's fe and re, the
same fits, statistics/shared/panel.py), releases each exactly as a regress_panel request
for it would (the same checks, the same registered noise draw, the same charge), and
beside them the test

    H = (b_FE − b_RE)' [V_FE − V_RE]⁻¹ (b_FE − b_RE),   df = the terms compared,
    p = P(χ²_df > H),

over the terms both models estimate, the constant left out (linearmodels'
RandomEffectsResults.hausman and Stata's `hausman fe re` by default).

Output control (OUTPUT_CONTROL.md §1.3: every published number is perturbed or computed
only from perturbed numbers): the test is computed from the two models AS RELEASED, their
coefficients and standard errors to the 4 figures they are shown with, and nothing else.
The released models publish no covariances between coefficients, so V_FE − V_RE is taken
as diagonal: diag(se_FE² − se_RE²). With one regressor this is Hausman's statistic itself;
with several it is the sum of the per-term squared z statistics of the differences, a
function of the two released tables a researcher could compute by hand (rescaling the exact
covariance matrices to the released errors would keep the exact correlations between
coefficients, unperturbed numbers of the data, in H). Hence:

- asked again, in any wording, hausman answers what the two regress_panel releases answer,
  so it never draws fresh noise to average (tests/red_team/test_hausman.py);
- a model withheld, or a compared coefficient or error withheld, gives no test (`null`
  with a reason), and so does a difference of variances that is not positive (the released
  FE error not above the RE one: the test's assumptions fail on these numbers, as Stata's
  "V_b − V_B is not positive definite").

`hausman_statistic` is the test on any (b, V) pair: tests/test_models_hausman.py holds it
to linearmodels on the exact fits (1e-6), before output control."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from catalogue.domain.text import Text

from ..output_control import ControlContext
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled, request_error
from .shared.design import CONSTANT
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES
from .shared.panel import PanelPlan, prepare_panel

FIGURES = 4  # as the models' coefficients are shown

# Why the released numbers give no test: (bokmål, English).
REASONS = {
    "hausman-model-withheld": (
        "En av modellene, eller en koeffisient eller standardfeil i den, ble holdt tilbake "
        "av utdatakontrollen.",
        "One of the models, or a coefficient or standard error of it, was withheld by output "
        "control.",
    ),
    "hausman-variance-not-positive": (
        "Standardfeilen med faste effekter er ikke større enn med tilfeldige effekter for et "
        "ledd: testens forutsetninger holder ikke for disse tallene.",
        "The fixed-effects standard error is not larger than the random-effects one for a "
        "term: the test's assumptions do not hold for these numbers.",
    ),
    "hausman-no-common-terms": (
        "Modellene har ingen felles ledd å sammenligne (konstantleddet teller ikke).",
        "The models share no term to compare (the constant does not count).",
    ),
}


@dataclass(frozen=True)
class Test:
    statistic: float | None
    df: int
    p_value: float | None


def hausman_statistic(
    b_consistent: np.ndarray,
    b_efficient: np.ndarray,
    v_consistent: np.ndarray,
    v_efficient: np.ndarray,
) -> Test:
    """H, its degrees of freedom and p-value; H is None when V_c − V_e is singular or H is
    negative or not finite (linearmodels' InvalidTestStatistic)."""
    difference = np.asarray(b_consistent, float) - np.asarray(b_efficient, float)
    variance = np.asarray(v_consistent, float) - np.asarray(v_efficient, float)
    df = len(difference)
    try:
        h = float(difference @ np.linalg.solve(variance, difference))
    except np.linalg.LinAlgError:
        return Test(None, df, None)
    if not np.isfinite(h) or h < 0 or df == 0:
        return Test(None, df, None)
    return Test(h, df, float(stats.chi2.sf(h, df)))


def _shown(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.{FIGURES}g}")


def _released(item: Labelled) -> dict[str, tuple[float | None, float | None]]:
    """A released model's (coefficient, standard error) by term, as published."""
    result = item.result
    at = {name: i for i, name in enumerate(result.columns)}
    found: dict[str, tuple[float | None, float | None]] = {}
    for row in result.rows:
        if not row.labels or row.labels[0] is None:
            continue
        b, se = row.values[at["coefficient"]], row.values[at["std_error"]]
        found[str(row.labels[0])] = (
            float(b) if isinstance(b, int | float) else None,
            float(se) if isinstance(se, int | float) else None,
        )
    return found


def released_test(
    fixed: Mapping[str, tuple[float | None, float | None]],
    random: Mapping[str, tuple[float | None, float | None]],
) -> dict[str, Any]:
    """The test from two released models' (coefficient, error) by term: the terms
    compared, each difference with its standard error, H, df and p (None and a reason
    where the released numbers do not give them)."""
    terms = [t for t in fixed if t in random and t != CONSTANT]
    rows: list[dict[str, Any]] = []
    reason = None
    b_fe: list[float] = []
    b_re: list[float] = []
    v_fe: list[float] = []
    v_re: list[float] = []
    for term in terms:
        (bf, sf), (br, sr) = fixed[term], random[term]
        if None in (bf, sf, br, sr):
            reason = "hausman-model-withheld"
            rows.append({"term": term, "difference": None, "std_error": None})
            continue
        assert bf is not None and sf is not None and br is not None and sr is not None
        spread = sf * sf - sr * sr
        rows.append(
            {
                "term": term,
                "fe": bf,
                "re": br,
                "difference": _shown(bf - br),
                "std_error": _shown(float(np.sqrt(spread))) if spread > 0 else None,
            }
        )
        if spread <= 0 and reason is None:
            reason = "hausman-variance-not-positive"
        b_fe.append(bf)
        b_re.append(br)
        v_fe.append(sf * sf)
        v_re.append(sr * sr)
    if not terms and reason is None:
        reason = "hausman-no-common-terms"
    test = Test(None, len(terms), None)
    if reason is None:
        test = hausman_statistic(np.array(b_fe), np.array(b_re), np.diag(v_fe), np.diag(v_re))
        if test.statistic is None:
            reason = "hausman-variance-not-positive"
    return {
        "statistic": _shown(test.statistic),
        "df": test.df,
        "p_value": _shown(test.p_value),
        "reason": reason,
        "reason_text": None
        if reason is None
        else {"nb": REASONS[reason][0], "en": REASONS[reason][1]},
        "terms": rows,
        "covariance": "diagonal",
    }


@dataclass(frozen=True)
class HausmanPlan:
    fixed: PanelPlan
    random: PanelPlan

    def release(self, context: ControlContext) -> list[Labelled]:
        out: list[Labelled] = []
        for plan in (self.fixed, self.random):
            out.extend(plan.release(context))
        fixed, random = out[0], out[-1]
        random.extra["hausman"] = released_test(_released(fixed), _released(random))
        random.about["hausman"] = True
        return out


def prepare_hausman(view: DataView, request: Mapping[str, Any]) -> HausmanPlan:
    if "method" in request:
        raise request_error(
            "method",
            "hausman tilpasser selv både faste (fe) og tilfeldige (re) effekter: ta bort «method».",
            "hausman fits both fixed (fe) and random (re) effects itself: leave out 'method'.",
        )
    return HausmanPlan(
        prepare_panel(view, {**request, "method": "fe"}),
        prepare_panel(view, {**request, "method": "re"}),
    )


def _fields() -> tuple[Field, ...]:
    return (
        *MODEL_FIELDS,
        Field(
            "entity",
            Takes.VARIABLE,
            description=Text(
                "Entiteten effektene er per: _unit (standard; enheten, på panelform) eller en "
                "variabel (f.eks. kommune).",
                "The entity the effects are of: _unit (the default; the unit, in panel form) "
                "or a variable (e.g. kommune).",
            ),
        ),
    )


STATISTIC = Statistic(
    name="hausman",
    description=Text(
        "Hausman-test av faste mot tilfeldige effekter: begge panelmodellene frigitt som "
        "regress_panel frigir dem, og testen regnet av de frigitte koeffisientene og "
        "standardfeilene.",
        "Hausman test of fixed against random effects: both panel models released as "
        "regress_panel releases them, and the test computed from the released coefficients "
        "and standard errors.",
    ),
    fields=_fields(),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_hausman(view, request),
    request="Hausman",
    example={"y": "lonn", "x": ["alder"], "entity": "kommune"},
)
