"""regress_panel: linear panel regression of a workspace in panel form (fixed effects,
random effects, between or pooled), on sufficient statistics of the transformed rows, with
classical, robust or cluster-robust standard errors (statistics/shared/panel.py)."""

from __future__ import annotations

from catalogue.domain.text import Text

from ..statistic import Field, Statistic, Takes
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES
from .shared.panel import METHODS, prepare_panel

STATISTIC = Statistic(
    name="regress_panel",
    description=Text(
        "Panelregresjon på panelform: faste effekter (within), tilfeldige effekter, "
        "between eller pooled, med klassiske, robuste eller klyngerobuste standardfeil.",
        "Panel regression of data in panel form: fixed effects (within), random effects, "
        "between or pooled, with classical, robust or cluster-robust standard errors.",
    ),
    fields=(
        *MODEL_FIELDS,
        Field(
            "method",
            Takes.TEXT,
            choices=METHODS,
            description=Text(
                "fe (faste effekter, standard), re (tilfeldige effekter), be (between: "
                "enhetenes gjennomsnitt) eller pooled. Enheten er arbeidsområdets enhet, "
                "periodene panelets datoer.",
                "fe (fixed effects, the default), re (random effects), be (between: the "
                "units' means) or pooled. The entity is the workspace's unit, the periods "
                "the panel's dates.",
            ),
        ),
        Field(
            "entity",
            Takes.VARIABLE,
            description=Text(
                "Entiteten effektene er per: _unit (standard; enheten, på panelform) eller "
                "en variabel (f.eks. kommune; ikke for be).",
                "The entity the effects are of: _unit (the default; the unit, in panel "
                "form) or a variable (e.g. kommune; not for be).",
            ),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_panel(view, request),
    request="PanelModel",
    example={"y": "lonn", "x": ["alder", "i.kjonn"], "method": "fe", "entity": "kommune"},
)
