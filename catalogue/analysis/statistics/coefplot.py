"""coefplot: a coefficient plot of a model (regress, logit, probit, poisson, negbin or
mlogit), a Vega-Lite chart of each coefficient with its 95 % interval, drawn only from the controlled
regression result.

The model is fitted and released by its own statistic's module, unchanged: the same checks
(support of every regressor, leverage, levels, degrees of freedom), the same model noise
and the same registration in the differencing guard. The chart then copies, per term, the
published (perturbed) coefficient and interval ends; a term whose coefficient or interval
is withheld is not drawn, and a withheld model draws nothing. The constant is left out of
the chart (it is in the table): its scale would flatten every other interval. mlogit
releases one model per equation (level against the base): each gets its own chart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalogue.domain.text import Text, localise

from ..output_control import ControlContext, ControlledResult
from ..output_control.vega import SCHEMA
from ..statistic import Field, Statistic, Takes, find
from .shared.common import DataView, Labelled, Prepared, choice
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES

MODELS = ("regress", "logit", "probit", "poisson", "negbin", "mlogit")
CONSTANT = "_cons"


def prepare_coefplot(
    view: DataView, request: Mapping[str, Any], language: str = "nb"
) -> CoefficientPlot:
    model = choice(request, "model", MODELS, "regress")
    fitted = {k: v for k, v in request.items() if k != "model"}
    return CoefficientPlot(find(str(model)).prepare(view, fitted, language), str(model), language)


@dataclass(frozen=True)
class CoefficientPlot:
    model: Prepared
    name: str
    language: str

    def release(self, context: ControlContext) -> list[Labelled]:
        out = []
        for item in self.model.release(context):
            if item.result.kind != "regression":
                out.append(item)
                continue
            chart = coefficient_chart(item.result, self.name, self.language)
            out.append(Labelled(item.about, item.result, {**item.extra, "vega_lite": chart}))
        return out


def coefficient_chart(
    result: ControlledResult, model: str = "", language: str = "nb"
) -> dict[str, Any]:
    """Points and interval bars from the result's published rows only."""
    if not isinstance(result, ControlledResult) or result.kind != "regression":
        raise TypeError("a coefficient plot is drawn from a controlled regression result")
    at = {c: result.columns.index(c) for c in ("coefficient", "ci_lower", "ci_upper")}
    points = []
    for row in result.rows:
        term = row.labels[0]
        if term in (None, CONSTANT):
            continue
        shown = {c: row.values[i] for c, i in at.items()}
        if any(not isinstance(v, int | float) or isinstance(v, bool) for v in shown.values()):
            continue  # withheld: not drawn
        points.append({"term": term, **shown})
    title = localise(("Koeffisient med 95 % intervall", "Coefficient with 95 % interval"), language)
    y = {"field": "term", "type": "nominal", "sort": None, "title": None}
    return {
        "$schema": SCHEMA,
        "description": f"coefplot {model}, {result.datastore_version}",
        "data": {"values": points},
        "layer": [
            {
                "mark": "rule",
                "encoding": {
                    "y": y,
                    "x": {"field": "ci_lower", "type": "quantitative", "title": title},
                    "x2": {"field": "ci_upper"},
                },
            },
            {
                "mark": {"type": "point", "filled": True},
                "encoding": {"y": y, "x": {"field": "coefficient", "type": "quantitative"}},
            },
            {
                "data": {"values": [{"zero": 0}]},
                "mark": {"type": "rule", "strokeDash": [4, 4]},
                "encoding": {"x": {"field": "zero", "type": "quantitative"}},
            },
        ],
    }


STATISTIC = Statistic(
    name="coefplot",
    description=Text(
        "Koeffisientplott av en modell (regress, logit, probit, poisson, negbin, mlogit: "
        "ett per ligning) som Vega-Lite fra det kontrollerte modellresultatet.",
        "A coefficient plot of a model (regress, logit, probit, poisson, negbin, mlogit: "
        "one per equation) as Vega-Lite from the controlled model result.",
    ),
    fields=(
        *MODEL_FIELDS,
        Field(
            "model",
            Takes.TEXT,
            choices=MODELS,
            description=Text("Modellen (standard regress).", "The model (default regress)."),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=prepare_coefplot,
    request="CoefficientPlot",
    example={"y": "lonn", "x": ["alder", "i.kjonn", "i.utdanning"], "model": "regress"},
)
