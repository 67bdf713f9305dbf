"""Tables and summaries: tabulate, summarize, the panel statistics, correlate, ci,
normaltest and anova."""

from __future__ import annotations

from ..arguments import Arguments
from ..nodes import Anova, Statistic
from ..registry import flags, register, valued

TABULATE_OPTIONS = {
    **flags(
        "missing", "nolabels", "freq", "rowpct", "colpct", "cellpct", "chi2",
        "mean", "std", "sum", "p25", "p50", "p75", "gini", "iqr",
    ),
    **valued("summarize", "top", "bottom"),
}  # fmt: skip


def _variables(args: Arguments) -> tuple[str, ...]:
    names = args.names()
    args.end()
    return names


@register(
    "statistics",
    "tabulate",
    "tabulate <variabler/variables> [if <betingelse/condition>] [, missing rowpct colpct cellpct summarize(<variabel/variable>) …]",
    options=TABULATE_OPTIONS,
    condition=True,
)
def tabulate(args: Arguments) -> Statistic:
    return Statistic(**args.common(), variables=_variables(args))


@register(
    "statistics",
    "summarize",
    "summarize <variabler/variables> [if <betingelse/condition>] [, gini iqr]",
    options=flags("gini", "iqr"),
    condition=True,
)
def summarize(args: Arguments) -> Statistic:
    return Statistic(**args.common(), variables=_variables(args))


@register(
    "statistics",
    ("tabulate-panel", "summarize-panel", "transitions-panel"),
    "{name} <variabler/variables> [if <betingelse/condition>]",
    options=flags("missing", "rowpct", "colpct", "cellpct", "gini", "iqr"),
    condition=True,
)
def panel_statistic(args: Arguments) -> Statistic:
    return Statistic(**args.common(), variables=_variables(args))


@register(
    "statistics",
    "correlate",
    "correlate <variabler/variables> [if <betingelse/condition>] [, covariance pairwise obs sig]",
    options=flags("covariance", "pairwise", "obs", "sig"),
    condition=True,
)
def correlate(args: Arguments) -> Statistic:
    return Statistic(**args.common(), variables=_variables(args))


@register(
    "statistics",
    "ci",
    "ci <variabler/variables> [if <betingelse/condition>] [, level(<prosent/percent>)]",
    options=valued("level"),
    condition=True,
)
def ci(args: Arguments) -> Statistic:
    return Statistic(**args.common(), variables=_variables(args))


@register(
    "statistics",
    "normaltest",
    "normaltest <variabler/variables> [if <betingelse/condition>]",
    condition=True,
)
def normaltest(args: Arguments) -> Statistic:
    return Statistic(**args.common(), variables=_variables(args))


@register("statistics", "anova", "anova <y> <x-er/xs> [if <betingelse/condition>]", condition=True)
def anova(args: Arguments) -> Anova:
    y = args.name(("utfallsvariabelen", "the outcome variable"))
    xs = args.names()
    args.end()
    return Anova(**args.common(), y=y, xs=xs)
