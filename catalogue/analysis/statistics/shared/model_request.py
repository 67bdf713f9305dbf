"""What a model request holds (regress, logit, poisson and the models to come): its fields,
declared once for the registry (catalogue/analysis/statistic.py) and read here, so that the
API's schema and the engine's checks are the same list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from catalogue.domain.errors import invalid_input
from catalogue.domain.text import Text

from ...output_control import PositionKeys, reaching_threshold
from ...statistic import Field, Takes
from ...variables import Variable
from .common import DataView, request_error, truth_option

if TYPE_CHECKING:
    from .model_rows import ModelRows

# Clusters a cluster-robust variance needs at the least: with fewer, clustered standard
# errors are far too small (Cameron and Miller 2015, "A practitioner's guide to
# cluster-robust inference", J. Human Resources 50(2): a few tens are advised).
MIN_CLUSTERS = 10

UNIT_CLUSTER = "_unit"

MODEL_FIELDS = (
    Field("y", Takes.VARIABLE, required=True),
    Field(
        "x",
        Takes.TERM,
        many=True,
        required=True,
        description=Text(
            "alder, c.alder, i.utdanning, i.kjonn#c.alder",
            "alder, c.alder, i.utdanning, i.kjonn#c.alder",
        ),
    ),
    Field(
        "constant",
        Takes.TRUTH,
        description=Text("Legg til _cons (standard true).", "Add _cons (default true)."),
    ),
    Field(
        "robust",
        Takes.TRUTH,
        description=Text(
            "Heteroskedastisitetsrobuste standardfeil: HC1 for regress, sandwich-estimatet "
            "uten småutvalgsfaktor for logit og poisson (statsmodels' HC1 for diskrete "
            "modeller).",
            "Heteroskedasticity-robust standard errors: HC1 for regress, the sandwich without "
            "small-sample factor for logit and poisson (statsmodels' HC1 for discrete models).",
        ),
    ),
    Field(
        "cluster",
        Takes.VARIABLE,
        description=Text(
            f"Klyngerobuste standardfeil etter en variabel, eller {UNIT_CLUSTER} for enheten "
            "(ikke sammen med robust).",
            f"Cluster-robust standard errors by a variable, or {UNIT_CLUSTER} for the unit "
            "(not together with robust).",
        ),
    ),
)
MODEL_RELEASES = ("regression",)


def model_request(request: Mapping[str, Any]) -> tuple[object, object, bool]:
    if not isinstance(request.get("y"), str):
        raise request_error("y", "«y» må være et variabelnavn.", "'y' must be a variable name.")
    constant = truth_option(request, "constant", default=True)
    return request["y"], request.get("x"), constant


def covariance_request(view: DataView, request: Mapping[str, Any]) -> tuple[str, Variable | None]:
    """The standard errors a model request asks for (regress, logit, poisson): "classical",
    "robust" or "cluster" with the cluster variable (None for the workspace's unit)."""
    robust = truth_option(request, "robust")
    cluster_name = request.get("cluster")
    if cluster_name is None:
        return ("robust" if robust else "classical"), None
    if robust:
        raise request_error(
            "cluster",
            "Velg enten «robust» eller «cluster».",
            "Choose either 'robust' or 'cluster'.",
        )
    if cluster_name == UNIT_CLUSTER:
        return "cluster", None
    # Any variable can define clusters, a UNIT one included: its values only group.
    found = view.state.schema.get(str(cluster_name))
    view.named[found.name] = found  # an input like any other the request names
    return "cluster", found


def group_variable(view: DataView, request: Mapping[str, Any], y: Variable, hint: Text) -> Variable:
    """The request's `group` (a multilevel model's level, Oaxaca's two groups): a variable of
    the view other than the outcome; `hint` says what it must be, in both languages."""
    name = request.get("group")
    if not isinstance(name, str) or not name:
        raise request_error("group", hint.nb, hint.en)
    group = view.variable(name, what="group")
    if group.name == y.name:
        raise request_error(
            "group",
            f"Gruppevariabelen «{group.name}» kan ikke være utfallet.",
            f"The group variable '{group.name}' cannot be the outcome.",
            name=group.name,
        )
    return group


def refuse_too_few_clusters(
    view: DataView,
    rows: ModelRows,
    cluster: Variable | None,
    *,
    among: Text | None = None,
    advice: Text | None = None,
) -> None:
    """Clustered by a variable: when fewer than MIN_CLUSTERS of its values among the model's
    rows hold as many units as a table shows (by their perturbed counts, OUTPUT_CONTROL.md
    §1.5: never on whether one unit is in a cluster of its own), the request is refused
    with `too-few-clusters` naming the variable. Clustered by the unit: nothing to check
    (as many clusters as units). `among`: where the rows are (oaxaca: one group's), said
    after the variable; `advice`: what to do instead (default: robust, or more clusters)."""
    if cluster is None or rows.cluster is None or not len(rows.cluster):
        return
    codes = np.unique(rows.cluster, return_inverse=True)[1].reshape(-1)
    keys = PositionKeys(view.rows.snapshot.arrays)
    found = int(reaching_threshold(view.parameters, codes, rows.units, keys).sum())
    if found < MIN_CLUSTERS:
        where = Text("", "") if among is None else Text(f" ({among.nb})", f" ({among.en})")
        fix = advice or Text(
            "Bruk robust, eller en variabel med flere klynger.",
            "Use robust, or a variable with more clusters.",
        )
        raise invalid_input(
            "too-few-clusters",
            f"For få klynger i «{cluster.name}»{where.nb}: færre enn {MIN_CLUSTERS} av "
            "verdiene har så mange enheter som en tabell viser, og klyngerobuste "
            f"standardfeil blir for små. {fix.nb}",
            f"Too few clusters in '{cluster.name}'{where.en}: fewer than {MIN_CLUSTERS} of "
            "its values hold as many units as a table shows, and cluster-robust standard "
            f"errors come out too small. {fix.en}",
            name=cluster.name,
            field="cluster",
            least=MIN_CLUSTERS,
        )
