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
from ..statistic import Field, Statistic, Takes, find
from .shared.common import DataView, Labelled, Prepared, choice
from .shared.interval_chart import interval_chart, published_intervals
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
    points = [
        {"term": term, **shown}
        for term, shown in published_intervals(result)
        if term not in (None, CONSTANT)  # withheld ones are not drawn
    ]
    title = localise(("Koeffisient med 95 % intervall", "Coefficient with 95 % interval"), language)
    position = {"field": "term", "type": "nominal", "sort": None, "title": None}
    return interval_chart(
        f"coefplot {model}, {result.datastore_version}", points, position, "x", title
    )


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
