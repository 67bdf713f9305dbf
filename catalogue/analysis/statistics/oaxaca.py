"""oaxaca: the Oaxaca–Blinder decomposition of the difference in an outcome's mean between
the two groups of a binary variable, from each group's OLS on sufficient statistics.

With group A the first of the two values (in natural order) and B the second, x̄ and β̂
each group's regressor means (the constant included) and OLS coefficients:

    difference   = x̄_A'β_A − x̄_B'β_B (= ȳ_A − ȳ_B)
    threefold:     endowments (x̄_A − x̄_B)'β_B, coefficients x̄_B'(β_A − β_B),
                   interaction (x̄_A − x̄_B)'(β_A − β_B)
    twofold (B's coefficients the reference): explained (x̄_A − x̄_B)'β_B,
                   unexplained x̄_A'(β_A − β_B)

(Jann 2008, `oaxaca`'s threefold from B's point of view and twofold with weight 0 on A.)
Standard errors by the delta method, each component c a bilinear form in (x̄_A, x̄_B,
β_A, β_B): Var(c) = Σ_g ∇_β c' V_g ∇_β c + ∇_x̄ c' S_g/n_g ∇_x̄ c, with V_g = s_g²(X_g'X_g)⁻¹
the group's classical OLS covariance and S_g its regressors' sample covariance (n_g − 1);
the two groups independent, and the product of two variances left out (Jann 2005). A test
holds every component and error to the same formula on statsmodels' OLS fits to 1e-6.

Output control: the components are numbers derived from the fully interacted model, y on
(x, [B]·x) over both groups (its coefficients are β_A and β_B − β_A): that model's evidence
(every column's support, so each group must hold min_indicator_units units and each group's
regressors vary; its leverage; the pairs of its values), with what one unit moves each
component (derived_evidence, a digest of its own). What one unit moves a component is
exact for OLS: removing a row of pattern p from its group moves x̄_g by (x̄_g − x_p)/(n_g −
1) and β_g by −A_g x_p e/(1 − h_p) (A_g = (X_g'X_g)⁻¹), so the change is a + b·e per
pattern and its largest is at the pattern's largest or smallest residual. The group is read
as an i. variable: a value held by too few units for a table is left out (so a group of one
is no group: the decomposition is withheld, one group being left)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import (
    ControlContext,
    PositionKeys,
    RegressionFit,
    Term,
    control_regression,
    model_evidence,
)
from ..output_control.model_support import Influence, derived_evidence
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled, needs_number, request_error
from .shared.design import Factor, _columns, parse_terms
from .shared.model_levels import common_levels
from .shared.model_request import MODEL_RELEASES, group_variable
from .shared.model_rows import _groupings, outcome_mode

STREAM = 0x6F6178616361  # the components' digest: the interacted model's mixed with this
COMPONENTS = (
    "prediction_1",
    "prediction_2",
    "difference",
    "endowments",
    "coefficients",
    "interaction",
    "explained",
    "unexplained",
)


@dataclass(frozen=True)
class Group:
    n: float
    mean: np.ndarray  # x̄ (the constant's entry 1)
    beta: np.ndarray
    inverse: np.ndarray  # (X'X)⁻¹
    covariance: np.ndarray  # s²(X'X)⁻¹
    spread: np.ndarray  # S/n: the mean's covariance


def _component_values(xa: np.ndarray, xb: np.ndarray, ba: np.ndarray, bb: np.ndarray) -> np.ndarray:
    """The components (COMPONENTS' order), vectorised over leading axes."""
    xa, xb, ba, bb = np.broadcast_arrays(xa, xb, ba, bb)
    dx, db = xa - xb, ba - bb
    pa, pb = (xa * ba).sum(-1), (xb * bb).sum(-1)
    endow, coef, inter = (dx * bb).sum(-1), (xb * db).sum(-1), (dx * db).sum(-1)
    return np.stack([pa, pb, pa - pb, endow, coef, inter, endow, (xa * db).sum(-1)], axis=-1)


def _gradients(a: Group, b: Group) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per component its gradient in (x̄_A, x̄_B, β_A, β_B)."""
    xa, xb, ba, bb = a.mean, b.mean, a.beta, b.beta
    dx, db, zero = xa - xb, ba - bb, np.zeros_like(xa)
    return [
        (ba, zero, xa, zero),  # prediction_1
        (zero, bb, zero, xb),  # prediction_2
        (ba, -bb, xa, -xb),  # difference
        (bb, -bb, zero, dx),  # endowments
        (zero, db, xb, -xb),  # coefficients
        (db, -db, dx, -dx),  # interaction
        (bb, -bb, zero, dx),  # explained
        (db, zero, xa, -xa),  # unexplained
    ]


def decompose(a: Group, b: Group) -> tuple[np.ndarray, np.ndarray]:
    """The components and their delta-method standard errors."""
    values = _component_values(a.mean, b.mean, a.beta, b.beta)
    errors = []
    for gxa, gxb, gba, gbb in _gradients(a, b):
        variance = (
            gba @ a.covariance @ gba
            + gbb @ b.covariance @ gbb
            + gxa @ a.spread @ gxa
            + gxb @ b.spread @ gxb
        )
        errors.append(np.sqrt(max(float(variance), 0.0)))
    return values, np.array(errors)


def group_fit(x: np.ndarray, n: np.ndarray, y_sum: np.ndarray, y_m2: np.ndarray) -> Group | None:
    """One group's OLS from its patterns (rows n, outcome sum and within squares), or None
    when it cannot be estimated (singular, no residual degrees of freedom)."""
    rows = float(n.sum())
    p = x.shape[1]
    if rows - p <= 0:
        return None
    xtx = (x * n[:, None]).T @ x
    scale = np.sqrt(np.diag(xtx))
    if np.any(scale <= 0):
        return None
    scaled = xtx / np.outer(scale, scale)
    singular = np.linalg.svd(scaled, compute_uv=False)
    if singular[-1] <= 1e-10 * singular[0]:
        return None
    inverse = np.linalg.inv(scaled) / np.outer(scale, scale)
    beta = inverse @ (x.T @ y_sum)
    fitted = x @ beta
    rss = float((y_m2 + n * (y_sum / n - fitted) ** 2).sum())
    mean = (x * n[:, None]).sum(axis=0) / rows
    deviation = x - mean
    spread = (deviation * n[:, None]).T @ deviation / (rows - 1) / rows
    return Group(rows, mean, beta, inverse, rss / (rows - p) * inverse, spread)


def moved_by_one(
    a: Group,
    b: Group,
    x: np.ndarray,
    in_b: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
) -> np.ndarray:
    """Per component the most one row moves it (module docstring): per pattern (x, its
    group, its rows' smallest and largest residual) the change a + b·e at both."""
    largest = np.zeros(len(COMPONENTS))
    base = _component_values(a.mean, b.mean, a.beta, b.beta)
    for side, own in ((False, a), (True, b)):
        chosen = in_b == side
        if not chosen.any() or own.n <= 1:
            continue
        xp = x[chosen]
        lifted = xp @ own.inverse
        h = np.einsum("ij,ij->i", lifted, xp)
        kept = np.maximum(1.0 - h, 1e-12)
        mean = own.mean + (own.mean - xp) / (own.n - 1)
        for e in (low[chosen], high[chosen]):
            beta = own.beta - lifted * (e / kept)[:, None]
            if side:
                found = _component_values(a.mean[None, :], mean, a.beta[None, :], beta)
            else:
                found = _component_values(mean, b.mean[None, :], beta, b.beta[None, :])
            largest = np.maximum(largest, np.abs(found - base).max(axis=0))
    return largest


@dataclass(frozen=True)
class OaxacaPlan:
    fit: RegressionFit
    about: dict[str, Any]
    groups: tuple[Any, ...]
    values: np.ndarray  # at full precision (tests)
    std_errors: np.ndarray
    levels: tuple[str, ...]

    def release(self, context: ControlContext) -> list[Labelled]:
        return [Labelled(self.about, control_regression(self.fit, context, groups=self.groups))]


def _per_pattern(values: np.ndarray, pattern: np.ndarray, count: int, pick: np.ufunc) -> np.ndarray:
    """Per pattern the smallest (np.fmin) or largest (np.fmax) of its rows' values."""
    found = np.full(count, np.nan)
    pick.at(found, pattern, values)
    return np.nan_to_num(found, nan=0.0)


_GROUP_HINT = Text(
    "«group» må være navnet på en variabel med to verdier (f.eks. kjonn).",
    "'group' must be the name of a variable of two values (e.g. kjonn).",
)


def prepare_oaxaca(view: DataView, request: Mapping[str, Any]) -> OaxacaPlan:
    if not isinstance(request.get("y"), str):
        raise request_error("y", "«y» må være et variabelnavn.", "'y' must be a variable name.")
    y = view.variable(request["y"], what="y")
    needs_number(y, "oaxaca")
    group = group_variable(view, request, y, _GROUP_HINT)
    x = request.get("x")
    terms = parse_terms(view, x)
    for term in terms:
        for factor in term:
            if factor.variable.name == group.name:
                raise request_error(
                    "group",
                    f"Gruppevariabelen «{group.name}» kan ikke også være en forklaringsvariabel.",
                    f"The group variable '{group.name}' cannot also be a regressor.",
                    name=group.name,
                )
    factor = Factor(group, categorical=True)
    patterns, rows = common_levels(view, y, [*terms, [factor]], constant=True)
    levels = tuple(patterns.levels.get(factor.key, ()))
    if len(levels) > 2:
        raise request_error(
            "group",
            f"Gruppevariabelen «{group.name}» må ha to verdier; den har {len(levels)}.",
            f"The group variable '{group.name}' must have two values; it has {len(levels)}.",
            name=group.name,
        )
    columns = _columns(terms, patterns.levels, True)
    own = dataclasses.replace(patterns, columns=columns)
    count = len(own.n)
    x_design = own.design(slice(0, count)) if count else np.zeros((0, len(columns)))
    in_b = own.raw[factor.key].astype(np.int64) == 1 if count else np.zeros(0, dtype=bool)
    names = [c.name for c in columns]
    second = levels[1] if len(levels) == 2 else "2"
    interacted = np.column_stack([x_design, x_design * in_b[:, None]])
    terms_full = (
        *own.terms(),
        *(
            Term(f"{second}.{group.name}", "dummy", group.name)
            if c.kind == "constant"
            else Term(f"{second}.{group.name}#{c.name}", "interaction", None, (c.name,))
            for c in columns
        ),
    )
    fits = None
    if len(levels) == 2:
        fa = group_fit(x_design[~in_b], own.n[~in_b], own.y_sum[~in_b], own.y_m2[~in_b])
        fb = group_fit(x_design[in_b], own.n[in_b], own.y_sum[in_b], own.y_m2[in_b])
        if fa is not None and fb is not None:
            fits = (fa, fb)
    fitted = None
    values = np.full(len(COMPONENTS), np.nan)
    errors = values
    influence = Influence.none(len(COMPONENTS))
    if fits is not None:
        fa, fb = fits
        fitted = np.where(in_b, x_design @ fb.beta, x_design @ fa.beta)
        values, errors = decompose(fa, fb)
        residual = rows.y - fitted[rows.pattern]
        low = _per_pattern(residual, rows.pattern, count, np.fmin)
        high = _per_pattern(residual, rows.pattern, count, np.fmax)
        moved = moved_by_one(fa, fb, x_design, in_b, low, high)
    evidence = model_evidence(
        PositionKeys(view.rows.snapshot.arrays),
        rows.units,
        rows.y,
        rows.pattern,
        interacted,
        terms_full,
        _groupings(own),
        fitted=fitted,
        outcome_mode=outcome_mode(rows.y),
        estimable=fits is not None,
    )
    if fits is not None:
        shares = np.full(
            len(COMPONENTS), float(np.max(evidence.influence.classical_std_error, initial=0.0))
        )
        influence = Influence(errors, moved, shares, shares)
    usable = fits is not None and bool(np.all(np.isfinite(errors)))
    fit = RegressionFit(
        outcome=y.name,
        family="oaxaca",
        terms=tuple(Term(c, "continuous") for c in COMPONENTS),
        coefficients=values,
        std_errors=errors,
        evidence=derived_evidence(evidence, influence, STREAM, estimable=usable),
        terms_asked=len(names) + 1,
        covariance="classical",
        categorical=True,
    )
    about = {
        "statistic": "oaxaca",
        "y": y.name,
        "x": list(x) if isinstance(x, list) else [x],
        "group": group.name,
        "groups": list(levels),
        "reference": "2",
    }
    found_groups = view.groups_of([y, *(f.variable for f in patterns.factors)])
    return OaxacaPlan(fit, about, found_groups, values, errors, levels)


STATISTIC = Statistic(
    name="oaxaca",
    description=Text(
        "Oaxaca–Blinder-dekomponering av forskjellen i utfallets gjennomsnitt mellom de to "
        "gruppene til en variabel: tredelt (endowments, coefficients, interaction) og todelt "
        "(explained, unexplained, med gruppe 2s koeffisienter som referanse), med "
        "delta-metodens standardfeil.",
        "Oaxaca–Blinder decomposition of the difference in the outcome's mean between the two "
        "groups of a variable: threefold (endowments, coefficients, interaction) and twofold "
        "(explained, unexplained, group 2's coefficients the reference), with delta-method "
        "standard errors.",
    ),
    fields=(
        Field("y", Takes.VARIABLE, required=True),
        Field(
            "x",
            Takes.TERM,
            many=True,
            required=True,
            description=Text(
                "Forklaringsvariabler (alder, i.utdanning); konstantleddet tas alltid med.",
                "Regressors (alder, i.utdanning); the constant is always included.",
            ),
        ),
        Field(
            "group",
            Takes.VARIABLE,
            required=True,
            description=Text(
                "Variabelen med de to gruppene (f.eks. kjonn); gruppe 1 er den første verdien.",
                "The variable of the two groups (e.g. kjonn); group 1 is its first value.",
            ),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_oaxaca(view, request),
    request="Oaxaca",
    example={"y": "lonn", "x": ["alder", "i.utdanning"], "group": "kjonn"},
)
