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
too few clusters: too-few-clusters).

The event-time form with unit effects (`effects` unit without `post`; `period` the calendar
period): y = α_i + λ_period + Σ_k δ_k·treated·1[time = k] + x'β + e over the rows whose
event time (periods from each unit's own treatment date) is in the window, the reference
period's dummy left out: fitted as the same fixed effects on sufficient statistics of the
within-transformed rows (shared/panel.fit_panel) with i.<period> and the treated × event
time columns (`true.<treated>#k.<time>`) as regressors, clustered by the unit unless asked
otherwise (the period effects counted in the small-sample factor, the unit effects, nested
in the clusters, not: linearmodels' PanelOLS with the periods as dummies, a test holds it
to 1e-6). The never-treated units (treated 0; give them an event time in the window, e.g.
the reference, so that their rows are in it) identify the period effects: without them the
unit, period and event-time effects are collinear, and the request is refused with
`did-no-comparison` naming `treated`; an event time of the window (or the reference)
without treated units is refused with `did-no-support` naming the event time. Both are
decided on the levels and cells common_levels kept by their perturbed counts, as tables
publish them. Rows of treated units outside the window are not in the model (no binning
of the end points). Output control is the panel model's, as for the classic form; the
event-study chart is drawn as for the group form.

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
from .shared.interval_chart import interval_chart, published_intervals
from .shared.model_levels import common_levels
from .shared.model_request import (
    MODEL_FIELDS,
    UNIT_CLUSTER,
    covariance_request,
    refuse_too_few_clusters,
)
from .shared.ols import Estimate, RegressionPlan, ols_estimate, regression_plan
from .shared.panel import (
    entity_sql,
    fit_panel,
    prepare_panel,
    refuse_without_time_variation,
)

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
    # A window end not asked is open (every period on that side, as the fields say), so
    # the default reference −1 lies in the window without leads.
    if post is None and not (
        (leads is None or -leads <= reference) and (lags is None or reference <= lags)
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
    if not any(float(label) == design.reference for label in patterns.levels[design.time.key]):
        return None
    return with_columns(view, _reference_first(patterns, design), design.terms, constant=True)


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
        return _event_two_way(view, request, design, language)
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


def _event_two_way(
    view: DataView, request: Mapping[str, Any], design: Design, language: str
) -> Did:
    """The event-time form with unit effects (module docstring): y = α_i + λ_period +
    Σ_k δ_k·treated·1[event = k] + x'β + e over the rows in the window, the reference
    period's dummy left out, fitted as regress_panel's fixed effects (the within
    transformation in DuckDB) with i.<period> and the treated × event-time columns as
    regressors."""
    name = request.get("period")
    if not isinstance(name, str):
        raise request_error(
            "period",
            "Hendelsestid med enhetenes faste effekter (effects unit) trenger kalenderperioden "
            "(period, f.eks. panelets dato) for periodeeffektene.",
            "Event time with the units' fixed effects (effects unit) needs the calendar "
            "period (period, e.g. the panel's date) for the period effects.",
        )
    period = Factor(view.variable(name, what="period"), True)
    if period.variable.name in (design.time.variable.name, design.treated.variable.name):
        raise request_error(
            "period",
            f"Kalenderperioden «{period.variable.name}» må være en annen variabel enn "
            "hendelsestiden og behandlingsgruppen.",
            f"The calendar period '{period.variable.name}' must be another variable than the "
            "event time and the treated group.",
            name=period.variable.name,
        )
    entity = entity_sql(view, {})
    asked = {k: request[k] for k in ("robust", "cluster") if k in request}
    if "robust" not in asked and "cluster" not in asked:
        asked["cluster"] = UNIT_CLUSTER
    covariance, cluster = covariance_request(view, asked)
    terms = [[period], [design.treated, design.time], *design.covariates]
    patterns, rows = common_levels(
        view, design.y, terms, constant=True, cluster=cluster, within=design.in_window
    )
    refuse_too_few_clusters(view, rows, cluster)
    _refuse_without_support(patterns, design)
    moved = _reference_first(patterns, design)
    moved = with_columns(view, moved, terms, constant=True)
    refuse_without_time_variation(view, moved, entity)
    event = f"i.{design.treated.variable.name}#i.{design.time.variable.name}"
    x = [f"i.{period.variable.name}", event, *request.get("x", [])]
    panel = fit_panel(view, design.y, moved, "fe", covariance, cluster, entity, x, True).plan
    about: dict[str, Any] = {
        "statistic": "did",
        "y": design.y.name,
        "treated": design.treated.variable.name,
        "time": design.time.variable.name,
        "period": period.variable.name,
        "form": "event",
        "effects": "unit",
        "reference": design.reference,
        "leads": design.leads,
        "lags": design.lags,
        "std_errors": panel.about["std_errors"],
    }
    return Did(panel, about, _event_terms(moved, design), language)


def _is(label: str, values: tuple[str, ...]) -> bool:
    return label.strip().lower() in values


def _refuse_without_support(patterns: Patterns, design: Design) -> None:
    """The event-time form with unit effects is identified by the comparison group (the
    never-treated units: with only treated units, unit and period effects and a full set
    of event-time dummies are collinear) and needs treated units at every event time it
    estimates and at the reference. Decided on the levels and cells common_levels kept,
    which are common by their perturbed counts (as tables publish them), never on one
    unit: no comparison group is `did-no-comparison` naming `treated`, an event time of
    the window without treated units `did-no-support` naming the event time and the
    period."""
    treated = design.treated.variable.name
    labels = patterns.levels.get(design.treated.key, [])
    if any(not _is(label, _ZERO + _ONE) for label in labels):
        raise request_error(
            "treated",
            f"«{treated}» må være 1 for behandlede enheter og 0 for sammenligningsgruppen.",
            f"'{treated}' must be 1 for treated units and 0 for the comparison group.",
            name=treated,
        )
    if not any(_is(label, _ZERO) for label in labels):
        raise invalid_input(
            "did-no-comparison",
            f"Ingen sammenligningsgruppe: for få enheter med «{treated}» = 0 (aldri "
            "behandlet) i vinduet (færre enn en tabell viser). Med enhetenes og periodenes "
            "faste effekter kan hendelsestidseffektene da ikke skilles fra dem.",
            f"No comparison group: too few units with '{treated}' = 0 (never treated) in "
            "the window (fewer than a table shows). With the units' and the periods' fixed "
            "effects the event-time effects cannot then be told from them.",
            name=treated,
            field="treated",
        )
    time = design.time.variable.name
    at_treated = np.zeros(len(patterns.n), dtype=bool)
    one = [i for i, label in enumerate(labels) if _is(label, _ONE)]
    if one:
        at_treated = patterns.raw[design.treated.key].astype(np.int64) == one[0]
    times = patterns.levels.get(design.time.key, [])
    held = {float(times[int(k)]) for k in patterns.raw[design.time.key][at_treated]}
    wanted = {float(label) for label in times} | {float(design.reference)}
    if design.leads is not None and design.lags is not None:
        wanted |= {float(k) for k in range(-design.leads, design.lags + 1)}
    for k in sorted(wanted - held):
        raise invalid_input(
            "did-no-support",
            f"For få behandlede enheter ved hendelsestid {k:g} av «{time}» (færre enn en "
            "tabell viser): effekten der kan ikke estimeres. Velg et smalere vindu (leads, "
            "lags) eller en annen referanseperiode.",
            f"Too few treated units at event time {k:g} of '{time}' (fewer than a table "
            "shows): the effect there cannot be estimated. Choose a narrower window (leads, "
            "lags) or another reference period.",
            name=time,
            field="reference" if k == design.reference else "time",
            period=k,
        )


def _reference_first(patterns: Patterns, design: Design) -> Patterns:
    """The patterns with the reference period as the event time's base level (the one
    without a dummy); the caller has made sure it is a level."""
    key = design.time.key
    labels = patterns.levels[key]
    at = next(i for i, label in enumerate(labels) if float(label) == design.reference)
    order = [at] + [i for i in range(len(labels)) if i != at]
    position = np.empty(len(order), dtype=np.float64)
    position[order] = np.arange(len(order))
    raw = {**patterns.raw, key: position[patterns.raw[key].astype(np.int64)]}
    return replace(patterns, raw=raw, levels={**patterns.levels, key: [labels[i] for i in order]})


_ZERO = ("0", "0.0", "false")
_ONE = ("1", "1.0", "true")


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
    points: list[dict[str, Any]] = [
        {"event": event_terms[str(term)], **shown}
        for term, shown in published_intervals(result)
        if str(term) in event_terms
    ]
    if points:
        points.append({"event": reference, "coefficient": 0.0, "ci_lower": 0.0, "ci_upper": 0.0})
    points.sort(key=lambda p: p["event"])
    position = {
        "field": "event",
        "type": "quantitative",
        "title": localise(("Periode fra behandlingen", "Period from the treatment"), language),
    }
    title = localise(("Effekt med 95 % intervall", "Effect with 95 % interval"), language)
    return interval_chart(
        f"did event study, {result.datastore_version}", points, position, "y", title
    )


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
            "period",
            Takes.VARIABLE,
            description=_text(
                "Hendelsestid med effects unit: kalenderperioden (f.eks. panelets dato), med "
                "én fast effekt per periode.",
                "Event time with effects unit: the calendar period (e.g. the panel's date), "
                "with one fixed effect per period.",
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
                "effekter og periodens (toveis faste effekter på panelform: klassisk, der "
                "post kan starte på hver enhets egen dato, eller i hendelsestid med period "
                "som kalenderperioden).",
                "group (default): the treated group's effect; unit: the units' own fixed "
                "effects and the period's (two-way fixed effects in panel form: classic, "
                "where post may start at each unit's own date, or in event time with period "
                "as the calendar period).",
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
