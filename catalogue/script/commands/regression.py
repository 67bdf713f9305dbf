"""Regressions: the model families of microdata.no, each with its `-predict` variant
(which adds the prediction to the dataset instead of showing the model), and the
commands whose shape differs: ivregress's instrumented part in parentheses, the groups
after `by` of regress-mml and oaxaca, regress-panel-diff's group and treatment, rdd's
running variable, and hausman's comparison of the panel model's fe and re fits."""

from __future__ import annotations

from ..arguments import Arguments
from ..line import Group, Word
from ..nodes import Model
from ..registry import Takes, flags, register, valued

_MODEL_OPTIONS: dict[str, Takes] = {**flags("robust"), **valued("cluster", "mfx")}
_PREDICT_OPTIONS: dict[str, Takes] = valued("predicted", "residuals")
_PLAIN = ("regress", "logit", "probit", "mlogit", "poisson", "negative-binomial")
_USAGE = (
    "{name} <y> <x-er/xs> [if <betingelse/condition>] [, robust cluster(<variabel/variable>) mfx()]"
)


def terms(args: Arguments, *, stop: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Regressors as written: alder, i.utdanning, c.alder, i.kjonn#c.alder (## too)."""
    out: list[str] = []
    while isinstance(word := args.peek(), Word) and word.kind == "NAME" and word.text not in stop:
        term = args.name()
        while args.is_op("#"):
            args.op("#")
            joined = "##" if args.is_op("#") else "#"
            if joined == "##":
                args.op("#")
            term += joined + args.name(("et ledd etter «#»", "a term after '#'"))
        out.append(term)
    return tuple(out)


def _model(args: Arguments) -> Model:
    y = args.name(("utfallsvariabelen", "the outcome variable"))
    xs = terms(args, stop=("by",))
    return Model(**args.common(), y=y, xs=xs)


def _y_named_terms(args: Arguments, *named: tuple[str, str]) -> Model:
    """`<y> <one variable for each of named> <x terms>`: the named variables are the
    model's groups, in their order (rdd's running variable; the group and the treatment
    or event time of the difference in differences)."""
    y = args.name(("utfallsvariabelen", "the outcome variable"))
    groups = tuple(args.name(what) for what in named)
    xs = terms(args)
    args.end()
    return Model(**args.common(), y=y, xs=xs, groups=groups)


@register(
    "regression", _PLAIN, _USAGE, options={**_MODEL_OPTIONS, **flags("standardize")}, condition=True
)
def plain(args: Arguments) -> Model:
    model = _model(args)
    args.end()
    return model


# The -predict variants and regress-panel read as the plain models do.
register(
    "regression",
    tuple(f"{name}-predict" for name in (*_PLAIN, "regress-panel")),
    "{name} <y> <x-er/xs> [if <betingelse/condition>] [, predicted(<navn/name>) residuals(<navn/name>)]",
    options={**_MODEL_OPTIONS, **_PREDICT_OPTIONS, **flags("fe", "re", "be", "pooled")},
    condition=True,
)(plain)
register(
    "regression",
    "regress-panel",
    "regress-panel <y> <x-er/xs> [if <betingelse/condition>] [, fe re be pooled robust cluster() mfx()]",
    options={**_MODEL_OPTIONS, **flags("fe", "re", "be", "pooled")},
    condition=True,
)(plain)


@register(
    "regression",
    "regress-panel-diff",
    "regress-panel-diff <y> <gruppe/group> <behandlet/treated> <x-er/xs> [, fe robust cluster() mfx(dydx)]",
    options={**_MODEL_OPTIONS, **flags("fe")},
    condition=True,
)
def panel_diff(args: Arguments) -> Model:
    return _y_named_terms(
        args,
        ("gruppevariabelen", "the group variable"),
        ("behandlingsvariabelen", "the treatment variable"),
    )


@register(
    "regression",
    "regress-event-diff",
    "regress-event-diff <y> <gruppe/group> <hendelsestid/event time> <x-er/xs> [if] "
    "[, leads(<n>) lags(<n>) reference(<n>) fe robust cluster() mfx(dydx)]",
    options={**_MODEL_OPTIONS, **valued("leads", "lags", "reference"), **flags("fe")},
    condition=True,
)
def event_diff(args: Arguments) -> Model:
    """A regcat extension: regress-panel-diff in event time (one effect per period around
    the event, leads and lags against a reference period)."""
    return _y_named_terms(
        args, ("gruppevariabelen", "the group variable"), ("hendelsestiden", "the event time")
    )


@register(
    "regression",
    "ivregress",
    (
        "ivregress <y> <x-er/xs> (<endogen/endogenous> = <instrumenter/instruments>) [if] "
        "[, tsls liml gmm firststage robust cluster(<variabel/variable>) mfx()]"
    ),
    options={**_MODEL_OPTIONS, **flags("tsls", "liml", "gmm", "firststage")},
    condition=True,
)
def ivregress(args: Arguments) -> Model:
    y = args.name(("utfallsvariabelen", "the outcome variable"))
    xs = list(terms(args))
    part: Group | None = None
    while isinstance(args.peek(), Group):
        if part is not None:
            args.fail(("Bare én del i parentes", "Only one part in parentheses"))
        part = args.group()
        xs.extend(terms(args))
    if part is None:
        args.fail(
            (
                "Den instrumenterte delen mangler: «(endogen = instrumenter)»",
                "The instrumented part is missing: '(endogenous = instruments)'",
            )
        )
    inner = args.inner(part)
    endogenous = terms(inner)
    inner.op("=")
    instruments = terms(inner)
    if not endogenous or not instruments:
        inner.fail(("Begge sider av «=» trenger variabler", "Both sides of '=' need variables"))
    inner.end()
    args.end()
    return Model(**args.common(), y=y, xs=tuple(xs), endogenous=endogenous, instruments=instruments)


@register(
    "regression",
    "rdd",
    "rdd <y> <kjørevariabel/running variable> <x-er/xs> [if <betingelse/condition>] "
    "[, cutoff(<tall/number>) bandwidth(<tall/number>) kernel(triangular|uniform) "
    "fuzzy(<behandling/treatment>) robust cluster(<variabel/variable>) "
    "inference(conventional|robust) biasbandwidth(<tall/number>) "
    "vce(hc0|hc1|hc2|hc3|cr1|cr2|cr3) mfx(dydx)]",
    options={
        **_MODEL_OPTIONS,
        **valued("cutoff", "bandwidth", "kernel", "fuzzy", "inference", "biasbandwidth", "vce"),
    },
    condition=True,
)
def rdd(args: Arguments) -> Model:
    return _y_named_terms(args, ("kjørevariabelen", "the running variable"))


@register(
    "regression",
    ("regress-mml", "oaxaca"),
    "{name} <y> <x-er/xs> by <grupper/groups>",
    options={**_MODEL_OPTIONS, **flags("pooled")},
    condition=True,
)
def by_groups(args: Arguments) -> Model:
    y = args.name(("utfallsvariabelen", "the outcome variable"))
    xs = terms(args, stop=("by",))
    if not args.keyword("by"):
        args.fail(("Her skal det stå «by <grupper>»", "'by <groups>' should stand here"))
    groups = args.names()
    args.end()
    return Model(**args.common(), y=y, xs=xs, groups=groups)


# microdata.no's hausman names the model itself (the runner keeps no fitted models): it
# fits regress-panel's fe and re of the same outcome and regressors and compares them.
register(
    "regression",
    "hausman",
    "hausman <y> <x-er/xs> [if <betingelse/condition>] [, robust cluster(<variabel/variable>) mfx(dydx)]",
    options=_MODEL_OPTIONS,
    condition=True,
)(plain)
