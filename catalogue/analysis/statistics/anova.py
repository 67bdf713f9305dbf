"""anova: one-way analysis of variance of a numeric variable across the levels of a
categorical one, released as the OLS regression of the variable on i.group with a constant:
the level effects against the first level with their tests, and in the summary the F test
of equal means (F, its degrees of freedom and p-value) and R², each from the perturbed N
and from the residual and total sums of squares perturbed as magnitudes
(output_control/models.py). `also` names further factors (microdata.no's `anova y a b`,
Stata's n-way anova of main effects): the regression is then on i.by and i. of each, and
the summary's F tests all of them together (the model's F; a term's own levels keep their
tests in the rows). Levels held by fewer units than a table shows are not levels
(their rows are left out, as for any i. term), and the model passes every rule a model does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalogue.domain.text import Text

from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, needs_number, needs_unit_rows, request_error
from .shared.design import parse_terms
from .shared.model_levels import common_levels
from .shared.model_request import MODEL_RELEASES
from .shared.ols import RegressionPlan, ols_estimate, regression_plan


def prepare_anova(view: DataView, request: Mapping[str, Any]) -> RegressionPlan:
    needs_unit_rows(view, "anova")
    y = view.variable(request.get("var"), what="var")
    needs_number(y, "anova")
    group = view.variable(request.get("by"), what="by")
    also = request.get("also", [])
    if not isinstance(also, list) or not all(isinstance(name, str) for name in also):
        raise request_error(
            "also", "«also» må være en liste av variabelnavn.", "'also' must be a list of names."
        )
    factors = [group, *(view.variable(name, what="also") for name in also)]
    names = [f.name for f in factors]
    if y.name in names or len(set(names)) != len(names):
        field = "by" if group.name == y.name else "also"
        raise request_error(
            field,
            "Faktorene må være forskjellige variabler, og ikke «var».",
            "The factors must be different variables, none of them 'var'.",
        )
    terms = [f"i.{name}" for name in names]
    patterns, rows = common_levels(view, y, parse_terms(view, terms), constant=True)
    estimate = ols_estimate(view, y, patterns, "classical")
    asked = [*terms, "_cons"]
    plan = regression_plan(view, y, patterns, rows, estimate, "ols", "classical", asked)
    about: dict[str, Any] = {"statistic": "anova", "variable": y.name, "by": group.name}
    if also:
        about["also"] = names[1:]
    return RegressionPlan(plan.fit, about, plan.estimate, plan.groups)


STATISTIC = Statistic(
    name="anova",
    description=Text(
        "Enveis variansanalyse: F-test av like gjennomsnitt på tvers av nivåene til en "
        "kategorisk variabel, kontrollert som en regresjon på i.by.",
        "One-way analysis of variance: the F test of equal means across the levels of a "
        "categorical variable, controlled as a regression on i.by.",
    ),
    fields=(
        Field("var", Takes.VARIABLE, required=True),
        Field(
            "by",
            Takes.VARIABLE,
            required=True,
            description=Text("Den kategoriske variabelen.", "The categorical variable."),
        ),
        Field(
            "also",
            Takes.VARIABLE,
            many=True,
            description=Text(
                "Flere kategoriske variabler (flerveis variansanalyse, hovedeffekter).",
                "Further categorical variables (n-way analysis of variance, main effects).",
            ),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_anova(view, request),
    request="Anova",
    example={"var": "lonn", "by": "utdanning"},
)
