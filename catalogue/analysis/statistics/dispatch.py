"""Which statistic a request names, and the function that prepares it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from catalogue.domain.errors import not_found

from .common import DataView, Prepared
from .correlate import prepare_correlate
from .glm import prepare_glm
from .histogram import prepare_bar_chart, prepare_histogram
from .ols import prepare_regress
from .summarize import prepare_summarize
from .tabulate import prepare_tabulate

Preparer = Callable[[DataView, Mapping[str, Any], str], Prepared]

STATISTICS: dict[str, Preparer] = {
    "tabulate": lambda view, request, _: prepare_tabulate(view, request),
    "summarize": lambda view, request, _: prepare_summarize(view, request),
    "correlate": lambda view, request, _: prepare_correlate(view, request),
    "regress": lambda view, request, _: prepare_regress(view, request),
    "logit": lambda view, request, _: prepare_glm(view, request, "logit"),
    "poisson": lambda view, request, _: prepare_glm(view, request, "poisson"),
    "histogram": prepare_histogram,
    "barchart": prepare_bar_chart,
}


def preparer(statistic: str) -> Preparer:
    found = STATISTICS.get(statistic)
    if found is None:
        raise not_found(
            "unknown-statistic",
            f"Ukjent statistikk «{statistic}».",
            f"Unknown statistic '{statistic}'.",
            statistic=statistic,
            known=sorted(STATISTICS),
        )
    return found
