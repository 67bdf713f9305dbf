"""negbin: negative binomial regression (NB2) of a count by Newton–Raphson on sufficient
statistics (cells of outcome value and pattern), with classical, robust or cluster-robust
standard errors (statistics/shared/negbin.py)."""

from __future__ import annotations

from catalogue.domain.text import Text

from ..statistic import Statistic
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES
from .shared.negbin import fit_negbin

STATISTIC = Statistic(
    name="negbin",
    description=Text(
        "Negativ binomisk regresjon (NB2, varians μ + αμ²) av et antall, med klassiske, "
        "robuste eller klyngerobuste standardfeil.",
        "Negative binomial regression (NB2, variance μ + αμ²) of a count, with classical, "
        "robust or cluster-robust standard errors.",
    ),
    fields=MODEL_FIELDS,
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: fit_negbin(view, request),
    request="Model",
    example={"y": "kreft", "x": ["alder", "i.kjonn"]},
)
