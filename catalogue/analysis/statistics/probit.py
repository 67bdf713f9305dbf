"""probit: probit regression of a 0/1 outcome by Newton–Raphson on sufficient statistics,
with classical, robust or cluster-robust standard errors (statistics/shared/glm.py)."""

from __future__ import annotations

from catalogue.domain.text import Text

from ..statistic import Statistic
from .shared.glm import prepare_glm
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES

STATISTIC = Statistic(
    name="probit",
    description=Text(
        "Probit-regresjon av et 0/1-utfall, med klassiske, robuste eller klyngerobuste "
        "standardfeil.",
        "Probit regression of a 0/1 outcome, with classical, robust or cluster-robust "
        "standard errors.",
    ),
    fields=MODEL_FIELDS,
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_glm(view, request, "probit"),
    request="Model",
    example={"y": "kreft", "x": ["alder", "i.kjonn"], "robust": True},
)
