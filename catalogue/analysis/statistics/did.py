"""did: difference in differences, in its classic form (one effect: treated group × after
the treatment) or its event-time form (one effect per period around the treatment date,
leads and lags, against a reference period), with standard errors clustered by the unit
unless another kind is asked for; the event-time form adds an event-study chart.

The estimator is OLS with group and period effects (Stata's `reg y i.treated##i.time`
with the reference period as the base, or `reg y i.treated i.time i.treated#i.post`):

    y = α + γ·treated + Σ_t λ_t·1[time = t] + Σ_k δ_k·treated·1[time = k] + x'β + e

k runs over the event times of the window [−leads, lags] but the reference (−1 unless
asked otherwise), so δ_k is the change in the treated group's mean from the reference
period to period k less the same change in the comparison group's (with covariates: net
of them). The classic form has one δ, on treated × post. Every regressor is categorical
(or a covariate as asked), so the fit is regress's on sufficient statistics: X'X and X'y
summed over the cells of treated × time (statistics/shared/ols.py), and clustered errors
from sums per (cluster, cell).

Two-way fixed effects (`effects` unit, classic form): the units' own effects in place of
the group effect, y = α_i + λ_t + δ·treated·post + x'β + e, fitted as regress_panel's
fixed effects on sufficient statistics of the within-transformed rows (DuckDB's window
means per unit, shared/panel.py), with i.<time> and c.<treated>#c.<post> as regressors;
the row of δ is `c.<treated>#c.<post>`. `post` may switch on at each unit's own date
(staggered adoption: the TWFE estimate is then a weighted average of the units' effects,
with the known caveats of Goodman-Bacon 2021 when effects change over time). Output control
is the panel model's (the transformed design's support, leverage and influence), and the
fixed-effects checks hold (a period without within-unit variation: panel-no-time-variation;
too few clusters: too-few-clusters). Not here: the event-time form with unit effects
(leads and lags around per-unit dates with calendar-period effects): give the event time
as `time` with the group effect (the default), which with a group fixed per unit and a
balanced panel gives the same δ_k.

Output control is the models' own (control_regression): each group, period and
treated × period cell is a level or interaction cell of the model and must be common
(model_levels.py: rarer ones are left out as missing values are, never refused), every
column's support, the leverage, and model-noise on coefficients and standard errors. The
chart copies the published coefficients and interval ends only (coefplot's rule); the
reference period is drawn at 0, which is the model's normalisation, not a number from
the data. Rows outside the window are not in the model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from catalogue.domain.errors import invalid_input
from catalogue.domain.text import Text, localise

from ..output_control import ControlContext, ControlledResult
from ..output_control.vega import SCHEMA
from ..statistic import Field, Statistic, Takes
from ..variables import Kind, Variable
from .shared.common import (
    DataView,
    Labelled,
    choice,
    needs_number,
    request_error,
    whole_option,
)
from .shared.design import Factor, Patterns, parse_terms, with_columns
from .shared.model_levels import common_levels
from .shared.model_request import (
    MODEL_FIELDS,
    UNIT_CLUSTER,
    covariance_request,
    refuse_too_few_clusters,
)
from .shared.ols import Estimate, RegressionPlan, ols_estimate, regression_plan
from .shared.panel import prepare_panel

WINDOW_LIMIT = 120  # leads and lags: ten years of months
EFFECTS = ("group", "unit")
_ROBUST = next(f for f in MODEL_FIELDS if f.name == "robust")


def _whole(request: Mapping[str, Any], name: str, default: int | None) -> int | None:
    return whole_option(request, name, -WINDOW_LIMIT, WINDOW_LIMIT, default)


@dataclass(frozen=True)
class Design:
    """What the request asks: the variables, the form and its window."""

    y: Variable
    treated: Factor
    time: Factor
    post: Factor | None  # the classic form's; None: the event-time form
    leads: int | None
    lags: int | None
    reference: int
    covariates: list[list[Factor]]

    @property
    def terms(self) -> list[list[Factor]]:
        effect = [self.treated, self.post if self.post is not None else self.time]
        return [[self.treated], [self.time], effect, *self.covariates]

    def in_window(self, patterns: Patterns) -> np.ndarray:
        """Per pattern: its period is in [−leads, lags] (the event-time form)."""
        labels = patterns.levels.get(self.time.key, [])
        inside = np.array([self._inside(label) for label in labels], dtype=bool)
        codes = patterns.raw[self.time.key].astype(np.int64)
        return inside[codes] if len(inside) else np.ones(len(patterns.n), dtype=bool)

    def _inside(self, label: str) -> bool:
        value = float(label)
        low = -np.inf if self.leads is None else -self.leads
        high = np.inf if self.lags is None else self.lags
        return bool(low <= value <= high)


def _design(view: DataView, request: Mapping[str, Any]) -> Design:
    if not isinstance(request.get("y"), str):
        raise request_error("y", "«y» må være et variabelnavn.", "'y' must be a variable name.")
    y = view.variable(request["y"], what="y")
    needs_number(y, "did")
    treated = Factor(view.variable(request.get("treated"), what="treated"), True)
    time = Factor(view.variable(request.get("time"), what="time"), True)
    post = None
    if request.get("post") is not None:
        post = Factor(view.variable(request["post"], what="post"), True)
    leads, lags = _whole(request, "leads", None), _whole(request, "lags", None)
    reference = _whole(request, "reference", -1)
    assert reference is not None
    if post is not None and (leads is not None or lags is not None or "reference" in request):
        raise request_error(
            "post",
            "Velg enten den klassiske formen (post) eller hendelsestid (leads, lags, reference).",
            "Choose either the classic form (post) or event time (leads, lags, reference).",
        )
    if any(v is not None and v < 0 for v in (leads, lags)):
        raise request_error(
            "leads" if leads is not None and leads < 0 else "lags",
            "«leads» og «lags» er antall perioder før og etter, 0 eller flere.",
            "'leads' and 'lags' count periods before and after: 0 or more.",
        )
    if post is None and time.variable.kind != Kind.NUMBER:
        raise invalid_input(
            "statistic-needs-number",
            f"Hendelsestid må være et tall (perioder fra behandlingen), men «{time.variable.name}» "
            f"er {time.variable.kind.value}. Bruk months_since, eller post for den klassiske "
            "formen.",
            f"Event time must be a number (periods from the treatment), but "
            f"'{time.variable.name}' is {time.variable.kind.value}. Use months_since, or post "
            "for the classic form.",
            name=time.variable.name,
            field="time",
        )
    if post is None and not (
        -(leads or 0) <= reference <= (lags if lags is not None else reference)
    ):
        raise request_error(
            "reference",
            "Referanseperioden må ligge i vinduet [-leads, lags].",
            "The reference period must lie in the window [-leads, lags].",
        )
    x = request.get("x", [])
    covariates = parse_terms(view, x) if x else []
    return Design(y, treated, time, post, leads, lags, reference, covariates)


def _with_reference(view: DataView, patterns: Patterns, design: Design) -> Patterns | None:
    """The patterns with the reference period as the time factor's base level (the one
    without a dummy); None when it is not a level of the model (no common cell there)."""
    key = design.time.key
    labels = patterns.levels[key]
    at = next((i for i, label in enumerate(labels) if float(label) == design.reference), None)
    if at is None:
        return None
    order = [at] + [i for i in range(len(labels)) if i != at]
    position = np.empty(len(order), dtype=np.float64)
    position[order] = np.arange(len(order))
    raw = {**patterns.raw, key: position[patterns.raw[key].astype(np.int64)]}
    levels = {**patterns.levels, key: [labels[i] for i in order]}
    moved = replace(patterns, raw=raw, levels=levels)
    return with_columns(view, moved, design.terms, constant=True)


def prepare_did(view: DataView, request: Mapping[str, Any], language: str = "nb") -> Did:
    effects = choice(request, "effects", EFFECTS, "group")
    design = _design(view, request)
    if effects == "unit":
        return _two_way(view, request, design, language)
    asked = dict(request)
    if "robust" not in asked and "cluster" not in asked:
        asked["cluster"] = UNIT_CLUSTER  # a DiD's errors are the units' (serial correlation)
    covariance, cluster = covariance_request(view, asked)
    event = design.post is None
    patterns, rows = common_levels(
        view,
        design.y,
        design.terms,
        constant=True,
        cluster=cluster,
        within=design.in_window if event else None,
    )
    refuse_too_few_clusters(view, rows, cluster)
    moved = _with_reference(view, patterns, design) if event else patterns
    about: dict[str, Any] = {
        "statistic": "did",
        "y": design.y.name,
        "treated": design.treated.variable.name,
        "time": design.time.variable.name,
        "form": "event" if event else "classic",
        "std_errors": covariance,
    }
    if event:
        about.update(reference=design.reference, leads=design.leads, lags=design.lags)
    else:
        about["post"] = design.post.variable.name if design.post else None
    asked_terms = [t.key for t in (design.treated, design.time)] + [
        "#".join(f.key for f in term) for term in design.terms[2:]
    ]
    if moved is None:
        estimate = Estimate.failed(patterns)
        moved = patterns
    else:
        estimate = ols_estimate(view, design.y, moved, covariance, cluster)
    plan = regression_plan(
        view, design.y, moved, rows, estimate, "ols", covariance, [*asked_terms, "_cons"]
    )
    return Did(plan, about, _event_terms(moved, design), language)


def _two_way(view: DataView, request: Mapping[str, Any], design: Design, language: str) -> Did:
    """Two-way fixed effects: the classic form with the units' own effects in place of the
    group effect, y = α_i + λ_t + δ·treated·post + x'β + e, fitted as regress_panel's fixed
    effects (the within transformation in DuckDB, shared/panel.py) with i.<time> and
    c.<treated>#c.<post> as regressors; `post` may switch on at each unit's own date
    (staggered adoption)."""
    if design.post is None:
        raise request_error(
            "effects",
            "Toveis faste effekter (effects unit) tar den klassiske formen: oppgi post "
            "(1 fra enhetens egen behandlingsdato).",
            "Two-way fixed effects (effects unit) take the classic form: give post (1 from "
            "the unit's own treatment date).",
        )
    for factor in (design.treated, design.post):
        needs_number(factor.variable, "did")
    treated, post = design.treated.variable.name, design.post.variable.name
    effect = f"c.{treated}#c.{post}"
    asked = {
        "y": design.y.name,
        "x": [f"i.{design.time.variable.name}", effect, *request.get("x", [])],
        "method": "fe",
        **{k: request[k] for k in ("robust", "cluster") if k in request},
    }
    if "robust" not in asked and "cluster" not in asked:
        asked["cluster"] = UNIT_CLUSTER
    panel = prepare_panel(view, asked).plan
    about: dict[str, Any] = {
        "statistic": "did",
        "y": design.y.name,
        "treated": treated,
        "time": design.time.variable.name,
        "post": post,
        "form": "classic",
        "effects": "unit",
        "effect": effect,
        "std_errors": panel.about["std_errors"],
    }
    return Did(panel, about, {}, language)


def _event_terms(patterns: Patterns | None, design: Design) -> dict[str, float]:
    """The name of each treated × period column and its event time (the event-time form;
    names and labels only, as the released rows show them)."""
    if patterns is None or design.post is not None:
        return {}
    found = {}
    for column in patterns.columns:
        levels = [level for factor, level in column.parts if factor.key == design.time.key]
        treated = any(factor.key == design.treated.key for factor, _ in column.parts)
        if treated and len(column.parts) == 2 and levels and levels[0] is not None:
            found[column.name] = float(levels[0])
    return found


@dataclass(frozen=True)
class Did:
    plan: RegressionPlan
    about: dict[str, Any]
    event_terms: dict[str, float]
    language: str

    @property
    def estimate(self) -> Estimate:
        return self.plan.estimate

    def release(self, context: ControlContext) -> list[Labelled]:
        out = []
        for item in self.plan.release(context):
            extra = dict(item.extra)
            if self.event_terms and item.result.kind == "regression":
                extra["vega_lite"] = event_chart(
                    item.result, self.event_terms, float(self.about["reference"]), self.language
                )
            out.append(Labelled({**item.about, **self.about}, item.result, extra))
        return out


def event_chart(
    result: ControlledResult, event_terms: Mapping[str, float], reference: float, language: str
) -> dict[str, Any]:
    """The event-study plot: each published treated × period coefficient at its event time
    with its 95 % interval; withheld ones are gaps; the reference period at 0."""
    at = {c: result.columns.index(c) for c in ("coefficient", "ci_lower", "ci_upper")}
    points: list[dict[str, Any]] = []
    for row in result.rows:
        event = event_terms.get(str(row.labels[0]))
        shown = {c: row.values[i] for c, i in at.items()}
        if event is None or any(
            not isinstance(v, int | float) or isinstance(v, bool) for v in shown.values()
        ):
            continue
        points.append({"event": event, **shown})
    if points:
        points.append({"event": reference, "coefficient": 0.0, "ci_lower": 0.0, "ci_upper": 0.0})
    points.sort(key=lambda p: p["event"])
    x = {
        "field": "event",
        "type": "quantitative",
        "title": localise(("Periode fra behandlingen", "Period from the treatment"), language),
    }
    title = localise(("Effekt med 95 % intervall", "Effect with 95 % interval"), language)
    return {
        "$schema": SCHEMA,
        "description": f"did event study, {result.datastore_version}",
        "data": {"values": points},
        "layer": [
            {
                "mark": "rule",
                "encoding": {
                    "x": x,
                    "y": {"field": "ci_lower", "type": "quantitative", "title": title},
                    "y2": {"field": "ci_upper"},
                },
            },
            {
                "mark": {"type": "point", "filled": True},
                "encoding": {"x": x, "y": {"field": "coefficient", "type": "quantitative"}},
            },
            {
                "data": {"values": [{"zero": 0}]},
                "mark": {"type": "rule", "strokeDash": [4, 4]},
                "encoding": {"y": {"field": "zero", "type": "quantitative"}},
            },
        ],
    }


def _text(nb: str, en: str) -> Text:
    return Text(nb, en)


STATISTIC = Statistic(
    name="did",
    description=Text(
        "Forskjell i forskjeller: klassisk (behandlet × etter) eller i hendelsestid (én "
        "effekt per periode rundt behandlingen mot en referanseperiode), med standardfeil "
        "gruppert på enheten; hendelsestid gir også et event-study-plott.",
        "Difference in differences: classic (treated × after) or in event time (one effect "
        "per period around the treatment against a reference period), with standard errors "
        "clustered by the unit; event time also gives an event-study plot.",
    ),
    fields=(
        Field("y", Takes.VARIABLE, required=True),
        Field(
            "treated",
            Takes.VARIABLE,
            required=True,
            description=_text(
                "Behandlingsgruppen: 1 for behandlet, 0 for sammenligningsgruppen.",
                "The treated group: 1 for treated, 0 for the comparison group.",
            ),
        ),
        Field(
            "time",
            Takes.VARIABLE,
            required=True,
            description=_text(
                "Perioden. I hendelsestid: perioder fra behandlingen (0 den første "
                "behandlede, −1 den før; f.eks. fra months_since).",
                "The period. In event time: periods from the treatment (0 the first "
                "treated, −1 the one before; e.g. from months_since).",
            ),
        ),
        Field(
            "post",
            Takes.VARIABLE,
            description=_text(
                "Klassisk form: 1 i periodene etter behandlingen, 0 før (én effekt).",
                "Classic form: 1 in the periods after the treatment, 0 before (one effect).",
            ),
        ),
        Field(
            "leads",
            Takes.WHOLE_NUMBER,
            bounds=(0, WINDOW_LIMIT),
            description=_text(
                "Hendelsestid: perioder før behandlingen i vinduet (standard alle).",
                "Event time: periods before the treatment in the window (default all).",
            ),
        ),
        Field(
            "lags",
            Takes.WHOLE_NUMBER,
            bounds=(0, WINDOW_LIMIT),
            description=_text(
                "Hendelsestid: perioder etter behandlingen i vinduet (standard alle).",
                "Event time: periods after the treatment in the window (default all).",
            ),
        ),
        Field(
            "reference",
            Takes.WHOLE_NUMBER,
            bounds=(-WINDOW_LIMIT, WINDOW_LIMIT),
            description=_text(
                "Hendelsestid: referanseperioden effektene måles mot (standard −1).",
                "Event time: the reference period the effects are measured against (default −1).",
            ),
        ),
        Field(
            "x",
            Takes.TERM,
            many=True,
            description=_text(
                "Kovariater (modelledd som i regress).", "Covariates (model terms as in regress)."
            ),
        ),
        Field(
            "effects",
            Takes.TEXT,
            choices=EFFECTS,
            description=_text(
                "group (standard): behandlingsgruppens effekt; unit: enhetenes egne faste "
                "effekter og periodens (toveis faste effekter, klassisk form, på panelform; "
                "post kan starte på hver enhets egen dato).",
                "group (default): the treated group's effect; unit: the units' own fixed "
                "effects and the period's (two-way fixed effects, classic form, in panel "
                "form; post may start at each unit's own date).",
            ),
        ),
        _ROBUST,
        Field(
            "cluster",
            Takes.VARIABLE,
            description=_text(
                f"Klyngerobuste standardfeil etter en variabel; standard {UNIT_CLUSTER}, enheten.",
                f"Cluster-robust standard errors by a variable; default {UNIT_CLUSTER}, the unit.",
            ),
        ),
    ),
    releases=("regression",),
    prepare=prepare_did,
    request="DifferenceInDifferences",
    example={
        "y": "lonn",
        "treated": "kreft",
        "time": "alder",
        "leads": 3,
        "lags": 3,
        "reference": -1,
    },
)
