"""Models are answered by their (unit, outcome and regressors) pairs: a model whose pair set
is 1-9 pairs from a registered model's gets that model's answer whole (coefficients,
standard errors, N, fit statistics, notes, withheld status and reasons) under its own term
names; one far from every registered model, or of another shape, gets its own. The answer
is kept in the ledger (SQLite and PostgreSQL) and read back by another process."""

from __future__ import annotations

from typing import Any

import numpy as np

from catalogue.analysis.output_control import (
    ControlContext,
    InMemoryReleaseLedger,
    Term,
    control_regression,
    fit_ols,
)
from catalogue.analysis.output_control.result import ControlledResult
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.services.context import Context
from tests import test_analysis_models as models
from tests.test_analysis_support import control_context
from tests.test_output_control_pair_snap import UNITS, _context, in_two_processes

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

SECRET = b"a-datastore-secret-of-32-bytes!!"
TERMS = (Term("x", "continuous"), Term("_cons", "constant"))


def _x() -> np.ndarray:
    return (UNITS % 13).astype(np.float64)


def _y(changed: int = 0) -> np.ndarray:
    y = 1_000.0 + 3.0 * _x() + (UNITS % 7) * 10.0
    y[:changed] += 500.0  # `changed` outcomes moved: 2 pairs each
    return y


def _model(
    context: ControlContext,
    y: np.ndarray,
    keep: slice = slice(None),
    terms: tuple[Term, ...] = TERMS,
    x: np.ndarray | None = None,
) -> ControlledResult:
    regressor = _x() if x is None else x
    design = np.column_stack([regressor, np.ones(len(UNITS))])[keep]
    fit = fit_ols("y", UNITS[keep], design, y[keep], terms, context.keys)
    return control_regression(fit, context)


def _answer(result: ControlledResult) -> dict[str, Any]:
    """Everything a result says but its labels and audit id."""
    found = result.to_json_dict()
    for row in found["rows"]:
        row.pop("labels")
    found.pop("audit_id")
    return found


def test_a_near_model_gets_the_registered_answer_whole() -> None:
    context = _context(InMemoryReleaseLedger())
    first = _model(context, _y())
    assert first.rows[0].values[0] is not None and first.summary_value("n") is not None
    for near in (_model(context, _y(3)), _model(context, _y(), slice(1, None))):  # 6 and 1 pairs
        assert _answer(near) == _answer(first)
    assert _answer(_model(context, _y())) == _answer(first)  # a repeat


def test_a_far_model_or_another_outcome_gets_its_own() -> None:
    context = _context(InMemoryReleaseLedger())
    first = _model(context, _y())
    far = _model(context, _y(40))  # 80 pairs away
    assert far.rows[0].values[0] is not None
    assert far.rows[0].values != first.rows[0].values
    other = _model(context, _y() * 2.0)  # another outcome over the same units: every pair
    assert other.rows[0].values[0] is not None
    assert other.rows[0].values != first.rows[0].values


def test_a_renamed_model_gets_the_answer_under_its_own_names() -> None:
    context = _context(InMemoryReleaseLedger())
    first = _model(context, _y())
    renamed = (Term("alder", "continuous"), Term("_cons", "constant"))
    again = _model(context, _y(1), terms=renamed)
    assert [row.labels for row in again.rows] == [("alder",), ("_cons",)]
    assert _answer(again) == _answer(first)


def test_a_model_of_another_shape_is_another_question() -> None:
    """A near pair set asked as a model of other terms (the regressor read as a dummy) is
    another statistic: answered afresh from its own values, not with the registered one,
    nor withheld beside it (the same units, 0 apart)."""
    context = _context(InMemoryReleaseLedger())
    x = (UNITS % 2).astype(np.float64)
    first = _model(context, _y(), x=x)
    dummy = (Term("x", "dummy", group="x"), Term("_cons", "constant"))
    other = _model(context, _y(1), terms=dummy, x=x)  # 2 pairs away
    assert other.rows[0].values[0] is not None
    assert other.rows[0].values != first.rows[0].values
    same_shape = _model(context, _y(1), x=x)
    assert _answer(same_shape) == _answer(first)


def test_a_withheld_model_is_answered_withheld() -> None:
    """A model the regression rule withholds (a regressor that is 1 for one unit) is
    registered withheld; a near one (that unit's outcome changed) gets the same row."""
    context = _context(InMemoryReleaseLedger())
    x = np.zeros(len(UNITS))
    x[5] = 1.0
    first = _model(context, _y(), x=x)
    assert [row.labels for row in first.rows] == [("model",)]
    assert first.rows[0].reasons == ("regression-withheld",)
    y = _y()
    y[5] += 1.0
    again = _model(context, y, x=x)  # 2 pairs
    assert _answer(again) == _answer(first)


def test_the_model_answer_is_kept_in_the_database(any_ctx: Context) -> None:
    first, again = in_two_processes(
        any_ctx, lambda context: _model(context, _y()), lambda context: _model(context, _y(2))
    )
    assert _answer(again) == _answer(first)


def _regress(workspace: Workspace, context: ControlContext, cluster: str) -> ControlledResult:
    request = {"y": "lonn", "x": ["alder"], "cluster": cluster}
    return workspace.prepare("regress", request).release(context)[0].result


def test_clusters_are_in_a_models_pairs(issue_workspace: Workspace) -> None:
    """Clustered standard errors hang on the clusters, so each row's pair holds its cluster:
    a copy of the cluster variable with one unit moved is 2 pairs away (the registered
    answer), another partition every pair (an answer of its own, whose standard errors
    are of its clusters)."""
    context = control_context(issue_workspace)
    first = _regress(issue_workspace, context, "kommune")
    assert first.rows[0].values[1] is not None
    wages = models._rows(issue_workspace, ["lonn", "alder", "kommune"])["lonn"]
    distinct, counts = np.unique(wages[np.isfinite(wages)], return_counts=True)
    one = float(distinct[counts == 1][0])  # one person's wage
    issue_workspace.apply(
        parse_steps(
            [
                {"generate": "k2", "expr": "kommune"},
                {"replace": "k2", "expr": '"9999"', "if": f"lonn == {one!r}"},
                {"generate": "grupper", "expr": "alder - 13 * int(alder / 13)"},
            ]
        )
    )
    assert _answer(_regress(issue_workspace, context, "k2")) == _answer(first)
    other = _regress(issue_workspace, context, "grupper")
    assert other.rows[0].values[1] is not None
    assert other.rows[0].values[1] != first.rows[0].values[1]
