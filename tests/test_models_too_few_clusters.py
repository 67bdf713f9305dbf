"""Every model that takes `cluster` refuses too few clusters (issue 16): clustered by a
variable of which fewer than MIN_CLUSTERS values hold as many units as a table shows (by
their perturbed counts, shared/model_request.refuse_too_few_clusters), the request is a
4xx `too-few-clusters` naming the variable, in both languages; clustered by one with
enough values it is prepared as before. did, regress_panel and hausman (panel data) have
their own tests in test_models_did.py, test_models_panel.py and test_models_hausman.py; the
models here are every other statistic of the registry with a `cluster` field, so a new one
is checked by being added."""

from __future__ import annotations

from typing import Any

import pytest

from catalogue.analysis.statistic import registry
from catalogue.analysis.statistics.shared.model_request import MIN_CLUSTERS
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_models as models

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

# tested on panel data in their own files (hausman: test_models_hausman.py)
PANEL_ONLY = {"did", "regress_panel", "hausman"}

# One request per model on the issue workspace (the registry's examples, robust left out:
# robust and cluster do not go together).
REQUESTS: dict[str, dict[str, Any]] = {
    "regress": {"y": "lonn", "x": ["alder", "i.utdanning"]},
    "logit": {"y": "kreft", "x": ["alder", "i.utdanning"]},
    "probit": {"y": "kreft", "x": ["alder", "i.utdanning"]},
    "poisson": {"y": "episoder", "x": ["alder", "i.utdanning"]},
    "negbin": {"y": "episoder", "x": ["alder", "i.utdanning"]},
    "ivregress": {
        "y": "lonn",
        "x": ["i.kjonn"],
        "endogenous": ["utdanning"],
        "instruments": ["alder", "episoder"],
    },
    "mlogit": {"y": "utdanning", "x": ["alder"]},
    "margins": {"y": "kreft", "x": ["alder", "i.utdanning"], "model": "probit"},
    "coefplot": {"y": "lonn", "x": ["alder", "i.utdanning"], "model": "regress"},
    "rdd": {"y": "lonn", "running": "alder", "cutoff": 40, "bandwidth": 10},
    "oaxaca": {"y": "lonn", "x": ["alder", "i.utdanning"], "group": "kjonn"},
    "regress_mml": {"y": "lonn", "x": ["alder", "i.kjonn"], "group": "kommune"},
}

# How a model is asked with too few clusters, and the variable its refusal names: clustered
# by kjonn, unless the model's clusters must hold its groups (regress_mml: kommuner hold
# both sexes, an invalid-request of its own in test_models_mml.py; robust clusters by the
# group, so a group of few values is too few clusters).
TOO_FEW: dict[str, tuple[dict[str, Any], str]] = {
    "regress_mml": ({"group": "utdanning", "robust": True}, "utdanning"),
}


def test_every_model_with_a_cluster_field_is_asked_here() -> None:
    clustered = {
        name
        for name, statistic in registry().items()
        if any(field.name == "cluster" for field in statistic.fields)
    }
    assert clustered - PANEL_ONLY == set(REQUESTS)


@pytest.mark.parametrize("statistic", sorted(REQUESTS))
def test_too_few_clusters_are_4xx_naming_the_variable(
    issue_workspace: Workspace, statistic: str
) -> None:
    """kjonn has two values (utdanning a handful): far fewer than MIN_CLUSTERS, whatever
    the noise."""
    asked, named = TOO_FEW.get(statistic, ({"cluster": "kjonn"}, "kjonn"))
    with pytest.raises(RegcatError) as caught:
        issue_workspace.prepare(statistic, {**REQUESTS[statistic], **asked})
    error = caught.value
    assert error.code == "too-few-clusters" and 400 <= error.http_status < 500
    assert error.details.get("field") == "cluster" and error.details.get("name") == named
    assert error.details.get("least") == MIN_CLUSTERS
    assert named in error.nb and named in error.en and error.nb != error.en


@pytest.mark.parametrize("statistic", sorted(REQUESTS))
def test_enough_clusters_are_prepared(issue_workspace: Workspace, statistic: str) -> None:
    """kommune has many values each of many units: the clustered model is prepared."""
    assert issue_workspace.prepare(statistic, {**REQUESTS[statistic], "cluster": "kommune"})


@pytest.mark.parametrize("statistic", ["regress", "logit"])
def test_clustering_by_the_unit_is_not_checked(issue_workspace: Workspace, statistic: str) -> None:
    assert issue_workspace.prepare(statistic, {**REQUESTS[statistic], "cluster": "_unit"})
